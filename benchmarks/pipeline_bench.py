"""Pipeline latency and throughput against the floor: the embedding model alone.

Run: bash scripts/benchmark.sh   (or: .venv/bin/python -m benchmarks.pipeline_bench)

In one run, on the same referrals and the same sentences:
- single-referral latency of ThresholdAssist.suggest (median, p95) after warm-up;
- the encoder alone encoding each referral's sentences (median, p95): the floor, timed
  interleaved with the pipeline so both see the same machine state;
- batch throughput of suggest_many vs the encoder alone on all sentences in batches, in paired
  rounds (order alternating); the ratio is the median of the rounds' ratios.
Targets (issue 2): single p95 <= 200 ms; batch throughput >= 80% of the encoder's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.corpus import benchmark_referrals  # noqa: E402
from benchmarks.report import finish, verdicts  # noqa: E402



def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def round_ratios(floor_seconds: list[float], pipeline_seconds: list[float]) -> list[float]:
    """Each round's batch throughput of the pipeline as a share of the encoder's."""
    return [f / p for f, p in zip(floor_seconds, pipeline_seconds, strict=True)]


def paired_ratio(floor_seconds: list[float], pipeline_seconds: list[float]) -> float:
    """The median of the rounds' ratios. Pairing within a round cancels the machine's drift
    between rounds (on a shared 2-core machine one batch timing varied by 30%), and the median
    drops an outlier round."""
    return statistics.median(round_ratios(floor_seconds, pipeline_seconds))


def run(count: int, warmup: int, rounds: int = 3) -> dict:
    from nlp.components.embedding_matcher import sentence_span
    from nlp.pipeline import ThresholdAssist

    pipeline = ThresholdAssist.load()
    embeddings = pipeline.nlp.get_pipe("indicator_embeddings")
    encoder = embeddings.encoder
    referrals = benchmark_referrals(count)
    # The floor encodes exactly the sentences the pipeline encodes.
    splitter = pipeline.nlp.get_pipe("referral_sentencizer")
    sentences = [
        [s.text for s in map(sentence_span, splitter(pipeline.nlp.make_doc(text)).sents) if s is not None]
        for text in referrals
    ]
    for text, sents in zip(referrals[:warmup], sentences[:warmup]):
        pipeline.suggest(text)
        encoder.encode(sents)

    # Interleaved, so that both see the same machine state (frequency, caches, noise).
    single, floor_single = [], []
    for text, sents in zip(referrals, sentences):
        floor_single.append(_timed(encoder.encode, sents))
        single.append(_timed(pipeline.suggest, text))

    all_sentences = [s for sents in sentences for s in sents]
    def time_floor() -> float:
        return _timed(encoder.encode, all_sentences)

    def time_pipeline() -> float:
        return _timed(lambda: list(pipeline.suggest_many((t, str(i)) for i, t in enumerate(referrals))))

    floor_batches, batches = [], []
    for round_ in range(rounds):  # paired rounds, order alternating, so drift hits both sides alike
        if round_ % 2 == 0:
            floor_batches.append(time_floor())
            batches.append(time_pipeline())
        else:
            batches.append(time_pipeline())
            floor_batches.append(time_floor())
    floor_batch, batch = statistics.median(floor_batches), statistics.median(batches)
    naive_batch = _timed(lambda: encoder.model.encode(all_sentences, batch_size=32, normalize_embeddings=True))

    words = statistics.mean(len(t.split()) for t in referrals)
    result = {
        "referrals": count,
        "mean_words": round(words, 1),
        "mean_sentences": round(len(all_sentences) / count, 1),
        "single_ms": {"median": 1000 * statistics.median(single), "p95": 1000 * _percentile(single, 0.95)},
        "floor_single_ms": {"median": 1000 * statistics.median(floor_single), "p95": 1000 * _percentile(floor_single, 0.95)},
        "batch_referrals_per_s": count / batch,
        "floor_batch_referrals_per_s": count / floor_batch,
        "floor_sentences_per_s": len(all_sentences) / floor_batch,
        "naive_encoder_sentences_per_s": len(all_sentences) / naive_batch,
    }
    result["single_median_ratio_to_floor"] = result["single_ms"]["median"] / result["floor_single_ms"]["median"]
    result["batch_ratio_to_floor"] = paired_ratio(floor_batches, batches)
    result["batch_round_ratios"] = [round(r, 3) for r in round_ratios(floor_batches, batches)]
    result["targets"] = {
        "single_p95_le_200ms": result["single_ms"]["p95"] <= 200.0,
        "batch_ge_80pct_of_floor": result["batch_ratio_to_floor"] >= 0.8,
    }
    return result


def render(result: dict) -> str:
    s, f = result["single_ms"], result["floor_single_ms"]
    return "\n".join([
        f"{result['referrals']} referrals, mean {result['mean_words']} words / {result['mean_sentences']} sentences",
        f"single referral   pipeline median {s['median']:.1f} ms  p95 {s['p95']:.1f} ms",
        f"                  encoder  median {f['median']:.1f} ms  p95 {f['p95']:.1f} ms   (pipeline/encoder median x{result['single_median_ratio_to_floor']:.2f})",
        f"batch             pipeline {result['batch_referrals_per_s']:.1f} referrals/s   encoder {result['floor_batch_referrals_per_s']:.1f} referrals/s "
        f"({result['floor_sentences_per_s']:.0f} sentences/s)   ratio {result['batch_ratio_to_floor']:.2f} "
        f"(median of rounds: {', '.join(f'{r:.2f}' for r in result['batch_round_ratios'])})",
        f"                  (sentence-transformers encode, fixed batches of 32: {result['naive_encoder_sentences_per_s']:.0f} sentences/s)",
        "targets           " + verdicts(result["targets"]),
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="paired batch rounds (pipeline and encoder each)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    result = run(args.referrals, args.warmup, args.rounds)
    return finish(result, render(result), "latest.json", args.check)


if __name__ == "__main__":
    sys.exit(main())
