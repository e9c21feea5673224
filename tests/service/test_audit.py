"""The audit trail: every sensitive action is an event; the hash chain shows tampering."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from servicekit import accept_all, referral_body
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from service.audit import verify_chain
from service.db.tables import AuditEvent


def actions(api) -> list[tuple[str, str, str | None]]:
    with api.ctx.sessions() as session:
        return [(e.actor, e.action, e.referral_id) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def busy_history(api) -> str:
    referral = api.post("/api/v1/referrals", "screener", json=referral_body()).json()
    decision = api.post(f"/api/v1/referrals/{referral['id']}/decisions", "screener", json=accept_all(referral)).json()
    api.post(f"/api/v1/referrals/{referral['id']}/sign-off", "manager", json={"decision_id": decision["id"]})
    api.get(f"/api/v1/referrals/{referral['id']}", "manager")
    return referral["id"]


def test_sign_in_submission_view_decision_sign_off_and_export_are_events(api, monkeypatch):
    referral_id = busy_history(api)
    api.post("/api/v1/auth/token", json={"username": "screener", "password": "wrong password!!"})
    monkeypatch.setattr(api.app.state, "redactor", lambda: _NoRedaction())
    assert api.get("/api/v1/exports/annotations", "data_scientist").status_code == 200
    events = actions(api)
    for expected in [("screener", "auth.sign_in", None), ("screener", "referral.submit", referral_id),
                     ("screener", "referral.view", referral_id), ("screener", "decision.create", referral_id),
                     ("manager", "decision.sign_off", referral_id), ("manager", "referral.view", referral_id),
                     ("screener", "auth.sign_in_failed", None), ("data_scientist", "export.annotations", None)]:
        assert expected in events, expected
    with api.ctx.sessions() as session:
        assert verify_chain(session).intact


class _NoRedaction:
    def redact(self, text, known=None):
        from nlp.redaction import Redacted

        return Redacted(text=text, replacements=())


def _tamper(api, statement: str) -> None:
    """What an attacker with database rights would do: lift the append-only trigger first."""
    dialect = api.ctx.engine.dialect.name
    with api.ctx.engine.begin() as connection:
        if dialect == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        connection.execute(text(statement))


def test_the_database_refuses_to_change_audit_events(api):
    busy_history(api)
    with api.ctx.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        session.commit()


@pytest.mark.parametrize("statement, message", [
    ("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 5", "event 5: contents altered"),
    ("DELETE FROM audit_events WHERE seq = 4", "events 4..4 are missing"),
    ("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)", "newest events deleted"),
])
def test_verify_names_the_altered_or_deleted_event(api, statement, message):
    busy_history(api)
    with api.ctx.sessions() as session:
        assert verify_chain(session).intact
    _tamper(api, statement)
    with api.ctx.sessions() as session:
        report = verify_chain(session)
    assert not report.intact
    assert any(message in problem for problem in report.problems), report.problems


def test_threshold_audit_verify_exits_non_zero_on_tampering(api, database_url):
    busy_history(api)
    env = {**os.environ, "DATABASE_URL": database_url, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "nlp.cli.main", "audit", "verify"]
    good = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and "audit trail intact" in good.stdout
    _tamper(api, "UPDATE audit_events SET action = 'referral.submit' WHERE seq = 3")
    bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "TAMPERED: event 3: contents altered" in bad.stderr
