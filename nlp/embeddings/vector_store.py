"""Embedded texts kept between runs, one vector per distinct text, for one model.

Retraining after annotators add cases used to embed every evidence row of the train split
again (the cache was keyed by the whole split), about 15 s on this machine for ~6,400 rows.
The store keeps each text's vector under the SHA-256 of the text, so a run embeds only the
texts it has not seen. No text is written, only digests and vectors.

The file is written whole and atomically (a crash never leaves half a store), and a
damaged or unreadable file is treated as empty and rebuilt. The texts this run used are
kept first, then earlier ones up to `max_rows`, so rows of deleted cases fall away.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nlp.embeddings.atomic import write_atomically

logger = logging.getLogger(__name__)

DIGEST_BYTES = 32
DEFAULT_MAX_ROWS = 50_000  # ~77 MB of float32 vectors at 384 dimensions


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class VectorStore:
    """Vectors of texts embedded by one model (its fingerprint is in the file name)."""

    def __init__(self, path: Path, dimension: int, max_rows: int = DEFAULT_MAX_ROWS):
        self.path = Path(path)
        self.dimension = dimension
        self.max_rows = max_rows

    @classmethod
    def for_model(cls, cache_dir: Path, name: str, fingerprint: str, dimension: int, max_rows: int = DEFAULT_MAX_ROWS) -> VectorStore:
        return cls(Path(cache_dir) / f"{name}-vectors-{fingerprint}.npz", dimension, max_rows)

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        empty = (np.zeros((0, DIGEST_BYTES), np.uint8), np.zeros((0, self.dimension), np.float32))
        if not self.path.is_file():
            return empty
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
        except Exception as error:  # damaged or foreign: rebuilt, never trusted
            logger.warning("ignoring unreadable vector store %s (%s)", self.path.name, type(error).__name__)
            return empty
        if keys.ndim != 2 or keys.shape[1] != DIGEST_BYTES or vectors.shape != (len(keys), self.dimension):
            logger.warning("ignoring vector store %s of the wrong shape", self.path.name)
            return empty
        return keys.astype(np.uint8), vectors.astype(np.float32)

    def vectors(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """One vector per text, in order: stored ones looked up, the rest encoded (each distinct
        text once) and stored."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        keys, stored = self._load()
        position = {bytes(key): row for row, key in enumerate(keys)}
        wanted = [digest(text) for text in texts]
        missing = dict(pair for pair in zip(wanted, texts) if pair[0] not in position)  # digest -> text, each once
        if missing:
            logger.info("embedding %d of %d texts (not in the vector store)", len(missing), len(texts))
            fresh = np.asarray(encode(list(missing.values())), dtype=np.float32)
            position.update((key, len(keys) + i) for i, key in enumerate(missing))
            keys = np.concatenate([keys, np.frombuffer(b"".join(missing), np.uint8).reshape(-1, DIGEST_BYTES)])
            stored = np.concatenate([stored, fresh])
        rows = [position[key] for key in wanted]
        result = stored[rows]
        try:
            self._save(keys, stored, rows, changed=bool(missing))
        except OSError as error:  # a cache that cannot be written (read-only disk) costs time, not the answer
            logger.warning("could not save vector store %s (%s)", self.path.name, type(error).__name__)
        return result

    def _save(self, keys: np.ndarray, vectors: np.ndarray, used: list[int], changed: bool) -> None:
        used = list(dict.fromkeys(used))
        others = np.setdiff1d(np.arange(len(keys)), used, assume_unique=False)
        order = np.concatenate([np.asarray(used, dtype=int), others])[: self.max_rows]
        if not changed and len(order) == len(keys):
            return  # nothing new and nothing to drop: leave the file as it is
        write_atomically(self.path, lambda file: np.savez(file, keys=keys[order], vectors=vectors[order]))
