"""Consistency metrics: numbers checked against sklearn and krippendorff directly, and the
bootstrap intervals' basic properties."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from service.qa.agreement import (
    FIGURE_COLUMNS,
    alpha_batch,
    bootstrap_interval,
    confusion_counts,
    consistency_table,
    indicator_agreement,
    kappa_batch,
    level_consistency,
    ordinal_alpha,
    percent_agreement,
    quadratic_kappa,
)
from service.qa.frames import REVIEW_COLUMNS, validate_decisions, validate_reviews


def rated_pairs(n: int, seed: int, noise: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Two raters: the second moves one level away from the first with probability `noise`."""
    rng = np.random.default_rng(seed)
    first = rng.integers(1, 5, n)
    second = np.clip(first + rng.choice([-1, 1], n) * (rng.random(n) < noise), 1, 4)
    return first, second


def reviews_frame(first, second, screeners=None, months=None) -> pd.DataFrame:
    n = len(first)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    screeners = screeners if screeners is not None else ["S1"] * n
    return pd.DataFrame(
        {
            "referral_id": [f"R{i}" for i in range(n)],
            "screener": screeners,
            "team": ["T1" if s in ("S1", "S2") else "T2" for s in screeners],
            "reviewer": ["S9"] * n,
            "first_level": first,
            "second_level": second,
            "first_tools": [["CSE"] if i % 3 == 0 else [] for i in range(n)],
            "second_tools": [["CSE"] if i % 4 == 0 else [] for i in range(n)],
            "first_outcome": ["child_in_need_s17"] * n,
            "second_outcome": ["child_in_need_s17" if i % 5 else "strategy_s47" for i in range(n)],
            "first_indicators": [["a", "b"]] * n,
            "second_indicators": [["a"]] * n,
            "decided_at": months if months is not None else [start + timedelta(days=i % 60) for i in range(n)],
            "reviewed_at": [start + timedelta(days=70)] * n,
        }
    )


# ------------------------------------------------------------------ frames


def test_validation_names_the_missing_columns():
    frame = reviews_frame(*rated_pairs(5, 0)).drop(columns=["reviewer", "second_level"])
    with pytest.raises(ValueError, match="reviews: missing column.*reviewer, second_level"):
        validate_reviews(frame)
    with pytest.raises(ValueError, match="decisions: missing column"):
        validate_decisions(pd.DataFrame({"referral_id": ["R1"]}))


def test_validation_rejects_levels_outside_1_to_4_and_unknown_outcomes():
    frame = reviews_frame(*rated_pairs(5, 0))
    with pytest.raises(ValueError, match="levels must be integers 1-4"):
        validate_reviews(frame.assign(first_level=[1, 2, 5, 3, 4]))
    with pytest.raises(ValueError, match="unknown value"):
        validate_reviews(frame.assign(second_outcome="adopted"))


def test_validation_keeps_only_the_declared_columns():
    frame = reviews_frame(*rated_pairs(5, 0)).assign(narrative="free text")
    assert list(validate_reviews(frame).columns) == list(REVIEW_COLUMNS)


# ------------------------------------------------------------------ point estimates


@pytest.mark.parametrize("seed", range(5))
def test_point_estimates_equal_sklearn_and_krippendorff(seed):
    first, second = rated_pairs(120, seed)
    assert quadratic_kappa(first, second) == pytest.approx(cohen_kappa_score(first, second, weights="quadratic"))
    assert ordinal_alpha(first, second) == pytest.approx(
        krippendorff.alpha(reliability_data=[first, second], level_of_measurement="ordinal")
    )
    assert percent_agreement(first, second) == pytest.approx(np.mean(first == second))


def test_kappa_counts_distances_on_levels_1_to_4_even_when_a_level_is_unused():
    first, second = np.array([1, 2, 4, 4, 1, 2]), np.array([1, 4, 4, 2, 2, 1])
    expected = cohen_kappa_score(first, second, weights="quadratic", labels=[1, 2, 3, 4])
    assert quadratic_kappa(first, second) == pytest.approx(expected)


