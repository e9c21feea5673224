"""Out-of-fold predictions: each training case predicted by a model fitted on the other folds.

scikit-learn's cross_val_predict label-encodes y for predict_proba (levels 1-4 become
0-3), which our estimators' fixed level columns would misread; this loop keeps the levels.

With `groups` (the annotator of each case), a fold holds whole authors: every case is then
predicted by a model that never saw its writer's style, as a referral from a new referrer
would be. Folds are stratified by y, and grouped when there are enough groups to fill them.
"""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from nlp.statistics import wilson_lower_bound


def out_of_fold_probabilities(estimator, X, y, folds: int = 5, seed: int = 0, groups=None, n_jobs: int | None = None) -> np.ndarray:
    """predict_proba for every row of X (a list of texts or an array), each from a model
    fitted on the other folds; folds are stratified by y, and hold whole groups when
    `groups` has at least `folds` distinct values. `n_jobs` fits folds in parallel processes
    (worth it for the narrative models' n-grams; the same folds and result either way)."""
    y = np.asarray(y, dtype=int)
    splits = fold_splits(y, folds, seed, groups)
    held_out = Parallel(n_jobs=n_jobs)(delayed(fit_and_predict)(estimator, X, y, fit_rows, held_rows) for fit_rows, held_rows in splits)
    return assemble(splits, held_out, len(y))


def fold_splits(y, folds: int = 5, seed: int = 0, groups=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (fit rows, held-out rows) of out_of_fold_probabilities: stratified by y, holding whole
    groups when there are at least `folds` of them."""
    y = np.asarray(y, dtype=int)
    folds = max(2, min(folds, int(np.bincount(y)[np.unique(y)].min())))
    if groups is not None and len(set(groups)) >= folds:
        splits = StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, np.asarray(groups))
    else:
        splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    return list(splits)


def assemble(splits, held_out: list[np.ndarray], n_rows: int) -> np.ndarray:
    """One probability row per case from each fold's held-out predictions."""
    probabilities = np.zeros((n_rows, held_out[0].shape[1]))
    for (_, held_rows), held in zip(splits, held_out):
        probabilities[held_rows] = held
    return probabilities


ONE_SIDED_95 = 1.645  # z of a one-sided 95% confidence bound


def recall_lower_bound(hits: int, total: int, z: float = ONE_SIDED_95) -> float:
    """The Wilson score lower confidence bound of a recall of hits/total: how low the recall
    of new cases could plausibly be. A safety target (level-4 recall, tool recall) chosen on
    held-out cases must hold at this bound, not only on average, or it is missed on a new
    sample about half the time. Without cases, 0."""
    return wilson_lower_bound(hits, total, z)


def fit_and_predict(estimator, X, y, fit_rows, held_rows) -> np.ndarray:
    return clone(estimator).fit(_rows(X, fit_rows), y[fit_rows]).predict_proba(_rows(X, held_rows))


def _rows(X, indices: np.ndarray):
    return [X[i] for i in indices] if isinstance(X, list) else np.asarray(X)[indices]
