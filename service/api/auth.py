"""Sign in (bearer token + session cookie), sign out, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.schemas import TokenOut, TokenRequest, UserOut
from service.security.access import ROLES, SESSION_COOKIE, allow, presented_token, public
from service.security.tokens import revoke
from service.users import sign_in, user_out

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])
anyone_signed_in = allow(*ROLES)


@router.post("/token", response_model=TokenOut, dependencies=[Depends(public)],
             responses={401: {"description": "Wrong username or password"}})
def issue(body: TokenRequest, response: Response, ctx: Annotated[ServiceContext, Depends(service_context)]) -> TokenOut:
    """Sign in with a password: returns an expiring bearer token and sets the page's session cookie."""
    result = sign_in(ctx, body.username, body.password)
    if result is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    token, expires, user = result
    set_session_cookie(response, token, ctx)
    return TokenOut(access_token=token, expires_at=expires, roles=list(user.roles))


def set_session_cookie(response: Response, token: str, ctx: ServiceContext) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=ctx.settings.threshold_token_minutes * 60, httponly=True,
        samesite="strict", secure=ctx.settings.threshold_cookie_secure, path="/",
    )


@router.delete("/token", status_code=204)
def sign_out(request: Request, response: Response, ctx: Annotated[ServiceContext, Depends(service_context)],
             _user: Annotated[User, Depends(anyone_signed_in)]) -> Response:
    """Revoke the token (or session) used for this request."""
    token = presented_token(request)
    with ctx.sessions() as session:
        revoke(session, token)
        session.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=UserOut)
def me(user: Annotated[User, Depends(anyone_signed_in)]) -> UserOut:
    """The signed-in user and their roles."""
    return user_out(user)
