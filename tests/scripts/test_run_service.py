"""The README's main command starts the service on embedded defaults (SQLite file, bundled
model, pipeline loaded once) and prints a generated first-admin password exactly once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(tmp_path: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "THRESHOLD_ADMIN_PASSWORD")}
    env.update({"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'threshold.db'}"})
    return subprocess.Popen(["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait_ready(process: subprocess.Popen, base: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail("the service did not become ready")


def _stop(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output


@pytest.mark.slow
def test_the_main_command_serves_the_page_and_prints_the_admin_password_once(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(tmp_path, port)
    try:
        _wait_ready(process, base)
        ready = httpx.get(f"{base}/readyz").json()
        assert ready["checks"] == {"database": True, "pipeline": True}
        assert httpx.get(f"{base}/", follow_redirects=True).text.count("Sign in") >= 1
    finally:
        first = _stop(process)
    match = re.search(r"First admin account: admin / (\S+)", first)
    assert match, first[-2000:]
    password = match.group(1)
    assert (tmp_path / "threshold.db").exists()

    process = _start(tmp_path, port)  # same database: the admin exists, nothing is printed
    try:
        _wait_ready(process, base)
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "admin", "password": password})
        assert token.status_code == 200 and token.json()["roles"] == ["admin"]
    finally:
        second = _stop(process)
    assert "First admin account" not in second
    assert password not in second
