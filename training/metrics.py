"""Evaluation metrics of DESIGN.md section 6, computed from gold cases and Suggestions."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score, recall_score

from nlp.statistics import quadratic_kappa_of_counts, wilson_interval
from nlp.suggestion import SCREENING_TOOLS, Suggestion
from training.annotations import AnnotatedCase

LEVELS = [1, 2, 3, 4]
TOOLS = SCREENING_TOOLS
TRAP_FLAGS = ("negated", "historical", "hypothetical", "other_person", "uncertain")


KAPPA_RESAMPLES = 2000


def kappa_interval(confusion: list[list[int]], confidence: float = 0.95, n_resamples: int = KAPPA_RESAMPLES, seed: int = 0) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the quadratic weighted kappa, resampling cases with
    replacement. Drawing a case at random is drawing a cell of the confusion matrix with
    probability count / n, so the interval needs only the matrix (and the same seed gives
    the same interval). None without cases."""
    counts = np.asarray(confusion, dtype=float)
    n = int(counts.sum())
    if n == 0:
        return None
    draws = np.random.default_rng(seed).multinomial(n, (counts / n).ravel(), size=n_resamples).reshape(-1, 4, 4)
    kappas = quadratic_kappa_of_counts(draws)
    kappas = kappas[np.isfinite(kappas)]
    if len(kappas) == 0:  # every resample used one level only: kappa is undefined
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(kappas, [tail, 100 - tail])
    return float(low), float(high)


def level_intervals(level: dict) -> dict:
    """95% intervals of a level report's kappa and level-4 recall, from its confusion matrix: how
    far the figures of a few hundred test cases could move on another sample of referrals."""
    confusion = level["confusion"]
    return {
        "quadratic_weighted_kappa_ci95": kappa_interval(confusion),
        "level4_recall_ci95": wilson_interval(confusion[3][3], sum(confusion[3])),
    }


def level_metrics(gold: list[int], predicted: list[int]) -> dict:
    gold_a, pred_a = np.asarray(gold), np.asarray(predicted)
    under = pred_a < gold_a
    severe = (gold_a - pred_a) >= 2
    l4 = gold_a == 4
    report = {
        "n": int(len(gold_a)),
        "accuracy": float(accuracy_score(gold_a, pred_a)),
        "macro_f1": float(f1_score(gold_a, pred_a, labels=LEVELS, average="macro", zero_division=0)),
        "quadratic_weighted_kappa": float(cohen_kappa_score(gold_a, pred_a, labels=LEVELS, weights="quadratic")),
        "level4_recall": float(recall_score(l4, pred_a == 4, zero_division=0)) if l4.any() else None,
        "level4_cases": int(l4.sum()),
        "under_call_rate": float(under.mean()),
        "severe_under_calls": int(severe.sum()),
        "over_call_rate": float((pred_a > gold_a).mean()),
        "per_level_recall": {
            str(k): float(((pred_a == k) & (gold_a == k)).sum() / max(1, (gold_a == k).sum())) for k in LEVELS
        },
        "confusion": [[int(((gold_a == g) & (pred_a == p)).sum()) for p in LEVELS] for g in LEVELS],
    }
    return {**report, **level_intervals(report)}


def expected_calibration_error(probabilities: list[dict[str, float]], gold: list[int], bins: int = 10) -> float:
    """ECE of the top level probability against whether that level is right."""
    confidence = np.array([max(p.values()) for p in probabilities])
    chosen = np.array([int(max(p, key=p.get)) for p in probabilities])
    correct = chosen == np.asarray(gold)
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return float(error)


def indicator_metrics(cases: list[AnnotatedCase], suggestions: list[Suggestion]) -> dict:
    """Affirmed indicators. A gold concern is its id plus equivalent ids in other frameworks:
    it is recalled when any of them is suggested; a suggested id is correct when it belongs
    to any gold affirmed concern of the case."""
    recalled = total_gold = correct = total_predicted = 0
    per_id_gold: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # id -> [recalled, total]
    per_id_pred: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # id -> [correct, total]
    for case, suggestion in zip(cases, suggestions):
        predicted = {i.id for i in suggestion.indicators if i.affirmed}
        gold = [g for g in case.indicators if g.affirmed]
        allowed = set().union(*(g.ids for g in gold)) if gold else set()
        for concern in gold:
            hit = bool(concern.ids & predicted)
            recalled += hit
            total_gold += 1
            per_id_gold[concern.id][0] += hit
            per_id_gold[concern.id][1] += 1
        for entry_id in predicted:
            ok = entry_id in allowed
            correct += ok
            total_predicted += 1
            per_id_pred[entry_id][0] += ok
            per_id_pred[entry_id][1] += 1
    return {
        "micro_precision": correct / total_predicted if total_predicted else None,
        "micro_recall": recalled / total_gold if total_gold else None,
        "macro_precision": float(np.mean([c / t for c, t in per_id_pred.values()])) if per_id_pred else None,
        "macro_recall": float(np.mean([r / t for r, t in per_id_gold.values()])) if per_id_gold else None,
        "gold_concerns": total_gold,
        "suggested_affirmed": total_predicted,
    }


