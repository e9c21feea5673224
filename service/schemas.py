"""Request and response bodies of the API (with the examples OpenAPI shows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nlp.pipeline import MAX_NARRATIVE_CHARS
from nlp.suggestion import Suggestion
from service.outcomes import Outcome

Tool = Literal["CSE", "COG"]
Agency = Literal[
    "police", "education", "health", "social_care", "housing", "voluntary_sector",
    "youth_justice", "probation", "family_or_public", "other",
]
Status = Literal["awaiting_decision", "decided", "signed_off"]

EXAMPLE_NARRATIVE = (
    "Ella (7) told her teacher that dad hit mum last night and she hid under the bed. "
    "Police were called. Mum says it has happened before."
)


class ReferralForm(BaseModel):
    """The fields of the MASH referral form that matter to screening."""

    model_config = ConfigDict(extra="forbid")

    referrer_agency: Agency
    referrer_role: str = Field(min_length=1, max_length=80, description="Job title, e.g. 'Designated safeguarding lead'.")
    child_age_years: int | None = Field(default=None, ge=0, le=25, description="Age in years (up to 25 for care leavers / SEND).")
    child_date_of_birth: date | None = None
    early_help_assessment: bool = Field(description="Has a multi-agency Early Help Assessment been completed?")
    screening_tools_attached: list[Tool] = Field(default_factory=list, description="CSE / COG screening tools already completed and attached.")
    referrer_worry: int = Field(
        ge=0, le=10,
        description="The form's scale: 0 = seriously worried, 5 = mildly worried, 10 = no concerns.",
    )
    consent: Literal["given", "not_given"]
    consent_reason: str | None = Field(default=None, max_length=2000, description="Required when consent was not given.")

    @model_validator(mode="after")
    def _complete(self) -> ReferralForm:
        if self.child_age_years is None and self.child_date_of_birth is None:
            raise ValueError("give the child's age or date of birth")
        if self.consent == "not_given" and not (self.consent_reason or "").strip():
            raise ValueError("consent_reason is required when consent was not given")
        return self


class ReferralCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "narrative": EXAMPLE_NARRATIVE,
                    "form": {
                        "referrer_agency": "education",
                        "referrer_role": "Designated safeguarding lead",
                        "child_age_years": 7,
                        "early_help_assessment": False,
                        "screening_tools_attached": [],
                        "referrer_worry": 2,
                        "consent": "not_given",
                        "consent_reason": "Telling dad could put mum and Ella at further risk.",
                    },
                }
            ]
        },
    )

    narrative: str = Field(min_length=1, max_length=MAX_NARRATIVE_CHARS, description="The referral's free text (up to 50,000 characters).")
    form: ReferralForm

    @field_validator("narrative")
    @classmethod
    def _has_words(cls, narrative: str) -> str:
        if not narrative.strip():
            raise ValueError("the narrative is blank")
        if "\x00" in narrative:
            raise ValueError("the narrative contains a NUL character; send plain text")
        return narrative


class Span(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: int = Field(ge=0)
    end: int = Field(gt=0)


class IndicatorVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    verdict: Literal["accept", "reject"]


class AddedIndicator(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="A catalogue id the suggestion missed.")
    evidence: list[Span] = Field(min_length=1, description="Where the narrative shows it.")


class DecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "based_on_version": 1,
                    "indicators": [{"id": "th.family.l4.severe_domestic_abuse", "verdict": "accept"}],
                    "added": [],
                    "final_level": 3,
                    "tools_required": [],
                    "tools_completed": [],
                    "outcome": "child_in_need_s17",
                    "rationale": "Single incident, mother protective and engaging; CIN assessment rather than S.47.",
                }
            ]
        },
    )

    based_on_version: int = Field(ge=1, description="The referral version the screener saw; 409 if it has changed.")
    indicators: list[IndicatorVerdict] = Field(default_factory=list, description="A verdict on every affirmed suggested indicator.")
    added: list[AddedIndicator] = Field(default_factory=list)
    final_level: int = Field(ge=1, le=4)
    tools_required: list[Tool] = Field(default_factory=list)
    tools_completed: list[Tool] = Field(default_factory=list)
    outcome: Outcome
    rationale: str | None = Field(default=None, max_length=5000, description="Required whenever the decision departs from the suggestion.")


class SignOffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"decision_id": 12, "note": "Agreed: S.17 assessment."}]})
    decision_id: int
    note: str | None = Field(default=None, max_length=2000)


class AssignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"username": "sam.screener"}]})
    username: str


class DecisionOut(BaseModel):
    id: int
    referral_id: str
    screener: str
    created_at: datetime
    based_on_version: int
    supersedes_id: int | None
    superseded: bool
    suggested_level: int
    final_level: int
    indicators: list[dict]
    tools_required: list[str]
    tools_completed: list[str]
    outcome: str
    rationale: str | None
    departures: list[str]
    signed_off_by: str | None = None
    signed_off_at: datetime | None = None


class HistoryEvent(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict


class QueueItem(BaseModel):
    id: str
    received_at: datetime
    status: Status
    urgency: str
    due_at: datetime
    rag: str
    rag_label: str
    suggested_level: int
    final_level: int | None
    immediate_risk: bool
    missing_tools: list[str]
    assigned_to: str | None
    version: int


class ReferralOut(QueueItem):
    narrative: str
    form: dict
    suggestion: Suggestion
    decisions: list[DecisionOut]
    history: list[HistoryEvent]
    feedback_due: datetime | None


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"username": "sam.screener", "password": "correct horse battery"}]})
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    roles: list[str]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"username": "sam.screener", "password": "a long passphrase", "roles": ["screener"], "team": "mash-a"}]})
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9._-]+$")
    password: str = Field(min_length=12, max_length=256)
    roles: list[Literal["screener", "manager", "qa", "data_scientist", "admin"]] = Field(min_length=1)
    team: str | None = Field(default=None, max_length=64)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"roles": ["screener", "manager"], "team": "mash-b"}, {"active": False}]})
    roles: list[Literal["screener", "manager", "qa", "data_scientist", "admin"]] | None = Field(default=None, min_length=1)
    team: str | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=256)


class UserOut(BaseModel):
    id: int
    username: str
    roles: list[str]
    team: str | None
    active: bool
