"""Read JSON lines leniently: each bad line is reported with its number, the rest go on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.pipeline import NarrativeError, check_narrative


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def read_records(path: Path, required: tuple[str, ...] = ("text",)) -> Iterator[tuple[int, dict] | LineError]:
    """Yield (line number, record) for good lines and LineError for bad ones; skip blank lines."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield LineError(number, "not valid UTF-8")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield LineError(number, f"bad JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(record, dict):
                yield LineError(number, "expected a JSON object")
                continue
            missing = [key for key in required if key not in record]
            if missing:
                yield LineError(number, "missing field(s) " + ", ".join(repr(m) for m in missing))
                continue
            try:
                check_narrative(record["text"])
            except NarrativeError as exc:
                yield LineError(number, str(exc))
                continue
            yield number, record
