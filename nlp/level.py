"""Suggest a level from affirmed indicators, following the guidance (DESIGN.md section 4).

Safety floor: the suggestion is never below the highest level of an affirmed
indicator; mentions that are negated, historical, hypothetical, about someone else
or not a concern are shown but never raise the level.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlp.suggestion import IndicatorSuggestion


@dataclass(frozen=True)
class LevelRules:
    level_names: dict[int, str]
    cluster_min_concerns: int
    cluster_min_themes: int
    level_1_prior: float
    chosen_level_bonus: float

    @classmethod
    def from_dict(cls, data: dict) -> LevelRules:
        return cls(
            level_names={int(k): str(v) for k, v in data["level_names"].items()},
            cluster_min_concerns=int(data["cluster"]["min_concerns"]),
            cluster_min_themes=int(data["cluster"]["min_themes"]),
            level_1_prior=float(data["heuristic"]["level_1_prior"]),
            chosen_level_bonus=float(data["heuristic"]["chosen_level_bonus"]),
        )


@dataclass(frozen=True)
class LevelDecision:
    level: int
    floor: int
    probabilities: dict[str, float]
    explanation: str
    cluster: bool


def safety_floor(indicators: list[IndicatorSuggestion]) -> int:
    return max((i.level for i in indicators if i.affirmed), default=1)


def _cluster(indicators: list[IndicatorSuggestion], rules: LevelRules) -> tuple[bool, int, int]:
    level_two = [i for i in indicators if i.affirmed and i.level == 2]
    concerns = {e.start for i in level_two for e in i.evidence}
    themes = {t for i in level_two for t in i.themes if t != "no_additional_needs"}
    found = len(concerns) >= rules.cluster_min_concerns and len(themes) >= rules.cluster_min_themes
    return found, len(concerns), len(themes)


def heuristic_probabilities(indicators: list[IndicatorSuggestion], level: int, rules: LevelRules) -> dict[str, float]:
    weights = {1: rules.level_1_prior}
    for k in (2, 3, 4):
        weights[k] = max((i.score for i in indicators if i.affirmed and i.level == k), default=0.0)
    weights[level] += rules.chosen_level_bonus
    total = sum(weights.values())
    return {str(k): round(weights[k] / total, 4) for k in (1, 2, 3, 4)}


def _names(indicators: list[IndicatorSuggestion], limit: int = 4) -> str:
    shown = [f'"{i.guidance_text[:80]}" ({i.id})' for i in indicators[:limit]]
    more = len(indicators) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def suggest_level(indicators: list[IndicatorSuggestion], rules: LevelRules) -> LevelDecision:
    floor = safety_floor(indicators)
    level = floor
    cluster, n_concerns, n_themes = _cluster(indicators, rules)
    if floor == 2 and cluster:
        level = 3

    affirmed_at = [i for i in indicators if i.affirmed and i.level == floor]
    not_counted = [i for i in indicators if not i.affirmed]
    name = rules.level_names[level]
    if level == 1 and not affirmed_at:
        why = "no current concern was found"
    elif level == 1:
        why = "only level-1 descriptors (needs met by universal services): " + _names(affirmed_at)
    elif cluster and floor == 2:
        why = (
            f"a cluster of {n_concerns} level-2 concerns across {n_themes} themes, which together "
            f"may indicate a level-3 need: " + _names(affirmed_at)
        )
    else:
        why = f"affirmed level-{floor} indicator(s): " + _names(affirmed_at)
    explanation = f"Level {level} ({name}) because {why}."
    if not_counted:
        explanation += (
            f" {len(not_counted)} mention(s) were shown but not counted (negated, historical, "
            "hypothetical, about someone else or not a concern)."
        )
    probabilities = heuristic_probabilities(indicators, level, rules)
    return LevelDecision(level, floor, probabilities, explanation, cluster)
