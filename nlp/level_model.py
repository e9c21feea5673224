"""The trainable level model: calibrated probabilities, an asymmetric-cost decision, a floor.

A scikit-learn estimator (parameters stored by __init__, learning in fit, learned
attributes ending in "_"), so clone, grid search and MLflow work with it. Its decision
picks the level with the least expected cost, where under-calling costs more than
over-calling, or level 4 whenever its probability reaches `level4_threshold` (tuned for
level-4 recall), and is never below the safety floor passed with the features.

Feature rows are three blocks: pipeline features, the narrative embedding, and (when a
narrative model is used) its log-probabilities; the `use_*` parameters choose blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from nlp.suggestion import ScreeningToolSuggestion
from nlp.verifier import COUNTS_ON_ITS_OWN

LEVELS = np.array([1, 2, 3, 4])


def cost_matrix(under_call_cost: float, over_call_cost: float) -> np.ndarray:
    """cost[k, j]: suggesting level k+1 when the need is level j+1."""
    k = LEVELS[:, None]
    j = LEVELS[None, :]
    return np.where(k < j, (j - k) * under_call_cost, (k - j) * over_call_cost).astype(float)


class LevelClassifier(BaseEstimator, ClassifierMixin):
    def __init__(
        self,
        C: float = 0.5,
        calibration: str = "sigmoid",
        cv: int = 3,
        under_call_cost: float = 3.0,
        over_call_cost: float = 1.0,
        floor_column: int | None = None,
        n_pipeline_features: int | None = None,
        use_embedding: bool = True,
        n_narrative_features: int = 0,
        use_pipeline: bool = True,
        use_narrative: bool = True,
        level4_threshold: float | None = None,
        level3_threshold: float | None = None,
        level1_veto: float | None = None,
        random_state: int = 0,
    ):
        """
        Args:
            C: inverse regularisation strength of the logistic regression (default 0.5).
            calibration: "sigmoid" or "isotonic" (CalibratedClassifierCV method), or "none":
                the logistic regression's own probabilities. Over the narrative model's
                log-probabilities that regression is itself a multinomial calibration map
                (vector scaling); held-out cases choose between them.
            cv: folds for calibration.
            under_call_cost: cost per level of suggesting below the true level (default 3).
            over_call_cost: cost per level of suggesting above it (default 1).
            floor_column: index of the safety-floor feature; the decision never goes below it.
            n_pipeline_features: how many leading columns are pipeline features (the rest is
                the narrative embedding).
            use_embedding: fit on the narrative embedding columns too (default True).
            n_narrative_features: how many trailing columns are narrative-model log-probabilities.
            use_pipeline: fit on the pipeline feature columns (default True).
            use_narrative: fit on the narrative-model columns, when there are any (default True).
            level4_threshold: suggest level 4 whenever its probability reaches this (None: the
                least expected cost alone).
            level3_threshold: suggest at least level 3 whenever P(level >= 3) reaches this (None:
                off). A child-protection case the model doubts is then under-called by one level,
                not two, without pushing every doubtful level-3 case up to level 4.
            level1_veto: the level-4 threshold does not apply to a case whose P(level 1)
                reaches this (None: off). A referral the model reads as both universal need and
                child protection is a trap (a keyword without a concern) far more often than a
                child-protection case; the safety floor still applies to it.
            random_state: seed of the solver.
        """
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.under_call_cost = under_call_cost
        self.over_call_cost = over_call_cost
        self.floor_column = floor_column
        self.n_pipeline_features = n_pipeline_features
        self.use_embedding = use_embedding
        self.n_narrative_features = n_narrative_features
        self.use_pipeline = use_pipeline
        self.use_narrative = use_narrative
        self.level4_threshold = level4_threshold
        self.level3_threshold = level3_threshold
        self.level1_veto = level1_veto
        self.random_state = random_state

    def _columns(self, X: np.ndarray) -> np.ndarray:
        if self.n_pipeline_features is None:
            return X
        narrative = getattr(self, "n_narrative_features", 0)  # models pickled before the narrative model
        end_of_embedding = X.shape[1] - narrative
        blocks = [
            (getattr(self, "use_pipeline", True), 0, self.n_pipeline_features),
            (self.use_embedding, self.n_pipeline_features, end_of_embedding),
            (getattr(self, "use_narrative", True) and narrative > 0, end_of_embedding, X.shape[1]),
        ]
        chosen = [np.arange(start, end) for use, start, end in blocks if use and end > start]
        if not chosen:
            raise ValueError("LevelClassifier: no feature block chosen (use_pipeline, use_embedding, use_narrative)")
        return X[:, np.concatenate(chosen)]

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        base = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state),
        )
        folds = min(self.cv, int(np.bincount(y)[np.unique(y)].min()))
        if self.calibration == "none" or folds < 2:
            # A level with a single example (tiny corpora, cross-validation folds) leaves
            # nothing to calibrate on: the logistic regression's own probabilities are used.
            self.calibrated_ = base.fit(self._columns(X), y)
        else:
            # ensemble=False: one estimator and one calibrator (from cross-validated predictions),
            # a third of the prediction cost of the default fold ensemble.
            self.calibrated_ = CalibratedClassifierCV(base, method=self.calibration, cv=folds, ensemble=False).fit(self._columns(X), y)
        self.classes_ = self.calibrated_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities over levels 1-4 (columns always 1, 2, 3, 4)."""
        check_is_fitted(self, "calibrated_")
        raw = self.calibrated_.predict_proba(self._columns(np.asarray(X, dtype=float)))
        full = np.zeros((raw.shape[0], len(LEVELS)))
        for column, level in enumerate(self.classes_):
            full[:, int(level) - 1] = raw[:, column]
        return full

    def predict(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return self.decide(self.predict_proba(X), X)

    def decide(self, probabilities: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The least expected-cost level for each row (or level 4 from its threshold, at least
        level 3 from its own), never below its safety-floor feature. Read from the parameters
        at call time, so decision rules can be compared on the same probabilities with
        set_params."""
        costs = cost_matrix(self.under_call_cost, self.over_call_cost)
        chosen = LEVELS[np.argmin(probabilities @ costs.T, axis=1)]
        threshold = getattr(self, "level4_threshold", None)
        if threshold is not None:
            reaches = probabilities[:, 3] >= threshold
            veto = getattr(self, "level1_veto", None)  # models pickled before it existed
            if veto is not None:
                reaches &= probabilities[:, 0] < veto
            chosen = np.where(reaches, 4, chosen)
        at_least_3 = getattr(self, "level3_threshold", None)  # models pickled before it existed
        if at_least_3 is not None:
            chosen = np.where(probabilities[:, 2] + probabilities[:, 3] >= at_least_3, np.maximum(chosen, 3), chosen)
        if self.floor_column is not None:
            chosen = np.maximum(chosen, np.asarray(X)[:, self.floor_column].astype(int))
        return chosen


@dataclass(frozen=True)
class CaseDecision:
    """The trained model's decision for one case."""

    level: int
    probabilities: dict[str, float]  # level ("1".."4") -> probability
    screening_tools: list[ScreeningToolSuggestion]  # the guidance's, plus learned additions


class TrainedLevelModel:
    """A fitted LevelClassifier (and optional candidate verifier and narrative model) with
    what inference needs."""

    def __init__(
        self,
        estimator: LevelClassifier,
        theme_ids: list[str],
        embedding_dimension: int,
        version: str,
        verifier=None,
        verifier_threshold: float = 0.0,
        exemplar_rows: list[tuple[str, str, int]] | None = None,
        similarity_bar: float = 0.0,
        tool_triggers: list | None = None,
        narrative=None,
        corroboration: float = 0.0,
        counts_on_its_own: tuple[str, ...] | None = None,
        counts_on_its_own_minimum: float = 0.0,
        universal_need_veto: float = 0.0,
    ):
        self.estimator = estimator
        self.theme_ids = list(theme_ids)
        self.embedding_dimension = embedding_dimension
        self.version = version
        self.verifier = verifier
        self.verifier_threshold = verifier_threshold
        # (catalogue id, annotated evidence, level) from the train split: searched with the guidance
        self.exemplar_rows = [tuple(row) for row in exemplar_rows or []]
        self.similarity_bar = similarity_bar  # minimum similarity for similarity-only matches below level 4
        self.tool_triggers = list(tool_triggers or [])  # nlp.tool_model.ToolTrigger per tool
        self.narrative = narrative  # nlp.narrative_model.NarrativeReader, or None
        self.corroboration = corroboration  # minimum narrative P(level >= k) for a level-k match to count
        # the kinds of level-4 match corroboration never sets aside (None: today's, nlp.verifier)
        self.counts_on_its_own = COUNTS_ON_ITS_OWN if counts_on_its_own is None else tuple(counts_on_its_own)
        # the narrative P(level 4) below which even those kinds are set aside (0: never)
        self.counts_on_its_own_minimum = counts_on_its_own_minimum
        # the narrative P(level 1) from which any level-4 match is set aside (0: never)
        self.universal_need_veto = universal_need_veto

    def narrative_probabilities(self, texts: list[str]) -> list[np.ndarray | None]:
        """Per text, the narrative models' probabilities of levels 1-4 and of each tool (None
        without them). One call per batch: scikit-learn's per-call cost is most of it."""
        narrative = getattr(self, "narrative", None)  # models pickled before the narrative model
        return [None] * len(texts) if narrative is None else list(narrative.probabilities(texts))

    def verify(self, indicators, narrative_probabilities: np.ndarray | None = None):
        """Affirmed matches below the tuned similarity bar, that the verifier finds weak, or
        that the narrative does not corroborate, become shown-not-counted."""
        from nlp.verifier import counted_matches

        return counted_matches(
            indicators, similarity_bar=self.similarity_bar, verifier=self.verifier, verifier_threshold=self.verifier_threshold,
            theme_ids=self.theme_ids, narrative_probabilities=narrative_probabilities,
            corroboration=getattr(self, "corroboration", 0.0), counts_on_its_own=self.counts_on_its_own,
            counts_on_its_own_minimum=getattr(self, "counts_on_its_own_minimum", 0.0),
            universal_need_veto=getattr(self, "universal_need_veto", 0.0),  # models pickled before it: never
        )

    def features(self, indicators, sentence_embeddings, narrative_probabilities: np.ndarray | None = None) -> np.ndarray:
        from nlp.features import case_features

        return case_features(indicators, sentence_embeddings, self.theme_ids, self.embedding_dimension, narrative_probabilities)

    def rows(self, cases) -> np.ndarray:
        """The feature rows of (indicators, sentence embeddings, narrative probabilities) cases."""
        return np.stack([self.features(*case) for case in cases])

    def learned_tools(self, rows: np.ndarray) -> list[dict[str, float]]:
        """Per case, the tools the learned triggers call for, with their probability."""
        from nlp.tool_model import learned_tools

        triggers = getattr(self, "tool_triggers", None) or []  # models pickled before triggers existed
        return learned_tools(triggers, rows) if triggers else [{} for _ in range(len(rows))]

    def decide_cases(
        self, rows: np.ndarray, floors: list[int], listed_tools: list[list[ScreeningToolSuggestion]]
    ) -> list[CaseDecision]:
        """What the model decides for a batch of cases, in one call: the level (never below
        its floor), the level probabilities, and the listed screening tools with the learned
        triggers' additions. Inference and training's evaluation both use it."""
        from nlp.screening_tools import add_learned_tools

        return [
            CaseDecision(level, probabilities, add_learned_tools(listed, learned, self.version))
            for (level, probabilities), listed, learned in zip(self.decide_rows(rows, floors), listed_tools, self.learned_tools(rows))
        ]

    def decide_rows(self, rows: np.ndarray, floors: list[int]) -> list[tuple[int, dict[str, float]]]:
        probabilities = self.estimator.predict_proba(rows)
        chosen = self.estimator.decide(probabilities, rows)
        return [
            (max(int(level), floor), {str(k): round(float(p), 4) for k, p in zip(LEVELS, row)})  # never below the floor
            for level, floor, row in zip(chosen, floors, probabilities)
        ]
