"""Reading a logged level model back: settings missing from older models keep their old meaning."""

import json

import joblib

from nlp.champion import read_level_model
from nlp.verifier import BEFORE_CATALOGUE_1_1, COUNTS_ON_ITS_OWN


def _write(directory, **meta):
    joblib.dump({"estimator": None}, directory / "level_model.joblib")
    (directory / "level_model_meta.json").write_text(json.dumps({"theme_ids": ["neglect"], "embedding_dimension": 3, **meta}))


def test_a_model_without_corroboration_kinds_keeps_the_kinds_it_was_trained_with(tmp_path):
    _write(tmp_path, corroboration=0.3)
    model = read_level_model(tmp_path, "threshold-assist/2")
    assert model.counts_on_its_own == BEFORE_CATALOGUE_1_1
    assert model.corroboration == 0.3 and model.narrative is None and model.exemplar_rows == []


def test_a_model_with_corroboration_kinds_reads_them(tmp_path):
    _write(tmp_path, corroboration=0.7, counts_on_its_own=list(COUNTS_ON_ITS_OWN))
    assert read_level_model(tmp_path, "threshold-assist/3").counts_on_its_own == COUNTS_ON_ITS_OWN


def test_a_model_built_in_training_takes_todays_kinds():
    from nlp.level_model import TrainedLevelModel

    assert TrainedLevelModel(None, ["neglect"], 3, "v").counts_on_its_own == COUNTS_ON_ITS_OWN


def test_a_model_without_the_lower_bar_lets_its_kinds_count_whatever_the_narrative_says(tmp_path):
    _write(tmp_path, corroboration=0.7, counts_on_its_own=list(COUNTS_ON_ITS_OWN))
    assert read_level_model(tmp_path, "threshold-assist/4").counts_on_its_own_minimum == 0.0
    _write(tmp_path, corroboration=0.7, counts_on_its_own=list(COUNTS_ON_ITS_OWN), counts_on_its_own_minimum=0.05)
    assert read_level_model(tmp_path, "threshold-assist/5").counts_on_its_own_minimum == 0.05


def test_a_model_without_the_universal_need_veto_never_sets_a_level_4_match_aside_by_it(tmp_path):
    _write(tmp_path, corroboration=0.7, counts_on_its_own=list(COUNTS_ON_ITS_OWN), counts_on_its_own_minimum=0.05)
    assert read_level_model(tmp_path, "threshold-assist/5").universal_need_veto == 0.0
    _write(tmp_path, corroboration=0.7, counts_on_its_own=list(COUNTS_ON_ITS_OWN), universal_need_veto=0.5)
    assert read_level_model(tmp_path, "threshold-assist/8").universal_need_veto == 0.5
