"""Pydantic schema of the indicator catalogue (DESIGN.md section 5).

A catalogue entry is one indicator of need as the guidance words it. The guidance
text is kept verbatim (whitespace collapsed) so the screener always sees the
borough's own words; matching hints are ours and live beside it.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Framework = Literal[
    "tower_hamlets_indicators",
    "pan_london_matrix",
    "sutton_tier_summary",
    "section_47",
]
ScreeningTool = Literal["CSE", "COG"]
# Who an indicator is about: used to decide whether a mention about someone
# else (a sibling, a neighbour) counts. Parental factors are about a parent.
Subject = Literal["child", "parent", "family", "environment"]

_ID_PATTERN = r"^[a-z0-9]+(\.[a-z0-9_]+)+$"


def collapse_whitespace(text: str) -> str:
    """Collapse runs of whitespace to one space; re-join words hyphenated across lines.

    The seeds are PDF extractions: "well-\\nbeing" is one word broken by a line wrap.
    """
    text = re.sub(r"(?<=\w)-[ \t]*\n\s*(?=\w)", "-", text)
    return re.sub(r"\s+", " ", text).strip()


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1, description="Seed file name under shared/seeds/.")
    section: str = Field(min_length=1, description="Section or table heading in the seed.")


class MatchingHints(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    patterns: tuple[str, ...] = Field(
        default=(),
        description="Keyword phrases; matched case-insensitively on word stems, so "
        "inflections need not be listed. Abbreviations come from the lexicon.",
    )
    paraphrases: tuple[str, ...] = Field(
        default=(),
        description="How a referrer might write this indicator; embedded beside the text.",
    )
    exclude: tuple[str, ...] = Field(
        default=(),
        description="Phrases that, in the same sentence, mean a keyword or similarity hit is not this concern.",
    )

    @field_validator("patterns", "paraphrases", "exclude")
    @classmethod
    def _no_blank_items(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(collapse_whitespace(v) for v in values)
        if any(not v for v in cleaned):
            raise ValueError("must not contain empty strings")
        return cleaned


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN, description="Stable id, e.g. th.health.l4.fgm.")
    framework: Framework
    domain: str = Field(min_length=1)
    subdomain: str | None = None
    level: int = Field(ge=1, le=4)
    text: str = Field(min_length=3, description="Guidance text verbatim, whitespace collapsed.")
    source: Source
    themes: tuple[str, ...] = Field(min_length=1)
    screening_tools: tuple[ScreeningTool, ...] = ()
    subject: Subject = "child"
    hints: MatchingHints = MatchingHints()

    @field_validator("text")
    @classmethod
    def _text_is_collapsed(cls, value: str) -> str:
        if value != collapse_whitespace(value):
            raise ValueError("must have whitespace collapsed (single spaces, no line breaks)")
        return value


class ThemeDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    description: str = Field(min_length=3)


class Manifest(BaseModel):
    """The catalogue's header: its version, theme vocabulary and data files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    themes: tuple[ThemeDefinition, ...]
    files: tuple[str, ...] = Field(min_length=1)
