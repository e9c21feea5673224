"""Every custom attribute the pipeline sets, registered in one place, once."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

CANDIDATES_GROUP = "indicator_candidates"

# Context flags a candidate can carry; the ConText categories that set them are
# mapped in nlp/rules/context_rules.json via CONTEXT_CATEGORY_ATTRIBUTES below.
CONTEXT_FLAGS = ("negated", "historical", "hypothetical", "other_person", "uncertain", "non_concern")

CONTEXT_CATEGORY_ATTRIBUTES: dict[str, dict[str, bool]] = {
    "NEGATED_EXISTENCE": {"is_negated": True},
    "HISTORICAL": {"is_historical": True},
    "HYPOTHETICAL": {"is_hypothetical": True},
    "OTHER_PERSON": {"is_other_person": True},
    "OTHER_RELATIVE": {"is_other_relative": True},  # a sibling or cousin: family, not a parent
    "UNCERTAIN": {"is_uncertain": True},
    "NON_CONCERN": {"is_non_concern": True},
}

FLAG_BY_CATEGORY = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "OTHER_PERSON": "other_person",
    "OTHER_RELATIVE": "other_person",
    "UNCERTAIN": "uncertain",
    "NON_CONCERN": "non_concern",
}


@dataclass(frozen=True)
class CandidateMatch:
    """How a candidate span was found. Kept per (start, end, entry id) on the Doc, because
    spaCy keys Span extension values by offsets alone and many entries share a sentence."""

    source: str  # "rule" or "embedding"
    score: float
    detail: str  # the keyword phrase, or the guidance/paraphrase row matched


def add_candidate(doc: Doc, span: Span, match: CandidateMatch) -> None:
    if doc._.candidate_matches is None:
        doc._.candidate_matches = {}
    doc._.candidate_matches[(span.start, span.end, span.label_)] = match


def candidate_match(span: Span) -> CandidateMatch:
    return span.doc._.candidate_matches[(span.start, span.end, span.label_)]


def set_extensions() -> None:
    """Register the Span and Doc extensions (idempotent)."""
    for attributes in CONTEXT_CATEGORY_ATTRIBUTES.values():
        for name in attributes:
            if not Span.has_extension(name):
                Span.set_extension(name, default=False)
    if not Doc.has_extension("candidate_matches"):
        Doc.set_extension("candidate_matches", default=None)
    if not Doc.has_extension("excluded_entries"):
        Doc.set_extension("excluded_entries", default=None)  # sentence start -> entry ids excluded there
    if not Doc.has_extension("sentence_embeddings"):
        Doc.set_extension("sentence_embeddings", default=None)
