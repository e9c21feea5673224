"""Blind second reviews: assigned to qa/manager users who did not decide the referral, blind to
the first decision and the suggestion, audited when opened, recorded once and immutable."""

from __future__ import annotations

import pytest
from servicekit import accept_all, referral_body
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from service.db.tables import AuditEvent
from service.qa.tables import QAReview
from service.security.tokens import csrf_token

INDICATOR = "pl.family.protection_from_harm.t4.significant_physical_harm"


@pytest.fixture
def sampled(api):
    """Two decided referrals (one by screener2, one by the manager), sampled whole."""
    decided = {}
    for who, narrative in (("screener2", None), ("manager", "Tom (4) was left alone at home overnight; "
                                                            "neighbours heard him crying and found no food in the flat.")):
        referral = api.post("/api/v1/referrals", "screener", json=referral_body(narrative) if narrative else referral_body()).json()
        body = accept_all(referral, outcome="strategy_s47", rationale="Escalated after discussion with the police.")
        decision = api.post(f"/api/v1/referrals/{referral['id']}/decisions", who, json=body)
        assert decision.status_code == 201, decision.text
        decided[who] = referral
    today = decision.json()["created_at"][:10]
    sample = api.post("/api/v1/qa/samples", "qa", json={"period_start": today, "period_end": today, "size": 5, "seed": 1})
    assert sample.status_code == 201, sample.text
    items = {i["referral_id"]: i for i in sample.json()["items"]}
    return {who: (referral, items[referral["id"]]) for who, referral in decided.items()}


def test_assignment_queue_and_a_blind_view(api, sampled):
    by_manager_referral, by_manager_item = sampled["manager"]
    assert by_manager_item["reviewer"] == "qa"  # the manager decided it: never their review
    referral, item = sampled["screener2"]
    reviewer = item["reviewer"]
    assert reviewer in ("qa", "manager")
    queue = api.get("/api/v1/qa/reviews", reviewer).json()
    assert item["review_id"] in [q["review_id"] for q in queue] and all(q["status"] == "pending" for q in queue)
    assert api.get("/api/v1/qa/reviews", "screener").status_code == 403

    response = api.get(f"/api/v1/qa/reviews/{item['review_id']}", reviewer)
    assert response.status_code == 200
    case = response.json()
    assert case["narrative"] == referral["narrative"] and case["form"] == referral["form"]
    for hidden in ("suggestion", "decisions", "final_level", "suggested_level", "level_probabilities", "urgency",
                   "due_at", "history", "screener"):
        assert hidden not in case
    raw = response.text
    for secret in ("screener2", "Escalated after discussion", "strategy_s47", referral["suggestion"]["level_explanation"],
                   *[i["id"] for i in referral["suggestion"]["indicators"]]):
        assert secret not in raw

    api.client.cookies.clear()
    api.client.cookies.set("ta_session", api.tokens[reviewer])
    page = api.client.get(f"/qa/reviews/{item['review_id']}")
    assert page.status_code == 200 and referral["narrative"].split(".")[0] in page.text
    html = page.text.split('<datalist id="catalogue-list">')[0] + page.text.split("</datalist>")[1]  # minus the catalogue
    for secret in ("screener2", "Escalated after discussion", referral["suggestion"]["level_explanation"],
                   *[i["id"] for i in referral["suggestion"]["indicators"]], "Decision", "Suggested"):
        assert secret not in html
    assert '<label for="level">' in html and '<label for="outcome">' in html and "/static/app.css" in html
    queue_page = api.client.get("/qa")
    assert f'href="/qa/reviews/{item["review_id"]}"' in queue_page.text and 'href="/qa"' in queue_page.text

    with api.ctx.sessions() as session:
        views = session.scalars(select(AuditEvent).where(AuditEvent.action == "referral.view",
                                                         AuditEvent.referral_id == referral["id"])).all()
    assert [(v.actor, v.detail["channel"]) for v in views].count((reviewer, "qa")) == 2  # API and page


def test_a_review_is_recorded_once_only_by_its_reviewer_and_never_by_the_decider(api, sampled):
    _referral, item = sampled["manager"]
    url = f"/api/v1/qa/reviews/{item['review_id']}"
    body = {"level": 3, "indicators": [INDICATOR], "tools_required": ["CSE"], "outcome": "child_in_need_s17"}

    own = api.post(url, "manager", json=body)
    assert own.status_code == 403 and "cannot review your own decision" in own.json()["detail"]
    assert api.get(url, "manager").status_code == 403
    assert api.post(url, "screener", json=body).status_code == 403  # not a QA role at all
    assert api.post(url, "qa", json={**body, "indicators": ["no.such.indicator"]}).status_code == 422
    assert api.post(url, "qa", json={**body, "outcome": "maybe"}).status_code == 422
    assert api.post("/api/v1/qa/reviews/9999", "qa", json=body).status_code == 404

    recorded = api.post(url, "qa", json=body)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["level"] == 3 and recorded.json()["reviewer"] == "qa"
    again = api.post(url, "qa", json={**body, "level": 2})
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    assert api.count(QAReview) == 1
    assert item["review_id"] not in [q["review_id"] for q in api.get("/api/v1/qa/reviews", "qa").json()]
    sample = api.get(f"/api/v1/qa/samples/{api.get(url, 'qa').json()['sample_id']}", "qa").json()
    assert {i["review_id"]: i["status"] for i in sample["items"]}[item["review_id"]] == "completed"

    with api.ctx.sessions() as session, pytest.raises(DBAPIError):
        session.execute(text("UPDATE qa_reviews SET level = 1"))
        session.commit()
    with api.ctx.sessions() as session, pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM qa_sample_items"))
        session.commit()


def test_the_review_page_records_a_review(api, sampled):
    _referral, item = sampled["manager"]  # assigned to qa
    api.client.cookies.clear()
    api.client.cookies.set("ta_session", api.tokens["qa"])
    url = f"/qa/reviews/{item['review_id']}"
    form = {"csrf": csrf_token(api.tokens["qa"]), "level": "4", "indicator_1": f"{INDICATOR} (L4 ...)",
            "tools_required": ["COG"], "outcome": "strategy_s47", "note": "Neglect over time."}
    incomplete = api.client.post(url, data={**form, "outcome": ""})
    assert incomplete.status_code == 400 and "not recorded" in incomplete.text
    assert api.client.post(url, data={**form, "csrf": "forged"}).status_code == 403
    done = api.client.post(url, data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/qa?notice=review-recorded"
    with api.ctx.sessions() as session:
        review = session.scalar(select(QAReview))
    assert (review.level, review.indicators, review.tools_required, review.outcome) == (4, [INDICATOR], ["COG"], "strategy_s47")
    shown = api.client.get(url).text
    assert "a review cannot be changed" in shown and 'id="review-form"' not in shown
    assert api.client.post(url, data=form).status_code == 400  # recorded once
