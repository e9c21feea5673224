"""The simulated history is realistic in shape, and the findings find the planted tendencies
(naming the right screener) and next to nothing in a history without them.

Thresholds are the defaults in service.qa.findings.Thresholds (family-wise 5% per kind of
check, 10-point minimum effect): nothing here is tuned to these seeds. Over 40 other seeds
each planted tendency was found in at least 37 and a control history had about 0.2
screener findings on average, hence "most seeds" and "at most one per two control seeds".
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from service.qa.findings import Thresholds, find_all, level_bias, low_kappa
from service.qa.frames import DECISION_COLUMNS, REVIEW_COLUMNS
from service.qa.simulation import PLANTED_TENDENCIES, simulate_history

PLANTED_SEEDS = (0, 1, 2)
CONTROL_SEEDS = (0, 1, 2, 3, 4, 5)

# tendency -> (finding kind, what the evidence must say)
EXPECTED = {
    "underrates_neglect": ("overrides_down_in_domain", {"domain": "neglect"}),
    "overrates": ("overrides_up", {}),
    "slow": ("slow_decisions", {}),
    "skips_cse": ("tool_left_unrequired", {"tool": "CSE"}),
}


@pytest.fixture(scope="module")
def planted_runs():
    return {seed: find_all(*simulate_history(seed), seed=seed, n_resamples=1000) for seed in PLANTED_SEEDS}


def test_history_has_the_documented_shape():
    decisions, reviews = simulate_history(7, n_referrals=300, start=datetime(2024, 4, 1, tzinfo=timezone.utc), months=5)
    assert list(decisions.columns) == list(DECISION_COLUMNS) and list(reviews.columns) == list(REVIEW_COLUMNS)
    assert len(decisions) == 300 and decisions["referral_id"].is_unique
    assert decisions["screener"].nunique() == 6
    assert decisions.groupby("team")["screener"].nunique().to_dict() == {"T1": 3, "T2": 3}
    assert 0.12 <= len(reviews) / len(decisions) <= 0.25
    assert (reviews["reviewer"] != reviews["screener"]).all()
    assert set(reviews["referral_id"]) <= set(decisions["referral_id"])
    assert decisions["decided_at"].dt.strftime("%Y-%m").nunique() in (5, 6)
    assert decisions["received_at"].min() >= pd.Timestamp("2024-04-01", tz="UTC")
    assert (decisions["decided_at"] > decisions["received_at"]).all()
    for ids, domains in zip(decisions["suggested_indicators"] + decisions["added"], decisions["indicator_domains"]):
        assert set(ids) <= set(domains)
    merged = reviews.merge(decisions, on="referral_id")
    assert (merged["first_level"] == merged["final_level"]).all()


def test_history_is_reproducible_for_a_seed():
    a, b = simulate_history(3, 80), simulate_history(3, 80)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not simulate_history(4, 80)[0]["final_level"].equals(a[0]["final_level"])


@pytest.mark.parametrize("tendency", sorted(EXPECTED))
def test_planted_tendency_is_found_and_pinned_on_the_right_screener(planted_runs, tendency):
    kind, evidence = EXPECTED[tendency]
    (screener,) = [s for s, t in PLANTED_TENDENCIES.items() if t == tendency]
    found_in = 0
    for seed, findings in planted_runs.items():
        named = {
            f.subject
            for f in findings
            if f.kind == kind and f.subject_type == "screener" and all(f.evidence.get(k) == v for k, v in evidence.items())
        }
        assert named <= {screener}, f"seed {seed}: {kind} named {named}, planted on {screener}"
        found_in += screener in named
    assert found_in >= 2, f"{tendency} of {screener} found in {found_in} of {len(planted_runs)} seeds"


def test_findings_are_plain_sentences_naming_only_codes(planted_runs):
    for findings in planted_runs.values():
        for f in findings:
            assert f.severity in ("warning", "watch") and f.subject_type in ("screener", "team", "service")
            assert f.message.endswith(".") and len(f.message) < 300
            if f.subject_type == "screener":
                assert f"Screener {f.subject} " in f.message


def test_control_history_has_next_to_no_screener_findings():
    screener_findings = []
    for seed in CONTROL_SEEDS:
        findings = find_all(*simulate_history(seed, planted=False), seed=seed, n_resamples=1000)
        screener_findings += [(seed, f.subject, f.kind) for f in findings if f.subject_type == "screener"]
    assert len(screener_findings) <= len(CONTROL_SEEDS) // 2, screener_findings


# ------------------------------------------------------------------ single detectors on built data


def _reviews(first, second, screener) -> pd.DataFrame:
    n = len(first)
    when = pd.Timestamp("2025-01-10", tz="UTC")
    return pd.DataFrame(
        {
            "referral_id": [f"R{i}" for i in range(n)], "screener": screener, "team": "T1", "reviewer": "S9",
            "first_level": first, "second_level": second, "first_tools": [[]] * n, "second_tools": [[]] * n,
            "first_outcome": "child_in_need_s17", "second_outcome": "child_in_need_s17",
            "first_indicators": [[]] * n, "second_indicators": [[]] * n, "decided_at": when, "reviewed_at": when,
        }
    )


def test_level_bias_flags_a_screener_whose_levels_are_lower_than_reviewers():
    rng = np.random.default_rng(0)
    second = rng.integers(2, 5, 60)
    first = np.where(np.arange(60) < 30, second - (rng.random(60) < 0.7), second)  # A: lower on most
    screeners = ["A"] * 30 + ["B"] * 30
    findings = level_bias(_reviews(first, second, screeners), Thresholds(), seed=0)
    assert [(f.subject, f.kind) for f in findings] == [("A", "levels_lower_than_reviewers")]
    assert findings[0].evidence["ci_high"] < 0


def test_low_kappa_is_a_warning_only_when_the_whole_interval_is_below_the_floor():
    rng = np.random.default_rng(1)
    first = rng.integers(1, 5, 80)
    noisy = low_kappa(_reviews(first, rng.integers(1, 5, 80), "A"), Thresholds(), seed=0)
    assert noisy and noisy[0].severity == "warning" and "kappa" in noisy[0].message
    assert low_kappa(_reviews(first, first, "A"), Thresholds(), seed=0) == []
