"""Learned screening-tool triggers: thresholds chosen for recall, only ever adding a tool."""

from __future__ import annotations

import numpy as np

from nlp.screening_tools import add_learned_tools
from nlp.suggestion import Evidence, ScreeningToolSuggestion
from nlp.tool_model import choose_threshold, learned_tools, train_triggers


def _held_out(low_positive: float):
    """100 positives (97 at 0.9, 3 at `low_positive`) and 100 negatives at 0.3 or below."""
    probabilities = np.array([0.9] * 97 + [low_positive] * 3 + [0.3] * 50 + [0.1] * 50)
    return probabilities, np.array([1] * 100 + [0] * 100)


def test_the_threshold_is_the_most_precise_one_that_keeps_recall_at_its_lower_confidence_bound():
    probabilities, y = _held_out(0.42)
    # at 0.9 recall is 0.97 on these cases, but its lower 95% bound is 0.93: not safe enough
    assert choose_threshold(probabilities, y, target_recall=0.95) == 0.4
    assert choose_threshold(probabilities, y, target_recall=0.6) == 0.9
    assert choose_threshold(probabilities, np.zeros(200), target_recall=0.95) == 0.05
    # three positives are too few to show 0.95 at any threshold: the most cautious one
    assert choose_threshold(np.array([0.9, 0.8, 0.42, 0.3]), np.array([1, 1, 1, 0]), target_recall=0.95) == 0.05


def test_positives_the_guidance_already_flags_count_as_recalled_at_any_threshold():
    probabilities, y = _held_out(0.12)
    assert choose_threshold(probabilities, y, target_recall=0.95) == 0.1
    # the three low positives are flagged by the rules anyway: the trigger may be more precise
    already = [False] * 97 + [True] * 3 + [False] * 100
    assert choose_threshold(probabilities, y, target_recall=0.95, already=already) == 0.9


def test_thresholds_are_chosen_on_cross_validated_train_as_well_as_dev():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    required = [{"COG"} if x[0] + 0.8 * rng.normal() > 0.8 else set() for x in X]
    X_dev = rng.normal(size=(400, 4))  # enough positives (about 60) for the recall bound to reach 0.95
    required_dev = [{"COG"} if x[0] > 1.0 else set() for x in X_dev]  # an easy dev split
    chosen = train_triggers(X, required, X_dev, required_dev)[0].threshold
    dev_only = train_triggers(X, required, X_dev, required_dev, folds=1)[0].threshold
    assert chosen < dev_only  # the harder cross-validated train cases ask for a more cautious threshold


def test_triggers_learn_from_features_and_skip_tools_without_examples():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    required = [{"CSE"} if x[0] > 0.5 else set() for x in X]
    X_dev = rng.normal(size=(80, 5))
    required_dev = [{"CSE"} if x[0] > 0.5 else set() for x in X_dev]
    triggers = train_triggers(X, required, X_dev, required_dev)
    assert [t.tool for t in triggers] == ["CSE"]  # no COG examples: no COG trigger
    called = learned_tools(triggers, X_dev)
    positives = [i for i, r in enumerate(required_dev) if r]
    assert sum("CSE" in called[i] for i in positives) / len(positives) >= 0.95
    assert sum(bool(c) for c in called) < len(X_dev)  # it does not simply flag everything


def test_a_learned_tool_is_added_only_when_the_rules_did_not_list_it():
    done = ScreeningToolSuggestion(tool="CSE", status="completed", reason="attached", evidence=[Evidence(start=0, end=3, text="CSE")])
    tools = add_learned_tools([done], {"CSE": 0.7, "COG": 0.4}, "threshold-assist/3")
    assert [(t.tool, t.status) for t in tools] == [("CSE", "completed"), ("COG", "missing")]
    assert "threshold-assist/3" in tools[1].reason and "40%" in tools[1].reason


def test_the_fold_seed_reshuffles_the_triggers_cross_validated_train_cases():
    from nlp.tool_model import _out_of_fold

    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + rng.normal(size=200) > 0.5).astype(int)
    assert np.array_equal(_out_of_fold(X, y, 5), _out_of_fold(X, y, 5, seed=0))  # 0: every registered version's
    assert not np.allclose(_out_of_fold(X, y, 5, seed=0), _out_of_fold(X, y, 5, seed=1))
