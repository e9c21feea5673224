import numpy as np
import pytest

from nlp.narrative_model import NarrativeClassifier, at_least, log_probabilities

# Small hand-written narratives whose level shows in their words, typos included.
NARRATIVES = {
    1: ["Year 4 pupil, happy and settled, attendance 98%, no concerns.", "Mum asking about holiday clubs, no worries at home.",
        "Healthy baby, HV contact routine, thriving and meeting milestones."],
    2: ["Late to school most days, mum struggling since dad left, would like early help.", "Family in debt, food bank used twice, kids ok at school.",
        "Lad getting into arguments at school, parents want parenting course."],
    3: ["Ongoing DV, mum has left with the kids, refuge space, children upset.", "Teen self harming, CAMHS engaged, parents worried but supportive.",
        "Chronic neglect, house dirty, children often hungry, mum trying but not coping."],
    4: ["4mo baby bruise to cheek, parents no explanation.", "Girl 13 disclosed dad touched her sexually last night.",
        "Boy 15 found with knife and drugs in trap house, county lines, adults exploiting him."],
}


def _data():
    texts = [t for level in NARRATIVES for t in NARRATIVES[level]]
    levels = [level for level in NARRATIVES for _ in NARRATIVES[level]]
    return texts, levels


def test_probabilities_have_one_column_per_level_even_when_a_level_is_missing():
    texts, levels = _data()
    keep = [i for i, level in enumerate(levels) if level != 2]
    model = NarrativeClassifier(min_df=1).fit([texts[i] for i in keep], [levels[i] for i in keep])
    probabilities = model.predict_proba(["Baby with unexplained bruising, parents vague."])
    assert probabilities.shape == (1, 4)
    assert probabilities[0, 1] == 0.0  # level 2 was never seen
    assert np.isclose(probabilities.sum(), 1.0)


def test_the_model_reads_the_level_from_the_words():
    texts, levels = _data()
    model = NarrativeClassifier(min_df=1).fit(texts, levels)
    assert list(model.predict(texts)) == levels
    assert model.predict(["baby 3 months old, bruises on the cheek and no explanation from parents"])[0] == 4


def test_at_least_accumulates_from_the_top_level_down():
    rows = at_least(np.array([[0.1, 0.2, 0.3, 0.4]]))
    assert np.allclose(rows, [[1.0, 0.9, 0.7, 0.4]])


def test_log_probabilities_stay_finite_for_zero_probability():
    assert np.isfinite(log_probabilities(np.array([[0.0, 0.5, 0.5, 0.0]]))).all()


def test_the_reader_gives_level_then_tool_probabilities_and_zero_for_a_tool_without_a_model():
    from nlp.narrative_model import NarrativeReader, NarrativeToolClassifier

    texts, levels = _data()
    gangs = [int("county lines" in t or "knife" in t) for t in texts]
    reader = NarrativeReader(
        NarrativeClassifier(min_df=1).fit(texts, levels),
        {"COG": NarrativeToolClassifier(min_df=1).fit(texts, gangs)},
    )
    rows = reader.probabilities(["boy 14 holding a knife for older lads, county lines", "happy settled pupil"])
    assert rows.shape == (2, 6)
    assert np.allclose(rows[:, :4].sum(axis=1), 1.0)
    assert (rows[:, 4] == 0).all()  # no CSE model
    assert rows[0, 5] > rows[1, 5]
    assert np.allclose(at_least(rows)[:, 0], 1.0)  # tool columns never enter the level sums


def test_models_fitted_on_the_same_texts_share_one_ngram_pass_with_the_same_result():
    from nlp.narrative_model import NarrativeReader, NarrativeToolClassifier

    texts, levels = _data()
    gangs = [int("county lines" in t or "knife" in t) for t in texts]
    shared = NarrativeReader(NarrativeClassifier(min_df=1).fit(texts, levels), {"COG": NarrativeToolClassifier(min_df=1).fit(texts, gangs)})
    assert shared._shared_features() is not None
    separate = NarrativeReader(shared.level, shared.tools)
    separate._shared = None  # force one n-gram pass per model
    probe = ["boy 14 holding a knife for older lads", "happy settled pupil", "baby bruise"]
    assert np.allclose(shared.probabilities(probe), separate.probabilities(probe))
    # models fitted on other texts learned other n-grams: they are read separately
    other = NarrativeReader(shared.level, {"COG": NarrativeToolClassifier(min_df=1).fit(texts[:6] + ["knife county lines"], gangs[:6] + [1])})
    assert other._shared_features() is None
    assert other.probabilities(probe).shape == (3, 6)


def test_cumulative_logistic_gives_ordered_probabilities_that_sum_to_one():
    from nlp.narrative_model import CumulativeLogistic

    rng = np.random.default_rng(0)
    severity = rng.uniform(0, 4, size=400)
    X = np.column_stack([severity + rng.normal(0, 0.3, size=400), rng.normal(size=400)])
    y = np.clip(np.floor(severity).astype(int) + 1, 1, 4)
    model = CumulativeLogistic(C=10.0).fit(X, y)
    probe = np.array([[0.2, 0.0], [1.5, 0.0], [2.5, 0.0], [3.8, 0.0]])
    probabilities = model.predict_proba(probe)
    assert list(model.classes_) == [1, 2, 3, 4]
    assert probabilities.shape == (4, 4)
    assert (probabilities >= 0).all() and np.allclose(probabilities.sum(axis=1), 1.0)
    assert list(model.predict(probe)) == [1, 2, 3, 4]
    # P(level > c) never rises with c: the cuts are made monotone
    above = 1 - np.cumsum(probabilities, axis=1)[:, :-1]
    assert (np.diff(above, axis=1) <= 1e-12).all()


