"""`threshold train`: fit on the train split, choose settings on held-out cases, evaluate, log to MLflow.

Every run logs parameters, dataset hashes, the git commit, the catalogue version,
held-out, dev and test metrics, a confusion-matrix and a calibration plot, and the pipeline
with its level model as an MLflow pyfunc model (with a signature), registered under
one model name. The test split is only ever evaluated, never used to fit or choose.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.embeddings.catalogue_index import embed_exemplars
from nlp.held_out import assemble, fold_splits
from nlp.level_model import TrainedLevelModel
from nlp.narrative_model import (
    TOOLS as NARRATIVE_TOOLS,
    NarrativeClassifier,
    NarrativeReader,
    NarrativeToolClassifier,
    fit_sharing_ngrams,
    predict_sharing_ngrams,
)
from nlp.pipeline import ThresholdAssist
from nlp.suggestion import Suggestion
from nlp.tool_model import train_triggers
from nlp.verifier import CandidateVerifier, candidate_features
from training.annotations import AnnotatedCase
from training.metrics import evaluate_suggestions
from training.prepared import Analysed, Prepared, prepare, suggestions_with
from training.settings import REPO, TrainingSettings
from training.tuning import CV_FOLDS, FEATURE_SETS, Layout, authors, fit_level_model, tune


def analyse(pipeline: ThresholdAssist, cases: list[AnnotatedCase], advance=lambda n: None) -> list[Analysed]:
    analysed = []
    items = ((case.text, case.id) for case in cases)
    for case, (suggestion, doc) in zip(cases, pipeline.analyse_many(items)):
        analysed.append(Analysed(case, suggestion, doc._.sentence_embeddings))
        advance(1)
    return analysed


@dataclass(frozen=True)
class CatalogueFacts:
    """What training needs to know of the catalogue: theme order and each entry's level."""

    themes: list[str]
    levels: dict[str, int]


def candidate_labels(item: Analysed, facts: CatalogueFacts) -> tuple[list[np.ndarray], list[int]]:
    """Affirmed matches of a training case, labelled 1 when a gold affirmed concern supports
    them: the same id (or an equivalent), or an overlapping gold concern at least as severe."""
    gold = [g for g in item.case.indicators if g.affirmed]
    ids = set().union(*(g.ids for g in gold)) if gold else set()
    rows, labels = [], []
    for indicator in item.suggestion.indicators:
        if not indicator.affirmed:
            continue
        supported = indicator.id in ids or any(
            e.start < g_ev.end and g_ev.start < e.end
            for g in gold
            if facts.levels.get(g.id, 0) >= indicator.level
            for e in indicator.evidence
            for g_ev in g.evidence
        )
        rows.append(candidate_features(indicator, item.suggestion.indicators, facts.themes))
        labels.append(int(supported))
    return rows, labels


EXEMPLAR_FOLDS = 5
PARALLEL_JOBS = 2  # processes for the narrative models' folds and the tuning grid: this machine's two cores
MIN_EXEMPLAR_WORDS = 3


def exemplar_rows(cases: list[AnnotatedCase], facts: CatalogueFacts) -> tuple[list[tuple[str, str, int]], list[int]]:
    """Affirmed gold evidence of the train split as (catalogue id, text, level) rows, with
    the index of the case each came from (for cross-fitting)."""
    rows, row_cases, seen = [], [], set()
    for position, case in enumerate(cases):
        for indicator in case.indicators:
            if not indicator.affirmed or indicator.id not in facts.levels:
                continue
            for evidence in indicator.evidence:
                text = " ".join(evidence.text.split())
                if len(text.split()) >= MIN_EXEMPLAR_WORDS and (indicator.id, text) not in seen:
                    seen.add((indicator.id, text))
                    rows.append((indicator.id, text, facts.levels[indicator.id]))
                    row_cases.append(position)
    return rows, row_cases


