"""Plots logged with every run: level confusion matrix and calibration (reliability) diagram."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def confusion_plot(confusion: list[list[int]], title: str, path: Path) -> Path:
    matrix = np.asarray(confusion)
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.imshow(matrix, cmap="Blues")
    for (row, column), value in np.ndenumerate(matrix):
        axis.text(column, row, str(value), ha="center", va="center", color="black")
    axis.set_xticks(range(4), [f"L{k}" for k in range(1, 5)])
    axis.set_yticks(range(4), [f"L{k}" for k in range(1, 5)])
    axis.set_xlabel("suggested level")
    axis.set_ylabel("gold level")
    axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def calibration_plot(probabilities: list[dict[str, float]], gold: list[int], title: str, path: Path, bins: int = 10) -> Path:
    confidence = np.array([max(p.values()) for p in probabilities])
    chosen = np.array([int(max(p, key=p.get)) for p in probabilities])
    correct = (chosen == np.asarray(gold)).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    centres, accuracy, counts = [], [], []
    for low, high in zip(edges[:-1], edges[1:]):
        mask = (confidence > low) & (confidence <= high)
        if mask.any():
            centres.append(confidence[mask].mean())
            accuracy.append(correct[mask].mean())
            counts.append(int(mask.sum()))
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    axis.plot(centres, accuracy, marker="o", label="model")
    for x, y, n in zip(centres, accuracy, counts):
        axis.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    axis.set_xlabel("confidence of the suggested level")
    axis.set_ylabel("share correct")
    axis.set_title(title)
    axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
