import numpy as np

from nlp.level_model import LevelClassifier
from nlp.narrative_model import NarrativeClassifier
from nlp.held_out import out_of_fold_probabilities


def test_out_of_fold_probabilities_keep_level_columns_for_arrays():
    # One feature equal to the level: a correct fold model puts the most probability on it.
    # (sklearn's cross_val_predict label-encodes levels 1-4 as 0-3 and scrambled these columns.)
    rng = np.random.default_rng(0)
    y = np.repeat([1, 2, 3, 4], 10)
    X = np.column_stack([y + rng.normal(0, 0.1, len(y)), rng.normal(0, 1, len(y))])
    probabilities = out_of_fold_probabilities(LevelClassifier(C=10.0, n_pipeline_features=2), X, y, folds=5)
    assert probabilities.shape == (40, 4)
    assert (np.argmax(probabilities, axis=1) + 1 == y).mean() > 0.9


def test_out_of_fold_probabilities_for_texts_never_see_the_case_itself():
    texts = [f"unique{i} " + ("bruise baby unexplained" if i % 2 else "happy settled school") for i in range(20)]
    y = [4 if i % 2 else 1 for i in range(20)]
    probabilities = out_of_fold_probabilities(NarrativeClassifier(min_df=1), texts, y, folds=4)
    assert probabilities.shape == (20, 4)
    assert (np.where(probabilities[:, 3] > probabilities[:, 0], 4, 1) == np.array(y)).all()


def test_grouped_folds_never_fit_on_the_held_out_cases_author():
    # Each author writes in a tell-tale style word; a model that saw the author would use it.
    from sklearn.base import BaseEstimator, ClassifierMixin

    class RemembersAuthors(BaseEstimator, ClassifierMixin):
        def fit(self, X, y):
            self.seen_ = {row[0] for row in X}
            self.classes_ = np.unique(y)
            return self

        def predict_proba(self, X):
            return np.array([[1.0 if row[0] in self.seen_ else 0.0, 0.0] for row in X])

    authors = np.repeat(np.arange(6), 8)
    X = np.column_stack([authors, np.arange(48)])
    y = np.tile([0, 1], 24)
    grouped = out_of_fold_probabilities(RemembersAuthors(), X, y, folds=3, groups=authors)
    assert (grouped[:, 0] == 0).all()  # no case was predicted by a model that had seen its author
    plain = out_of_fold_probabilities(RemembersAuthors(), X, y, folds=3)
    assert (plain[:, 0] == 1).any()


def test_too_few_groups_fall_back_to_stratified_folds():
    rng = np.random.default_rng(1)
    y = np.repeat([1, 2, 3, 4], 10)
    X = np.column_stack([y + rng.normal(0, 0.1, len(y)), rng.normal(0, 1, len(y))])
    one_author = ["a"] * len(y)
    probabilities = out_of_fold_probabilities(LevelClassifier(C=10.0, n_pipeline_features=2), X, y, folds=5, groups=one_author)
    assert (np.argmax(probabilities, axis=1) + 1 == y).mean() > 0.9


def test_folds_fitted_in_parallel_give_the_same_probabilities():
    texts = [f"case{i} " + ("bruise baby unexplained" if i % 2 else "happy settled school") for i in range(24)]
    y = [4 if i % 2 else 1 for i in range(24)]
    groups = [f"author{i % 6}" for i in range(24)]
    serial = out_of_fold_probabilities(NarrativeClassifier(min_df=1), texts, y, folds=3, groups=groups)
    parallel = out_of_fold_probabilities(NarrativeClassifier(min_df=1), texts, y, folds=3, groups=groups, n_jobs=2)
    assert np.array_equal(serial, parallel)


def test_the_recall_lower_bound_is_below_the_recall_and_tightens_with_more_cases():
    from nlp.held_out import recall_lower_bound

    assert recall_lower_bound(0, 0) == 0.0
    assert recall_lower_bound(97, 100) < 0.97
    assert abs(recall_lower_bound(97, 100) - 0.9273) < 1e-3  # Wilson score, one-sided 95%
    assert recall_lower_bound(970, 1000) > recall_lower_bound(97, 100)
    assert 0.5 < recall_lower_bound(3, 3) < 0.6  # three of three says little
    assert recall_lower_bound(100, 100) < 1.0
