"""Decided referrals as redacted annotated cases (annotations/GUIDELINES.md format), for retraining.

Names, dates of birth, addresses, postcodes, phone numbers, emails and schools become typed
placeholders; evidence offsets are mapped so they still point at the same words. Cases get
split "unassigned": `threshold annotations split` places them, never into an existing test set.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from service.audit import PendingEvent, commit_with_audit
from service.context import ServiceContext
from service.db.tables import Decision, Referral, User

PROVENANCE = "redacted decision export"


def _known_identifiers(form: dict) -> dict[str, list[str]]:
    dob = form.get("child_date_of_birth")
    return {"DOB": [dob]} if dob else {}


def _evidence(redacted, spans: list[dict]) -> list[dict]:
    out = []
    for span in spans:
        start, end = redacted.map_span(span["start"], span["end"])
        out.append({"start": start, "end": end, "text": redacted.text[start:end]})
    return out


def annotated_case(referral: Referral, decision: Decision, redactor, annotator: str) -> dict:
    redacted = redactor.redact(referral.narrative, known=_known_identifiers(referral.form))
    suggested = {i["id"]: i for i in referral.suggestion["indicators"]}
    indicators = []
    for verdict in decision.indicators:
        if verdict["verdict"] == "add":
            indicators.append({"id": verdict["id"], "affirmed": True, "evidence": _evidence(redacted, verdict["evidence"])})
            continue
        suggestion = suggested[verdict["id"]]
        accepted = verdict["verdict"] == "accept"
        context = {k: v for k, v in suggestion["context"].items() if k in ("negated", "historical", "hypothetical", "other_person", "uncertain")}
        indicators.append({
            "id": verdict["id"], "affirmed": accepted,
            "evidence": _evidence(redacted, suggestion["evidence"]),
            # A rejected concern carries the context the pipeline saw; an accepted one is affirmed.
            "context": {k: False for k in context} if accepted else context,
        })
    immediate = decision.outcome == "police_immediate_protection" or (
        decision.final_level == 4 and referral.suggestion["immediate_risk"]["flag"]
    )
    return {
        "id": f"mash-{referral.id}",
        "text": redacted.text,
        "level": decision.final_level,
        "indicators": indicators,
        "screening_tools": {"required": decision.tools_required, "completed": decision.tools_completed},
        "immediate_risk": immediate,
        "traps": [],
        "split": "unassigned",
        "provenance": PROVENANCE,
        "annotator": annotator,
        "notes": "",
    }


def current_decisions(ctx: ServiceContext) -> Iterator[tuple[Referral, Decision, str]]:
    """Each referral's newest decision (earlier ones are superseded)."""
    with ctx.sessions() as session:
        names = dict(session.execute(select(User.id, User.username)).all())
        latest: dict[str, Decision] = {}
        for decision in session.scalars(select(Decision).order_by(Decision.id)):
            latest[decision.referral_id] = decision
        for referral_id in sorted(latest):
            referral = session.get(Referral, referral_id)
            yield referral, latest[referral_id], names.get(latest[referral_id].screener_id, "?")


def export_annotations(ctx: ServiceContext, actor: str, redactor) -> list[dict]:
    cases = [
        annotated_case(referral, decision, redactor, annotator=f"screener-{decision.screener_id}")
        for referral, decision, _name in current_decisions(ctx)
    ]
    with ctx.sessions() as session:
        commit_with_audit(session, [PendingEvent(actor, "export.annotations", None, {"cases": len(cases)})])
    return cases
