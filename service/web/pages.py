"""Routes of the screener page: sign-in, work queue, referral view and decision form.

Forms post to these routes; they call the same service functions as the JSON API, so the
page and the API cannot disagree about validation, audit or conflicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import referrals as store
from service.api.auth import set_session_cookie
from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.decision_rules import DecisionInvalid, suggested_tools
from service.outcomes import OUTCOME_LABELS
from service.schemas import DecisionCreate
from service.security.access import SESSION_COOKIE, allow, presented_token, public
from service.security.tokens import csrf_token, revoke
from service.users import sign_in
from service.web.highlight import segments

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
screening_staff = allow("screener", "manager")
LEVEL_NAMES = {1: "Level 1 - universal", 2: "Level 2 - early help", 3: "Level 3 - child in need (S.17)",
               4: "Level 4 - child protection (S.47)"}
STATUS_LABELS = {"awaiting_decision": "Awaiting decision", "decided": "Decided", "signed_off": "Signed off"}


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    previous = app.exception_handlers.get(StarletteHTTPException)

    async def page_errors(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or request.url.path in ("/metrics", "/healthz", "/readyz"):
            return await previous(request, exc)
        if exc.status_code == 401:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return templates.TemplateResponse(request, "error.html", {"status": exc.status_code, "message": exc.detail},
                                          status_code=exc.status_code)

    app.add_exception_handler(StarletteHTTPException, page_errors)


async def submitted_form(request: Request):
    """The posted form, if it carries the CSRF token of the session that posts it."""
    form = await request.form()
    token = presented_token(request)
    if not token or form.get("csrf") != csrf_token(token):
        raise HTTPException(403, "the form has expired; reload the page and try again")
    return form


def _render(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    token = presented_token(request)
    user = getattr(request.state, "user", None)
    base = {"user": user, "csrf": csrf_token(token) if token else "", "level_names": LEVEL_NAMES,
            "status_labels": STATUS_LABELS, "outcomes": OUTCOME_LABELS}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(public)])
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return _render(request, "login.html", {"next": next if next.startswith("/") else "/", "error": None})


@router.post("/login", dependencies=[Depends(public)])
async def login(request: Request, ctx: Annotated[ServiceContext, Depends(service_context)]) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = str(form.get("next", "/"))
    if not username or not password:
        return _render(request, "login.html", {"next": target, "error": "Enter your username and password."}, 400)
    result = await run_in_threadpool(sign_in, ctx, username, password)
    if result is None:
        return _render(request, "login.html", {"next": target, "error": "Wrong username or password."}, 401)
    token, _expires, user = result
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    if target == "/" and not {"screener", "manager"} & set(user.roles):
        target = "/qa" if "qa" in user.roles else "/docs"  # the work queue is for screening staff
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token, ctx)
    return response


@router.post("/logout", dependencies=[Depends(allow("screener", "manager", "qa", "data_scientist", "admin"))])
async def logout(request: Request, ctx: Annotated[ServiceContext, Depends(service_context)]) -> Response:
    token = presented_token(request)

    def _revoke():
        with ctx.sessions() as session:
            revoke(session, token)
            session.commit()

    await run_in_threadpool(_revoke)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def queue_page(request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
               _user: Annotated[User, Depends(screening_staff)], status: str | None = None) -> HTMLResponse:
    status = status if status in STATUS_LABELS else None
    items = store.work_queue(ctx, status)
    return _render(request, "queue.html", {"items": items, "status": status})


def _referral_context(ctx: ServiceContext, user: User, referral_id: str) -> dict:
    referral = store.view_referral(ctx, user, referral_id, channel="page")
    suggestion = referral.suggestion.model_dump(mode="json")
    required, completed = suggested_tools(suggestion)
    catalogue = [(e.id, f"L{e.level} {e.domain}: {e.text[:110]}") for e in ctx.catalogue.entries]
    return {
        "referral": referral, "suggestion": suggestion, "segments": segments(referral.narrative, suggestion["indicators"]),
        "affirmed": [i for i in suggestion["indicators"] if i["affirmed"]],
        "set_aside": [i for i in suggestion["indicators"] if not i["affirmed"]],
        "tools_required": required, "tools_completed": completed, "catalogue": catalogue,
        "current": next((d for d in referral.decisions if not d.superseded), None),
    }


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def referral_page(referral_id: str, request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
                  user: Annotated[User, Depends(screening_staff)]) -> HTMLResponse:
    try:
        context = _referral_context(ctx, user, referral_id)
    except store.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except store.BlindReviewPending as exc:
        raise HTTPException(403, str(exc)) from exc
    return _render(request, "referral.html", {**context, "error": None, "notice": request.query_params.get("notice")})


def _decision_from_form(form, referral: dict, narrative: str) -> DecisionCreate:
    verdicts = []
    for indicator in referral["indicators"]:
        choice = form.get(f"verdict:{indicator['id']}")
        if choice in ("accept", "reject"):
            verdicts.append({"id": indicator["id"], "verdict": choice})
    added = []
    for slot in ("1", "2"):
        indicator_id = str(form.get(f"add_id_{slot}", "")).strip()
        quote_text = str(form.get(f"add_quote_{slot}", "")).strip()
        if not indicator_id and not quote_text:
            continue
        if not indicator_id or not quote_text:
            raise DecisionInvalid("to add an indicator give both its catalogue id and the words from the narrative that show it")
        start = narrative.find(quote_text)
        if start < 0:
            start = narrative.lower().find(quote_text.lower())
        if start < 0:
            raise DecisionInvalid(f"the words given for {indicator_id} are not in the narrative; copy them exactly")
        added.append({"id": indicator_id.split(" ")[0], "evidence": [{"start": start, "end": start + len(quote_text)}]})
    return DecisionCreate.model_validate({
        "based_on_version": int(form.get("based_on_version", 0) or 0),
        "indicators": verdicts, "added": added,
        "final_level": int(form.get("final_level", 0) or 0),
        "tools_required": form.getlist("tools_required"), "tools_completed": form.getlist("tools_completed"),
        "outcome": form.get("outcome"), "rationale": form.get("rationale") or None,
    })


@router.post("/referrals/{referral_id}/decision", response_class=HTMLResponse)
async def decide_page(referral_id: str, request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
                      user: Annotated[User, Depends(screening_staff)]) -> Response:
    form = await submitted_form(request)
    error = None
    try:
        suggestion, narrative = await run_in_threadpool(store.decision_inputs, ctx, user, referral_id)
        decision = _decision_from_form(form, suggestion, narrative)
        await run_in_threadpool(store.record_decision, ctx, user, referral_id, decision)
    except store.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except store.BlindReviewPending as exc:
        raise HTTPException(403, str(exc)) from exc
    except (DecisionInvalid, store.Conflict) as exc:
        error = str(exc)
    except (ValidationError, ValueError) as exc:
        error = f"the decision is incomplete: {exc.errors()[0]['msg'] if isinstance(exc, ValidationError) else exc}"
    if error is None:
        return RedirectResponse(f"/referrals/{referral_id}?notice=decision-recorded#decisions", status_code=303)
    context = await run_in_threadpool(_referral_context, ctx, user, referral_id)
    return _render(request, "referral.html", {**context, "error": error, "notice": None}, status_code=400)
