"""The statistics training, evaluation and QA all report, written once: Wilson score bounds of a
proportion (a recall, an override rate) and the quadratic weighted kappa of confusion matrices.

It lives in `nlp` because every other package imports `nlp` and none imports another's code.
"""

from __future__ import annotations

import numpy as np

QUADRATIC_WEIGHTS = (np.arange(4)[:, None] - np.arange(4)[None, :]) ** 2


def wilson_lower_bound(hits: int, total: int, z: float) -> float:
    """The Wilson score lower bound of hits/total at normal quantile z (0 without cases)."""
    if total <= 0:
        return 0.0
    p = hits / total
    centre = p + z * z / (2 * total)
    spread = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return float((centre - spread) / (1 + z * z / total))


def wilson_interval(hits: int, total: int, z: float = 1.96) -> tuple[float, float] | None:
    """Two-sided Wilson score interval of hits/total (95% at z 1.96); None without cases. Its
    upper bound is one minus the lower bound of the misses; at 0 or all hits the bound is exactly
    0 or 1 (floating point would leave 1e-17)."""
    if total <= 0:
        return None
    low = 0.0 if hits <= 0 else max(0.0, wilson_lower_bound(hits, total, z))
    high = 1.0 if hits >= total else min(1.0, 1.0 - wilson_lower_bound(total - hits, total, z))
    return low, high


def quadratic_kappa_of_counts(counts) -> np.ndarray:
    """Quadratic weighted kappa of one or many 4x4 confusion matrices (shape (..., 4, 4)), as
    scikit-learn computes it from the cases; nan where it is undefined (one level on both sides)."""
    counts = np.asarray(counts, dtype=float)
    expected = counts.sum(axis=-1, keepdims=True) * counts.sum(axis=-2, keepdims=True) / counts.sum(axis=(-2, -1), keepdims=True)
    observed_cost = (QUADRATIC_WEIGHTS * counts).sum(axis=(-2, -1))
    expected_cost = (QUADRATIC_WEIGHTS * expected).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected_cost > 0, 1.0 - observed_cost / expected_cost, np.nan)
