"""Keyword rules: the catalogue's patterns (and lexicon abbreviations) as a PhraseMatcher on stems.

An entry's `exclude` phrases rule out that entry in their sentence: this component drops its
own hits there and records the sentences (`doc._.excluded_entries`) for the similarity matcher.

Each hit becomes a candidate span labelled with the catalogue id in the
`indicator_candidates` span group, for context to weigh and fusion to explain.
"""

from collections import defaultdict

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from nlp.catalogue import Catalogue
from nlp.components.extensions import CANDIDATES_GROUP, CandidateMatch, add_candidate

RULE_SCORE = 0.9  # a literal keyword hit: strong, but below a rule+embedding agreement


def expand_abbreviations(phrase: str, abbreviations: dict[str, list[str]]) -> set[str]:
    """A phrase plus variants with each known expansion replaced by its abbreviation."""
    variants = {phrase}
    lower = phrase.lower()
    for abbreviation, expansions in abbreviations.items():
        for expansion in expansions:
            if expansion in lower:
                variants.add(lower.replace(expansion, abbreviation))
    return variants


@Language.factory(
    "indicator_keywords",
    assigns=["doc.spans"],
    default_config={"overwrite": True},
)
class IndicatorKeywordMatcher:
    def __init__(self, nlp: Language, name: str, *, overwrite: bool):
        """
        Args:
            overwrite: start each Doc with an empty candidate group (True) or add to it.
        """
        self.nlp = nlp
        self.name = name
        self.overwrite = overwrite
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.excluder = PhraseMatcher(nlp.vocab, attr="NORM")
        self.phrases: dict[str, str] = {}  # match key -> phrase as written in the rules
        self.capitals_only: set[str] = set()  # abbreviations that count only in capitals

    def _pattern_doc(self, phrase: str) -> Doc:
        doc = self.nlp.make_doc(phrase)
        normaliser = self.nlp.get_pipe("stem_normaliser")
        return normaliser(doc)

    def add_catalogue(self, catalogue: Catalogue, abbreviations: dict[str, list[str]], capitals_only=()) -> None:
        """Load every entry's patterns (with abbreviation variants) and exclusions.
        `capitals_only`: abbreviations that are something else in lower case ("3cm lac": a
        laceration, not a looked-after child); they match only when written in capitals."""
        self.capitals_only |= {a.lower() for a in capitals_only}
        for entry in catalogue:
            for phrase in entry.hints.patterns:
                for variant in expand_abbreviations(phrase, abbreviations):
                    key = f"{entry.id}|{variant}"
                    self.phrases[key] = variant
                    self.matcher.add(key, [self._pattern_doc(variant)])
            if entry.hints.exclude:
                self.excluder.add(entry.id, [self._pattern_doc(p) for p in entry.hints.exclude])

    def __call__(self, doc: Doc) -> Doc:
        excluded: dict[int, set[str]] = defaultdict(set)  # sentence start -> entries ruled out there
        for match_id, start, _end in self.excluder(doc):
            excluded[doc[start].sent.start].add(self.nlp.vocab.strings[match_id])
        doc._.excluded_entries = dict(excluded)  # the similarity matcher honours them too

        spans = [] if self.overwrite or CANDIDATES_GROUP not in doc.spans else list(doc.spans[CANDIDATES_GROUP])
        if self.overwrite:
            doc._.candidate_matches = {}
        seen = set()
        for match_id, start, end in self.matcher(doc):
            key = self.nlp.vocab.strings[match_id]
            entry_id = key.split("|", 1)[0]
            if entry_id in excluded.get(doc[start].sent.start, ()):
                continue
            if (entry_id, start, end) in seen or self._in_lower_case(doc[start:end]):
                continue
            seen.add((entry_id, start, end))
            span = Span(doc, start, end, label=entry_id)
            add_candidate(doc, span, CandidateMatch("rule", RULE_SCORE, self.phrases[key]))
            spans.append(span)
        doc.spans[CANDIDATES_GROUP] = spans
        return doc

    def _in_lower_case(self, span: Span) -> bool:
        return any(t.lower_ in self.capitals_only and not t.text.isupper() for t in span)
