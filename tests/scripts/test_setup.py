"""The README's set-up is idempotent: a second run reuses .venv and installs nothing."""

import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _setup() -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(REPO / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=900)


def test_setup_reuses_the_existing_virtual_environment():
    first = _setup()  # in CI scripts/test.sh has already run it: this returns at once
    assert first.returncode == 0, first.stderr[-2000:]
    stamps = sorted((REPO / ".venv").glob(".threshold-installed-*"))
    assert len(stamps) == 1
    started = time.monotonic()
    second = _setup()
    assert second.returncode == 0, second.stderr[-2000:]
    assert time.monotonic() - started < 15
    assert "creating .venv" not in second.stderr and not second.stdout.strip()
    assert sorted((REPO / ".venv").glob(".threshold-installed-*")) == stamps
