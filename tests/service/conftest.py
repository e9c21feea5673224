"""Service fixtures. Every service test runs twice: on an embedded SQLite file and on the
PostgreSQL server at 127.0.0.1:5432 (database `test`; CI starts it). Each test gets an
empty database, migrated by the app at start-up exactly as in production."""

from __future__ import annotations

import os
import uuid

import pytest
from servicekit import Api, make_settings, sign_in_users

POSTGRES_ADMIN_URL = os.environ.get("THRESHOLD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("THRESHOLD_TEST_DATABASES", "sqlite,postgresql").split(",") if b]


@pytest.fixture(scope="session")
def postgres_database():
    """A private database on the PostgreSQL server for this test session."""
    from sqlalchemy import create_engine, text

    name = f"ta_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'threshold.db'}"
    from sqlalchemy import create_engine, text

    url = request.getfixturevalue("postgres_database")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def service_pipeline():
    """The real catalogue with keyword rules and context (no sentence model): fast, and
    deterministic for the service tests; the pipeline's own tests cover the embeddings."""
    from nlp.pipeline import ThresholdAssist

    return ThresholdAssist.load(embeddings=False, champion=False)


@pytest.fixture
def api(database_url, service_pipeline):
    from fastapi.testclient import TestClient

    from service.app import create_app

    app = create_app(make_settings(database_url), pipeline=service_pipeline)
    with TestClient(app) as client:
        yield Api(client=client, app=app, tokens=sign_in_users(client))
