"""suggest_level on hand-built indicator lists: the safety floor, clusters, and what never counts."""

import random

import pytest

from nlp.level import LevelRules, safety_floor, suggest_level
from nlp.rules.loader import read_rules
from testkit import make_indicator

NOT_COUNTED_FLAGS = ("negated", "historical", "hypothetical", "other_person", "non_concern")


@pytest.fixture(scope="module")
def rules() -> LevelRules:
    return LevelRules.from_dict(read_rules("level_rules.yaml"))


indicator = make_indicator


def test_level_nothing_found_is_level_1(rules):
    decision = suggest_level([], rules)
    assert decision.level == 1
    assert "no current concern" in decision.explanation


def test_level_only_level_1_descriptors_is_level_1(rules):
    decision = suggest_level([indicator("t.healthy", 1, themes=("no_additional_needs",))], rules)
    assert decision.level == 1
    assert "t.healthy" in decision.explanation


def test_level_single_affirmed_level_4_gives_4(rules):
    decision = suggest_level([indicator("t.l2", 2), indicator("t.l4", 4, start=20)], rules)
    assert decision.level == 4
    assert "t.l4" in decision.explanation


def test_level_section_47_criterion_gives_4(rules):
    s47 = indicator("s47.02_serious_injury_sexual_abuse", 4, themes=("sexual_abuse", "immediate_risk"))
    decision = suggest_level([indicator("t.healthy", 1), s47], rules)
    assert decision.level == 4
    assert "s47.02_serious_injury_sexual_abuse" in decision.explanation


@pytest.mark.parametrize("flag", NOT_COUNTED_FLAGS)
def test_level_not_affirmed_mentions_do_not_raise_the_level(rules, flag):
    mentions = [indicator("t.l4", 4, affirmed=False, flag=flag), indicator("t.l3", 3, affirmed=False, flag=flag)]
    decision = suggest_level([indicator("t.l2", 2, start=50), *mentions], rules)
    assert decision.level == 2
    assert "t.l4" not in decision.explanation and "t.l3" not in decision.explanation
    assert "2 mention(s) were shown but not counted" in decision.explanation


def test_level_only_not_affirmed_mentions_is_level_1(rules):
    decision = suggest_level([indicator("t.l4", 4, affirmed=False, flag="negated")], rules)
    assert decision.level == 1
    assert decision.probabilities["4"] == 0.0


def test_level_cluster_of_level_2_concerns_gives_3(rules):
    cluster = [
        indicator("t.attendance", 2, themes=("education",), start=0),
        indicator("t.appointments", 2, themes=("physical_health",), start=40),
        indicator("t.peers", 2, themes=("relationships",), start=80),
    ]
    decision = suggest_level(cluster, rules)
    assert decision.level == 3
    assert decision.floor == 2
    assert decision.cluster is True
    assert "cluster of 3 level-2 concerns across 3 themes" in decision.explanation


def test_level_two_level_2_concerns_are_not_a_cluster(rules):
    pair = [
        indicator("t.attendance", 2, themes=("education",), start=0),
        indicator("t.appointments", 2, themes=("physical_health",), start=40),
    ]
    assert suggest_level(pair, rules).level == 2


def test_level_three_level_2_mentions_of_one_theme_in_one_sentence_are_not_a_cluster(rules):
    same_theme = [
        indicator("t.attendance", 2, themes=("education",), start=0),
        indicator("t.absence", 2, themes=("education",), start=12),
        indicator("t.lateness", 2, themes=("education",), start=25),
    ]
    decision = suggest_level(same_theme, rules)
    assert decision.level == 2
    assert decision.cluster is False


def test_level_one_sentence_matched_three_times_is_one_concern(rules):
    # Three entries matched by embedding share the sentence's evidence span.
    one_sentence = [
        indicator("t.attendance", 2, themes=("education",), start=0),
        indicator("t.appointments", 2, themes=("physical_health",), start=0),
        indicator("t.peers", 2, themes=("relationships",), start=0),
    ]
    assert suggest_level(one_sentence, rules).level == 2


def test_level_cluster_needs_affirmed_indicators(rules):
    cluster = [
        indicator("t.attendance", 2, themes=("education",), start=0),
        indicator("t.appointments", 2, themes=("physical_health",), start=40),
        indicator("t.peers", 2, themes=("relationships",), start=80, affirmed=False, flag="historical"),
    ]
    assert suggest_level(cluster, rules).level == 2


def test_level_probabilities_sum_to_one_over_four_levels(rules):
    for indicators in ([], [indicator("t.l2", 2)], [indicator("t.l3", 3, score=0.6), indicator("t.l4", 4, start=9)]):
        probabilities = suggest_level(indicators, rules).probabilities
        assert list(probabilities) == ["1", "2", "3", "4"]
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-3)
        assert all(0.0 <= p <= 1.0 for p in probabilities.values())


def test_level_probabilities_favour_the_suggested_level(rules):
    decision = suggest_level([indicator("t.l3", 3, score=0.7)], rules)
    assert max(decision.probabilities, key=decision.probabilities.get) == "3"


def test_level_explanation_lists_driving_indicator_ids(rules):
    indicators = [indicator("t.l3a", 3), indicator("t.l3b", 3, start=30), indicator("t.l2", 2, start=60)]
    decision = suggest_level(indicators, rules)
    assert decision.explanation.startswith("Level 3 (child in need (S.17)) because affirmed level-3 indicator(s)")
    assert "(t.l3a)" in decision.explanation and "(t.l3b)" in decision.explanation
    assert "t.l2" not in decision.explanation


def test_level_safety_floor_holds_for_random_indicator_lists(rules):
    generator = random.Random(20240611)
    themes = ["neglect", "education", "physical_health", "relationships", "domestic_abuse", "cse"]
    flags = [None, *NOT_COUNTED_FLAGS, "uncertain"]
    for case in range(500):
        indicators = []
        for n in range(generator.randint(0, 8)):
            flag = generator.choice(flags)
            affirmed = flag in (None, "uncertain")
            indicators.append(
                indicator(
                    f"t.{case}.{n}",
                    generator.randint(1, 4),
                    affirmed=affirmed,
                    flag=flag,
                    themes=generator.sample(themes, generator.randint(1, 2)),
                    start=generator.randrange(0, 400, 10),
                    score=round(generator.uniform(0.55, 1.0), 3),
                )
            )
        decision = suggest_level(indicators, rules)
        affirmed_levels = [i.level for i in indicators if i.affirmed]
        highest = max(affirmed_levels, default=1)
        assert decision.level >= highest, indicators
        assert decision.floor == safety_floor(indicators) == highest
        assert decision.level <= max(highest, 3 if highest == 2 else highest)
        # Mentions that are not affirmed never change the suggestion.
        assert suggest_level([i for i in indicators if i.affirmed], rules).level == decision.level
        assert sum(decision.probabilities.values()) == pytest.approx(1.0, abs=1e-3)


def test_level_rules_read_from_data():
    rules = LevelRules.from_dict(read_rules("level_rules.yaml"))
    assert rules.level_names[4] == "child protection (S.47)"
    assert (rules.cluster_min_concerns, rules.cluster_min_themes) == (3, 2)
