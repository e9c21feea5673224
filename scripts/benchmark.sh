#!/usr/bin/env bash
# Benchmark the pipeline against the embedding model alone (see benchmarks/pipeline_bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m benchmarks.pipeline_bench "$@"
