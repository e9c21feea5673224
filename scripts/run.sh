#!/usr/bin/env bash
# The main job on embedded defaults (bundled model, packaged catalogue): suggest for the
# example referrals, write one Suggestion per line, and show the first one explained.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p out
.venv/bin/threshold suggest --input examples/referrals.jsonl --output out/suggestions.jsonl
head -n 1 examples/referrals.jsonl | .venv/bin/python -c 'import json,sys; print(json.loads(sys.stdin.read())["text"])' \
  | .venv/bin/threshold suggest
