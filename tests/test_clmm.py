"""The cumulative link mixed model: agreement with R's ordinal::clmm, exact gradients, recovery.

Reference values: ``tests/reference/clmm_values.json``, written by
``tests/reference/clmm.R`` (R 4.2.2, ordinal 2022.11.16; the calls and
versions are in the script and the JSON) from ``tests/reference/clmm_data.csv``
(``make_clmm_data.py``), read here with ``clmm_codebook.toml``.  Tests never
call R.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

import mutualaid_analysis as ma
from mutualaid_analysis.models import (
    BoundaryWarning,
    HessianWarning,
    OrdinalMixedResult,
    compare_models,
    fit_ordinal_mixed,
)
from mutualaid_analysis.models import clmm as clmm_module
from mutualaid_analysis.models.clmm_engine import NestedLaplace, OneFactorAGQ
from mutualaid_analysis.results import CONTRACT_COLUMNS

REF = Path(__file__).parent / "reference"
COVS = ["age", "sex"]


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "clmm_values.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def survey():
    return ma.read_survey(REF / "clmm_data.csv", codebook=REF / "clmm_codebook.toml")


@pytest.fixture(scope="module")
def fits(survey) -> dict[str, OrdinalMixedResult]:
    return {
        "agq10": fit_ordinal_mixed(survey, COVS, n_quad=10),
        "laplace": fit_ordinal_mixed(survey, COVS, n_quad=1),
        "probit10": fit_ordinal_mixed(survey, COVS, link="probit", n_quad=10),
        "nested": fit_ordinal_mixed(survey, COVS, random=["respondent", "village"]),
        "mod_full": fit_ordinal_mixed(survey, COVS, ["lives_alone"], n_quad=10),
        "mod_main": fit_ordinal_mixed(survey, [*COVS, "lives_alone"], n_quad=10),
    }


_R_NAMES = {
    "circlefriends": "circle[friends]",
    "circlevillagers": "circle[villagers]",
    "sex1": "sex[女]",
    "lives_alone": "lives_alone[是]",
    "age": "age",
}


def _r_name(name: str) -> str:
    """R's coefficient name in this package's spelling (thresholds are spelt alike)."""
    return ":".join(_R_NAMES.get(part, part) for part in name.split(":"))


def _compare(fit: OrdinalMixedResult, r: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(ours, R's) per quantity, matched by name."""
    tab = fit.table.set_index("term")
    beta_names = [_r_name(n) for n in r["beta_names"]]
    se_names = [_r_name(n) for n in r["se_names"]]
    sd = fit.table.loc[fit.table["kind"] == "random", "estimate"].to_numpy()
    return {
        "alpha": (tab.loc[r["alpha_names"], "estimate"].to_numpy(), np.asarray(r["alpha"])),
        "beta": (tab.loc[beta_names, "estimate"].to_numpy(), np.asarray(r["beta"])),
        "se": (tab.loc[se_names, "std_error"].to_numpy(), np.asarray(r["se"])),
        "sd": (sd, np.atleast_1d(r["sd"])),
    }


# ------------------------------------------------------------------ agreement with clmm
def test_reference_data_is_what_r_fitted(fits, ref):
    assert fits["agq10"].nobs == ref["n_answers"] == ref["agq10"]["nobs"]
    assert ref["ordinal_version"] == "2022.11.16"
    # Same terms in the same order (R's names: circlefriends, ..., sex1).
    assert fits["agq10"].coef.index.tolist() == [
        "circle[friends]",
        "circle[villagers]",
        "age",
        "sex[女]",
    ]
    assert ref["agq10"]["beta_names"] == ["circlefriends", "circlevillagers", "age", "sex1"]
    assert fits["agq10"].thresholds.index.tolist() == ref["agq10"]["alpha_names"]


@pytest.mark.parametrize("key", ["agq10", "laplace", "probit10", "mod_full", "mod_main"])
def test_one_factor_matches_clmm(fits, ref, key):
    r = ref[key]
    c = _compare(fits[key], r)
    # The issue asks for 1e-3; both optimisers reach the same maximum far closer.
    for what in ("alpha", "beta", "sd"):
        np.testing.assert_allclose(*c[what], atol=2e-4, err_msg=what)
    assert fits[key].loglik == pytest.approx(r["logLik"], abs=1e-6)
    # Standard errors: ours from the differentiated analytic gradient, clmm's from a
    # numerical Hessian of its likelihood.
    np.testing.assert_allclose(*c["se"], rtol=3e-3)
    assert fits[key].n_parameters == r["df"]


