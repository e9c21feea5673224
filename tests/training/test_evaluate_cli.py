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


def _run(*args, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([str(THRESHOLD), "evaluate", *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_evaluate_reads_a_folder_of_annotation_files_as_one_corpus(tmp_path):
    lines = (REPO / "annotations" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    (folder / "b.jsonl").write_text("\n".join(lines[2:4]) + "\n", encoding="utf-8")
    done = _run("--input", str(folder), "--rules")
    assert done.returncode == 0, done.stderr[-1500:]
    assert "Evaluation on 4 cases" in done.stdout


def test_evaluate_says_clearly_when_the_input_is_missing_or_a_case_id_repeats(tmp_path):
    missing = _run("--input", str(tmp_path / "nowhere.jsonl"), "--rules")
    assert missing.returncode == 1
    assert "is neither a file nor a folder" in missing.stderr and "Traceback" not in missing.stderr
    line = (REPO / "annotations" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0]
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        (folder / name).write_text(line + "\n", encoding="utf-8")
    repeated = _run("--input", str(folder), "--rules")
    assert repeated.returncode == 1
    assert "is in both a.jsonl and b.jsonl" in repeated.stderr and "Traceback" not in repeated.stderr


def test_remeasure_without_a_champion_says_so_and_logs_nothing(tmp_path):
    store = tmp_path / "mlflow.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MLFLOW_TRACKING_URI": f"sqlite:///{store}", "THRESHOLD_ARTIFACT_ROOT": str(tmp_path / "artifacts")}
    done = subprocess.run([str(THRESHOLD), "remeasure"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1
    assert "has no champion to measure" in done.stderr
    assert not (tmp_path / "artifacts").exists()  # no run was logged