def tool_metrics(cases: list[AnnotatedCase], suggestions: list[Suggestion]) -> dict:
    """Per tool: precision/recall of 'missing' (required and not yet completed), recall of any
    flag for a required tool, and suppression of tools the referral says are completed."""
    report = {}
    for tool in TOOLS:
        tp = fp = fn = 0
        required = flagged_when_required = 0
        completed = suppressed = 0
        for case, suggestion in zip(cases, suggestions):
            status = {t.tool: t.status for t in suggestion.screening_tools}
            gold_missing = tool in case.screening_tools.required and tool not in case.screening_tools.completed
            predicted_missing = status.get(tool) == "missing"
            tp += gold_missing and predicted_missing
            fp += predicted_missing and not gold_missing
            fn += gold_missing and not predicted_missing
            if tool in case.screening_tools.required:
                required += 1
                flagged_when_required += tool in status
            if tool in case.screening_tools.completed:
                completed += 1
                suppressed += status.get(tool) == "completed"
        report[tool] = {
            "missing_precision": tp / (tp + fp) if tp + fp else None,
            "missing_recall": tp / (tp + fn) if tp + fn else None,
            "required_recall": flagged_when_required / required if required else None,
            "completed_suppression": suppressed / completed if completed else None,
            "gold_missing": tp + fn,
            "gold_required": required,
            "gold_completed": completed,
        }
    return report


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def trap_metrics(cases: list[AnnotatedCase], suggestions: list[Suggestion]) -> dict:
    """False-affirmation rate: gold non-affirmed mentions the pipeline counted anyway
    (an affirmed suggestion for one of its ids whose evidence overlaps the mention)."""
    mentions: Counter = Counter()
    false: Counter = Counter()
    for case, suggestion in zip(cases, suggestions):
        affirmed = [i for i in suggestion.indicators if i.affirmed]
        for gold in case.indicators:
            if gold.affirmed:
                continue
            kinds = [flag for flag in TRAP_FLAGS if getattr(gold.context, flag)] or ["unflagged"]
            hit = any(
                indicator.id in gold.ids
                and any(_overlaps(e.start, e.end, g.start, g.end) for e in indicator.evidence for g in gold.evidence)
                for indicator in affirmed
            )
            for kind in kinds:
                mentions[kind] += 1
                false[kind] += hit
    rates = {kind: false[kind] / mentions[kind] for kind in sorted(mentions)}
    total = sum(mentions.values())
    return {
        "false_affirmation_rate": rates,
        "overall": sum(false.values()) / total if total else None,
        "mentions": dict(mentions),
    }


def immediate_risk_metrics(cases: list[AnnotatedCase], suggestions: list[Suggestion]) -> dict:
    gold = np.array([c.immediate_risk for c in cases])
    predicted = np.array([s.immediate_risk.flag for s in suggestions])
    return {
        "recall": float((gold & predicted).sum() / gold.sum()) if gold.any() else None,
        "precision": float((gold & predicted).sum() / predicted.sum()) if predicted.any() else None,
    }


def evaluate_suggestions(cases: list[AnnotatedCase], suggestions: list[Suggestion]) -> dict:
    gold_levels = [c.level for c in cases]
    predicted_levels = [s.level for s in suggestions]
    return {
        "level": level_metrics(gold_levels, predicted_levels),
        "calibration_ece": expected_calibration_error([s.level_probabilities for s in suggestions], gold_levels),
        "indicators": indicator_metrics(cases, suggestions),
        "screening_tools": tool_metrics(cases, suggestions),
        "traps": trap_metrics(cases, suggestions),
        "immediate_risk": immediate_risk_metrics(cases, suggestions),
    }
