"""Errors become clear JSON answers; none echoes the request body back (it may hold a narrative)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from nlp.pipeline import NarrativeError
from service.context import PipelineUnavailable
from service.decision_rules import DecisionInvalid
from service.referrals import BlindReviewPending, Conflict, NotFound
from service.users import UserConflict

logger = logging.getLogger(__name__)
DATABASE_DOWN = "the database is unavailable; nothing was saved. Retry in a moment."


# Errors whose message is the whole answer, by status.
PLAIN_ERRORS = {NotFound: 404, BlindReviewPending: 403, UserConflict: 409, DecisionInvalid: 400}


def _json(status: int, detail: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        problems = [
            {"field": ".".join(str(part) for part in error["loc"] if part != "body"), "message": error["msg"]}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
        return _json(422, f"invalid request: {summary}", problems=problems)

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, exc: Conflict):
        return _json(409, str(exc), current_version=exc.current_version)

    async def _plain(_request: Request, exc: Exception):
        return _json(next(status for kind, status in PLAIN_ERRORS.items() if isinstance(exc, kind)), str(exc))

    for kind in PLAIN_ERRORS:
        app.add_exception_handler(kind, _plain)

    @app.exception_handler(NarrativeError)
    async def _bad_narrative(_request: Request, exc: NarrativeError):
        return _json(400, f"the narrative cannot be screened: {exc}")

    @app.exception_handler(PipelineUnavailable)
    async def _pipeline_down(_request: Request, exc: PipelineUnavailable):
        logger.error("pipeline failure: %s", type(exc.__cause__).__name__)
        return _json(503, str(exc))

    async def _database_down(_request: Request, exc: Exception):
        if isinstance(exc, DBAPIError) and not isinstance(exc, (OperationalError, InterfaceError)) and not exc.connection_invalidated:
            raise exc
        logger.error("database unavailable: %s", type(exc).__name__)
        return JSONResponse({"detail": DATABASE_DOWN}, status_code=503, headers={"Retry-After": "5"})

    for kind in (OperationalError, InterfaceError, PoolTimeout, DBAPIError):
        app.add_exception_handler(kind, _database_down)
