"""Plain-language flags for the top of the report, each backed by a statistical test.

Screener checks compare one screener with the rest. Each kind of check is one family of
tests, and a family gets a 5% chance in total of a false flag (Bonferroni: each of its k
tests uses alpha = 0.05 / k). A difference must also be big enough to matter in practice
(10 percentage points by default). The thresholds are fixed in `Thresholds`, not fitted to
any data set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from service.qa.agreement import (
    DEFAULT_RESAMPLES,
    bootstrap_interval,
    group_rng,
    mean_difference_batch,
    quadratic_kappa,
    kappa_batch,
)
from service.qa.frames import validate_decisions, validate_reviews
from service.qa.patterns import decision_flags, drift, screener_domain_counts, tool_flags, wilson_interval


@dataclass(frozen=True)
class Thresholds:
    family_alpha: float = 0.05  # chance of any false flag within one kind of screener check
    min_effect: float = 0.10  # smaller differences in a rate are not worth a practice lead's time
    min_reviews: int = 8  # second reviews needed before judging a screener's levels
    min_decisions: int = 10  # decisions needed before judging a screener's rate in a group
    min_tool_flags: int = 5
    kappa_floor: float = 0.6  # below 0.6 screeners often place the same referral at different levels
    on_time_target: float = 0.9  # share of decisions within the MASH timescale
    tool_unrequired_ceiling: float = 0.2  # share of flagged tools left unrequired across the service
    drift_alpha: float = 0.05


@dataclass(frozen=True)
class Finding:
    kind: str
    subject_type: str  # "screener", "team" or "service"
    subject: str
    severity: str  # "warning" (act) or "watch" (look again next period)
    message: str
    evidence: dict[str, float] = field(default_factory=dict)


def find_all(
    decisions: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    thresholds: Thresholds = Thresholds(),
    seed: int = 0,
    n_resamples: int = 2 * DEFAULT_RESAMPLES,
) -> list[Finding]:
    """Every flag, screener flags first, most severe first within each."""
    decisions, reviews = validate_decisions(decisions), validate_reviews(reviews)
    found = (
        level_bias(reviews, thresholds, seed=seed, n_resamples=n_resamples)
        + override_direction(decisions, thresholds)
        + override_domain(decisions, thresholds)
        + slow_screeners(decisions, thresholds)
        + tools_left_unrequired(decisions, thresholds)
        + low_kappa(reviews, thresholds, seed=seed, n_resamples=n_resamples)
        + poor_timeliness(decisions, thresholds)
        + service_tools(decisions, thresholds)
        + drift_findings(decisions, thresholds)
    )
    order = {"screener": 0, "team": 1, "service": 2}
    return sorted(found, key=lambda f: (order[f.subject_type], f.severity != "warning", f.subject, f.kind))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _greater(a: int, n_a: int, b: int, n_b: int) -> float:
    """One-sided Fisher exact p that rate a/n_a is above rate b/n_b."""
    return float(stats.fisher_exact([[a, n_a - a], [b, n_b - b]], alternative="greater")[1])


# ------------------------------------------------------------------ screener checks


def level_bias(reviews: pd.DataFrame, t: Thresholds, *, seed: int = 0, n_resamples: int = 2000) -> list[Finding]:
    """Screeners whose levels sit systematically below (or above) the blind second review:
    the mean of first - second, with a Bonferroni-adjusted bootstrap interval excluding 0."""
    groups = [(s, sub) for s, sub in reviews.groupby("screener", sort=True) if len(sub) >= t.min_reviews]
    if not groups:
        return []
    confidence = 1 - t.family_alpha / len(groups)
    out = []
    for screener, sub in groups:
        first, second = sub["first_level"].to_numpy(), sub["second_level"].to_numpy()
        mean = float(np.mean(first - second))
        low, high, _ = bootstrap_interval(
            mean_difference_batch, [first, second], n_resamples=n_resamples,
            rng=group_rng(seed, "level_bias", [first, second]), confidence=confidence,
        )
        if not (high < 0 or low > 0):
            continue
        direction = "lower" if high < 0 else "higher"
        out.append(
            Finding(
                f"levels_{direction}_than_reviewers", "screener", screener, "warning",
                f"Screener {screener} places referrals at {direction} levels than blind second reviewers did "
                f"(on average {abs(mean):.2f} of a level {direction} over {len(sub)} reviewed referrals).",
                {"mean_signed_difference": mean, "ci_low": low, "ci_high": high, "n": len(sub)},
            )
        )
    return out


def override_direction(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Screeners who move the suggested level up (or down) much more often than the rest."""
    flags = decision_flags(decisions)
    counts = flags.groupby("screener").agg(n=("override", "size"), up=("override_up", "sum"), down=("override_down", "sum"))
    tested = counts[counts["n"] >= t.min_decisions]
    k = 2 * len(tested)
    out = []
    for screener, row in tested.iterrows():
        rest = counts.drop(index=screener).sum()
        for direction, word in (("up", "up"), ("down", "down")):
            own, others = row[direction] / row["n"], rest[direction] / max(rest["n"], 1)
            p = _greater(int(row[direction]), int(row["n"]), int(rest[direction]), int(rest["n"]))
            if p < t.family_alpha / k and own - others >= t.min_effect:
                out.append(
                    Finding(
                        f"overrides_{direction}", "screener", str(screener), "warning",
                        f"Screener {screener} moves the suggested level {word} in {_pct(own)} of decisions, "
                        f"against {_pct(others)} for the other screeners.",
                        {"rate": own, "rest_rate": others, "p_value": p, "n": int(row["n"])},
                    )
                )
    return out


