"""Hand-built pipeline output for unit tests of the parts that read it."""

from __future__ import annotations

from nlp.suggestion import ContextFlags, Evidence, IndicatorSuggestion


def make_indicator(
    entry_id: str,
    level: int,
    *,
    affirmed: bool = True,
    themes=("neglect",),
    start: int = 0,
    score: float = 0.9,
    flag: str | None = None,
    framework: str = "tower_hamlets_indicators",
    matched_by=("rule",),
) -> IndicatorSuggestion:
    """An indicator suggestion with one five-character evidence span at `start`;
    `flag` names a context flag to set (e.g. "negated")."""
    return IndicatorSuggestion(
        id=entry_id,
        level=level,
        domain="Test",
        framework=framework,
        themes=list(themes),
        guidance_text=f"Guidance for {entry_id}",
        score=score,
        evidence=[Evidence(start=start, end=start + 5, text="xxxxx")],
        context=ContextFlags(**({flag: True} if flag else {})),
        affirmed=affirmed,
        matched_by=list(matched_by),
        explanation="test",
    )
