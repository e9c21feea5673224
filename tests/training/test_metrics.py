"""Evaluation metrics against hand-computed values on tiny lists."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from nlp.suggestion import ContextFlags, Evidence, ImmediateRisk, IndicatorSuggestion, ScreeningToolSuggestion, Suggestion
from training.annotations import AnnotatedCase
from training.evaluate import evaluate_cases, render_report
from training.metrics import (
    evaluate_suggestions,
    expected_calibration_error,
    immediate_risk_metrics,
    indicator_metrics,
    kappa_interval,
    level_metrics,
    tool_metrics,
    trap_metrics,
    wilson_interval,
)

GOLD = [1, 2, 3, 4, 4, 2]
PREDICTED = [1, 2, 1, 4, 3, 3]


def quadratic_kappa_by_hand(gold, predicted, k=4):
    observed = np.zeros((k, k))
    for g, p in zip(gold, predicted):
        observed[g - 1, p - 1] += 1
    weights = np.array([[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)])
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    return 1 - (weights * observed).sum() / (weights * expected).sum()


def gold_case(case_id="c", *, level=1, indicators=(), required=(), completed=(), risk=False) -> AnnotatedCase:
    return AnnotatedCase.model_validate(
        {
            "id": case_id,
            "text": "x" * 100,
            "level": level,
            "indicators": list(indicators),
            "screening_tools": {"required": list(required), "completed": list(completed)},
            "immediate_risk": risk,
            "split": "test",
            "provenance": "synthetic",
            "annotator": "tester",
        }
    )


def gold_indicator(entry_id, start, end, *, affirmed=True, also=(), **context) -> dict:
    return {
        "id": entry_id,
        "also": list(also),
        "affirmed": affirmed,
        "evidence": [{"start": start, "end": end, "text": "x" * (end - start)}],
        "context": context,
    }


def suggested(entry_id, start=0, end=5, *, affirmed=True) -> IndicatorSuggestion:
    return IndicatorSuggestion(
        id=entry_id,
        level=2,
        domain="Test",
        framework="tower_hamlets_indicators",
        guidance_text="text",
        score=0.9,
        evidence=[Evidence(start=start, end=end, text="x" * (end - start))],
        context=ContextFlags(negated=not affirmed),
        affirmed=affirmed,
        matched_by=["rule"],
        explanation="test",
    )


def suggestion(*indicators, level=1, tools=None, risk=False, probabilities=None) -> Suggestion:
    return Suggestion(
        level=level,
        level_probabilities=probabilities or {"1": 0.7, "2": 0.1, "3": 0.1, "4": 0.1},
        level_explanation="test",
        indicators=list(indicators),
        screening_tools=[
            ScreeningToolSuggestion(tool=tool, status=status, reason="test", evidence=[])
            for tool, status in (tools or {}).items()
        ],
        immediate_risk=ImmediateRisk(flag=risk),
        model_version="test",
        catalogue_version="test",
    )


def test_metrics_level_hand_computed():
    metrics = level_metrics(GOLD, PREDICTED)
    assert metrics["n"] == 6
    assert metrics["accuracy"] == pytest.approx(3 / 6)
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0 + 2 / 3) / 4)
    assert metrics["under_call_rate"] == pytest.approx(2 / 6)
    assert metrics["over_call_rate"] == pytest.approx(1 / 6)
    assert metrics["severe_under_calls"] == 1  # gold 3, suggested 1
    assert metrics["level4_recall"] == pytest.approx(1 / 2)
    assert metrics["per_level_recall"] == pytest.approx({"1": 1.0, "2": 0.5, "3": 0.0, "4": 0.5})
    assert metrics["confusion"] == [[1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 1, 1]]


def test_metrics_quadratic_kappa_matches_sklearn_and_hand_formula():
    kappa = level_metrics(GOLD, PREDICTED)["quadratic_weighted_kappa"]
    assert kappa == pytest.approx(cohen_kappa_score(GOLD, PREDICTED, weights="quadratic"))
    assert kappa == pytest.approx(quadratic_kappa_by_hand(GOLD, PREDICTED))
    assert level_metrics([1, 2, 3, 4], [1, 2, 3, 4])["quadratic_weighted_kappa"] == pytest.approx(1.0)


# the champion's test-split confusion shape: 234 cases, many level-4 over-calls
CONFUSION = [[38, 3, 0, 7], [3, 37, 8, 5], [0, 5, 33, 26], [0, 0, 0, 69]]


def _cases(confusion):
    gold = [g + 1 for g in range(4) for p in range(4) for _ in range(confusion[g][p])]
    predicted = [p + 1 for g in range(4) for p in range(4) for _ in range(confusion[g][p])]
    return np.array(gold), np.array(predicted)


def test_kappa_interval_holds_the_estimate_and_agrees_with_resampling_cases():
    gold, predicted = _cases(CONFUSION)
    estimate = cohen_kappa_score(gold, predicted, weights="quadratic")
    low, high = kappa_interval(CONFUSION)
    assert low < estimate < high and 0.05 < high - low < 0.2
    assert kappa_interval(CONFUSION) == (low, high)  # seeded: the same interval every time
    rng = np.random.default_rng(1)
    resampled = []
    for _ in range(1000):  # the plain way: resample cases and ask scikit-learn
        rows = rng.integers(0, len(gold), len(gold))
        resampled.append(cohen_kappa_score(gold[rows], predicted[rows], weights="quadratic", labels=[1, 2, 3, 4]))
    plain_low, plain_high = np.percentile(resampled, [2.5, 97.5])
    assert abs(low - plain_low) < 0.015 and abs(high - plain_high) < 0.015


def test_kappa_interval_narrows_with_more_cases_and_is_none_without_cases():
    low, high = kappa_interval(CONFUSION)
    low4, high4 = kappa_interval([[4 * c for c in row] for row in CONFUSION])
    assert high4 - low4 < 0.7 * (high - low)
    assert kappa_interval([[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5]]) == (1.0, 1.0)
    assert kappa_interval([[0] * 4] * 4) is None


def test_wilson_interval_by_hand():
    low, high = wilson_interval(69, 69)
    assert high == 1.0 and low == pytest.approx(69 / (69 + 1.96**2))  # all hits: n / (n + z^2)
    low, high = wilson_interval(67, 69)
    assert low < 67 / 69 < high
    assert wilson_interval(0, 0) is None


def test_level_report_carries_the_intervals():
    gold, predicted = _cases(CONFUSION)
    level = level_metrics(list(gold), list(predicted))
    assert level["quadratic_weighted_kappa_ci95"] == kappa_interval(CONFUSION)
    assert level["level4_recall_ci95"] == wilson_interval(69, 69)


def test_metrics_severe_under_call_needs_two_levels():
    metrics = level_metrics([4, 4, 3, 2, 1], [3, 2, 1, 1, 4])
    assert metrics["severe_under_calls"] == 2  # 4->2 and 3->1; 4->3 and 2->1 are not severe, 1->4 is over
    assert metrics["under_call_rate"] == pytest.approx(4 / 5)


def test_metrics_level4_recall_absent_without_gold_level_4():
    assert level_metrics([1, 2, 3], [1, 4, 3])["level4_recall"] is None
    assert level_metrics([4, 4, 4], [4, 4, 3])["level4_recall"] == pytest.approx(2 / 3)


def test_metrics_ece_of_perfectly_calibrated_toy_is_zero():
    probabilities, gold = [], []
    for n in range(10):  # 60% confident in level 1, right 6 times in 10
        probabilities.append({"1": 0.6, "2": 0.2, "3": 0.1, "4": 0.1})
        gold.append(1 if n < 6 else 2)
    for n in range(10):  # 90% confident in level 3, right 9 times in 10
        probabilities.append({"1": 0.02, "2": 0.03, "3": 0.9, "4": 0.05})
        gold.append(3 if n < 9 else 4)
    assert expected_calibration_error(probabilities, gold) == pytest.approx(0.0, abs=1e-9)


def test_metrics_ece_of_overconfident_toy():
    certain = [{"1": 1.0, "2": 0.0, "3": 0.0, "4": 0.0}] * 4
    assert expected_calibration_error(certain, [2, 2, 2, 2]) == pytest.approx(1.0)
    assert expected_calibration_error(certain, [1, 1, 2, 2]) == pytest.approx(0.5)


def test_metrics_indicators_count_also_id_as_hit():
    case = gold_case(indicators=[gold_indicator("th.a", 0, 5, also=["st.a"])])
    metrics = indicator_metrics([case], [suggestion(suggested("st.a"))])
    assert metrics["micro_recall"] == 1.0
    assert metrics["micro_precision"] == 1.0


def test_metrics_indicators_affirmed_only():
    case = gold_case(
        indicators=[
            gold_indicator("th.a", 0, 5),
            gold_indicator("th.b", 10, 15),
            gold_indicator("th.neg", 20, 25, affirmed=False, negated=True),
        ]
    )
    predicted = suggestion(suggested("th.a"), suggested("th.wrong"), suggested("th.b", affirmed=False))
    metrics = indicator_metrics([case], [predicted])
    assert metrics["micro_recall"] == pytest.approx(1 / 2)  # th.b was only shown, not affirmed
    assert metrics["micro_precision"] == pytest.approx(1 / 2)  # th.wrong
    assert metrics["macro_recall"] == pytest.approx(1 / 2)
    assert metrics["macro_precision"] == pytest.approx(1 / 2)
    assert (metrics["gold_concerns"], metrics["suggested_affirmed"]) == (2, 2)


def test_metrics_indicators_empty():
    metrics = indicator_metrics([gold_case()], [suggestion()])
    assert metrics["micro_precision"] is None and metrics["micro_recall"] is None


def test_metrics_tools_count_completed_suppression():
    cases = [
        gold_case("1", required=["CSE"]),
        gold_case("2", required=["CSE"], completed=["CSE"]),
        gold_case("3", required=["CSE"], completed=["CSE"]),
        gold_case("4"),
        gold_case("5", required=["CSE"]),
    ]
    suggestions = [
        suggestion(tools={"CSE": "missing"}),
        suggestion(tools={"CSE": "completed"}),
        suggestion(tools={"CSE": "missing"}),
        suggestion(),
        suggestion(),
    ]
    report = tool_metrics(cases, suggestions)
    cse = report["CSE"]
    assert cse["missing_precision"] == pytest.approx(1 / 2)
    assert cse["missing_recall"] == pytest.approx(1 / 2)
    assert cse["required_recall"] == pytest.approx(3 / 4)
    assert cse["completed_suppression"] == pytest.approx(1 / 2)
    assert (cse["gold_missing"], cse["gold_required"], cse["gold_completed"]) == (2, 4, 2)
    assert report["COG"]["missing_recall"] is None and report["COG"]["completed_suppression"] is None


def test_metrics_traps_count_falsely_affirmed_overlapping_mention():
    case = gold_case(
        indicators=[
            gold_indicator("th.neg", 0, 8, affirmed=False, negated=True),
            gold_indicator("th.hist", 20, 30, affirmed=False, historical=True),
            gold_indicator("th.other", 40, 45, affirmed=False, other_person=True, also=["st.other"]),
            gold_indicator("th.plain", 50, 55, affirmed=False),
            gold_indicator("th.real", 60, 65),
        ]
    )
    predicted = suggestion(
        suggested("th.neg", 4, 12),  # overlaps the negated mention: a false affirmation
        suggested("th.hist", 31, 35),  # same id elsewhere: not this mention
        suggested("st.other", 44, 50),  # an equivalent id overlapping: false affirmation
        suggested("th.plain", 50, 55, affirmed=False),  # shown, not counted: fine
        suggested("th.real", 60, 65),
    )
    report = trap_metrics([case], [predicted])
    assert report["false_affirmation_rate"] == {"historical": 0.0, "negated": 1.0, "other_person": 1.0, "unflagged": 0.0}
    assert report["mentions"] == {"negated": 1, "historical": 1, "other_person": 1, "unflagged": 1}
    assert report["overall"] == pytest.approx(2 / 4)


def test_metrics_traps_touching_spans_do_not_overlap():
    case = gold_case(indicators=[gold_indicator("th.neg", 0, 8, affirmed=False, negated=True)])
    report = trap_metrics([case], [suggestion(suggested("th.neg", 8, 12))])
    assert report["false_affirmation_rate"] == {"negated": 0.0}


def test_metrics_immediate_risk():
    cases = [gold_case("1", risk=True), gold_case("2", risk=True), gold_case("3")]
    metrics = immediate_risk_metrics(cases, [suggestion(risk=True), suggestion(), suggestion(risk=True)])
    assert metrics == {"recall": 0.5, "precision": 0.5}


def test_metrics_evaluate_suggestions_has_every_section():
    report = evaluate_suggestions([gold_case(level=2)], [suggestion(level=1)])
    assert set(report) == {"level", "calibration_ece", "indicators", "screening_tools", "traps", "immediate_risk"}
    assert report["level"]["under_call_rate"] == 1.0


def test_evaluate_cases_on_mini_pipeline(mini_pipeline):
    text = "She has an older boyfriend aged 24 who buys her vodka. Mum denies drinking."
    start = text.index("older boyfriend")
    drinking = text.index("drinking")
    cases = [
        AnnotatedCase.model_validate(
            {
                "id": "cse-1",
                "text": text,
                "level": 4,
                "indicators": [
                    {"id": "th.social.l4.cse", "affirmed": True,
                     "evidence": [{"start": start, "end": start + 15, "text": "older boyfriend"}]},
                    {"id": "th.family.l2.drugs", "affirmed": False, "context": {"negated": True},
                     "evidence": [{"start": drinking, "end": drinking + 8, "text": "drinking"}]},
                ],
                "screening_tools": {"required": ["CSE"]},
                "split": "test",
                "provenance": "synthetic",
                "annotator": "tester",
            }
        ),
        gold_case("quiet", level=2),
    ]
    report = evaluate_cases(mini_pipeline, cases)
    assert report["level"]["n"] == 2
    assert report["level"]["level4_recall"] == 1.0
    assert report["level_errors"] == [{"id": "quiet", "gold": 2, "suggested": 1}]
    assert report["indicators"]["micro_recall"] == 1.0
    assert report["screening_tools"]["CSE"]["missing_recall"] == 1.0
    assert report["traps"]["false_affirmation_rate"] == {"negated": 0.0}
    assert report["catalogue_version"] == mini_pipeline.catalogue.version
    text_report = render_report(report)
    assert "Evaluation on 2 cases" in text_report
    assert "level-4 recall 1.000 (95% interval 0.207-1.000)" in text_report  # Wilson, one case of one
    low, high = report["level"]["quadratic_weighted_kappa_ci95"]
    assert f"quadratic weighted kappa {report['level']['quadratic_weighted_kappa']:.3f} (95% interval {low:.3f}-{high:.3f})" in text_report
