"""Measure the champion on the current test split, so the gates can compare a candidate with it.

The promotion gates compare test figures only when both come from the same test cases (the
logged SHA-256 of the split). When the test split changes (cases added, a label adjudicated),
`threshold remeasure` evaluates the champion on the new split and logs the figures as their own
MLflow run, tagged with the champion's version; `threshold promote` then compares a candidate
measured on that split with this run instead of the champion's training run.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

REMEASURES_TAG = "remeasures_version"


def remeasure_champion(settings, corpus) -> dict:
    """Evaluate the registered champion on the corpus's test split and log the figures.
    Returns {"version", "run_id", "report"}. Raises LookupError without a champion and
    ValueError without test cases."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from nlp.champion import load_version
    from nlp.pipeline import ThresholdAssist
    from training.evaluate import evaluate_cases
    from training.train import _configure_mlflow, flatten_metrics, git_commit

    cases = corpus.split("test")
    if not cases:
        raise ValueError("the corpus has no test cases to measure the champion on")
    client = mlflow.MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)
    try:
        champion = client.get_model_version_by_alias(settings.threshold_model_name, "champion")
    except MlflowException:
        raise LookupError(f"{settings.threshold_model_name} has no champion to measure") from None
    # the version just looked up, by number: the figures logged are always its own
    model = load_version(settings.threshold_model_name, str(champion.version), settings.mlflow_tracking_uri)
    pipeline = ThresholdAssist.load(champion=False)
    pipeline.set_level_model(model)
    report = evaluate_cases(pipeline, cases)
    mlflow = _configure_mlflow(settings)
    with mlflow.start_run(run_name=f"champion version {champion.version} re-measured") as run:
        mlflow.set_tags({
            REMEASURES_TAG: str(champion.version), "git_commit": git_commit(),
            "catalogue_version": pipeline.catalogue.version, "test_evaluated": "true",
        })
        mlflow.log_params({"dataset_test_sha256": corpus.split_hashes["test"], "n_test": len(cases)})
        mlflow.log_metrics(flatten_metrics(report, "test"))
        with tempfile.TemporaryDirectory() as folder:  # the whole report, for the model card
            path = Path(folder) / "metrics_test.json"
            path.write_text(json.dumps(report, indent=2), encoding="utf-8")
            mlflow.log_artifact(str(path), "metrics")
    return {"version": str(champion.version), "run_id": run.info.run_id, "report": report}


def remeasured_run(client, experiment_id: str, version: str, test_hash: str | None = None):
    """The latest re-measurement of champion `version` (on the test split with this hash, if
    given), or None."""
    only_split = f" and params.dataset_test_sha256 = '{test_hash}'" if test_hash else ""
    runs = client.search_runs(
        [experiment_id],
        filter_string=f"tags.{REMEASURES_TAG} = '{version}'{only_split}",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0] if runs else None
