"""Referrals: submit, read, work queue, decisions, sign-off, reassignment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from service import referrals as store
from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.schemas import AssignCreate, DecisionCreate, DecisionOut, QueueItem, ReferralCreate, ReferralOut, SignOffCreate
from service.security.access import allow

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])
screening_staff = allow("screener", "manager")
managers = allow("manager")
ReferralId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="The referral's id.")]
ERRORS = {
    400: {"description": "The body is empty, not UTF-8, not JSON, or the decision is incomplete (the message says what is missing)"},
    401: {"description": "Not signed in, or the token expired"},
    403: {"description": "Your roles do not allow this"},
    413: {"description": "Body larger than 256 KiB (a narrative may have up to 50,000 characters)"},
    503: {"description": "Database or pipeline unavailable; nothing was saved, retry"},
}


@router.post("", response_model=ReferralOut, status_code=201, responses={**ERRORS, 200: {"description": "A retry with the same Idempotency-Key: the first result"}, 409: {"description": "Idempotency-Key reused for a different body"}})
def submit(
    body: ReferralCreate,
    response: Response,
    ctx: Annotated[ServiceContext, Depends(service_context)],
    user: Annotated[User, Depends(screening_staff)],
    idempotency_key: Annotated[str | None, Header(max_length=128, description="Send the same key when retrying: no duplicate is stored.")] = None,
) -> ReferralOut:
    """Store a referral (narrative + referral-form fields), run the pipeline, return the stored suggestion."""
    referral, replayed = store.submit_referral(ctx, user, body, idempotency_key)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/referrals/{referral.id}"
    return store.view_referral(ctx, user, referral.id)


@router.get("", response_model=list[QueueItem], responses=ERRORS)
def queue(
    ctx: Annotated[ServiceContext, Depends(service_context)],
    _user: Annotated[User, Depends(screening_staff)],
    status: Annotated[Literal["awaiting_decision", "decided", "signed_off"] | None, Query(description="Only referrals in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[QueueItem]:
    """The work queue, soonest due first, with red/amber/green against the MASH timescales. No narrative text."""
    return store.work_queue(ctx, status, limit)


@router.get("/{referral_id}", response_model=ReferralOut, responses={**ERRORS, 404: {"description": "No such referral"}})
def read(referral_id: ReferralId, ctx: Annotated[ServiceContext, Depends(service_context)],
         user: Annotated[User, Depends(screening_staff)]) -> ReferralOut:
    """One referral with its narrative, suggestion, decisions and history (the view is audited)."""
    return store.view_referral(ctx, user, referral_id)


@router.post("/{referral_id}/decisions", response_model=DecisionOut, status_code=201,
             responses={**ERRORS, 404: {"description": "No such referral"}, 409: {"description": "The referral changed since you opened it; the body gives current_version"}})
def decide(referral_id: ReferralId, body: DecisionCreate, ctx: Annotated[ServiceContext, Depends(service_context)],
           user: Annotated[User, Depends(screening_staff)]) -> DecisionOut:
    """Record a screener's decision. It supersedes any earlier one; a rationale is required for any departure."""
    return store.record_decision(ctx, user, referral_id, body)


@router.post("/{referral_id}/sign-off", response_model=DecisionOut, status_code=201,
             responses={**ERRORS, 404: {"description": "No such referral or decision"}, 409: {"description": "Already signed off or superseded"}})
def sign_off(referral_id: ReferralId, body: SignOffCreate, ctx: Annotated[ServiceContext, Depends(service_context)],
             user: Annotated[User, Depends(managers)]) -> DecisionOut:
    """A manager signs off the current decision."""
    return store.sign_off(ctx, user, referral_id, body.decision_id, body.note)


@router.post("/{referral_id}/assign", status_code=204, responses={**ERRORS, 404: {"description": "No such referral or screener"}})
def assign(referral_id: ReferralId, body: AssignCreate, ctx: Annotated[ServiceContext, Depends(service_context)],
           user: Annotated[User, Depends(managers)]) -> Response:
    """A manager (re)assigns the referral to a screener."""
    store.assign(ctx, user, referral_id, body.username)
    return Response(status_code=204)
