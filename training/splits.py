"""Fixed train/test splits, stratified by level, assigned once and written into the files.

Only cases whose split is "unassigned" (or missing) are assigned; existing train, dev
and test assignments never move, so adding cases cannot leak a test case into training.
The assignment is deterministic: seeded, over ids sorted within each level.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

TEST_SHARE = 0.3
SEED = 20261124


def assign_splits(records: list[dict], test_share: float = TEST_SHARE, seed: int = SEED) -> dict[str, str]:
    """Case id -> "train" | "test" for every unassigned case, stratified by level."""
    by_level: dict[int, list[str]] = defaultdict(list)
    for record in records:
        if record.get("split") in (None, "unassigned"):
            by_level[int(record["level"])].append(record["id"])
    rng = random.Random(seed)
    assignment = {}
    for level in sorted(by_level):
        ids = sorted(by_level[level])
        rng.shuffle(ids)
        n_test = round(len(ids) * test_share)
        for position, case_id in enumerate(ids):
            assignment[case_id] = "test" if position < n_test else "train"
    return assignment


def write_splits(paths: list[Path], test_share: float = TEST_SHARE, seed: int = SEED) -> dict[str, int]:
    records_by_path = {p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()] for p in paths}
    assignment = assign_splits([r for rs in records_by_path.values() for r in rs], test_share, seed)
    counts: dict[str, int] = defaultdict(int)
    for path, records in records_by_path.items():
        for record in records:
            record["split"] = assignment.get(record["id"], record.get("split"))
            counts[record["split"]] += 1
        temporary = path.with_suffix(".tmp")
        temporary.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        temporary.replace(path)
    return dict(counts)
