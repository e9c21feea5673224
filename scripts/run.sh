#!/usr/bin/env bash
# The main job on embedded defaults: set up .venv if needed, then start the screener
# service (uvicorn) on the SQLite file var/threshold.db with the bundled sentence model.
# DATABASE_URL switches to PostgreSQL; HOST and PORT choose where it listens.
# On an empty database the first admin's password is THRESHOLD_ADMIN_PASSWORD, or is
# generated and printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/threshold serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
