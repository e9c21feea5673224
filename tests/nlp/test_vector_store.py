"""The vector store: each distinct text embedded once across runs, no text written."""

import hashlib

import numpy as np

from nlp.embeddings.catalogue_index import EXAMPLE_PREFIX, embed_exemplars
from nlp.embeddings.vector_store import VectorStore

DIMENSION = 8


class FakeEncoder:
    """Deterministic vectors from the text's hash; records every text it is asked to encode."""

    fingerprint = "fake0001"
    dimension = DIMENSION

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += list(texts)
        return np.stack([
            np.frombuffer(hashlib.sha256(t.encode()).digest()[:DIMENSION], np.uint8).astype(np.float32) for t in texts
        ])


def test_vector_store_embeds_each_distinct_text_once_across_runs(tmp_path):
    encoder = FakeEncoder()
    store = VectorStore(tmp_path / "v.npz", DIMENSION)
    first = store.vectors(["mum drinks", "dad left", "mum drinks"], encoder.encode)
    assert encoder.seen == ["mum drinks", "dad left"]  # the repeat is encoded once
    np.testing.assert_array_equal(first[0], first[2])

    again = VectorStore(tmp_path / "v.npz", DIMENSION).vectors(["dad left", "mum drinks", "baby bruised"], encoder.encode)
    assert encoder.seen == ["mum drinks", "dad left", "baby bruised"]  # only the new text
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[1], first[0])
    np.testing.assert_array_equal(again[2], encoder.encode(["baby bruised"])[0])


def test_vector_store_writes_digests_not_texts(tmp_path):
    path = tmp_path / "v.npz"
    VectorStore(path, DIMENSION).vectors(["Kayla has fourteen carious teeth"], FakeEncoder().encode)
    raw = path.read_bytes()
    assert b"Kayla" not in raw and b"carious" not in raw
    assert hashlib.sha256(b"Kayla has fourteen carious teeth").digest() in raw


def test_vector_store_ignores_a_damaged_or_foreign_file(tmp_path):
    path = tmp_path / "v.npz"
    path.write_bytes(b"not a numpy archive")
    encoder = FakeEncoder()
    vectors = VectorStore(path, DIMENSION).vectors(["dad left"], encoder.encode)
    assert encoder.seen == ["dad left"]
    np.testing.assert_array_equal(vectors[0], encoder.encode(["dad left"])[0])

    other_model = VectorStore(path, DIMENSION * 2)  # same file, wrong shape: rebuilt, not trusted
    wide = other_model.vectors(["dad left"], lambda texts: np.ones((len(texts), DIMENSION * 2), np.float32))
    assert wide.shape == (1, DIMENSION * 2) and wide.sum() == DIMENSION * 2


def test_vector_store_keeps_this_runs_texts_first_up_to_its_size(tmp_path):
    path = tmp_path / "v.npz"
    encoder = FakeEncoder()
    VectorStore(path, DIMENSION, max_rows=3).vectors(["a", "b", "c"], encoder.encode)
    VectorStore(path, DIMENSION, max_rows=3).vectors(["d", "c"], encoder.encode)  # "a" or "b" must go
    encoder.seen.clear()
    VectorStore(path, DIMENSION, max_rows=3).vectors(["d", "c"], encoder.encode)
    assert encoder.seen == []  # this run's texts were kept
    with np.load(path) as stored:
        assert len(stored["keys"]) == 3


def test_vector_store_leaves_the_file_alone_when_nothing_changed(tmp_path):
    path = tmp_path / "v.npz"
    VectorStore(path, DIMENSION).vectors(["a", "b"], FakeEncoder().encode)
    before = path.stat().st_mtime_ns
    VectorStore(path, DIMENSION).vectors(["b"], FakeEncoder().encode)
    assert path.stat().st_mtime_ns == before
    assert not list(tmp_path.glob("*.tmp*"))


def test_embed_exemplars_embeds_only_new_evidence_after_cases_are_added(tmp_path):
    encoder = FakeEncoder()
    rows = [("th.a", "mum drinks every day", 3), ("th.b", "dad hit him", 4)]
    first = embed_exemplars(rows, encoder, tmp_path)
    assert first.texts == (EXAMPLE_PREFIX + "mum drinks every day", EXAMPLE_PREFIX + "dad hit him")
    encoder.seen.clear()
    grown = embed_exemplars([*rows, ("th.c", "no food in the flat", 4)], encoder, tmp_path)
    assert encoder.seen == ["no food in the flat"]
    np.testing.assert_array_equal(grown.vectors[:2], first.vectors)
    assert grown.entry_ids == ("th.a", "th.b", "th.c") and grown.levels == (3, 4, 4)
    assert embed_exemplars([], encoder, tmp_path).vectors.shape == (0, DIMENSION)


def test_vector_store_saved_from_two_threads_at_once_stays_whole(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "v.npz"
    batches = [[f"text {worker} {i}" for i in range(2000)] for worker in range(2)]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda texts: VectorStore(path, DIMENSION).vectors(texts, FakeEncoder().encode), batches * 3))
    with np.load(path) as stored:  # one writer's whole file, readable
        assert stored["vectors"].shape == (len(stored["keys"]), DIMENSION) and len(stored["keys"]) >= 2000
    assert not list(tmp_path.glob("*.tmp*"))


def test_vector_store_that_cannot_be_written_still_gives_the_vectors(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    encoder = FakeEncoder()
    vectors = VectorStore(blocked / "v.npz", DIMENSION).vectors(["dad left"], encoder.encode)
    np.testing.assert_array_equal(vectors[0], encoder.encode(["dad left"])[0])
    assert "could not save vector store" in caplog.text
