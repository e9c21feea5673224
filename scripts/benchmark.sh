#!/usr/bin/env bash
# Benchmark the pipeline against the embedding model alone (benchmarks/pipeline_bench.py), or
# with --service the screener service against the pipeline alone (benchmarks/service_bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
if [ "${1:-}" = "--service" ]; then
  shift
  exec .venv/bin/python -m benchmarks.service_bench "$@"
fi
exec .venv/bin/python -m benchmarks.pipeline_bench "$@"
