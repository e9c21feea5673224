"""The Suggestion contract (DESIGN.md section 5): what the pipeline tells a screener."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

ScreeningTool = Literal["CSE", "COG"]
SCREENING_TOOLS: tuple[str, ...] = get_args(ScreeningTool)  # in this order wherever tools are listed


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0, description="Character offset into the narrative.")
    end: int = Field(ge=0)
    text: str


class ContextFlags(BaseModel):
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    other_person: bool = False
    uncertain: bool = False
    non_concern: bool = False
    triggers: list[str] = Field(default_factory=list, description="Trigger phrases, e.g. 'HISTORICAL: none since'.")


class IndicatorSuggestion(BaseModel):
    id: str
    level: int = Field(ge=1, le=4)
    domain: str
    subdomain: str | None = None
    framework: str
    themes: list[str] = Field(default_factory=list)
    screening_tools: list[str] = Field(default_factory=list)
    guidance_text: str
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence]
    context: ContextFlags
    affirmed: bool
    matched_by: list[Literal["rule", "embedding"]]
    explanation: str


class ScreeningToolSuggestion(BaseModel):
    tool: ScreeningTool
    status: Literal["missing", "completed"]
    reason: str
    evidence: list[Evidence]


class ImmediateRisk(BaseModel):
    flag: bool
    reason: str = ""
    evidence: list[Evidence] = Field(default_factory=list)


class Suggestion(BaseModel):
    id: str | None = None
    level: int = Field(ge=1, le=4)
    level_probabilities: dict[str, float]
    level_explanation: str
    indicators: list[IndicatorSuggestion]
    screening_tools: list[ScreeningToolSuggestion]
    immediate_risk: ImmediateRisk
    model_version: str
    catalogue_version: str
