"""Label Studio tasks (our export, or Label Studio's JSON export) back to annotated cases.

Every problem is collected, not just the first, each naming its task index and case id.
"""

from __future__ import annotations

import json

from training.annotations import AnnotatedCase
from training.interchange.common import InterchangeError, validate_case
from training.interchange.labelstudio.controls import (
    AFFIRMED, AFFIRMED_CHOICES, ALSO, CASE_CONTROLS, CONTEXT, CONTEXT_FLAGS, DATA_FIELDS, IMMEDIATE_RISK, INDICATOR,
    LEVEL, LEVELS, NOTES, REGION_CONTROLS, SAME_INDICATOR, TEXT, TOOLS_COMPLETED, TOOLS_REQUIRED, TRAPS, YES_NO,
)


def labelstudio_to_cases(tasks: list[dict]) -> list[AnnotatedCase]:
    """Rebuild and validate the case of every task.

    Raises:
        InterchangeError: every problem found, each naming its task index (and case id).
    """
    if not isinstance(tasks, list):
        raise InterchangeError(["expected a JSON list of Label Studio tasks"])
    cases, problems = [], []
    for index, task in enumerate(tasks):
        case, task_problems = task_to_case(task, f"task {index}")
        problems.extend(task_problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise InterchangeError(problems)
    return cases


def task_to_case(task: dict, where: str) -> tuple[AnnotatedCase | None, list[str]]:
    """The task's case, or None and its problems (each prefixed with `where`)."""
    problems: list[str] = []
    data = _task_data(task, problems)
    result = _task_result(task, problems) if data is not None else None
    if data is None or result is None:
        return None, [f"{where}: {problem}" for problem in problems]
    where = f"{where} (case {data['case_id']})"
    _check_controls(result, problems)
    regions = _regions(result, data[TEXT], problems)
    attributes = _region_attributes(result, regions, problems)
    indicators = []
    for group in _indicator_groups(result, regions, problems):
        problems.extend(_indicator_problems(group, regions, attributes))
        indicators.append(_indicator(group, regions, attributes))
    case = {
        "id": data["case_id"], TEXT: data[TEXT], **_case_fields(result, problems), "indicators": indicators,
        **{name: data[name] for name in DATA_FIELDS if name != "case_id"},
    }
    if problems:
        return None, [f"{where}: {problem}" for problem in problems]
    return validate_case(case, where)


def _task_data(task: object, problems: list[str]) -> dict | None:
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict):
        problems.append("no 'data' object")
        return None
    missing = [name for name in (TEXT, *DATA_FIELDS) if name not in data]
    if missing:
        problems.append(f"data lacks {', '.join(missing)}")
        return None
    return data


def _task_result(task: dict, problems: list[str]) -> list[dict] | None:
    """The result of the task's one annotation that was not cancelled (or its one ground truth)."""
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if len(annotations) > 1:
        annotations = [a for a in annotations if a.get("ground_truth")] or annotations
    if not annotations:
        problems.append("has no annotation that was not cancelled (predictions are not gold)")
        return None
    if len(annotations) > 1:
        problems.append(f"has {len(annotations)} annotations; mark the one to keep as ground truth")
        return None
    result = annotations[0].get("result")
    if not isinstance(result, list) or not all(_is_result(item) for item in result):
        problems.append("annotation 'result' must be a list of result objects")
        return None
    return result


def _is_result(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("value", {}), dict)


def _check_controls(result: list[dict], problems: list[str]) -> None:
    known = {INDICATOR, *REGION_CONTROLS, *CASE_CONTROLS}
    for item in result:
        if item.get("type") != "relation" and item.get("from_name") not in known:
            problems.append(f"result {item.get('id')!r}: unknown control {item.get('from_name')!r}")


def _regions(result: list[dict], text: str, problems: list[str]) -> dict[str, dict]:
    """Evidence regions by region id, in result order: {"label", "start", "end", "text"}."""
    regions: dict[str, dict] = {}
    for item in result:
        if item.get("from_name") != INDICATOR:
            continue
        region_id, value = item.get("id"), item.get("value", {})
        labels = value.get("labels") or []
        if region_id in regions or len(labels) != 1:
            problems.append(f"region {region_id!r}: needs one region id with exactly one {INDICATOR} label")
            continue
        evidence = _evidence(region_id, value, text, problems)
        if evidence is not None:
            regions[region_id] = {"label": labels[0], **evidence}
    return regions


def _evidence(region_id: str, value: dict, text: str, problems: list[str]) -> dict | None:
    start, end = value.get("start"), value.get("end")
    if not (type(start) is int and type(end) is int and 0 <= start < end <= len(text)):
        problems.append(f"region {region_id!r}: offsets {start}-{end} are not a span of the text ({len(text)} chars)")
        return None
    covered = text[start:end]
    claimed = value.get("text", covered)
    if claimed != covered:
        problems.append(f"region {region_id!r}: offsets {start}-{end} cover {covered!r}, but its text is {claimed!r}")
        return None
    return {"start": start, "end": end, "text": covered}


