"""Write a simulated MASH history into the database through the real tables, so the QA
pages, API and report can be shown (and tested) on realistic data.

service.qa.simulation decides who screened what and how (with the planted tendencies:
S02 under-rates neglect, S03 is slow, S05 over-rates, S06 leaves the CSE tool unrequired);
this module stores it: a user per simulated screener (username `sim.s01`..., team
`sim-t1`/`sim-t2`, roles screener and qa, since the simulation's second reviewers are
fellow screeners), a referral per case with a real synthetic narrative from
annotations/*.jsonl (cycled; the narrative is not what the simulated suggestion describes)
and a stored suggestion in the Suggestion shape built from the simulation (the NLP pipeline
is not run: too slow, and the simulation must decide the suggestion), the screener's
decision, one QA sample per month (source "simulated") holding the simulation's second
reviews, and the audit events of all of it.

Simulated indicator ids look like `sim.neglect.l3.2`: they are not catalogue ids, and
their domain travels in the stored suggestion (indicators the suggestion missed are stored
as "mentioned but set aside", which is how a screener comes to add them).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from service.audit import PendingEvent, commit_with_audit, utcnow
from service.context import ServiceContext
from service.db.tables import Decision, Referral, User
from service.qa.simulation import DEFAULT_START, simulate_history
from service.qa.tables import QAReview, QASample, QASampleItem
from service.security.passwords import hash_password
from service.settings import REPO

ANNOTATIONS = REPO / "annotations"
AGENCY = {  # simulation agency -> referral-form agency (service.schemas.Agency)
    "police": ("police", "Police officer"),
    "school": ("education", "Designated safeguarding lead"),
    "health": ("health", "Health visitor"),
    "early_years": ("education", "Nursery manager"),
    "housing": ("housing", "Housing officer"),
    "family_member": ("family_or_public", "Family member"),
    "other": ("other", "Youth worker"),
}
TOOL_DOMAINS = {"cse": ["CSE"], "criminal_exploitation": ["COG"]}


@dataclass(frozen=True)
class SeedSummary:
    users: list[str]
    referrals: int
    decisions: int
    samples: int
    reviews: int
    start: datetime
    end: datetime


@lru_cache(maxsize=1)
def _unusable_password_hash() -> str:
    # Simulated staff cannot sign in: the password behind this hash is thrown away.
    return hash_password(secrets.token_urlsafe(24))


def username(code: str) -> str:
    return f"sim.{code.lower()}"


def team(code: str) -> str:
    return f"sim-{code.lower()}"


def load_narratives(directory: Path = ANNOTATIONS) -> list[str]:
    texts = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("text")
                if text:
                    texts.append(text)
    return texts or ["Simulated referral: no synthetic narratives were found in annotations/."]


def _level_of(indicator_id: str) -> int:
    return int(indicator_id.split(".")[2][1:])


def _indicator(indicator_id: str, domain: str, affirmed: bool) -> dict:
    level = _level_of(indicator_id)
    return {
        "id": indicator_id, "level": level, "domain": domain, "subdomain": None, "framework": "simulated",
        "themes": [], "screening_tools": TOOL_DOMAINS.get(domain, []),
        "guidance_text": f"Simulated indicator: {domain.replace('_', ' ')} at level {level}.",
        "score": 0.8 if affirmed else 0.4, "evidence": [],
        "context": {"negated": False, "historical": False, "hypothetical": False, "other_person": False,
                    "uncertain": not affirmed, "non_concern": False, "triggers": []},
        "affirmed": affirmed, "matched_by": ["rule"],
        "explanation": "Simulated history (threshold qa seed-demo): no pipeline was run on this referral.",
    }


def _probabilities(level: int, confidence: float) -> dict[str, float]:
    # The suggested level stays the most likely one: the other three share the rest equally.
    top = max(float(confidence), 0.26)
    return {str(lv): (top if lv == level else (1 - top) / 3) for lv in (1, 2, 3, 4)}


def _suggestion(referral_id: str, row, missed: list[str]) -> dict:
    domains = row.indicator_domains
    return {
        "id": referral_id, "level": int(row.suggested_level),
        "level_probabilities": _probabilities(int(row.suggested_level), row.suggested_confidence),
        "level_explanation": "Simulated suggestion (threshold qa seed-demo).",
        "indicators": [_indicator(i, domains[i], True) for i in row.suggested_indicators]
        + [_indicator(i, domains[i], False) for i in missed],
        "screening_tools": [{"tool": t, "status": "missing", "reason": f"Simulated: a {t} screening tool is expected.",
                             "evidence": []} for t in row.tools_suggested_missing],
        "immediate_risk": {"flag": False, "reason": "", "evidence": []},
        "model_version": "simulated", "catalogue_version": "simulated",
    }


def _form(row, rng: np.random.Generator) -> dict:
    agency, role = AGENCY.get(row.referrer_agency, ("other", "Referrer"))
    level = int(row.final_level)
    return {
        "referrer_agency": agency, "referrer_role": role, "child_age_years": int(rng.integers(0, 18)),
        "child_date_of_birth": None, "early_help_assessment": bool(level >= 2 and rng.random() < 0.25),
        "screening_tools_attached": [], "referrer_worry": int(np.clip(10 - 2 * level + rng.integers(-1, 2), 0, 10)),
        "consent": "given", "consent_reason": None,
    }


def _departures(row) -> list[str]:
    out = []
    if row.final_level != row.suggested_level:
        out.append(f"final level {row.final_level} differs from the suggested level {row.suggested_level}")
    if row.rejected:
        out.append(f"rejected {len(row.rejected)} suggested indicator(s)")
    if row.added:
        out.append(f"added {len(row.added)} indicator(s)")
    if sorted(row.tools_required) != sorted(row.tools_suggested_missing):
        out.append("tools required differ from the tools the suggestion flagged")
    return out


def _users(ctx: ServiceContext, decisions: pd.DataFrame, reviews: pd.DataFrame) -> dict[str, User]:
    teams = dict(zip(decisions["screener"], decisions["team"]))
    codes = sorted(set(decisions["screener"]) | set(reviews["reviewer"]))
    with ctx.sessions() as session:
        existing = {u.username: u for u in session.scalars(select(User).where(User.username.in_([username(c) for c in codes])))}
        created = []
        for code in codes:
            if username(code) not in existing:
                user = User(username=username(code), password_hash=_unusable_password_hash(),
                            roles=["screener", "qa"], team=team(teams.get(code, "t0")), active=True, created_at=utcnow())
                session.add(user)
                existing[user.username] = user
                created.append(user.username)
        session.flush()
        if created:
            commit_with_audit(session, [PendingEvent("cli", "user.create", None, {"username": name, "simulated": True})
                                        for name in created])
        else:
            session.commit()
    return {code: existing[username(code)] for code in codes}


def seed_history(ctx: ServiceContext, seed: int, n_referrals: int = 400, months: int = 6,
                 start: datetime = DEFAULT_START) -> SeedSummary:
    """Simulate and store a history (see the module docstring). Appends: running it twice
    stores two histories with the same simulated staff."""
    decisions, reviews = simulate_history(seed, n_referrals, start, months)
    users = _users(ctx, decisions, reviews)
    narratives = load_narratives()
    rng = np.random.default_rng([seed, 1])
    referral_ids: dict[str, str] = {}
    referrals, rows, events = [], [], []
    for number, row in enumerate(decisions.itertuples(index=False)):
        referral_id = secrets.token_hex(6)
        referral_ids[row.referral_id] = referral_id
        screener = users[row.screener]
        missed = [i for i in row.added if i not in row.suggested_indicators]
        suggestion = _suggestion(referral_id, row, missed)
        form = _form(row, rng)
        narrative = narratives[number % len(narratives)]
        referrals.append(Referral(
            id=referral_id, received_at=row.received_at.floor("us").to_pydatetime(), created_by=screener.id, idempotency_key=None,
            request_hash=hashlib.sha256(f"{seed}:{row.referral_id}:{referral_id}".encode()).hexdigest(),
            narrative=narrative, form=form, suggestion=suggestion, suggested_level=int(row.suggested_level),
            urgency=row.urgency, due_at=row.due_at.floor("us").to_pydatetime(), status="decided", assigned_to=None, version=2,
        ))
        departures = _departures(row)
        rows.append(Decision(
            referral_id=referral_id, screener_id=screener.id, created_at=row.decided_at.floor("us").to_pydatetime(),
            based_on_version=1, supersedes_id=None, suggested_level=int(row.suggested_level),
            final_level=int(row.final_level),
            indicators=[{"id": i, "verdict": "accept"} for i in row.accepted]
            + [{"id": i, "verdict": "reject"} for i in row.rejected]
            + [{"id": i, "verdict": "add", "evidence": []} for i in row.added],
            tools_required=sorted(row.tools_required), tools_completed=sorted(row.tools_completed),
            outcome=row.outcome, rationale="Simulated decision." if departures else None, departures=departures,
        ))
        events.append(PendingEvent(screener.username, "referral.submit", referral_id,
                                   {"suggested_level": int(row.suggested_level), "model_version": "simulated", "simulated": True}))
        events.append(PendingEvent(screener.username, "decision.create", referral_id,
                                   {"final_level": int(row.final_level), "departures": len(departures),
                                    "outcome": row.outcome, "simulated": True}))
    with ctx.sessions() as session:
        session.add_all(referrals)
        session.flush()
        session.add_all(rows)
        session.flush()
        decision_of = {d.referral_id: d for d in rows}
        samples = _store_reviews(session, seed, reviews, referral_ids, decision_of, users, events)
        commit_with_audit(session, events)
    return SeedSummary(users=sorted(u.username for u in users.values()), referrals=len(referrals), decisions=len(rows),
                       samples=samples, reviews=len(reviews),
                       start=decisions["received_at"].min().floor("us").to_pydatetime(), end=decisions["decided_at"].max().floor("us").to_pydatetime())


def _store_reviews(session, seed: int, reviews: pd.DataFrame, referral_ids: dict[str, str],
                   decision_of: dict[str, Decision], users: dict[str, User], events: list[PendingEvent]) -> int:
    """One QA sample per month of decisions holding that month's simulated second reviews."""
    if reviews.empty:
        return 0
    months = reviews["decided_at"].dt.tz_convert("UTC").dt.to_period("M")
    count = 0
    for month, group in reviews.groupby(months, sort=True):
        first, last = month.start_time.date(), month.end_time.date()
        sample = QASample(
            created_at=group["decided_at"].min().floor("us").to_pydatetime(), created_by=None,
            period_start=first, period_end=last, size=len(group), seed=seed, stratify_by=[],
            oversample_disagreement=False, unsure_below=None, oversample_weight=1.0, population=len(group),
            source="simulated",
            strata=[{"values": {}, "population": len(group), "weight": 1.0, "allocated": len(group)}],
        )
        session.add(sample)
        session.flush()
        count += 1
        events.append(PendingEvent("cli", "qa.sample", None, {"sample_id": sample.id, "seed": seed, "size": len(group),
                                                              "simulated": True}))
        for row in group.itertuples(index=False):
            referral_id = referral_ids[row.referral_id]
            decision = decision_of[referral_id]
            reviewer = users[row.reviewer]
            item = QASampleItem(sample_id=sample.id, referral_id=referral_id, decision_id=decision.id, stratum={},
                                oversampled=False, reviewer_id=reviewer.id, assigned_at=row.decided_at.floor("us").to_pydatetime())
            session.add(item)
            session.flush()
            session.add(QAReview(item_id=item.id, referral_id=referral_id, reviewer_id=reviewer.id,
                                 created_at=row.reviewed_at.floor("us").to_pydatetime(), level=int(row.second_level),
                                 indicators=list(row.second_indicators), tools_required=sorted(row.second_tools),
                                 outcome=row.second_outcome, note=None))
            events.append(PendingEvent(reviewer.username, "qa.review", referral_id,
                                       {"review_id": item.id, "sample_id": sample.id, "level": int(row.second_level),
                                        "simulated": True}))
    session.flush()
    return count
