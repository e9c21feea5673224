"""The model card's failure modes never leave out an under-called child-protection case."""

from __future__ import annotations

from training.model_card import _failure_modes


def report(confusion):
    return {
        "level": {"confusion": confusion},
        "traps": {"false_affirmation_rate": {"negated": 0.0}},
        "screening_tools": {},
        "indicators": {"micro_precision": 0.9},
    }


def test_single_level_4_under_calls_and_severe_under_calls_are_always_listed():
    confusion = [[5, 1, 0, 0], [0, 5, 0, 0], [1, 0, 5, 0], [0, 1, 2, 30]]
    modes = _failure_modes(report(confusion))
    assert "1 level-4 case was under-called as level 2." in modes
    assert "2 level-4 cases were under-called as level 3." in modes
    assert "1 level-3 case was under-called as level 1." in modes
    assert not any("level-1 case was over-called" in m for m in modes)  # 1 case: below the threshold


def test_no_errors_says_so():
    confusion = [[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5]]
    assert _failure_modes(report(confusion)) == ["No error pattern reached the reporting threshold on the test split."]


def test_the_card_says_in_words_which_level_4_matches_always_count():
    from training.model_card import _always_counting

    assert _always_counting({}) == "found by both a keyword and similarity"  # runs before catalogue 1.1.0
    assert _always_counting({"counts_on_its_own": "found_twice,section_47,immediate_risk"}) == (
        "found by both a keyword and similarity, or a Section 47 criterion, or an immediate-risk indicator"
    )
    assert _always_counting({"counts_on_its_own": "found_twice,section_47_keyword"}) == (
        "found by both a keyword and similarity, or a Section 47 criterion found by a keyword"
    )


def test_every_kind_of_always_counting_match_has_words_on_the_card():
    from nlp.verifier import KINDS
    from training.model_card import _ALWAYS_COUNTING

    assert set(_ALWAYS_COUNTING) == set(KINDS)


def test_the_card_names_the_level_3_floor_or_its_absence():
    from training.model_card import _level3_floor

    assert _level3_floor(None) == _level3_floor("None") == "no level-3 floor"
    assert _level3_floor("0.3") == "level 3 at least when P(level >= 3) reaches 0.3"


def test_model_card_says_whether_the_level1_veto_is_on():
    from training.model_card import _level1_veto

    assert _level1_veto(None) == _level1_veto("None") == "no level-1 veto"
    assert "P(level 1) reaches 0.6" in _level1_veto("0.6") and "safety floor never does" in _level1_veto("0.6")


def test_the_card_says_when_the_kinds_that_count_on_their_own_face_a_lower_bar():
    from training.model_card import _own_bar

    assert _own_bar({}) == "always counts"  # runs before the lower bar
    assert _own_bar({"counts_on_its_own_minimum": "0.0"}) == "always counts"
    assert _own_bar({"counts_on_its_own_minimum": "0.05"}) == (
        "counts unless the narrative model gives level 4 a probability below 0.05 "
        "(one found by both a keyword and similarity always counts)"
    )


def test_the_card_says_when_a_referral_read_as_universal_need_sets_level_4_matches_aside():
    from training.model_card import _universal_need_veto

    assert _universal_need_veto({}) == _universal_need_veto({"universal_need_veto": "0.0"}) == ""  # runs before it
    assert _universal_need_veto({"universal_need_veto": "0.5"}) == (
        "; any level-4 match, found twice included, is set aside when the narrative model gives level 1 "
        "(universal need) at least 0.5"
    )


def test_level_4_recall_is_given_as_counts_too():
    from training.model_card import level4_hits

    assert level4_hits({"confusion": [[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 5, 0], [0, 0, 1, 32]]}) == "32 of 33 level-4 cases"


def test_the_challenge_section_reports_level_4_as_counts_and_lists_its_failure_modes():
    from training.model_card import challenge_section

    report = {
        "level": {
            "n": 12, "quadratic_weighted_kappa": 0.5, "level4_recall": 0.75, "severe_under_calls": 1,
            "confusion": [[0, 0, 0, 3], [0, 2, 0, 0], [0, 0, 3, 0], [1, 0, 0, 3]],
        },
        "screening_tools": {"CSE": {"required_recall": 1.0, "missing_precision": 0.8}},
        "traps": {"overall": 0.05, "false_affirmation_rate": {"negated": 0.05}},
        "indicators": {"micro_precision": 0.9},
    }
    text = "\n".join(challenge_section(report, "annotations/challenge"))
    assert "## On the challenge set (`annotations/challenge`, 12 cases)" in text
    assert "level-4 recall 0.750 (3 of 4 level-4 cases)" in text and "severe under-calls 1" in text
    assert "- 3 level-1 cases were over-called as level 4." in text
    assert "- 1 level-4 case was under-called as level 1." in text
    clean = {**report, "level": {**report["level"], "confusion": [[3, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 4]]}}
    assert "- No error pattern reached the reporting threshold on the challenge set." in challenge_section(clean, "x")


def test_the_card_gives_intervals_from_the_confusion_matrix_even_for_a_run_logged_without_them():
    from training.metrics import kappa_interval, wilson_interval
    from training.model_card import _uncertainty

    confusion = [[38, 3, 0, 7], [3, 37, 8, 5], [0, 5, 33, 26], [0, 0, 0, 69]]
    line = _uncertainty({"n": 234, "confusion": confusion})  # no *_ci95 keys, as in older runs' reports
    low, high = kappa_interval(confusion)
    recall_low, _ = wilson_interval(69, 69)
    assert f"kappa {low:.3f} to {high:.3f}" in line and f"level-4 recall {recall_low:.3f} to 1.000" in line
    assert "234 cases" in line
    assert _uncertainty({"n": 0, "confusion": [[0] * 4] * 4}) == "No intervals: the split has no cases."
