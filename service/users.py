"""Accounts: the first admin, creating and changing users, signing in."""

from __future__ import annotations

import logging
import secrets
import sys

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service.audit import PendingEvent, commit_with_audit, utcnow
from service.context import ServiceContext
from service.db.tables import User
from service.schemas import UserCreate, UserOut, UserUpdate
from service.security.passwords import DUMMY_HASH, check_password, hash_password
from service.security.tokens import issue_token

logger = logging.getLogger(__name__)


class UserConflict(ValueError):
    pass


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, roles=list(user.roles), team=user.team, active=user.active)


def bootstrap_admin(ctx: ServiceContext) -> None:
    """On an empty database, create the first admin: the password comes from
    THRESHOLD_ADMIN_PASSWORD or is generated and printed once (never logged)."""
    with ctx.sessions() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        password = ctx.settings.threshold_admin_password
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(18)
        username = ctx.settings.threshold_admin_username
        session.add(User(username=username, password_hash=hash_password(password), roles=["admin"],
                         team=None, active=True, created_at=utcnow()))
        try:
            commit_with_audit(session, [PendingEvent("system", "user.create", None, {"username": username, "roles": ["admin"]})])
        except IntegrityError:
            return  # another worker created it first
    if generated:
        print(f"First admin account: {username} / {password}  (shown once; change it after signing in)", file=sys.stderr, flush=True)
    logger.info("first admin account created")


def create_user(ctx: ServiceContext, actor: User, payload: UserCreate) -> UserOut:
    with ctx.sessions() as session:
        if session.scalar(select(User.id).where(User.username == payload.username)) is not None:
            raise UserConflict(f"user {payload.username} already exists")
        user = User(username=payload.username, password_hash=hash_password(payload.password), roles=sorted(set(payload.roles)),
                    team=payload.team, active=True, created_at=utcnow())
        session.add(user)
        session.flush()
        commit_with_audit(session, [PendingEvent(actor.username, "user.create", None, {"username": user.username, "roles": user.roles})])
        return user_out(user)


def update_user(ctx: ServiceContext, actor: User, user_id: int, payload: UserUpdate) -> UserOut | None:
    with ctx.sessions() as session:
        user = session.get(User, user_id)
        if user is None:
            return None
        changed = {}
        if payload.roles is not None:
            user.roles = sorted(set(payload.roles))
            changed["roles"] = user.roles
        if payload.team is not None:
            user.team = payload.team
            changed["team"] = user.team
        if payload.active is not None:
            user.active = payload.active
            changed["active"] = user.active
        if payload.password is not None:
            user.password_hash = hash_password(payload.password)
            changed["password"] = "changed"
        commit_with_audit(session, [PendingEvent(actor.username, "user.update", None, {"username": user.username, **changed})])
        return user_out(user)


def list_users(ctx: ServiceContext) -> list[UserOut]:
    with ctx.sessions() as session:
        return [user_out(u) for u in session.scalars(select(User).order_by(User.username))]


def sign_in(ctx: ServiceContext, username: str, password: str) -> tuple[str, object, User] | None:
    """A new token for good credentials, None otherwise; both outcomes are audited."""
    with ctx.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        ok = check_password(user.password_hash if user else DUMMY_HASH, password) and user is not None and user.active
        if not ok:
            commit_with_audit(session, [PendingEvent(username[:64], "auth.sign_in_failed", None, {})])
            return None
        token, expires = issue_token(session, user, ctx.settings.threshold_token_minutes)
        commit_with_audit(session, [PendingEvent(user.username, "auth.sign_in", None, {})])
        return token, expires, user
