"""What every benchmark does with its result: show the targets, keep the JSON, give the exit code."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def verdicts(targets: dict[str, bool]) -> str:
    return "  ".join(f"{name}: {'PASS' if met else 'FAIL'}" for name, met in targets.items())


def finish(result: dict, shown: str, file_name: str, check: bool) -> int:
    """Print the rendered result, keep it as benchmarks/results/<file_name>, and return the exit
    code: 1 when `check` is set and a target is missed."""
    print(shown)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / file_name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 1 if check and not all(result["targets"].values()) else 0
