import numpy as np

from testkit import make_indicator
from nlp.verifier import raise_similarity_bar


def _indicator(level, score, matched_by, affirmed=True):
    return make_indicator(f"x.l{level}.{score}", level, score=score, matched_by=matched_by, affirmed=affirmed)


def test_similarity_bar_sets_aside_weak_similarity_only_matches_below_level_4():
    weak = _indicator(3, 0.61, ["embedding"])
    kept = raise_similarity_bar([weak], 0.64)[0]
    assert not kept.affirmed
    assert "weak match: similarity 0.61" in kept.context.triggers
    assert "tuned on dev" in kept.explanation


def test_similarity_bar_never_touches_level_4_keyword_or_strong_matches():
    level4 = _indicator(4, 0.56, ["embedding"])
    keyword = _indicator(3, 0.61, ["rule"])
    both = _indicator(2, 0.61, ["embedding", "rule"])
    strong = _indicator(3, 0.70, ["embedding"])
    result = raise_similarity_bar([level4, keyword, both, strong], 0.64)
    assert all(i.affirmed for i in result)


def test_similarity_bar_zero_keeps_everything():
    weak = _indicator(2, 0.55, ["embedding"])
    assert raise_similarity_bar([weak], 0.0) == [weak]


def test_corroboration_sets_aside_matches_the_narrative_does_not_support():
    from nlp.verifier import corroborate

    need = np.array([1.0, 0.9, 0.25, 0.05])  # P(level >= k), k = 1..4
    level4_similarity = _indicator(4, 0.7, ["embedding"])
    level4_keyword = _indicator(4, 1.0, ["rule"])
    level3 = _indicator(3, 0.8, ["rule"])
    level2 = _indicator(2, 0.8, ["embedding"])
    result = corroborate([level4_similarity, level4_keyword, level3, level2], need, 0.3)
    assert [i.affirmed for i in result] == [False, False, False, True]
    assert "weak match: narrative 0.05" in result[0].context.triggers
    assert "level-4 need a probability of 0.05" in result[0].explanation


def test_corroboration_keeps_a_level_4_match_found_by_both_methods_and_everything_at_zero():
    from nlp.verifier import corroborate

    need = np.array([1.0, 0.1, 0.05, 0.01])
    both = _indicator(4, 0.9, ["embedding", "rule"])
    level1 = _indicator(1, 0.9, ["embedding"])
    negated = _indicator(3, 0.9, ["rule"], affirmed=False)
    assert [i.affirmed for i in corroborate([both, level1, negated], need, 0.5)] == [True, True, False]
    weak = _indicator(3, 0.9, ["rule"])
    assert corroborate([weak], need, 0.0) == [weak]


def test_corroboration_never_sets_aside_a_section_47_criterion():
    from nlp.verifier import corroborate

    need = np.array([1.0, 0.2, 0.05, 0.01])  # the narrative model sees almost no level-4 need
    criterion = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["rule"], framework="section_47")
    indicator = make_indicator("th.x.l4", 4, matched_by=["rule"])
    level3_s47_like = make_indicator("s47.x", 3, matched_by=["rule"], framework="section_47")
    result = corroborate([criterion, indicator, level3_s47_like], need, 0.3)
    assert [i.affirmed for i in result] == [True, False, False]


def test_corroboration_never_sets_aside_an_immediate_risk_indicator_at_level_4():
    from nlp.verifier import corroborate

    need = np.array([1.0, 0.3, 0.1, 0.02])
    suicidal = make_indicator("th.emotional.l4.suicidal_thoughts", 4, matched_by=["rule"], themes=("self_harm", "immediate_risk"))
    other = make_indicator("th.x.l4", 4, matched_by=["rule"], themes=("neglect",))
    assert [i.affirmed for i in corroborate([suicidal, other], need, 0.3)] == [True, False]


def test_corroboration_kinds_come_from_the_model_so_an_older_champion_keeps_its_behaviour():
    from nlp.verifier import BEFORE_CATALOGUE_1_1, corroborate

    need = np.array([1.0, 0.2, 0.05, 0.01])
    criterion = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["rule"], framework="section_47")
    both = make_indicator("th.x.l4", 4, matched_by=["rule", "embedding"])
    assert [i.affirmed for i in corroborate([criterion, both], need, 0.3, counts_on_its_own=BEFORE_CATALOGUE_1_1)] == [False, True]
    assert [i.affirmed for i in corroborate([criterion, both], need, 0.3)] == [True, True]


def test_keyword_kinds_count_a_section_47_or_immediate_risk_match_only_when_a_keyword_found_it():
    from nlp.verifier import FOUND_TWICE, IMMEDIATE_RISK_KEYWORD, SECTION_47_KEYWORD, corroborate

    need = np.array([1.0, 0.2, 0.05, 0.01])
    kinds = (FOUND_TWICE, SECTION_47_KEYWORD, IMMEDIATE_RISK_KEYWORD)
    criterion_by_keyword = make_indicator("s47.19_fgm_hbv_forced_marriage", 4, matched_by=["rule"], framework="section_47")
    # "Crawling, pulling to stand, babbling" resembles the pre-mobile injury row: similarity alone
    criterion_by_similarity = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["embedding"], framework="section_47")
    risk_by_keyword = make_indicator("th.emotional.l4.suicidal_thoughts", 4, matched_by=["rule"], themes=("immediate_risk",))
    risk_by_similarity = make_indicator("th.family.l4.imminent_family_breakdown", 4, matched_by=["embedding"], themes=("immediate_risk",))
    cases = [criterion_by_keyword, criterion_by_similarity, risk_by_keyword, risk_by_similarity]
    assert [i.affirmed for i in corroborate(cases, need, 0.3, counts_on_its_own=kinds)] == [True, False, True, False]
    only_section_47 = (FOUND_TWICE, SECTION_47_KEYWORD)
    assert [i.affirmed for i in corroborate(cases, need, 0.3, counts_on_its_own=only_section_47)] == [True, False, False, False]
    # a corroborated match always counts, whatever found it
    assert all(i.affirmed for i in corroborate(cases, np.array([1.0, 1.0, 0.9, 0.8]), 0.3, counts_on_its_own=only_section_47))


