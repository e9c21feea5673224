"""Fuse rule and embedding candidates into one explained suggestion per catalogue entry."""

from __future__ import annotations

from collections import defaultdict

from spacy.tokens import Doc, Span

from nlp.catalogue import Catalogue, CatalogueEntry
from nlp.components.extensions import CANDIDATES_GROUP, CONTEXT_FLAGS, FLAG_BY_CATEGORY, candidate_match
from nlp.suggestion import ContextFlags, Evidence, IndicatorSuggestion

# A mention with any of these flags is shown to the screener but not counted.
NOT_COUNTED = ("negated", "historical", "hypothetical", "other_person", "non_concern")
AGREEMENT_BONUS = 0.05  # rule and embedding both point at the entry
_NEGATION_WORDS = {"no", "not", "without", "lack", "never", "non", "nor", "unable", "absence", "none"}


def is_absence_worded(entry: CatalogueEntry) -> bool:
    """Indicators worded as an absence ("No parental support for education", "Not
    immunised") are not negated by the "no" that expresses them in a similar sentence.
    (Keyword hits need no exemption: a trigger inside the matched phrase never applies.)"""
    opening = {w.strip(".,;:()'’").lower() for w in entry.text.split()[:3]}
    return bool(_NEGATION_WORDS & opening)


def candidate_flags(span: Span, absence_worded: bool = False) -> dict[str, bool]:
    """Context flags of a candidate. A sibling's or cousin's problem counts as about someone
    else for every indicator, family-level ones included (DESIGN.md principle 3: "her older
    brother is in a gang" is shown, not counted, and calls for no screening tool)."""
    exempt = absence_worded and candidate_match(span).source == "embedding"
    return {
        "negated": span._.is_negated and not exempt,
        "historical": span._.is_historical,
        "hypothetical": span._.is_hypothetical,
        "other_person": span._.is_other_person or span._.is_other_relative,
        "uncertain": span._.is_uncertain,
        "non_concern": span._.is_non_concern,
    }


def candidate_triggers(span: Span) -> list[str]:
    doc = span.doc
    return [
        f"{FLAG_BY_CATEGORY[m.category]}: {doc[m.modifier_span[0]:m.modifier_span[1]].text}"
        for m in span._.modifiers
        if m.category in FLAG_BY_CATEGORY
    ]


def is_counted(flags: dict[str, bool]) -> bool:
    return not any(flags[name] for name in NOT_COUNTED)


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _explain(entry: CatalogueEntry, spans: list[Span], score: float, affirmed: bool, flags: dict[str, bool]) -> str:
    matches = [candidate_match(s) for s in spans]
    rules = sorted({m.detail for m in matches if m.source == "rule"})
    similar = max((m for m in matches if m.source == "embedding"), key=lambda m: m.score, default=None)
    how = []
    if rules:
        how.append("keyword rule " + ", ".join(f'"{r}"' for r in rules[:3]))
    if similar is not None:
        how.append(f'similarity {similar.score:.2f} to "{_clip(similar.detail)}"')
    weighed = [name.replace("_", " ") for name in CONTEXT_FLAGS if flags[name]]
    if affirmed:
        status = "counted as a current concern" + (f" (noted: {', '.join(weighed)})" if weighed else "")
    else:
        status = "shown but not counted (" + ", ".join(weighed) + ")"
    return f"Level-{entry.level} indicator ({entry.domain}) matched by " + " and ".join(how) + f", score {score:.2f}; {status}."


def inherit_keyword_flags(spans: list[Span], span_flags: list[dict[str, bool]]) -> list[dict[str, bool]]:
    """A sentence-level similarity match to an entry whose keyword also matched inside that
    sentence is about the keyword's mention: when every such mention is set aside (a CP plan
    that "closed in 2015", "no bruising"), so is the sentence. ConText scopes often reach the
    keyword but not most of a long sentence, which alone would leave the sentence counted."""
    keyword_mentions = [(s, f) for s, f in zip(spans, span_flags) if candidate_match(s).source == "rule"]
    inherited = []
    for span, flags in zip(spans, span_flags):
        if candidate_match(span).source == "embedding":
            inside = [f for s, f in keyword_mentions if span.start <= s.start and s.end <= span.end]
            if inside and not any(is_counted(f) for f in inside):
                flags = {name: flags[name] or any(f[name] for f in inside) for name in flags}
        inherited.append(flags)
    return inherited


def _suggestion(entry: CatalogueEntry, spans: list[Span]) -> IndicatorSuggestion:
    absence = is_absence_worded(entry)
    span_flags = inherit_keyword_flags(spans, [candidate_flags(s, absence) for s in spans])
    counted = [s for s, f in zip(spans, span_flags) if is_counted(f)]
    affirmed = bool(counted)
    shown_flags = [f for f in span_flags if is_counted(f)] if affirmed else span_flags
    shown = counted if affirmed else spans
    flags = {name: any(f[name] for f in shown_flags) for name in CONTEXT_FLAGS}
    sources = sorted({candidate_match(s).source for s in spans})
    score = max(candidate_match(s).score for s in shown)
    if len(sources) == 2:
        score = min(1.0, score + AGREEMENT_BONUS)
    evidence = sorted({(s.start_char, s.end_char, s.text) for s in shown})
    triggers = sorted(
        {t for s in shown for t in candidate_triggers(s) if flags["negated"] or not t.startswith("negated:")}
    )
    return IndicatorSuggestion(
        id=entry.id,
        level=entry.level,
        domain=entry.domain,
        subdomain=entry.subdomain,
        framework=entry.framework,
        themes=list(entry.themes),
        screening_tools=list(entry.screening_tools),
        guidance_text=entry.text,
        score=round(score, 4),
        evidence=[Evidence(start=a, end=b, text=t) for a, b, t in evidence],
        context=ContextFlags(**flags, triggers=triggers),
        affirmed=affirmed,
        matched_by=sources,
        explanation=_explain(entry, shown, score, affirmed, flags),
    )


def fuse_candidates(doc: Doc, catalogue: Catalogue) -> list[IndicatorSuggestion]:
    grouped: dict[str, list[Span]] = defaultdict(list)
    for span in doc.spans.get(CANDIDATES_GROUP, []):
        grouped[span.label_].append(span)
    suggestions = [_suggestion(catalogue.get(entry_id), spans) for entry_id, spans in grouped.items()]
    suggestions.sort(key=lambda s: (not s.affirmed, -s.level, -s.score, s.id))
    return suggestions
