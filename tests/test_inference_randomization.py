"""randomization_test against a hand-computable case and a brute-force loop."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import TABLE_COLUMNS, randomization_test

sys.path.insert(0, str(Path(__file__).parent / "reference"))
import naive_inference as naive


def _tiny():
    # 4 villages, 2 respondents each, village means 1, 2, 3, 4; villages 3 and 4 treated.
    y = np.array([0.9, 1.1, 1.9, 2.1, 2.9, 3.1, 3.9, 4.1])
    g = np.repeat(np.arange(4), 2)
    d = (g >= 2).astype(float)
    return y, np.column_stack([np.ones(8), d]), g


def test_hand_computed_distribution():
    # Difference in means for the C(4, 2) = 6 assignments (treated villages):
    # {1,2}: -2, {1,3}: -1, {1,4}: 0, {2,3}: 0, {2,4}: 1, {3,4}: 2 (observed).
    y, X, g = _tiny()
    res = randomization_test(y, X, g, 1)
    assert res.enumerated and res.n_assignments == 6 and res.n_treated_clusters == 2
    assert_allclose(np.sort(res.distribution), [-2, -1, 0, 0, 1, 2], atol=1e-12)
    assert_allclose(res.estimate, 2.0)
    assert res.p_value == pytest.approx(2 / 6)
    assert randomization_test(y, X, g, 1, alternative="greater").p_value == pytest.approx(1 / 6)
    assert randomization_test(y, X, g, 1, alternative="less").p_value == pytest.approx(6 / 6)
    # Sharp null of effect 1: adjusted outcomes have village means 1, 2, 2, 3; observed 1.
    # Distribution (assignments as above) {-1, -1, 0, 0, 1, 1}: p = 4/6.
    shifted = randomization_test(y, X, g, 1, null=1.0)
    assert_allclose(np.sort(shifted.distribution), [-1, -1, 0, 0, 1, 1], atol=1e-12)
    assert shifted.p_value == pytest.approx(4 / 6)


def _data(G, G1, seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 20, size=G)
    g = np.repeat(np.arange(G), sizes)
    t = np.zeros(G)
    t[rng.choice(G, G1, replace=False)] = 1
    d = t[g]
    x = rng.normal(size=g.size)
    y = 1 + 0.6 * d + 0.4 * x + rng.normal(size=G)[g] + rng.normal(size=g.size)
    return y, np.column_stack([np.ones(g.size), d, x]), g, t


@pytest.mark.parametrize("statistic", ["coef", "t"])
def test_enumerated_matches_brute_force_loop(statistic):
    y, X, g, t = _data(8, 3, 1)
    res = randomization_test(y, X, g, 1, statistic=statistic)
    sets = naive.all_assignments(8, 3)
    ref = naive.randomization_stats(y, X[:, [0, 2]], g, sets, 8, statistic)
    assert_allclose(res.distribution, ref, rtol=1e-10, atol=1e-12)
    obs = ref[sets.index(tuple(np.flatnonzero(t)))]
    assert res.p_value == pytest.approx(np.mean(np.abs(ref) >= abs(obs) * (1 - 1e-10)), abs=1e-12)


@pytest.mark.parametrize("statistic", ["coef", "t"])
def test_confidence_interval_inverts_the_brute_force_test(statistic):
    y, X, g, t = _data(8, 4, 2)
    res = randomization_test(y, X, g, 1, statistic=statistic)
    sets = naive.all_assignments(8, 4)
    k = sets.index(tuple(np.flatnonzero(t)))

    def p(tau):
        ref = naive.randomization_stats(y - tau * X[:, 1], X[:, [0, 2]], g, sets, 8, statistic)
        return np.mean(np.abs(ref) >= abs(ref[k]) * (1 - 1e-10))

    lo, hi = res.conf_int
    assert lo < res.estimate < hi
    for bound, side in ((lo, -1), (hi, 1)):
        assert p(bound + side * 1e-6) <= 0.05 < p(bound - side * 1e-6)


def test_sampled_p_value_counts_the_observed_assignment_and_is_seeded():
    y, X, g, _ = _data(16, 8, 3)  # C(16, 8) = 12870 assignments
    a = randomization_test(y, X, g, 1, n_draws=499, seed=5, max_enumerate=12869)
    b = randomization_test(y, X, g, 1, n_draws=499, seed=5, max_enumerate=12869)
    assert not a.enumerated and a.n_assignments == 499
    assert a.p_value == b.p_value and a.conf_int == b.conf_int
    hits = np.sum(np.abs(a.distribution) >= abs(a.statistic) * (1 - 1e-10))
    assert a.p_value == pytest.approx((hits + 1) / 500)
    assert "p = (b+1)/(m+1)" in a.method
    full = randomization_test(y, X, g, 1, conf_int=False)
    assert full.enumerated and full.n_assignments == 12870


def test_table_and_errors():
    y, X, g = _tiny()
    res = randomization_test(y, X, g, 1, names=["const", "workshop"])
    assert list(res.table.columns) == list(TABLE_COLUMNS)
    assert res.table["term"].iloc[0] == "workshop"
    assert "all 6 assignments of 2 of 4 clusters" in res.method
    X_bad = X.copy()
    X_bad[0, 1] = 1.0
    with pytest.raises(UsageError, match="varies within clusters"):
        randomization_test(y, X_bad, g, 1)
    with pytest.raises(UsageError, match="must be 0/1"):
        randomization_test(y, np.column_stack([np.ones(8), g * 0.5]), g, 1)
    with pytest.raises(UsageError, match="statistic must be one of"):
        randomization_test(y, X, g, 1, statistic="z")
