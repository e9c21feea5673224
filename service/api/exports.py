"""Redacted training export (data scientists only)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from service.api.deps import service_context
from service.context import ServiceContext
from service.db.tables import User
from service.export import export_annotations
from service.security.access import allow

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])


@router.get(
    "/annotations",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/x-ndjson": {"example": '{"id": "mash-1a2b3c4d5e6f", "text": "[NAME] (7) told her teacher ...", "level": 3, "split": "unassigned"}\n'}}}},
)
def annotations(request: Request, ctx: Annotated[ServiceContext, Depends(service_context)],
                user: Annotated[User, Depends(allow("data_scientist"))]) -> PlainTextResponse:
    """Decided referrals as redacted annotated cases, one JSON object per line."""
    cases = export_annotations(ctx, user.username, request.app.state.redactor())
    body = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
    return PlainTextResponse(body, media_type="application/x-ndjson")
