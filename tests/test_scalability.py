"""scalability: Guttman errors and Loevinger's H, checked by hand and against R.

Reference values: tests/reference/ordering_values.csv (datasets ``binary`` and
``likert_ge4``), written by tests/reference/ordering.R: H, Hi, Hij, F, E from
their definitions (counting Guttman errors) and the iid delta-method SE over
the multinomial of response patterns (numDeriv), i.e. the SE of
mokken::coefH(se = TRUE) (Kuijpers, Van der Ark & Croon 2013).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_ordering import data, matrix_survey, reference

import mutualaid_analysis as ma
from mutualaid_analysis.gradient import scalability
from mutualaid_analysis.gradient.scalability import (
    _h_from_theta,
    _h_gradient,
    _moments,
    _weights,
    guttman_errors,
    loevinger_h,
)
from mutualaid_analysis.results import CONTRACT_COLUMNS

CIRCLES = ("relatives", "friends", "villagers")


def hi_rows(table, group="all", service="pooled"):
    t = table[(table["group"] == group) & (table["service"] == service)]
    return t[t["term"] == "Hi"].set_index("circle")


def test_hand_computed_h():
    # 10 respondents, patterns (relatives, friends, villagers):
    # 111 111 110 110 110 100 100 000 010 001
    # p = (.7, .6, .3): the popularity order is the codebook order.
    # (rel, fri): F = #(rel 0, fri 1) = 1 (010);  E = 10 * .3 * .6 = 1.8; Hij = 1 - 1/1.8 = 4/9
    # (rel, vil): F = 1 (001);                    E = 10 * .3 * .3 = 0.9; Hij = 1 - 1/.9 = -1/9
    # (fri, vil): F = 1 (001);                    E = 10 * .4 * .3 = 1.2; Hij = 1 - 1/1.2 = 1/6
    # H = 1 - 3/3.9 = 3/13; H_rel = 1 - 2/2.7 = 7/27; H_fri = 1 - 2/3 = 1/3; H_vil = 1 - 2/2.1 = 1/21
    x = data("binary")
    res = scalability(matrix_survey(x), threshold=1)
    t = res.table
    h = t[t["term"] == "H"].iloc[0]
    assert_allclose(h["estimate"], 3 / 13, rtol=1e-12)
    assert h["F"] == 3
    assert_allclose(h["E"], 3.9)
    hi = hi_rows(t)
    assert_allclose(hi.loc[list(CIRCLES), "estimate"], [7 / 27, 1 / 3, 1 / 21], rtol=1e-12)
    assert_allclose(hi.loc[list(CIRCLES), "popularity"], [0.7, 0.6, 0.3])
    pairs = res.tables["pairs"]
    assert_allclose(pairs["estimate"], [4 / 9, -1 / 9, 1 / 6], rtol=1e-12)
    assert_allclose(pairs["E"], [1.8, 0.9, 1.2], rtol=1e-12)
    resp = res.tables["respondents"]
    assert list(resp["pattern"]) == [
        "111",
        "111",
        "110",
        "110",
        "110",
        "100",
        "100",
        "000",
        "010",
        "001",
    ]
    assert list(resp["errors_ripple"]) == [0] * 8 + [1, 2]
    assert resp["errors_popularity"].sum() == 3
    for c in CONTRACT_COLUMNS:
        assert c in t.columns
    assert "<table" in res._repr_html_() and "Loevinger" in res.summary()


@pytest.mark.parametrize(
    ("dataset", "threshold", "tag"), [("binary", 1, "binary"), ("likert", 4, "likert_ge4")]
)
def test_matches_r(dataset, threshold, tag):
    ref = reference(tag)
    res = scalability(matrix_survey(data(dataset)), threshold=threshold, se="iid")
    t = res.table
    h = t[t["term"] == "H"].iloc[0]
    assert_allclose(h["estimate"], ref[("H", "scale")], rtol=1e-12)
    # R's SE is numDeriv's numerical gradient: agreement to ~1e-7
    assert_allclose(h["std_error"], ref[("se_iid", "scale")], rtol=1e-6)
    assert_allclose(h["se_iid"], h["std_error"])
    hi = hi_rows(t)
    for c, rc in zip(CIRCLES, ("c1", "c2", "c3"), strict=True):
        assert_allclose(hi.loc[c, "estimate"], ref[("Hi", rc)], rtol=1e-12)
        assert_allclose(hi.loc[c, "std_error"], ref[("se_iid", rc)], rtol=1e-6)
    pairs = res.tables["pairs"]
    for (_, p), key in zip(pairs.iterrows(), ("c1 c2", "c1 c3", "c2 c3"), strict=True):
        assert_allclose(p["estimate"], ref[("Hij", key)], rtol=1e-12)
        assert_allclose(p["F"], ref[("F", key)], rtol=1e-12)
        assert_allclose(p["E"], ref[("E", key)], rtol=1e-12)
    assert res.tables["respondents"]["errors_popularity"].sum() == ref[("errors_total", "all")]


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    x = (rng.random((200, 3)) < [0.7, 0.5, 0.3]).astype(float)
    pairs = [(0, 1), (0, 2), (1, 2)]
    w = _weights(3, pairs)
    theta = _moments(x, pairs).mean(axis=0)
    g = _h_gradient(theta, 3, pairs, w)
    eps = 1e-7
    num = np.empty_like(g)
    for c in range(len(theta)):
        up, dn = theta.copy(), theta.copy()
        up[c] += eps
        dn[c] -= eps
        num[:, c] = (_h_from_theta(up, 3, pairs, w)[0] - _h_from_theta(dn, 3, pairs, w)[0]) / (
            2 * eps
        )
    assert_allclose(g, num, atol=1e-6)


def test_cluster_se_with_singleton_clusters_is_iid_times_factor():
    x = data("likert")
    n = len(x)
    s = matrix_survey(x, villages=np.arange(n) + 1)
    t = scalability(s, threshold=4).table
    assert_allclose(t["std_error"], t["se_iid"] * np.sqrt(n / (n - 1)), rtol=1e-12)
    assert_allclose(t["df"], n - 1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(0, 6), min_size=4, max_size=4).filter(lambda c: c[0] and c[3]),
    st.integers(0, 2**32 - 1),
)
def test_perfect_guttman_scale(counts, seed):
    # patterns 000, 100, 110, 111 (nearest first); at least one 000 and one 111
    # so that every circle varies.
    patterns = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=float)
    x = np.repeat(patterns, counts, axis=0)
    x = x[np.random.default_rng(seed).permutation(len(x))]
    res = scalability(matrix_survey(x), threshold=1)
    t = res.table
    assert_allclose(t["estimate"], 1.0, rtol=1e-12)
    assert (t["F"] == 0).all()
    assert (res.tables["respondents"]["errors_ripple"] == 0).all()
    assert (res.tables["respondents"]["errors_popularity"] == 0).all()
    err = res.tables["errors"].set_index("term")
    assert err.loc["share without errors (ripple order)", "estimate"] == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_permuting_respondents_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(30, 3)).astype(float)
    x[:2] = [[5, 5, 5], [1, 1, 1]]  # every circle varies
    perm = rng.permutation(30)
    a = scalability(matrix_survey(x)).table
    b = scalability(matrix_survey(x[perm], villages=(np.arange(30) % 4 + 1)[perm])).table
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-10)


def test_loevinger_and_errors_direct():
    x = data("binary")
    lh = loevinger_h(x)
    assert_allclose(lh["H"], 3 / 13)
    assert_allclose(lh["F"].sum() / 2, 3)
    assert guttman_errors(x, np.array([0, 1, 2])).sum() == 3
    # a reversed order turns consistent patterns into errors
    assert guttman_errors(np.array([[1, 1, 0]]), np.array([2, 1, 0]))[0] == 2


def test_popularity_order_differs_note():
    x = data("binary")[:, [1, 0, 2]].copy()
    x[0:2] = [[1, 0, 1], [0, 1, 0]]
    res = scalability(matrix_survey(x), threshold=1)
    assert any("differs from the codebook's ripple order" in n for n in res.notes)
    items = res.tables["items"]
    assert list(items["popularity_rank"]) != [1, 2, 3]


def test_bootstrap_reproducible_and_plausible():
    s = ma.load_sample()
    a = scalability(s, se="bootstrap", n_boot=200, seed=7)
    b = scalability(s, se="bootstrap", n_boot=200, seed=7)
    c = scalability(s, se="bootstrap", n_boot=200, seed=8)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["std_error"], c.table["std_error"])
    d = scalability(s)  # cluster delta method
    ratio = a.table["std_error"] / d.table["std_error"]
    assert ((ratio > 0.6) & (ratio < 1.6)).all()
    assert "bootstrap" in a.table["method"].iloc[0] and a.info["seed"] == 7


def test_sample_scale_and_groups():
    res = scalability(ma.load_sample(), by="arm", service="each")
    t = res.table
    assert len(t) == 3 * 3 * 4
    h = t[(t["term"] == "H") & (t["group"] == "all")]
    assert (h["estimate"] > 0.2).all()
    # Satterthwaite df: at most G - 1 (12 villages overall, 6 per arm)
    assert (t.loc[t["group"] == "all", "df"].between(8, 11)).all()
    assert (t.loc[t["group"] != "all", "df"].between(3, 5)).all()


def test_degenerate_item_gives_nan_not_error():
    x = data("likert").copy()
    x[:, 2] = 1  # nobody willing toward villagers
    res = scalability(matrix_survey(x), threshold=4)
    hi = hi_rows(res.table)
    assert np.isnan(hi.loc["villagers", "estimate"])
    assert np.isfinite(res.table.loc[res.table["term"] == "H", "estimate"]).all()


def test_errors():
    s = ma.load_sample()
    with pytest.raises(ma.UsageError, match="se must be one of"):
        scalability(s, se="jackknife")
    with pytest.raises(ma.UsageError, match="n_boot"):
        scalability(s, se="bootstrap", n_boot=1)
    with pytest.raises(ma.UsageError, match="unknown service"):
        scalability(s, service="cooking")
