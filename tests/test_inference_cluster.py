"""cluster_ols / cluster_mean / wald_test against R's clubSandwich and closed forms.

Reference values: tests/reference/clubsandwich_values.json, produced by
tests/reference/clubsandwich.R (R 4.2.2, clubSandwich 0.5.8, sandwich 3.0.2;
versions and calls are recorded in both files) from
tests/reference/clubsandwich_data.csv (written by make_clubsandwich_data.py,
seed 20240611).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import (
    TABLE_COLUMNS,
    cluster_mean,
    cluster_ols,
    wald_test,
)

REF = Path(__file__).parent / "reference"
sys.path.insert(0, str(REF))
import naive_inference as naive  # noqa: E402

VALUES = json.loads((REF / "clubsandwich_values.json").read_text())
DATA = pd.read_csv(REF / "clubsandwich_data.csv")

# Tolerances per statistic.  vcov and SEs are closed-form linear algebra:
# both sides compute them in double precision with a handful of eigen- and
# matrix products, so they agree to ~1e-14; 1e-8 relative leaves room for
# BLAS/LAPACK differences without hiding a formula error (which shows at 1e-3
# or more).  Satterthwaite df and p-values pass through more operations (sums
# of squares of G x G arrays, t/F tail functions in R vs scipy), so 1e-6.
RTOL_VCOV = 1e-8
RTOL_DF = 1e-6
ATOL_P = 1e-6


def _design(model: str) -> tuple[np.ndarray, np.ndarray | None]:
    one = np.ones(len(DATA))
    if model in ("ols", "wls"):
        X = np.column_stack([one, DATA.x1, DATA.x2, DATA.treat])
    elif model == "fe":
        dummies = pd.get_dummies(DATA.cluster, dtype=float).iloc[:, 1:].to_numpy()
        X = np.column_stack([one, DATA.x1, DATA.x2, dummies])
    else:
        X = one[:, None]
    w = DATA.w.to_numpy() if model in ("wls", "wmean") else None
    return X, w


MODELS = ["ols", "fe", "wls", "mean", "wmean"]


def test_reference_provenance_is_recorded():
    assert VALUES["clubSandwich_version"] == "0.5.8"
    assert VALUES["r_version"].startswith("R version 4.2.2")
    assert VALUES["data"] == "clubsandwich_data.csv"


@pytest.mark.parametrize("model", MODELS)
def test_cr2_matches_clubsandwich(model):
    ref = VALUES[model]
    X, w = _design(model)
    fit = cluster_ols(DATA.y, X, DATA.cluster, weights=w, names=ref["terms"])
    assert_allclose(fit.coef, ref["coef"], rtol=RTOL_VCOV)
    assert_allclose(fit.vcov, np.array(ref["vcov_CR2"]), rtol=RTOL_VCOV, atol=1e-14)
    assert_allclose(fit.std_error, ref["se_CR2"], rtol=RTOL_VCOV)
    assert_allclose(fit.df, ref["df_CR2"], rtol=RTOL_DF)
    assert_allclose(fit.p_value, ref["p_CR2"], rtol=0, atol=ATOL_P)


@pytest.mark.parametrize("model", MODELS)
def test_cr1s_matches_clubsandwich(model):
    ref = VALUES[model]
    X, w = _design(model)
    fit = cluster_ols(DATA.y, X, DATA.cluster, weights=w, names=ref["terms"], vcov="CR1")
    assert_allclose(fit.vcov, np.array(ref["vcov_CR1S"]), rtol=RTOL_VCOV, atol=1e-14)
    assert_allclose(fit.std_error, ref["se_CR1S"], rtol=RTOL_VCOV)
    assert_allclose(fit.df, ref["df_CR1S"])  # G - 1 exactly
    assert_allclose(fit.p_value, ref["p_CR1S"], rtol=0, atol=ATOL_P)


@pytest.mark.parametrize("model", ["ols", "fe", "wls"])
def test_wald_htz_matches_clubsandwich(model):
    ref = VALUES[model]
    X, w = _design(model)
    fit = cluster_ols(DATA.y, X, DATA.cluster, weights=w, names=ref["terms"])
    res = wald_test(fit, ref["wald_terms"])
    htz = ref["wald_HTZ"]
    assert_allclose(res.statistic, htz["Fstat"][0], rtol=RTOL_VCOV)
    assert_allclose(res.delta, htz["delta"][0], rtol=RTOL_DF)
    assert_allclose(res.df_num, htz["df_num"][0])
    assert_allclose(res.df_denom, htz["df_denom"][0], rtol=RTOL_DF)
    assert_allclose(res.p_value, htz["p_val"][0], rtol=0, atol=ATOL_P)


def test_contrast_matches_clubsandwich_linear_contrast():
    ref = VALUES["ols_contrast"]
    X, _ = _design("ols")
    fit = cluster_ols(DATA.y, X, DATA.cluster, names=VALUES["ols"]["terms"])
    res = fit.contrast(ref["weights"])
    assert_allclose(res.estimate, ref["estimate"][0], rtol=RTOL_VCOV)
    assert_allclose(res.std_error, ref["se"][0], rtol=RTOL_VCOV)
    assert_allclose(res.df, ref["df"][0], rtol=RTOL_DF)
    assert_allclose(res.p_value, ref["p_val"][0], rtol=0, atol=ATOL_P)
    same = fit.contrast({"x1": 1, "treat": 1})
    assert same.estimate == res.estimate and same.df == res.df


def test_fixed_effects_cluster_has_singular_adjustment_and_vcov_is_finite():
    # With cluster dummies, I - H_gg has an eigenvalue 0 in every cluster;
    # the pseudo-inverse square root keeps the result finite and equal to R's.
    X, _ = _design("fe")
    fit = cluster_ols(DATA.y, X, DATA.cluster)
    assert np.isfinite(fit.vcov).all() and np.isfinite(fit.df).all()
    codes = pd.factorize(DATA.cluster)[0]
    assert_allclose(fit.vcov, naive.cr2_dense(DATA.y.to_numpy(), X, codes), rtol=1e-9, atol=1e-14)


def test_balanced_intercept_only_is_the_t_test_of_cluster_means():
    # Closed form: equal cluster sizes, no weights -> CR2 SE = sd(cluster means)/sqrt(G), df = G - 1.
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(6), 7)
    y = rng.normal(size=42) + rng.normal(size=6)[g]
    fit = cluster_mean(y, g)
    means = np.bincount(g, y) / 7
    assert_allclose(fit.std_error[0], means.std(ddof=1) / np.sqrt(6), rtol=1e-12)
    assert_allclose(fit.df[0], 5, rtol=1e-12)
    assert fit.names == ("mean",)


def test_result_interface_and_table_contract():
    X, _ = _design("ols")
    fit = cluster_ols(DATA.y, X, DATA.cluster, names=VALUES["ols"]["terms"])
    table = fit.table
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table["method"].eq("OLS, CR2 (Pustejovsky-Tipton), Satterthwaite df").all()
    assert (table["n"] == len(DATA)).all() and (table["n_clusters"] == 8).all()
    ci = fit.conf_int(conf_level=0.9)
    assert (ci["conf_low"] < fit.coef).all() and (ci["conf_high"] > fit.coef).all()
    assert_allclose(fit.statistic, fit.coef / fit.std_error)
    assert "CR2" in fit.summary() and "<table" in fit._repr_html_()
    cr1 = cluster_ols(DATA.y, X, DATA.cluster, vcov="CR1")
    assert cr1.table["method"].iloc[0] == "OLS, CR1S, t(G-1)"
    assert cr1.contrast([0, 1, 0, 0]).df == 7
    naive_f = wald_test(cr1, [[0, 1, 0, 0], [0, 0, 0, 1]], test="Naive-F")
    assert naive_f.df_denom == 7
    with pytest.raises(UsageError, match="HTZ"):
        wald_test(cr1, [[0, 1, 0, 0]])


def test_wald_with_one_constraint_is_the_squared_satterthwaite_t():
    X, _ = _design("wls")
    fit = cluster_ols(DATA.y, X, DATA.cluster, weights=DATA.w)
    res = wald_test(fit, [[0, 1, 0, -1]], r=[0.2])
    con = fit.contrast([0, 1, 0, -1], null=0.2)
    assert_allclose(res.statistic, con.statistic**2, rtol=1e-10)
    assert_allclose(res.df_denom, con.df, rtol=1e-10)
    assert_allclose(res.p_value, con.p_value, rtol=1e-8)


def test_dataframe_input_names_terms():
    X = DATA[["x1", "x2"]].assign(const=1.0)
    fit = cluster_ols(DATA["y"], X, DATA["cluster"])
    assert fit.names == ("x1", "x2", "const")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vcov": "HC1"}, r"vcov must be one of \['CR2', 'CR1', 'CR0'\]; got 'HC1'"),
        ({"weights": np.r_[0.0, np.ones(104)]}, "strictly positive"),
    ],
)
def test_bad_options(kwargs, match):
    X, _ = _design("ols")
    with pytest.raises(UsageError, match=match):
        cluster_ols(DATA.y, X, DATA.cluster, **kwargs)


def test_bad_data_is_refused_not_dropped():
    X, _ = _design("ols")
    y = DATA.y.to_numpy().copy()
    y[[3, 7]] = np.nan
    with pytest.raises(
        UsageError, match=r"y has missing or infinite values in 2 rows \(positions 3, 7\)"
    ):
        cluster_ols(y, X, DATA.cluster)
    with pytest.raises(UsageError, match="different numbers of rows"):
        cluster_ols(DATA.y[:-1], X, DATA.cluster)
    with pytest.raises(UsageError, match="at least 2 clusters"):
        cluster_ols(DATA.y, X, np.zeros(len(DATA)))
    cl = DATA.cluster.to_numpy(dtype=object).copy()
    cl[0] = None
    with pytest.raises(UsageError, match="cluster is missing"):
        cluster_ols(DATA.y, X, cl)


def test_rank_deficiency_names_the_collinear_columns():
    X = pd.DataFrame(
        {"const": 1.0, "x1": DATA.x1, "treat": DATA.treat, "control": 1 - DATA.treat, "x2": DATA.x2}
    )
    with pytest.raises(UsageError, match="'const', 'treat', 'control'") as info:
        cluster_ols(DATA.y, X, DATA.cluster)
    assert "'x1'" not in str(info.value)


# --- invariants (hypothesis) -------------------------------------------------


@st.composite
def clustered_data(draw, max_clusters=7):
    G = draw(st.integers(3, max_clusters))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 9, size=G)
    g = np.repeat(np.arange(G), sizes)
    n = g.size
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, size=G)[g]])
    if np.linalg.matrix_rank(X) < 3:
        X[:, 2] = rng.normal(size=n)
    y = X @ rng.normal(size=3) + rng.normal(size=G)[g] + rng.normal(size=n)
    w = rng.uniform(0.3, 3.0, size=n)
    return y, X, g, w, rng


def cr2_condition(X, g, w=None):
    """How much the CR2 computation can amplify rounding errors (a condition number).

    The product of: cond(X'WX) (M = (X'WX)^-1 multiplies the meat on both
    sides); the largest sigma_1 / sigma_r of a cluster's basis [X_g, W_g X_g]
    (its orthonormal basis Q, from an SVD, is only as accurate as
    eps * sigma_1 / sigma_r); and 1 / lambda_min of the nonzero eigenvalues of
    I - W_g^1/2 H_gg W_g^1/2 (its inverse square root is the adjustment A_g).
    """
    eps = np.finfo(float).eps
    wn = np.ones(len(X)) if w is None else w / w.mean()
    XtWX = (X * wn[:, None]).T @ X
    M = np.linalg.inv(XtWX)
    spread, lam = 1.0, np.inf
    for k in np.unique(g):
        rows = g == k
        Xg, sw = X[rows], np.sqrt(wn[rows])
        basis = Xg if w is None else np.hstack([Xg, Xg * wn[rows][:, None]])
        sv = np.linalg.svd(basis, compute_uv=False)
        spread = max(spread, sv[0] / sv[sv > sv[0] * max(basis.shape) * eps].min())
        ev = np.linalg.eigvalsh(np.eye(rows.sum()) - (Xg * sw[:, None]) @ M @ (Xg * sw[:, None]).T)
        lam = min(lam, ev[ev > 1e-12].min())
    return np.linalg.cond(XtWX) * spread / lam


@settings(max_examples=25, deadline=None)
@given(clustered_data(), st.booleans())
def test_cr2_invariant_to_order_of_rows_and_clusters(data, weighted):
    y, X, g, w, rng = data
    w = w if weighted else None
    perm = rng.permutation(len(y))
    relabel = rng.permutation(g.max() + 1)
    a = cluster_ols(y, X, g, weights=w)
    b = cluster_ols(y[perm], X[perm], relabel[g][perm], weights=None if w is None else w[perm])
    # Reordering rows changes every sum's order, so the two results differ by
    # rounding, bounded *normwise*: |dV_ij| <~ n eps kappa sqrt(V_ii V_jj), with
    # kappa = cr2_condition.  An elementwise rtol is not that bound: a covariance
    # that nearly cancels (|V_ij| << sqrt(V_ii V_jj)) has a relative error far
    # above it (rtol=1e-9 failed at 1.5e-9 on such an entry).  So compare on the
    # correlation scale.  Over 12,000 random fits of this strategy the error
    # never exceeded 9.6 n eps kappa (at most 7.4e-12); 100 n eps kappa leaves
    # a margin of ten while staying near 1e-11 for these designs.
    tol = 100 * len(y) * np.finfo(float).eps * cr2_condition(X, g, w)
    scale = np.sqrt(np.outer(np.diag(a.vcov), np.diag(a.vcov)))
    assert np.max(np.abs(b.vcov - a.vcov) / scale) <= tol
    assert_allclose(b.df, a.df, rtol=max(tol, 1e-9))


@settings(max_examples=25, deadline=None)
@given(clustered_data(), st.floats(-50, 50), st.floats(0.01, 100))
def test_shift_y_changes_only_intercept_and_scaling_weights_changes_nothing(data, shift, scale):
    y, X, g, w, _ = data
    a = cluster_ols(y, X, g, weights=w)
    b = cluster_ols(y + shift, X, g, weights=w)
    c = cluster_ols(y, X, g, weights=w * scale)
    assert_allclose(b.coef[1:], a.coef[1:], rtol=1e-8, atol=1e-8)
    assert_allclose(b.coef[0], a.coef[0] + shift, rtol=1e-8, atol=1e-8)
    assert_allclose(b.vcov, a.vcov, rtol=1e-7, atol=1e-10)
    # Scaling the weights changes every sum by rounding only: the normwise bound of
    # the reordering test above (rtol=1e-9 on the df failed at 1.6e-9 on an
    # ill-conditioned draw, where n eps kappa is larger than that)
    tol = 100 * len(y) * np.finfo(float).eps * cr2_condition(X, g, w)
    scale_v = np.sqrt(np.outer(np.diag(a.vcov), np.diag(a.vcov)))
    assert np.max(np.abs(c.vcov - a.vcov) / scale_v) <= max(tol, 1e-9)
    assert_allclose(c.df, a.df, rtol=max(tol, 1e-9))


@settings(max_examples=25, deadline=None)
@given(clustered_data())
def test_low_rank_cr2_equals_dense_eigendecomposition(data):
    y, X, g, _, _ = data
    fit = cluster_ols(y, X, g)
    assert_allclose(fit.vcov, naive.cr2_dense(y, X, g), rtol=1e-9, atol=1e-13)


@settings(max_examples=20, deadline=None)
@given(st.integers(5, 30), st.integers(0, 2**32 - 1))
def test_one_observation_per_cluster_cr2_is_hc2(n, seed):
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    y = X @ [1.0, 0.5, -0.2] + rng.normal(size=n) * (1 + np.abs(X[:, 1]))
    fit = cluster_ols(y, X, np.arange(n))
    hc2 = sm.OLS(y, X).fit(cov_type="HC2").cov_params()
    assert_allclose(fit.vcov, hc2, rtol=1e-9, atol=1e-13)


def test_contrast_with_a_zero_standard_error_has_no_test():
    # Every village has the same mean change (+1), so the cluster-robust SE is 0:
    # there is no variation to test against; the contrast must not divide by zero.
    import math

    from mutualaid_analysis.inference import cluster_mean

    d = np.array([2.0, 0.0, 3.0, -1.0, 1.0, 1.0])
    fit = cluster_mean(d, np.array([1, 1, 2, 2, 3, 3]))
    c = fit.contrast("mean")
    assert c.estimate == pytest.approx(1.0) and c.std_error == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(c.statistic) and math.isnan(c.p_value)
    assert np.isnan(fit.statistic[0]) and np.isnan(fit.p_value[0])
    assert np.isnan(fit.table["p_value"].iloc[0])
