"""wild_cluster_bootstrap against a naive refit-per-replication implementation.

The naive reference (tests/reference/naive.py) loops over weight vectors,
rebuilds y*, refits with numpy.linalg.lstsq and computes the CR1S t with a
loop over clusters; it shares no code with the vectorised implementation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import (
    TABLE_COLUMNS,
    bootstrap_weight_matrix,
    cluster_ols,
    wild_cluster_bootstrap,
)

sys.path.insert(0, str(Path(__file__).parent / "reference"))
import naive_inference as naive


def _data(G, seed, treated=None):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(4, 25, size=G)
    g = np.repeat(np.arange(G), sizes)
    n = g.size
    treat = (np.arange(G) < (treated if treated is not None else G // 2)).astype(float)[g]
    X = np.column_stack([np.ones(n), rng.normal(size=n), treat, rng.normal(size=n)])
    y = X @ [1.0, 0.3, 0.25, -0.1] + rng.normal(size=G)[g] + rng.normal(size=n)
    return y, X, g


@pytest.mark.parametrize(("G", "seed", "term"), [(6, 1, 2), (7, 2, 1), (8, 3, 2)])
def test_enumerated_p_value_matches_naive_loop(G, seed, term):
    y, X, g = _data(G, seed)
    V = naive.sign_vectors(G)
    for null in (0.0, 0.25, -0.4):
        res = wild_cluster_bootstrap(y, X, g, term, null=null, conf_int=False)
        assert res.enumerated and res.B == 2**G and res.weights == "Rademacher"
        ts = naive.wcr_t_star(y, X, g, term, null, V)
        assert_allclose(res.t_star, ts, rtol=1e-10, atol=1e-12)
        assert abs(res.p_value - naive.wcr_p_value(y, X, g, term, null, V)) <= 1e-10
        assert_allclose(res.statistic, naive.cr1_t(y, X, g, term, null), rtol=1e-10)


def test_observed_t_is_the_cr1s_t_of_cluster_ols():
    y, X, g = _data(8, 4)
    fit = cluster_ols(y, X, g, vcov="CR1")
    res = wild_cluster_bootstrap(y, X, g, 2, null=0.1, conf_int=False)
    assert_allclose(res.std_error, fit.std_error[2], rtol=1e-10)
    assert_allclose(res.statistic, (fit.coef[2] - 0.1) / fit.std_error[2], rtol=1e-10)


def test_confidence_interval_is_where_the_naive_p_value_crosses_alpha():
    y, X, g = _data(7, 5)
    res = wild_cluster_bootstrap(y, X, g, 1, conf_level=0.9)
    V = naive.sign_vectors(7)
    lo, hi = res.conf_int
    assert lo < res.estimate < hi
    eps = 1e-6 * res.std_error
    assert (
        naive.wcr_p_value(y, X, g, 1, lo - eps, V)
        <= 0.1
        < naive.wcr_p_value(y, X, g, 1, lo + eps, V)
    )
    assert (
        naive.wcr_p_value(y, X, g, 1, hi + eps, V)
        <= 0.1
        < naive.wcr_p_value(y, X, g, 1, hi - eps, V)
    )


def test_enumeration_with_g12_ignores_the_seed():
    y, X, g = _data(12, 6)
    a = wild_cluster_bootstrap(y, X, g, 2, seed=1, n_boot=9999)
    b = wild_cluster_bootstrap(y, X, g, 2, seed=987654, n_boot=4096)
    assert a.enumerated and b.enumerated and a.B == b.B == 4096
    assert a.p_value == b.p_value
    assert a.conf_int == b.conf_int
    assert "all 4096 sign vectors" in a.method and a.method.endswith("CR1 t")


def test_webb_draws_are_reproducible_by_seed_and_match_naive():
    y, X, g = _data(15, 7)
    a = wild_cluster_bootstrap(y, X, g, 2, n_boot=399, seed=11)
    b = wild_cluster_bootstrap(y, X, g, 2, n_boot=399, seed=11)
    assert not a.enumerated and a.weights == "Webb" and a.B == 399
    assert a.p_value == b.p_value and a.conf_int == b.conf_int
    V, name, enumerated = bootstrap_weight_matrix(15, 399, "auto", seed=11)
    assert name == "Webb" and not enumerated
    assert set(np.round(np.unique(V) ** 2, 12)) == {0.5, 1.0, 1.5}
    assert abs(a.p_value - naive.wcr_p_value(y, X, g, 2, 0.0, V)) <= 1e-10


def test_random_rademacher_when_too_many_clusters_to_enumerate():
    V, name, enumerated = bootstrap_weight_matrix(20, 999, "rademacher", seed=3)
    assert name == "Rademacher" and not enumerated and V.shape == (20, 999)
    assert set(np.unique(V)) == {-1.0, 1.0}


def test_weighted_bootstrap_is_the_bootstrap_of_the_transformed_regression():
    y, X, g = _data(6, 8)
    w = np.random.default_rng(0).uniform(0.5, 2, size=y.size)
    res = wild_cluster_bootstrap(y, X, g, 2, weights=w, conf_int=False)
    sw = np.sqrt(w)
    ref = naive.wcr_p_value(y * sw, X * sw[:, None], g, 2, 0.0, naive.sign_vectors(6))
    assert abs(res.p_value - ref) <= 1e-10
    assert res.method.startswith("WLS")


def test_table_and_errors():
    y, X, g = _data(6, 9)
    res = wild_cluster_bootstrap(y, X, g, 2, names=["c", "x", "treat", "z"])
    assert list(res.table.columns) == list(TABLE_COLUMNS)
    assert res.table["term"].iloc[0] == "treat" and np.isnan(res.table["df"].iloc[0])
    assert "test inversion" in res.summary()
    with pytest.raises(UsageError, match="bootstrap_weights must be one of"):
        wild_cluster_bootstrap(y, X, g, 2, bootstrap_weights="mammen")
    with pytest.raises(UsageError, match="Unknown term 'w'"):
        wild_cluster_bootstrap(y, X, g, "w")
    with pytest.raises(UsageError, match="n_boot must be a positive integer"):
        wild_cluster_bootstrap(y, X, g, 2, n_boot=0)
