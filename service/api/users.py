"""User administration (admin only; admins do not see narratives unless also screeners)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from service import users as accounts
from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.schemas import UserCreate, UserOut, UserUpdate
from service.security.access import allow

router = APIRouter(prefix="/api/v1/users", tags=["users"])
admins = allow("admin")


@router.get("", response_model=list[UserOut])
def list_users(ctx: Annotated[ServiceContext, Depends(service_context)], _user: Annotated[User, Depends(admins)]) -> list[UserOut]:
    """All accounts and their roles."""
    return accounts.list_users(ctx)


@router.post("", response_model=UserOut, status_code=201, responses={409: {"description": "Username taken"}})
def create_user(body: UserCreate, ctx: Annotated[ServiceContext, Depends(service_context)],
                user: Annotated[User, Depends(admins)]) -> UserOut:
    """Create an account (password hashed with argon2id)."""
    return accounts.create_user(ctx, user, body)


@router.patch("/{user_id}", response_model=UserOut, responses={404: {"description": "No such user"}})
def update_user(user_id: int, body: UserUpdate, ctx: Annotated[ServiceContext, Depends(service_context)],
                user: Annotated[User, Depends(admins)]) -> UserOut:
    """Change roles, team, password, or deactivate."""
    updated = accounts.update_user(ctx, user, user_id, body)
    if updated is None:
        raise HTTPException(404, f"no user {user_id}")
    return updated
