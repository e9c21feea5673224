"""Who may call what. Every endpoint depends on `allow(...)` or `public`; the roles each
allows are kept on the dependency so a test can walk the whole endpoint x role matrix."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request, status

from service.db.tables import User
from service.security.tokens import user_for_token

ROLES = ("screener", "manager", "qa", "data_scientist", "admin")
SESSION_COOKIE = "ta_session"


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def current_user(request: Request) -> User:
    token = presented_token(request)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.ctx.sessions() as session:
        user = user_for_token(session, token)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "token expired or not recognised; sign in again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.user = user
    return user


def allow(*roles: str) -> Callable[[Request], User]:
    """Dependency: the signed-in user, if they hold at least one of `roles`."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def dependency(request: Request) -> User:
        user = current_user(request)
        if not set(user.roles) & set(roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs one of the roles: {', '.join(roles)}")
        return user

    dependency.allowed_roles = frozenset(roles)  # read by the access-matrix test
    return dependency


def public(request: Request) -> None:
    """Dependency for endpoints anyone may call (sign-in, health, metrics, docs)."""


public.allowed_roles = None
