"""Learned screening-tool triggers: a safety net beside the guidance's own triggers.

The guidance calls for the CSE / COG tool when an affirmed indicator carries the theme;
when indicator matching misses the wording, the tool is missed too. Per tool, a balanced
logistic regression over the case features (the level model's, including the narrative
embedding and the narrative tool probabilities) says whether annotated cases like this one
needed the tool. Its threshold is chosen for recall on held-out cases (the train split
cross-validated, plus dev), and it can only add a tool the rules did not flag, never remove one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from nlp.held_out import out_of_fold_probabilities, recall_lower_bound
from nlp.suggestion import SCREENING_TOOLS

TOOLS = SCREENING_TOOLS
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))


@dataclass
class ToolTrigger:
    tool: str
    estimator: Pipeline
    threshold: float

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return self.estimator.predict_proba(rows)[:, 1]


def trigger_estimator(C: float = 0.1) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=2000))


def fit_trigger(tool: str, X: np.ndarray, y: np.ndarray, C: float = 0.1) -> Pipeline:
    return trigger_estimator(C).fit(X, y)


def choose_threshold(probabilities: np.ndarray, y: np.ndarray, target_recall: float = 0.95, already=None) -> float:
    """The highest threshold whose recall on held-out cases reaches the target at its lower 95%
    confidence bound (the most precise one that is still safe on new cases, not only on
    these); positives the guidance's own triggers already flag (`already`) count as recalled
    at any threshold. Without positives, or if none reaches it, the most cautious."""
    positives = y.astype(bool)
    if not positives.any():
        return THRESHOLDS[0]
    caught = np.zeros(len(y), dtype=bool) if already is None else np.asarray(already, dtype=bool)
    for threshold in sorted(THRESHOLDS, reverse=True):
        hits = int(((probabilities >= threshold) | caught)[positives].sum())
        if recall_lower_bound(hits, int(positives.sum())) >= target_recall:
            return threshold
    return THRESHOLDS[0]


def train_triggers(
    X_train,
    required_train: list[set[str]],
    X_dev,
    required_dev: list[set[str]],
    target_recall: float = 0.95,
    folds: int = 5,
    flagged_train: list[set[str]] | None = None,
    flagged_dev: list[set[str]] | None = None,
    groups=None,
    fold_seed: int = 0,
) -> list[ToolTrigger]:
    """One trigger per tool that has positive and negative training cases. Its threshold
    keeps the target recall of the tool (flagged by the guidance's triggers or by this one)
    on held-out cases: the train split cross-validated (folds shuffled by `fold_seed`) together
    with dev."""
    flagged_train = flagged_train or [set() for _ in required_train]
    flagged_dev = flagged_dev or [set() for _ in required_dev]
    triggers = []
    for tool in TOOLS:
        y_train = np.array([tool in r for r in required_train], dtype=int)
        if y_train.min() == y_train.max():
            continue
        estimator = fit_trigger(tool, X_train, y_train)
        y_dev = np.array([tool in r for r in required_dev], dtype=int)
        train_held_out = _out_of_fold(X_train, y_train, folds, groups, fold_seed)
        held = slice(None) if len(train_held_out) else slice(0)  # too few to cross-validate: dev alone
        threshold = choose_threshold(
            np.concatenate([train_held_out, estimator.predict_proba(X_dev)[:, 1]]),
            np.concatenate([y_train[held], y_dev]),
            target_recall,
            already=[tool in f for f in flagged_train[held]] + [tool in f for f in flagged_dev],
        )
        triggers.append(ToolTrigger(tool, estimator, threshold))
    return triggers


def _out_of_fold(X, y: np.ndarray, folds: int, groups=None, seed: int = 0) -> np.ndarray:
    """Each training case's probability from a trigger fitted on the other folds (whole
    groups, such as authors, when given)."""
    if min(folds, int(y.sum()), int(len(y) - y.sum())) < 2:  # one fold, or one example of an outcome: dev alone chooses
        return np.zeros(0)
    return out_of_fold_probabilities(trigger_estimator(), X, y, folds, seed, groups=groups)[:, 1]


def learned_tools(triggers: list[ToolTrigger], rows: np.ndarray) -> list[dict[str, float]]:
    """Per case, {tool: probability} for the tools the triggers call for."""
    called: list[dict[str, float]] = [{} for _ in range(len(rows))]
    for trigger in triggers:
        for index, probability in enumerate(trigger.probabilities(rows)):
            if probability >= trigger.threshold:
                called[index][trigger.tool] = float(probability)
    return called
