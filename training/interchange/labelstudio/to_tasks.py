"""Annotated cases to Label Studio tasks: one task (data + one annotation) per case."""

from __future__ import annotations

from collections.abc import Iterable

from training.annotations import AnnotatedCase, GoldIndicator
from training.interchange.labelstudio.controls import (
    AFFIRMED, ALSO, CONTEXT, CONTEXT_FLAGS, IMMEDIATE_RISK, INDICATOR, LEVEL, NOTES, SAME_INDICATOR, TEXT,
    TOOLS_COMPLETED, TOOLS_REQUIRED, TRAPS,
)


def cases_to_labelstudio(cases: Iterable[AnnotatedCase]) -> list[dict]:
    """One Label Studio task per case, with the case's annotation as the task's one annotation."""
    return [case_to_task(case) for case in cases]


def case_to_task(case: AnnotatedCase) -> dict:
    data = {TEXT: case.text, "case_id": case.id, "split": case.split, "provenance": case.provenance,
            "annotator": case.annotator}
    result = _case_results(case)
    for number, indicator in enumerate(case.indicators):
        result.extend(_indicator_results(number, indicator))
    return {"data": data, "annotations": [{"result": result}]}


def _result(control: str, kind: str, value: dict, result_id: str) -> dict:
    return {"id": result_id, "from_name": control, "to_name": TEXT, "type": kind, "value": value}


def _case_results(case: AnnotatedCase) -> list[dict]:
    """Case-level choices (empty ones left out, as Label Studio does) and the notes."""
    choices = {
        LEVEL: [str(case.level)],
        IMMEDIATE_RISK: ["yes" if case.immediate_risk else "no"],
        TOOLS_REQUIRED: list(case.screening_tools.required),
        TOOLS_COMPLETED: list(case.screening_tools.completed),
        TRAPS: list(case.traps),
    }
    results = [_result(name, "choices", {"choices": values}, name) for name, values in choices.items() if values]
    if case.notes:
        results.append(_result(NOTES, "textarea", {"text": [case.notes]}, NOTES))
    return results


def _indicator_results(number: int, indicator: GoldIndicator) -> list[dict]:
    """Each evidence span's region with its per-region choices, then the relations linking them."""
    attributes = {
        AFFIRMED: ["affirmed" if indicator.affirmed else "not affirmed"],
        CONTEXT: [flag for flag in CONTEXT_FLAGS if getattr(indicator.context, flag)],
        ALSO: list(indicator.also),
    }
    results, region_ids = [], []
    for span_number, evidence in enumerate(indicator.evidence):
        region_id = f"i{number}-e{span_number}"
        region_ids.append(region_id)
        span = {"start": evidence.start, "end": evidence.end, "text": evidence.text}
        results.append(_result(INDICATOR, "labels", {**span, "labels": [indicator.id]}, region_id))
        results.extend(
            _result(name, "choices", {**span, "choices": values}, region_id)
            for name, values in attributes.items()
            if values
        )
    results.extend(
        {"type": "relation", "from_id": region_ids[0], "to_id": other, "direction": "right", "labels": [SAME_INDICATOR]}
        for other in region_ids[1:]
    )
    return results
