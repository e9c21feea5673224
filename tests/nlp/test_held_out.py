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
