"""QA in the service: draw reproducible samples of decided referrals, assign them to blind
second reviewers, record the reviews, and turn the database into the two DataFrames the
analytics read (service.qa.frames).

Every write is one transaction with its audit events (service.audit.commit_with_audit).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp.catalogue import Catalogue
from service.audit import PendingEvent, commit_with_audit, utcnow
from service.context import ServiceContext
from service.db.tables import Decision, Referral, User
from service.qa.frames import DECISION_COLUMNS, REVIEW_COLUMNS, validate_decisions, validate_reviews
from service.qa.report import QAReport, build_report
from service.qa.schemas import (
    ReviewCaseOut,
    ReviewCreate,
    ReviewOut,
    ReviewQueueItem,
    SampleCreate,
    SampleItemOut,
    SampleOut,
)
from service.qa.tables import QAReview, QASample, QASampleItem
from service.referrals import Conflict, NotFound

OVERSAMPLE_WEIGHT = 2.0  # a stratum of disagreements / unsure suggestions counts twice in the allocation
REVIEWER_ROLES = ("qa", "manager")


class SampleInvalid(ValueError):
    """The sample cannot be drawn as asked (the message says why)."""


class ReviewForbidden(PermissionError):
    """This user may not open or record this second review (the message says why)."""


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, the day after end 00:00 UTC)."""
    return (datetime.combine(start, time(), tzinfo=timezone.utc),
            datetime.combine(end + timedelta(days=1), time(), tzinfo=timezone.utc))


def current_decisions(session: Session, start: date | None = None, end: date | None = None) -> list[Decision]:
    """The current (newest, not superseded) decision of each decided referral, decided in [start, end]."""
    superseded = select(Decision.supersedes_id).where(Decision.supersedes_id.is_not(None))
    query = select(Decision).where(Decision.id.not_in(superseded)).order_by(Decision.referral_id, Decision.id)
    if start is not None and end is not None:
        low, high = _bounds(start, end)
        query = query.where(Decision.created_at >= low, Decision.created_at < high)
    return list(session.scalars(query))


# ------------------------------------------------------------------ sampling


def overrode(decision: Decision) -> bool:
    return decision.final_level != decision.suggested_level or bool(decision.departures)


def missing_tools(suggestion: dict) -> list[str]:
    return sorted(t["tool"] for t in suggestion.get("screening_tools", []) if t.get("status") == "missing")


def max_probability(suggestion: dict) -> float | None:
    values = [float(v) for v in (suggestion.get("level_probabilities") or {}).values()]
    return max(values) if values else None


@dataclass(frozen=True)
class Candidate:
    referral_id: str
    decision_id: int
    screener_id: int
    attributes: dict[str, str]
    disagreement: bool
    unsure: bool


def _candidates(session: Session, start: date, end: date, unsure_below: float | None) -> list[Candidate]:
    decisions = current_decisions(session, start, end)
    if not decisions:
        return []
    users = {u.id: u for u in session.scalars(select(User))}
    referrals = {
        r.id: r for r in session.scalars(select(Referral).where(Referral.id.in_([d.referral_id for d in decisions])))
    }
    out = []
    for d in decisions:
        referral, screener = referrals[d.referral_id], users.get(d.screener_id)
        tools = missing_tools(referral.suggestion)
        top = max_probability(referral.suggestion)
        out.append(Candidate(
            referral_id=d.referral_id, decision_id=d.id, screener_id=d.screener_id,
            attributes={
                "final_level": str(d.final_level),
                "screener": screener.username if screener else "?",
                "team": (screener.team if screener and screener.team else "none"),
                "referrer_agency": str((referral.form or {}).get("referrer_agency") or "unknown"),
                "overrode": "yes" if overrode(d) else "no",
                "tool_flag": "+".join(tools) if tools else "none",
            },
            disagreement=d.final_level != d.suggested_level,
            unsure=unsure_below is not None and top is not None and top < unsure_below,
        ))
    return sorted(out, key=lambda c: c.referral_id)


