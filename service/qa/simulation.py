"""A realistic simulated history of MASH decisions and blind second reviews, with screeners
who have planted tendencies, so the analytics can be shown to find what is there and
nothing that is not.

Model (all codes and ids are synthetic; no text, no names):
- each referral has a true level of need and one to three domains of concern, each with an
  indicator at (or just below) that level;
- the suggestion gets the level right 80% of the time, misses an indicator now and then and
  adds a spurious one;
- a screener's judgement is the true level with some noise and some anchoring on the
  suggestion, then their tendency; a blind second reviewer (a different screener) judges
  the same referral the same way with their own tendency;
- timescales are the MASH turnaround times of service.timescales.TURNAROUND (urgent 4 hours,
  complex child in need 7, early help 24); a typical screener decides at about 40% of the
  timescale, so about 5% are late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from service.qa.frames import validate_decisions, validate_reviews
from service.timescales import TURNAROUND

DEFAULT_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
TIMESCALE_HOURS = {urgency: span.total_seconds() / 3600 for urgency, span in TURNAROUND.items()}
DOMAIN_WEIGHTS = {
    "neglect": 0.28,
    "domestic_abuse": 0.18,
    "parental_mental_health": 0.13,
    "substance_misuse": 0.09,
    "physical_abuse": 0.08,
    "emotional_abuse": 0.06,
    "cse": 0.08,
    "criminal_exploitation": 0.05,
    "education": 0.05,
}
TOOL_DOMAIN = {"CSE": "cse", "COG": "criminal_exploitation"}
AGENCIES = ("police", "school", "health", "early_years", "housing", "family_member", "other")


@dataclass(frozen=True)
class ScreenerProfile:
    code: str
    team: str
    underrates_neglect: bool = False  # one level lower when neglect indicators are present
    overrates: bool = False  # often one level higher than the need
    slow: bool = False  # decides around the end of the timescale, so misses about half
    skips_cse: bool = False  # often leaves the CSE tool unrequired when the suggestion flags it


PLANTED_PROFILES = (
    ScreenerProfile("S01", "T1"),
    ScreenerProfile("S02", "T1", underrates_neglect=True),
    ScreenerProfile("S03", "T1", slow=True),
    ScreenerProfile("S04", "T2"),
    ScreenerProfile("S05", "T2", overrates=True),
    ScreenerProfile("S06", "T2", skips_cse=True),
)
CONTROL_PROFILES = tuple(ScreenerProfile(p.code, p.team) for p in PLANTED_PROFILES)
PLANTED_TENDENCIES = {"S02": "underrates_neglect", "S03": "slow", "S05": "overrates", "S06": "skips_cse"}


def simulate_history(
    seed: int,
    n_referrals: int = 400,
    start: datetime = DEFAULT_START,
    months: int = 6,
    *,
    planted: bool = True,
    review_share: float = 0.18,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(decisions, reviews) as service.qa.frames describes them. With planted=False every
    screener behaves alike (the control history)."""
    rng = np.random.default_rng(seed)
    profiles = PLANTED_PROFILES if planted else CONTROL_PROFILES
    start = pd.Timestamp(start).tz_convert("UTC") if pd.Timestamp(start).tzinfo else pd.Timestamp(start, tz="UTC")
    span_hours = ((start + pd.DateOffset(months=months)) - start).total_seconds() / 3600 - 96
    received = sorted(start + pd.to_timedelta(rng.uniform(0, span_hours, n_referrals), unit="h"))

    decisions, reviews = [], []
    for number, received_at in enumerate(received, start=1):
        case = _referral(rng)
        screener = profiles[rng.integers(len(profiles))]
        first = _judge(screener, case, rng)
        urgency = _urgency(case["level"], rng)
        due_at = received_at + timedelta(hours=TIMESCALE_HOURS[urgency])
        decided_at = received_at + timedelta(hours=_hours_to_decide(screener, urgency, rng))
        referral_id = f"R{number:05d}"
        decisions.append(
            {
                "referral_id": referral_id,
                "screener": screener.code,
                "team": screener.team,
                "referrer_agency": AGENCIES[rng.integers(len(AGENCIES))],
                "received_at": received_at,
                "due_at": due_at,
                "decided_at": decided_at,
                "urgency": urgency,
                "suggested_level": case["suggested_level"],
                "final_level": first["level"],
                "suggested_confidence": case["confidence"],
                "suggested_indicators": case["suggested"],
                "accepted": first["accepted"],
                "rejected": first["rejected"],
                "added": first["added"],
                "indicator_domains": case["domains_of"],
                "tools_suggested_missing": case["tools_missing"],
                "tools_required": first["tools"],
                "tools_completed": [t for t in first["tools"] if rng.random() < 0.85],
                "outcome": first["outcome"],
            }
        )
        if rng.random() < review_share:
            others = [p for p in profiles if p.code != screener.code]
            reviewer = others[rng.integers(len(others))]
            second = _judge(reviewer, case, rng)
            reviews.append(
                {
                    "referral_id": referral_id,
                    "screener": screener.code,
                    "team": screener.team,
                    "reviewer": reviewer.code,
                    "first_level": first["level"],
                    "second_level": second["level"],
                    "first_tools": first["tools"],
                    "second_tools": second["tools"],
                    "first_outcome": first["outcome"],
                    "second_outcome": second["outcome"],
                    "first_indicators": first["accepted"] + first["added"],
                    "second_indicators": second["accepted"] + second["added"],
                    "decided_at": decided_at,
                    "reviewed_at": decided_at + timedelta(days=float(rng.uniform(1, 14))),
                }
            )
    return validate_decisions(pd.DataFrame(decisions)), validate_reviews(pd.DataFrame(reviews))


