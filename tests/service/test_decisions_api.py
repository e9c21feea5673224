"""Decisions: verdicts, rationale for departures, immutability, conflicts, sign-off."""

from __future__ import annotations

import pytest
from servicekit import accept_all, referral_body
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from service.db.tables import Decision


@pytest.fixture
def referral(api):
    response = api.post("/api/v1/referrals", "screener", json=referral_body())
    assert response.status_code == 201
    body = response.json()
    assert any(i["affirmed"] for i in body["suggestion"]["indicators"]), "the example must show affirmed indicators"
    return body


def decide(api, referral, body, who="screener"):
    return api.post(f"/api/v1/referrals/{referral['id']}/decisions", who, json=body)


def test_agreeing_with_the_suggestion_needs_no_rationale(api, referral):
    response = decide(api, referral, accept_all(referral))
    assert response.status_code == 201, response.text
    decision = response.json()
    assert decision["departures"] == [] and decision["rationale"] is None
    assert decision["screener"] == "screener" and decision["final_level"] == referral["suggestion"]["level"]
    after = api.get(f"/api/v1/referrals/{referral['id']}", "screener").json()
    assert after["status"] == "decided" and after["version"] == 2 and after["final_level"] == decision["final_level"]
    assert after["feedback_due"] is not None


@pytest.mark.parametrize("change, expected", [
    (lambda r, b: b.update(final_level=1 if r["suggestion"]["level"] > 1 else 2), "differs from the suggested level"),
    (lambda r, b: b["indicators"].__setitem__(0, {"id": b["indicators"][0]["id"], "verdict": "reject"}), "rejected"),
    (lambda r, b: b.update(tools_required=["COG"]), "tools required"),
    (lambda r, b: b.update(added=[{"id": "pl.family.protection_from_harm.t4.significant_physical_harm", "evidence": [{"start": 0, "end": 4}]}]), "added"),
])
def test_any_departure_needs_a_rationale(api, referral, change, expected):
    body = accept_all(referral)
    change(referral, body)
    refused = decide(api, referral, body)
    assert refused.status_code == 400
    assert "rationale" in refused.json()["detail"] and expected in refused.json()["detail"]
    assert api.count(Decision) == 0
    body["rationale"] = "Discussed with the referrer; see the chronology."
    accepted = decide(api, referral, body)
    assert accepted.status_code == 201, accepted.text
    assert any(expected in d for d in accepted.json()["departures"])


def test_every_affirmed_indicator_needs_a_verdict_and_ids_must_be_real(api, referral):
    body = accept_all(referral, indicators=[])
    response = decide(api, referral, body)
    assert response.status_code == 400 and "needs a verdict" in response.json()["detail"]
    body = accept_all(referral, rationale="added one", added=[{"id": "no.such.indicator", "evidence": [{"start": 0, "end": 3}]}])
    assert "not in the catalogue" in decide(api, referral, body).json()["detail"]
    length = len(referral["narrative"])
    body = accept_all(referral, rationale="added one", added=[{"id": "pl.family.protection_from_harm.t4.significant_physical_harm",
                                                              "evidence": [{"start": length - 2, "end": length + 5}]}])
    assert "outside the narrative" in decide(api, referral, body).json()["detail"]
    body = accept_all(referral, tools_completed=["CSE"], tools_required=[])
    assert "must also be marked required" in decide(api, referral, body).json()["detail"]
    body = accept_all(referral, outcome="maybe")
    assert decide(api, referral, body).status_code == 422
    assert api.count(Decision) == 0


def test_an_added_indicator_keeps_its_evidence_words(api, referral):
    narrative = referral["narrative"]
    start = narrative.index("bruise")
    body = accept_all(referral, rationale="Physical injury reported by the child.",
                      added=[{"id": "pl.family.protection_from_harm.t4.significant_physical_harm", "evidence": [{"start": start, "end": start + 6}]}])
    decision = decide(api, referral, body).json()
    added = [i for i in decision["indicators"] if i["verdict"] == "add"]
    assert added == [{"id": "pl.family.protection_from_harm.t4.significant_physical_harm", "verdict": "add",
                      "evidence": [{"start": start, "end": start + 6, "text": "bruise"}]}]


