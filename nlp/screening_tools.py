"""Which screening tools the affirmed concerns call for, and which the referral says are done."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from nlp.suggestion import Evidence, IndicatorSuggestion, ScreeningToolSuggestion


@dataclass(frozen=True)
class ToolRule:
    tool: str
    name: str
    trigger_themes: frozenset[str]
    mention: re.Pattern


@dataclass(frozen=True)
class ToolRules:
    tools: tuple[ToolRule, ...]
    completed: re.Pattern
    pending: re.Pattern

    @classmethod
    def from_dict(cls, data: dict) -> ToolRules:
        tools = tuple(
            ToolRule(
                tool=key,
                name=spec["name"],
                trigger_themes=frozenset(spec.get("trigger_themes", ())),
                mention=re.compile(spec["mention"], re.IGNORECASE),
            )
            for key, spec in data["tools"].items()
        )
        return cls(tools, re.compile(data["completed"], re.IGNORECASE), re.compile(data["pending"], re.IGNORECASE))


def _completion_evidence(doc: Doc, rule: ToolRule, rules: ToolRules) -> Evidence | None:
    for sent in doc.sents:
        text = sent.text
        mention = rule.mention.search(text)
        if mention and rules.completed.search(text) and not rules.pending.search(text):
            start = sent.start_char + mention.start()
            return Evidence(start=start, end=sent.start_char + mention.end(), text=doc.text[start : sent.start_char + mention.end()])
    return None


def _calls_for(indicator: IndicatorSuggestion, rule: ToolRule) -> bool:
    return indicator.affirmed and (rule.tool in indicator.screening_tools or bool(rule.trigger_themes & set(indicator.themes)))


def screening_tool_suggestions(
    doc: Doc, indicators: list[IndicatorSuggestion], rules: ToolRules
) -> list[ScreeningToolSuggestion]:
    suggestions = []
    for rule in rules.tools:
        triggers = [i for i in indicators if _calls_for(i, rule)]
        done = _completion_evidence(doc, rule, rules)
        if done is not None:
            reason = f"The referral says the {rule.name} has already been completed."
            suggestions.append(ScreeningToolSuggestion(tool=rule.tool, status="completed", reason=reason, evidence=[done]))
        elif triggers:
            named = ", ".join(f'"{i.guidance_text[:60]}"' for i in triggers[:3])
            reason = (
                f"Affirmed concerns call for the {rule.name} (Tower Hamlets guidance) and the referral "
                f"does not say it was completed: {named}."
            )
            evidence = sorted({e for i in triggers for e in i.evidence}, key=lambda e: e.start)
            suggestions.append(ScreeningToolSuggestion(tool=rule.tool, status="missing", reason=reason, evidence=evidence))
    return suggestions


def add_learned_tools(
    tools: list[ScreeningToolSuggestion], learned: dict[str, float], model_version: str
) -> list[ScreeningToolSuggestion]:
    """Add the tools a trained trigger calls for that the guidance's triggers did not flag
    (missing: a tool the referral says is done is already listed as completed)."""
    listed = {t.tool for t in tools}
    added = [
        ScreeningToolSuggestion(
            tool=tool,
            status="missing",
            reason=(
                f"The trained model {model_version} finds this referral like annotated cases that needed the "
                f"{tool} screening tool (probability {probability:.0%}), although no affirmed indicator calls for it: "
                "check the narrative for signs the indicators missed."
            ),
            evidence=[],
        )
        for tool, probability in sorted(learned.items())
        if tool not in listed
    ]
    return list(tools) + added
