"""Benchmark referrals of about 250 words, stitched deterministically from the repo's
annotated and example narratives (sentences reshuffled with a fixed seed)."""

from __future__ import annotations

import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((REPO / "annotations").glob("*.jsonl")), REPO / "examples" / "referrals.jsonl"]


def _sentences() -> list[str]:
    sentences = []
    for path in SOURCES:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"]
                sentences += [s.strip() + "." for s in text.replace("\n", " ").split(". ") if len(s.split()) >= 4]
    return sentences


def benchmark_referrals(count: int = 200, words: int = 250, seed: int = 20261124) -> list[str]:
    pool = _sentences()
    if not pool:
        raise RuntimeError("no narratives found to build benchmark referrals from")
    rng = random.Random(seed)
    referrals = []
    for _ in range(count):
        chosen, total = [], 0
        while total < words:
            sentence = rng.choice(pool)
            chosen.append(sentence)
            total += len(sentence.split())
        referrals.append(" ".join(chosen))
    return referrals