def test_batch_versions_match_the_libraries_row_by_row():
    rng = np.random.default_rng(7)
    for _ in range(150):
        n = int(rng.integers(2, 30))
        first, second = rated_pairs(n, int(rng.integers(1 << 30)), noise=rng.random())
        if rng.random() < 0.2:  # include degenerate samples
            second = np.full(n, int(rng.integers(1, 5)))
        k, a = kappa_batch(first[None], second[None])[0], alpha_batch(first[None], second[None])[0]
        np.testing.assert_allclose(k, quadratic_kappa(first, second), atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(a, ordinal_alpha(first, second), atol=1e-12, equal_nan=True)


def test_degenerate_samples_give_nan_not_a_number_that_looks_meaningful():
    assert np.isnan(quadratic_kappa([2, 2, 2], [1, 2, 3]))  # first rater constant
    assert np.isnan(ordinal_alpha([3, 3, 3], [3, 3, 3]))  # one level used at all
    assert ordinal_alpha([3, 3, 3], [2, 3, 4]) == pytest.approx(
        krippendorff.alpha(reliability_data=[[3, 3, 3], [2, 3, 4]], level_of_measurement="ordinal")
    )


def test_confusion_counts_match_sklearn():
    first, second = rated_pairs(80, 3)
    counts = confusion_counts(reviews_frame(first, second))
    np.testing.assert_array_equal(counts.to_numpy(), confusion_matrix(first, second, labels=[1, 2, 3, 4]))


# ------------------------------------------------------------------ bootstrap


def test_interval_contains_the_estimate_and_narrows_with_more_referrals():
    widths = {}
    for n in (40, 400):
        first, second = rated_pairs(n, 11)
        found = level_consistency(first, second, seed=0)
        for metric, est in found.items():
            assert est.ci_low <= est.value <= est.ci_high, (metric, n, est)
            assert est.n == n
        widths[n] = {m: e.ci_high - e.ci_low for m, e in found.items()}
    for metric in widths[40]:
        assert widths[400][metric] < widths[40][metric], metric


def test_bootstrap_is_reproducible_with_a_seed_and_reports_usable_resamples():
    first, second = rated_pairs(60, 5)
    a = level_consistency(first, second, seed=3)
    b = level_consistency(first, second, seed=3)
    c = level_consistency(first, second, seed=4)
    assert a == b
    assert a["level_kappa_quadratic"].ci_low != c["level_kappa_quadratic"].ci_low
    assert a["level_kappa_quadratic"].n_valid_resamples == 1000


def test_bootstrap_skips_resamples_where_kappa_is_undefined():
    # Four referrals, only one of them not at level 2: many resamples have a constant rater.
    first, second = np.array([2, 2, 2, 3]), np.array([2, 2, 3, 3])
    low, high, valid = bootstrap_interval(kappa_batch, [first, second], n_resamples=500, rng=np.random.default_rng(0))
    assert 0 < valid < 500
    assert np.isfinite(low) and np.isfinite(high)


# ------------------------------------------------------------------ tables


def test_consistency_table_breaks_down_by_screener_team_level_and_month():
    first, second = rated_pairs(200, 2)
    screeners = [f"S{1 + i % 4}" for i in range(200)]
    table = consistency_table(reviews_frame(first, second, screeners), n_resamples=200)
    assert list(table.columns) == FIGURE_COLUMNS
    assert set(table["group_by"]) == {"all", "screener", "team", "level", "month"}
    assert set(table.loc[table["group_by"] == "screener", "group"]) == {"S1", "S2", "S3", "S4"}
    assert set(table.loc[table["group_by"] == "month", "group"]) == {"2025-01", "2025-02", "2025-03"}

    mask = np.array(screeners) == "S3"
    row = table[(table["metric"] == "level_kappa_quadratic") & (table["group"] == "S3")].iloc[0]
    assert row["n"] == mask.sum()
    assert row["value"] == pytest.approx(cohen_kappa_score(first[mask], second[mask], weights="quadratic"))
    row = table[(table["metric"] == "level_alpha_ordinal") & (table["group_by"] == "team") & (table["group"] == "T2")].iloc[0]
    team2 = np.isin(screeners, ["S3", "S4"])
    assert row["value"] == pytest.approx(
        krippendorff.alpha(reliability_data=[first[team2], second[team2]], level_of_measurement="ordinal")
    )
    # Within one first level the first rater is constant: kappa is undefined there, agreement is not.
    by_level = table[table["group_by"] == "level"]
    assert by_level.loc[by_level["metric"] == "level_kappa_quadratic", "value"].isna().all()
    assert by_level.loc[by_level["metric"] == "level_agreement", "value"].notna().all()


def test_tool_and_outcome_agreement():
    first, second = rated_pairs(60, 1)
    table = consistency_table(reviews_frame(first, second), n_resamples=100)
    table = table[table["group_by"] == "all"].set_index("metric")
    # first_tools has CSE when i % 3 == 0, second when i % 4 == 0: they agree when both or neither hold.
    expected = np.mean([(i % 3 == 0) == (i % 4 == 0) for i in range(60)])
    assert table.loc["tools_agreement", "value"] == pytest.approx(expected)
    assert table.loc["tool_CSE_agreement", "value"] == pytest.approx(expected)
    assert table.loc["tool_COG_agreement", "value"] == 1.0
    assert table.loc["outcome_agreement", "value"] == pytest.approx(np.mean([i % 5 != 0 for i in range(60)]))


def test_indicator_positive_agreement():
    first, second = rated_pairs(10, 1)
    frame = reviews_frame(first, second)  # every review: first chose a and b, second only a
    table = indicator_agreement(frame, n_resamples=100).set_index("group")
    assert table.loc["a", "value"] == 1.0 and table.loc["a", "n"] == 10
    assert table.loc["b", "value"] == 0.0
