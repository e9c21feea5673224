"""No narrative text or personal details in logs, metrics or audit events."""

from __future__ import annotations

import logging

from servicekit import accept_all, referral_body

CANARY = "Ottoline Wimbourne-Fairweather"
NARRATIVE = (f"{CANARY} (6) told her teacher that her stepdad hit her with a belt; she has marks on her legs. "
             f"{CANARY} lives at 14 Cedar Road, E3 4AB, phone 07700 900123.")


def test_a_canary_name_reaches_no_log_line_metric_or_audit_event(api, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    referral = api.post("/api/v1/referrals", "screener", json=referral_body(NARRATIVE)).json()
    api.get(f"/api/v1/referrals/{referral['id']}", "manager")
    decision = accept_all(referral, final_level=4, outcome="strategy_s47", rationale="Injury from an implement: S.47.")
    assert api.post(f"/api/v1/referrals/{referral['id']}/decisions", "screener", json=decision).status_code == 201
    api.post("/api/v1/referrals", "screener", json=referral_body(NARRATIVE, referrer_worry=42))  # refused: 422
    api.client.get(f"/referrals/{referral['id']}", headers=api.headers("screener"))
    assert caplog.records, "the service logs something, so this test can see it"
    logged = "\n".join(record.getMessage() + " " + str(record.args) for record in caplog.records)
    for secret in ("Ottoline", "Wimbourne", "Cedar Road", "07700", "belt"):
        assert secret not in logged
        assert secret not in api.get("/metrics").text
    with api.ctx.sessions() as session:
        from sqlalchemy import select

        from service.db.tables import AuditEvent

        details = " ".join(str(e.detail) + e.actor + e.action for e in session.scalars(select(AuditEvent)))
    assert "Ottoline" not in details and "Cedar" not in details
