"""The immediate-risk flag: affirmed indicators that call for action now, with the reason."""

from __future__ import annotations

from dataclasses import dataclass

from nlp.suggestion import ImmediateRisk, IndicatorSuggestion


@dataclass(frozen=True)
class RiskRules:
    themes: frozenset[str]
    entries: dict[str, str]  # catalogue id -> reason shown to the screener

    @classmethod
    def from_dict(cls, data: dict) -> RiskRules:
        return cls(frozenset(data.get("themes") or ()), dict(data.get("entries") or {}))


def immediate_risk(indicators: list[IndicatorSuggestion], rules: RiskRules) -> ImmediateRisk:
    urgent = [i for i in indicators if i.affirmed and (i.id in rules.entries or rules.themes & set(i.themes))]
    if not urgent:
        return ImmediateRisk(flag=False)
    reasons = []
    for indicator in urgent:
        reason = rules.entries.get(indicator.id) or indicator.guidance_text
        if reason not in reasons:
            reasons.append(reason)
    evidence = sorted({e for i in urgent for e in i.evidence}, key=lambda e: e.start)
    return ImmediateRisk(
        flag=True,
        reason="Refer to MASH immediately (999 in an emergency): " + "; ".join(reasons[:3]) + ".",
        evidence=evidence,
    )
