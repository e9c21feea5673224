"""The two input tables of the QA analytics, their columns and their checks.

The service turns database rows into these DataFrames; every function in
service.qa reads only the columns listed here, so free text or personal details
in any other column can never reach a report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import get_args

import pandas as pd

from nlp.suggestion import SCREENING_TOOLS
from service.outcomes import Outcome

LEVELS = (1, 2, 3, 4)
LEVEL_NAMES = {1: "1 universal", 2: "2 early help", 3: "3 child in need (S.17)", 4: "4 child protection (S.47)"}
URGENCIES = ("urgent", "complex_cin", "early_help")
TOOLS = SCREENING_TOOLS
OUTCOMES = get_args(Outcome)  # the decision form's MASH outcomes, in their order

# column -> expected kind ("str", "datetime", "level", "float", "list", "dict")
DECISION_COLUMNS: dict[str, str] = {
    "referral_id": "str",
    "screener": "str",
    "team": "str",
    "referrer_agency": "str",
    "received_at": "datetime",
    "due_at": "datetime",
    "decided_at": "datetime",
    "urgency": "str",
    "suggested_level": "level",
    "final_level": "level",
    "suggested_confidence": "float",
    "suggested_indicators": "list",
    "accepted": "list",
    "rejected": "list",
    "added": "list",
    "indicator_domains": "dict",
    "tools_suggested_missing": "list",
    "tools_required": "list",
    "tools_completed": "list",
    "outcome": "str",
}

REVIEW_COLUMNS: dict[str, str] = {
    "referral_id": "str",
    "screener": "str",
    "team": "str",
    "reviewer": "str",
    "first_level": "level",
    "second_level": "level",
    "first_tools": "list",
    "second_tools": "list",
    "first_outcome": "str",
    "second_outcome": "str",
    "first_indicators": "list",
    "second_indicators": "list",
    "decided_at": "datetime",
    "reviewed_at": "datetime",
}

_ALLOWED_VALUES = {"urgency": URGENCIES, "outcome": OUTCOMES, "first_outcome": OUTCOMES, "second_outcome": OUTCOMES}


def validate_decisions(df: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the decisions table; returns a copy with only the known columns."""
    return _validate(df, DECISION_COLUMNS, "decisions")


def validate_reviews(df: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the second-review table; returns a copy with only the known columns."""
    return _validate(df, REVIEW_COLUMNS, "reviews")


def empty_decisions() -> pd.DataFrame:
    return validate_decisions(pd.DataFrame({c: [] for c in DECISION_COLUMNS}))


def empty_reviews() -> pd.DataFrame:
    return validate_reviews(pd.DataFrame({c: [] for c in REVIEW_COLUMNS}))


def _validate(df: pd.DataFrame, spec: Mapping[str, str], name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in spec if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}; expected {', '.join(spec)}")
    # Keep only the known columns: anything else (narratives, names) is dropped here.
    out = df.loc[:, list(spec)].copy().reset_index(drop=True)
    for column, kind in spec.items():
        out[column] = _normalise(out[column], kind, f"{name}.{column}")
    for column, allowed in _ALLOWED_VALUES.items():
        if column in out.columns:
            bad = sorted(set(out[column]) - set(allowed))
            if bad:
                raise ValueError(f"{name}.{column}: unknown value(s) {bad}; allowed {list(allowed)}")
    return out


def _normalise(series: pd.Series, kind: str, label: str) -> pd.Series:
    if kind == "str":
        if series.isna().any():
            raise ValueError(f"{label}: missing values")
        return series.astype(str).astype(object)
    if kind == "datetime":
        try:
            values = pd.to_datetime(series, utc=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{label}: not datetimes ({exc})") from exc
        if values.isna().any():
            raise ValueError(f"{label}: missing datetimes")
        return values
    if kind == "level":
        numeric = pd.to_numeric(series, errors="coerce")
        if numeric.isna().any() or not numeric.isin(LEVELS).all():
            raise ValueError(f"{label}: levels must be integers 1-4")
        return numeric.astype("int64")
    if kind == "float":
        numeric = pd.to_numeric(series, errors="coerce")
        return numeric.astype("float64")
    if kind == "list":
        return series.map(lambda v: _as_list(v, label)).astype(object)
    if kind == "dict":
        return series.map(lambda v: _as_dict(v, label)).astype(object)
    raise AssertionError(kind)


def _as_list(value, label: str) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"{label}: expected a list of strings, got {type(value).__name__}")
    return [str(v) for v in value]


def _as_dict(value, label: str) -> dict[str, str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{label}: expected a dict of indicator id -> domain, got {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items()}
