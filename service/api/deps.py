"""Shared dependencies: the running service's context."""

from __future__ import annotations

from fastapi import Request

from service.context import ServiceContext


def service_context(request: Request) -> ServiceContext:
    return request.app.state.ctx
