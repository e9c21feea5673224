"""Training time against its floor: `threshold train` on the whole corpus, from an empty cache.

Run: bash scripts/benchmark.sh --training   (or: .venv/bin/python -m benchmarks.training_bench)

In one run:
- the floor: the sentence encoder alone encoding what training must encode: every narrative's
  sentences (train, dev and test), unless the cache is warm the train split's evidence examples,
  and from an empty cache the catalogue's rows;
- `threshold train` on the same annotations as a subprocess, timed from start to exit, into a
  temporary MLflow store and a THRESHOLD_CACHE_DIR that is, by --cache:
  - empty (the default): nothing embedded yet, not even the catalogue;
  - set-up: holding the catalogue index only, as on a machine where any command has loaded the
    pipeline (the README's first command does, and so does every `suggest`, `evaluate` or
    `serve`): the index depends on the catalogue and the model, not on the annotations, so it
    is built before the clock starts; the evidence examples are still embedded;
  - warm: the user's own cache, as it is (--warm).
  The store is deleted
  afterwards and the run's output is not shown: a look at the test split's figures is a decision
  of its own (annotations/test_split_extension.md), not a side effect of timing.
Target (issue 3, item 9): training on the whole corpus in under 3 minutes on the 2-core machine.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.report import finish, verdicts  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 180.0


CACHES = ("empty", "set-up", "warm")


def what_training_encodes(annotations: Path, cache: str) -> dict[str, list[str]]:
    """The texts a training run sends to the encoder with this cache, by kind (distinct texts,
    as it encodes them)."""
    from nlp.components.embedding_matcher import sentence_span
    from nlp.embeddings.catalogue_index import catalogue_rows
    from nlp.pipeline import ThresholdAssist
    from training.dataset import load_corpus
    from training.train import CatalogueFacts, exemplar_rows

    rules_only = ThresholdAssist.load(embeddings=False, champion=False)
    corpus = load_corpus(annotations, {entry.id for entry in rules_only.catalogue})
    sentences = []
    for doc in rules_only.nlp.pipe(case.text for case in corpus.cases):
        sentences += [span.text for span in map(sentence_span, doc.sents) if span is not None]
    texts = {"narrative sentences": list(dict.fromkeys(sentences))}
    if cache in ("empty", "set-up"):
        facts = CatalogueFacts([], {entry.id: entry.level for entry in rules_only.catalogue})
        rows, _ = exemplar_rows(corpus.split("train"), facts)
        # one encoder memory spans training's analysis: an example that is a whole sentence is encoded once
        known = set(texts["narrative sentences"])
        texts["evidence examples"] = [text for text in dict.fromkeys(text for _, text, _ in rows) if text not in known]
    if cache == "empty":
        texts["catalogue rows"] = catalogue_rows(rules_only.catalogue)[1]
    return texts


@functools.lru_cache(maxsize=1)
def _encoder():
    """The pipeline's encoder, loaded once: the floor and the set-up cache both use it."""
    from nlp.embeddings.encoder import SentenceEncoder
    from nlp.embeddings.model import load_sentence_model

    model, fingerprint = load_sentence_model(None)
    return SentenceEncoder(model, fingerprint)


def build_catalogue_index_in(cache_dir: Path) -> None:
    """The catalogue index as set-up leaves it (the pipeline builds the same on first load)."""
    from nlp.catalogue import load_catalogue
    from nlp.embeddings.catalogue_index import build_catalogue_index

    build_catalogue_index(load_catalogue(), _encoder(), cache_dir)


def time_floor(texts: dict[str, list[str]]) -> float:
    """Seconds for the pipeline's encoder alone to encode every text, kind by kind."""
    encoder = _encoder()
    encoder.encode(["warm-up sentence for the encoder"])
    start = time.perf_counter()
    for kind in texts.values():
        encoder.encode(kind)
    return time.perf_counter() - start


def time_training(annotations: Path, cache: str) -> tuple[float, int]:
    """Wall-clock seconds and exit code of `threshold train` into a temporary store."""
    with tempfile.TemporaryDirectory(prefix="threshold-training-bench-") as scratch:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "MLFLOW_TRACKING_URI": f"sqlite:///{scratch}/mlflow.db",
            "THRESHOLD_ARTIFACT_ROOT": f"{scratch}/artifacts",
        }
        if cache != "warm":
            env["THRESHOLD_CACHE_DIR"] = f"{scratch}/cache"
        if cache == "set-up":
            build_catalogue_index_in(Path(scratch) / "cache")  # before the clock starts
        command = [sys.executable, "-m", "nlp.cli.main", "train", "--annotations", str(annotations)]
        start = time.perf_counter()
        finished = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start, finished.returncode


def verdict(training_seconds: float, floor_seconds: float, exit_code: int, target: float = TARGET_SECONDS) -> dict:
    return {
        "training_s": round(training_seconds, 1),
        "floor_s": round(floor_seconds, 1),
        "training_over_floor": round(training_seconds / floor_seconds, 2) if floor_seconds > 0 else None,
        "exit_code": exit_code,
        "targets": {f"training_under_{target:.0f}s": exit_code == 0 and training_seconds < target},
    }


def run(annotations: Path, cache: str = "empty") -> dict:
    texts = what_training_encodes(annotations, cache)
    floor = time_floor(texts)
    training, exit_code = time_training(annotations, cache)
    return {
        "annotations": str(annotations),
        "cache": cache,
        "encoded": {kind: len(items) for kind, items in texts.items()},
        **verdict(training, floor, exit_code),
    }


def render(result: dict) -> str:
    minutes, seconds = divmod(result["training_s"], 60)
    encoded = ", ".join(f"{count} {kind}" for kind, count in result["encoded"].items())
    failed = "" if result["exit_code"] == 0 else f"   (threshold train exited {result['exit_code']})"
    return "\n".join([
        f"threshold train on {result['annotations']}, {result['cache']} cache",
        f"training        {result['training_s']:.1f} s ({minutes:.0f} min {seconds:.1f} s){failed}",
        f"encoder floor   {result['floor_s']:.1f} s  ({encoded})",
        f"ratio           training / floor x{result['training_over_floor']:.2f}",
        "targets         " + verdicts(result["targets"]),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotations", type=Path, default=REPO / "annotations")
    parser.add_argument("--cache", choices=CACHES, default="empty", help="what THRESHOLD_CACHE_DIR holds when the clock starts")
    parser.add_argument("--warm", action="store_true", help="the same as --cache warm: keep the user's cache")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)
    result = run(args.annotations.resolve(), "warm" if args.warm else args.cache)
    return finish(result, render(result), "training_latest.json", args.check)


if __name__ == "__main__":
    sys.exit(main())
