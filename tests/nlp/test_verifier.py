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
