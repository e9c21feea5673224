"""A Suggestion as a person reads it in a terminal."""

from __future__ import annotations

from nlp.suggestion import Suggestion

_FLAG_NAMES = ("negated", "historical", "hypothetical", "other_person", "uncertain", "non_concern")


def render_suggestion(suggestion: Suggestion) -> str:
    lines = []
    if suggestion.immediate_risk.flag:
        lines += [f"!! IMMEDIATE RISK: {suggestion.immediate_risk.reason}", ""]
    probabilities = ", ".join(f"L{k} {v:.0%}" for k, v in suggestion.level_probabilities.items())
    lines += [f"Suggested level: {suggestion.level}  ({probabilities})", suggestion.level_explanation, ""]
    for tool in suggestion.screening_tools:
        lines.append(f"Screening tool {tool.tool}: {tool.status.upper()} - {tool.reason}")
    if suggestion.screening_tools:
        lines.append("")
    counted = [i for i in suggestion.indicators if i.affirmed]
    shown = [i for i in suggestion.indicators if not i.affirmed]
    lines.append(f"Indicators counted ({len(counted)}):")
    for indicator in counted:
        lines += _indicator_lines(indicator)
    if shown:
        lines.append(f"Mentions shown but not counted ({len(shown)}):")
        for indicator in shown:
            lines += _indicator_lines(indicator)
    lines.append("")
    lines.append(f"model {suggestion.model_version}, catalogue {suggestion.catalogue_version}. "
                 "This is a suggestion: the screener decides.")
    return "\n".join(lines)


def _indicator_lines(indicator) -> list[str]:
    flags = [name.replace("_", " ") for name in _FLAG_NAMES if getattr(indicator.context, name)]
    evidence = "; ".join(f'"{e.text[:80]}" [{e.start}:{e.end}]' for e in indicator.evidence[:3])
    return [
        f"  - L{indicator.level} {indicator.domain}: {indicator.guidance_text}",
        f"      id {indicator.id}, score {indicator.score:.2f}" + (f", context: {', '.join(flags)}" if flags else ""),
        f"      evidence: {evidence}",
        f"      why: {indicator.explanation}",
    ]
