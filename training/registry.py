"""Promotion gate: a registered version becomes `champion` only if it is no worse than the
current champion (or, with none, than the guidance rules) on the safety metrics of the
test split: level-4 recall, severe under-calls, CSE and COG recall, measured on the same test
cases (the logged hash of the split): the champion's training run, or its latest re-measurement
on the candidate's test split (training.remeasure)."""

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
    candidate: float | str | None  # a figure, or for same_test_split the split's hash
    reference: float | str | None
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


def same_test_split(candidate_params: dict, reference_params: dict) -> GateResult | None:
    """The gates compare test figures, so both must come from the same test cases: a changed
    test split (a case added, relabelled or edited) changes its logged hash, and the champion must
    then be re-evaluated on it first. None when a run predates the hash (nothing to compare)."""
    mine, theirs = candidate_params.get("dataset_test_sha256"), reference_params.get("dataset_test_sha256")
    if mine is None or theirs is None:
        return None
    return GateResult("same_test_split", mine[:16], theirs[:16], mine == theirs)


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
    same_split = None
    if champion_version is not None:
        champion_run = client.get_run(champion_version.run_id)
        same_split = same_test_split(candidate_run.data.params, champion_run.data.params)
        if same_split is not None and not same_split.passed:
            # the test split changed since the champion was trained: its re-measurement on the
            # candidate's split, if `threshold remeasure` made one, is the reference
            from training.remeasure import remeasured_run

            remeasured = remeasured_run(
                client, champion_run.info.experiment_id, str(champion_version.version), candidate_run.data.params["dataset_test_sha256"]
            )
            if remeasured is not None:
                champion_run = remeasured
                same_split = same_test_split(candidate_run.data.params, remeasured.data.params)
        reference = split_metrics(champion_run.data.metrics, "test")
        against = f"champion version {champion_version.version}" + (
            f" (re-measured on this test split, run {champion_run.info.run_id[:8]})" if champion_run.info.run_id != champion_version.run_id else ""
        )
    else:
        reference = split_metrics(candidate_run.data.metrics, "rules_test")
        against = "the guidance rules (no champion yet)"
    gates = compare(candidate, reference) + ([same_split] if same_split is not None else [])
    promoted = all(g.passed for g in gates)
    if promoted:
        client.set_registered_model_alias(model_name, "champion", version)
    return promoted, gates, against