def test_nested_laplace_matches_clmm(fits, ref):
    r = ref["nested"]
    c = _compare(fits["nested"], r)
    np.testing.assert_allclose(*c["alpha"], atol=1e-3)
    np.testing.assert_allclose(*c["beta"], atol=1e-3)
    # R orders the SDs (village:resp, village) as ours (respondent, village).
    assert r["sd_names"] == ["village:resp", "village"]
    np.testing.assert_allclose(*c["sd"], atol=1e-2)
    assert fits["nested"].loglik == pytest.approx(r["logLik"], abs=1e-3)
    np.testing.assert_allclose(*c["se"], rtol=1e-2)


def test_conditional_modes_match_clmm_ranef(fits, ref):
    re = fits["agq10"].random_effects.set_index("id")["mode"]
    r = pd.Series(ref["agq10"]["ranef"], index=ref["agq10"]["ranef_resp"])
    np.testing.assert_allclose(re.loc[r.index].to_numpy(), r.to_numpy(), atol=1e-3)


def test_likelihood_ratio_matches_anova_clmm(fits, ref):
    res = compare_models(fits["mod_full"], fits["mod_main"], names=["interaction", "main"])
    t = res.table
    assert t["model"].tolist() == ["main", "interaction"]  # sorted by size
    row = t.iloc[1]
    assert row["statistic"] == pytest.approx(ref["lrt"]["statistic"], abs=1e-3)
    assert row["df"] == ref["lrt"]["df"]
    assert row["p_value"] == pytest.approx(ref["lrt"]["p_value"], rel=1e-3)
    assert np.isnan(row["p_value_boundary"])  # no variance component added
    assert row["term"] == "interaction vs main"


# ------------------------------------------------------------------ exact gradients
def _toy(seed=1, G=40, per=3, n_outer=5):
    rng = np.random.default_rng(seed)
    grp = np.repeat(np.arange(G), per)
    X = rng.normal(size=(len(grp), 2))
    outer = np.arange(G) % n_outer
    lat = (
        X @ [0.5, -0.3]
        + rng.normal(size=G)[grp] * 1.2
        + rng.normal(size=n_outer)[outer[grp]] * 0.6
        + rng.logistic(size=len(grp))
    )
    y = np.searchsorted([-1.5, -0.3, 0.6, 1.8], lat)
    return y, X, grp, G, outer, n_outer


def _fd(f, x, h=1e-6):
    return np.array([(f(x + e)[0] - f(x - e)[0]) / (2 * h) for e in np.eye(len(x)) * h])


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize("n_quad", [1, 4, 10])
def test_agq_gradient_is_exact(link, n_quad):
    y, X, grp, G, _, _ = _toy()
    eng = OneFactorAGQ(y, X, grp, G, 5, link, n_quad)

    def f(p):
        return eng.loglik(p[:4], p[4:6], p[6])

    x0 = np.array([-1.4, -0.2, 0.7, 1.9, 0.4, -0.2, 0.1])
    np.testing.assert_allclose(f(x0)[1], _fd(f, x0), atol=1e-6)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_nested_laplace_gradient_is_exact(link):
    y, X, grp, G, outer, n_outer = _toy()
    eng = NestedLaplace(y, X, grp, G, outer, n_outer, 5, link)

    def f(p):
        return eng.loglik(p[:4], p[4:6], p[6], p[7])

    x0 = np.array([-1.4, -0.2, 0.7, 1.9, 0.4, -0.2, 0.1, -0.5])
    np.testing.assert_allclose(f(x0)[1], _fd(f, x0), atol=1e-6)


