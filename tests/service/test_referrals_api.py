"""Submitting, reading and queueing referrals; idempotent retries."""

from __future__ import annotations

from datetime import datetime, timedelta

from servicekit import referral_body

from service.db.tables import AuditEvent, Referral

SEVERE = ("Baby Noah, 3 months, brought to A&E with a fractured femur; parents could not explain how it happened. "
          "Mum said dad was alone with him.")


def test_submit_stores_the_referral_and_returns_its_suggestion(api):
    response = api.post("/api/v1/referrals", "screener", json=referral_body())
    assert response.status_code == 201, response.text
    referral = response.json()
    assert response.headers["location"] == f"/api/v1/referrals/{referral['id']}"
    suggestion = referral["suggestion"]
    assert suggestion["id"] == referral["id"]
    assert 1 <= suggestion["level"] <= 4 and suggestion["model_version"] == "guidance-rules"
    assert referral["status"] == "awaiting_decision" and referral["version"] == 1
    assert referral["form"]["referrer_agency"] == "education"
    again = api.get(f"/api/v1/referrals/{referral['id']}", "screener").json()
    assert again["suggestion"] == suggestion and again["narrative"] == referral_body()["narrative"]
    assert [e["action"] for e in again["history"]] == ["referral.submit", "referral.view", "referral.view"]


def test_a_retry_with_the_same_idempotency_key_returns_the_first_referral(api):
    first = api.post("/api/v1/referrals", "screener", json=referral_body(), headers={"Idempotency-Key": "form-42"})
    retry = api.post("/api/v1/referrals", "screener", json=referral_body(), headers={"Idempotency-Key": "form-42"})
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert api.count(Referral) == 1
    other = api.post("/api/v1/referrals", "screener", json=referral_body("A different narrative about neglect."),
                     headers={"Idempotency-Key": "form-42"})
    assert other.status_code == 409 and "different referral" in other.json()["detail"]
    assert api.count(Referral) == 1
    fresh = api.post("/api/v1/referrals", "screener", json=referral_body(), headers={"Idempotency-Key": "form-43"})
    assert fresh.status_code == 201 and api.count(Referral) == 2


def test_the_form_fields_are_checked(api):
    no_age = referral_body(child_age_years=None)
    response = api.post("/api/v1/referrals", "screener", json=no_age)
    assert response.status_code == 422 and "age or date of birth" in response.json()["detail"]
    no_reason = referral_body(consent="not_given")
    assert "consent_reason" in api.post("/api/v1/referrals", "screener", json=no_reason).json()["detail"]
    bad_worry = referral_body(referrer_worry=11)
    assert api.post("/api/v1/referrals", "screener", json=bad_worry).status_code == 422
    dob_only = referral_body(child_age_years=None, child_date_of_birth="2018-04-03", consent="not_given",
                             consent_reason="Contacting dad may increase the risk to the child.")
    assert api.post("/api/v1/referrals", "screener", json=dob_only).status_code == 201
    assert api.count(Referral) == 1


def test_a_tool_attached_to_the_form_is_not_asked_for_again(api):
    narrative = ("Jade (14) is going missing overnight and coming back with new phones and clothes; she has been "
                 "seen getting into cars with older men who give her alcohol and cannabis.")
    without = api.post("/api/v1/referrals", "screener", json=referral_body(narrative, child_age_years=14)).json()
    cse = [t for t in without["suggestion"]["screening_tools"] if t["tool"] == "CSE"]
    assert cse and cse[0]["status"] == "missing"
    attached = api.post("/api/v1/referrals", "screener",
                        json=referral_body(narrative, child_age_years=14, screening_tools_attached=["CSE"])).json()
    cse = [t for t in attached["suggestion"]["screening_tools"] if t["tool"] == "CSE"]
    assert cse[0]["status"] == "completed" and "attached" in cse[0]["reason"]


def test_the_queue_is_ordered_by_due_time_and_filtered_by_status(api):
    low = api.post("/api/v1/referrals", "screener", json=referral_body("Parents asked for advice about bedtime routines for Sam (4).")).json()
    high = api.post("/api/v1/referrals", "screener", json=referral_body(SEVERE, child_age_years=0)).json()
    assert high["urgency"] == "urgent" and high["suggested_level"] == 4
    received = datetime.fromisoformat(high["received_at"])
    assert datetime.fromisoformat(high["due_at"]) - received == timedelta(hours=4)
    assert datetime.fromisoformat(low["due_at"]) - datetime.fromisoformat(low["received_at"]) == timedelta(hours=24)
    queue = api.get("/api/v1/referrals", "screener").json()
    assert [item["id"] for item in queue] == [high["id"], low["id"]]
    assert queue[0]["rag"] == "green" and queue[0]["rag_label"] == "On track"
    assert "narrative" not in queue[0]
    assert api.get("/api/v1/referrals?status=decided", "screener").json() == []
    assert len(api.get("/api/v1/referrals?status=awaiting_decision", "screener").json()) == 2
    assert api.get("/api/v1/referrals?status=bogus", "screener").status_code == 422


def test_viewing_a_narrative_is_audited_with_who_and_which_referral(api):
    referral = api.post("/api/v1/referrals", "screener", json=referral_body()).json()
    api.get(f"/api/v1/referrals/{referral['id']}", "manager")
    from sqlalchemy import select

    with api.ctx.sessions() as session:
        views = session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.view")).all()
    assert {(v.actor, v.referral_id) for v in views} >= {("manager", referral["id"]), ("screener", referral["id"])}


def test_an_unknown_referral_is_404(api):
    assert api.get("/api/v1/referrals/0123456789ab", "screener").status_code == 404
    assert api.get("/api/v1/referrals/not-an-id", "screener").status_code == 422