def override_domain(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Screeners who move the level down (or up) on one domain (e.g. neglect) much more than
    the rest do on that domain AND than they themselves do on other referrals: a domain-specific
    habit, not a general one (that is `override_direction`)."""
    counts = screener_domain_counts(decisions)
    flags = decision_flags(decisions)
    tested = counts[counts["n"] >= t.min_decisions]
    k = 2 * len(tested)
    out = []
    for rec in tested.itertuples():
        same_domain = counts[(counts["domain"] == rec.domain) & (counts["screener"] != rec.screener)]
        for direction in ("down", "up"):
            own = getattr(rec, direction)
            rest, rest_n = int(same_domain[direction].sum()), int(same_domain["n"].sum())
            # the screener's own decisions that do not touch this domain
            outside_n, outside = _outside_domain(flags, rec.screener, rec.domain, direction)
            if rest_n == 0 or outside_n == 0:
                continue
            p_rest = _greater(int(own), int(rec.n), rest, rest_n)
            p_self = _greater(int(own), int(rec.n), outside, outside_n)
            rate, rest_rate = own / rec.n, rest / rest_n
            if max(p_rest, p_self) < t.family_alpha / k and rate - rest_rate >= t.min_effect:
                out.append(
                    Finding(
                        f"overrides_{direction}_in_domain", "screener", rec.screener, "warning",
                        f"Screener {rec.screener} moves the suggested level {direction} on {rec.domain} referrals in "
                        f"{_pct(rate)} of cases, against {_pct(rest_rate)} for the other screeners and "
                        f"{_pct(outside / outside_n)} on their own other referrals.",
                        {"rate": rate, "rest_rate": rest_rate, "own_other_rate": outside / outside_n,
                         "p_value": max(p_rest, p_self), "n": int(rec.n), "domain": rec.domain},
                    )
                )
    return out


def _outside_domain(flags: pd.DataFrame, screener: str, domain: str, direction: str) -> tuple[int, int]:
    own = flags[(flags["screener"] == screener) & ~flags["domains"].map(lambda ds: domain in ds)]
    return len(own), int(own[f"override_{direction}"].sum())


def slow_screeners(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Screeners who decide within the MASH timescale clearly less often than the rest."""
    flags = decision_flags(decisions)
    counts = flags.groupby("screener").agg(n=("on_time", "size"), late=("on_time", lambda s: int((~s).sum())))
    tested = counts[counts["n"] >= t.min_decisions]
    out = []
    for screener, row in tested.iterrows():
        rest = counts.drop(index=screener).sum()
        p = _greater(int(row["late"]), int(row["n"]), int(rest["late"]), int(rest["n"]))
        own, others = 1 - row["late"] / row["n"], 1 - rest["late"] / max(rest["n"], 1)
        if p < t.family_alpha / len(tested) and others - own >= t.min_effect:
            out.append(
                Finding(
                    "slow_decisions", "screener", str(screener), "warning",
                    f"Screener {screener} decided {_pct(own)} of referrals within the timescale, "
                    f"against {_pct(others)} for the other screeners.",
                    {"on_time_rate": own, "rest_rate": others, "p_value": p, "n": int(row["n"])},
                )
            )
    return out


def tools_left_unrequired(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Screeners who leave a screening tool unrequired, when the suggestion flagged it
    missing, much more often than the rest."""
    flags = tool_flags(decisions)
    flags["not_required"] = ~flags["required"]
    counts = flags.groupby(["screener", "tool"]).agg(n=("required", "size"), skipped=("not_required", "sum")).reset_index()
    tested = counts[counts["n"] >= t.min_tool_flags]
    out = []
    for rec in tested.itertuples():
        rest = counts[(counts["tool"] == rec.tool) & (counts["screener"] != rec.screener)]
        rest_n, rest_skipped = int(rest["n"].sum()), int(rest["skipped"].sum())
        if rest_n == 0:
            continue
        p = _greater(int(rec.skipped), int(rec.n), rest_skipped, rest_n)
        rate, rest_rate = rec.skipped / rec.n, rest_skipped / rest_n
        if p < t.family_alpha / len(tested) and rate - rest_rate >= t.min_effect:
            out.append(
                Finding(
                    "tool_left_unrequired", "screener", rec.screener, "warning",
                    f"Screener {rec.screener} did not require the {rec.tool} tool in {_pct(rate)} of referrals where "
                    f"the suggestion flagged it missing, against {_pct(rest_rate)} for the other screeners.",
                    {"rate": rate, "rest_rate": rest_rate, "p_value": p, "n": int(rec.n), "tool": rec.tool},
                )
            )
    return out


# ------------------------------------------------------------------ service and team checks


def low_kappa(reviews: pd.DataFrame, t: Thresholds, *, seed: int = 0, n_resamples: int = 2000) -> list[Finding]:
    """Kappa below the floor: 'warning' when even the upper end of the 95% interval is below
    it, 'watch' when only the estimate is."""
    out = []
    groups = [("service", "all", reviews)] + [("team", team, sub) for team, sub in reviews.groupby("team", sort=True)]
    for subject_type, subject, sub in groups:
        if len(sub) < t.min_reviews:
            continue
        first, second = sub["first_level"].to_numpy(), sub["second_level"].to_numpy()
        kappa = quadratic_kappa(first, second)
        if not np.isfinite(kappa) or kappa >= t.kappa_floor:
            continue
        rng = group_rng(seed, "kappa", [first, second])
        low, high, _ = bootstrap_interval(kappa_batch, [first, second], n_resamples=n_resamples, rng=rng)
        who = "Across the service" if subject_type == "service" else f"In team {subject}"
        out.append(
            Finding(
                "low_kappa", subject_type, str(subject), "warning" if high < t.kappa_floor else "watch",
                f"{who}, agreement on level between first decisions and blind second reviews is low "
                f"(kappa {kappa:.2f}, 95% interval {low:.2f} to {high:.2f}; below {t.kappa_floor} means screeners "
                f"would often place the same referral at different levels).",
                {"kappa": kappa, "ci_low": low, "ci_high": high, "n": len(sub)},
            )
        )
    return out


def poor_timeliness(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Urgency classes whose share on time is clearly (whole 95% interval) below the target."""
    flags = decision_flags(decisions)
    out = []
    for urgency, sub in flags.groupby("urgency", sort=True):
        on_time, n = int(sub["on_time"].sum()), len(sub)
        low, high = wilson_interval(on_time, n)
        if n and high < t.on_time_target:
            out.append(
                Finding(
                    "poor_timeliness", "service", str(urgency), "warning",
                    f"Only {_pct(on_time / n)} of {urgency} referrals were decided within the timescale "
                    f"(target {_pct(t.on_time_target)}; 95% interval {_pct(low)} to {_pct(high)}).",
                    {"on_time_rate": on_time / n, "ci_low": low, "ci_high": high, "n": n},
                )
            )
    return out


def service_tools(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Tools the suggestion flagged missing but screeners across the service left unrequired
    more often than the ceiling (whole 95% interval above it)."""
    flags = tool_flags(decisions)
    out = []
    for tool, sub in flags.groupby("tool", sort=True):
        skipped, n = int((~sub["required"]).sum()), len(sub)
        low, high = wilson_interval(skipped, n)
        if n and low > t.tool_unrequired_ceiling:
            out.append(
                Finding(
                    "tool_left_unrequired", "service", str(tool), "watch",
                    f"The {tool} tool was left unrequired in {_pct(skipped / n)} of {n} referrals where the "
                    f"suggestion flagged it missing.",
                    {"rate": skipped / n, "ci_low": low, "ci_high": high, "n": n},
                )
            )
    return out


def drift_findings(decisions: pd.DataFrame, t: Thresholds) -> list[Finding]:
    result = drift(decisions)
    out = []
    if np.isfinite(result.level_mix_chi2_p) and result.level_mix_chi2_p < t.drift_alpha:
        out.append(
            Finding(
                "level_mix_changed", "service", "all", "watch",
                f"The mix of levels decided changed between {result.first_month} and {result.last_month} "
                f"(chi-square p = {result.level_mix_chi2_p:.3f}).",
                {"p_value": result.level_mix_chi2_p},
            )
        )
    if np.isfinite(result.override_trend_p) and result.override_trend_p < t.drift_alpha:
        word = "rising" if result.override_trend_z > 0 else "falling"
        out.append(
            Finding(
                "override_trend", "service", "all", "watch",
                f"The share of decisions that move the suggested level is {word} month by month "
                f"(trend test p = {result.override_trend_p:.3f}).",
                {"z": result.override_trend_z, "p_value": result.override_trend_p},
            )
        )
    return out
