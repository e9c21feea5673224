"""The report's figures as base64 PNG strings (embedded in the HTML, so the report is one file).

Uses matplotlib's object API with the Agg canvas, not pyplot: no global figure state,
safe inside a web worker. Every cell and point carries its number or a distinct marker,
so nothing is told by colour alone.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from service.qa.frames import LEVELS, URGENCIES

_MARKERS = {"urgent": ("o", "-"), "complex_cin": ("s", "--"), "early_help": ("^", ":")}


def to_base64_png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _empty(message: str) -> str:
    fig = Figure(figsize=(5, 1.2))
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return to_base64_png(fig)


def confusion_matrix_png(counts: pd.DataFrame) -> str:
    """Rows: first decision level; columns: second review level; each cell shows its count."""
    if counts.to_numpy().sum() == 0:
        return _empty("No second reviews in this period")
    fig = Figure(figsize=(5, 4.2))
    ax = fig.add_subplot()
    values = counts.to_numpy()
    ax.imshow(values, cmap="Blues")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            dark = values[i, j] > values.max() / 2
            ax.text(j, i, str(values[i, j]), ha="center", va="center", color="white" if dark else "black",
                    fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(len(LEVELS)), [str(level) for level in LEVELS])
    ax.set_yticks(range(len(LEVELS)), [str(level) for level in LEVELS])
    ax.set_xlabel("Level at blind second review")
    ax.set_ylabel("Level at first decision")
    ax.set_title("First decision vs second review (diagonal = agreement)")
    return to_base64_png(fig)


def kappa_over_time_png(consistency: pd.DataFrame, floor: float = 0.6) -> str:
    """Monthly quadratic-weighted kappa with its 95% interval and the floor drawn as a line."""
    rows = consistency[(consistency["metric"] == "level_kappa_quadratic") & (consistency["group_by"] == "month")]
    rows = rows.dropna(subset=["value"]).sort_values("group")
    if rows.empty:
        return _empty("Too few second reviews to compute kappa by month")
    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    low = (rows["value"] - rows["ci_low"]).clip(lower=0).fillna(0)
    high = (rows["ci_high"] - rows["value"]).clip(lower=0).fillna(0)
    ax.errorbar(x, rows["value"], yerr=[low, high], fmt="o", capsize=4, color="black")
    for xi, (value, n) in enumerate(zip(rows["value"], rows["n"])):
        ax.annotate(f"{value:.2f}\n(n={n})", (xi, value), textcoords="offset points", xytext=(8, -4), fontsize=8)
    ax.axhline(floor, linestyle="--", color="grey")
    ax.set_xlim(-1.2, len(rows) - 0.3)  # room on the left for the floor label, clear of the first bar
    ax.text(-1.15, floor, f"{floor}: worry\nbelow", va="top", ha="left", fontsize=8)
    ax.set_xticks(x, rows["group"], rotation=30)
    ax.set_ylim(min(-0.05, float(rows["ci_low"].min()) - 0.05), 1.05)
    ax.set_ylabel("Quadratic-weighted kappa")
    ax.set_title("Agreement on level by month (bars: 95% interval)")
    return to_base64_png(fig)


def override_heatmap_png(rate: pd.DataFrame, n: pd.DataFrame) -> str:
    """Domain x suggested level: share of decisions whose level was changed, with n per cell."""
    if rate.empty:
        return _empty("No decisions in this period")
    fig = Figure(figsize=(7, 0.45 * len(rate) + 1.6))
    ax = fig.add_subplot()
    values = rate.to_numpy(dtype=float)
    ax.imshow(np.nan_to_num(values, nan=0.0), cmap="Oranges", vmin=0, vmax=1, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            count = int(n.iloc[i, j])
            label = "-" if count == 0 else f"{100 * values[i, j]:.0f}%\n(n={count})"
            ax.text(j, i, label, ha="center", va="center", fontsize=8,
                    color="white" if count and values[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(rate.columns)), [f"suggested {c}" for c in rate.columns])
    ax.set_yticks(range(len(rate.index)), list(rate.index))
    ax.set_title("Share of decisions changing the suggested level")
    return to_base64_png(fig)


def timeliness_png(timeliness: pd.DataFrame, target: float = 0.9) -> str:
    """Share decided within the timescale per month, one line (and marker) per urgency."""
    rows = timeliness[(timeliness["metric"] == "on_time_rate") & (timeliness["group_by"] == "urgency|month")]
    if rows.empty:
        return _empty("No decisions in this period")
    parts = rows["group"].str.split("|", expand=True)
    rows = rows.assign(urgency=parts[0], month=parts[1])
    months = sorted(rows["month"].unique())
    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    for urgency in URGENCIES:
        sub = rows[rows["urgency"] == urgency].set_index("month").reindex(months)
        marker, style = _MARKERS[urgency]
        ax.plot(range(len(months)), sub["value"], marker=marker, linestyle=style, label=urgency)
    ax.axhline(target, linestyle="--", color="grey")
    ax.text(len(months) - 1, target, f"target {target:.0%}", va="bottom", ha="right", fontsize=8)
    ax.set_xticks(range(len(months)), months, rotation=30)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Share decided on time")
    ax.legend(title="Urgency", loc="lower left")
    ax.set_title("Decisions within the MASH timescale, by month")
    return to_base64_png(fig)
