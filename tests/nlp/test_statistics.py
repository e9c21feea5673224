"""The one copy of the Wilson interval and the quadratic kappa that training and QA share."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from nlp.statistics import quadratic_kappa_of_counts, wilson_interval, wilson_lower_bound


def test_wilson_interval_known_values_and_exact_edges():
    assert wilson_interval(5, 10) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)  # exactly 0, not -1e-17
    low, high = wilson_interval(69, 69)
    assert high == 1.0 and low == pytest.approx(69 / (69 + 1.96**2))  # all hits: n / (n + z^2)
    assert wilson_interval(0, 0) is None


def test_wilson_interval_is_symmetric_in_hits_and_misses():
    for hits, total in [(1, 7), (33, 40), (567, 572)]:
        low, high = wilson_interval(hits, total)
        miss_low, miss_high = wilson_interval(total - hits, total)
        assert low == pytest.approx(1 - miss_high) and high == pytest.approx(1 - miss_low)
        assert wilson_lower_bound(hits, total, 1.96) == pytest.approx(low)


def test_quadratic_kappa_of_counts_equals_scikit_learn_on_the_cases():
    rng = np.random.default_rng(7)
    matrices = rng.integers(0, 6, (50, 4, 4))
    for counts, kappa in zip(matrices, quadratic_kappa_of_counts(matrices)):
        gold = np.repeat(np.repeat(np.arange(1, 5), 4), counts.ravel())
        suggested = np.repeat(np.tile(np.arange(1, 5), 4), counts.ravel())
        assert kappa == pytest.approx(cohen_kappa_score(gold, suggested, weights="quadratic", labels=[1, 2, 3, 4]))
    assert np.isnan(quadratic_kappa_of_counts(np.diag([5, 0, 0, 0])))  # one level on both sides
