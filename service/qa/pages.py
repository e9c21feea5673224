"""The QA pages: my second-review queue (/qa) and the blind review form (/qa/reviews/{id}).

They call the same store functions as the JSON API, so the page and the API cannot disagree
about who may review, blindness, audit or immutability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.qa import store
from service.qa.schemas import ReviewCreate
from service.referrals import Conflict, NotFound
from service.security.access import allow
from service.web.pages import _render, submitted_form

router = APIRouter(include_in_schema=False)
qa_staff = allow("qa", "manager")
INDICATOR_SLOTS = ("1", "2", "3", "4", "5", "6")


@router.get("/qa", response_class=HTMLResponse)
def queue_page(request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
               user: Annotated[User, Depends(qa_staff)]) -> HTMLResponse:
    items = store.review_queue(ctx, user, include_completed=True)
    return _render(request, "qa_queue.html", {
        "pending": [i for i in items if i.status == "pending"],
        "completed": [i for i in items if i.status == "completed"],
        "notice": request.query_params.get("notice"),
    })


def _case(ctx: ServiceContext, user: User, review_id: int):
    try:
        return store.open_review(ctx, user, review_id, channel="qa")
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except store.ReviewForbidden as exc:
        raise HTTPException(403, str(exc)) from exc


def _page(request: Request, ctx: ServiceContext, case, error: str | None = None, status_code: int = 200, values=None) -> HTMLResponse:
    catalogue = [(e.id, f"L{e.level} {e.domain}: {e.text[:110]}") for e in ctx.catalogue.entries]
    return _render(request, "qa_review.html", {"case": case, "catalogue": catalogue, "slots": INDICATOR_SLOTS,
                                               "error": error, "values": values or {}}, status_code)


@router.get("/qa/reviews/{review_id}", response_class=HTMLResponse)
def review_page(review_id: int, request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
                user: Annotated[User, Depends(qa_staff)]) -> HTMLResponse:
    return _page(request, ctx, _case(ctx, user, review_id))


@router.post("/qa/reviews/{review_id}", response_class=HTMLResponse)
async def review_submit(review_id: int, request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
                        user: Annotated[User, Depends(qa_staff)]) -> Response:
    form = await submitted_form(request)
    case = await run_in_threadpool(_case, ctx, user, review_id)
    indicators = [str(form.get(f"indicator_{slot}", "")).strip().split(" ")[0] for slot in INDICATOR_SLOTS]
    error = None
    try:
        body = ReviewCreate.model_validate({
            "level": int(form.get("level", 0) or 0),
            "indicators": [i for i in indicators if i],
            "tools_required": form.getlist("tools_required"),
            "outcome": form.get("outcome") or None,
            "note": form.get("note") or None,
        })
        await run_in_threadpool(store.submit_review, ctx, user, review_id, body, ctx.catalogue)
    except ValidationError as exc:
        problem = exc.errors()[0]
        error = f"the review is incomplete: {'.'.join(map(str, problem['loc']))}: {problem['msg']}"
    except (store.SampleInvalid, Conflict, ValueError) as exc:
        error = str(exc)
    except store.ReviewForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    if error is None:
        return RedirectResponse("/qa?notice=review-recorded", status_code=303)
    return _page(request, ctx, case, error, 400, values=form)
