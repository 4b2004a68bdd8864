"""classify_profiles: patterns, gradient index, radius, shares with clustered SEs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_ordering import matrix_survey

import mutualaid_analysis as ma
from mutualaid_analysis.gradient import PROFILES, classify_profiles
from mutualaid_analysis.gradient.ordering import cluster_mean_se
from mutualaid_analysis.gradient.profiles import profile_codes
from mutualaid_analysis.results import CONTRACT_COLUMNS

HAND = np.array(
    [
        [5, 4, 3],  # strict
        [4, 4, 2],  # weak
        [3, 3, 3],  # flat
        [2, 3, 4],  # inverted
        [3, 5, 2],  # mixed (rises then falls)
        [4, 3, 3],  # weak
        [3, 4, 4],  # inverted (never falls, rises once)
        [5, 2, 4],  # mixed (falls then rises)
    ],
    dtype=float,
)
HAND_PROFILES = ["strict", "weak", "flat", "inverted", "mixed", "weak", "inverted", "mixed"]


def test_hand_classification_slope_radius():
    res = classify_profiles(matrix_survey(HAND), threshold=4)
    resp = res.tables["respondents"]
    assert list(resp["profile"].astype(str)) == HAND_PROFILES
    # slope over circle rank 0, 1, 2: (y3 - y1) / 2
    assert_allclose(resp["slope"], (HAND[:, 2] - HAND[:, 0]) / 2)
    # radius: leading circles >= 4 counted from relatives
    assert list(resp["radius"]) == [2, 2, 0, 0, 0, 1, 0, 1]
    assert list(resp["radius_circle"]) == [
        "friends",
        "friends",
        "none",
        "none",
        "none",
        "relatives",
        "none",
        "relatives",
    ]
    t = res.table.set_index("term")
    assert list(t.index) == list(PROFILES)
    assert list(t["count"]) == [1, 2, 1, 2, 2]
    assert_allclose(t["estimate"], np.array([1, 2, 1, 2, 2]) / 8)
    for c in CONTRACT_COLUMNS:
        assert c in res.table.columns
    assert "<table" in res._repr_html_() and "strict" in res.summary()


def test_profile_codes_tolerance():
    x = np.array([[4 + 1e-9, 4, 4], [13 / 3, 13 / 3, 4], [4.0, 4.0 + 1e-3, 4.0]])
    assert [PROFILES[c] for c in profile_codes(x)] == ["flat", "weak", "mixed"]


def test_pooled_means_equal_are_flat():
    # relatives mean (4+5+3)/3 = 4, friends (3+5+4)/3 = 4, villagers (4+4+4)/3 = 4
    x = np.array([[[4, 5, 3], [3, 5, 4], [4, 4, 4]]] * 4, dtype=float)
    res = classify_profiles(matrix_survey(x, services=["a", "b", "c"]))
    assert set(res.tables["respondents"]["profile"].astype(str)) == {"flat"}


@pytest.mark.parametrize("sizes", [[10] * 6, [5, 10, 20, 3, 30, 12, 10], [1, 1, 1, 2]])
def test_cluster_se_matches_cr2_engine(sizes):
    # closed-form intercept-only CR2 + Satterthwaite df == the package's general
    # CR2 engine (mutualaid_analysis.inference.cluster_mean, checked against
    # clubSandwich in tests/test_inference_cluster.py)
    from mutualaid_analysis.inference import cluster_mean

    rng = np.random.default_rng(len(sizes))
    g = np.repeat(np.arange(len(sizes)), sizes)
    y = rng.random(len(g))
    ref = cluster_mean(y, g).table.iloc[0]
    m, se, df = cluster_mean_se(y, g)
    assert_allclose(m[0], ref["estimate"], rtol=1e-12)
    assert_allclose(se[0], ref["std_error"], rtol=1e-10)
    assert_allclose(df, ref["df"], rtol=1e-10)
    if len(set(sizes)) == 1:
        assert_allclose(df, len(sizes) - 1)
    # CR1 for equal sizes: CR2 = CR1 there (statsmodels' cluster SE)
    if len(set(sizes)) == 1:
        fit = sm.OLS(y, np.ones(len(y))).fit(cov_type="cluster", cov_kwds={"groups": g})
        assert_allclose(se[0], fit.bse[0], rtol=1e-10)


def test_by_group_and_shares_sum_to_one():
    s = ma.load_sample()
    res = classify_profiles(s, by="arm")
    t = res.table
    assert list(dict.fromkeys(t["group"])) == ["all", "comparison", "workshop"]
    assert_allclose(t.groupby("group")["estimate"].sum(), 1.0)
    counts = t.groupby("group")["count"].sum()
    assert counts["all"] == counts["comparison"] + counts["workshop"]
    assert (t.groupby("group")["n"].first() == counts).all()
    assert (t["conf_low"] <= t["estimate"]).all() and (t["estimate"] <= t["conf_high"]).all()
    # Satterthwaite df: at most G - 1 (12 villages overall, 6 per arm)
    assert (t.loc[t["group"] == "all", "df"].between(8, 11)).all()
    assert (t.loc[t["group"] != "all", "df"].between(3, 5)).all()
    idx = res.tables["indices"]
    assert set(idx["term"]) == {"slope", "radius"}
    resp = res.tables["respondents"]
    assert set(resp["group"]) == {"comparison", "workshop"}
    assert len(resp) == t.loc[t["group"] == "all", "count"].sum()


def test_each_service():
    res = classify_profiles(ma.load_sample(), service="each")
    assert list(dict.fromkeys(res.table["service"])) == [
        "daily_care",
        "emotional_support",
        "chores",
    ]
    assert_allclose(res.table.groupby("service")["estimate"].sum(), 1.0)


def test_simulated_strong_gradient_mostly_strict_or_weak():
    survey, _ = ma.simulate_survey(
        seed=4,
        n_villages=6,
        per_village=40,
        waves=1,
        circle_effects=(0.0, -2.5, -5.0),
        sd_respondent=0.5,
    )
    t = classify_profiles(survey).table.set_index("term")
    assert t.loc["strict", "estimate"] + t.loc["weak", "estimate"] > 0.7
    slope = classify_profiles(survey).tables["indices"].set_index("term")
    assert slope.loc["slope", "conf_high"] < 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(3, 40))
def test_profiles_partition_and_permutation_invariance(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(n, 3)).astype(float)
    res = classify_profiles(matrix_survey(x))
    t = res.table
    assert t["count"].sum() == n
    assert_allclose(t["estimate"].sum(), 1.0)
    codes = profile_codes(x)
    assert np.bincount(codes, minlength=5).tolist() == t["count"].tolist()
    perm = rng.permutation(n)
    villages = np.arange(n) % 4 + 1
    t2 = classify_profiles(matrix_survey(x[perm], villages=villages[perm])).table
    pd.testing.assert_frame_equal(t, t2, check_exact=False, rtol=1e-12)


def test_errors():
    s = ma.load_sample()
    with pytest.raises(ma.UsageError, match="tol must be"):
        classify_profiles(s, tol=-1)
    with pytest.raises(ma.UsageError, match="unknown service"):
        classify_profiles(s, service="x")
    with pytest.raises(ma.UsageError, match="conf_level"):
        classify_profiles(s, conf_level=95)
