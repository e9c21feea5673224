"""Consistency between a first decision and a blind second review, with bootstrap intervals.

Point estimates of kappa and alpha come from sklearn and krippendorff themselves.
The bootstrap recomputes them on 1000 resamples per group, which would take minutes
through those libraries, so it uses vectorised equivalents (`*_batch`) that the tests
check against the libraries.

Degenerate samples: kappa is reported as NaN when either rater used only one level
(chance agreement then explains everything and the statistic says nothing), alpha when
both raters together used only one level. Resamples where a statistic is NaN are
skipped; `Estimate.n_valid_resamples` says how many were usable.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from nlp.statistics import quadratic_kappa_of_counts
from service.qa.frames import LEVELS, TOOLS, validate_reviews

FIGURE_COLUMNS = ["metric", "group_by", "group", "n", "value", "ci_low", "ci_high"]
DEFAULT_RESAMPLES = 1000
_K = len(LEVELS)
_MAX_CELLS = 2_000_000  # resample in chunks so memory stays bounded for big groups


@dataclass(frozen=True)
class Estimate:
    value: float
    ci_low: float
    ci_high: float
    n: int  # referrals the estimate rests on
    n_valid_resamples: int = 0  # bootstrap resamples where the statistic was defined


BatchStatistic = Callable[..., np.ndarray]  # arrays of shape (B, n) -> shape (B,)


# ---------------------------------------------------------------- point estimates


def percent_agreement(first: Sequence, second: Sequence) -> float:
    first, second = np.asarray(first), np.asarray(second)
    return float(np.mean(first == second)) if len(first) else float("nan")


def quadratic_kappa(first: Sequence[int], second: Sequence[int]) -> float:
    """Cohen's quadratic-weighted kappa on levels 1-4 (labels fixed so that a level
    nobody used still counts in the distances); NaN when a rater is constant."""
    first, second = np.asarray(first, dtype=int), np.asarray(second, dtype=int)
    if len(first) == 0 or len(np.unique(first)) < 2 or len(np.unique(second)) < 2:
        return float("nan")
    return float(cohen_kappa_score(first, second, weights="quadratic", labels=list(LEVELS)))


def ordinal_alpha(first: Sequence[int], second: Sequence[int]) -> float:
    """Krippendorff's ordinal alpha for two raters; NaN when only one level was used at all."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if len(first) == 0 or len(np.unique(np.concatenate([first, second]))) < 2:
        return float("nan")
    return float(
        krippendorff.alpha(
            reliability_data=np.vstack([first, second]), value_domain=list(LEVELS), level_of_measurement="ordinal"
        )
    )


def mean_signed_difference(first: Sequence[int], second: Sequence[int]) -> float:
    """Mean of first - second: below 0 means the first screener places referrals lower."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    return float(np.mean(first - second)) if len(first) else float("nan")


# ---------------------------------------------------------------- batch versions (rows = resamples)


def agreement_batch(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first == second).mean(axis=1)


def mean_difference_batch(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first.astype(float) - second.astype(float)).mean(axis=1)


def mean_batch(values: np.ndarray) -> np.ndarray:
    return values.astype(float).mean(axis=1)


def _confusion_batch(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    b = first.shape[0]
    codes = (first - 1) * _K + (second - 1) + (np.arange(b)[:, None] * _K * _K)
    return np.bincount(codes.ravel(), minlength=b * _K * _K).reshape(b, _K, _K).astype(float)


def kappa_batch(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Quadratic-weighted kappa per row; equals sklearn's with labels=[1,2,3,4]; nan where a rater
    used one level only."""
    counts = _confusion_batch(first, second)
    kappa = quadratic_kappa_of_counts(counts)
    rows, cols = counts.sum(axis=2), counts.sum(axis=1)
    degenerate = ((rows > 0).sum(axis=1) < 2) | ((cols > 0).sum(axis=1) < 2)
    return np.where(degenerate, np.nan, kappa)


