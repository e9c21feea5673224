"""The test split extension's splits are the ones its pre-registered rule gives
(annotations/test_split_extension.md): recomputed here from ids and levels alone."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXTENSION = [f"corpus_{a}" for a in ("aj", "ak", "al", "am", "an", "ao")]


def _script():
    spec = importlib.util.spec_from_file_location("assign_author_splits", REPO / "scripts" / "assign_author_splits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_extension_files_carry_exactly_the_pre_registered_splits():
    assign = _script()
    test_level4 = 0
    for stem in EXTENSION:
        records = [json.loads(line) for line in (REPO / "annotations" / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert assign.author_splits(records, stem) == {r["id"]: r["split"] for r in records}
        counts = Counter((r["split"], r["level"]) for r in records)
        for level in (1, 2, 3, 4):
            at_level = sum(n for (_, lv), n in counts.items() if lv == level)
            assert counts[("test", level)] == at_level // 2  # half, rounded down
        test_level4 += counts[("test", 4)]
    assert test_level4 == 36


def test_author_splits_are_half_test_then_a_fifth_of_the_rest_dev_and_depend_on_the_file():
    assign = _script()
    records = [{"id": f"case-zz-{i:03d}", "level": 1 + i % 4} for i in range(40)]
    first = assign.author_splits(records, "corpus_zz")
    assert first == assign.author_splits(list(reversed(records)), "corpus_zz")  # order of lines does not matter
    assert Counter(first.values()) == {"test": 20, "train": 16, "dev": 4}
    assert first != assign.author_splits(records, "corpus_zy")  # each author's own shuffle


def test_train_dev_only_sends_no_case_to_test_and_a_fifth_of_each_level_to_dev():
    assign = _script()
    records = [{"id": f"case-zz-{i:03d}", "level": level} for i, level in enumerate([1] * 5 + [2] * 4 + [3] * 5 + [4] * 6)]
    splits = assign.author_splits(records, "corpus_zz", test_share=0.0)
    assert "test" not in splits.values()
    dev_per_level = Counter(r["level"] for r in records if splits[r["id"]] == "dev")
    assert dev_per_level == {1: 1, 2: 1, 3: 1, 4: 1}  # round(0.2 * 5), round(0.8), round(1.0), round(1.2)
