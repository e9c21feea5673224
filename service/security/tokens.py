"""Expiring bearer tokens: random, shown once, stored only as a SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.tables import Token, User


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, minutes: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    expires = now + timedelta(minutes=minutes)
    session.add(Token(token_hash=digest(token), user_id=user.id, created_at=now, expires_at=expires, revoked=False))
    return token, expires


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(Token).where(Token.token_hash == digest(token)))
    if row is None or row.revoked:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires <= datetime.now(timezone.utc):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def revoke(session: Session, token: str) -> None:
    row = session.scalar(select(Token).where(Token.token_hash == digest(token)))
    if row is not None:
        row.revoked = True


def csrf_token(session_token: str) -> str:
    """Form token tied to the session cookie (double-submit): a page from another site
    cannot know it, so it cannot post decisions in the screener's name."""
    return hmac.new(digest(session_token).encode(), b"csrf", hashlib.sha256).hexdigest()
