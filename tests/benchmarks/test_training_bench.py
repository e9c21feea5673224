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
    warm = what_training_encodes(folder, cold=False)
    cold = what_training_encodes(folder, cold=True)
    assert set(warm) == {"narrative sentences"}
    assert set(cold) == {"narrative sentences", "evidence examples", "catalogue rows"}
    assert len(warm["narrative sentences"]) >= len(picked)
    evidence = {" ".join(e.text.split()) for c in picked if c.split == "train" for i in c.indicators if i.affirmed for e in i.evidence}
    assert set(cold["evidence examples"]) <= evidence and cold["evidence examples"]
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
