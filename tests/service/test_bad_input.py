"""Bad bodies get a clear 4xx and change nothing."""

from __future__ import annotations

import json

import pytest
from servicekit import referral_body

from nlp.pipeline import MAX_NARRATIVE_CHARS
from service.db.tables import AuditEvent, Decision, Referral
from service.settings import MAX_BODY_BYTES

JSON = {"content-type": "application/json"}


def raw(api, content: bytes, headers=None, path="/api/v1/referrals"):
    return api.client.post(path, content=content, headers={**api.headers("screener"), **(headers or JSON)})


CASES = {
    "empty body": (lambda api: raw(api, b""), 400, "empty"),
    "whitespace body": (lambda api: raw(api, b"   \n"), 400, "empty"),
    "not UTF-8": (lambda api: raw(api, '{"narrative": "caf\u00e9"}'.encode("latin-1")), 400, "UTF-8"),
    "malformed JSON": (lambda api: raw(api, b'{"narrative": "x",'), 400, "not valid JSON"),
    "not JSON at all": (lambda api: raw(api, b"narrative=hello", {"content-type": "application/x-www-form-urlencoded"}), 415, "JSON"),
    "a JSON list": (lambda api: raw(api, b"[1, 2]"), 422, "invalid request"),
    "blank narrative": (lambda api: api.post("/api/v1/referrals", "screener", json=referral_body("   \n\t ")), 422, "blank"),
    "narrative over the limit": (lambda api: api.post("/api/v1/referrals", "screener",
                                                     json=referral_body("a" * (MAX_NARRATIVE_CHARS + 1))), 422, "50000"),
    "body over the limit": (lambda api: raw(api, json.dumps(referral_body("é" * (MAX_BODY_BYTES // 2 + 10))).encode()), 413, "larger than the limit"),
    "unknown field": (lambda api: api.post("/api/v1/referrals", "screener", json={**referral_body(), "extra": 1}), 422, "extra"),
    "binary narrative": (lambda api: api.post("/api/v1/referrals", "screener", json=referral_body("abc\x00def")), 422, "NUL"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_referral_bodies_are_refused_and_write_nothing(api, case):
    send, status, words = CASES[case]
    before = (api.count(Referral), api.count(AuditEvent))
    response = send(api)
    assert response.status_code == status, response.text
    assert words.lower() in response.json()["detail"].lower()
    assert (api.count(Referral), api.count(AuditEvent)) == before


def test_a_narrative_at_the_limit_is_accepted(api):
    narrative = ("Mum reports that Sam (9) is often left alone after school. " * 900)[:MAX_NARRATIVE_CHARS]
    response = api.post("/api/v1/referrals", "screener", json=referral_body(narrative))
    assert response.status_code == 201


def test_validation_errors_do_not_echo_the_narrative(api):
    body = referral_body("Secret narrative words about Quentin Marchbanks.", referrer_worry=99)
    response = api.post("/api/v1/referrals", "screener", json=body)
    assert response.status_code == 422
    assert "Marchbanks" not in response.text


def test_bad_decision_bodies_write_nothing(api):
    referral = api.post("/api/v1/referrals", "screener", json=referral_body()).json()
    path = f"/api/v1/referrals/{referral['id']}/decisions"
    before = (api.count(Decision), api.count(AuditEvent))
    assert raw(api, b"", path=path).status_code == 400
    assert raw(api, b"{", path=path).status_code == 400
    assert api.post(path, "screener", json={"final_level": 9}).status_code == 422
    assert (api.count(Decision), api.count(AuditEvent)) == before