def cross_fitted_train(pipeline: ThresholdAssist, cases, exemplars, row_cases, progress) -> list[Analysed]:
    """Analyse each train case with the examples of the other folds only, so the models
    fitted on these analyses never see a case matched against its own annotation."""
    advance = progress("analysing train narratives (cross-fitted examples)", len(cases))
    by_position: dict[int, Analysed] = {}
    for fold in range(EXEMPLAR_FOLDS):
        members = [i for i in range(len(cases)) if i % EXEMPLAR_FOLDS == fold]
        keep = [r for r, case_position in enumerate(row_cases) if case_position % EXEMPLAR_FOLDS != fold]
        pipeline.use_exemplars(exemplars.subset(keep))
        for position, item in zip(members, analyse(pipeline, [cases[i] for i in members], advance)):
            by_position[position] = item
    pipeline.use_exemplars(None)
    return [by_position[i] for i in range(len(cases))]


def fit_verifier(train: list[Analysed], facts: CatalogueFacts) -> CandidateVerifier:
    rows, labels = [], []
    for item in train:
        r, y = candidate_labels(item, facts)
        rows += r
        labels += y
    return CandidateVerifier().fit(np.stack(rows), np.array(labels))


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def flatten_metrics(report: dict, prefix: str) -> dict[str, float]:
    level = report["level"]
    metrics = {
        "accuracy": level["accuracy"],
        "macro_f1": level["macro_f1"],
        "qwk": level["quadratic_weighted_kappa"],
        "level4_recall": level["level4_recall"],
        "under_call_rate": level["under_call_rate"],
        "severe_under_calls": level["severe_under_calls"],
        "ece": report["calibration_ece"],
        "indicator_micro_precision": report["indicators"]["micro_precision"],
        "indicator_micro_recall": report["indicators"]["micro_recall"],
        "trap_false_affirmation": report["traps"]["overall"],
        "immediate_risk_recall": report["immediate_risk"]["recall"],
    }
    for level_name, value in level["per_level_recall"].items():
        metrics[f"recall_l{level_name}"] = value
    for tool, values in report["screening_tools"].items():
        metrics[f"{tool.lower()}_recall"] = values["required_recall"]
        metrics[f"{tool.lower()}_missing_precision"] = values["missing_precision"]
        metrics[f"{tool.lower()}_completed_suppression"] = values["completed_suppression"]
    for kind, value in report["traps"]["false_affirmation_rate"].items():
        metrics[f"trap_fa_{kind}"] = value
    return {f"{prefix}_{k}": float(v) for k, v in metrics.items() if v is not None}