def test_agq_with_many_nodes_is_the_integral():
    """AGQ with 30 nodes equals the likelihood integrated by adaptive quadrature (quad)."""
    y, X, grp, G, _, _ = _toy(G=3)
    theta, beta, sd = np.array([-1.4, -0.2, 0.7, 1.9]), np.array([0.4, -0.2]), 1.3
    ll = OneFactorAGQ(y, X, grp, G, 5, "logit", 30).loglik(theta, beta, math.log(sd), False)[0]
    cuts = np.concatenate([[-np.inf], theta, [np.inf]])
    total = 0.0
    for g in range(G):
        rows = grp == g

        def integrand(u, rows=rows):
            eta = X[rows] @ beta + u
            p = special.expit(cuts[y[rows] + 1] - eta) - special.expit(cuts[y[rows]] - eta)
            return np.prod(p) * math.exp(-0.5 * (u / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

        total += math.log(integrate.quad(integrand, -12 * sd, 12 * sd, epsabs=1e-14)[0])
    assert ll == pytest.approx(total, abs=1e-8)


# ------------------------------------------------------------------ recovery
def test_recovers_simulated_truth():
    """Known truth: respondent and village intercepts, circle, service and covariate effects."""
    covs = ["age", "sex", "schooling", "lives_alone", "n_migrated", "health", "adl"]
    survey, truth = ma.simulate_survey(
        seed=11,
        n_villages=30,
        per_village=40,
        waves=1,
        efficacy_effect=0.0,
        circle_by_efficacy=(0.0, 0.0, 0.0),
        circle_by_alone=(0.0, 0.0, 0.0),
    )
    fit = fit_ordinal_mixed(survey, covs, random=["respondent", "village"])
    tab = fit.table.set_index("term")
    w = truth["willingness"]

    def check(term, value, k=3.5):
        est, se = tab.loc[term, "estimate"], tab.loc[term, "std_error"]
        assert abs(est - value) < k * se, (term, est, value, se)

    for c, v in w["circle_effects"].items():
        if c != "relatives":
            check(f"circle[{c}]", v)
    for s, v in w["service_effects"].items():
        if s != "daily_care":
            check(f"service[{s}]", v)
    names = {"sex": "sex[女]", "lives_alone": "lives_alone[是]", "adl": "adl[是]"}
    beta = w["covariate_effects"]
    for name, v in beta.items():
        check(names.get(name, name), v)
    # The truth's thresholds refer to centred covariates: theta = tau + sum_j beta_j c_j.
    from mutualaid_analysis.simulate.design import COVARIATES

    shift = sum(beta[n] * COVARIATES[n] for n in beta)
    for j, tau in enumerate(w["thresholds"]):
        check(f"{j + 1}|{j + 2}", tau + shift)
    check("sd(respondent)", w["sd_respondent"])
    check("sd(village)", w["sd_village"])


def test_recovers_circle_gradient_quickly():
    """A small recovery check that runs in the default suite."""
    survey, truth = ma.simulate_survey(
        seed=3,
        n_villages=12,
        per_village=40,
        waves=1,
        efficacy_effect=0.0,
        circle_by_efficacy=(0.0, 0.0, 0.0),
        circle_by_alone=(0.0, 0.0, 0.0),
        sd_village=0.0,
    )
    fit = fit_ordinal_mixed(survey, service="daily_care")
    tab = fit.table.set_index("term")
    for c, v in truth["willingness"]["circle_effects"].items():
        if c != "relatives":
            est, se = tab.loc[f"circle[{c}]", ["estimate", "std_error"]]
            assert abs(est - v) < 3.5 * se
    sd, sd_se = tab.loc["sd(respondent)", ["estimate", "std_error"]]
    assert abs(sd - truth["willingness"]["sd_respondent"]) < 3.5 * sd_se


# ------------------------------------------------------------------ result object
def test_table_follows_the_contract(fits):
    fit = fits["nested"]
    t = fit.table
    assert t.columns[0] == "kind"
    assert list(t.columns[1:11]) == CONTRACT_COLUMNS
    assert (
        t["kind"].tolist()
        == ["threshold"] * 4 + ["circle"] * 2 + ["covariate"] * 2 + ["random"] * 2
    )
    sd = t[t["kind"] == "random"].set_index("term")
    assert sd.index.tolist() == ["sd(respondent)", "sd(village)"]
    assert sd["p_value"].isna().all() and sd["statistic"].isna().all()
    assert sd.loc["sd(village)", "n"] == 10 and sd.loc["sd(respondent)", "n"] == 300
    # interval on the log scale: symmetric around log(sd)
    lo, hi, est = sd["conf_low"], sd["conf_high"], sd["estimate"]
    np.testing.assert_allclose(np.log(est) - np.log(lo), np.log(hi) - np.log(est))
    assert t["method"].str.contains("model-based").all()
    assert np.isinf(t["df"]).all()
    assert fit.aic == pytest.approx(-2 * fit.loglik + 2 * 10)
    assert fit.bic == pytest.approx(-2 * fit.loglik + math.log(874) * 10)
    assert fit.full_cov.shape == (10, 10)
    assert fit.random_sd.index.tolist() == ["sd(respondent)", "sd(village)"]


def test_summary_and_html(fits):
    fit = fits["mod_full"]
    text = fit.summary()
    assert "sd(respondent)" in text and "Random intercepts: respondent" in text
    assert "circle[villagers]:lives_alone[是]" in text
    assert "population-averaged" in text
    html = fit._repr_html_()
    assert html.startswith("<div>") and "sd(respondent)" in html


def test_predictions_conditional_and_population_averaged(fits):
    fit = fits["mod_full"]
    cond, pa = fit.tables["predicted"], fit.population_averaged
    cond = cond[cond["at"] == "average"]
    assert len(pa) == len(cond)
    assert pa[["circle", "moderator", "level", "category"]].equals(
        cond[["circle", "moderator", "level", "category"]].reset_index(drop=True)
    )
    probs = pa[pa["term"] != "E[Y]"]
    sums = probs.groupby(["moderator", "level", "circle"])["estimate"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    # Averaging over the respondents' intercepts pulls the extreme answers' odds apart
    # less than conditioning on u = 0: the population-averaged circle gradient is flatter.
    mean_pa = pa[pa["term"] == "E[Y]"].set_index(["moderator", "level", "circle"])["estimate"]
    mean_c = cond[cond["term"] == "E[Y]"].set_index(["moderator", "level", "circle"])["estimate"]
    for lev in ["否", "是"]:
        key = ("lives_alone", lev)
        gap_pa = mean_pa[(*key, "relatives")] - mean_pa[(*key, "villagers")]
        gap_c = mean_c[(*key, "relatives")] - mean_c[(*key, "villagers")]
        assert 0 < gap_pa < gap_c
    assert (probs["conf_low"] < probs["estimate"]).all()
    assert (probs["estimate"] < probs["conf_high"]).all()


def test_population_averaged_probability_is_the_integral(fits):
    """One profile by direct numerical integration over N(0, sd^2)."""
    fit = fits["laplace"]
    theta, beta = fit.thresholds.to_numpy(), fit.coef.to_numpy()
    sd = float(fit.random_sd.iloc[0])
    design = fit.design
    X = design.X.copy()
    X[:, 0] = 1.0  # friends
    X[:, 1] = 0.0
    eta = X @ beta

    def p_le_2(u):
        return (
            special.expit(theta[1] - eta - u).mean()
            * math.exp(-0.5 * (u / sd) ** 2)
            / (sd * math.sqrt(2 * math.pi))
        )

    expected = integrate.quad(p_le_2, -12 * sd, 12 * sd, epsabs=1e-12)[0]
    pa = fit.population_averaged
    got = pa.loc[(pa["circle"] == "friends") & pa["category"].isin([1, 2]), "estimate"].sum()
    assert got == pytest.approx(expected, abs=1e-7)


def test_random_effects_table(fits):
    re = fits["nested"].random_effects
    assert re.columns.tolist() == ["level", "id", "mode", "sd"]
    assert (re["level"] == "respondent").sum() == 300 and (re["level"] == "village").sum() == 10
    assert (re["sd"] > 0).all()


# ------------------------------------------------------------------ warnings and errors
def test_boundary_warning_when_village_sd_is_zero():
    survey, _ = ma.simulate_survey(seed=5, n_villages=8, per_village=25, waves=1, sd_village=0.0)
    with pytest.warns(BoundaryWarning, match=r"sd\(village\)"):
        fit = fit_ordinal_mixed(survey, random=["respondent", "village"], service="daily_care")
    row = fit.table.set_index("term").loc["sd(village)"]
    assert row["estimate"] < 1e-2 and np.isnan(row["std_error"])
    assert fit.info["boundary"]["sd(village)"]
    assert any("boundary" in n for n in fit.notes)
    # the other standard errors are still reported
    assert fit.table.set_index("term").loc["circle[friends]", "std_error"] > 0


def test_hessian_warning_leaves_standard_errors_missing(survey, monkeypatch):
    def singular(prob, psi):
        return np.zeros((len(psi), len(psi)))

    monkeypatch.setattr(clmm_module, "_numerical_hessian", singular)
    with pytest.warns(HessianWarning, match="not positive definite"):
        fit = fit_ordinal_mixed(survey, COVS, n_quad=1)
    assert fit.table["std_error"].isna().all()
    assert np.isfinite(fit.table["estimate"]).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"link": "cloglog"}, "link must be one of"),
        ({"random": ["household"]}, "random effect must be one of"),
        ({"random": []}, "random must name"),
        ({"n_quad": 0}, "n_quad must be"),
        ({"n_quad": 2.5}, "n_quad must be"),
        ({"random": ["respondent", "village"], "n_quad": 10}, "Laplace"),
        ({"conf_level": 95}, "conf_level"),
    ],
)
def test_usage_errors(survey, kwargs, match):
    with pytest.raises(ma.UsageError, match=match):
        fit_ordinal_mixed(survey, COVS, **kwargs)


