"""Request and response bodies of the QA endpoints (with the examples OpenAPI shows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.schemas import Outcome, Tool

Stratum = Literal["final_level", "screener", "team", "referrer_agency", "overrode", "tool_flag"]
STRATA_HELP = (
    "final_level: the screener's level; screener; team (the screener's); referrer_agency; "
    "overrode: the final level differs from the suggested one or the decision departed from the suggestion; "
    "tool_flag: which CSE/COG screening tools the suggestion flagged as missing."
)


class SampleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period_start": "2025-03-01",
                    "period_end": "2025-03-31",
                    "size": 40,
                    "stratify_by": ["final_level", "team"],
                    "oversample_disagreement": True,
                    "unsure_below": 0.6,
                    "seed": 20250401,
                }
            ]
        },
    )

    period_start: date = Field(description="First day (UTC) of the decisions to sample from.")
    period_end: date = Field(description="Last day (UTC), inclusive.")
    size: int = Field(ge=1, le=2000, description="Referrals to sample (all of them when the period holds fewer).")
    stratify_by: list[Stratum] = Field(default_factory=list, description=STRATA_HELP)
    oversample_disagreement: bool = Field(default=True, description="Weight strata where the screener's level differs from the suggested level.")
    unsure_below: float | None = Field(default=None, gt=0, le=1, description="Also weight referrals whose most likely level had a probability below this.")
    seed: int | None = Field(default=None, ge=0, lt=2**31, description="Same seed, criteria and data give the same sample; generated (and stored) when omitted.")

    @model_validator(mode="after")
    def _check(self) -> SampleCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if len(set(self.stratify_by)) != len(self.stratify_by):
            raise ValueError("stratify_by names a criterion twice")
        return self


class SampleItemOut(BaseModel):
    review_id: int = Field(description="Open it at GET /api/v1/qa/reviews/{review_id} (the assigned reviewer only).")
    referral_id: str
    stratum: dict[str, str]
    oversampled: bool
    reviewer: str
    status: Literal["pending", "completed"]


class SampleOut(BaseModel):
    id: int
    created_at: datetime
    created_by: str | None
    period_start: date
    period_end: date
    size: int = Field(description="Places asked for.")
    seed: int
    stratify_by: list[str]
    oversample_disagreement: bool
    unsure_below: float | None
    oversample_weight: float
    population: int = Field(description="Decided referrals in the period when the sample was drawn.")
    source: Literal["drawn", "simulated"]
    strata: list[dict] = Field(description="Each stratum: its values, referrals in it, weight and places allocated.")
    items: list[SampleItemOut]


class ReviewQueueItem(BaseModel):
    review_id: int
    referral_id: str
    sample_id: int
    received_at: datetime
    assigned_at: datetime
    status: Literal["pending", "completed"]


class ReviewCaseOut(BaseModel):
    """What a blind second reviewer sees: the referral as received, without the first
    decision, the suggestion, the urgency it implied or the first screener."""

    review_id: int
    referral_id: str
    sample_id: int
    received_at: datetime
    narrative: str
    form: dict
    status: Literal["pending", "completed"]
    review: ReviewOut | None = None


class ReviewCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "level": 3,
                    "indicators": ["th.family.l4.severe_domestic_abuse"],
                    "tools_required": [],
                    "outcome": "child_in_need_s17",
                    "note": "Single incident; mother protective.",
                }
            ]
        },
    )

    level: int = Field(ge=1, le=4, description="The reviewer's own level of need.")
    indicators: list[str] = Field(default_factory=list, max_length=60, description="Catalogue ids of the indicators the reviewer sees.")
    tools_required: list[Tool] = Field(default_factory=list)
    outcome: Outcome
    note: str | None = Field(default=None, max_length=5000, description="The reviewer's reasoning (kept with the review, never in a report).")


class ReviewOut(BaseModel):
    review_id: int
    referral_id: str
    reviewer: str
    created_at: datetime
    level: int
    indicators: list[str]
    tools_required: list[str]
    outcome: str
    note: str | None


ReviewCaseOut.model_rebuild()