def _configure_mlflow(settings: TrainingSettings):
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    if settings.mlflow_tracking_uri.startswith("sqlite:///"):
        Path(settings.mlflow_tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if mlflow.get_experiment_by_name(settings.threshold_experiment) is None:
        settings.threshold_artifact_root.mkdir(parents=True, exist_ok=True)
        mlflow.create_experiment(settings.threshold_experiment, artifact_location=settings.threshold_artifact_root.resolve().as_uri())
    mlflow.set_experiment(settings.threshold_experiment)
    return mlflow


def fit_tool_triggers(train: list[Prepared], dev: list[Prepared], fold_seed: int = 0) -> list:
    """Learned CSE / COG triggers on the (cross-fitted) train features; thresholds for recall
    on held-out cases, counting the tools the guidance's triggers already flag."""
    def required(items):
        return [set(item.analysed.case.screening_tools.required) for item in items]

    def flagged(items):
        return [{t.tool for t in item.analysed.suggestion.screening_tools} for item in items]

    return train_triggers(
        np.stack([p.features for p in train]), required(train), np.stack([p.features for p in dev]), required(dev),
        folds=CV_FOLDS, flagged_train=flagged(train), flagged_dev=flagged(dev), groups=authors([p.analysed for p in train]),
        fold_seed=fold_seed,
    )


def fit_narrative(analysed: dict[str, list[Analysed]], progress, fold_seed: int = 0) -> NarrativeReader:
    """Fit the narrative models (level, and each tool with train examples) on train; give
    train cases out-of-fold probabilities and dev/test cases the fitted models', so every
    later stage sees honest probabilities. All targets share the level model's folds
    (stratified by level, holding whole authors), so each fold fits one n-gram vocabulary for
    all of them (nlp.narrative_model.fit_sharing_ngrams): building the vocabulary is most of a
    fit's time. The folds and the final fit are one parallel pass, so no core waits while
    another fits the final models."""
    from joblib import Parallel, delayed

    train = analysed["train"]
    texts = [a.case.text for a in train]
    levels = np.asarray([a.case.level for a in train], dtype=int)
    splits = fold_splits(levels, CV_FOLDS, fold_seed, groups=authors(train))
    targets = {"level": levels}
    for tool in NARRATIVE_TOOLS:
        needed = np.asarray([int(tool in a.case.screening_tools.required) for a in train], dtype=int)
        if all(len(set(needed[fit_rows])) == 2 for fit_rows, _ in splits):  # every fold learns both outcomes
            targets[tool] = needed
    models = {name: NarrativeClassifier() if name == "level" else NarrativeToolClassifier() for name in targets}
    advance = progress("fitting the narrative models", len(splits) + 1)

    def run(split):
        if split is None:  # the final models
            return fit_sharing_ngrams(models, texts, targets)
        fit_rows, held_rows = split
        fitted = fit_sharing_ngrams(models, [texts[i] for i in fit_rows], {name: y[fit_rows] for name, y in targets.items()})
        return predict_sharing_ngrams(fitted, [texts[i] for i in held_rows])

    results = []
    for result in Parallel(n_jobs=PARALLEL_JOBS, return_as="generator")(delayed(run)(split) for split in [*splits, None]):
        results.append(result)
        advance(1)
    fitted = results.pop()
    held_out_columns = {}
    for name in targets:
        probabilities = assemble(splits, [fold[name] for fold in results], len(texts))
        held_out_columns[name] = probabilities if name == "level" else probabilities[:, 1:]
    reader = NarrativeReader(fitted.pop("level"), fitted)
    zeros = np.zeros((len(train), 1))
    train_rows = np.hstack([held_out_columns["level"], *(held_out_columns.get(tool, zeros) for tool in NARRATIVE_TOOLS)])
    for item, row in zip(train, train_rows):
        item.narrative = row
    for name in ("dev", "test"):
        if analysed[name]:
            for item, row in zip(analysed[name], reader.probabilities([a.case.text for a in analysed[name]])):
                item.narrative = row
    return reader


def train(settings: TrainingSettings, corpus, progress, evaluate_test: bool = True, fold_seed: int = 0) -> dict:
    """Run the whole training; `progress(stage, total)` returns an advance(n) callable.
    With evaluate_test=False the test split is neither analysed nor evaluated (for iterating on
    held-out figures without seeing test ones); such a run has nothing to pass the gates with.
    `fold_seed` shuffles every cross-validation fold of the train split (narrative models,
    tuning, tool triggers): 0 is every registered version's; a change chosen on held-out
    figures should hold under another seed too."""
    mlflow = _configure_mlflow(settings)
    pipeline = ThresholdAssist.load(champion=False)
    facts = CatalogueFacts([t.id for t in pipeline.catalogue.manifest.themes], {e.id: e.level for e in pipeline.catalogue})
    themes = facts.themes
    dimension = pipeline.nlp.get_pipe("indicator_embeddings").encoder.dimension
    from nlp.features import feature_names

    names = feature_names(themes, dimension)
    layout = Layout(names.index("safety_floor"), names.index("embedding_0"), dimension)
    splits = {name: corpus.split(name) for name in ("train", "dev", "test")}
    if not evaluate_test:
        splits["test"] = []
    if not splits["train"] or not splits["dev"]:
        raise ValueError("training needs cases in both the train and dev splits")

    encoder = pipeline.nlp.get_pipe("indicator_embeddings").encoder
    rows, row_cases = exemplar_rows(splits["train"], facts)
    evaluated_splits = [name for name in ("dev", "test") if splits[name]]
    # Each distinct text is encoded once in the run: dev and test are analysed twice (with the
    # examples, then as the guidance-rules baseline), an evidence example is often a whole
    # sentence of its narrative, and referrals repeat sentences (on 2160 cases: 27,756 encodes -> 27,072).
    with encoder.remembering():
        exemplars = embed_exemplars(rows, encoder)
        analysed = {"train": cross_fitted_train(pipeline, splits["train"], exemplars, row_cases, progress), "test": []}
        pipeline.use_exemplars(exemplars)
        for name in evaluated_splits:
            analysed[name] = analyse(pipeline, splits[name], progress(f"analysing {name} narratives", len(splits[name])))
        pipeline.use_exemplars(None)  # the guidance rules alone: the baseline every report is compared with
        rules_analysed = {
            name: analyse(pipeline, splits[name], progress(f"guidance-rules baseline on {name}", len(splits[name])))
            for name in evaluated_splits
        }

    narrative = fit_narrative(analysed, progress, fold_seed)
    verifier = fit_verifier(analysed["train"], facts)
    chosen, held_out = tune(analysed, verifier, layout, themes, progress, n_jobs=PARALLEL_JOBS, fold_seed=fold_seed)
    settings_of = dict(chosen)
    best_bar = settings_of.pop("similarity_bar")
    best_threshold = settings_of.pop("verifier_threshold")
    corroboration = settings_of.pop("corroboration")
    counts_on_its_own = settings_of.pop("counts_on_its_own")
    own_minimum = settings_of.pop("counts_on_its_own_minimum")
    universal_need_veto = settings_of.pop("universal_need_veto")
    feature_set = settings_of.pop("feature_set")
    best_params = {**settings_of, **FEATURE_SETS[feature_set]}

    advance = progress("fitting and evaluating", 3)
    with mlflow.start_run() as run:
        version = f"{settings.threshold_model_name} run {run.info.run_id[:8]}"
        prepared = {
            name: prepare(
                analysed[name], verifier, best_threshold, best_bar, corroboration, dimension, themes, counts_on_its_own, own_minimum,
                universal_need_veto,
            )
            for name in analysed
        }
        model = fit_level_model(prepared["train"], best_params, layout, themes, version, verifier, best_threshold, best_bar)
        model.narrative = narrative
        model.corroboration = corroboration
        model.counts_on_its_own = counts_on_its_own  # as chosen in tuning
        model.counts_on_its_own_minimum = own_minimum
        model.universal_need_veto = universal_need_veto
        model.tool_triggers = fit_tool_triggers(prepared["train"], prepared["dev"], fold_seed)
        advance(1)
        evaluated = {name: suggestions_with(model, prepared[name]) for name in ("dev", "test") if splits[name]}
        reports = {name: evaluate_suggestions(splits[name], suggestions) for name, suggestions in evaluated.items()}
        rules_reports = {name: evaluate_suggestions(splits[name], [a.suggestion for a in rules_analysed[name]]) for name in ("dev", "test") if splits[name]}
        advance(1)
        mlflow.log_params({
            **best_params, "feature_set": feature_set, "verifier_threshold": best_threshold, "similarity_bar": best_bar,
            "corroboration": corroboration, "counts_on_its_own": ",".join(counts_on_its_own),
            "counts_on_its_own_minimum": own_minimum, "universal_need_veto": universal_need_veto, "narrative_C": narrative.level.C, "narrative_ordinal": narrative.level.ordinal,
            "narrative_cost_weighted_level4": narrative.level.cost_weighted_level4, "narrative_tools": ",".join(sorted(narrative.tools)),
            "cv": 3, "cv_folds_hold": "whole authors (annotator)", "fold_seed": fold_seed,
            "features": len(prepared["train"][0].features),
        })
        mlflow.log_metrics({f"held_out_{k}": float(v) for k, v in held_out.items() if isinstance(v, (int, float)) and v is not None})
        mlflow.log_params({f"tool_trigger_threshold_{t.tool}": t.threshold for t in model.tool_triggers})
        mlflow.log_params({f"n_{name}": len(cases) for name, cases in splits.items()})
        mlflow.log_params({f"dataset_{name}_sha256": digest for name, digest in corpus.split_hashes.items()})
        mlflow.set_tags({
            "git_commit": git_commit(), "catalogue_version": pipeline.catalogue.version,
            "test_evaluated": str(bool(splits["test"])).lower(),
        })
        for name, report in reports.items():
            mlflow.log_metrics(flatten_metrics(report, name))
        for name, report in rules_reports.items():
            mlflow.log_metrics(flatten_metrics(report, f"rules_{name}"))
        _log_plots(mlflow, reports, splits, evaluated)
        model.exemplar_rows = rows
        mlflow.log_param("exemplars", len(rows))
        model_info = _log_model(mlflow, settings, model, pipeline, splits, version)
        advance(1)
    return {
        "run_id": run.info.run_id,
        "registered_version": model_info.registered_model_version,
        "params": {
            **best_params, "feature_set": feature_set, "verifier_threshold": best_threshold, "similarity_bar": best_bar,
            "corroboration": corroboration, "counts_on_its_own": ",".join(counts_on_its_own),
            "counts_on_its_own_minimum": own_minimum, "universal_need_veto": universal_need_veto,
        },
        "held_out": held_out,
        "reports": reports,
        "rules_reports": rules_reports,
    }


def _log_plots(mlflow, reports, splits, evaluated: dict[str, list[Suggestion]]) -> None:
    from training.plots import calibration_plot, confusion_plot

    with tempfile.TemporaryDirectory() as folder:
        for name, report in reports.items():
            gold = [c.level for c in splits[name]]
            probabilities = [s.level_probabilities for s in evaluated[name]]
            mlflow.log_artifact(str(confusion_plot(report["level"]["confusion"], f"Level confusion ({name})", Path(folder) / f"confusion_{name}.png")), "plots")
            mlflow.log_artifact(str(calibration_plot(probabilities, gold, f"Calibration ({name})", Path(folder) / f"calibration_{name}.png")), "plots")
            (Path(folder) / f"metrics_{name}.json").write_text(json.dumps(report, indent=2))
            mlflow.log_artifact(str(Path(folder) / f"metrics_{name}.json"), "metrics")


def _log_model(mlflow, settings, model: TrainedLevelModel, pipeline: ThresholdAssist, splits, version):
    import joblib
    import pandas as pd
    from mlflow.models import infer_signature

    from training.mlflow_model import ThresholdAssistModel, pip_requirements

    with tempfile.TemporaryDirectory() as folder:
        estimator_path = Path(folder) / "level_model.joblib"
        meta_path = Path(folder) / "level_model_meta.json"
        exemplars_path = Path(folder) / "exemplars.json"
        exemplars_path.write_text(json.dumps([list(r) for r in model.exemplar_rows], ensure_ascii=False), encoding="utf-8")
        joblib.dump({"estimator": model.estimator, "verifier": model.verifier, "tool_triggers": model.tool_triggers, "narrative": model.narrative}, estimator_path)
        meta_path.write_text(json.dumps({
            "verifier_threshold": model.verifier_threshold,
            "similarity_bar": model.similarity_bar,
            "corroboration": model.corroboration,
            "counts_on_its_own": list(model.counts_on_its_own),
            "counts_on_its_own_minimum": model.counts_on_its_own_minimum,
            "universal_need_veto": model.universal_need_veto,
            "theme_ids": model.theme_ids,
            "embedding_dimension": model.embedding_dimension,
            "model_version": version,
            "catalogue_version": pipeline.catalogue.version,
        }, indent=2))
        example = pd.DataFrame({"id": [c.id for c in splits["dev"][:2]], "text": [c.text for c in splits["dev"][:2]]})
        predictor = ThresholdAssistModel()  # in-process, only to infer the output signature
        predictor.pipeline = pipeline
        pipeline.set_level_model(model)
        signature = infer_signature(example, predictor.predict(None, example))
        pipeline.set_level_model(None)
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=ThresholdAssistModel(),  # pickled: must stay empty; loads in load_context
            artifacts={"level_model": str(estimator_path), "level_model_meta": str(meta_path), "exemplars": str(exemplars_path)},
            code_paths=[str(REPO / "nlp"), str(REPO / "training")],
            signature=signature,
            input_example=example,
            pip_requirements=pip_requirements(),
            registered_model_name=settings.threshold_model_name,
        )
