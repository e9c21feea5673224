#!/usr/bin/env python3
"""Assign splits to a new author's cases as pre-registered in annotations/test_split_extension.md.

Usage: python scripts/assign_author_splits.py [--train-dev-only] DRAFT.jsonl...  (writes annotations/<same name>)
Per author file and level: ids sorted, then shuffled with a seed of 20261205 and the file name;
the first half (rounded down) to test; of the rest, 20% (rounded) to dev, the others to train.
With --train-dev-only no case goes to test (the test split stays as it is): 20% to dev, the
rest to train.
Run once, when the files first join the corpus: splits never move afterwards."""
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20261205
ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"


def author_splits(records: list[dict], file_stem: str, test_share: float = 0.5) -> dict[str, str]:
    """Case id -> "test" | "dev" | "train" for one author's file; test_share 0.5 (half, rounded
    down) or 0 (--train-dev-only)."""
    by_level = defaultdict(list)
    for record in records:
        by_level[int(record["level"])].append(record["id"])
    rng = random.Random(f"{SEED}-{file_stem}")
    split = {}
    for level in sorted(by_level):
        ids = sorted(by_level[level])
        rng.shuffle(ids)
        n_test = int(len(ids) * test_share)
        n_dev = round(0.2 * (len(ids) - n_test))
        for position, case_id in enumerate(ids):
            split[case_id] = "test" if position < n_test else ("dev" if position < n_test + n_dev else "train")
    return split


def main(arguments: list[str]) -> None:
    test_share = 0.0 if "--train-dev-only" in arguments else 0.5
    for path in (Path(a) for a in arguments if a != "--train-dev-only"):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        split = author_splits(records, path.stem, test_share)
        for record in records:
            record["split"] = split[record["id"]]
        out = ANNOTATIONS / path.name
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        print(out.name, dict(Counter((r["split"], r["level"]) for r in records)))


if __name__ == "__main__":
    main(sys.argv[1:])
