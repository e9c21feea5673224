"""benchmarks.training_bench: training timed against the encoder floor, on a small real corpus."""

import json

import pytest

from benchmarks.training_bench import main, verdict, what_training_encodes


def test_target_is_missed_when_training_is_slow_or_fails():
    assert verdict(179.0, 120.0, 0)["targets"] == {"training_under_180s": True}
    assert verdict(181.0, 120.0, 0)["targets"] == {"training_under_180s": False}
    assert verdict(30.0, 120.0, 1)["targets"] == {"training_under_180s": False}  # a failed run is never fast
    assert verdict(180.0, 120.0, 0)["training_over_floor"] == pytest.approx(1.5)


@pytest.fixture(scope="module")
def small_annotations(tmp_path_factory):
    """Two cases per level and split of the real corpus, in one annotations file."""
    from training.settings import REPO
    from training.dataset import load_corpus

    corpus = load_corpus(REPO / "annotations")
    picked = []
    for split in ("train", "dev", "test"):
        cases = sorted(corpus.split(split), key=lambda c: (c.level, c.id))
        for level in (1, 2, 3, 4):
            picked += [c for c in cases if c.level == level][:2]
    folder = tmp_path_factory.mktemp("annotations")
    (folder / "small.jsonl").write_text("".join(c.model_dump_json() + "\n" for c in picked), encoding="utf-8")
    return folder, picked


def test_the_floor_is_what_training_encodes(small_annotations):
    folder, picked = small_annotations
    warm = what_training_encodes(folder, "warm")
    set_up = what_training_encodes(folder, "set-up")
    cold = what_training_encodes(folder, "empty")
    assert set(warm) == {"narrative sentences"}
    assert set(set_up) == {"narrative sentences", "evidence examples"}  # the catalogue index is built at set-up
    assert set(cold) == {"narrative sentences", "evidence examples", "catalogue rows"}
    assert len(warm["narrative sentences"]) >= len(picked)
    evidence = {" ".join(e.text.split()) for c in picked if c.split == "train" for i in c.indicators if i.affirmed for e in i.evidence}
    assert set(cold["evidence examples"]) <= evidence and cold["evidence examples"]
    assert not set(cold["evidence examples"]) & set(cold["narrative sentences"])  # training encodes such a text once
    assert len(cold["catalogue rows"]) > 600  # every entry's guidance text at least


def test_benchmark_times_a_real_training_run_and_shows_no_test_figure(small_annotations, capsys, monkeypatch, tmp_path):
    import benchmarks.report as report

    monkeypatch.setattr(report, "RESULTS", tmp_path)  # the suite must not overwrite a real run's result
    folder, _ = small_annotations
    assert main(["--annotations", str(folder), "--warm", "--check"]) == 0
    shown = capsys.readouterr().out
    assert "training_under_180s: PASS" in shown
    assert "kappa" not in shown.lower() and "recall" not in shown.lower()
    result = json.loads((tmp_path / "training_latest.json").read_text())
    assert result["exit_code"] == 0 and result["cache"] == "warm"
    assert 0 < result["floor_s"] < result["training_s"]


def test_the_set_up_cache_holds_the_catalogue_index_the_pipeline_would_build(tmp_path, monkeypatch):
    from nlp.catalogue import load_catalogue
    from nlp.embeddings import catalogue_index
    from benchmarks.training_bench import build_catalogue_index_in

    build_catalogue_index_in(tmp_path)
    (cached,) = tmp_path.glob("catalogue-*.npy")
    assert load_catalogue().content_hash[:16] in cached.name
    encoded = []
    monkeypatch.setattr(catalogue_index.SentenceEncoder, "encode", lambda self, texts: encoded.append(texts))
    from benchmarks.training_bench import _encoder

    catalogue_index.build_catalogue_index(load_catalogue(), _encoder(), tmp_path)  # as the pipeline loads it
    assert encoded == []  # found in the cache: nothing left to embed


def test_the_benchmark_loads_the_sentence_model_once_for_the_floor_and_the_set_up_cache(tmp_path, monkeypatch):
    from nlp.embeddings import model
    from benchmarks import training_bench

    loads = []
    real = model.load_sentence_model
    monkeypatch.setattr(model, "load_sentence_model", lambda *a, **k: loads.append(1) or real(*a, **k))
    training_bench._encoder.cache_clear()
    training_bench.build_catalogue_index_in(tmp_path)
    training_bench.time_floor({"narrative sentences": ["One sentence."]})
    assert loads == [1]
