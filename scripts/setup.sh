#!/usr/bin/env bash
# Set up (or reuse) the project's virtual environment at .venv: torch's CPU build first
# (from local disk), then the locked dependencies, then the project itself. Idempotent:
# a second run only checks a stamp file and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "error: Python 3.11 is required ($PYTHON is $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "creating .venv" >&2
  "$PYTHON" -m venv .venv
fi

stamp=".venv/.threshold-installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi

pip=(.venv/bin/python -m pip --disable-pip-version-check)
# torch first and pinned, or a dependency would pull a multi-GB CUDA build.
if ! .venv/bin/python -c 'import torch, sys; sys.exit(not torch.__version__.startswith("2.13.0"))' 2>/dev/null; then
  "${pip[@]}" install torch==2.13.0
fi
"${pip[@]}" install -r requirements.lock
"${pip[@]}" install --no-deps -e .
rm -f .venv/.threshold-installed-*
touch "$stamp"
echo "environment ready in .venv" >&2
