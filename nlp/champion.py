"""Find the registered champion level model, if there is one, without slowing start-up.

The pipeline uses `models:/<name>@champion` when the registry has it and falls back to
the guidance rules when it does not; every Suggestion says which (model_version).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from nlp.level_model import TrainedLevelModel
from nlp.verifier import BEFORE_CATALOGUE_1_1

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TRACKING_URI = f"sqlite:///{REPO / 'mlruns' / 'mlflow.db'}"
DEFAULT_MODEL_NAME = "threshold-assist"


def _registry_exists(uri: str) -> bool:
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).is_file()
    return True


def read_level_model(directory: Path, version: str) -> TrainedLevelModel:
    """The level model stored as artefacts of a logged model (estimator + metadata)."""
    import joblib

    meta = json.loads((directory / "level_model_meta.json").read_text(encoding="utf-8"))
    bundle = joblib.load(directory / "level_model.joblib")
    exemplars = directory / "exemplars.json"
    rows = json.loads(exemplars.read_text(encoding="utf-8")) if exemplars.is_file() else []
    return TrainedLevelModel(
        bundle["estimator"],
        meta["theme_ids"],
        meta["embedding_dimension"],
        version,
        verifier=bundle.get("verifier"),
        verifier_threshold=float(meta.get("verifier_threshold", 0.0)),
        exemplar_rows=rows,
        similarity_bar=float(meta.get("similarity_bar", 0.0)),
        tool_triggers=bundle.get("tool_triggers"),  # absent from models trained before the triggers
        narrative=bundle.get("narrative"),  # absent from models trained before the narrative model
        corroboration=float(meta.get("corroboration", 0.0)),
        # models trained before catalogue 1.1.0 let only matches found twice skip corroboration
        counts_on_its_own=tuple(meta.get("counts_on_its_own", BEFORE_CATALOGUE_1_1)),
        # models trained before the bar existed let those kinds count whatever the narrative said
        counts_on_its_own_minimum=float(meta.get("counts_on_its_own_minimum", 0.0)),
        universal_need_veto=float(meta.get("universal_need_veto", 0.0)),  # models trained before it: never
    )


def load_champion(model_name: str | None = None, tracking_uri: str | None = None) -> TrainedLevelModel | None:
    """The champion's level model, or None when no registry or no champion exists."""
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    name = model_name or os.environ.get("THRESHOLD_MODEL_NAME") or DEFAULT_MODEL_NAME
    if not _registry_exists(uri):
        return None
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        version = client.get_model_version_by_alias(name, "champion")
    except MlflowException:
        return None
    logger.info("using champion %s version %s", name, version.version)
    return load_version(name, str(version.version), uri)


def load_version(model_name: str, version: str, tracking_uri: str) -> TrainedLevelModel:
    """The level model of one registered version. By number, not by alias: the version a caller
    looked up is the one it gets, even if the alias moves in between."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{model_name}/{version}"))
    return read_level_model(local / "artifacts", f"{model_name}/{version}")
