"""Annotated cases (DESIGN.md section 5): the JSONL format, its schema and a reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Model = TypeVar("Model", bound=BaseModel)

TRAP_TYPES = (
    "negation", "historical", "hypothetical", "other_person", "uncertain", "reported_speech", "minimising",
    "keyword_without_concern", "cluster", "single_severe", "long_chronology", "one_liner", "typos",
    "abbreviations", "personal_details", "tool_completed",
)


class GoldEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(gt=0)
    text: str = Field(min_length=1)


class GoldContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    other_person: bool = False
    uncertain: bool = False


class GoldIndicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Best-fitting catalogue id (Tower Hamlets or S.47).")
    also: list[str] = Field(default_factory=list, description="Equivalent ids in other frameworks.")
    affirmed: bool
    evidence: list[GoldEvidence] = Field(min_length=1)
    context: GoldContext = GoldContext()

    @property
    def ids(self) -> set[str]:
        return {self.id, *self.also}


class GoldTools(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: list[Literal["CSE", "COG"]] = Field(default_factory=list)
    completed: list[Literal["CSE", "COG"]] = Field(default_factory=list)


class AnnotatedCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    level: int = Field(ge=1, le=4)
    indicators: list[GoldIndicator] = Field(default_factory=list)
    screening_tools: GoldTools = GoldTools()
    immediate_risk: bool = False
    traps: list[Literal[TRAP_TYPES]] = Field(default_factory=list)  # type: ignore[valid-type]
    split: Literal["train", "dev", "test"]
    provenance: str = Field(min_length=1, description="synthetic, redacted decision export, ...")
    annotator: str = Field(min_length=1)
    notes: str = ""

    @model_validator(mode="after")
    def _spans_point_at_their_text(self) -> AnnotatedCase:
        for indicator in self.indicators:
            for evidence in indicator.evidence:
                if evidence.end > len(self.text) or evidence.start >= evidence.end:
                    raise ValueError(f"indicator {indicator.id}: span {evidence.start}-{evidence.end} out of range")
                if self.text[evidence.start : evidence.end] != evidence.text:
                    raise ValueError(
                        f"indicator {indicator.id}: span {evidence.start}-{evidence.end} is "
                        f"{self.text[evidence.start:evidence.end]!r}, not {evidence.text!r}"
                    )
        return self


class AnnotationError(ValueError):
    """Problems found in an annotations file, each with its line number."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def validated_lines(path: Path, model: type[Model], problems: list[str], whole: str = "case") -> Iterator[tuple[str, int, Model]]:
    """Each non-blank line of a JSONL file read as `model`, with its 'FILE:LINE' and line number. A line that is
    not UTF-8, not JSON or not a valid `model` is skipped, and its problems are appended to
    `problems` as 'FILE:LINE: message' (`whole` names a problem of the line as a whole)."""
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        where = f"{path.name}:{number}"
        if not raw.strip():
            continue
        try:
            yield where, number, model.model_validate(json.loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            problems.append(f"{where}: not valid UTF-8")
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: bad JSON ({exc.msg})")
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or whole
                problems.append(f"{where}: {field}: {error['msg']}")


def validate_file(path: Path, catalogue_ids: set[str] | None = None) -> tuple[list[AnnotatedCase], list[str]]:
    """Parse every line; return the good cases and every problem as 'FILE:LINE: message'."""
    cases, problems, seen = [], [], {}
    for where, number, case in validated_lines(path, AnnotatedCase, problems):
        if case.id in seen:
            problems.append(f"{where}: duplicate id {case.id!r} (first on line {seen[case.id]})")
        seen.setdefault(case.id, number)
        if catalogue_ids is not None:
            for indicator in case.indicators:
                for entry_id in sorted(indicator.ids - catalogue_ids):
                    problems.append(f"{where}: unknown catalogue id {entry_id!r}")
        cases.append(case)
    return cases, problems


def load_cases(path: Path, catalogue_ids: set[str] | None = None) -> list[AnnotatedCase]:
    cases, problems = validate_file(path, catalogue_ids)
    if problems:
        raise AnnotationError(problems)
    return cases
