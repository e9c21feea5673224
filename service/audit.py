"""Append-only, hash-chained audit trail: who did what, when, to which referral.

Each event's hash covers its own fields and the previous event's hash, and `audit_head`
holds the chain's length and last hash, so `verify_chain` finds an altered row, a deleted
row anywhere (a gap in `seq` or a broken link) and deleted newest rows (head mismatch).
Events carry ids and codes only, never narrative text or personal details.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.db.tables import AuditEvent, AuditHead

GENESIS = "0" * 64
_process_lock = threading.Lock()  # SQLite: one writer process; PostgreSQL adds an advisory lock
_ADVISORY_KEY = 7_410_001


@dataclass(frozen=True)
class PendingEvent:
    actor: str
    action: str
    referral_id: str | None = None
    detail: dict | None = None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes: they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def event_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, referral_id: str | None, detail: dict) -> str:
    payload = json.dumps(
        [prev_hash, seq, _as_utc(at).isoformat(timespec="microseconds"), actor, action, referral_id, detail],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def commit_with_audit(session: Session, events: list[PendingEvent]) -> list[AuditEvent]:
    """Append events to the chain and commit them with whatever else the session holds,
    in one transaction: the business write and its audit record stand or fall together."""
    with _process_lock:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
        head = session.get(AuditHead, 1)
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        rows = []
        for pending in events:
            seq += 1
            at = utcnow()
            detail = pending.detail or {}
            digest = event_hash(prev, seq, at, pending.actor, pending.action, pending.referral_id, detail)
            row = AuditEvent(
                seq=seq, at=at, actor=pending.actor, action=pending.action,
                referral_id=pending.referral_id, detail=detail, prev_hash=prev, hash=digest,
            )
            session.add(row)
            rows.append(row)
            prev = digest
        if head is None:
            session.add(AuditHead(id=1, seq=seq, hash=prev))
        else:
            head.seq, head.hash = seq, prev
        session.commit()
        return rows


@dataclass(frozen=True)
class ChainReport:
    events: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session: Session) -> ChainReport:
    problems: list[str] = []
    prev, expected_seq, count = GENESIS, 1, 0
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        count += 1
        if row.seq != expected_seq:
            problems.append(f"events {expected_seq}..{row.seq - 1} are missing (deleted)")
        if row.prev_hash != prev:
            problems.append(f"event {row.seq}: does not follow the previous event (an event before it was deleted or altered)")
        recomputed = event_hash(row.prev_hash, row.seq, row.at, row.actor, row.action, row.referral_id, row.detail)
        if recomputed != row.hash:
            problems.append(f"event {row.seq}: contents altered (hash mismatch)")
        prev, expected_seq = row.hash, row.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        problems.append(f"the chain should end at event {head.seq}; it ends at {expected_seq - 1} (newest events deleted or altered)")
    if head is None and count:
        problems.append("the chain head record is missing")
    return ChainReport(events=count, problems=problems)
