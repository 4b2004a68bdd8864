"""Holm and Benjamini-Hochberg adjustment (inference/multiplicity.py), and the one home
of the few-cluster algorithms in inference/.

Reference values: R is not needed to check ``p.adjust``; its definitions
(R documentation of ``p.adjust``; Holm 1979; Benjamini & Hochberg 1995) are
closed forms, and each expected value below is worked out by hand in the
comment next to it.  The published example is the one of Benjamini &
Hochberg (1995, J. R. Statist. Soc. B 57, 289-300, Section 4): 15 p-values of
a thrombolysis trial, where at level 0.05 the BH procedure rejects 4
hypotheses and the Bonferroni-type (Holm) procedure 3.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mutualaid_analysis.inference as inf
from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import adjust_p, bh, holm


def test_holm_and_bh_by_hand_with_na_and_unsorted_input():
    p = [0.04, np.nan, 0.001, 0.03, 0.2]
    # m = 4 (NA not counted); sorted 0.001, 0.03, 0.04, 0.2
    # Holm: 4*.001 = .004; 3*.03 = .09; 2*.04 = .08 -> cummax .09; 1*.2 = .2
    assert_allclose(holm(p), [0.09, np.nan, 0.004, 0.09, 0.2], rtol=1e-14)
    # BH: 4*.001/1 = .004; 4*.03/2 = .06; 4*.04/3 = .16/3; 4*.2/4 = .2;
    # cumulative min from the largest: .2, .16/3, min(.06, .16/3) = .16/3, .004
    assert_allclose(bh(p), [0.16 / 3, np.nan, 0.004, 0.16 / 3, 0.2], rtol=1e-14)


def test_capped_at_one():
    # Holm: 2*.6 = 1.2 -> 1; max(1, .8) = 1.  BH: 2*.6/1 = 1.2, .8 -> cummin .8
    assert_allclose(holm([0.6, 0.8]), [1.0, 1.0])
    assert_allclose(bh([0.6, 0.8]), [0.8, 0.8])


def test_benjamini_hochberg_1995_published_example():
    p = np.array(
        [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
         0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    )  # fmt: skip
    assert int((bh(p) <= 0.05).sum()) == 4
    assert int((holm(p) <= 0.05).sum()) == 3
    # Holm by hand: 15*.0001, 14*.0004, 13*.0019, 12*.0095 (then cummax)
    assert_allclose(holm(p)[:4], [0.0015, 0.0056, 0.0247, 0.114], rtol=1e-12)
    # BH by hand: 15*.0001/1 = .0015, 15*.0004/2 = .003, 15*.0019/3 = .0095,
    # 15*.0095/4 = .035625; every later m*p/i is larger (15*.0201/5 = .0603), so
    # the cumulative minimum leaves these four as they are
    assert_allclose(bh(p)[:4], [0.0015, 0.003, 0.0095, 0.035625], rtol=1e-12)


def test_all_missing_and_unknown_method():
    assert np.isnan(holm([np.nan, np.nan])).all()
    assert bh([]).shape == (0,)
    with pytest.raises(UsageError, match="adjust must be one of"):
        adjust_p([0.1], "bonferroni")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1) | st.just(float("nan")), min_size=1, max_size=30))
def test_invariants(p):
    p = np.array(p)
    h, b = holm(p), bh(p)
    ok = ~np.isnan(p)
    assert (np.isnan(h) == ~ok).all() and (np.isnan(b) == ~ok).all()
    # p <= BH <= Holm <= 1 (Holm controls the stronger error rate)
    assert (p[ok] <= b[ok] + 1e-15).all() and (b[ok] <= h[ok] + 1e-15).all()
    assert (h[ok] <= 1).all()
    # the adjustment keeps the order of the p-values
    order = np.argsort(p[ok], kind="stable")
    assert (np.diff(h[ok][order]) >= -1e-15).all() and (np.diff(b[ok][order]) >= -1e-15).all()


def test_one_home_for_each_algorithm():
    from mutualaid_analysis.evaluation import effects
    from mutualaid_analysis.gradient import ordering
    from mutualaid_analysis.inference import bootstrap, randomization

    assert ordering.holm is inf.holm
    assert ordering.cluster_mean_se is inf.cluster_mean_se
    assert effects.did_randomization_test is inf.did_randomization_test
    assert bootstrap.TIE_RTOL is randomization.TIE_RTOL is inf.TIE_RTOL
    # the effects module keeps no adjustment or assignment code of its own
    assert not hasattr(effects, "_adjust") and not hasattr(effects, "_assignments")


@pytest.mark.parametrize("sizes", [[7, 3, 12, 1, 9], [4] * 6])
def test_cluster_mean_se_is_the_general_cr2(sizes):
    rng = np.random.default_rng(sum(sizes))
    g = np.repeat(np.arange(len(sizes)), sizes)
    y = rng.normal(size=(len(g), 3))
    m, se, df = inf.cluster_mean_se(y, g)
    for j in range(3):
        ref = inf.cluster_mean(y[:, j], g, vcov="CR2")
        assert_allclose(m[j], ref.coef[0], rtol=1e-12)
        assert_allclose(se[j], np.sqrt(ref.vcov[0, 0]), rtol=1e-10)
        assert_allclose(df, ref.df[0], rtol=1e-10)


def test_cluster_assignments_enumerates_or_draws():
    t = np.array([1.0, 0, 1, 0, 0, 1])
    A, enumerated = inf.cluster_assignments(t, 100, 50, seed=1)
    assert enumerated and A.shape == (6, 20)  # C(6, 3)
    assert (A.sum(axis=0) == 3).all() and len({tuple(c) for c in A.T}) == 20
    B, enumerated = inf.cluster_assignments(t, 10, 50, seed=1)
    C, _ = inf.cluster_assignments(t, 10, 50, seed=1)
    assert not enumerated and B.shape == (6, 50) and (B.sum(axis=0) == 3).all()
    assert_allclose(B, C)
