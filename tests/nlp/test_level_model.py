import numpy as np

from nlp.level_model import LevelClassifier


def _blocks(n: int = 80, seed: int = 0):
    """Rows of [pipeline (2, the second is the floor), embedding (3), narrative (4)]."""
    rng = np.random.default_rng(seed)
    y = np.repeat([1, 2, 3, 4], n // 4)
    pipeline = np.column_stack([rng.normal(0, 1, n), np.ones(n)])
    embedding = rng.normal(0, 1, (n, 3))
    narrative = np.column_stack([-(np.abs(y - k)) + rng.normal(0, 0.2, n) for k in (1, 2, 3, 4)])
    return np.hstack([pipeline, embedding, narrative]), y


def test_feature_blocks_choose_columns():
    X, y = _blocks()
    model = LevelClassifier(n_pipeline_features=2, n_narrative_features=4, use_pipeline=False, use_embedding=False)
    assert model._columns(X).shape[1] == 4
    assert np.array_equal(model._columns(X), X[:, -4:])
    both = LevelClassifier(n_pipeline_features=2, n_narrative_features=4, use_embedding=False)
    assert np.array_equal(both._columns(X), np.hstack([X[:, :2], X[:, -4:]]))
    assert LevelClassifier(n_pipeline_features=2, n_narrative_features=4)._columns(X).shape[1] == X.shape[1]


def test_narrative_block_alone_learns_the_level():
    X, y = _blocks()
    model = LevelClassifier(n_pipeline_features=2, n_narrative_features=4, use_pipeline=False, use_embedding=False, under_call_cost=1.0).fit(X, y)
    assert (model.predict(X) == y).mean() > 0.9


def test_level4_threshold_and_floor_decide_after_fitting():
    X, y = _blocks()
    model = LevelClassifier(floor_column=1, n_pipeline_features=2, n_narrative_features=4, under_call_cost=1.0).fit(X, y)
    probabilities = np.array([[0.5, 0.3, 0.1, 0.1], [0.7, 0.2, 0.05, 0.05]])
    rows = np.zeros((2, X.shape[1]))
    rows[:, 1] = [1, 3]  # the safety floors
    assert list(model.decide(probabilities, rows)) == [1, 3]
    model.set_params(level4_threshold=0.1)  # read at decision time: no refit needed
    assert list(model.decide(probabilities, rows)) == [4, 3]


def test_level3_threshold_lifts_a_doubtful_case_to_level_3_only():
    X, y = _blocks()
    model = LevelClassifier(floor_column=1, n_pipeline_features=2, n_narrative_features=4, under_call_cost=1.0).fit(X, y)
    # P(level >= 3): 0.4, 0.2, 0.4 (the third has a level-4 floor)
    probabilities = np.array([[0.55, 0.05, 0.25, 0.15], [0.7, 0.1, 0.1, 0.1], [0.55, 0.05, 0.25, 0.15]])
    rows = np.zeros((3, X.shape[1]))
    rows[:, 1] = [1, 1, 4]
    assert list(model.decide(probabilities, rows)) == [1, 1, 4]
    model.set_params(level3_threshold=0.4)
    assert list(model.decide(probabilities, rows)) == [3, 1, 4]  # never above 3 by this rule, never below the floor
    model.set_params(level4_threshold=0.15)
    assert list(model.decide(probabilities, rows)) == [4, 1, 4]


def test_level1_veto_stands_the_level4_threshold_aside_but_not_the_floor():
    X, y = _blocks()
    model = LevelClassifier(floor_column=1, n_pipeline_features=2, n_narrative_features=4, under_call_cost=1.0).fit(X, y)
    # P(level 4) reaches the threshold in all three; P(level 1) is 0.65, 0.4 and 0.65
    probabilities = np.array([[0.65, 0.05, 0.05, 0.25], [0.4, 0.2, 0.15, 0.25], [0.65, 0.05, 0.05, 0.25]])
    rows = np.zeros((3, X.shape[1]))
    rows[:, 1] = [1, 1, 4]  # the third has a level-4 safety floor
    model.set_params(level4_threshold=0.2)
    assert list(model.decide(probabilities, rows)) == [4, 4, 4]
    model.set_params(level1_veto=0.6)
    assert list(model.decide(probabilities, rows)) == [1, 4, 4]  # the floor is never vetoed
    del model.level1_veto  # a model pickled before the veto existed decides as before
    assert list(model.decide(probabilities, rows)) == [4, 4, 4]


def test_a_level_with_one_example_still_fits():
    X, y = _blocks(8)
    keep = np.r_[0:2, 2:4, 4:6, 6:7]
    model = LevelClassifier(n_pipeline_features=2, n_narrative_features=4).fit(X[keep], y[keep])
    assert model.predict_proba(X).shape == (8, 4)


def test_calibration_none_uses_the_logistic_regressions_own_probabilities():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    X, y = _blocks()
    blocks = {"n_pipeline_features": 2, "n_narrative_features": 4, "use_pipeline": False, "use_embedding": False, "under_call_cost": 1.0}
    plain = LevelClassifier(calibration="none", **blocks).fit(X, y)
    calibrated = LevelClassifier(calibration="sigmoid", **blocks).fit(X, y)
    assert isinstance(plain.calibrated_, Pipeline)
    assert isinstance(calibrated.calibrated_, CalibratedClassifierCV)
    probabilities = plain.predict_proba(X)
    assert np.allclose(probabilities, plain.calibrated_.predict_proba(X[:, -4:]))
    assert (plain.predict(X) == y).mean() > 0.9
