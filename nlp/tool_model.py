"""Learned screening-tool triggers: a safety net beside the guidance's own triggers.

The guidance calls for the CSE / COG tool when an affirmed indicator carries the theme;
when indicator matching misses the wording, the tool is missed too. Per tool, a balanced
logistic regression over the case features (the level model's, including the narrative
embedding) says whether annotated cases like this one needed the tool. Its threshold is
chosen on dev for recall, and it can only add a tool the rules did not flag, never remove one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

TOOLS = ("CSE", "COG")
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))


@dataclass
class ToolTrigger:
    tool: str
    estimator: Pipeline
    threshold: float

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return self.estimator.predict_proba(rows)[:, 1]


def fit_trigger(tool: str, X: np.ndarray, y: np.ndarray, C: float = 0.1) -> Pipeline:
    estimator = make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=2000))
    return estimator.fit(X, y)


def choose_threshold(probabilities: np.ndarray, y: np.ndarray, target_recall: float = 0.95) -> float:
    """The highest threshold whose recall on held-out cases reaches the target (the most
    precise one that is still safe); without positives, the most cautious threshold."""
    positives = y.astype(bool)
    if not positives.any():
        return THRESHOLDS[0]
    for threshold in sorted(THRESHOLDS, reverse=True):
        if (probabilities[positives] >= threshold).mean() >= target_recall:
            return threshold
    return THRESHOLDS[0]


def train_triggers(X_train, required_train: list[set[str]], X_dev, required_dev: list[set[str]], target_recall: float = 0.95) -> list[ToolTrigger]:
    """One trigger per tool that has positive and negative training cases."""
    triggers = []
    for tool in TOOLS:
        y_train = np.array([tool in r for r in required_train], dtype=int)
        if y_train.min() == y_train.max():
            continue
        estimator = fit_trigger(tool, X_train, y_train)
        y_dev = np.array([tool in r for r in required_dev], dtype=int)
        threshold = choose_threshold(estimator.predict_proba(X_dev)[:, 1], y_dev, target_recall)
        triggers.append(ToolTrigger(tool, estimator, threshold))
    return triggers


def learned_tools(triggers: list[ToolTrigger], rows: np.ndarray) -> list[dict[str, float]]:
    """Per case, {tool: probability} for the tools the triggers call for."""
    called: list[dict[str, float]] = [{} for _ in range(len(rows))]
    for trigger in triggers:
        for index, probability in enumerate(trigger.probabilities(rows)):
            if probability >= trigger.threshold:
                called[index][trigger.tool] = float(probability)
    return called
