"""Encode sentences with the verified model; normalised so a dot product is a cosine.

Sentences are sorted by length and grouped so that each batch holds at most a budget of
padded tokens. Measured here (2 cores, ~250-word referrals of ~14 sentences): fixed
batches of 32 pad every sentence to the longest and gave p95 ~245 ms per referral;
a 256-token budget gives ~130 ms, and 512 gives the best bulk throughput (~230
sentences/s against ~180). The vectors are the model's own, batch make-up aside.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

SMALL_INPUT_SENTENCES = 64  # below this (one referral), use the small token budget


@dataclass
class SentenceEncoder:
    model: SentenceTransformer
    fingerprint: str
    small_budget: int = 256  # padded tokens per batch for a single referral
    bulk_budget: int = 512  # padded tokens per batch for many referrals
    memory: dict[str, np.ndarray] | None = field(default=None, repr=False)  # see remembering()

    @contextmanager
    def remembering(self):
        """Within the block, each distinct sentence is encoded once: training analyses the
        same dev and test narratives twice (with its examples, then as the guidance-rules
        baseline). The memory holds narrative text, so it is dropped on leaving."""
        self.memory = {}
        try:
            yield self
        finally:
            self.memory = None

    def encode(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.memory is None:
            return self._encode(sentences)
        missing = list(dict.fromkeys(s for s in sentences if s not in self.memory))
        if missing:
            self.memory.update(zip(missing, self._encode(missing)))
        return np.stack([self.memory[s] for s in sentences])

    def _encode(self, sentences: list[str]) -> np.ndarray:
        budget = self.small_budget if len(sentences) < SMALL_INPUT_SENTENCES else self.bulk_budget
        vectors = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        for batch in self._batches(sentences, budget):
            vectors[batch] = self.model.encode(
                [sentences[i] for i in batch],
                batch_size=len(batch),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors

    def _batches(self, sentences: list[str], budget: int) -> list[list[int]]:
        """Indices grouped longest first, each group's padded size within the budget."""
        # Word pieces estimated from characters (about 4 per piece in English): close enough
        # to group sentences, without tokenising everything twice.
        limit = self.model.max_seq_length
        lengths = [min(limit, len(sentence) // 4 + 3) for sentence in sentences]
        order = sorted(range(len(sentences)), key=lambda i: -lengths[i])
        batches, current = [], []
        for index in order:
            if current and (len(current) + 1) * lengths[current[0]] > budget:
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
        return batches

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())
