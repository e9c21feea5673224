"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.deps import service_context
from service.context import ServiceContext
from service.db.engine import database_ready
from service.security.access import public

router = APIRouter(tags=["operations"], dependencies=[Depends(public)])


@router.get("/healthz", responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Database unreachable or pipeline not loaded"}})
def readyz(ctx: Annotated[ServiceContext, Depends(service_context)]) -> JSONResponse:
    """Ready to take referrals: database reachable and pipeline loaded."""
    checks = {"database": database_ready(ctx.engine), "pipeline": ctx.pipeline is not None}
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks, "model_version": ctx.pipeline.model_version,
                         "catalogue_version": ctx.catalogue.version}, status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"example": "threshold_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1.0"}}}})
def metrics(request: Request) -> Response:
    """Prometheus exposition: request counts and latencies, suggestion latency, overrides."""
    return Response(generate_latest(request.app.state.ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
