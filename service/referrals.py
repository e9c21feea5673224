"""Referrals: submit (with the pipeline's suggestion), read, queue, decide, sign off, assign.

Each write is one transaction together with its audit event (service.audit), so a
response that acknowledges a write means the write is stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.audit import PendingEvent, commit_with_audit, utcnow
from service.context import ServiceContext
from service.db.tables import AuditEvent, Decision, Referral, SignOff, User
from service.decision_rules import check_decision
from service.schemas import (
    DecisionCreate,
    DecisionOut,
    HistoryEvent,
    QueueItem,
    ReferralCreate,
    ReferralOut,
)
from service.timescales import RAG_LABELS, due_at, feedback_due, rag, urgency_for

logger = logging.getLogger(__name__)


class NotFound(LookupError):
    pass


class BlindReviewPending(PermissionError):
    """The user is this referral's blind second reviewer and has not reviewed it yet."""


class Conflict(RuntimeError):
    def __init__(self, message: str, current_version: int | None = None):
        super().__init__(message)
        self.current_version = current_version


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _request_hash(payload: ReferralCreate) -> str:
    return hashlib.sha256(json.dumps(payload.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def _apply_form(suggestion: dict, form: dict) -> dict:
    """Tools attached to the form are done: say so rather than asking for them again."""
    attached = set(form.get("screening_tools_attached", []))
    for tool in suggestion["screening_tools"]:
        if tool["tool"] in attached and tool["status"] == "missing":
            tool["status"] = "completed"
            tool["reason"] = f"{tool['reason']} The {tool['tool']} screening tool is attached to the referral form."
    return suggestion


def submit_referral(ctx: ServiceContext, user: User, payload: ReferralCreate, idempotency_key: str | None) -> tuple[Referral, bool]:
    """Store a referral with its suggestion. Returns (referral, replayed): a retry with the
    same Idempotency-Key returns the first referral instead of storing a duplicate."""
    request_hash = _request_hash(payload)
    if idempotency_key:
        existing = _by_idempotency_key(ctx, user, idempotency_key)
        if existing is not None:
            return _replay(existing, request_hash), True
    referral_id = secrets.token_hex(6)
    suggestion = ctx.suggest(payload.narrative, referral_id).model_dump(mode="json")  # outside any transaction
    form = payload.form.model_dump(mode="json")
    suggestion = _apply_form(suggestion, form)
    received = utcnow()
    urgency = urgency_for(suggestion["level"], suggestion["immediate_risk"]["flag"])
    referral = Referral(
        id=referral_id, received_at=received, created_by=user.id, idempotency_key=idempotency_key,
        request_hash=request_hash, narrative=payload.narrative, form=form, suggestion=suggestion,
        suggested_level=suggestion["level"], urgency=urgency, due_at=due_at(received, urgency),
        status="awaiting_decision", assigned_to=None, version=1,
    )
    with ctx.sessions() as session:
        session.add(referral)
        try:
            commit_with_audit(session, [PendingEvent(user.username, "referral.submit", referral_id, {
                "suggested_level": suggestion["level"], "model_version": suggestion["model_version"],
            })])
        except IntegrityError:
            session.rollback()
            existing = _by_idempotency_key(ctx, user, idempotency_key) if idempotency_key else None
            if existing is None:
                raise
            return _replay(existing, request_hash), True  # a concurrent retry won the race
    logger.info("referral stored id=%s level=%s urgency=%s", referral_id, suggestion["level"], urgency)
    return referral, False


def _by_idempotency_key(ctx: ServiceContext, user: User, key: str) -> Referral | None:
    with ctx.sessions() as session:
        return session.scalar(select(Referral).where(Referral.created_by == user.id, Referral.idempotency_key == key))


def _replay(existing: Referral, request_hash: str) -> Referral:
    if existing.request_hash != request_hash:
        raise Conflict("this Idempotency-Key was already used for a different referral; use a new key")
    return existing


def _load(session: Session, referral_id: str) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral {referral_id}")
    return referral


def _usernames(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username)).all())


