"""cluster_mean's closed form (unweighted) equals the general cluster_ols path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from mutualaid_analysis.inference import cluster_mean, cluster_ols, wald_test

TOL = 1e-12


def _both(y, village, vcov):
    fast = cluster_mean(y, village, vcov=vcov)
    general = cluster_ols(y, np.ones((len(y), 1)), village, vcov=vcov, names=["mean"])
    return fast, general


def _assert_same(fast, general):
    assert_allclose(fast.coef, general.coef, rtol=TOL, atol=TOL * np.abs(general.coef).max())
    assert_allclose(fast.vcov, general.vcov, rtol=TOL, atol=0)
    assert_allclose(fast.df, general.df, rtol=TOL)
    assert_allclose(fast.p_value, general.p_value, rtol=1e-10, atol=1e-14)
    assert_allclose(fast.conf_int().to_numpy(), general.conf_int().to_numpy(), rtol=TOL,
                    atol=TOL * (1 + np.abs(general.coef).max()))
    assert (fast.n, fast.n_clusters, fast.names) == (general.n, general.n_clusters, general.names)
    a, b = fast.contrast([2.0], null=0.1), general.contrast([2.0], null=0.1)
    assert_allclose([a.std_error, a.df], [b.std_error, b.df], rtol=TOL)


@pytest.mark.parametrize("vcov", ["CR2", "CR1", "CR0"])
@pytest.mark.parametrize("G", [6, 12, 40])
def test_closed_form_equals_the_general_path_with_unequal_villages(G, vcov):
    rng = np.random.default_rng(G)
    sizes = rng.integers(1, 80, size=G)  # very unequal, a village of one allowed
    village = rng.permutation(np.repeat(np.arange(G), sizes))  # rows not grouped
    y = 3 + rng.normal(size=G)[village] + rng.normal(size=village.size)
    fast, general = _both(y, village, vcov)
    _assert_same(fast, general)
    if vcov == "CR2":
        assert_allclose(wald_test(fast, ["mean"]).p_value, wald_test(general, ["mean"]).p_value,
                        rtol=1e-10)


def test_weighted_means_keep_the_general_path():
    rng = np.random.default_rng(3)
    village = np.repeat(np.arange(7), [3, 9, 4, 12, 5, 6, 8])
    y, w = rng.normal(size=village.size), rng.uniform(0.5, 2, size=village.size)
    fast = cluster_mean(y, village, weights=w)
    general = cluster_ols(y, np.ones((village.size, 1)), village, weights=w, names=["mean"])
    assert fast.weighted and np.array_equal(fast.vcov, general.vcov)
    assert np.array_equal(fast.df, general.df)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 15), min_size=2, max_size=12),
    seed=st.integers(0, 2**32 - 1),
    vcov=st.sampled_from(["CR2", "CR1", "CR0"]),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
)
def test_closed_form_property(sizes, seed, vcov, scale):
    rng = np.random.default_rng(seed)
    village = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    y = scale * (rng.normal(size=len(sizes))[village] + rng.normal(size=village.size))
    fast, general = _both(y, np.asarray([f"v{g}" for g in village]), vcov)
    _assert_same(fast, general)
