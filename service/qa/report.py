"""The QA report: every figure as one long table (CSV), the findings, and a self-contained
HTML page for a practice lead.

Only the columns declared in service.qa.frames are read (validation drops the rest), so
the report can hold nothing but ids, screener and team codes, catalogue terms and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from service.qa import plots
from service.qa.agreement import (
    DEFAULT_RESAMPLES,
    FIGURE_COLUMNS,
    confusion_counts,
    consistency_table,
    indicator_agreement,
)
from service.qa.findings import Finding, Thresholds, find_all
from service.qa.frames import LEVELS, URGENCIES, validate_decisions, validate_reviews
from service.qa.patterns import (
    drift,
    drift_rows,
    indicator_edit_rows,
    indicator_edits,
    override_by_domain_and_level,
    override_table,
    timeliness_table,
    tool_table,
)

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Table:
    title: str
    caption: str  # one plain sentence: what it shows and when to worry
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Plot:
    title: str
    caption: str
    alt: str
    png_base64: str


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Table | Plot] = field(default_factory=list)


@dataclass(frozen=True)
class QAReport:
    html: str
    csv: str
    figures: pd.DataFrame  # long format: metric, group_by, group, n, value, ci_low, ci_high
    findings: list[Finding]


def build_report(
    decisions: pd.DataFrame,
    reviews: pd.DataFrame,
    period: tuple[date, date] | None = None,
    seed: int = 0,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    thresholds: Thresholds = Thresholds(),
) -> QAReport:
    """Figures, findings and the HTML page for decisions (and their reviews) decided in
    `period` (inclusive dates, UTC); all of them when period is None."""
    decisions = _in_period(validate_decisions(decisions), period)
    reviews = _in_period(validate_reviews(reviews), period)

    consistency = consistency_table(reviews, n_resamples=n_resamples, seed=seed)
    indicators = indicator_agreement(reviews, n_resamples=n_resamples, seed=seed)
    overrides = override_table(decisions)
    tools = tool_table(decisions)
    timeliness = timeliness_table(decisions, n_resamples=n_resamples, seed=seed)
    drift_result = drift(decisions)
    parts = [consistency, indicators, overrides, indicator_edit_rows(decisions), tools, timeliness, drift_rows(drift_result)]
    parts = [p for p in parts if not p.empty]
    figures = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FIGURE_COLUMNS)
    findings = find_all(decisions, reviews, thresholds=thresholds, seed=seed, n_resamples=2 * n_resamples)

    sections = [
        _consistency_section(reviews, consistency, indicators, thresholds),
        _patterns_section(decisions, overrides, tools),
        _timeliness_section(timeliness, thresholds),
        _drift_section(drift_result, overrides),
    ]
    html = _render(
        period=_period_label(decisions, period),
        counts={
            "decisions": len(decisions),
            "reviews": len(reviews),
            "screeners": decisions["screener"].nunique(),
            "teams": decisions["team"].nunique(),
        },
        findings=findings,
        sections=sections,
    )
    return QAReport(html=html, csv=figures.to_csv(index=False), figures=figures, findings=findings)


def _in_period(frame: pd.DataFrame, period: tuple[date, date] | None) -> pd.DataFrame:
    if period is None:
        return frame
    days = frame["decided_at"].dt.date
    return frame[(days >= period[0]) & (days <= period[1])].reset_index(drop=True)


def _period_label(decisions: pd.DataFrame, period) -> str:
    if period is not None:
        return f"{period[0].isoformat()} to {period[1].isoformat()}"
    if decisions.empty:
        return "no decisions"
    return f"{decisions['decided_at'].min().date().isoformat()} to {decisions['decided_at'].max().date().isoformat()}"


# ------------------------------------------------------------------ formatting


def _pct(x) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{100 * x:.0f}%"


def _num(x, digits: int = 2) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _interval(low, high, fmt=_num) -> str:
    return "-" if not (np.isfinite(low) and np.isfinite(high)) else f"{fmt(low)} to {fmt(high)}"


def _pick(table: pd.DataFrame, metric: str, group_by: str) -> pd.DataFrame:
    return table[(table["metric"] == metric) & (table["group_by"] == group_by)].set_index("group")


def _value_cells(table: pd.DataFrame, metric: str, group_by: str, group: str, fmt) -> list[str]:
    rows = _pick(table, metric, group_by)
    if group not in rows.index:
        return ["-", "-"]
    r = rows.loc[group]
    return [fmt(r["value"]), _interval(r["ci_low"], r["ci_high"], fmt)]


# ------------------------------------------------------------------ sections


_CONSISTENCY_METRICS = [
    ("level_agreement", "Same level", _pct),
    ("level_kappa_quadratic", "Kappa (weighted)", _num),
    ("level_alpha_ordinal", "Krippendorff's alpha", _num),
    ("level_mean_signed_difference", "First minus second level", _num),
    ("tools_agreement", "Same screening tools", _pct),
    ("outcome_agreement", "Same outcome", _pct),
]


def _consistency_section(reviews, consistency, indicators, t: Thresholds) -> Section:
    overall = Table(
        "Agreement between first decisions and blind second reviews",
        f"How often two screeners reach the same answer on the same referral; a kappa or alpha below {t.kappa_floor} "
        "means screeners would often place the same referral at different levels.",
        ["Measure", "Value", "95% interval", "Referrals"],
        [
            [label, *_value_cells(consistency, metric, "all", "all", fmt), str(len(reviews))]
            for metric, label, fmt in _CONSISTENCY_METRICS
        ],
    )
    by_screener = _group_table(
        consistency, "screener", "Screener",
        "Agreement for each screener's reviewed referrals; worry when 'first minus second' is below 0 with an "
        "interval that does not include 0 (their levels are lower than a second screener's) or above 0 likewise.",
    )
    by_team = _group_table(
        consistency, "team", "Team", "The same measures for each team; worry when one team's kappa is well below the others'."
    )
    confusion = Plot(
        "First decision level against second review level",
        "Each cell counts referrals placed at one level first (row) and another at second review (column); "
        "numbers off the diagonal are disagreements, and worry when many sit two or more levels apart.",
        "Table-like chart of counts: rows are levels 1 to 4 at first decision, columns levels 1 to 4 at second "
        "review; the diagonal holds the referrals where both agreed.",
        plots.confusion_matrix_png(confusion_counts(reviews)),
    )
    kappa_plot = Plot(
        "Agreement on level by month",
        f"Each point is the month's weighted kappa with its 95% interval; worry when points fall below the dashed "
        f"line at {t.kappa_floor} or keep falling.",
        "Points with interval bars, one per month, showing weighted kappa against a dashed line at the "
        f"{t.kappa_floor} threshold; each point is labelled with its value and number of reviews.",
        plots.kappa_over_time_png(consistency, t.kappa_floor),
    )
    worst = indicators[indicators["n"] >= 3].sort_values(["value", "n"], ascending=[True, False]).head(10)
    indicator_table = Table(
        "Indicators screeners agree on least",
        "When one screener chose the indicator, how often the other did too (1 = always); worry about indicators "
        "below 0.5, where the guidance may be read in different ways.",
        ["Indicator", "Positive agreement", "95% interval", "Reviews where chosen"],
        [[r.group, _num(r.value), _interval(r.ci_low, r.ci_high), str(r.n)] for r in worst.itertuples()],
    )
    return Section("Consistency of decisions", [overall, confusion, kappa_plot, by_screener, by_team, indicator_table])


def _group_table(consistency: pd.DataFrame, group_by: str, label: str, caption: str) -> Table:
    groups = sorted(_pick(consistency, "level_agreement", group_by).index)
    rows = []
    for group in groups:
        n = int(_pick(consistency, "level_agreement", group_by).loc[group, "n"])
        rows.append(
            [group, str(n)]
            + _value_cells(consistency, "level_agreement", group_by, group, _pct)
            + _value_cells(consistency, "level_kappa_quadratic", group_by, group, _num)
            + _value_cells(consistency, "level_mean_signed_difference", group_by, group, _num)
        )
    return Table(
        f"Agreement by {label.lower()}",
        caption,
        [label, "Reviews", "Same level", "95% interval", "Kappa", "95% interval", "First minus second", "95% interval"],
        rows,
    )


def _patterns_section(decisions, overrides, tools) -> Section:
    def rate_rows(group_by: str, groups) -> list[list[str]]:
        rows = []
        for group in groups:
            cells = [group]
            for metric in ("override_rate", "override_up_rate", "override_down_rate"):
                picked = _pick(overrides, metric, group_by)
                r = picked.loc[group] if group in picked.index else None
                if metric == "override_rate":
                    cells.append(str(int(r["n"])) if r is not None else "0")
                    cells += ["-", "-"] if r is None else [_pct(r["value"]), _interval(r["ci_low"], r["ci_high"], _pct)]
                else:
                    cells.append(_pct(r["value"]) if r is not None else "-")
            rows.append(cells)
        return rows

    columns = ["Decisions", "Level changed", "95% interval", "Moved up", "Moved down"]
    by_level = Table(
        "Changes to the suggested level, by suggested level",
        "How often screeners chose a different level from the one suggested; worry when one suggested level is "
        "changed far more often than the others, as the suggestion may be miscalibrated there.",
        ["Suggested level", *columns],
        rate_rows("suggested_level", sorted(_pick(overrides, "override_rate", "suggested_level").index)),
    )
    by_screener = Table(
        "Changes to the suggested level, by screener",
        "Each screener's share of changed levels, split by direction; worry when one screener moves levels in one "
        "direction much more than colleagues (see findings for the tested differences).",
        ["Screener", *columns],
        rate_rows("screener", sorted(_pick(overrides, "override_rate", "screener").index)),
    )
    by_team = Table(
        "Changes to the suggested level, by team",
        "The same shares for each team; worry when teams differ widely.",
        ["Team", *columns],
        rate_rows("team", sorted(_pick(overrides, "override_rate", "team").index)),
    )
    rate, n = override_by_domain_and_level(decisions)
    heatmap = Plot(
        "Changes to the suggested level by domain and suggested level",
        "Each cell is the share of decisions in that domain and suggested level whose level was changed; worry "
        "about cells well above their row or column, with enough decisions (n) to matter.",
        "Grid of domains (rows) by suggested level 1 to 4 (columns); each cell is labelled with the percentage of "
        "decisions changed and the number of decisions.",
        plots.override_heatmap_png(rate, n),
    )
    edits = indicator_edits(decisions)
    rejected = edits[edits["rejected"] > 0].sort_values(["rejected", "rejected_rate"], ascending=False).head(10)
    added = edits[edits["added"] > 0].sort_values("added", ascending=False).head(10)
    rejected_table = Table(
        "Suggested indicators most often rejected",
        "Indicators the suggestion proposed and screeners removed; worry about indicators rejected in more than "
        "half of suggestions, as the suggestion may be matching them wrongly.",
        ["Indicator", "Domain", "Suggested", "Rejected", "Share rejected"],
        [[r.indicator, r.domain, str(r.suggested), str(r.rejected), _pct(r.rejected_rate)] for r in rejected.itertuples()],
    )
    added_table = Table(
        "Indicators most often added by screeners",
        "Indicators screeners chose that the suggestion missed; worry about indicators added often, as the "
        "suggestion is missing them.",
        ["Indicator", "Domain", "Times added", "Times suggested"],
        [[r.indicator, r.domain, str(r.added), str(r.suggested)] for r in added.itertuples()],
    )
    tool_rows = []
    for tool in sorted(_pick(tools, "tool_required_rate", "tool").index):
        cells = [tool, str(int(_pick(tools, "tool_required_rate", "tool").loc[tool, "n"]))]
        for metric in ("tool_required_rate", "tool_completed_rate", "tool_not_required_rate", "tool_on_time_rate"):
            cells.append(_pct(_pick(tools, metric, "tool").loc[tool, "value"]))
        tool_rows.append(cells)
    tool_table_ = Table(
        "Screening tools flagged missing by the suggestion",
        "What screeners did when the suggestion said a CSE or COG tool was needed but not done; worry when a "
        "tool is often left unrequired or decisions needing it run late.",
        ["Tool", "Flagged missing", "Required", "Completed", "Left unrequired", "Decided on time"],
        tool_rows,
    )
    return Section(
        "Decision patterns",
        [by_level, by_screener, by_team, heatmap, rejected_table, added_table, tool_table_],
    )


def _timeliness_section(timeliness: pd.DataFrame, t: Thresholds) -> Section:
    rows = []
    for urgency in URGENCIES:
        on_time = _pick(timeliness, "on_time_rate", "urgency")
        median = _pick(timeliness, "median_hours_to_decision", "urgency")
        if urgency not in on_time.index:
            continue
        r, m = on_time.loc[urgency], median.loc[urgency]
        rows.append([urgency, str(int(r["n"])), _pct(r["value"]), _interval(r["ci_low"], r["ci_high"], _pct),
                     _num(m["value"], 1), _interval(m["ci_low"], m["ci_high"], lambda x: _num(x, 1))])
    table = Table(
        "Decisions within the MASH timescale, by urgency",
        f"Share of referrals decided by their due time and the typical (median) hours taken; worry when the share "
        f"is below {_pct(t.on_time_target)}, above all for urgent referrals.",
        ["Urgency", "Decisions", "On time", "95% interval", "Median hours", "95% interval"],
        rows,
    )
    screener_rows = [
        [g, str(int(r["n"])), _pct(r["value"]), _interval(r["ci_low"], r["ci_high"], _pct)]
        for g, r in _pick(timeliness, "on_time_rate", "screener").sort_index().iterrows()
    ]
    by_screener = Table(
        "Decisions within the timescale, by screener",
        "Each screener's share decided on time; worry when one screener is well below the others.",
        ["Screener", "Decisions", "On time", "95% interval"],
        screener_rows,
    )
    plot = Plot(
        "Decisions within the timescale by month and urgency",
        f"Each line is one urgency class; worry when a line drops below the dashed target of {_pct(t.on_time_target)}.",
        "Line chart by month of the share decided on time: urgent (circles, solid line), complex child in need "
        "(squares, dashed) and early help (triangles, dotted), with a dashed target line.",
        plots.timeliness_png(timeliness, t.on_time_target),
    )
    return Section("Timeliness", [table, plot, by_screener])


def _drift_section(result, overrides: pd.DataFrame) -> Section:
    override_by_month = _pick(overrides, "override_rate", "month")
    rows = []
    for month, shares in result.level_mix.iterrows():
        override = override_by_month.loc[month, "value"] if month in override_by_month.index else float("nan")
        decided = str(int(result.counts.loc[month].sum()))
        rows.append([month, decided, *[_pct(shares[level]) for level in LEVELS], _pct(override)])
    mix = Table(
        "Level mix and changes to the suggestion, by month",
        "The share of decisions at each level and the share changing the suggested level, month by month; worry "
        "when the mix shifts without a known reason (for example a change in referrers).",
        ["Month", "Decisions", *[f"Level {level}" for level in LEVELS], "Level changed"],
        rows,
    )
    span = f"{result.first_month} vs {result.last_month}"
    tests = Table(
        "Tests for change over time",
        "A p-value below 0.05 means the change is unlikely to be chance alone; it says nothing about why.",
        ["Test", "Months", "Result", "p-value"],
        [
            ["Level mix, first vs last month (chi-square)", span, "-", _num(result.level_mix_chi2_p, 3)],
            [
                "Trend in share changing the suggestion (Cochran-Armitage z)",
                span,
                _num(result.override_trend_z),
                _num(result.override_trend_p, 3),
            ],
        ],
    )
    return Section("Change over time", [mix, tests])


def _render(**context) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # codes and ids come from data: never trust them as markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(Table=Table, Plot=Plot, **context)
