"""Embedding matcher: each sentence of a referral against the cached catalogue embeddings.

Sentences are encoded once per Doc (batched across Docs in `pipe`); similarity to the
catalogue's guidance text and paraphrases is a dot product of normalised vectors,
searched with sentence-transformers' `semantic_search`.
"""

from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np
import torch
from sentence_transformers import util
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.components.extensions import CANDIDATES_GROUP, CandidateMatch, add_candidate
from nlp.embeddings.catalogue_index import CatalogueIndex, Exemplars, with_exemplars
from nlp.embeddings.encoder import SentenceEncoder

_TRAILING_PUNCT = {".", ",", ";", ":", "!", "?", "-", "...", "…"}
_EDGE_TOKENS = {"-", "*", "•", "·", "–", "—", ">", "\uf0b7"}


def sentence_span(sent: Span) -> Span | None:
    """The sentence without bullets, whitespace or edge punctuation; None if too short to embed."""
    start, end = sent.start, sent.end
    doc = sent.doc
    while start < end and (doc[start].is_space or doc[start].text in _EDGE_TOKENS or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_space or doc[end - 1].text in _TRAILING_PUNCT):
        end -= 1
    if sum(1 for t in doc[start:end] if t.is_alpha) < 2:
        return None
    return doc[start:end]


@Language.factory(
    "indicator_embeddings",
    assigns=["doc.spans", "doc._.sentence_embeddings"],
    default_config={"threshold": 0.55, "top_k": 3, "batch_size": 32, "level_1_margin": 0.0, "level_thresholds": {}},
)
class IndicatorEmbeddingMatcher:
    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        threshold: float,
        top_k: int,
        batch_size: int,
        level_1_margin: float,
        level_thresholds: dict[str, float],
    ):
        """
        Args:
            threshold: minimum cosine similarity for a sentence to suggest an entry.
            top_k: at most this many entries suggested per sentence.
            batch_size: Docs whose sentences are encoded together in `pipe`.
            level_1_margin: a concern may trail the sentence's best level-1 row by this much.
            level_thresholds: per-level minimum similarity ("1".."4"), overriding `threshold`;
                lower for level 4 so that paraphrased child-protection concerns are not missed.
        """
        self.name = name
        self.threshold = threshold
        self.level_1_margin = level_1_margin
        self.level_thresholds = {int(k): float(v) for k, v in level_thresholds.items()}
        self.top_k = top_k
        self.batch_size = batch_size
        self.encoder: SentenceEncoder | None = None
        self.catalogue_index: CatalogueIndex | None = None  # the guidance rows alone
        self.index: CatalogueIndex | None = None  # what is searched: guidance (+ examples)
        self._corpus: torch.Tensor | None = None

    @property
    def minimum(self) -> float:
        return min([self.threshold, *self.level_thresholds.values()])

    def set_index(self, encoder: SentenceEncoder, index: CatalogueIndex) -> None:
        self.encoder = encoder
        self.catalogue_index = index
        self._search(index)

    def use_exemplars(self, exemplars: Exemplars | None) -> None:
        """Search the catalogue plus these annotated examples (None: the catalogue alone)."""
        index = self.catalogue_index
        self._search(index if exemplars is None else with_exemplars(index, exemplars))

    def _search(self, index: CatalogueIndex) -> None:
        self.index = index
        self._corpus = torch.from_numpy(index.vectors)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self._process([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        stream = iter(stream)
        size = batch_size or self.batch_size
        while batch := list(islice(stream, size)):
            yield from self._process(batch)

    def _process(self, docs: list[Doc]) -> list[Doc]:
        if self.encoder is None or self.index is None:
            raise RuntimeError("indicator_embeddings has no index: call set_index() first")
        spans_per_doc = [[s for s in map(sentence_span, doc.sents) if s is not None] for doc in docs]
        texts = [span.text for spans in spans_per_doc for span in spans]
        vectors = self.encoder.encode(texts)
        offset = 0
        for doc, spans in zip(docs, spans_per_doc):
            doc_vectors = vectors[offset : offset + len(spans)]
            offset += len(spans)
            doc._.sentence_embeddings = doc_vectors
            self._add_candidates(doc, spans, doc_vectors)
        return docs

    def _add_candidates(self, doc: Doc, spans: list[Span], vectors: np.ndarray) -> None:
        candidates = list(doc.spans[CANDIDATES_GROUP]) if CANDIDATES_GROUP in doc.spans else []
        if len(spans):
            hits_per_sentence = util.semantic_search(
                torch.from_numpy(vectors), self._corpus, top_k=self.top_k * 6, score_function=util.dot_score
            )
            for span, hits in zip(spans, hits_per_sentence):
                candidates.extend(self._best_entries(span, hits))
        doc.spans[CANDIDATES_GROUP] = candidates

    def _best_entries(self, span: Span, hits: list[dict]) -> list[Span]:
        # A sentence closer to a "needs met" (level-1) descriptor than to a concern is
        # not evidence of that concern: concerns must beat the best level-1 row.
        best_level_1 = max(
            (h["score"] for h in hits if self.index.row_level[h["corpus_id"]] == 1), default=-1.0
        )
        # An entry's exclusion phrase in this sentence ("FGM awareness", "mum has had FGM") rules the
        # entry out here for similarity as for keywords (set by indicator_keywords, which runs first).
        excluded = (span.doc._.excluded_entries or {}).get(span.sent.start, set())
        chosen: dict[str, Span] = {}
        for hit in hits:  # already sorted by score, best first
            if hit["score"] < self.minimum or len(chosen) >= self.top_k:
                break
            entry_id = self.index.row_entry[hit["corpus_id"]]
            level = self.index.row_level[hit["corpus_id"]]
            if hit["score"] < self.level_thresholds.get(level, self.threshold):
                continue
            if entry_id in excluded or entry_id in chosen or (level > 1 and hit["score"] <= best_level_1 - self.level_1_margin):
                continue
            candidate = Span(span.doc, span.start, span.end, label=entry_id)
            add_candidate(
                span.doc, candidate, CandidateMatch("embedding", float(hit["score"]), self.index.row_text[hit["corpus_id"]])
            )
            chosen[entry_id] = candidate
        return list(chosen.values())
