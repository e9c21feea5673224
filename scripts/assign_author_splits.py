#!/usr/bin/env python3
"""Assign splits to a new author's cases as pre-registered in annotations/test_split_extension.md.

Usage: python scripts/assign_author_splits.py DRAFT.jsonl...  (writes annotations/<same name>)
Per author file and level: ids sorted, then shuffled with a seed of 20261205 and the file name;
the first half (rounded down) to test; of the rest, 20% (rounded) to dev, the others to train.
Run once, when the files first join the corpus: splits never move afterwards."""
import json, random, sys
from collections import defaultdict
from pathlib import Path
SEED = 20261205
for path in sys.argv[1:]:
    records = [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
    by_level = defaultdict(list)
    for r in records:
        by_level[int(r["level"])].append(r["id"])
    rng = random.Random(f"{SEED}-{Path(path).stem}")
    split = {}
    for level in sorted(by_level):
        ids = sorted(by_level[level]); rng.shuffle(ids)
        n_test = len(ids) // 2
        rest = ids[n_test:]
        n_dev = round(0.2 * len(rest))
        for k, i in enumerate(ids):
            split[i] = "test" if k < n_test else ("dev" if k < n_test + n_dev else "train")
    for r in records:
        r["split"] = split[r["id"]]
    out = Path(__file__).resolve().parents[1] / "annotations" / Path(path).name
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    from collections import Counter
    print(out.name, dict(Counter((r["split"], r["level"]) for r in records)))
