"""Training settings: where MLflow tracks and registers, what the model is called.

Read when needed (get_settings), never at import, so tests can point them elsewhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MLRUNS = REPO / "mlruns"


class TrainingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    mlflow_tracking_uri: str = Field(
        default=f"sqlite:///{DEFAULT_MLRUNS / 'mlflow.db'}",
        description="MLflow tracking and registry store (embedded default: SQLite under the project).",
    )
    threshold_artifact_root: Path = Field(default=DEFAULT_MLRUNS / "artifacts")
    threshold_model_name: str = "threshold-assist"
    threshold_experiment: str = "threshold-assist-level"
    threshold_annotations_dir: Path = REPO / "annotations"


@lru_cache(maxsize=1)
def get_settings() -> TrainingSettings:
    return TrainingSettings()