def _region_attributes(result: list[dict], regions: dict[str, dict], problems: list[str]) -> dict[str, dict]:
    """The per-region choices of each region: {region id: {control: [choices]}}.

    Choices of a region already rejected (bad offsets) are skipped: it is reported once.
    """
    labelled = {item.get("id") for item in result if item.get("from_name") == INDICATOR}
    attributes: dict[str, dict] = {region_id: {} for region_id in regions}
    for item in result:
        control, region_id = item.get("from_name"), item.get("id")
        if control not in REGION_CONTROLS or (region_id in labelled and region_id not in regions):
            continue
        if region_id not in attributes:
            problems.append(f"{control} result {region_id!r}: belongs to no {INDICATOR} region")
        elif control in attributes[region_id]:
            problems.append(f"region {region_id!r}: {control} given twice")
        else:
            attributes[region_id][control] = list(item.get("value", {}).get("choices") or [])
    return attributes


def _indicator_groups(result: list[dict], regions: dict[str, dict], problems: list[str]) -> list[list[str]]:
    """Region ids grouped by "same indicator" relations; groups and members in result order."""
    parent = {region_id: region_id for region_id in regions}

    def root(region_id: str) -> str:
        while parent[region_id] != region_id:
            region_id = parent[region_id]
        return region_id

    for item in result:
        if item.get("type") != "relation":
            continue
        ends, labels = (item.get("from_id"), item.get("to_id")), item.get("labels") or []
        if not all(end in regions for end in ends) or labels not in ([], [SAME_INDICATOR]):
            problems.append(
                f"relation {ends[0]!r} -> {ends[1]!r}: must be a {SAME_INDICATOR!r} link of two {INDICATOR} regions"
            )
            continue
        parent[root(ends[1])] = root(ends[0])
    groups: dict[str, list[str]] = {}
    for region_id in regions:
        groups.setdefault(root(region_id), []).append(region_id)
    return list(groups.values())


def _indicator_problems(group: list[str], regions: dict[str, dict], attributes: dict[str, dict]) -> list[str]:
    """Linked regions must share label and per-region choices; those choices must be valid."""
    label, chosen, problems = regions[group[0]]["label"], attributes[group[0]], []
    if any(regions[r]["label"] != label for r in group):
        problems.append(f"regions {group} are linked as {SAME_INDICATOR!r} but carry different labels")
    if any(_normalised(attributes[r]) != _normalised(chosen) for r in group):
        problems.append(f"regions {group} of indicator {label} disagree on {AFFIRMED}/{CONTEXT}/{ALSO}; set them alike")
    affirmed, unknown_flags = chosen.get(AFFIRMED, []), sorted(set(chosen.get(CONTEXT, [])) - set(CONTEXT_FLAGS))
    if len(affirmed) != 1 or affirmed[0] not in AFFIRMED_CHOICES:
        choices = list(AFFIRMED_CHOICES)
        problems.append(f"region {group[0]!r} ({label}): {AFFIRMED} needs one of {choices}, has {affirmed}")
    if unknown_flags:
        problems.append(f"region {group[0]!r} ({label}): unknown {CONTEXT} flags {unknown_flags}")
    return problems


def _indicator(group: list[str], regions: dict[str, dict], attributes: dict[str, dict]) -> dict:
    """The indicator of linked regions: label and choices of the first, evidence of each in turn."""
    chosen = attributes[group[0]]
    affirmed, flags = chosen.get(AFFIRMED, []), chosen.get(CONTEXT, [])
    return {
        "id": regions[group[0]]["label"],
        "also": chosen.get(ALSO, []),
        "affirmed": AFFIRMED_CHOICES.get(affirmed[0]) if len(affirmed) == 1 else None,
        "evidence": [{name: regions[r][name] for name in ("start", "end", "text")} for r in group],
        "context": {flag: flag in flags for flag in CONTEXT_FLAGS},
    }


def _normalised(attributes: dict) -> str:
    return json.dumps({control: sorted(values) for control, values in attributes.items()}, sort_keys=True)


def _case_fields(result: list[dict], problems: list[str]) -> dict:
    """level, screening_tools, immediate_risk, traps and notes from the case-level controls."""
    chosen = {item["from_name"]: item.get("value", {}) for item in result if item.get("from_name") in CASE_CONTROLS}
    choices = {name: list(value.get("choices") or []) for name, value in chosen.items()}
    level, risk = choices.get(LEVEL, []), choices.get(IMMEDIATE_RISK, [])
    if len(level) != 1 or level[0] not in LEVELS:
        problems.append(f"{LEVEL}: needs one of {list(LEVELS)}, has {level}")
    if len(risk) != 1 or risk[0] not in YES_NO:
        problems.append(f"{IMMEDIATE_RISK}: needs one of {list(YES_NO)}, has {risk}")
    return {
        "level": int(level[0]) if len(level) == 1 and level[0] in LEVELS else None,
        "screening_tools": {
            "required": choices.get(TOOLS_REQUIRED, []),
            "completed": choices.get(TOOLS_COMPLETED, []),
        },
        "immediate_risk": YES_NO.get(risk[0]) if len(risk) == 1 else None,
        "traps": choices.get(TRAPS, []),
        "notes": "\n".join(chosen.get(NOTES, {}).get("text") or []),
    }
