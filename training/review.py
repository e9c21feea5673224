"""Second review: how far a blind second annotator agrees with the corpus labels.

GUIDELINES section 13 asks a second annotator to relabel a sample blind. Their labels go in a
JSONL file of review lines (one per case id: level, tools required, immediate risk, the
indicator that drives the level and a reason) and are compared with the gold labels here.
The agreement between two people is the ceiling a model can be held to on the same labels.
Outputs name case ids only, never narrative text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sklearn.metrics import cohen_kappa_score

from training.annotations import AnnotatedCase, validated_lines
from training.metrics import TOOLS


class ReviewLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    level: int = Field(ge=1, le=4)
    cse_required: bool
    cog_required: bool
    immediate_risk: bool
    main_indicator: str | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _immediate_risk_is_level_4(self) -> ReviewLine:
        if self.immediate_risk and self.level != 4:
            raise ValueError("immediate_risk is true but the level is not 4")
        return self

    def required(self) -> set[str]:
        return {tool for tool, on in zip(TOOLS, (self.cse_required, self.cog_required)) if on}


def read_review(path: Path, case_ids: set[str]) -> tuple[list[ReviewLine], list[str]]:
    """The review lines and every problem, each with its line number (unknown or repeated case
    ids, and what the annotations reader reports: not UTF-8, not JSON, invalid fields)."""
    lines, problems, seen = [], [], set()
    for where, _, line in validated_lines(path, ReviewLine, problems, whole="line"):
        if line.id not in case_ids:
            problems.append(f"{where}: id {line.id!r} is not a case of the corpus")
        elif line.id in seen:
            problems.append(f"{where}: id {line.id!r} is reviewed twice")
        else:
            seen.add(line.id)
            lines.append(line)
    return lines, problems


def agreement(cases: list[AnnotatedCase], reviews: list[ReviewLine]) -> dict:
    """Level, level-4, tool and immediate-risk agreement of the reviews with the gold labels."""
    by_id = {case.id: case for case in cases}
    pairs = [(by_id[r.id], r) for r in reviews]
    gold = np.array([case.level for case, _ in pairs])
    second = np.array([review.level for _, review in pairs])
    level4_gold, level4_second = gold == 4, second == 4
    report = {
        "n": len(pairs),
        "level_exact": float((gold == second).mean()) if pairs else None,
        "level_quadratic_weighted_kappa": _kappa(gold, second, weights="quadratic"),
        "level_within_one": float((np.abs(gold - second) <= 1).mean()) if pairs else None,
        "level4_gold_found_by_second": _share(level4_second[level4_gold]),
        "level4_second_found_in_gold": _share(level4_gold[level4_second]),
        "immediate_risk_kappa": _kappa([c.immediate_risk for c, _ in pairs], [r.immediate_risk for _, r in pairs]),
        "tools": {},
        "level_disagreements": [
            {"id": case.id, "gold": int(case.level), "second": review.level} for case, review in pairs if case.level != review.level
        ],
    }
    for tool in TOOLS:
        g = [tool in case.screening_tools.required for case, _ in pairs]
        s = [tool in review.required() for _, review in pairs]
        report["tools"][tool] = {"agreement": _share(np.array(g) == np.array(s)), "kappa": _kappa(g, s)}
    return report


def _share(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _kappa(a, b, weights: str | None = None) -> float | None:
    if len(a) == 0 or len(set(a) | set(b)) < 2:
        return None  # undefined with a single label on both sides
    return float(cohen_kappa_score(list(a), list(b), weights=weights))
