"""Context of each candidate: negated, historical, hypothetical, other person, uncertain.

medspaCy's ConText (the `medspacy_context` pipe, configured with the safeguarding
rules in nlp/rules/context_rules.json) finds the trigger phrases, their scopes and
terminations, and flags keyword candidates. This pipe completes it for what ConText
cannot see by design:

- sentence-level (embedding) candidates span their whole sentence, so every trigger
  overlaps them and ConText leaves them alone; here a trigger counts when its scope
  covers most of the sentence's other words;
- an "other person" trigger ("her brother") does not count when the sentence also
  refers to the child ("... hit her"): the child is then the one harmed.

Flags live on spans, which spaCy keys by offsets: they describe a position in the
text, whichever entry the span was matched to. Entry-specific adjustments (an
indicator worded as an absence) are made in fusion.
"""

from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.extensions import CANDIDATES_GROUP, CONTEXT_CATEGORY_ATTRIBUTES, FLAG_BY_CATEGORY, candidate_match

# Words that refer to the child. Reflexives ("her friend cuts herself") are left out: they
# refer back to the subject, the other person.
_CHILD_REFERENCES = {"she", "he", "her", "him", "child", "yp", "cyp", "baby"}


@Language.factory("candidate_context", default_config={"coverage": 0.5})
class CandidateContext:
    def __init__(self, nlp: Language, name: str, *, coverage: float):
        """
        Args:
            coverage: share of a sentence's other words a trigger's scope must cover
                to qualify a sentence-level candidate.
        """
        self.name = name
        self.coverage = coverage

    def __call__(self, doc: Doc) -> Doc:
        graph = doc._.context_graph
        modifiers = [m for m in (graph.modifiers if graph is not None else []) if m.category in FLAG_BY_CATEGORY]
        done = set()
        for span in doc.spans.get(CANDIDATES_GROUP, []):
            if (span.start, span.end) in done:
                continue  # flags are per position; several entries may share one
            done.add((span.start, span.end))
            if candidate_match(span).source == "embedding":
                self._flag_sentence_candidate(span, modifiers)
            for category in ("OTHER_PERSON", "OTHER_RELATIVE"):
                if self._refers_to_child(span, category):
                    self._drop(span, category)
        return doc

    def _flag_sentence_candidate(self, span: Span, modifiers) -> None:
        trigger_tokens = {i for m in modifiers for i in range(*m.modifier_span)}
        content = [t.i for t in span if not (t.is_punct or t.is_space) and t.i not in trigger_tokens]
        if not content:
            return
        applied = list(span._.modifiers)
        for modifier in modifiers:
            start, end = modifier.modifier_span
            if not (span.start <= start and end <= span.end):
                continue
            scope_start, scope_end = modifier.scope_span
            covered = sum(1 for i in content if scope_start <= i < scope_end)
            # An awareness event or a screening-tool mention makes the whole sentence
            # generic, however short the trigger's reach; other triggers must cover most of it.
            needed = 1 if modifier.category == "NON_CONCERN" else self.coverage * len(content)
            if covered >= needed:
                applied.append(modifier)
                for attribute, value in CONTEXT_CATEGORY_ATTRIBUTES[modifier.category].items():
                    setattr(span._, attribute, value)
        span._.modifiers = tuple(applied)

    def _refers_to_child(self, span: Span, category: str) -> bool:
        """Does the child appear inside an other-person trigger's scope ("her brother hit her")?

        A reference inside the candidate itself counts too: a keyword phrase such as
        "touched her private" or a whole sentence matched by embedding."""
        doc = span.doc
        for modifier in span._.modifiers:
            if modifier.category != category:
                continue
            trigger_start, trigger_end = modifier.modifier_span
            scope_start, scope_end = modifier.scope_span
            for token in doc[max(scope_start, trigger_end) : scope_end]:
                if token.lower_ in _CHILD_REFERENCES:
                    return True
        return False

    @staticmethod
    def _drop(span: Span, category: str) -> None:
        for attribute in CONTEXT_CATEGORY_ATTRIBUTES[category]:
            setattr(span._, attribute, False)
        span._.modifiers = tuple(m for m in span._.modifiers if m.category != category)
