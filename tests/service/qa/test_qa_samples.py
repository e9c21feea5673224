"""QA samples: stratified, proportional with one place per stratum, disagreements and unsure
suggestions oversampled, reproducible from the stored seed, reviewers never the screener."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from service.db.tables import Decision, User
from service.qa.seed import seed_history
from service.qa.store import SampleInvalid, allocate
from service.qa.tables import QASample, QASampleItem

START = datetime(2025, 1, 1, tzinfo=timezone.utc)
WHOLE = {"period_start": "2025-01-01", "period_end": "2025-02-28"}


@pytest.fixture
def history(api):
    """60 decided referrals over two months by six simulated screeners (who also do QA)."""
    return seed_history(api.ctx, seed=3, n_referrals=60, months=2, start=START)


def criteria(**overrides) -> dict:
    body = {**WHOLE, "size": 20, "stratify_by": ["final_level", "team"], "oversample_disagreement": True,
            "unsure_below": 0.6, "seed": 11}
    body.update(overrides)
    return body


def test_allocation_is_proportional_with_one_place_per_stratum_and_weights():
    sizes = {("a",): 50, ("b",): 30, ("c",): 15, ("d",): 5}
    plain = allocate(sizes, dict.fromkeys(sizes, 1.0), 20)
    assert plain == {("a",): 10, ("b",): 6, ("c",): 3, ("d",): 1}
    assert allocate({("a",): 98, ("b",): 2}, {("a",): 1.0, ("b",): 1.0}, 10)[("b",)] == 1  # at least one
    weighted = allocate({("x", "no"): 40, ("x", "yes"): 10}, {("x", "no"): 1.0, ("x", "yes"): 2.0}, 12)
    assert weighted[("x", "yes")] > 12 * 10 / 50 and sum(weighted.values()) == 12
    assert allocate({("a",): 3, ("b",): 100}, {("a",): 5.0, ("b",): 1.0}, 20)[("a",)] == 3  # never more than it holds
    assert allocate(sizes, dict.fromkeys(sizes, 1.0), 500) == sizes  # everything when asked for more
    with pytest.raises(SampleInvalid, match="at least 4"):
        allocate(sizes, dict.fromkeys(sizes, 1.0), 3)


def test_same_seed_criteria_and_data_give_the_same_sample(api, history):
    first = api.post("/api/v1/qa/samples", "qa", json=criteria())
    assert first.status_code == 201, first.text
    again = api.post("/api/v1/qa/samples", "manager", json=criteria())
    other = api.post("/api/v1/qa/samples", "qa", json=criteria(seed=12)).json()
    a, b = first.json(), again.json()
    pick = lambda sample: [(i["referral_id"], i["stratum"]) for i in sample["items"]]  # noqa: E731
    assert pick(a) == pick(b) and a["strata"] == b["strata"] and a["id"] != b["id"]
    assert pick(other) != pick(a)
    assert len(a["items"]) == 20 and len({i["referral_id"] for i in a["items"]}) == 20
    assert a["seed"] == 11 and a["stratify_by"] == ["final_level", "team"] and a["unsure_below"] == 0.6
    assert a["population"] == 60 and a["created_by"] == "qa"
    stored = api.get(f"/api/v1/qa/samples/{a['id']}", "manager").json()
    assert stored["items"] == a["items"] and stored["seed"] == 11
    # Without a seed one is generated, stored and replays the sample.
    sample = api.post("/api/v1/qa/samples", "qa", json=criteria(seed=None, stratify_by=["overrode", "tool_flag"])).json()
    assert isinstance(sample["seed"], int)
    with api.ctx.sessions() as session:
        assert session.get(QASample, sample["id"]).seed == sample["seed"]
    replay = api.post("/api/v1/qa/samples", "qa", json=criteria(seed=sample["seed"], stratify_by=["overrode", "tool_flag"])).json()
    assert [i["referral_id"] for i in replay["items"]] == [i["referral_id"] for i in sample["items"]]


def test_strata_get_a_place_each_flagged_strata_are_oversampled_and_reviewers_never_decided(api, history):
    sample = api.post("/api/v1/qa/samples", "qa", json=criteria(size=24)).json()
    strata = sample["strata"]
    assert all(s["allocated"] >= 1 for s in strata) and sum(s["allocated"] for s in strata) == 24
    assert {tuple(s["values"]) for s in strata} == {("final_level", "team", "flagged")}
    flagged = [s for s in strata if s["values"]["flagged"] == "yes"]
    assert flagged and all(s["weight"] == 2.0 for s in flagged)
    share = lambda rows, key: sum(s[key] for s in rows) / sum(s[key] for s in strata)  # noqa: E731
    assert share(flagged, "allocated") > share(flagged, "population")  # more than their share of the decisions
    counts = {}
    for item in sample["items"]:
        key = tuple(item["stratum"].values())
        counts[key] = counts.get(key, 0) + 1
        assert item["oversampled"] == (item["stratum"]["flagged"] == "yes")
    assert counts == {tuple(s["values"].values()): s["allocated"] for s in strata}

    # Every decided referral of the period: nobody reviews a referral they decided, although
    # the simulated screeners are also QA reviewers.
    sample = api.post("/api/v1/qa/samples", "qa", json=criteria(size=60, stratify_by=["screener"])).json()
    assert len(sample["items"]) == 60  # the whole period
    with api.ctx.sessions() as session:
        names = dict(session.execute(select(User.id, User.username)).all())
        deciders = {}
        for referral_id, screener_id in session.execute(select(Decision.referral_id, Decision.screener_id)):
            deciders.setdefault(referral_id, set()).add(names[screener_id])
        reviewers = {u.username for u in session.scalars(select(User)) if {"qa", "manager"} & set(u.roles)}
    assert all(item["reviewer"] not in deciders[item["referral_id"]] for item in sample["items"])
    assert {item["reviewer"] for item in sample["items"]} == reviewers  # round-robin reaches everyone


def test_samples_that_cannot_be_drawn_are_refused_clearly_and_the_command_draws_them(api, history, database_url, monkeypatch):
    seeded = api.count(QASample), api.count(QASampleItem)  # the simulated history's own samples
    too_small = api.post("/api/v1/qa/samples", "qa", json=criteria(size=2, stratify_by=["screener"]))
    assert too_small.status_code == 422 and "non-empty strata" in too_small.json()["detail"]
    empty = api.post("/api/v1/qa/samples", "qa", json=criteria(period_start="2030-01-01", period_end="2030-01-31"))
    assert empty.status_code == 422 and "no decided referrals" in empty.json()["detail"]
    backwards = api.post("/api/v1/qa/samples", "qa", json=criteria(period_start="2025-02-01", period_end="2025-01-01"))
    assert backwards.status_code == 422 and "before" in backwards.json()["detail"]
    unknown = api.post("/api/v1/qa/samples", "qa", json=criteria(stratify_by=["narrative"]))
    assert unknown.status_code == 422
    assert api.post("/api/v1/qa/samples", "screener", json=criteria()).status_code == 403
    assert api.get("/api/v1/qa/samples/999", "qa").status_code == 404
    assert (api.count(QASample), api.count(QASampleItem)) == seeded

    from nlp.cli.main import app

    monkeypatch.setenv("DATABASE_URL", database_url)
    args = ["qa", "sample", "--start", "2025-01-01", "--end", "2025-02-28", "--size", "10",
            "--stratify-by", "team", "--no-oversample-disagreement", "--seed", "5"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(app, args)
    assert "seed 5" in first.output and first.output.count("review ") == 10
    lines = lambda out: [line.split("reviewer")[0].split("referral")[1] for line in out.splitlines() if "referral " in line]  # noqa: E731
    assert lines(first.output) == lines(second.output)
    with api.ctx.sessions() as session:
        samples = list(session.scalars(select(QASample).where(QASample.source == "drawn")))
    assert [(s.seed, s.stratify_by, s.created_by) for s in samples] == [(5, ["team"], None)] * 2
    bad = CliRunner().invoke(app, ["qa", "sample", "--start", "2025-01-01", "--end", "2025-02-28", "--size", "1", "--stratify-by", "team"])
    assert bad.exit_code == 1 and "non-empty strata" in bad.output


def test_openapi_describes_every_qa_endpoint_with_examples():
    from servicekit import make_settings

    from nlp.catalogue import load_catalogue
    from service.app import create_app

    spec = create_app(make_settings("sqlite:///unused.db")).openapi()
    operations = [(p, m, op) for p, ops in spec["paths"].items() if p.startswith("/api/v1/qa") for m, op in ops.items()]
    assert len(operations) == 6
    for path, method, op in operations:
        assert op["tags"] == ["quality assurance"] and len(op["description"]) > 40, (method, path)
        assert {"401", "403"} <= set(op["responses"]) and all(r.get("description") for r in op["responses"].values())
    schemas = spec["components"]["schemas"]
    catalogue = load_catalogue()
    assert schemas["SampleCreate"]["examples"] and schemas["ReviewCreate"]["examples"]
    assert all(i in catalogue.by_id for i in schemas["ReviewCreate"]["examples"][0]["indicators"])
