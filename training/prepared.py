"""Analysed and prepared cases: what training computes once per case, then per setting.

An analysed case is the guidance-rules suggestion, sentence embeddings and narrative-model
probabilities of an annotated case; preparing it applies one setting of the trained checks
(similarity bar, verifier, corroboration) and computes its case features and safety floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nlp.features import case_features
from nlp.level import safety_floor
from nlp.level_model import TrainedLevelModel
from nlp.suggestion import IndicatorSuggestion, Suggestion
from nlp.verifier import COUNTS_ON_ITS_OWN, counted_matches
from training.annotations import AnnotatedCase


@dataclass
class Analysed:
    case: AnnotatedCase
    suggestion: Suggestion  # the guidance-rules suggestion
    sentence_embeddings: np.ndarray
    narrative: np.ndarray | None = None  # narrative-model probabilities, levels then tools (out-of-fold on train)


@dataclass
class Prepared:
    """An analysed case after candidate verification, ready for the level model."""

    analysed: Analysed
    indicators: list[IndicatorSuggestion]
    features: np.ndarray
    floor: int


def screen(items: list[Analysed], verifier, threshold: float, bar: float, themes: list[str]) -> list[list[IndicatorSuggestion]]:
    """The first two trained checks (similarity bar, candidate verifier) of each case: tuning
    applies them once per setting and corroborates many ways (the verifier is the slow part)."""
    return [
        counted_matches(
            item.suggestion.indicators, similarity_bar=bar, verifier=verifier, verifier_threshold=threshold,
            theme_ids=themes, narrative_probabilities=None, corroboration=0.0,
        )
        for item in items
    ]


def prepare(
    items: list[Analysed], verifier, threshold: float, bar: float, corroboration: float, dimension: int, themes: list[str],
    counts_on_its_own: tuple[str, ...] = COUNTS_ON_ITS_OWN, counts_on_its_own_minimum: float = 0.0,
    universal_need_veto: float = 0.0, *, screened: list[list[IndicatorSuggestion]] | None = None,
) -> list[Prepared]:
    """Apply the trained checks in inference's order (nlp.verifier.counted_matches) and compute
    each case's features and safety floor; `screened` is `screen(...)` of the same items,
    threshold and bar, already computed."""
    screened = screened if screened is not None else screen(items, verifier, threshold, bar, themes)
    prepared = []
    for item, indicators in zip(items, screened):
        indicators = counted_matches(
            indicators, similarity_bar=0.0, verifier=None, verifier_threshold=0.0,
            theme_ids=themes, narrative_probabilities=item.narrative, corroboration=corroboration,
            counts_on_its_own=counts_on_its_own, counts_on_its_own_minimum=counts_on_its_own_minimum,
            universal_need_veto=universal_need_veto,
        )
        features = case_features(indicators, item.sentence_embeddings, themes, dimension, item.narrative)
        prepared.append(Prepared(item, indicators, features, safety_floor(indicators)))
    return prepared


def suggestions_with(model: TrainedLevelModel, prepared: list[Prepared]) -> list[Suggestion]:
    """The prepared cases' suggestions with the model's levels, decided in one call."""
    if not prepared:
        return []
    rows = np.stack([item.features for item in prepared])
    decisions = model.decide_cases(rows, [item.floor for item in prepared], [item.analysed.suggestion.screening_tools for item in prepared])
    return [
        item.analysed.suggestion.model_copy(update={
            "indicators": item.indicators, "level": d.level, "level_probabilities": d.probabilities, "model_version": model.version,
            "screening_tools": d.screening_tools,
        })
        for item, d in zip(prepared, decisions)
    ]
