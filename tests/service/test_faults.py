"""Faults: a database that goes away gives 503 and readiness false, and loses nothing that
was acknowledged; a failing pipeline gives 503 and stores nothing."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from servicekit import accept_all, make_settings, referral_body, sign_in_users
from sqlalchemy import create_engine, func, select
from tcp_proxy import TcpProxy

from service.app import create_app
from service.db.tables import Referral


@pytest.fixture
def outage_app(database_url, service_pipeline, tmp_path):
    """(client, tokens, outage) where `outage()` is a context manager that makes the
    database unreachable: the SQLite file's folder disappears, or the network path to
    PostgreSQL is cut."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "db"
        folder.mkdir()
        url = f"sqlite:///{folder / 'threshold.db'}"

        @contextlib.contextmanager
        def outage():
            hidden = tmp_path / "db-away"
            folder.rename(hidden)
            try:
                yield
            finally:
                hidden.rename(folder)
        proxy = None
    else:
        host_port, name = database_url.split("@", 1)[1].split("/", 1)
        host, port = host_port.split(":")
        proxy = TcpProxy(host, int(port))
        proxy.start()
        url = f"{database_url.split('@', 1)[0]}@127.0.0.1:{proxy.port}/{name}"

        @contextlib.contextmanager
        def outage():
            proxy.stop()
            try:
                yield
            finally:
                proxy.start()
    app = create_app(make_settings(url, threshold_db_timeout_seconds=2), pipeline=service_pipeline)
    with TestClient(app) as client:
        yield client, sign_in_users(client), outage, url
    if proxy is not None:
        proxy.stop()


def test_database_down_gives_503_and_loses_nothing_acknowledged(outage_app):
    client, tokens, outage, url = outage_app
    screener = {"Authorization": f"Bearer {tokens['screener']}"}
    acknowledged = []
    for key in ("a", "b", "c"):
        response = client.post("/api/v1/referrals", json=referral_body(f"Referral {key}: dad hit mum, Ella (7) saw it."),
                               headers={**screener, "Idempotency-Key": key})
        assert response.status_code == 201
        acknowledged.append(response.json())
    decision = accept_all(acknowledged[0])

    with outage():
        down = client.post("/api/v1/referrals", json=referral_body("Referral d: neglect."), headers={**screener, "Idempotency-Key": "d"})
        assert down.status_code == 503, down.text
        assert "nothing was saved" in down.json()["detail"] and down.headers["retry-after"]
        assert client.post(f"/api/v1/referrals/{acknowledged[0]['id']}/decisions", json=decision, headers=screener).status_code == 503
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
        assert client.get("/healthz").status_code == 200

    assert client.get("/readyz").json()["ready"] is True
    queue = client.get("/api/v1/referrals", headers=screener).json()
    assert {r["id"] for r in queue} == {r["id"] for r in acknowledged}
    retry = client.post("/api/v1/referrals", json=referral_body("Referral d: neglect."), headers={**screener, "Idempotency-Key": "d"})
    assert retry.status_code == 201  # the refused attempt stored nothing, so the retry is new
    assert client.post(f"/api/v1/referrals/{acknowledged[0]['id']}/decisions", json=decision, headers=screener).status_code == 201
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Referral)).scalar() == 4
    engine.dispose()


class _BrokenModel:
    """Stands in for a pipeline whose model files went bad after start-up."""

    def __init__(self, real):
        self.catalogue = real.catalogue
        self.model_version = real.model_version

    def suggest(self, text, narrative_id=None):
        raise RuntimeError("model weights unreadable")


def test_a_failing_pipeline_gives_503_and_stores_nothing(api, monkeypatch):
    monkeypatch.setattr(api.ctx, "pipeline", _BrokenModel(api.ctx.pipeline))
    response = api.post("/api/v1/referrals", "screener", json=referral_body(), headers={"Idempotency-Key": "k"})
    assert response.status_code == 503 and "nothing was stored" in response.json()["detail"]
    assert api.count(Referral) == 0
