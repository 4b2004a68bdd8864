"""fit_ordinal: the cumulative link model, checked against R (MASS::polr, sandwich::vcovCL).

Reference values: ``tests/reference/clm_values.json``, produced by
``tests/reference/clm.R`` (R 4.2.2, MASS 7.3-58.2, sandwich 3.0.2, ordinal
2022.11.16) from ``tests/reference/clm_data.csv`` (the bundled sample's
baseline long design, written by ``tests/reference/make_clm_data.py``).  The
R calls are written at the top of ``clm.R``.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import mutualaid_analysis as ma
from mutualaid_analysis.models import (
    ConvergenceError,
    ConvergenceWarning,
    OrdinalResult,
    fit_ordinal,
    ordinal_design,
)
from mutualaid_analysis.models.clm import _evaluate, clm_fit, cluster_sandwich
from mutualaid_analysis.models.results import _mean_cumprob, link_functions
from mutualaid_analysis.sample import sample_paths

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "clm_values.json").read_text(encoding="utf-8"))

# R model -> (covariates, moderators, link) of the same model in fit_ordinal
MODELS = {
    "logit_main": (["age", "sex", "lives_alone"], [], "logit"),
    "probit_main": (["age", "sex", "lives_alone"], [], "probit"),
    "logit_interact": (["age", "sex"], ["lives_alone"], "logit"),
    "logit_numeric": ([], ["n_migrated"], "logit"),
}
VCOV_KEYS = {
    "cluster": "vcov_village_hc1",
    "respondent": "vcov_respondent_hc1",
    "model": "vcov_model",
}


@pytest.fixture(scope="module")
def sample():
    return ma.load_sample()


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(sample_paths()["survey"])


@pytest.fixture(scope="module")
def fits(sample):
    """Every (R model, vcov) fitted once."""
    return {
        (name, vcov): fit_ordinal(sample, cov, mod, link=link, vcov=vcov)
        for name, (cov, mod, link) in MODELS.items()
        for vcov in VCOV_KEYS
    }


def _r_order(res: OrdinalResult, ref: dict) -> list[int]:
    """Our parameter order is (thresholds, beta); R's is (beta, zeta)."""
    m, p = len(ref["zeta"]), len(ref["coef"])
    assert res.n_thresholds == m and len(res.coef) == p
    return list(range(m, m + p)) + list(range(m))


# ----------------------------------------------------------------------------- the reference data


