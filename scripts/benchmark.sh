#!/usr/bin/env bash
# Benchmark the pipeline against the embedding model alone (benchmarks/pipeline_bench.py),
# with --service the screener service against the pipeline alone (benchmarks/service_bench.py), or
# with --training `threshold train` from an empty cache against the encoder alone (benchmarks/training_bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
if [ "${1:-}" = "--service" ]; then
  shift
  exec .venv/bin/python -m benchmarks.service_bench "$@"
fi
if [ "${1:-}" = "--training" ]; then
  shift
  exec .venv/bin/python -m benchmarks.training_bench "$@"
fi
exec .venv/bin/python -m benchmarks.pipeline_bench "$@"
