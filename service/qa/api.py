"""Quality assurance: stratified samples of decided referrals, blind second reviews, the QA report.

Only the qa and manager roles may call these endpoints.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.responses import HTMLResponse

from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.qa import store
from service.qa.schemas import ReviewCaseOut, ReviewCreate, ReviewOut, ReviewQueueItem, SampleCreate, SampleOut
from service.security.access import allow

router = APIRouter(prefix="/api/v1/qa", tags=["quality assurance"])
qa_staff = allow("qa", "manager")
SampleId = Annotated[int, Path(ge=0, description="The sample's id.")]
ReviewId = Annotated[int, Path(ge=0, description="The second review's id (one per sampled referral).")]
ERRORS = {
    401: {"description": "Not signed in, or the token expired"},
    403: {"description": "Your roles do not allow this (qa or manager only)"},
    503: {"description": "Database unavailable; nothing was saved, retry"},
}
SAMPLE_EXAMPLE = {
    "id": 3, "created_at": "2025-04-01T09:00:00Z", "created_by": "qa.lead", "period_start": "2025-03-01",
    "period_end": "2025-03-31", "size": 2, "seed": 20250401, "stratify_by": ["final_level"],
    "oversample_disagreement": True, "unsure_below": None, "oversample_weight": 2.0, "population": 57, "source": "drawn",
    "strata": [{"values": {"final_level": "3", "flagged": "yes"}, "population": 6, "weight": 2.0, "allocated": 1}],
    "items": [{"review_id": 41, "referral_id": "a1b2c3d4e5f6", "stratum": {"final_level": "3", "flagged": "yes"},
               "oversampled": True, "reviewer": "qa.lead", "status": "pending"}],
}


def _refuse(exc: Exception, status: int) -> HTTPException:
    return HTTPException(status, str(exc))


@router.post("/samples", response_model=SampleOut, status_code=201, responses={
    **ERRORS,
    201: {"description": "The sample, its strata and its items, each assigned to a reviewer", "content": {"application/json": {"example": SAMPLE_EXAMPLE}}},
    422: {"description": "Invalid criteria, no decided referrals in the period, fewer places than strata, or no reviewer available"},
})
def create_sample(body: SampleCreate, ctx: Annotated[ServiceContext, Depends(service_context)],
                  user: Annotated[User, Depends(qa_staff)]) -> SampleOut:
    """Draw a reproducible stratified sample of referrals decided in the period and assign each to
    a blind second reviewer (round-robin among active qa and manager users, never anyone who
    decided that referral).

    Allocation: one place per non-empty stratum, the rest in proportion to stratum size, with
    strata where the screener's level differs from the suggestion (and, with `unsure_below`,
    where the suggestion was unsure) weighted x2. The seed and criteria are stored: the same
    seed, criteria and data give the same sample."""
    try:
        return store.draw_sample(ctx, user, body)
    except store.SampleInvalid as exc:
        raise _refuse(exc, 422) from exc


@router.get("/samples/{sample_id}", response_model=SampleOut, responses={
    **ERRORS, 200: {"description": "The sample", "content": {"application/json": {"example": SAMPLE_EXAMPLE}}},
    404: {"description": "No such sample"},
})
def read_sample(sample_id: SampleId, ctx: Annotated[ServiceContext, Depends(service_context)],
                _user: Annotated[User, Depends(qa_staff)]) -> SampleOut:
    """A sample with its seed, criteria, strata and items (review status and reviewer of each)."""
    return store.get_sample(ctx, sample_id)


@router.get("/reviews", response_model=list[ReviewQueueItem], responses={
    **ERRORS, 200: {"description": "My second reviews, oldest assignment first", "content": {"application/json": {"example": [
        {"review_id": 41, "referral_id": "a1b2c3d4e5f6", "sample_id": 3, "received_at": "2025-03-04T10:12:00Z",
         "assigned_at": "2025-04-01T09:00:00Z", "status": "pending"}]}}},
})
def my_reviews(ctx: Annotated[ServiceContext, Depends(service_context)], user: Annotated[User, Depends(qa_staff)],
               include_completed: Annotated[bool, Query(description="Also list the reviews I have recorded.")] = False,
               ) -> list[ReviewQueueItem]:
    """My queue: second reviews assigned to me and not yet recorded. No narrative, no first decision."""
    return store.review_queue(ctx, user, include_completed)


@router.get("/reviews/{review_id}", response_model=ReviewCaseOut, responses={
    **ERRORS, 403: {"description": "Not assigned to you, or you decided this referral yourself"},
    404: {"description": "No such review"},
})
def open_review(review_id: ReviewId, ctx: Annotated[ServiceContext, Depends(service_context)],
                user: Annotated[User, Depends(qa_staff)]) -> ReviewCaseOut:
    """The referral as received (narrative and referral form) for its assigned reviewer. The first
    decision, the suggestion and the urgency it implied are left out: the review is blind. The
    view is audited (`referral.view`, channel `qa`)."""
    try:
        return store.open_review(ctx, user, review_id)
    except store.ReviewForbidden as exc:
        raise _refuse(exc, 403) from exc


@router.post("/reviews/{review_id}", response_model=ReviewOut, status_code=201, responses={
    **ERRORS, 403: {"description": "Not assigned to you, or you decided this referral yourself (you cannot review your own decision)"},
    404: {"description": "No such review"}, 409: {"description": "Already recorded: a review is immutable and recorded once"},
    422: {"description": "Invalid level, outcome or tool, or an indicator id that is not in the catalogue"},
})
def record_review(review_id: ReviewId, body: ReviewCreate, ctx: Annotated[ServiceContext, Depends(service_context)],
                  user: Annotated[User, Depends(qa_staff)]) -> ReviewOut:
    """Record the reviewer's independent level, indicators (catalogue ids), screening tools required
    and outcome. Immutable: a second submission is refused with 409."""
    try:
        return store.submit_review(ctx, user, review_id, body, ctx.catalogue)
    except store.ReviewForbidden as exc:
        raise _refuse(exc, 403) from exc
    except store.SampleInvalid as exc:
        raise _refuse(exc, 422) from exc


@router.get("/report", response_class=Response, responses={
    **ERRORS,
    200: {"description": "The QA report: a self-contained HTML page, or every figure as one long CSV table "
                         "(metric, group_by, group, n, value, ci_low, ci_high)",
          "content": {"text/html": {"example": "<!doctype html><html lang=\"en-GB\">...</html>"},
                      "text/csv": {"example": "metric,group_by,group,n,value,ci_low,ci_high\noverride_rate,all,all,412,0.18,0.15,0.22\n"}}},
    422: {"description": "start or end missing or not dates, or end before start"},
})
def report(ctx: Annotated[ServiceContext, Depends(service_context)], user: Annotated[User, Depends(qa_staff)],
           start: Annotated[date, Query(description="First day (UTC) of decisions to include.")],
           end: Annotated[date, Query(description="Last day (UTC), inclusive.")],
           format: Annotated[Literal["html", "csv"], Query(description="html: the page; csv: the figures table.")] = "html",
           ) -> Response:
    """Consistency with blind second reviews, decision patterns, timeliness and change over time,
    for the current decisions decided in the period, with findings first. Screeners appear by
    their staff codes (usernames); no narrative text or referral form field reaches the report."""
    try:
        result = store.qa_report(ctx, user.username, start, end, output_format=format)
    except store.SampleInvalid as exc:
        raise _refuse(exc, 422) from exc
    if format == "csv":
        return Response(result.csv, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="qa-figures-{start}-{end}.csv"'})
    return HTMLResponse(result.html)