def test_an_unknown_kind_from_a_newer_model_is_refused_rather_than_ignored():
    import pytest

    from nlp.verifier import corroborate

    criterion = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["rule"], framework="section_47")
    with pytest.raises(ValueError, match="unknown kinds"):
        corroborate([criterion], np.array([1.0, 0.2, 0.05, 0.01]), 0.3, counts_on_its_own=("found_by_magic",))


def test_kinds_that_count_on_their_own_face_their_lower_bar_but_a_match_found_twice_never_does():
    from nlp.verifier import COUNTS_ON_ITS_OWN, corroborate

    criterion = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["embedding"], framework="section_47")
    risk = make_indicator("th.emotional.l4.suicidal_thoughts", 4, matched_by=["rule"], themes=("immediate_risk",))
    both = make_indicator("th.x.l4", 4, matched_by=["rule", "embedding"])
    ordinary = make_indicator("th.y.l4", 4, matched_by=["rule"])
    cases = [criterion, risk, both, ordinary]
    all_but_ruled_out = np.array([1.0, 0.2, 0.05, 0.01])  # P(level 4) 0.01
    doubted = np.array([1.0, 0.5, 0.2, 0.08])  # P(level 4) 0.08: below 0.3, above the lower bar
    assert [i.affirmed for i in corroborate(cases, all_but_ruled_out, 0.3, COUNTS_ON_ITS_OWN, 0.05)] == [False, False, True, False]
    assert [i.affirmed for i in corroborate(cases, doubted, 0.3, COUNTS_ON_ITS_OWN, 0.05)] == [True, True, True, False]
    set_aside = corroborate(cases, all_but_ruled_out, 0.3, COUNTS_ON_ITS_OWN, 0.05)[0]
    assert "below 0.05 tuned on held-out cases" in set_aside.explanation
    # 0, the default and every earlier model's: those kinds count whatever the narrative says
    assert [i.affirmed for i in corroborate(cases, all_but_ruled_out, 0.3, COUNTS_ON_ITS_OWN)] == [True, True, True, False]


def test_the_lower_bar_is_never_above_the_ordinary_one():
    from nlp.verifier import COUNTS_ON_ITS_OWN, corroborate

    criterion = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["rule"], framework="section_47")
    need = np.array([1.0, 0.6, 0.4, 0.25])
    assert corroborate([criterion], need, 0.2, COUNTS_ON_ITS_OWN, 0.3)[0].affirmed


def test_a_referral_read_as_universal_need_sets_aside_every_level_4_match_found_twice_included():
    from nlp.verifier import COUNTS_ON_ITS_OWN, corroborate

    both = make_indicator("th.parenting.l4.allegation_abuse_nai", 4, matched_by=["rule", "embedding"])
    criterion = make_indicator("s47.01_pre_mobile_injury", 4, matched_by=["rule"], framework="section_47")
    level2 = make_indicator("th.x.l2", 2, matched_by=["rule"])
    universal = np.array([1.0, 0.4, 0.1, 0.05])  # P(level 1) 0.6: a checked-and-cleared contact
    result = corroborate([both, criterion, level2], universal, 0.3, COUNTS_ON_ITS_OWN, 0.0, universal_need_veto=0.5)
    assert [i.affirmed for i in result] == [False, False, True]  # lower levels keep the ordinary bar
    assert "weak match: narrative level 1 0.60" in result[0].context.triggers
    assert "reads the referral as universal need, P(level 1) 0.60 at least 0.50" in result[0].explanation
    # just below the veto, or with the veto off (every earlier model), the match found twice counts
    doubted = np.array([1.0, 0.52, 0.1, 0.05])  # P(level 1) 0.48
    assert corroborate([both], doubted, 0.3, COUNTS_ON_ITS_OWN, 0.0, universal_need_veto=0.5)[0].affirmed
    assert corroborate([both], universal, 0.3, COUNTS_ON_ITS_OWN, 0.0)[0].affirmed
    # with corroboration off the narrative model sets nothing aside
    assert corroborate([both], universal, 0.0, COUNTS_ON_ITS_OWN, 0.0, universal_need_veto=0.5)[0].affirmed


def test_the_universal_need_veto_reaches_inference_through_the_trained_checks():
    from nlp.verifier import counted_matches

    both = make_indicator("th.parenting.l4.allegation_abuse_nai", 4, matched_by=["rule", "embedding"])
    narrative = np.array([0.7, 0.2, 0.05, 0.05, 0.1, 0.1])  # levels 1-4, then CSE and COG
    checks = dict(similarity_bar=0.0, verifier=None, verifier_threshold=0.0, theme_ids=[], narrative_probabilities=narrative, corroboration=0.7)
    assert not counted_matches([both], **checks, universal_need_veto=0.5)[0].affirmed
    assert counted_matches([both], **checks)[0].affirmed
