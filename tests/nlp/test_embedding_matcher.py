"""indicator_embeddings: paraphrases found by similarity; catalogue vectors cached; batching."""

import shutil

import numpy as np
import pytest
import yaml

from nlp.catalogue import load_catalogue
from nlp.components.embedding_matcher import sentence_span
from nlp.components.extensions import CANDIDATES_GROUP, candidate_match
from nlp.embeddings.catalogue_index import build_catalogue_index

CSE_PARAPHRASE = "Men in cars have been collecting her from the school gates and giving her alcohol and mobile phones."


class CountingEncoder:
    """Wraps the real encoder and counts the texts it is asked to encode."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.fingerprint = encoder.fingerprint
        self.dimension = encoder.dimension
        self.calls = 0
        self.texts = 0

    def encode(self, sentences):
        self.calls += 1
        self.texts += len(sentences)
        return self.encoder.encode(sentences)


@pytest.fixture
def encoder(mini_pipeline):
    return mini_pipeline.nlp.get_pipe("indicator_embeddings").encoder


def candidates(doc):
    return sorted(
        (span.label_, span.start_char, span.end_char, candidate_match(span).source, candidate_match(span).score)
        for span in doc.spans[CANDIDATES_GROUP]
    )


def test_embedding_matcher_finds_paraphrase_without_keyword(mini_pipeline):
    suggestion = mini_pipeline.suggest(CSE_PARAPHRASE)
    (cse,) = [i for i in suggestion.indicators if i.id == "th.social.l4.cse"]
    assert cse.matched_by == ["embedding"]
    assert cse.affirmed
    assert cse.score >= 0.55
    assert cse.evidence[0].text == CSE_PARAPHRASE.rstrip(".")
    assert suggestion.level == 4


def test_embedding_matcher_threshold_keeps_unrelated_sentences_out(mini_pipeline):
    doc = mini_pipeline.nlp("The weather was sunny and the bus was on time.")
    assert [c for c in candidates(doc) if c[3] == "embedding"] == []


def test_embedding_matcher_sets_one_vector_per_sentence(mini_pipeline):
    doc = mini_pipeline.nlp("Mum is drinking every day.\n- ok\nDad left in March and has not been seen since.")
    vectors = doc._.sentence_embeddings
    assert vectors.shape == (2, 384)  # "- ok" is too short to embed
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_embedding_matcher_sentence_span_strips_bullets_and_final_stop(mini_pipeline):
    doc = mini_pipeline.nlp.make_doc("• Mum is drinking every day.")
    doc = mini_pipeline.nlp.get_pipe("referral_sentencizer")(doc)
    (sent,) = doc.sents
    assert sentence_span(sent).text == "Mum is drinking every day"


def test_embedding_matcher_catalogue_index_is_cached(mini_catalogue, encoder, tmp_path):
    counting = CountingEncoder(encoder)
    first = build_catalogue_index(mini_catalogue, counting, tmp_path)
    assert counting.calls == 1
    rows = sum(1 + len(entry.hints.paraphrases) for entry in mini_catalogue)
    assert counting.texts == rows == first.vectors.shape[0]
    (cache_file,) = tmp_path.glob("*.npy")
    assert mini_catalogue.content_hash[:16] in cache_file.name
    assert encoder.fingerprint in cache_file.name

    second = build_catalogue_index(mini_catalogue, counting, tmp_path)
    assert counting.calls == 1  # loaded from the .npy file, no encoding
    np.testing.assert_array_equal(second.vectors, first.vectors)
    assert second.row_entry == first.row_entry
    assert second.row_text == first.row_text


def test_embedding_matcher_cache_with_wrong_shape_is_rebuilt(mini_catalogue, encoder, tmp_path):
    counting = CountingEncoder(encoder)
    index = build_catalogue_index(mini_catalogue, counting, tmp_path)
    (cache_file,) = tmp_path.glob("*.npy")
    np.save(cache_file, np.zeros((3, 384), dtype=np.float32))
    rebuilt = build_catalogue_index(mini_catalogue, counting, tmp_path)
    assert counting.calls == 2
    np.testing.assert_allclose(rebuilt.vectors, index.vectors, atol=1e-5)


def test_embedding_matcher_cache_key_changes_with_catalogue_content(mini_catalogue_dir, encoder, tmp_path):
    catalogue_dir = tmp_path / "catalogue"
    shutil.copytree(mini_catalogue_dir, catalogue_dir)
    cache_dir = tmp_path / "cache"
    counting = CountingEncoder(encoder)
    original = load_catalogue(catalogue_dir)
    build_catalogue_index(original, counting, cache_dir)

    path = catalogue_dir / "mini.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["entries"][0]["hints"]["paraphrases"].append("Dad threw a plate at mum while the baby was in the room")
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    edited = load_catalogue(catalogue_dir)
    index = build_catalogue_index(edited, counting, cache_dir)

    assert edited.content_hash != original.content_hash
    assert counting.calls == 2  # the old vectors were not reused
    assert len(list(cache_dir.glob("*.npy"))) == 2
    assert index.vectors.shape[0] == counting.texts - sum(1 + len(e.hints.paraphrases) for e in original)
    assert index.row_text[1 + len(original.entries[0].hints.paraphrases)] == (
        "Dad threw a plate at mum while the baby was in the room"
    )


def test_embedding_matcher_pipe_matches_single_calls(mini_pipeline):
    texts = [
        CSE_PARAPHRASE,
        "He is running drugs for older boys and was found carrying a knife.\nMum says she cannot cope.",
        "Her attendance this term is 82% with lots of odd days off.",
        "The weather was sunny.",
        "Mum has missed the last three dental appointments. Police were called after dad assaulted mum.",
    ]
    single = [candidates(mini_pipeline.nlp(text)) for text in texts]
    batched = [candidates(doc) for doc in mini_pipeline.nlp.pipe(texts, batch_size=2)]
    assert [[c[:4] for c in doc] for doc in batched] == [[c[:4] for c in doc] for doc in single]
    for doc_single, doc_batched in zip(single, batched):
        for a, b in zip(doc_single, doc_batched):
            assert a[4] == pytest.approx(b[4], abs=1e-4)
    assert any(c[3] == "embedding" for doc in single for c in doc)


def test_embedding_matcher_suggest_many_matches_suggest(mini_pipeline):
    texts = [CSE_PARAPHRASE, "Her attendance this term is 82% with lots of odd days off.", "No concerns."]
    many = list(mini_pipeline.suggest_many((text, f"case-{n}") for n, text in enumerate(texts)))
    assert [s.id for s in many] == ["case-0", "case-1", "case-2"]
    for text, batched in zip(texts, many):
        single = mini_pipeline.suggest(text)
        assert [i.id for i in batched.indicators] == [i.id for i in single.indicators]
        assert batched.level == single.level


def test_a_remembering_encoder_encodes_each_sentence_once_and_forgets_on_leaving(encoder):
    from nlp.embeddings.encoder import SentenceEncoder

    class CountingModel:
        def __init__(self, model):
            self.model, self.texts = model, []
            self.max_seq_length = model.max_seq_length

        def encode(self, texts, **options):
            self.texts += texts
            return self.model.encode(texts, **options)

        def get_embedding_dimension(self):
            return self.model.get_embedding_dimension()

    counting = CountingModel(encoder.model)
    remembering = SentenceEncoder(counting, encoder.fingerprint)
    sentences = ["Dad hit mum last night.", "The baby has a bruise.", "Dad hit mum last night."]
    plain = remembering.encode(sentences)
    assert len(counting.texts) == 3
    counting.texts.clear()
    with remembering.remembering():
        first = remembering.encode(sentences)
        again = remembering.encode(["The baby has a bruise.", "A new sentence."])
    assert counting.texts == ["Dad hit mum last night.", "The baby has a bruise.", "A new sentence."]
    assert np.allclose(first, plain, atol=1e-5) and np.array_equal(again[0], first[1])
    assert remembering.memory is None
