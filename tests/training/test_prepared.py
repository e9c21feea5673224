"""Preparing cases for the level model: tuning's shortcut gives what inference's order gives."""

from types import SimpleNamespace

import numpy as np

from nlp.verifier import COUNTS_ON_ITS_OWN, CandidateVerifier, candidate_features, counted_matches
from testkit import make_indicator
from training.prepared import prepare, screen

THEMES = ["neglect", "immediate_risk"]


def _items():
    indicators = [
        make_indicator("th.a.l2", 2, score=0.62, matched_by=["embedding"]),  # under the similarity bar
        make_indicator("th.b.l3", 3, score=0.9, matched_by=["rule"]),
        make_indicator("s47.01_pre_mobile_injury", 4, score=0.7, matched_by=["embedding"], framework="section_47"),
        make_indicator("th.c.l4", 4, score=0.8, matched_by=["rule"]),
    ]
    narratives = [np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.5]), np.array([0.7, 0.25, 0.04, 0.01, 0.1, 0.0])]
    return [
        SimpleNamespace(suggestion=SimpleNamespace(indicators=indicators), narrative=n, sentence_embeddings=np.ones((2, 3)))
        for n in narratives
    ]


def _verifier(items):
    rows = [candidate_features(i, item.suggestion.indicators, THEMES) for item in items for i in item.suggestion.indicators]
    return CandidateVerifier().fit(np.stack(rows), np.array([0, 1, 0, 1] * len(items)))


def test_screening_once_then_corroborating_equals_the_checks_in_inference_order():
    items = _items()
    verifier = _verifier(items)
    screened = screen(items, verifier, 0.5, 0.64, THEMES)
    for minimum, veto in ((0.0, 0.0), (0.05, 0.0), (0.05, 0.5)):
        shortcut = prepare(items, verifier, 0.5, 0.64, 0.3, 3, THEMES, COUNTS_ON_ITS_OWN, minimum, veto, screened=screened)
        for item, prepared in zip(items, shortcut):
            expected = counted_matches(
                item.suggestion.indicators, similarity_bar=0.64, verifier=verifier, verifier_threshold=0.5, theme_ids=THEMES,
                narrative_probabilities=item.narrative, corroboration=0.3, counts_on_its_own=COUNTS_ON_ITS_OWN,
                counts_on_its_own_minimum=minimum, universal_need_veto=veto,
            )
            assert prepared.indicators == expected
        direct = prepare(items, verifier, 0.5, 0.64, 0.3, 3, THEMES, COUNTS_ON_ITS_OWN, minimum, veto)
        assert all(np.array_equal(a.features, b.features) and a.floor == b.floor for a, b in zip(shortcut, direct))
    # the second narrative all but rules level 4 out: with the lower bar the similarity-only criterion goes
    criterion = [
        next(i for i in p.indicators if i.id.startswith("s47.01")).affirmed
        for p in prepare(items, verifier, 0.5, 0.64, 0.3, 3, THEMES, COUNTS_ON_ITS_OWN, 0.05)
    ]
    assert criterion == [True, False]


def test_the_universal_need_veto_takes_the_level_4_floor_only_from_a_referral_read_as_universal_need():
    items = _items()
    verifier = _verifier(items)
    kept = prepare(items, verifier, 0.5, 0.64, 0.3, 3, THEMES, COUNTS_ON_ITS_OWN, 0.0)
    vetoed = prepare(items, verifier, 0.5, 0.64, 0.3, 3, THEMES, COUNTS_ON_ITS_OWN, 0.0, 0.5)
    assert [p.floor for p in kept] == [4, 4]  # the Section 47 criterion counts on its own
    assert [p.floor for p in vetoed] == [4, 1]  # the second gives level 1 0.7: its level-4 matches are shown, not counted
    assert all(not i.affirmed for i in vetoed[1].indicators if i.level == 4)
