"""The FastAPI application: `uvicorn service.app:create_app --factory`.

Settings are read when the app is created; the pipeline is loaded once at start-up; the
schema is brought up to date by Alembic before the first request.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from functools import lru_cache

from fastapi import FastAPI, Request

from nlp.pipeline import PipelineSettings, ThresholdAssist
from service.api import auth, exports, ops, referrals, users
from service.api.body_guard import BodyGuard
from service.api.errors import install_error_handlers
from service.context import ServiceContext
from service.db.engine import make_engine, make_sessions
from service.db.migrate import upgrade
from service.metrics import ServiceMetrics
from service.qa import api as qa_api, pages as qa_pages
from service.settings import ServiceSettings
from service.users import bootstrap_admin
from service.web import pages

logger = logging.getLogger(__name__)

DESCRIPTION = """Decision support for MASH screeners: submit a referral, get explained suggestions
(indicators of need with evidence, a level, missing CSE/COG screening tools, immediate risk),
record the screener's decision. **The screener decides; the tool never does.** Every endpoint
says which roles may call it; sign in at `POST /api/v1/auth/token` and send
`Authorization: Bearer <token>`."""


def load_pipeline(settings: ServiceSettings) -> ThresholdAssist:
    pipeline_settings = PipelineSettings()
    if settings.threshold_catalogue_dir is not None:
        pipeline_settings = PipelineSettings(catalogue_dir=settings.threshold_catalogue_dir)
    return ThresholdAssist.load(pipeline_settings, embeddings=settings.threshold_embeddings,
                                champion=settings.threshold_champion)


def create_app(settings: ServiceSettings | None = None, pipeline: ThresholdAssist | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings)
        upgrade(engine)
        loaded = pipeline or load_pipeline(settings)
        ctx = ServiceContext(settings=settings, engine=engine, sessions=make_sessions(engine), pipeline=loaded, metrics=metrics)
        app.state.ctx = ctx
        bootstrap_admin(ctx)
        logger.info("service ready: model %s, catalogue %s", loaded.model_version, loaded.catalogue.version)
        yield
        engine.dispose()

    app = FastAPI(title="Threshold Assist", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.redactor = _redactor
    install_error_handlers(app)
    for router in (auth.router, referrals.router, users.router, exports.router, ops.router, pages.router, qa_api.router, qa_pages.router):
        app.include_router(router)
    pages.mount_static(app)

    @app.middleware("http")
    async def count_requests(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.requests.labels(request.method, template, str(response.status_code)).inc()
        metrics.latency.labels(request.method, template).observe(time.perf_counter() - started)
        return response

    app.add_middleware(BodyGuard, max_bytes=settings.threshold_max_body_bytes)
    return app


@lru_cache(maxsize=1)
def _redactor():
    from nlp.redaction import Redactor

    return Redactor.load()
