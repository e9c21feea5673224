"""The QA report from the database: endpoint and command, nothing personal in it, and the
planted tendencies of a simulated history stored through the real tables are found."""

from __future__ import annotations

import html as html_lib
import io
from datetime import date, datetime, timedelta, timezone

import pandas as pd
from servicekit import accept_all, referral_body
from typer.testing import CliRunner

from service.qa import store
from service.qa.seed import seed_history, username
from service.qa.simulation import PLANTED_TENDENCIES, simulate_history
from service.timescales import TURNAROUND

CANARY = "Quentin Zebedee-Marchbanks"
# tendency -> (finding kind, what the evidence must say), as in test_qa_simulation
EXPECTED = {
    "underrates_neglect": ("overrides_down_in_domain", {"domain": "neglect"}),
    "overrates": ("overrides_up", {}),
    "slow": ("slow_decisions", {}),
    "skips_cse": ("tool_left_unrequired", {"tool": "CSE"}),
}


def test_simulated_timescales_are_the_mash_turnaround_times():
    decisions, _ = simulate_history(0, n_referrals=120)
    allowed = {urgency: span for urgency, span in TURNAROUND.items()}
    assert ((decisions["due_at"] - decisions["received_at"]) == decisions["urgency"].map(allowed)).all()
    assert allowed == {"urgent": timedelta(hours=4), "complex_cin": timedelta(hours=7), "early_help": timedelta(hours=24)}


def test_the_report_holds_no_narrative_or_form_text(api, database_url, monkeypatch, tmp_path):
    body = referral_body(f"{CANARY} (9) told his teacher that dad hit mum last night and he hid under the bed. "
                         "He has a bruise on his arm and said dad grabbed him.", referrer_role=f"Teacher of {CANARY}")
    referral = api.post("/api/v1/referrals", "screener", json=body).json()
    decision = api.post(f"/api/v1/referrals/{referral['id']}/decisions", "screener",
                        json=accept_all(referral, rationale=f"Spoke to {CANARY}'s mother.", final_level=4)).json()
    today = decision["created_at"][:10]
    sample = api.post("/api/v1/qa/samples", "qa", json={"period_start": today, "period_end": today, "size": 1, "seed": 0}).json()
    item = sample["items"][0]
    review = api.post(f"/api/v1/qa/reviews/{item['review_id']}", item["reviewer"],
                      json={"level": 3, "outcome": "child_in_need_s17", "note": f"{CANARY} seems safe now."})
    assert review.status_code == 201, review.text

    query = f"/api/v1/qa/report?start={today}&end={today}"
    page = api.get(query, "manager")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1" in page.text and "1 " in page.text
    figures = api.get(query + "&format=csv", "qa")
    assert figures.status_code == 200 and figures.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(figures.text), dtype={"group": str})
    assert table.query("metric == 'override_rate' and group_by == 'all'")["n"].item() == 1
    assert table.query("metric == 'level_agreement' and group_by == 'all'")["n"].item() == 1
    for text in (page.text, figures.text):
        for fragment in (CANARY, "Zebedee", "Marchbanks", "bruise", "Teacher of"):
            assert fragment not in text

    assert api.get(query, "screener").status_code == 403
    assert api.get(query, "data_scientist").status_code == 403
    assert api.get(f"/api/v1/qa/report?start={today}&end=2000-01-01", "qa").status_code == 422
    assert api.get("/api/v1/qa/report?start=yesterday&end=today", "qa").status_code == 422

    from nlp.cli.main import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["qa", "report", "--period", f"{today}..{today}", "--output", str(tmp_path / "qa")])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "qa" / "report.html").read_text() + (tmp_path / "qa" / "figures.csv").read_text()
    assert "metric,group_by,group,n,value,ci_low,ci_high" in written and CANARY not in written


def test_planted_tendencies_in_a_seeded_database_are_found_and_named(api):
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    summary = seed_history(api.ctx, seed=4, n_referrals=300, months=6, start=start)
    assert (summary.referrals, summary.decisions) == (300, 300) and summary.reviews > 30

    # The database gives back the simulated history (codes become usernames).
    simulated, simulated_reviews = simulate_history(4, 300, start, 6)
    with api.ctx.sessions() as session:
        stored = store.decisions_frame(session, api.ctx.catalogue)
        stored_reviews = store.reviews_frame(session)
    stored = stored.sort_values("received_at", kind="stable").reset_index(drop=True)
    assert len(stored) == 300 and len(stored_reviews) == len(simulated_reviews)
    assert list(stored["screener"]) == [username(c) for c in simulated["screener"]]
    for column in ("final_level", "suggested_level", "urgency", "outcome", "accepted", "rejected", "added"):
        assert stored[column].tolist() == simulated[column].tolist(), column
    for column in ("tools_required", "tools_suggested_missing"):  # stored sorted
        assert stored[column].map(sorted).tolist() == simulated[column].map(sorted).tolist(), column
    assert (stored["decided_at"] - simulated["decided_at"]).abs().max() < pd.Timedelta("1ms")
    assert sorted(stored_reviews["second_level"]) == sorted(simulated_reviews["second_level"])

    period = (date(2025, 1, 1), date(2025, 7, 31))
    findings = store.qa_report(api.ctx, "test", *period).findings
    page = api.get(f"/api/v1/qa/report?start={period[0]}&end={period[1]}", "qa")
    assert page.status_code == 200
    for tendency, (kind, evidence) in EXPECTED.items():
        (code,) = [c for c, t in PLANTED_TENDENCIES.items() if t == tendency]
        named = [f for f in findings if f.kind == kind and f.subject_type == "screener"
                 and all(f.evidence.get(k) == v for k, v in evidence.items())]
        assert [f.subject for f in named] == [username(code)], (tendency, [f.subject for f in named])
        assert html_lib.escape(named[0].message) in page.text or named[0].message in page.text
    planted = {username(c) for c in PLANTED_TENDENCIES}
    assert {f.subject for f in findings if f.subject_type == "screener"} <= planted
