"""Service latency against its floor: the pipeline alone, in the same run.

Run: bash scripts/benchmark.sh --service   (or: .venv/bin/python -m benchmarks.service_bench)

The real app under uvicorn on a temporary SQLite file, over HTTP with keep-alive:
- each referral is submitted (POST /api/v1/referrals: validation, pipeline, transaction with
  its audit event, the stored suggestion read back) interleaved with ThresholdAssist.suggest
  on the same text, so both see the same machine state; the difference is the service's cost;
- then a steady open-loop rate (requests sent on a fixed schedule, whatever the answers do)
  to show p95 stays bounded under load.
Targets: median overhead over the pipeline <= 40 ms; p95 at the steady rate <= 500 ms.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.corpus import benchmark_referrals  # noqa: E402
from benchmarks.pipeline_bench import _percentile  # noqa: E402
from benchmarks.report import finish, verdicts  # noqa: E402

PASSWORD = "benchmark-passphrase-1"
FORM = {"referrer_agency": "education", "referrer_role": "DSL", "child_age_years": 9, "early_help_assessment": False,
        "screening_tools_attached": [], "referrer_worry": 3, "consent": "given"}


def _serve(pipeline, database: Path):
    import uvicorn

    from service.app import create_app
    from service.settings import ServiceSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = ServiceSettings(database_url=f"sqlite:///{database}", threshold_admin_password=PASSWORD)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, pipeline=pipeline), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def run(count: int, rate: float, seconds: float) -> dict:
    import httpx

    from nlp.pipeline import ThresholdAssist

    pipeline = ThresholdAssist.load(champion=False)
    referrals = benchmark_referrals(count)
    with tempfile.TemporaryDirectory() as folder:
        server, base = _serve(pipeline, Path(folder) / "bench.db")
        client = httpx.Client(base_url=base, timeout=30)
        admin = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
        client.post("/api/v1/users", json={"username": "bench", "password": PASSWORD, "roles": ["screener"]},
                    headers={"Authorization": f"Bearer {admin}"}).raise_for_status()
        token = client.post("/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def submit(text: str) -> float:
            start = time.perf_counter()
            client.post("/api/v1/referrals", json={"narrative": text, "form": FORM}, headers=headers).raise_for_status()
            return time.perf_counter() - start

        for text in referrals[:5]:  # warm-up
            submit(text)
            pipeline.suggest(text)
        service, floor = [], []
        for text in referrals:
            start = time.perf_counter()
            pipeline.suggest(text)
            floor.append(time.perf_counter() - start)
            service.append(submit(text))

        # Open loop: a request every 1/rate seconds, answered by a pool of clients.
        steady: list[float] = []
        total = int(rate * seconds)
        began = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            futures = []
            for index in range(total):
                delay = began + index / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(submit, referrals[index % len(referrals)]))
            steady = [f.result() for f in futures]
        elapsed = time.perf_counter() - began
        server.should_exit = True
    result = {
        "referrals": count,
        "service_ms": {"median": 1000 * statistics.median(service), "p95": 1000 * _percentile(service, 0.95)},
        "pipeline_ms": {"median": 1000 * statistics.median(floor), "p95": 1000 * _percentile(floor, 0.95)},
        "steady": {"rate_per_s": rate, "requests": total, "achieved_per_s": total / elapsed,
                   "median_ms": 1000 * statistics.median(steady), "p95_ms": 1000 * _percentile(steady, 0.95)},
    }
    result["median_overhead_ms"] = result["service_ms"]["median"] - result["pipeline_ms"]["median"]
    result["median_ratio_to_pipeline"] = result["service_ms"]["median"] / result["pipeline_ms"]["median"]
    result["targets"] = {
        "overhead_median_le_40ms": result["median_overhead_ms"] <= 40.0,
        "steady_p95_le_500ms": result["steady"]["p95_ms"] <= 500.0,
    }
    return result


def render(result: dict) -> str:
    s, p, st = result["service_ms"], result["pipeline_ms"], result["steady"]
    return "\n".join([
        f"{result['referrals']} referrals submitted one at a time over HTTP, interleaved with the pipeline alone",
        f"POST /api/v1/referrals  median {s['median']:.1f} ms  p95 {s['p95']:.1f} ms",
        f"pipeline alone          median {p['median']:.1f} ms  p95 {p['p95']:.1f} ms   "
        f"(service/pipeline median x{result['median_ratio_to_pipeline']:.2f}, overhead {result['median_overhead_ms']:.1f} ms)",
        f"steady {st['rate_per_s']:.1f} req/s for {st['requests']} requests (achieved {st['achieved_per_s']:.2f}/s): "
        f"median {st['median_ms']:.1f} ms  p95 {st['p95_ms']:.1f} ms",
        "targets                 " + verdicts(result["targets"]),
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=60)
    parser.add_argument("--rate", type=float, default=3.0, help="requests per second in the steady phase")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    result = run(args.referrals, args.rate, args.seconds)
    return finish(result, render(result), "service_latest.json", args.check)


if __name__ == "__main__":
    sys.exit(main())