def test_reference_data_is_the_sample_design():
    spec = importlib.util.spec_from_file_location("make_clm_data", REF_DIR / "make_clm_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = pd.read_csv(REF_DIR / "clm_data.csv")
    fresh = module.make()
    assert len(committed) == REF["n"] == len(fresh)
    pd.testing.assert_frame_equal(
        committed, fresh.astype(committed.dtypes.to_dict()), check_dtype=False
    )


# ----------------------------------------------------------------------------- agreement with R


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("vcov", list(VCOV_KEYS))
def test_agrees_with_polr_and_vcovcl(fits, name, vcov):
    ref = REF[name]
    res = fits[(name, vcov)]
    order = _r_order(res, ref)
    est = res.params.to_numpy()[order]
    # thresholds and coefficients: MASS::polr (reltol 1e-14)
    np.testing.assert_allclose(est, ref["coef"] + ref["zeta"], rtol=0, atol=1e-4)
    assert list(res.thresholds.index) == ref["thresholds"]
    assert res.info["loglike"] == pytest.approx(ref["logLik"], abs=1e-6)
    # covariance: sandwich::vcovCL(type = "HC1") / vcov(polr)
    V = res.cov.to_numpy()[np.ix_(order, order)]
    R = np.array(ref[VCOV_KEYS[vcov]])
    np.testing.assert_allclose(np.sqrt(np.diag(V)), np.sqrt(np.diag(R)), rtol=1e-4)
    np.testing.assert_allclose(
        V, R, rtol=1e-3, atol=1e-4 * np.sqrt(np.outer(np.diag(R), np.diag(R))).max()
    )


@pytest.mark.parametrize("name", list(MODELS))
def test_agrees_with_ordinal_clm(fits, name):
    """A second implementation (Newton with analytic Hessian): tighter agreement."""
    ref = REF[name]
    res = fits[(name, "cluster")]
    np.testing.assert_allclose(res.thresholds.to_numpy(), ref["clm_zeta"], atol=1e-6)
    np.testing.assert_allclose(res.coef.to_numpy(), ref["clm_coef"], atol=1e-6)
    assert res.info["loglike"] == pytest.approx(ref["clm_logLik"], abs=1e-6)
    se = res.table["std_error"].to_numpy()  # (thresholds, beta): clm's own order
    np.testing.assert_allclose(se, ref["clm_se_village_hc1"], rtol=1e-6)


def test_small_sample_factor_is_hc1_times_cluster_adjustment(fits):
    """vcovCL's default for polr (HC0) uses G/(G-1) only; ours adds (N-1)/(N-k) (HC1)."""
    ref = REF["logit_main"]
    res = fits[("logit_main", "cluster")]
    N, k, G = REF["n"], len(ref["coef"]) + len(ref["zeta"]), REF["n_villages"]
    factor = G / (G - 1) * (N - 1) / (N - k)
    assert res.info["small_sample_factor"] == pytest.approx(factor, rel=1e-12)
    order = _r_order(res, ref)
    se_hc0 = res.table["std_error"].to_numpy()[order] * math.sqrt((N - k) / (N - 1))
    np.testing.assert_allclose(se_hc0, ref["se_village_hc0"], rtol=1e-4)


# ----------------------------------------------------------------------------- the table


def test_table_contract_and_inference(fits):
    res = fits[("logit_interact", "cluster")]
    t = res.table
    assert list(t.columns) == [
        "kind",
        "term",
        "estimate",
        "std_error",
        "statistic",
        "df",
        "p_value",
        "conf_low",
        "conf_high",
        "n",
        "method",
        "odds_ratio",
        "odds_ratio_low",
        "odds_ratio_high",
    ]
    assert t["term"].tolist()[:4] == ["1|2", "2|3", "3|4", "4|5"]
    assert (
        t["kind"].tolist()
        == ["threshold"] * 4
        + ["circle"] * 2
        + ["service"] * 2
        + ["covariate"] * 3
        + ["interaction"] * 2
    )
    assert t["term"].iloc[-1] == "circle[villagers]:lives_alone[是]"
    assert (t["df"] == 11).all() and (t["n"] == REF["n"]).all()
    assert t["method"].iloc[0] == (
        "cumulative logit (ML), village-cluster-robust SE (CR1: G/(G−1)·(N−1)/(N−k)), t(11)"
    )
    expect_p = 2 * stats.t.sf(np.abs(t["estimate"] / t["std_error"]), 11)
    np.testing.assert_allclose(t["p_value"], expect_p, rtol=1e-10)
    q = stats.t.ppf(0.975, 11)
    np.testing.assert_allclose(t["conf_high"], t["estimate"] + q * t["std_error"])
    beta = t[t["kind"] != "threshold"]
    np.testing.assert_allclose(beta["odds_ratio"], np.exp(beta["estimate"]))
    np.testing.assert_allclose(beta["odds_ratio_low"], np.exp(beta["conf_low"]))
    assert t.loc[t["kind"] == "threshold", "odds_ratio"].isna().all()
    # the differential mode of association: friends and villagers below relatives
    circ = t.set_index("term")["estimate"]
    assert circ["circle[villagers]"] < circ["circle[friends]"] < 0
    info = res.info
    assert info["n_villages"] == 12 and info["n_respondents"] == REF["n_respondents"]
    assert info["converged"] and info["iterations"] < 20 and info["wave"] == "pre"
    assert info["aic"] == pytest.approx(-2 * info["loglike"] + 2 * 13)
    assert info["bic"] == pytest.approx(-2 * info["loglike"] + math.log(REF["n"]) * 13)
    assert info["n_excluded"] == 154


def test_probit_has_no_odds_ratios_and_other_vcovs_say_what_they_are(fits):
    assert "odds_ratio" not in fits[("probit_main", "cluster")].table.columns
    assert fits[("probit_main", "cluster")].method.startswith("cumulative probit (ML)")
    resp = fits[("logit_main", "respondent")]
    assert resp.df == REF["n_respondents"] - 1
    assert f"t({REF['n_respondents'] - 1})" in resp.method
    model = fits[("logit_main", "model")]
    assert "not cluster-robust" in model.method and math.isinf(model.df)
    t = model.table
    np.testing.assert_allclose(t["p_value"], 2 * stats.norm.sf(np.abs(t["statistic"])))


def test_one_service_has_no_service_terms(sample):
    res = fit_ordinal(sample, ["age"], service="chores", vcov="model")
    assert not (res.table["kind"] == "service").any()
    assert res.info["service"] == "chores"
    assert res.info["n_answers"] < REF["n"] / 2


def test_summary_html_and_statsmodels_object(fits):
    res = fits[("logit_interact", "cluster")]
    text = res.summary()
    assert text.startswith("Cumulative logit model of willingness by circle")
    assert "village-cluster-robust" in text and "circle[friends]" in text
    assert "Average predicted probabilities" in text and "E[Y]" in text
    page = res._repr_html_()
    assert page.startswith("<div><h4>") and "<table" in page and "E[Y]" in page
    assert page.endswith("</div>")
    sm = res.model_result
    p = len(res.coef)
    np.testing.assert_allclose(sm.params.to_numpy()[:p], res.coef.to_numpy())
    np.testing.assert_allclose(sm.bse.to_numpy()[:p], res.table["std_error"].to_numpy()[4:])
    assert sm.model.loglike(sm.params.to_numpy()) == pytest.approx(res.info["loglike"])
    assert sm.df_resid == 11
    np.testing.assert_allclose(sm.pvalues.to_numpy()[:p], res.table["p_value"].to_numpy()[4:])
    assert res.model_result is sm  # built once
    assert "circle[villagers]:lives_alone[是]" in str(sm.summary())


# ----------------------------------------------------------------------------- predictions


def test_predicted_probabilities(fits):
    res = fits[("logit_interact", "cluster")]
    pred = res.tables["predicted"]
    assert set(pred["at"]) == {"average", "means"}
    assert set(pred["level"]) == {"否", "是"} and set(pred["moderator"]) == {"lives_alone"}
    probs = pred[pred["category"] != "mean"]
    sums = probs.groupby(["at", "level", "circle"])["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    assert (
        (probs["conf_low"] < probs["estimate"])
        & (probs["estimate"] < probs["conf_high"])
        & (probs["conf_low"] > 0)
        & (probs["conf_high"] < 1)
    ).all()
    means = pred[pred["category"] == "mean"].set_index(["at", "level", "circle"])["estimate"]
    for key, value in means.items():
        p = probs.set_index(["at", "level", "circle"]).loc[key].sort_values("category")
        assert value == pytest.approx((p["category"].astype(int) * p["estimate"]).sum())
    avg = means.loc["average", "否"]
    assert avg["relatives"] > avg["friends"] > avg["villagers"]
    # the average over answers equals the mean of predict_proba with the circle set
    X = res.design.X.copy()
    j_f, j_v = (
        res.design.terms.index("circle[friends]"),
        res.design.terms.index("circle[villagers]"),
    )
    j_a = res.design.terms.index("lives_alone[是]")
    X[:, [j_f, j_v]] = [0.0, 1.0]
    X[:, j_a] = 1.0
    X[:, -2:] = [0.0, 1.0]
    direct = res.predict_proba(X).mean(axis=0).to_numpy()
    table = probs.set_index(["at", "level", "circle"]).loc[("average", "是", "villagers")]
    np.testing.assert_allclose(table.sort_values("category")["estimate"], direct, rtol=1e-12)
    assert res.predict_proba().shape == (REF["n"], 5)
    with pytest.raises(ma.UsageError, match="columns"):
        res.predict_proba(np.zeros((2, 3)))


def test_numeric_moderator_levels(fits):
    pred = fits[("logit_numeric", "cluster")].tables["predicted"]
    levels = list(dict.fromkeys(pred["level"]))
    assert len(levels) == 3 and levels[1].startswith("mean (")


def test_delta_method_gradient_matches_finite_differences(fits):
    res = fits[("logit_main", "cluster")]
    theta, beta = res.thresholds.to_numpy(), res.coef.to_numpy()
    X = res.design.X[:300]
    lf = link_functions("logit")
    _, grad = _mean_cumprob(theta, beta, X, lf)
    h = 1e-6
    x0 = np.concatenate([theta, beta])
    num = np.empty_like(grad)
    for j in range(len(x0)):
        e = np.zeros_like(x0)
        e[j] = h
        up = _mean_cumprob((x0 + e)[:4], (x0 + e)[4:], X, lf)[0]
        dn = _mean_cumprob((x0 - e)[:4], (x0 - e)[4:], X, lf)[0]
        num[:, j] = (up - dn) / (2 * h)
    np.testing.assert_allclose(grad, num, atol=1e-8)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_analytic_gradient_and_hessian(sample, link):
    d = ordinal_design(sample, ["age", "lives_alone"], service="daily_care")
    order = np.argsort(d.y, kind="stable")
    y, X = d.y[order], d.X[order] - d.X.mean(axis=0)
    starts = np.searchsorted(y, np.arange(5))
    lf = link_functions(link)
    x0 = np.array([-3.0, -2.0, -1.0, 0.2, -0.5, -1.0, 0.1, -0.3])
    out = _evaluate(x0[:4], x0[4:], y, X, starts, lf, 2)
    np.testing.assert_allclose(out["scores"].sum(axis=0), out["grad"], rtol=1e-10, atol=1e-9)
    h = 1e-5

    def f(v):
        return _evaluate(v[:4], v[4:], y, X, starts, lf, 1)

    num_g = np.empty(8)
    num_h = np.empty((8, 8))
    for j in range(8):
        e = np.zeros(8)
        e[j] = h
        num_g[j] = (f(x0 + e)["loglike"] - f(x0 - e)["loglike"]) / (2 * h)
        num_h[:, j] = (f(x0 + e)["grad"] - f(x0 - e)["grad"]) / (2 * h)
    np.testing.assert_allclose(out["grad"], num_g, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(out["hessian"], num_h, rtol=1e-5, atol=1e-3)


# ----------------------------------------------------------------------------- recovery


def test_recovers_simulated_truth():
    """No random effects or efficacy terms: the simulator's model is exactly a CLM."""
    survey, truth = ma.simulate_survey(
        seed=7,
        n_villages=20,
        per_village=250,
        waves=1,
        sd_village=0.0,
        sd_respondent=0.0,
        efficacy_effect=0.0,
        circle_by_efficacy=(0.0, 0.0, 0.0),
        covariate_effects={"schooling": 0.0, "n_migrated": 0.0, "health": 0.0, "adl": 0.0},
    )
    res = fit_ordinal(survey, ["age", "sex"], ["lives_alone"])
    w = truth["willingness"]
    beta = w["covariate_effects"]
    centre = w["covariate_centring"]["age"]
    expected = {
        "circle[friends]": w["circle_effects"]["friends"],
        "circle[villagers]": w["circle_effects"]["villagers"],
        "service[emotional_support]": w["service_effects"]["emotional_support"],
        "service[chores]": w["service_effects"]["chores"],
        "age": beta["age"],
        "sex[女]": beta["sex"],
        "lives_alone[是]": beta["lives_alone"],
        "circle[friends]:lives_alone[是]": w["moderators"]["lives_alone"]["friends"],
        "circle[villagers]:lives_alone[是]": w["moderators"]["lives_alone"]["villagers"],
    }
    # simulator: P(Y <= k) = logistic(tau_k - eta), eta uses age - 70: theta_k = tau_k + 70 b_age
    for k, tau in enumerate(w["thresholds"]):
        expected[f"{k + 1}|{k + 2}"] = tau + centre * beta["age"]
    t = res.table.set_index("term")
    z = (t["estimate"] - pd.Series(expected)) / t["std_error"]
    assert z.abs().max() < 4.0, z
    # expected answers per circle (truth: over this sample's respondents and services)
    pred = res.tables["predicted"]
    means = pred[(pred["at"] == "average") & (pred["category"] == "mean") & (pred["level"] == "否")]
    assert len(means) == 3


def test_recovered_average_means_match_truth():
    survey, truth = ma.simulate_survey(
        seed=11,
        n_villages=20,
        per_village=250,
        waves=1,
        sd_village=0.0,
        sd_respondent=0.0,
        efficacy_effect=0.0,
        circle_by_efficacy=(0.0, 0.0, 0.0),
        circle_by_alone=(0, 0, 0),
        covariate_effects={"schooling": 0.0, "n_migrated": 0.0, "health": 0.0, "adl": 0.0},
        missing_dont_know=0.0,
        missing_refused=0.0,
    )
    res = fit_ordinal(survey, ["age", "sex", "lives_alone"])
    pred = res.tables["predicted"]
    got = pred[(pred["at"] == "average") & (pred["category"] == "mean")].set_index("circle")
    for circle, value in truth["willingness"]["expected_mean_pre"].items():
        est, se = got.loc[circle, "estimate"], got.loc[circle, "std_error"]
        assert abs(est - value) < 4 * se + 1e-3, (circle, est, value, se)


# ----------------------------------------------------------------------------- errors


def test_bad_arguments(sample):
    with pytest.raises(ma.UsageError, match=r"\['logit', 'probit'\].*'logistic'"):
        fit_ordinal(sample, link="logistic")
    with pytest.raises(ma.UsageError, match=r"\['cluster', 'respondent', 'model'\]"):
        fit_ordinal(sample, vcov="HC1")
    with pytest.raises(ma.UsageError, match="'income' is not a variable"):
        fit_ordinal(sample, ["income"])
    with pytest.raises(ma.UsageError, match="conf_level"):
        fit_ordinal(sample, conf_level=95)


def test_constant_and_collinear_covariates(raw):
    frame = raw.copy()
    frame["sex"] = 0
    frame["schooling"] = frame["lives_alone"] * 5
    survey = ma.from_frame(frame, sample_paths()["codebook"])
    with pytest.raises(ma.UsageError, match="'sex' takes a single value"):
        fit_ordinal(survey, ["age", "sex"])
    with pytest.raises(ma.UsageError, match=r"\['schooling'\] are linear combinations"):
        fit_ordinal(survey, ["lives_alone", "schooling"])


def test_moderator_errors_call_it_a_moderator(raw, sample):
    with pytest.raises(ma.UsageError, match="^moderator 'income' is not a variable"):
        fit_ordinal(sample, ["age"], ["income"])
    with pytest.raises(ma.UsageError, match="^covariate 'income' is not a variable"):
        fit_ordinal(sample, ["income"], ["lives_alone"])
    with pytest.raises(ma.UsageError, match="^moderator 'wave' is text; a moderator must be"):
        fit_ordinal(sample, moderators=["wave"])
    frame = raw.copy()
    frame["lives_alone"] = 0
    survey = ma.from_frame(frame, sample_paths()["codebook"])
    with pytest.raises(ma.UsageError, match="^moderator 'lives_alone' takes a single value"):
        fit_ordinal(survey, ["age"], ["lives_alone"])
    # a single name is one moderator, not its letters
    one = fit_ordinal(sample, moderators="lives_alone", service="daily_care")
    assert one.info["moderators"] == ["lives_alone"]


def test_one_village_cannot_be_clustered(raw):
    survey = ma.from_frame(raw[raw["village"] == 1], sample_paths()["codebook"])
    with pytest.raises(ma.InsufficientDataError,
                       match=r"^fit_ordinal\(vcov='cluster'\): .* at least 2 villages; .* from 1\."):
        fit_ordinal(survey)
    assert fit_ordinal(survey, vcov="respondent").df == survey.data["resp_id"].nunique() - 1


def test_no_cluster_column_falls_back_to_respondents(raw, tmp_path):
    text = sample_paths()["codebook"].read_text(encoding="utf-8")
    assert 'cluster = "village"\n' in text
    path = tmp_path / "codebook.toml"
    path.write_text(text.replace('cluster = "village"\n', ""), encoding="utf-8")
    res = fit_ordinal(ma.from_frame(raw, path), ["age"])
    assert res.vcov == "respondent" and res.info["n_villages"] is None
    assert "no village (cluster) column" in res.notes[0]
    assert "respondent-cluster-robust" in res.method


@pytest.fixture(scope="module")
def separated(raw):
    """Relatives always 5, other circles never: circle effects run off to -inf."""
    frame = raw.copy()
    pre = frame["wave"] == "pre"
    rng = np.random.default_rng(3)
    for col in [c for c in frame.columns if c.startswith("will_")]:
        frame.loc[pre, col] = 5 if col.startswith("will_rel") else rng.integers(1, 5, pre.sum())
    return ma.from_frame(frame, sample_paths()["codebook"])


def test_separation_raises_a_clear_convergence_error(separated):
    with pytest.raises(ConvergenceError, match=r"did not converge.*circle\[friends\].*separated"):
        fit_ordinal(separated, ["age"])
    assert issubclass(ConvergenceError, ma.MutualAidError)


def test_nonconvergence_on_request_is_marked(separated):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = fit_ordinal(separated, ["age"], allow_nonconvergence=True)
    assert not res.converged and not res.info["converged"]
    assert "NOT CONVERGED" in res.title and res.notes[0].startswith("THE FIT DID NOT CONVERGE")
    assert "NOT CONVERGED" in res.summary()


def test_iteration_limit_is_a_convergence_error(sample):
    d = ordinal_design(sample, ["age"])
    fit = clm_fit(d.y, d.X, 5, "logit", maxiter=1)
    assert not fit.converged and "did not converge" in fit.message


# ----------------------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def arrays(sample):
    d = ordinal_design(sample, ["age", "sex"], ["lives_alone"])
    fit = clm_fit(d.y, d.X, 5, "logit")
    V, _ = cluster_sandwich(fit.hessian, fit.scores, d.cluster, d.n_clusters)
    return d, fit, V


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_row_order_and_village_labels_do_not_matter(arrays, seed):
    d, fit, V = arrays
    rng = np.random.default_rng(seed)
    perm = rng.permutation(d.n)
    relabel = rng.permutation(d.n_clusters)
    other = clm_fit(d.y[perm], d.X[perm], 5, "logit")
    np.testing.assert_allclose(other.theta, fit.theta, atol=1e-9)
    np.testing.assert_allclose(other.beta, fit.beta, atol=1e-9)
    W, _ = cluster_sandwich(other.hessian, other.scores, relabel[d.cluster[perm]], d.n_clusters)
    np.testing.assert_allclose(W, V, rtol=1e-7, atol=1e-12)


def test_relabelled_villages_give_the_same_table(raw, fits):
    frame = raw.copy()
    mapping = dict(zip(range(1, 13), [5, 3, 12, 1, 2, 11, 4, 10, 6, 9, 7, 8], strict=True))
    frame["village"] = frame["village"].map(mapping)
    frame = frame.sample(frac=1.0, random_state=4)
    res = fit_ordinal(ma.from_frame(frame, sample_paths()["codebook"]), *MODELS["logit_main"][:2])
    ref = fits[("logit_main", "cluster")].table
    np.testing.assert_allclose(res.table["estimate"], ref["estimate"], atol=1e-8)
    np.testing.assert_allclose(res.table["std_error"], ref["std_error"], rtol=1e-7)