def _decisions(session: Session, referral_id: str, names: dict[int, str]) -> list[DecisionOut]:
    rows = list(session.scalars(select(Decision).where(Decision.referral_id == referral_id).order_by(Decision.id.desc())))
    superseded = {row.supersedes_id for row in rows if row.supersedes_id}
    sign_offs = {
        s.decision_id: s
        for s in session.scalars(select(SignOff).where(SignOff.decision_id.in_([r.id for r in rows])))
    } if rows else {}
    out = []
    for row in rows:
        sign_off = sign_offs.get(row.id)
        out.append(DecisionOut(
            id=row.id, referral_id=row.referral_id, screener=names.get(row.screener_id, "?"),
            created_at=_utc(row.created_at), based_on_version=row.based_on_version, supersedes_id=row.supersedes_id,
            superseded=row.id in superseded, suggested_level=row.suggested_level, final_level=row.final_level,
            indicators=row.indicators, tools_required=row.tools_required, tools_completed=row.tools_completed,
            outcome=row.outcome, rationale=row.rationale, departures=row.departures,
            signed_off_by=names.get(sign_off.manager_id) if sign_off else None,
            signed_off_at=_utc(sign_off.created_at) if sign_off else None,
        ))
    return out


def _queue_item(referral: Referral, final_level: int | None, names: dict[int, str], now: datetime) -> QueueItem:
    suggestion = referral.suggestion
    status = referral.status
    colour = rag(_utc(referral.due_at), referral.urgency, now, decided=status != "awaiting_decision")
    return QueueItem(
        id=referral.id, received_at=_utc(referral.received_at), status=status, urgency=referral.urgency,
        due_at=_utc(referral.due_at), rag=colour, rag_label=RAG_LABELS[colour],
        suggested_level=referral.suggested_level, final_level=final_level,
        immediate_risk=suggestion["immediate_risk"]["flag"],
        missing_tools=[t["tool"] for t in suggestion["screening_tools"] if t["status"] == "missing"],
        assigned_to=names.get(referral.assigned_to) if referral.assigned_to else None, version=referral.version,
    )


def view_referral(ctx: ServiceContext, user: User, referral_id: str, channel: str = "api") -> ReferralOut:
    """The whole referral; viewing the narrative is itself an audit event."""
    with ctx.sessions() as session:
        referral = _load(session, referral_id)
        _refuse_while_blind(session, user, referral_id)
        commit_with_audit(session, [PendingEvent(user.username, "referral.view", referral_id, {"channel": channel})])
        names = _usernames(session)
        decisions = _decisions(session, referral_id, names)
        history = [
            HistoryEvent(at=_utc(e.at), actor=e.actor, action=e.action, detail=e.detail)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.referral_id == referral_id).order_by(AuditEvent.seq))
        ]
    current = next((d for d in decisions if not d.superseded), None)
    item = _queue_item(referral, current.final_level if current else None, names, utcnow())
    return ReferralOut(
        **item.model_dump(), narrative=referral.narrative, form=referral.form, suggestion=referral.suggestion,
        decisions=decisions, history=history,
        feedback_due=feedback_due(current.created_at) if current else None,
    )


def decision_inputs(ctx: ServiceContext, user: User, referral_id: str) -> tuple[dict, str]:
    """The stored suggestion and narrative a posted decision form is read against (not a view:
    the screener opened the referral to fill the form in)."""
    with ctx.sessions() as session:
        referral = _load(session, referral_id)
        _refuse_while_blind(session, user, referral_id)
        return referral.suggestion, referral.narrative


def _refuse_while_blind(session: Session, user: User, referral_id: str) -> None:
    """A second reviewer must not see the first decision or the suggestion before their own review."""
    from service.qa.tables import QAReview, QASampleItem

    pending = session.scalar(
        select(QASampleItem.id)
        .outerjoin(QAReview, QAReview.item_id == QASampleItem.id)
        .where(QASampleItem.referral_id == referral_id, QASampleItem.reviewer_id == user.id, QAReview.id.is_(None))
        .limit(1)
    )
    if pending is not None:
        raise BlindReviewPending(
            f"you are the blind second reviewer of this referral: record your review (QA review {pending}) before opening it here"
        )


def work_queue(ctx: ServiceContext, status: str | None = None, limit: int = 200) -> list[QueueItem]:
    """Referrals by due time, soonest first (no narrative text)."""
    with ctx.sessions() as session:
        query = select(Referral).order_by(Referral.due_at, Referral.id).limit(limit)
        if status:
            query = query.where(Referral.status == status)
        referrals = list(session.scalars(query))
        names = _usernames(session)
        latest: dict[str, Decision] = {}
        if referrals:
            for row in session.scalars(
                select(Decision).where(Decision.referral_id.in_([r.id for r in referrals])).order_by(Decision.id)
            ):
                latest[row.referral_id] = row
    now = utcnow()
    items = []
    for referral in referrals:
        row = latest.get(referral.id)  # the newest decision is the current one
        items.append(_queue_item(referral, row.final_level if row else None, names, now))
    return items


