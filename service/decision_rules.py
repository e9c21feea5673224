"""What a decision must contain, and where it departs from the suggestion.

A departure (level, indicator or tool differing from the suggestion) needs a rationale;
missing verdicts, unknown ids and bad evidence spans are refused outright.
"""

from __future__ import annotations

from nlp.catalogue import Catalogue
from service.schemas import DecisionCreate

MIN_RATIONALE_CHARS = 10


class DecisionInvalid(ValueError):
    """The decision cannot be recorded as given; the message says what to fix."""


def suggested_tools(suggestion: dict) -> tuple[set[str], set[str]]:
    """(required, completed) as the suggestion sees them: any tool it lists is called
    for by the concerns; those with status 'completed' are already done."""
    tools = suggestion.get("screening_tools", [])
    return {t["tool"] for t in tools}, {t["tool"] for t in tools if t["status"] == "completed"}


def check_decision(decision: DecisionCreate, suggestion: dict, narrative: str, catalogue: Catalogue) -> list[str]:
    """Validate and return the departures from the suggestion (empty when none).

    Raises:
        DecisionInvalid: listing every problem.
    """
    problems: list[str] = []
    departures: list[str] = []
    suggested = {i["id"]: i for i in suggestion["indicators"]}
    verdicts = {}
    for verdict in decision.indicators:
        if verdict.id not in suggested:
            problems.append(f"indicator {verdict.id} was not suggested; add it under 'added' with its evidence")
        elif verdict.id in verdicts:
            problems.append(f"indicator {verdict.id} has more than one verdict")
        verdicts[verdict.id] = verdict.verdict
    for indicator_id, indicator in suggested.items():
        verdict = verdicts.get(indicator_id)
        if indicator["affirmed"] and verdict is None:
            problems.append(f"indicator {indicator_id} needs a verdict (accept or reject)")
        elif indicator["affirmed"] and verdict == "reject":
            departures.append(f"suggested indicator {indicator_id} rejected")
        elif not indicator["affirmed"] and verdict == "accept":
            departures.append(f"indicator {indicator_id} accepted although the suggestion set it aside")
    for added in decision.added:
        if added.id not in catalogue.by_id:
            problems.append(f"indicator {added.id} is not in the catalogue")
            continue
        if added.id in suggested:
            problems.append(f"indicator {added.id} was suggested: give it a verdict instead of adding it")
            continue
        for span in added.evidence:
            if not (0 <= span.start < span.end <= len(narrative)):
                problems.append(
                    f"evidence {span.start}-{span.end} for {added.id} is outside the narrative (0-{len(narrative)})"
                )
        departures.append(f"indicator {added.id} added")
    if not set(decision.tools_completed) <= set(decision.tools_required):
        problems.append("a completed screening tool must also be marked required")
    if problems:
        raise DecisionInvalid("; ".join(problems))

    if decision.final_level != suggestion["level"]:
        departures.append(f"level {decision.final_level} differs from the suggested level {suggestion['level']}")
    required, completed = suggested_tools(suggestion)
    if set(decision.tools_required) != required:
        departures.append(
            f"tools required {sorted(decision.tools_required) or 'none'} differ from suggested {sorted(required) or 'none'}"
        )
    if set(decision.tools_completed) != completed:
        departures.append(
            f"tools completed {sorted(decision.tools_completed) or 'none'} differ from suggested {sorted(completed) or 'none'}"
        )
    rationale = (decision.rationale or "").strip()
    if departures and len(rationale) < MIN_RATIONALE_CHARS:
        raise DecisionInvalid(
            "a rationale (at least 10 characters) is required because the decision departs from the suggestion: "
            + "; ".join(departures)
        )
    return departures