def allocate(sizes: dict[tuple, int], weights: dict[tuple, float], size: int) -> dict[tuple, int]:
    """Places per stratum in proportion to stratum size x weight (largest remainders, ties by
    stratum key), at least one for every non-empty stratum, never more than a stratum holds."""
    strata = sorted(h for h, n in sizes.items() if n > 0)
    if size >= sum(sizes[h] for h in strata):
        return {h: sizes[h] for h in strata}
    if size < len(strata):
        raise SampleInvalid(
            f"a sample of {size} cannot hold one referral from each of the {len(strata)} non-empty strata; "
            f"ask for at least {len(strata)} or stratify by fewer criteria"
        )
    places: dict[tuple, int] = {}
    free, left = list(strata), size
    while True:  # strata whose share is more than they hold take everything they hold
        total = sum(sizes[h] * weights[h] for h in free)
        quotas = {h: left * sizes[h] * weights[h] / total for h in free}
        full = [h for h in free if quotas[h] >= sizes[h]]
        if not full:
            break
        for h in full:
            places[h] = sizes[h]
            left -= sizes[h]
        free = [h for h in free if h not in full]
    for h in free:
        places[h] = max(1, math.floor(quotas[h]))
    short = left - sum(places[h] for h in free)
    for h in sorted(free, key=lambda h: (-(quotas[h] - places[h]), h)):  # hand out the rest
        if short <= 0:
            break
        if places[h] < sizes[h]:
            places[h] += 1
            short -= 1
    while short < 0:  # the one-per-stratum minimum overshot: take from the most over-allocated
        h = min((h for h in free if places[h] > 1), key=lambda h: (quotas[h] - places[h], h))
        places[h] -= 1
        short += 1
    return places


def _reviewers(session: Session) -> list[User]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    return [u for u in users if set(u.roles) & set(REVIEWER_ROLES)]


def _deciders(session: Session, referral_ids: Iterable[str]) -> dict[str, set[int]]:
    """Everyone who recorded a decision on each referral: none of them may review it."""
    out: dict[str, set[int]] = {}
    ids = list(referral_ids)
    if ids:
        for referral_id, screener_id in session.execute(
            select(Decision.referral_id, Decision.screener_id).where(Decision.referral_id.in_(ids))
        ):
            out.setdefault(referral_id, set()).add(screener_id)
    return out


def draw_sample(ctx: ServiceContext, user: User | None, payload: SampleCreate) -> SampleOut:
    """Draw, store and assign a stratified sample. Same seed, criteria and data: same sample."""
    seed = payload.seed if payload.seed is not None else secrets.randbelow(2**31)
    with ctx.sessions() as session:
        candidates = _candidates(session, payload.period_start, payload.period_end, payload.unsure_below)
        if not candidates:
            raise SampleInvalid(
                f"no decided referrals between {payload.period_start} and {payload.period_end}; nothing to sample"
            )
        oversampling = payload.oversample_disagreement or payload.unsure_below is not None

        def key(c: Candidate) -> tuple:
            values = tuple(c.attributes[name] for name in payload.stratify_by)
            if oversampling:
                flagged = (payload.oversample_disagreement and c.disagreement) or c.unsure
                values += ("yes" if flagged else "no",)
            return values

        members: dict[tuple, list[Candidate]] = {}
        for candidate in candidates:  # already sorted by referral id
            members.setdefault(key(candidate), []).append(candidate)
        sizes = {h: len(m) for h, m in members.items()}
        weights = {h: (OVERSAMPLE_WEIGHT if oversampling and h[-1] == "yes" else 1.0) for h in members}
        places = allocate(sizes, weights, payload.size)

        rng = np.random.default_rng(seed)
        chosen: list[tuple[tuple, Candidate]] = []
        for h in sorted(members):
            picks = sorted(rng.choice(sizes[h], size=places[h], replace=False).tolist())
            chosen += [(h, members[h][i]) for i in picks]

        reviewers = _reviewers(session)
        deciders = _deciders(session, [c.referral_id for _, c in chosen])
        names = ["flagged"] if oversampling else []
        names = list(payload.stratify_by) + names
        now = utcnow()
        sample = QASample(
            created_at=now, created_by=user.id if user and user.id else None,
            period_start=payload.period_start, period_end=payload.period_end, size=payload.size, seed=seed,
            stratify_by=list(payload.stratify_by), oversample_disagreement=payload.oversample_disagreement,
            unsure_below=payload.unsure_below, oversample_weight=OVERSAMPLE_WEIGHT, population=len(candidates),
            source="drawn",
            strata=[{"values": dict(zip(names, h)), "population": sizes[h], "weight": weights[h], "allocated": places[h]}
                    for h in sorted(members)],
        )
        session.add(sample)
        session.flush()
        pointer, events = 0, []
        for h, candidate in chosen:
            reviewer = None
            for step in range(len(reviewers)):  # round-robin, skipping anyone who decided this referral
                option = reviewers[(pointer + step) % len(reviewers)]
                if option.id not in deciders.get(candidate.referral_id, set()):
                    reviewer, pointer = option, (pointer + step + 1) % len(reviewers)
                    break
            if reviewer is None:
                session.rollback()
                raise SampleInvalid(
                    f"no active qa or manager user other than the screener can review referral {candidate.referral_id}; "
                    "add a reviewer first"
                )
            item = QASampleItem(
                sample_id=sample.id, referral_id=candidate.referral_id, decision_id=candidate.decision_id,
                stratum=dict(zip(names, h)), oversampled=weights[h] > 1, reviewer_id=reviewer.id, assigned_at=now,
            )
            session.add(item)
            session.flush()
            events.append(PendingEvent(_actor(user), "qa.review_assigned", candidate.referral_id,
                                       {"sample_id": sample.id, "review_id": item.id, "reviewer": reviewer.username}))
        sample_id = sample.id
        commit_with_audit(session, [PendingEvent(_actor(user), "qa.sample", None, {
            "sample_id": sample_id, "seed": seed, "size": payload.size, "drawn": len(chosen),
            "population": len(candidates), "stratify_by": list(payload.stratify_by),
        }), *events])
    return get_sample(ctx, sample_id)


