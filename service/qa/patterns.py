"""Decision patterns over all decisions: overrides of the suggestion, indicator edits,
screening tools, timeliness and drift over time.

Rates carry a Wilson 95% interval (exact enough for small counts, never outside 0-1);
medians a bootstrap interval. Every table is long format (agreement.FIGURE_COLUMNS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from nlp import statistics
from service.qa.agreement import (
    DEFAULT_RESAMPLES,
    FIGURE_COLUMNS,
    Estimate,
    bootstrap_interval,
    figure_row,
    group_rng,
)
from service.qa.frames import LEVELS, validate_decisions


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """nlp.statistics' Wilson interval at this confidence; nan, nan without decisions (a table cell)."""
    interval = statistics.wilson_interval(int(successes), int(n), float(stats.norm.ppf(1 - (1 - confidence) / 2)))
    return (float("nan"), float("nan")) if interval is None else interval


def proportion(successes: int, n: int) -> Estimate:
    low, high = wilson_interval(int(successes), int(n))
    return Estimate(successes / n if n else float("nan"), low, high, int(n))


def decision_flags(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per decision with the derived yes/no columns every other table counts."""
    d = validate_decisions(decisions)
    out = d[["referral_id", "screener", "team", "urgency", "suggested_level", "final_level"]].copy()
    out["override"] = d["final_level"] != d["suggested_level"]
    out["override_up"] = d["final_level"] > d["suggested_level"]
    out["override_down"] = d["final_level"] < d["suggested_level"]
    out["on_time"] = d["decided_at"] <= d["due_at"]
    out["hours_to_decision"] = (d["decided_at"] - d["received_at"]).dt.total_seconds() / 3600
    out["month"] = d["decided_at"].dt.strftime("%Y-%m")
    # The domains a referral touches: those of every indicator the suggestion or the screener chose.
    out["domains"] = [
        sorted({domains.get(i, "unknown") for i in list(suggested) + list(added)})
        for suggested, added, domains in zip(d["suggested_indicators"], d["added"], d["indicator_domains"])
    ]
    return out


def _rate_rows(flags: pd.DataFrame, keys: pd.Series, group_by: str, metrics: dict[str, str]) -> list[dict]:
    rows = []
    for group, sub in flags.groupby(keys, sort=True):
        for metric, column in metrics.items():
            est = proportion(int(sub[column].sum()), len(sub))
            rows.append(figure_row(metric, group_by, group, est))
    return rows


_OVERRIDE_METRICS = {"override_rate": "override", "override_up_rate": "override_up", "override_down_rate": "override_down"}


def override_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """Share of decisions whose final level differs from the suggested one (and up / down),
    overall and by suggested level, domain, indicator, screener, team and month."""
    flags = decision_flags(decisions)
    d = validate_decisions(decisions)
    rows = []
    for group_by, keys in {
        "all": pd.Series("all", index=flags.index),
        "suggested_level": flags["suggested_level"].astype(str),
        "screener": flags["screener"],
        "team": flags["team"],
        "month": flags["month"],
    }.items():
        rows += _rate_rows(flags, keys, group_by, _OVERRIDE_METRICS)
    by_domain = flags.explode("domains").dropna(subset=["domains"])
    rows += _rate_rows(by_domain, by_domain["domains"], "domain", _OVERRIDE_METRICS)
    by_indicator = flags.assign(indicator=d["suggested_indicators"]).explode("indicator").dropna(subset=["indicator"])
    rows += _rate_rows(by_indicator, by_indicator["indicator"], "indicator", _OVERRIDE_METRICS)
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def override_by_domain_and_level(decisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(override rate, n) as domain x suggested level tables, for the heat map."""
    by_domain = decision_flags(decisions).explode("domains").dropna(subset=["domains"])
    grouped = by_domain.groupby(["domains", "suggested_level"])["override"]
    rate = grouped.mean().unstack().reindex(columns=list(LEVELS))
    n = grouped.size().unstack().reindex(columns=list(LEVELS)).fillna(0).astype(int)
    return rate, n


def screener_domain_counts(decisions: pd.DataFrame) -> pd.DataFrame:
    """Counts per screener x domain: decisions, overridden down, overridden up (for findings)."""
    by_domain = decision_flags(decisions).explode("domains").dropna(subset=["domains"])
    grouped = by_domain.groupby(["screener", "domains"])
    out = grouped.agg(n=("override", "size"), down=("override_down", "sum"), up=("override_up", "sum"))
    return out.reset_index().rename(columns={"domains": "domain"})


def indicator_edits(decisions: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: how often suggested, rejected (share of suggestions) and added by screeners."""
    d = validate_decisions(decisions)
    counts: dict[str, dict[str, int]] = {}
    domains: dict[str, str] = {}
    for column in ("suggested_indicators", "rejected", "added"):
        for ids in d[column]:
            for i in ids:
                counts.setdefault(i, {"suggested_indicators": 0, "rejected": 0, "added": 0})[column] += 1
    for mapping in d["indicator_domains"]:
        domains.update(mapping)
    table = pd.DataFrame.from_dict(counts, orient="index", columns=["suggested_indicators", "rejected", "added"])
    table = table.rename(columns={"suggested_indicators": "suggested"}).rename_axis("indicator").reset_index()
    table["domain"] = table["indicator"].map(domains).fillna("unknown")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["rejected_rate"] = table["rejected"] / table["suggested"].where(table["suggested"] > 0)
    return table.sort_values(["rejected", "added"], ascending=False, ignore_index=True)


def indicator_edit_rows(decisions: pd.DataFrame) -> pd.DataFrame:
    table = indicator_edits(decisions)
    rows = []
    for rec in table.itertuples():
        if rec.suggested:
            rejected = proportion(rec.rejected, rec.suggested)
            rows.append(figure_row("indicator_rejected_rate", "indicator", rec.indicator, rejected))
        added = Estimate(rec.added, np.nan, np.nan, len(decisions))  # n: decisions that could have added it
        rows.append(figure_row("indicator_added_count", "indicator", rec.indicator, added))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def tool_flags(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per (decision, tool) the suggestion flagged missing: was it required, completed, on time?"""
    d = validate_decisions(decisions)
    on_time = d["decided_at"] <= d["due_at"]
    rows = [
        {
            "referral_id": rec.referral_id,
            "screener": rec.screener,
            "team": rec.team,
            "tool": tool,
            "required": tool in rec.tools_required,
            "completed": tool in rec.tools_completed,
            "on_time": bool(on_time.iloc[pos]),
        }
        for pos, rec in enumerate(d.itertuples())
        for tool in rec.tools_suggested_missing
    ]
    return pd.DataFrame(rows, columns=["referral_id", "screener", "team", "tool", "required", "completed", "on_time"])


def tool_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """For tools the suggestion flagged missing: share the screener required, completed,
    left unrequired, and decided on time, by tool and by screener x tool."""
    flags = tool_flags(decisions)
    flags["not_required"] = ~flags["required"]
    metrics = {
        "tool_required_rate": "required",
        "tool_completed_rate": "completed",
        "tool_not_required_rate": "not_required",
        "tool_on_time_rate": "on_time",
    }
    rows = _rate_rows(flags, flags["tool"], "tool", metrics)
    keyed = flags["screener"].astype(str) + "|" + flags["tool"].astype(str)
    rows += _rate_rows(flags, keyed, "screener|tool", {"tool_not_required_rate": "not_required"})
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def timeliness_table(decisions: pd.DataFrame, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Share decided within the MASH timescale (decided_at <= due_at) overall and by urgency,
    screener, team, month and urgency|month; median hours to decision by urgency."""
    flags = decision_flags(decisions)
    rows = []
    for group_by, keys in {
        "all": pd.Series("all", index=flags.index),
        "urgency": flags["urgency"],
        "screener": flags["screener"],
        "team": flags["team"],
        "month": flags["month"],
        "urgency|month": flags["urgency"].astype(str) + "|" + flags["month"].astype(str),
    }.items():
        rows += _rate_rows(flags, keys, group_by, {"on_time_rate": "on_time"})
    for urgency, sub in flags.groupby("urgency", sort=True):
        hours = sub["hours_to_decision"].to_numpy(float)
        low, high, _ = bootstrap_interval(
            lambda h: np.median(h, axis=1), [hours], n_resamples=n_resamples, rng=group_rng(seed, "median", [hours])
        )
        median = Estimate(float(np.median(hours)), low, high, len(hours))
        rows.append(figure_row("median_hours_to_decision", "urgency", urgency, median))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


@dataclass(frozen=True)
class Drift:
    level_mix: pd.DataFrame  # month x final level: share of decisions
    counts: pd.DataFrame  # month x final level: decisions
    level_mix_chi2_p: float  # first vs last month; NaN with fewer than two months
    override_trend_z: float  # Cochran-Armitage over months; > 0 means overrides rising
    override_trend_p: float
    first_month: str | None
    last_month: str | None


def drift(decisions: pd.DataFrame) -> Drift:
    """Level mix and override rate month by month, with a chi-square test of the level mix
    in the first against the last month and a trend test of the override rate."""
    flags = decision_flags(decisions)
    counts = pd.crosstab(flags["month"], flags["final_level"]).reindex(columns=list(LEVELS), fill_value=0)
    mix = counts.div(counts.sum(axis=1), axis=0)
    months = list(counts.index)
    chi2_p = float("nan")
    if len(months) >= 2:
        table = counts.loc[[months[0], months[-1]]].to_numpy()
        table = table[:, table.sum(axis=0) > 0]  # a level nobody used carries no information
        if table.shape[1] >= 2:
            chi2_p = float(stats.chi2_contingency(table)[1])
    per_month = flags.groupby("month")["override"].agg(["sum", "size"]).reindex(months)
    z, p = cochran_armitage(per_month["sum"].to_numpy(), per_month["size"].to_numpy())
    return Drift(mix, counts, chi2_p, z, p, months[0] if months else None, months[-1] if months else None)


def cochran_armitage(successes: np.ndarray, totals: np.ndarray) -> tuple[float, float]:
    """Trend in proportions over ordered groups (scores 0, 1, 2, ...): z and two-sided p."""
    successes, totals = np.asarray(successes, float), np.asarray(totals, float)
    if len(totals) < 2 or totals.sum() == 0:
        return float("nan"), float("nan")
    scores = np.arange(len(totals), dtype=float)
    p_bar = successes.sum() / totals.sum()
    statistic = np.sum(scores * (successes - totals * p_bar))
    variance = p_bar * (1 - p_bar) * (np.sum(totals * scores**2) - np.sum(totals * scores) ** 2 / totals.sum())
    if variance <= 0:
        return float("nan"), float("nan")
    z = statistic / np.sqrt(variance)
    return float(z), float(2 * stats.norm.sf(abs(z)))


def drift_rows(result: Drift) -> pd.DataFrame:
    rows = []
    for month, counts in result.counts.iterrows():
        for level in LEVELS:
            share = proportion(int(counts[level]), int(counts.sum()))
            rows.append(figure_row(f"level_{level}_share", "month", month, share))
    total = int(result.counts.to_numpy().sum())
    span = f"{result.first_month} vs {result.last_month}"
    for metric, value in (
        ("level_mix_change_p_value", result.level_mix_chi2_p),
        ("override_trend_z", result.override_trend_z),
        ("override_trend_p_value", result.override_trend_p),
    ):
        rows.append(figure_row(metric, "month", span, Estimate(value, np.nan, np.nan, total)))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)