def test_a_correction_supersedes_and_the_first_decision_is_kept(api, referral):
    first = decide(api, referral, accept_all(referral)).json()
    second_body = accept_all(referral, based_on_version=2, final_level=4 if referral["suggestion"]["level"] < 4 else 3,
                             rationale="Correction after the police check came back.")
    second = decide(api, referral, second_body)
    assert second.status_code == 201
    assert second.json()["supersedes_id"] == first["id"]
    decisions = api.get(f"/api/v1/referrals/{referral['id']}", "screener").json()["decisions"]
    assert [(d["id"], d["superseded"]) for d in decisions] == [(second.json()["id"], False), (first["id"], True)]
    assert decisions[1]["final_level"] == first["final_level"]  # the old decision is unchanged


def test_the_database_refuses_to_change_a_decision(api, referral):
    decide(api, referral, accept_all(referral))
    with api.ctx.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE decisions SET final_level = 1"))
        session.commit()
    with api.ctx.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM decisions"))
        session.commit()


def test_two_screeners_deciding_on_the_same_version_cannot_overwrite_each_other(api, referral):
    body = accept_all(referral)
    first = decide(api, referral, body, "screener")
    late = decide(api, referral, dict(body, final_level=1, rationale="I think this is universal."), "screener2")
    assert first.status_code == 201
    assert late.status_code == 409
    assert late.json()["current_version"] == 2 and "reload" in late.json()["detail"]
    with api.ctx.sessions() as session:
        stored = session.scalars(select(Decision)).all()
    assert [d.id for d in stored] == [first.json()["id"]]


def test_simultaneous_decisions_on_one_version_record_exactly_one(api, referral):
    """Four screeners press 'record' at once: the version compare-and-set lets one through."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from service import referrals as store
    from service.db.tables import User
    from service.schemas import DecisionCreate

    with api.ctx.sessions() as session:
        screener = session.scalar(select(User).where(User.username == "screener"))
    body = DecisionCreate.model_validate(accept_all(referral))
    barrier = Barrier(4)

    def attempt(_):
        barrier.wait()
        try:
            store.record_decision(api.ctx, screener, referral["id"], body)
            return "recorded"
        except store.Conflict:
            return "conflict"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))
    assert outcomes == ["conflict", "conflict", "conflict", "recorded"]
    assert api.count(Decision) == 1


def test_a_manager_signs_off_the_current_decision_once(api, referral):
    first = decide(api, referral, accept_all(referral)).json()
    assert api.post(f"/api/v1/referrals/{referral['id']}/sign-off", "screener", json={"decision_id": first["id"]}).status_code == 403
    signed = api.post(f"/api/v1/referrals/{referral['id']}/sign-off", "manager", json={"decision_id": first["id"], "note": "Agreed."})
    assert signed.status_code == 201 and signed.json()["signed_off_by"] == "manager"
    again = api.post(f"/api/v1/referrals/{referral['id']}/sign-off", "manager", json={"decision_id": first["id"]})
    assert again.status_code == 409
    view = api.get(f"/api/v1/referrals/{referral['id']}", "manager").json()
    assert view["status"] == "signed_off"
    # A correction after sign-off is a new decision on the new version; the signed-off one stays.
    correction = decide(api, referral, accept_all(referral, based_on_version=view["version"], outcome="strategy_s47",
                                                  final_level=4, rationale="New information from health."))
    assert correction.status_code == 201
    old = [d for d in api.get(f"/api/v1/referrals/{referral['id']}", "manager").json()["decisions"] if d["id"] == first["id"]][0]
    assert old["superseded"] and old["signed_off_by"] == "manager"


def test_a_manager_reassigns_to_a_screener(api, referral):
    path = f"/api/v1/referrals/{referral['id']}/assign"
    assert api.post(path, "manager", json={"username": "screener2"}).status_code == 204
    assert api.get("/api/v1/referrals", "screener").json()[0]["assigned_to"] == "screener2"
    assert api.post(path, "manager", json={"username": "qa"}).status_code == 404
    assert api.post(path, "screener", json={"username": "screener2"}).status_code == 403