def _actor(user: User | None) -> str:
    return user.username if user is not None else "cli"


def get_sample(ctx: ServiceContext, sample_id: int) -> SampleOut:
    with ctx.sessions() as session:
        sample = session.get(QASample, sample_id)
        if sample is None:
            raise NotFound(f"no QA sample {sample_id}")
        names = dict(session.execute(select(User.id, User.username)).all())
        items = list(session.scalars(select(QASampleItem).where(QASampleItem.sample_id == sample_id).order_by(QASampleItem.id)))
        done = _completed(session, [i.id for i in items])
    return SampleOut(
        id=sample.id, created_at=_utc(sample.created_at), created_by=names.get(sample.created_by),
        period_start=sample.period_start, period_end=sample.period_end, size=sample.size, seed=sample.seed,
        stratify_by=sample.stratify_by, oversample_disagreement=sample.oversample_disagreement,
        unsure_below=sample.unsure_below, oversample_weight=sample.oversample_weight, population=sample.population,
        source=sample.source, strata=sample.strata,
        items=[SampleItemOut(review_id=i.id, referral_id=i.referral_id, stratum=i.stratum, oversampled=i.oversampled,
                             reviewer=names.get(i.reviewer_id, "?"), status="completed" if i.id in done else "pending")
               for i in items],
    )