def record_decision(ctx: ServiceContext, user: User, referral_id: str, decision: DecisionCreate) -> DecisionOut:
    """Store an immutable decision; it supersedes the referral's current one. Deciding on
    a version of the referral that has since changed is refused (Conflict -> 409)."""
    with ctx.sessions() as session:
        referral = _load(session, referral_id)
        departures = check_decision(decision, referral.suggestion, referral.narrative, ctx.catalogue)
        if decision.based_on_version != referral.version:
            raise Conflict(
                f"the referral changed since you opened it (you saw version {decision.based_on_version}, "
                f"it is now version {referral.version}); reload it and decide again",
                referral.version,
            )
        # Compare-and-set on the version: of two screeners deciding at once, one wins.
        bumped = session.execute(
            update(Referral)
            .where(Referral.id == referral_id, Referral.version == decision.based_on_version)
            .values(version=Referral.version + 1, status="decided")
        ).rowcount
        if bumped != 1:
            session.rollback()
            current = session.get(Referral, referral_id)
            raise Conflict("another decision was recorded first; reload the referral", current.version if current else None)
        previous = session.scalar(
            select(Decision.id).where(Decision.referral_id == referral_id).order_by(Decision.id.desc()).limit(1)
        )
        indicators = [{"id": v.id, "verdict": v.verdict} for v in decision.indicators] + [
            {
                "id": a.id, "verdict": "add",
                "evidence": [{"start": s.start, "end": s.end, "text": referral.narrative[s.start:s.end]} for s in a.evidence],
            }
            for a in decision.added
        ]
        row = Decision(
            referral_id=referral_id, screener_id=user.id, created_at=utcnow(), based_on_version=decision.based_on_version,
            supersedes_id=previous, suggested_level=referral.suggested_level, final_level=decision.final_level,
            indicators=indicators, tools_required=sorted(set(decision.tools_required)),
            tools_completed=sorted(set(decision.tools_completed)), outcome=decision.outcome,
            rationale=(decision.rationale or "").strip() or None, departures=departures,
        )
        session.add(row)
        session.flush()
        commit_with_audit(session, [PendingEvent(user.username, "decision.create", referral_id, {
            "decision_id": row.id, "final_level": row.final_level, "supersedes": previous,
            "departures": len(departures), "outcome": row.outcome,
        })])
        decision_id = row.id
        names = _usernames(session)
        out = next(d for d in _decisions(session, referral_id, names) if d.id == decision_id)
    ctx.metrics.decisions.inc()
    ctx.metrics.count_departures(departures)
    logger.info("decision stored referral=%s decision=%s departures=%d", referral_id, decision_id, len(departures))
    return out


def sign_off(ctx: ServiceContext, manager: User, referral_id: str, decision_id: int, note: str | None) -> DecisionOut:
    with ctx.sessions() as session:
        _load(session, referral_id)
        decision = session.get(Decision, decision_id)
        if decision is None or decision.referral_id != referral_id:
            raise NotFound(f"no decision {decision_id} on referral {referral_id}")
        newer = session.scalar(select(Decision.id).where(Decision.supersedes_id == decision_id))
        if newer is not None:
            raise Conflict(f"decision {decision_id} has been superseded by decision {newer}; sign off the current one")
        if session.scalar(select(SignOff.id).where(SignOff.decision_id == decision_id)) is not None:
            raise Conflict(f"decision {decision_id} is already signed off")
        session.add(SignOff(decision_id=decision_id, manager_id=manager.id, created_at=utcnow(), note=note))
        session.execute(
            update(Referral).where(Referral.id == referral_id)
            .values(status="signed_off", version=Referral.version + 1)
        )
        commit_with_audit(session, [PendingEvent(manager.username, "decision.sign_off", referral_id, {"decision_id": decision_id})])
        names = _usernames(session)
        return next(d for d in _decisions(session, referral_id, names) if d.id == decision_id)


def assign(ctx: ServiceContext, manager: User, referral_id: str, username: str) -> None:
    with ctx.sessions() as session:
        referral = _load(session, referral_id)
        target = session.scalar(select(User).where(User.username == username))
        if target is None or not target.active or not {"screener", "manager"} & set(target.roles):
            raise NotFound(f"no active screener or manager called {username}")
        referral.assigned_to = target.id
        commit_with_audit(session, [PendingEvent(manager.username, "referral.assign", referral_id, {"to": target.username})])