def test_cumulative_logistic_needs_two_classes():
    import pytest

    from nlp.narrative_model import CumulativeLogistic

    with pytest.raises(ValueError, match="two classes"):
        CumulativeLogistic().fit(np.zeros((3, 1)), [2, 2, 2])


def test_the_level_model_is_ordinal_by_default_and_multinomial_on_request():
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from nlp.narrative_model import CumulativeLogistic

    texts, levels = _data()
    ordinal = NarrativeClassifier(min_df=1).fit(texts, levels)
    multinomial = clone(NarrativeClassifier(min_df=1, ordinal=False)).fit(texts, levels)
    assert isinstance(ordinal.model_[-1], CumulativeLogistic)
    assert isinstance(multinomial.model_[-1], LogisticRegression)
    for model in (ordinal, multinomial):
        assert np.allclose(model.predict_proba(texts).sum(axis=1), 1.0)
        assert list(model.predict(texts)) == levels


def test_models_sharing_ngrams_are_the_models_fitted_alone():
    from nlp.narrative_model import NarrativeClassifier, NarrativeToolClassifier, fit_sharing_ngrams, predict_sharing_ngrams

    texts = ["settled happy at school", "late again tired", "bruise on arm unexplained", "county lines knife found",
             "happy and thriving", "missed appointments chaotic home", "disclosed being hit", "older boyfriend gifts knife"]
    levels = [1, 2, 4, 4, 1, 3, 4, 3]
    gangs = [0, 0, 0, 1, 0, 0, 0, 1]
    models = {"level": NarrativeClassifier(min_df=1), "COG": NarrativeToolClassifier(min_df=1)}
    together = fit_sharing_ngrams(models, texts, {"level": levels, "COG": gangs})
    assert together["level"].model_[0] is together["COG"].model_[0]
    assert models["level"].__dict__.get("model_") is None  # the given models are templates, left unfitted
    new = ["hit with a belt", "knife and older boys"]
    read = predict_sharing_ngrams(together, new)
    assert np.allclose(read["level"], NarrativeClassifier(min_df=1).fit(texts, levels).predict_proba(new), atol=1e-12)
    assert np.allclose(read["COG"], NarrativeToolClassifier(min_df=1).fit(texts, gangs).predict_proba(new), atol=1e-12)
    assert read["level"].shape == (2, 4)


def test_models_sharing_ngrams_need_one_min_df():
    from nlp.narrative_model import NarrativeClassifier, NarrativeToolClassifier, fit_sharing_ngrams

    with pytest.raises(ValueError, match="min_df"):
        fit_sharing_ngrams({"level": NarrativeClassifier(min_df=1), "COG": NarrativeToolClassifier(min_df=2)}, ["a b"], {"level": [1], "COG": [0]})


def test_the_top_cut_can_weigh_lower_levels_by_their_quadratic_distance():
    from sklearn.linear_model import LogisticRegression

    from nlp.narrative_model import CumulativeLogistic

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = rng.integers(1, 5, size=200)
    weighted = CumulativeLogistic(top_cut_cost_weights=True).fit(X, y)
    assert weighted._weights(y, 1) is None and weighted._weights(y, 2) is None  # the lower cuts are left alone
    assert dict(zip(y.tolist(), weighted._weights(y, 3).tolist())) == {1: 9.0, 2: 4.0, 3: 1.0, 4: 1.0}
    expected = LogisticRegression(max_iter=3000, random_state=0).fit(X, (y > 3).astype(int), sample_weight=weighted._weights(y, 3))
    assert np.allclose(weighted.cuts_[-1].coef_, expected.coef_)
    plain = CumulativeLogistic().fit(X, y)
    assert np.allclose(plain.cuts_[0].coef_, weighted.cuts_[0].coef_)
    assert not np.allclose(plain.cuts_[-1].coef_, weighted.cuts_[-1].coef_)
    assert np.allclose(weighted.predict_proba(X).sum(axis=1), 1.0)


def test_the_narrative_level_model_weighs_its_level_4_cut_on_request_and_old_pickles_read_unweighted():
    from nlp.narrative_model import CumulativeLogistic

    texts, levels = _data()
    assert NarrativeClassifier(min_df=1).fit(texts, levels).model_[-1].top_cut_cost_weights is False  # off by default
    weighted = NarrativeClassifier(min_df=1, cost_weighted_level4=True).fit(texts, levels)
    assert weighted.model_[-1].top_cut_cost_weights is True
    # a model pickled before the parameter existed has no such attribute: it was fitted without it
    old = CumulativeLogistic.__new__(CumulativeLogistic)
    assert old.top_cut_cost_weights is False
    old_reader = NarrativeClassifier.__new__(NarrativeClassifier)
    assert old_reader.cost_weighted_level4 is False
