"""The schema is Alembic's: migrations build exactly the tables the code uses, and go down and up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from service.db.metadata import metadata
from service.db.migrate import alembic_config, upgrade


def test_migrations_match_the_tables_and_downgrade_cleanly(database_url):
    engine = create_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata()) == []
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert {"referrals", "decisions", "audit_events", "users", "tokens"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_settings_are_read_when_the_app_is_built_not_at_import(monkeypatch, tmp_path):
    import service.app as app_module

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'late.db'}")
    monkeypatch.setenv("THRESHOLD_TOKEN_MINUTES", "5")
    from service.settings import ServiceSettings

    settings = ServiceSettings()
    assert settings.database_url.endswith("late.db") and settings.threshold_token_minutes == 5
    assert app_module.create_app  # importing the app read nothing; building it reads the environment
