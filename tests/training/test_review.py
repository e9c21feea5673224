"""Blind second review: reading review lines and their agreement with the gold labels."""

import json
import os
import subprocess
from pathlib import Path

from training.annotations import AnnotatedCase
from training.review import ReviewLine, agreement, read_review

REPO = Path(__file__).resolve().parents[2]
TEXT = "Dad punched mum last night."


def _case(case_id, level, tools=(), immediate=False):
    return AnnotatedCase.model_validate({
        "id": case_id, "text": TEXT, "level": level, "indicators": [],
        "screening_tools": {"required": list(tools), "completed": []}, "immediate_risk": immediate,
        "split": "train", "provenance": "synthetic", "annotator": "tester",
    })


def _line(case_id, level, cse=False, cog=False, immediate=False, **extra):
    return {"id": case_id, "level": level, "cse_required": cse, "cog_required": cog, "immediate_risk": immediate, **extra}


def _write(tmp_path, records):
    path = tmp_path / "review.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_every_problem_is_reported_with_its_line(tmp_path):
    path = _write(tmp_path, [
        _line("a", 3),
        "{not json",
        _line("zzz", 2),
        _line("a", 2),
        _line("b", 5),
        _line("c", 3, immediate=True),
        _line("d", 1, colour="blue"),
    ])
    lines, problems = read_review(path, {"a", "b", "c", "d"})
    assert [line.id for line in lines] == ["a"]
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4", "5", "6", "7"]
    assert "not a case of the corpus" in problems[1] and "reviewed twice" in problems[2]
    assert "immediate_risk is true but the level is not 4" in problems[4]


def test_agreement_counts_levels_level_4_and_tools_both_ways():
    cases = [_case("a", 4, ["CSE"], True), _case("b", 4), _case("c", 3, ["COG"]), _case("d", 1), _case("e", 2)]
    reviews = [
        _line("a", 4, cse=True, immediate=True), _line("b", 3), _line("c", 4, cog=True), _line("d", 1), _line("e", 2, cse=True),
    ]
    report = agreement(cases, [ReviewLine.model_validate(r) for r in reviews])
    assert report["n"] == 5 and report["level_exact"] == 0.6 and report["level_within_one"] == 1.0
    assert report["level4_gold_found_by_second"] == 0.5  # b was called level 3 on review
    assert report["level4_second_found_in_gold"] == 0.5  # c was level 3 in gold
    assert report["tools"]["CSE"]["agreement"] == 0.8 and report["tools"]["COG"]["agreement"] == 1.0
    assert report["level_disagreements"] == [{"id": "b", "gold": 4, "second": 3}, {"id": "c", "gold": 3, "second": 4}]
    assert 0 < report["level_quadratic_weighted_kappa"] < 1


def test_the_command_reports_agreement_and_refuses_a_bad_review(tmp_path):
    lines = (REPO / "annotations" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    corpus = tmp_path / "cases.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    gold = [json.loads(line) for line in lines]
    review = _write(tmp_path, [
        _line(c["id"], c["level"], cse="CSE" in c["screening_tools"]["required"], cog="COG" in c["screening_tools"]["required"],
              immediate=c["immediate_risk"])
        for c in gold
    ])
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    threshold = str(REPO / ".venv" / "bin" / "threshold")
    done = subprocess.run([threshold, "annotations", "agreement", str(review), "--corpus", str(corpus)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-1500:]
    assert "4 case(s) reviewed blind" in done.stdout and "exact 1.000" in done.stdout
    assert gold[0]["text"][:30] not in done.stdout  # ids only, never narrative text
    bad = _write(tmp_path, [_line("no-such-case", 2)])
    refused = subprocess.run([threshold, "annotations", "agreement", str(bad), "--corpus", str(corpus)],
                             capture_output=True, text=True, env=env, timeout=300)
    assert refused.returncode == 1 and "not a case of the corpus" in refused.stderr


def test_the_committed_second_review_names_corpus_cases_only_and_reads_cleanly():
    from training.dataset import load_corpus

    cases = load_corpus(REPO / "annotations").cases
    for path in sorted((REPO / "annotations" / "second_review").glob("*.jsonl")):
        lines, problems = read_review(path, {c.id for c in cases})
        assert problems == [] and lines
        report = agreement(list(cases), lines)
        reviewed = {r.id for r in lines}
        assert report["n"] == len(lines)
        # review reasons describe their narratives: a test case's must not be in the repository
        assert sorted(c.id for c in cases if c.id in reviewed and c.split == "test") == []  # ids only in any failure
