"""Promotion gate: a registered version becomes `champion` only if it is no worse than the
current champion (or, with none, than the guidance rules) on the safety metrics of the
test split: level-4 recall, severe under-calls, CSE and COG recall."""

from __future__ import annotations

from dataclasses import dataclass

# metric name (as logged, without the split prefix) -> True if higher is better
GATES = {
    "level4_recall": True,
    "severe_under_calls": False,
    "cse_recall": True,
    "cog_recall": True,
}


@dataclass(frozen=True)
class GateResult:
    metric: str
    candidate: float | None
    reference: float | None
    passed: bool

    def __str__(self) -> str:
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.metric}: candidate {self.candidate} vs reference {self.reference} -> {verdict}"


def compare(candidate: dict[str, float], reference: dict[str, float]) -> list[GateResult]:
    results = []
    for metric, higher_is_better in GATES.items():
        mine, theirs = candidate.get(metric), reference.get(metric)
        if mine is None:
            passed = False  # a candidate without the safety metric cannot be promoted
        elif theirs is None:
            passed = True
        else:
            passed = mine >= theirs if higher_is_better else mine <= theirs
        results.append(GateResult(metric, mine, theirs, passed))
    return results


def split_metrics(run_metrics: dict[str, float], prefix: str) -> dict[str, float]:
    return {metric: run_metrics.get(f"{prefix}_{metric}") for metric in GATES}


def promote(client, model_name: str, version: str) -> tuple[bool, list[GateResult], str]:
    """Set the `champion` alias on `version` if every gate passes; return (promoted, gates, reference)."""
    from mlflow.exceptions import MlflowException

    candidate_version = client.get_model_version(model_name, version)
    candidate_run = client.get_run(candidate_version.run_id)
    candidate = split_metrics(candidate_run.data.metrics, "test")
    try:
        champion_version = client.get_model_version_by_alias(model_name, "champion")
    except MlflowException:
        champion_version = None
    if champion_version is not None:
        reference = split_metrics(client.get_run(champion_version.run_id).data.metrics, "test")
        against = f"champion version {champion_version.version}"
    else:
        reference = split_metrics(candidate_run.data.metrics, "rules_test")
        against = "the guidance rules (no champion yet)"
    gates = compare(candidate, reference)
    promoted = all(g.passed for g in gates)
    if promoted:
        client.set_registered_model_alias(model_name, "champion", version)
    return promoted, gates, against
