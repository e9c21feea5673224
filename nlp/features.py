"""Case features for the trained level model, computed from the pipeline's own output.

One row per narrative: affirmed indicators per level (count, best score), the highest
affirmed level per concern theme, non-counted mentions per context flag, tool triggers,
cluster size, the mean sentence embedding of the narrative and, with a narrative model,
its log-probabilities of each level and of each screening tool.
"""

from __future__ import annotations

import numpy as np

from nlp.narrative_model import log_probabilities
from nlp.suggestion import IndicatorSuggestion

CONTEXT_KINDS = ("negated", "historical", "hypothetical", "other_person", "uncertain", "non_concern")
FRAMEWORKS = ("tower_hamlets_indicators", "pan_london_matrix", "sutton_tier_summary", "section_47")


NARRATIVE_FEATURES = 6  # log P(level = k), k = 1..4, then log P(tool required) for CSE, COG


def feature_names(theme_ids: list[str], embedding_dimension: int, narrative: bool = False) -> list[str]:
    names = []
    for level in (1, 2, 3, 4):
        names += [f"affirmed_count_l{level}", f"affirmed_best_score_l{level}", f"rule_hits_l{level}"]
    names += [f"theme_max_level::{t}" for t in theme_ids]
    names += [f"framework_max_level::{f}" for f in FRAMEWORKS]
    names += [f"not_counted::{k}" for k in CONTEXT_KINDS]
    names += ["safety_floor", "level2_concerns", "level2_themes", "tools_called_for", "sentences"]
    names += [f"embedding_{i}" for i in range(embedding_dimension)]
    if narrative:
        names += [f"narrative_log_p_l{k}" for k in range(1, 5)] + ["narrative_log_p_cse", "narrative_log_p_cog"]
    return names


def case_features(
    indicators: list[IndicatorSuggestion],
    sentence_embeddings: np.ndarray | None,
    theme_ids: list[str],
    embedding_dimension: int,
    narrative_probabilities: np.ndarray | None = None,
) -> np.ndarray:
    affirmed = [i for i in indicators if i.affirmed]
    row: list[float] = []
    for level in (1, 2, 3, 4):
        at_level = [i for i in affirmed if i.level == level]
        row += [
            len(at_level),
            max((i.score for i in at_level), default=0.0),
            sum("rule" in i.matched_by for i in at_level),
        ]
    # one pass over the matches, not one per theme: tuning computes these rows ~100,000 times
    theme_level: dict[str, int] = {}
    for indicator in affirmed:
        for theme in indicator.themes:
            theme_level[theme] = max(theme_level.get(theme, 0), indicator.level)
    row += [theme_level.get(theme, 0) for theme in theme_ids]
    for framework in FRAMEWORKS:
        row.append(max((i.level for i in affirmed if i.framework == framework), default=0))
    for kind in CONTEXT_KINDS:
        row.append(sum(1 for i in indicators if not i.affirmed and getattr(i.context, kind)))
    level_two = [i for i in affirmed if i.level == 2]
    row += [
        max((i.level for i in affirmed), default=1),
        len({e.start for i in level_two for e in i.evidence}),
        len({t for i in level_two for t in i.themes}),
        sum(1 for i in affirmed if i.screening_tools),
        0 if sentence_embeddings is None else len(sentence_embeddings),
    ]
    if sentence_embeddings is None or len(sentence_embeddings) == 0:
        mean = np.zeros(embedding_dimension, dtype=np.float32)
    else:
        mean = np.asarray(sentence_embeddings).mean(axis=0)
    parts = [np.asarray(row, dtype=np.float32), mean.astype(np.float32)]
    if narrative_probabilities is not None:
        parts.append(log_probabilities(narrative_probabilities[None, :])[0].astype(np.float32))
    return np.concatenate(parts)
