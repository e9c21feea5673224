"""Decision-pattern metrics on small hand-built histories whose answers can be counted by eye."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from service.qa.patterns import (
    cochran_armitage,
    decision_flags,
    drift,
    indicator_edits,
    override_by_domain_and_level,
    override_table,
    timeliness_table,
    tool_table,
    wilson_interval,
)

START = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)


def decision(i: int, suggested: int, final: int, *, screener="S1", team="T1", hours=2.0, due_hours=4.0,
             urgency="urgent", month_offset=0, indicators=("n1",), rejected=(), added=(), domains=None,
             missing=(), required=(), completed=()) -> dict:
    received = START + timedelta(days=31 * month_offset + i % 20)
    ids = list(indicators) + list(added)
    return {
        "referral_id": f"R{i}",
        "screener": screener,
        "team": team,
        "referrer_agency": "school",
        "received_at": received,
        "due_at": received + timedelta(hours=due_hours),
        "decided_at": received + timedelta(hours=hours),
        "urgency": urgency,
        "suggested_level": suggested,
        "final_level": final,
        "suggested_confidence": 0.7,
        "suggested_indicators": list(indicators),
        "accepted": [x for x in indicators if x not in rejected],
        "rejected": list(rejected),
        "added": list(added),
        "indicator_domains": domains or {x: ("neglect" if x.startswith("n") else "domestic_abuse") for x in ids},
        "tools_suggested_missing": list(missing),
        "tools_required": list(required),
        "tools_completed": list(completed),
        "outcome": "child_in_need_s17",
    }


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows)


def pick(table: pd.DataFrame, metric: str, group_by: str, group: str) -> pd.Series:
    rows = table[(table["metric"] == metric) & (table["group_by"] == group_by) & (table["group"] == group)]
    assert len(rows) == 1, (metric, group_by, group)
    return rows.iloc[0]


def test_override_rates_and_directions_by_suggested_level_screener_and_domain():
    rows = [
        decision(0, 3, 2, screener="S1", indicators=("n1",)),
        decision(1, 3, 3, screener="S1", indicators=("n1", "d1")),
        decision(2, 3, 4, screener="S2", team="T2", indicators=("d1",)),
        decision(3, 2, 2, screener="S2", team="T2", indicators=("d2",)),
        decision(4, 2, 1, screener="S1", indicators=("n2",)),
    ]
    table = override_table(frame(rows))
    assert pick(table, "override_rate", "all", "all")[["n", "value"]].tolist() == [5, 3 / 5]
    assert pick(table, "override_rate", "suggested_level", "3")["value"] == pytest.approx(2 / 3)
    assert pick(table, "override_up_rate", "suggested_level", "3")["value"] == pytest.approx(1 / 3)
    assert pick(table, "override_down_rate", "suggested_level", "2")["value"] == pytest.approx(1 / 2)
    assert pick(table, "override_down_rate", "screener", "S1")["value"] == pytest.approx(2 / 3)
    assert pick(table, "override_up_rate", "team", "T2")["value"] == pytest.approx(1 / 2)
    # A referral counts in every domain it touches: neglect = R0, R1, R4; domestic abuse = R1, R2, R3.
    neglect = pick(table, "override_down_rate", "domain", "neglect")
    assert (neglect["n"], neglect["value"]) == (3, pytest.approx(2 / 3))
    assert pick(table, "override_rate", "domain", "domestic_abuse")["value"] == pytest.approx(1 / 3)
    assert pick(table, "override_rate", "indicator", "n1")["value"] == pytest.approx(1 / 2)
    for _, row in table.iterrows():
        assert row["ci_low"] <= row["value"] <= row["ci_high"]

    rate, n = override_by_domain_and_level(frame(rows))
    assert rate.loc["neglect", 3] == pytest.approx(1 / 2) and n.loc["neglect", 3] == 2
    assert n.loc["neglect", 4] == 0


def test_indicator_edits_count_rejections_and_additions():
    rows = [
        decision(0, 3, 3, indicators=("n1", "d1"), rejected=("d1",)),
        decision(1, 3, 3, indicators=("n1", "d1"), rejected=("d1",), added=("n9",)),
        decision(2, 3, 3, indicators=("d1",), added=("n9",)),
    ]
    edits = indicator_edits(frame(rows)).set_index("indicator")
    assert edits.loc["d1", ["suggested", "rejected", "added"]].tolist() == [3, 2, 0]
    assert edits.loc["d1", "rejected_rate"] == pytest.approx(2 / 3)
    assert edits.loc["n9", ["suggested", "added"]].tolist() == [0, 2]
    assert edits.loc["n9", "domain"] == "neglect"
    assert edits.index[0] == "d1"  # most rejected first


def test_tools_flagged_missing_against_required_completed_and_on_time():
    rows = [
        decision(0, 3, 3, missing=("CSE",), required=("CSE",), completed=("CSE",), screener="S1"),
        decision(1, 3, 3, missing=("CSE",), required=(), screener="S2", hours=6),  # late
        decision(2, 3, 3, missing=("CSE", "COG"), required=("COG",), screener="S2"),
        decision(3, 3, 3),
    ]
    table = tool_table(frame(rows))
    assert pick(table, "tool_required_rate", "tool", "CSE")[["n", "value"]].tolist() == [3, pytest.approx(1 / 3)]
    assert pick(table, "tool_completed_rate", "tool", "CSE")["value"] == pytest.approx(1 / 3)
    assert pick(table, "tool_on_time_rate", "tool", "CSE")["value"] == pytest.approx(2 / 3)
    assert pick(table, "tool_not_required_rate", "screener|tool", "S2|CSE")["value"] == 1.0
    assert pick(table, "tool_required_rate", "tool", "COG")["value"] == 1.0


def test_timeliness_on_time_share_and_median_hours_by_urgency():
    rows = [
        decision(0, 4, 4, urgency="urgent", hours=1, due_hours=4),
        decision(1, 4, 4, urgency="urgent", hours=4, due_hours=4),  # exactly on the due time counts as on time
        decision(2, 4, 4, urgency="urgent", hours=9, due_hours=4),
        decision(3, 2, 2, urgency="early_help", hours=80, due_hours=72, screener="S2"),
    ]
    table = timeliness_table(frame(rows), n_resamples=200)
    assert pick(table, "on_time_rate", "urgency", "urgent")["value"] == pytest.approx(2 / 3)
    assert pick(table, "on_time_rate", "screener", "S2")["value"] == 0.0
    median = pick(table, "median_hours_to_decision", "urgency", "urgent")
    assert median["value"] == 4.0 and 1.0 <= median["ci_low"] <= median["ci_high"] <= 9.0
    assert pick(table, "on_time_rate", "urgency|month", "urgent|2025-03")["n"] == 3
    assert bool(decision_flags(frame(rows))["on_time"].iloc[1]) is True


def test_drift_compares_first_and_last_month_with_scipy_chi_square():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(120):
        month = i // 40
        level = int(rng.choice([1, 2, 3, 4], p=[0.1, 0.5, 0.3, 0.1] if month < 2 else [0.1, 0.1, 0.4, 0.4]))
        rows.append(decision(i, level, level, month_offset=month))
    result = drift(frame(rows))
    assert list(result.level_mix.index) == ["2025-03", "2025-04", "2025-05"]
    np.testing.assert_allclose(result.level_mix.sum(axis=1), 1.0)
    table = result.counts.loc[["2025-03", "2025-05"]].to_numpy()
    table = table[:, table.sum(axis=0) > 0]
    assert result.level_mix_chi2_p == pytest.approx(stats.chi2_contingency(table)[1])
    assert result.level_mix_chi2_p < 0.05
    assert np.isnan(result.override_trend_z)  # no overrides at all: no trend to test


def test_cochran_armitage_trend():
    z, p = cochran_armitage(np.array([5, 10, 15, 20]), np.array([50, 50, 50, 50]))
    assert z > 0 and p < 0.01
    z, p = cochran_armitage(np.array([10, 10, 10]), np.array([50, 50, 50]))
    assert z == pytest.approx(0.0) and p == pytest.approx(1.0)
    # Two groups: the trend test is the two-proportion z-test.
    z, _ = cochran_armitage(np.array([10, 20]), np.array([50, 50]))
    pooled = 30 / 100
    assert z == pytest.approx((20 / 50 - 10 / 50) / np.sqrt(pooled * (1 - pooled) * (1 / 50 + 1 / 50)))


def test_wilson_interval_known_values():
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
