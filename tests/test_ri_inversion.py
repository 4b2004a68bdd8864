"""The randomisation tests' interval and method text, pinned to the last bit.

``randomization_test`` and ``did_randomization_test`` build their
test-inversion interval and their "all m assignments" / "m random draws"
text through one helper.  The numbers below were recorded before that
helper existed; they are compared with ``==`` (floats included), so that
sharing the code moved nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from mutualaid_analysis.inference import did_randomization_test, randomization_test


def _data(G, G1, seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 20, size=G)
    g = np.repeat(np.arange(G), sizes)
    t = np.zeros(G)
    t[rng.choice(G, G1, replace=False)] = 1
    d = t[g]
    x = rng.normal(size=g.size)
    post = rng.integers(0, 2, size=g.size).astype(float)
    y = 1 + 0.6 * d + 0.4 * x + rng.normal(size=G)[g] + rng.normal(size=g.size)
    yd = y + 0.5 * post + 0.7 * d * post
    return y, yd, np.column_stack([np.ones(g.size), d, x]), g, t, post, x


RI = {
    "enumerated, coefficient": (
        (8, 3, 11), {},
        (0.5760830820980662, 0.17857142857142858, -0.714975021947106, 1.7476112405563868,
         "randomization inference (all 56 assignments of 3 of 8 clusters), OLS coefficient, "
         "two-sided"),
    ),
    "enumerated, t at a null of 0.25": (
        (8, 3, 11), {"statistic": "t", "null": 0.25},
        (0.5760830820980662, 0.375, -0.45071504420711783, 1.6583826864158453,
         "randomization inference (all 56 assignments of 3 of 8 clusters), OLS CR1S t, "
         "two-sided"),
    ),
    "sampled, coefficient": (
        (16, 8, 12), {"max_enumerate": 1000, "n_draws": 499, "seed": 3},
        (0.24842729608618652, 0.744, -1.1459080947096618, 1.6877841289999096,
         "randomization inference (499 random assignments of 8 of 16 clusters, "
         "p = (b+1)/(m+1)), OLS coefficient, two-sided"),
    ),
}

DID = {
    "enumerated": (
        (8, 4, 21), {},
        (-0.29812089591117463, 0.5428571428571428, -1.6564179453797583, 1.3916234938673528,
         "randomization inference (all 70 assignments of 4 of 8 villages), "
         "OLS DiD coefficient, two-sided"),
    ),
    "sampled": (
        (14, 7, 22), {"max_enumerate": 1000, "n_draws": 399, "seed": 5},
        (-0.26759358000388617, 0.555, -1.568270963109424, 0.5409514311967456,
         "randomization inference (399 random assignments of 7 of 14 villages, "
         "p = (b+1)/(m+1)), OLS DiD coefficient, two-sided"),
    ),
}


@pytest.mark.parametrize("case", sorted(RI))
def test_randomization_test_outputs_are_unchanged(case):
    args, kwargs, expected = RI[case]
    y, _, X, g, _, _, _ = _data(*args)
    res = randomization_test(y, X, g, 1, **kwargs)
    got = (res.estimate, res.p_value, res.conf_int[0], res.conf_int[1], res.method)
    assert got == expected


@pytest.mark.parametrize("case", sorted(DID))
def test_did_randomization_test_outputs_are_unchanged(case):
    args, kwargs, expected = DID[case]
    _, yd, _, g, t, post, x = _data(*args)
    Z = np.column_stack([np.ones(g.size), post, x])
    treated = [lab for lab in range(args[0]) if t[lab] == 1]
    rec = did_randomization_test(yd, Z, post, g, treated, **kwargs)
    got = (rec["estimate"], rec["p_value"], rec["conf_low"], rec["conf_high"], rec["method"])
    assert got == expected


def test_an_assignment_collinear_with_a_covariate_ends_with_an_unbounded_interval():
    # The covariate marks villages 0-2, so the assignment {0, 1, 2} makes the
    # treatment collinear with it: that coefficient is undefined (NaN).  The
    # interval's step was the SD of all coefficients, NaN, and the search never
    # ended; now it is the SD of the finite ones.  The undefined assignment
    # counts as extreme, so p >= 2/20 > 0.05 for every effect: unbounded.
    g = np.repeat(np.arange(6), 3)
    x = np.isin(g, [0, 1, 2]).astype(float)
    d = np.isin(g, [0, 3, 4]).astype(float)
    y = np.random.default_rng(1).normal(size=g.size) + d
    res = randomization_test(y, np.column_stack([np.ones(g.size), d, x]), g, 1)
    assert np.isnan(res.distribution).sum() == 2 and res.n_assignments == 20
    assert res.conf_int == (-np.inf, np.inf)
    assert res.p_value == 0.2