def _indicator(domain: str, level: int, rng: np.random.Generator) -> str:
    return f"sim.{domain}.l{level}.{rng.integers(1, 4)}"


def _referral(rng: np.random.Generator) -> dict:
    """The truth about one referral and what the suggestion made of it."""
    level = int(rng.choice([1, 2, 3, 4], p=[0.12, 0.33, 0.33, 0.22]))
    names, weights = list(DOMAIN_WEIGHTS), np.array(list(DOMAIN_WEIGHTS.values()))
    k = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
    domains = list(rng.choice(names, size=k, replace=False, p=weights / weights.sum()))
    # The main concern sits at the referral's level, others at or just below it.
    true = [_indicator(d, level if i == 0 else max(1, level - int(rng.integers(0, 2))), rng) for i, d in enumerate(domains)]
    true = list(dict.fromkeys(true))
    domains_of = {i: i.split(".")[1] for i in true}

    right = rng.random() < 0.8
    suggested_level = level if right else int(np.clip(level + rng.choice([-1, 1]), 1, 4))
    if suggested_level == level and not right:  # clipped back onto the truth: move the other way
        suggested_level = level + (1 if level == 1 else -1)
    suggested = [i for i in true if not (len(true) > 1 and rng.random() < 0.12)]
    missed = [i for i in true if i not in suggested]
    spurious = []
    if rng.random() < 0.25:
        other = names[rng.integers(len(names))]
        spurious = [_indicator(other, max(1, min(4, level + int(rng.integers(-1, 2)))), rng)]
        spurious = [s for s in spurious if s not in true]
        domains_of.update({s: other for s in spurious})
    tools_missing = [
        tool
        for tool, domain in TOOL_DOMAIN.items()
        if domain in domains or (level >= 3 and rng.random() < (0.10 if tool == "CSE" else 0.05))
    ]
    return {
        "level": level,
        "domains": domains,
        "true": true,
        "missed": missed,
        "spurious": spurious,
        "suggested": suggested + spurious,
        "suggested_level": suggested_level,
        "confidence": float(rng.beta(8, 3) if right else rng.beta(4, 4)),
        "domains_of": domains_of,
        "tools_missing": tools_missing,
    }


def _judge(screener: ScreenerProfile, case: dict, rng: np.random.Generator) -> dict:
    """One screener's decision on one referral."""
    level = case["level"]
    if rng.random() < 0.12:  # ordinary disagreement
        level += int(rng.choice([-1, 1]))
    if level != case["suggested_level"] and rng.random() < 0.3:  # anchoring on the suggestion
        level = case["suggested_level"]
    if screener.underrates_neglect and "neglect" in case["domains"] and rng.random() < 0.85:
        level -= 1
    if screener.overrates and rng.random() < 0.5:
        level += 1
    level = int(np.clip(level, 1, 4))

    rejected = [i for i in case["spurious"] if rng.random() < 0.85]
    rejected += [i for i in case["suggested"] if i not in case["spurious"] and rng.random() < 0.04]
    accepted = [i for i in case["suggested"] if i not in rejected]
    added = [i for i in case["missed"] if rng.random() < 0.75]

    tools = []
    for tool in case["tools_missing"]:
        skip = 0.7 if (screener.skips_cse and tool == "CSE") else 0.1
        if rng.random() >= skip:
            tools.append(tool)
    return {
        "level": level,
        "accepted": accepted,
        "rejected": rejected,
        "added": added,
        "tools": tools,
        "outcome": _outcome(level, rng),
    }


def _outcome(level: int, rng: np.random.Generator) -> str:
    if level == 1:
        return "no_further_action" if rng.random() < 0.5 else "information_advice"
    if level == 2:
        return "universal_or_early_help"
    if level == 3:
        return "child_in_need_s17"
    return "police_immediate_protection" if rng.random() < 0.1 else "strategy_s47"


def _urgency(level: int, rng: np.random.Generator) -> str:
    if level == 4 or (level == 3 and rng.random() < 0.15):
        return "urgent"
    return "complex_cin" if level == 3 else "early_help"


def _hours_to_decide(screener: ScreenerProfile, urgency: str, rng: np.random.Generator) -> float:
    median = 1.1 if screener.slow else 0.4  # share of the timescale
    return TIMESCALE_HOURS[urgency] * median * float(rng.lognormal(0.0, 0.55))
