"""A manager who is a referral's blind second reviewer cannot open the referral's screening
view (suggestion, first decision) until their own review is recorded."""

from __future__ import annotations

from servicekit import accept_all, referral_body


def test_the_screening_view_stays_closed_to_the_reviewer_until_the_review_is_in(api):
    referral = api.post("/api/v1/referrals", "screener", json=referral_body()).json()
    decision = api.post(f"/api/v1/referrals/{referral['id']}/decisions", "screener", json=accept_all(referral))
    today = decision.json()["created_at"][:10]
    users = {u["username"]: u["id"] for u in api.get("/api/v1/users", "admin").json()}
    deactivated = api.client.patch(f"/api/v1/users/{users['qa']}", json={"active": False}, headers=api.headers("admin"))
    assert deactivated.status_code == 200  # with no active qa user, the manager is the reviewer
    sample = api.post("/api/v1/qa/samples", "manager", json={"period_start": today, "period_end": today, "size": 1, "seed": 3})
    assert sample.status_code == 201, sample.text
    item = sample.json()["items"][0]
    assert item["reviewer"] == "manager"

    blocked = api.get(f"/api/v1/referrals/{referral['id']}", "manager")
    assert blocked.status_code == 403 and "blind second reviewer" in blocked.json()["detail"]
    api.client.cookies.clear()
    api.client.cookies.set("ta_session", api.tokens["manager"])
    page = api.client.get(f"/referrals/{referral['id']}")
    assert page.status_code == 403 and "blind second reviewer" in page.text and referral["suggestion"]["level_explanation"] not in page.text
    api.client.cookies.clear()
    assert api.get(f"/api/v1/referrals/{referral['id']}", "screener2").status_code == 200  # others are unaffected

    review = {"level": 3, "indicators": [], "tools_required": [], "outcome": "child_in_need_s17"}
    assert api.post(f"/api/v1/qa/reviews/{item['review_id']}", "manager", json=review).status_code == 201
    assert api.get(f"/api/v1/referrals/{referral['id']}", "manager").status_code == 200
