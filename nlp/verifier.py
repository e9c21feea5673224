"""Candidate verifier: a learned check that a context-affirmed match is a real concern.

Keyword and similarity matches over 606 overlapping guidance rows over-suggest: a
sentence about a child's low mood also resembles level-3 and level-4 rows. The verifier
(logistic regression over the match's own evidence: level, framework, themes, score,
how it was matched) gives each affirmed match a probability; below the threshold
chosen on the dev split, the match is shown as a weak match and not counted. It never
touches screening tools or immediate risk, which are decided on every affirmed match,
and never sets aside a level-4 match: child-protection evidence always counts. The same
holds for the similarity bar (`raise_similarity_bar`), the matcher threshold tuned on dev.

`corroborate` weighs a match against the whole narrative instead: a level-k match counts
only if the narrative model (nlp.narrative_model) gives a level-k need at least the
probability tuned on held-out cases. It may set aside a level-4 match found by one method
alone (similarity to a level-4 row, or a keyword), the main source of over-called child
protection, except the kinds of match the model was trained to always count: found by both
a keyword rule and similarity, and (a tuned choice) a Section 47 criterion or an
immediate-risk indicator, or only those a keyword found. Those kinds may face a lower bar of
their own instead of none (`counts_on_its_own_minimum`, tuned): a criterion the narrative
model all but rules out, such as a sentence merely resembling a Section 47 row, is set
aside, while a merely doubted one still counts. Any level-4 match, found twice included, is
set aside when the narrative model reads the referral as universal need (`universal_need_veto`:
P(level 1) at least that): a witnessed trampoline fall "with no safeguarding concerns", an NSPCC
session that "covered online grooming". Set-aside matches stay visible to the screener, saying why.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from nlp.features import FRAMEWORKS
from nlp.suggestion import IndicatorSuggestion


def candidate_features(indicator: IndicatorSuggestion, case_indicators: list[IndicatorSuggestion], theme_ids: list[str]) -> np.ndarray:
    affirmed = [i for i in case_indicators if i.affirmed]
    same_theme_lower = [
        i.score for i in affirmed if i.level < indicator.level and set(i.themes) & set(indicator.themes)
    ]
    row = [float(indicator.level == k) for k in (1, 2, 3, 4)]
    row += [float(indicator.framework == f) for f in FRAMEWORKS]
    row += [
        indicator.score,
        float("rule" in indicator.matched_by),
        float("embedding" in indicator.matched_by),
        float(len(indicator.matched_by) == 2),
        float(len(indicator.evidence)),
        float(indicator.context.uncertain),
        float(len(affirmed)),
        max((i.score for i in affirmed), default=0.0),
        max(same_theme_lower, default=0.0),
        float(sum(1 for i in affirmed if i.level == indicator.level and set(i.themes) & set(indicator.themes))),
    ]
    row += [float(t in indicator.themes) for t in theme_ids]
    return np.asarray(row, dtype=np.float32)


class CandidateVerifier(BaseEstimator, ClassifierMixin):
    def __init__(self, C: float = 0.5, random_state: int = 0):
        """
        Args:
            C: inverse regularisation strength (default 0.5).
            random_state: seed of the solver.
        """
        self.C = C
        self.random_state = random_state

    def fit(self, X, y):
        self.model_ = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state),
        ).fit(np.asarray(X, dtype=float), np.asarray(y, dtype=int))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(np.asarray(X, dtype=float))


def verify(
    indicators: list[IndicatorSuggestion], verifier: CandidateVerifier, threshold: float, theme_ids: list[str]
) -> list[IndicatorSuggestion]:
    """Affirmed matches below the threshold become shown-not-counted, saying why."""
    affirmed = [i for i in indicators if i.affirmed]
    if not any(i.level < 4 for i in affirmed) or threshold <= 0:
        return indicators
    rows = np.stack([candidate_features(i, indicators, theme_ids) for i in affirmed])
    probabilities = dict(zip((i.id for i in affirmed), verifier.predict_proba(rows)[:, 1]))
    return [
        _set_aside(i, f"verifier {probabilities[i.id]:.2f}", f"verifier probability {probabilities[i.id]:.2f} < {threshold:.2f}")
        if i.id in probabilities and probabilities[i.id] < threshold and i.level < 4
        else i
        for i in indicators
    ]


def raise_similarity_bar(indicators: list[IndicatorSuggestion], minimum: float) -> list[IndicatorSuggestion]:
    """The matcher's similarity bar, tuned on dev: affirmed matches found by similarity alone
    below `minimum` are set aside (never level 4; 0 keeps every match)."""
    if minimum <= 0:
        return indicators
    return [
        _set_aside(i, f"similarity {i.score:.2f}", f"similarity {i.score:.2f} < {minimum:.2f}, the bar tuned on dev")
        if i.affirmed and i.level < 4 and i.matched_by == ["embedding"] and i.score < minimum
        else i
        for i in indicators
    ]


# Level-4 matches the narrative model may not set aside, by kind. A model records the kinds it
# was trained with, so a champion keeps its behaviour when this default grows.
FOUND_TWICE = "found_twice"  # by both a keyword and similarity
SECTION_47 = "section_47"  # a Section 47 criterion: the guidance makes each enough on its own
IMMEDIATE_RISK = "immediate_risk"  # an immediate-risk indicator (suicidal intent, a sentinel injury)
# The same two, only when a keyword rule found them: a sentence merely resembling a Section 47
# row ("crawling, pulling to stand" near "bruising to a pre-mobile baby") is not the criterion.
SECTION_47_KEYWORD = "section_47_keyword"
IMMEDIATE_RISK_KEYWORD = "immediate_risk_keyword"
KINDS = (FOUND_TWICE, SECTION_47, IMMEDIATE_RISK, SECTION_47_KEYWORD, IMMEDIATE_RISK_KEYWORD)
COUNTS_ON_ITS_OWN = (FOUND_TWICE, SECTION_47, IMMEDIATE_RISK)  # the default of models trained from catalogue 1.1.0
BEFORE_CATALOGUE_1_1 = (FOUND_TWICE,)  # models whose metadata does not say
# the sets training chooses from on held-out cases (training.tuning); a model stores its choice
COUNTS_ON_ITS_OWN_CHOICES = (
    COUNTS_ON_ITS_OWN,
    (FOUND_TWICE, SECTION_47_KEYWORD, IMMEDIATE_RISK_KEYWORD),
    (FOUND_TWICE, SECTION_47_KEYWORD),
)


def corroborate(
    indicators: list[IndicatorSuggestion], need_at_least: np.ndarray, minimum: float, counts_on_its_own=COUNTS_ON_ITS_OWN,
    counts_on_its_own_minimum: float = 0.0, universal_need_veto: float = 0.0,
) -> list[IndicatorSuggestion]:
    """Affirmed matches of level k >= 2 whose level is not corroborated by the narrative
    (P(level >= k) = need_at_least[k - 1] below `minimum`) become shown-not-counted, except
    level-4 matches of the kinds in `counts_on_its_own`: the narrative model, which learned
    from a few hundred referrals, may only set those aside below `counts_on_its_own_minimum`
    (0, as models trained before it: never), and never a match found by both methods, unless
    it gives level 1 (universal need) at least `universal_need_veto` (0, as models trained
    before it: never). Held out, level-4 referrals seldom get that far (none above 0.4 with one
    fold seed; one at 0.57 with another, with no level-4 match to set aside); a level-1 contact
    whose alarming word was checked and cleared usually does (median 0.72)."""
    if minimum <= 0:
        return indicators
    unknown = set(counts_on_its_own) - set(KINDS)
    if unknown:  # a model from a newer release: refuse rather than silently set evidence aside
        raise ValueError(f"unknown kinds of level-4 match: {sorted(unknown)}")

    def bar(indicator: IndicatorSuggestion) -> float:
        if not _counts_on_its_own(indicator, counts_on_its_own):
            return minimum
        return 0.0 if _found_twice(indicator, counts_on_its_own) else min(counts_on_its_own_minimum, minimum)

    universal_need = 1.0 - need_at_least[1]  # P(level 1)
    if 0 < universal_need_veto <= universal_need:
        indicators = [
            _set_aside(
                i,
                f"narrative level 1 {universal_need:.2f}",
                f"the narrative model reads the referral as universal need, P(level 1) {universal_need:.2f} "
                f"at least {universal_need_veto:.2f}",
            )
            if i.affirmed and i.level == 4
            else i
            for i in indicators
        ]
    return [
        _set_aside(
            i,
            f"narrative {need_at_least[i.level - 1]:.2f}",
            f"the narrative model gives a level-{i.level} need a probability of {need_at_least[i.level - 1]:.2f}, "
            f"below {bar(i):.2f} tuned on held-out cases",
        )
        if i.affirmed and i.level >= 2 and need_at_least[i.level - 1] < bar(i)
        else i
        for i in indicators
    ]


def counted_matches(
    indicators: list[IndicatorSuggestion],
    *,
    similarity_bar: float,
    verifier: CandidateVerifier | None,
    verifier_threshold: float,
    theme_ids: list[str],
    narrative_probabilities: np.ndarray | None,
    corroboration: float,
    counts_on_its_own=COUNTS_ON_ITS_OWN,
    counts_on_its_own_minimum: float = 0.0,
    universal_need_veto: float = 0.0,
) -> list[IndicatorSuggestion]:
    """The trained checks in order, as inference and training both apply them: the similarity
    bar, the candidate verifier, then corroboration by the narrative model; a match they find
    weak is shown, not counted (0 or None switches a check off)."""
    from nlp.narrative_model import at_least

    indicators = raise_similarity_bar(indicators, similarity_bar)
    if verifier is not None:
        indicators = verify(indicators, verifier, verifier_threshold, theme_ids)
    if narrative_probabilities is not None:
        indicators = corroborate(
            indicators, at_least(narrative_probabilities[None, :])[0], corroboration, counts_on_its_own, counts_on_its_own_minimum,
            universal_need_veto,
        )
    return indicators


def _counts_on_its_own(indicator: IndicatorSuggestion, kinds) -> bool:
    if indicator.level != 4:
        return False
    by_keyword = "rule" in indicator.matched_by
    section_47 = indicator.framework == "section_47"
    immediate_risk = "immediate_risk" in indicator.themes
    return (
        _found_twice(indicator, kinds)
        or (SECTION_47 in kinds and section_47)
        or (IMMEDIATE_RISK in kinds and immediate_risk)
        or (SECTION_47_KEYWORD in kinds and section_47 and by_keyword)
        or (IMMEDIATE_RISK_KEYWORD in kinds and immediate_risk and by_keyword)
    )


def _found_twice(indicator: IndicatorSuggestion, kinds) -> bool:
    return indicator.level == 4 and FOUND_TWICE in kinds and {"rule", "embedding"} <= set(indicator.matched_by)


def _set_aside(indicator: IndicatorSuggestion, trigger: str, why: str) -> IndicatorSuggestion:
    context = indicator.context.model_copy(update={"triggers": [*indicator.context.triggers, f"weak match: {trigger}"]})
    return indicator.model_copy(update={
        "affirmed": False,
        "context": context,
        "explanation": indicator.explanation.rstrip(".") + f"; not counted: weak match ({why}).",
    })