def alpha_batch(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal alpha per row for two raters without missing values;
    equals krippendorff.alpha(..., value_domain=[1,2,3,4], level_of_measurement="ordinal")."""
    counts = _confusion_batch(first, second)
    coincidences = counts + counts.transpose(0, 2, 1)  # each unit gives the pairs (a,b) and (b,a)
    n_v = coincidences.sum(axis=2)
    total = n_v.sum(axis=1)
    cum = np.concatenate([np.zeros((len(n_v), 1)), np.cumsum(n_v, axis=1)], axis=1)
    lo = np.minimum.outer(np.arange(_K), np.arange(_K))
    hi = np.maximum.outer(np.arange(_K), np.arange(_K))
    between = cum[:, hi + 1] - cum[:, lo]  # sum of n_g for g from c to k
    distance = (between - (n_v[:, :, None] + n_v[:, None, :]) / 2) ** 2
    observed = (coincidences * distance).sum(axis=(1, 2))
    expected = (n_v[:, :, None] * n_v[:, None, :] * distance).sum(axis=(1, 2)) / (total - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1 - observed / expected
    return np.where((n_v > 0).sum(axis=1) < 2, np.nan, alpha)


# ---------------------------------------------------------------- bootstrap


def group_rng(seed: int, label: str, columns: Sequence[np.ndarray] = ()) -> np.random.Generator:
    """A generator keyed by (seed, metric, the group's data), not by the group's name or the
    order groups are computed in: the same referrals get the same interval whatever the
    screener or team is called."""
    key = zlib.crc32(label.encode())
    for column in columns:
        key = zlib.crc32(np.ascontiguousarray(column).tobytes(), key)
    return np.random.default_rng([seed, key])


def bootstrap_interval(
    statistic: BatchStatistic,
    columns: Sequence[np.ndarray],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
    confidence: float = 0.95,
) -> tuple[float, float, int]:
    """Percentile interval from resampling referrals (rows of `columns`) with replacement.
    Returns (low, high, number of resamples where the statistic was defined)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    columns = [np.asarray(c) for c in columns]
    n = len(columns[0])
    if n == 0 or n_resamples <= 0:
        return float("nan"), float("nan"), 0
    chunk = max(1, _MAX_CELLS // n)
    values = []
    for start in range(0, n_resamples, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
        values.append(statistic(*(c[idx] for c in columns)))
    values = np.concatenate(values)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan"), 0
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high), int(len(values))


def estimate(
    statistic: BatchStatistic,
    columns: Sequence[np.ndarray],
    point: float | None = None,
    **bootstrap_kwargs,
) -> Estimate:
    columns = [np.asarray(c) for c in columns]
    n = len(columns[0])
    if point is None:
        point = float(statistic(*(c[None, :] for c in columns))[0]) if n else float("nan")
    if not np.isfinite(point):
        return Estimate(float("nan"), float("nan"), float("nan"), n, 0)
    low, high, valid = bootstrap_interval(statistic, columns, **bootstrap_kwargs)
    return Estimate(point, low, high, n, valid)


# ---------------------------------------------------------------- tables


def level_consistency(
    first: Sequence[int], second: Sequence[int], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> dict[str, Estimate]:
    """Agreement, kappa, alpha and mean signed difference (first - second) on levels."""
    first, second = np.asarray(first, dtype=int), np.asarray(second, dtype=int)
    specs = {
        "level_agreement": (agreement_batch, percent_agreement(first, second)),
        "level_kappa_quadratic": (kappa_batch, quadratic_kappa(first, second)),
        "level_alpha_ordinal": (alpha_batch, ordinal_alpha(first, second)),
        "level_mean_signed_difference": (mean_difference_batch, mean_signed_difference(first, second)),
    }
    return {
        metric: estimate(fn, [first, second], point, n_resamples=n_resamples, rng=group_rng(seed, metric, [first, second]))
        for metric, (fn, point) in specs.items()
    }


def _match_columns(reviews: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per review: 1 when first and second agree on the item, else 0."""
    first_tools = reviews["first_tools"].map(frozenset)
    second_tools = reviews["second_tools"].map(frozenset)
    columns = {
        "tools_agreement": (first_tools == second_tools).to_numpy(int),
        "outcome_agreement": (reviews["first_outcome"] == reviews["second_outcome"]).to_numpy(int),
    }
    for tool in TOOLS:
        columns[f"tool_{tool}_agreement"] = np.array(
            [(tool in a) == (tool in b) for a, b in zip(first_tools, second_tools)], dtype=int
        )
    return columns


def _months(timestamps: pd.Series) -> pd.Series:
    return timestamps.dt.tz_convert("UTC").dt.strftime("%Y-%m")


def consistency_table(
    reviews: pd.DataFrame, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> pd.DataFrame:
    """Long-format consistency figures, overall and by screener, team, level (first) and month.
    Within one level the first rater is constant, so kappa and alpha are NaN there by design."""
    reviews = validate_reviews(reviews)
    groupings = {
        "all": pd.Series("all", index=reviews.index),
        "screener": reviews["screener"],
        "team": reviews["team"],
        "level": reviews["first_level"].astype(str),
        "month": _months(reviews["decided_at"]),
    }
    matches = _match_columns(reviews)
    rows = []
    for group_by, keys in groupings.items():
        for group, sub in reviews.groupby(keys, sort=True):
            found = level_consistency(sub["first_level"], sub["second_level"], n_resamples=n_resamples, seed=seed)
            for metric, column in matches.items():
                values = column[sub.index]
                rng = group_rng(seed, metric, [values])
                found[metric] = estimate(mean_batch, [values], n_resamples=n_resamples, rng=rng)
            rows += [figure_row(metric, group_by, group, est) for metric, est in found.items()]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def indicator_agreement(
    reviews: pd.DataFrame, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, min_n: int = 1
) -> pd.DataFrame:
    """Per indicator: positive agreement 2*both / (first + second) over the reviews where
    either reviewer chose it (n). 1 means whenever one chose it the other did too."""
    reviews = validate_reviews(reviews)
    first = reviews["first_indicators"].map(set)
    second = reviews["second_indicators"].map(set)
    ids = sorted(set().union(*first, *second)) if len(reviews) else []
    rows = []
    for indicator in ids:
        in_first = np.array([indicator in s for s in first], dtype=int)
        in_second = np.array([indicator in s for s in second], dtype=int)
        either = (in_first | in_second).astype(bool)
        if either.sum() < min_n:
            continue
        a, b = in_first[either], in_second[either]
        est = estimate(
            _positive_agreement_batch, [a, b], n_resamples=n_resamples, rng=group_rng(seed, "indicator", [a, b])
        )
        rows.append(figure_row("indicator_positive_agreement", "indicator", indicator, est))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def _positive_agreement_batch(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    both = (first & second).sum(axis=1)
    total = first.sum(axis=1) + second.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * both / total, np.nan)


def confusion_counts(reviews: pd.DataFrame) -> pd.DataFrame:
    """4x4 counts: rows first decision level, columns second review level."""
    reviews = validate_reviews(reviews)
    table = pd.crosstab(reviews["first_level"], reviews["second_level"])
    return table.reindex(index=list(LEVELS), columns=list(LEVELS), fill_value=0).astype(int)


def figure_row(metric: str, group_by: str, group: object, est: Estimate) -> dict:
    return {
        "metric": metric,
        "group_by": group_by,
        "group": str(group),
        "n": int(est.n),
        "value": float(est.value),
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
    }
