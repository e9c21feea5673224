#!/usr/bin/env python3
"""Assign splits to a new author's cases as pre-registered in annotations/test_split_extension.md.

Usage: python scripts/assign_author_splits.py DRAFT.jsonl...  (writes annotations/<same name>)
Per author file and level: ids sorted, then shuffled with a seed of 20261205 and the file name;
the first half (rounded down) to test; of the rest, 20% (rounded) to dev, the others to train.
Run once, when the files first join the corpus: splits never move afterwards."""
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20261205
ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"


def author_splits(records: list[dict], file_stem: str) -> dict[str, str]:
    """Case id -> "test" | "dev" | "train" for one author's file."""
    by_level = defaultdict(list)
    for record in records:
        by_level[int(record["level"])].append(record["id"])
    rng = random.Random(f"{SEED}-{file_stem}")
    split = {}
    for level in sorted(by_level):
        ids = sorted(by_level[level])
        rng.shuffle(ids)
        n_test = len(ids) // 2
        n_dev = round(0.2 * (len(ids) - n_test))
        for position, case_id in enumerate(ids):
            split[case_id] = "test" if position < n_test else ("dev" if position < n_test + n_dev else "train")
    return split


def main(paths: list[str]) -> None:
    for path in map(Path, paths):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        split = author_splits(records, path.stem)
        for record in records:
            record["split"] = split[record["id"]]
        out = ANNOTATIONS / path.name
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        print(out.name, dict(Counter((r["split"], r["level"]) for r in records)))


if __name__ == "__main__":
    main(sys.argv[1:])