def test_village_only_random_effect(survey):
    fit = fit_ordinal_mixed(survey, COVS, random="village", n_quad=5)
    assert fit.random_sd.index.tolist() == ["sd(village)"]
    assert fit.info["n_groups"] == {"village": 10}


# ------------------------------------------------------------------ compare_models
def test_compare_models_boundary_caveat(fits):
    res = compare_models(fits["laplace"], fits["nested"], names=["resp", "resp+village"])
    row = res.table.iloc[1]
    assert row["df"] == 1
    assert row["p_value_boundary"] == pytest.approx(row["p_value"] / 2)
    assert any("boundary" in n for n in res.notes)
    assert list(res.table.columns[1:11]) == CONTRACT_COLUMNS


def test_compare_models_takes_the_fixed_effects_model(survey, fits):
    """CLM (fit_ordinal) vs CLMM: the LR test of the respondent SD, with its caveat."""
    from mutualaid_analysis.models.clm import fit_ordinal

    clm = fit_ordinal(survey, COVS, vcov="model")
    res = compare_models(fits["agq10"], clm, names=["clmm", "clm"])
    t = res.table.set_index("model")
    assert t.loc["clm", "n_parameters"] == 8 and t.loc["clmm", "n_parameters"] == 9
    lr = 2 * (fits["agq10"].loglik - clm.info["loglike"])
    assert t.loc["clmm", "statistic"] == pytest.approx(lr)
    assert t.loc["clmm", "p_value_boundary"] == pytest.approx(t.loc["clmm", "p_value"] / 2)
    assert len(res.notes) == 1 and "boundary" in res.notes[0]


def test_compare_models_refuses_what_is_not_nested(fits, survey):
    with pytest.raises(ma.UsageError, match="at least two"):
        compare_models(fits["agq10"])
    other = fit_ordinal_mixed(survey, ["age", "lives_alone"], n_quad=10)
    with pytest.raises(ma.UsageError, match="not nested"):
        compare_models(fits["agq10"], other)
    with pytest.raises(ma.UsageError, match="different links"):
        compare_models(fits["agq10"], fits["probit10"])
    fewer = SimpleNamespace(table=fits["agq10"].table.iloc[:-2], loglik=-1300.0, nobs=800, info={})
    with pytest.raises(ma.UsageError, match="different numbers of answers"):
        compare_models(fewer, fits["agq10"])
    with pytest.raises(ma.UsageError, match="no log-likelihood"):
        compare_models(SimpleNamespace(table=fits["agq10"].table, info={}), fits["agq10"])
