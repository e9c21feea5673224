"""What every interchange format shares: its error, case validation and the JSONL writer."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from training.annotations import AnnotatedCase


class InterchangeError(ValueError):
    """Problems found converting annotations, each naming the task, doc or case at fault."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def validate_case(data: dict, where: str) -> tuple[AnnotatedCase | None, list[str]]:
    """Validate one case with the AnnotatedCase schema; problems are prefixed with `where`."""
    try:
        return AnnotatedCase.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "case"
            problems.append(f"{where}: {field}: {error['msg']}")
        return None, problems


def check_cases(cases: Iterable[tuple[str, AnnotatedCase]], catalogue_ids: set[str] | None = None) -> list[str]:
    """Duplicate case ids and (if catalogue_ids is given) unknown catalogue ids, one problem each.

    Args:
        cases: (where, case) pairs, `where` naming the task or doc, e.g. "task 3".
        catalogue_ids: every known catalogue id; None skips that check.
    """
    problems, seen = [], {}
    for where, case in cases:
        if case.id in seen:
            problems.append(f"{where} (case {case.id}): duplicate id (first in {seen[case.id]})")
        seen.setdefault(case.id, where)
        if catalogue_ids is None:
            continue
        for indicator in case.indicators:
            for entry_id in sorted(indicator.ids - catalogue_ids):
                problems.append(f"{where} (case {case.id}): unknown catalogue id {entry_id!r}")
    return problems


def cases_to_jsonl(cases: Iterable[AnnotatedCase]) -> str:
    """One case per line, fields in schema order: the format of annotations/*.jsonl."""
    return "".join(json.dumps(case.model_dump(), ensure_ascii=False) + "\n" for case in cases)


def write_cases(cases: Iterable[AnnotatedCase], path: Path) -> None:
    path.write_text(cases_to_jsonl(cases), encoding="utf-8")
