import json
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
THRESHOLD = REPO / ".venv" / "bin" / "threshold"


def test_evaluate_writes_report_metrics_and_plots(tmp_path):
    cases = (REPO / "annotations" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(cases) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(THRESHOLD), "evaluate", "--input", str(sample), "--rules", "--split", "dev", "--report", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-1500:]
    assert "level-4 recall" in done.stdout and "Evaluation on 6 cases (model guidance-rules" in done.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["level"]["n"] == 6 and "screening_tools" in metrics and "traps" in metrics
    for name in ("report.txt", "confusion.png", "calibration.png"):
        assert (out / name).stat().st_size > 0
