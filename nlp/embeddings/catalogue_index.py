"""Catalogue embeddings: each entry's guidance text and paraphrases, embedded once and cached.

The cache file is keyed by the catalogue content hash and the model fingerprint, so
editing the catalogue or changing the model can never reuse stale vectors.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.catalogue import Catalogue
from nlp.embeddings.atomic import write_atomically
from nlp.embeddings.encoder import SentenceEncoder
from nlp.embeddings.vector_store import VectorStore

logger = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    override = os.environ.get("THRESHOLD_CACHE_DIR")
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "threshold-assist"


@dataclass(frozen=True)
class CatalogueIndex:
    """Rows of embedded guidance text; `row_entry[i]` is the entry id of row i."""

    vectors: np.ndarray
    row_entry: tuple[str, ...]
    row_text: tuple[str, ...]
    row_level: tuple[int, ...]


def catalogue_rows(catalogue: Catalogue) -> tuple[list[str], list[str], list[int]]:
    """(entry ids, texts, levels) of the index's rows: each entry's guidance text, then its paraphrases."""
    entry_ids, texts, levels = [], [], []
    for entry in catalogue:
        for text in (entry.text, *entry.hints.paraphrases):
            entry_ids.append(entry.id)
            texts.append(text)
            levels.append(entry.level)
    return entry_ids, texts, levels


def build_catalogue_index(
    catalogue: Catalogue, encoder: SentenceEncoder, cache_dir: Path | None = None
) -> CatalogueIndex:
    entry_ids, texts, levels = catalogue_rows(catalogue)
    cache_dir = default_cache_dir() if cache_dir is None else cache_dir
    cache_file = cache_dir / f"catalogue-{catalogue.content_hash[:16]}-{encoder.fingerprint}.npy"
    vectors = None
    if cache_file.is_file():
        cached = np.load(cache_file)
        if cached.shape == (len(texts), encoder.dimension):
            vectors = cached
    if vectors is None:
        logger.info("embedding %d catalogue rows (cache miss)", len(texts))
        vectors = encoder.encode(texts)
        write_atomically(cache_file, lambda file: np.save(file, vectors))  # a crash never leaves half a cache
    return CatalogueIndex(vectors, tuple(entry_ids), tuple(texts), tuple(levels))


@dataclass(frozen=True)
class Exemplars:
    """Annotated evidence from the train split, embedded: the learned memory of how
    referrers actually word each indicator (rows are added to the catalogue index)."""

    entry_ids: tuple[str, ...]
    texts: tuple[str, ...]
    levels: tuple[int, ...]
    vectors: np.ndarray

    def subset(self, keep: list[int]) -> Exemplars:
        return Exemplars(
            tuple(self.entry_ids[i] for i in keep),
            tuple(self.texts[i] for i in keep),
            tuple(self.levels[i] for i in keep),
            self.vectors[keep],
        )


EXAMPLE_PREFIX = "annotated example: "


def embed_exemplars(rows: list[tuple[str, str, int]], encoder: SentenceEncoder, cache_dir: Path | None = None) -> Exemplars:
    """(entry id, evidence text, entry level) rows, embedded once per distinct text: the vector
    store keeps them between runs, so adding cases embeds only their evidence."""
    store = VectorStore.for_model(default_cache_dir() if cache_dir is None else cache_dir, "exemplars", encoder.fingerprint, encoder.dimension)
    vectors = store.vectors([text for _, text, _ in rows], encoder.encode)
    return Exemplars(
        tuple(r[0] for r in rows), tuple(EXAMPLE_PREFIX + r[1] for r in rows), tuple(r[2] for r in rows), vectors
    )


def with_exemplars(index: CatalogueIndex, exemplars: Exemplars) -> CatalogueIndex:
    return CatalogueIndex(
        np.concatenate([index.vectors, exemplars.vectors]).astype(np.float32),
        index.row_entry + exemplars.entry_ids,
        index.row_text + exemplars.texts,
        index.row_level + exemplars.levels,
    )
