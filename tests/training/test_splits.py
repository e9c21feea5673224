import json

from training.splits import assign_splits, write_splits


def _records(n_per_level=10, split="unassigned"):
    return [{"id": f"c-{level}-{i:02d}", "level": level, "split": split} for level in (1, 2, 3, 4) for i in range(n_per_level)]


def test_splits_are_stratified_by_level_and_deterministic():
    records = _records()
    first = assign_splits(records, test_share=0.3, seed=7)
    assert first == assign_splits(records, test_share=0.3, seed=7)
    for level in (1, 2, 3, 4):
        chosen = [first[r["id"]] for r in records if r["level"] == level]
        assert chosen.count("test") == 3 and chosen.count("train") == 7


def test_splits_never_move_existing_assignments(tmp_path):
    fixed = [{"id": "old-test", "level": 4, "split": "test"}, {"id": "old-dev", "level": 2, "split": "dev"}]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in fixed + _records(5)))
    write_splits([path], test_share=0.4, seed=1)
    written = {r["id"]: r["split"] for r in map(json.loads, path.read_text().splitlines())}
    assert written["old-test"] == "test" and written["old-dev"] == "dev"
    assert "unassigned" not in written.values()
    assert sum(v == "test" for k, v in written.items() if k.startswith("c-")) == 8