def _completed(session: Session, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    return set(session.scalars(select(QAReview.item_id).where(QAReview.item_id.in_(item_ids))))


# ------------------------------------------------------------------ blind second reviews


def review_queue(ctx: ServiceContext, user: User, include_completed: bool = False) -> list[ReviewQueueItem]:
    """Second reviews assigned to `user`, oldest referral first (no narrative, no first decision)."""
    with ctx.sessions() as session:
        rows = session.execute(
            select(QASampleItem, Referral.received_at)
            .join(Referral, Referral.id == QASampleItem.referral_id)
            .where(QASampleItem.reviewer_id == user.id)
            .order_by(QASampleItem.assigned_at, QASampleItem.id)
        ).all()
        done = _completed(session, [item.id for item, _ in rows])
    return [
        ReviewQueueItem(review_id=item.id, referral_id=item.referral_id, sample_id=item.sample_id,
                        received_at=_utc(received), assigned_at=_utc(item.assigned_at),
                        status="completed" if item.id in done else "pending")
        for item, received in rows
        if include_completed or item.id not in done
    ]


def _item_for(session: Session, user: User, review_id: int) -> QASampleItem:
    item = session.get(QASampleItem, review_id)
    if item is None:
        raise NotFound(f"no second review {review_id}")
    if user.id in _deciders(session, [item.referral_id]).get(item.referral_id, set()):
        raise ReviewForbidden(
            f"you recorded a decision on referral {item.referral_id}; a second review must be made by someone "
            "else, so you cannot review your own decision"
        )
    if item.reviewer_id != user.id:
        assigned = session.get(User, item.reviewer_id)
        raise ReviewForbidden(f"second review {review_id} is assigned to {assigned.username if assigned else 'someone else'}, not to you")
    return item


def _review_out(review: QAReview, reviewer: str) -> ReviewOut:
    return ReviewOut(review_id=review.item_id, referral_id=review.referral_id, reviewer=reviewer,
                     created_at=_utc(review.created_at), level=review.level, indicators=review.indicators,
                     tools_required=review.tools_required, outcome=review.outcome, note=review.note)


def open_review(ctx: ServiceContext, user: User, review_id: int, channel: str = "qa") -> ReviewCaseOut:
    """The referral as received (narrative and form) for its assigned reviewer; the view is audited.
    Neither the first decision nor the suggestion is included: the review is blind."""
    with ctx.sessions() as session:
        item = _item_for(session, user, review_id)
        referral = session.get(Referral, item.referral_id)
        review = session.scalar(select(QAReview).where(QAReview.item_id == item.id))
        commit_with_audit(session, [PendingEvent(user.username, "referral.view", item.referral_id,
                                                 {"channel": channel, "review_id": item.id})])
        return ReviewCaseOut(
            review_id=item.id, referral_id=item.referral_id, sample_id=item.sample_id,
            received_at=_utc(referral.received_at), narrative=referral.narrative, form=referral.form,
            status="completed" if review else "pending", review=_review_out(review, user.username) if review else None,
        )


def submit_review(ctx: ServiceContext, user: User, review_id: int, payload: ReviewCreate, catalogue: Catalogue) -> ReviewOut:
    """Record the reviewer's independent judgement, once (a second submission is a Conflict)."""
    unknown = [i for i in payload.indicators if i not in catalogue.by_id]
    if unknown:
        raise SampleInvalid(f"not catalogue indicator ids: {', '.join(unknown[:5])}")
    with ctx.sessions() as session:
        item = _item_for(session, user, review_id)
        if session.scalar(select(QAReview.id).where(QAReview.item_id == item.id)) is not None:
            raise Conflict(f"second review {review_id} is already recorded; reviews cannot be changed")
        review = QAReview(
            item_id=item.id, referral_id=item.referral_id, reviewer_id=user.id, created_at=utcnow(),
            level=payload.level, indicators=list(dict.fromkeys(payload.indicators)),
            tools_required=sorted(set(payload.tools_required)), outcome=payload.outcome,
            note=(payload.note or "").strip() or None,
        )
        session.add(review)
        try:
            session.flush()
        except IntegrityError:  # a concurrent submission won the unique item_id
            session.rollback()
            raise Conflict(f"second review {review_id} is already recorded; reviews cannot be changed") from None
        commit_with_audit(session, [PendingEvent(user.username, "qa.review", item.referral_id, {
            "review_id": item.id, "sample_id": item.sample_id, "level": review.level, "outcome": review.outcome,
        })])
        return _review_out(review, user.username)


# ------------------------------------------------------------------ the analytics' DataFrames


def decisions_frame(session: Session, catalogue: Catalogue | None, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Every current decision decided in the period as service.qa.frames.DECISION_COLUMNS."""
    decisions = current_decisions(session, start, end)
    users = {u.id: u for u in session.scalars(select(User))}
    referrals = _referrals(session, {d.referral_id for d in decisions})
    rows = []
    for d in decisions:
        referral, screener = referrals[d.referral_id], users.get(d.screener_id)
        suggestion = referral.suggestion
        by_verdict = {"accept": [], "reject": [], "add": []}
        for verdict in d.indicators:
            by_verdict.setdefault(verdict["verdict"], []).append(verdict["id"])
        domains = {i["id"]: i["domain"] for i in suggestion.get("indicators", [])}
        indicator_domains = {i["id"]: i["domain"] for i in suggestion.get("indicators", []) if i.get("affirmed")}
        for added in by_verdict["add"]:
            entry = catalogue.by_id.get(added) if catalogue is not None else None
            indicator_domains[added] = entry.domain if entry is not None else domains.get(added, "unknown")
        rows.append({
            "referral_id": d.referral_id,
            "screener": screener.username if screener else "?",
            "team": screener.team if screener and screener.team else "none",
            "referrer_agency": str((referral.form or {}).get("referrer_agency") or "unknown"),
            "received_at": _utc(referral.received_at),
            "due_at": _utc(referral.due_at),
            "decided_at": _utc(d.created_at),
            "urgency": referral.urgency,
            "suggested_level": d.suggested_level,
            "final_level": d.final_level,
            "suggested_confidence": (suggestion.get("level_probabilities") or {}).get(str(suggestion.get("level", d.suggested_level))),
            "suggested_indicators": [i["id"] for i in suggestion.get("indicators", []) if i.get("affirmed")],
            "accepted": by_verdict["accept"],
            "rejected": by_verdict["reject"],
            "added": by_verdict["add"],
            "indicator_domains": indicator_domains,
            "tools_suggested_missing": missing_tools(suggestion),
            "tools_required": d.tools_required,
            "tools_completed": d.tools_completed,
            "outcome": d.outcome,
        })
    frame = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    return validate_decisions(frame)


def reviews_frame(session: Session, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Completed second reviews of decisions decided in the period as REVIEW_COLUMNS."""
    query = (
        select(QAReview, QASampleItem, Decision)
        .join(QASampleItem, QASampleItem.id == QAReview.item_id)
        .join(Decision, Decision.id == QASampleItem.decision_id)
        .order_by(QAReview.id)
    )
    if start is not None and end is not None:
        low, high = _bounds(start, end)
        query = query.where(Decision.created_at >= low, Decision.created_at < high)
    users = {u.id: u for u in session.scalars(select(User))}
    rows = []
    for review, _item, d in session.execute(query).all():
        screener = users.get(d.screener_id)
        reviewer = users.get(review.reviewer_id)
        first_indicators = [v["id"] for v in d.indicators if v["verdict"] in ("accept", "add")]
        rows.append({
            "referral_id": d.referral_id,
            "screener": screener.username if screener else "?",
            "team": screener.team if screener and screener.team else "none",
            "reviewer": reviewer.username if reviewer else "?",
            "first_level": d.final_level,
            "second_level": review.level,
            "first_tools": d.tools_required,
            "second_tools": review.tools_required,
            "first_outcome": d.outcome,
            "second_outcome": review.outcome,
            "first_indicators": first_indicators,
            "second_indicators": review.indicators,
            "decided_at": _utc(d.created_at),
            "reviewed_at": _utc(review.created_at),
        })
    return validate_reviews(pd.DataFrame(rows, columns=list(REVIEW_COLUMNS)))


def _referrals(session: Session, ids: set[str]) -> dict[str, Referral]:
    out: dict[str, Referral] = {}
    ordered = sorted(ids)
    for chunk in range(0, len(ordered), 500):
        part = ordered[chunk:chunk + 500]
        out.update({r.id: r for r in session.scalars(select(Referral).where(Referral.id.in_(part)))})
    return out


def qa_report(ctx: ServiceContext, actor: str, start: date, end: date, *, catalogue: Catalogue | None = None,
              seed: int = 0, output_format: str = "html") -> QAReport:
    """The QA report for decisions decided in [start, end] and their second reviews (audited)."""
    if end < start:
        raise SampleInvalid("end is before start")
    with ctx.sessions() as session:
        decisions = decisions_frame(session, catalogue if catalogue is not None else ctx.catalogue, start, end)
        reviews = reviews_frame(session, start, end)
        commit_with_audit(session, [PendingEvent(actor, "qa.report", None, {
            "start": start.isoformat(), "end": end.isoformat(), "format": output_format,
            "decisions": len(decisions), "reviews": len(reviews),
        })])
    return build_report(decisions, reviews, (start, end), seed)
