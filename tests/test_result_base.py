"""Every public result class of the package is a Result, with the same facts and read-only info.

The classes are found by walking the package's modules, so a new result
class that is not a :class:`~mutualaid_analysis.results.Result` (or has no
example below) fails here.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil
import warnings
from typing import Protocol

import numpy as np
import pandas as pd
import pytest

import mutualaid_analysis as ma
from mutualaid_analysis import inference as inf
from mutualaid_analysis.results import Result

#: Public classes named ``...Result`` that are not analysis results, and why.
NOT_RESULTS = {
    # the report's container of published tables, figures and settings, filled
    # while the report is assembled; the analyses' results are inside it
    "PipelineResult": "mutualaid_analysis.report.pipeline",
}


def _result_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for mod_info in pkgutil.walk_packages(ma.__path__, "mutualaid_analysis."):
        if mod_info.name.endswith("__main__"):
            continue
        mod = importlib.import_module(mod_info.name)
        for name, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and obj.__module__ == mod.__name__
                and name.endswith("Result")
                and not name.startswith("_")
                and Protocol not in obj.__mro__
            ):
                found[name] = obj
    return found


CLASSES = _result_classes()

#: The results that record their rows (``nobs``) and villages (``n_clusters``).
RECORD_COUNTS = {
    "ClusterOLSResult", "ContrastResult", "WaldResult", "BootstrapResult",
    "RandomizationResult", "GradientResult", "OrdinalResult", "OrdinalMixedResult",
    "EvaluationResult", "AttritionResult", "EquivalenceResult", "FlowResult",
    "ExpansionResult", "ReliableChangeResult", "ReliabilityResult",
}


@pytest.fixture(scope="module")
def survey():
    return ma.simulate_survey(seed=4, n_villages=6, per_village=20).survey


def _arrays():
    rng = np.random.default_rng(2)
    village = np.repeat(np.arange(8), [6, 9, 5, 12, 7, 8, 10, 6])
    treat = np.isin(village, [1, 3, 4, 6]).astype(float)
    x = rng.normal(size=village.size)
    y = 1 + 0.5 * treat + 0.3 * x + rng.normal(size=8)[village] + rng.normal(size=village.size)
    return y, np.column_stack([np.ones(village.size), treat, x]), village


def _make(name: str, survey) -> Result:
    y, X, village = _arrays()
    names = ["(Intercept)", "treat", "x"]
    fit = inf.cluster_ols(y, X, village, names=names)
    makers = {
        "Result": lambda: Result(table=pd.DataFrame({"term": ["a"]}), info={"n_villages": 6}),
        "ClusterOLSResult": lambda: fit,
        "ContrastResult": lambda: fit.contrast("treat"),
        "WaldResult": lambda: inf.wald_test(fit, ["treat", "x"]),
        "BootstrapResult": lambda: inf.wild_cluster_bootstrap(y, X, village, "treat",
                                                               names=names, n_boot=99, seed=1),
        "RandomizationResult": lambda: inf.randomization_test(y, X, village, "treat",
                                                              names=names),
        "GradientResult": lambda: ma.gradient(survey),
        "OrdinalResult": lambda: ma.fit_ordinal(survey),
        "OrdinalMixedResult": lambda: ma.fit_ordinal_mixed(survey, random="respondent"),
        "ReliabilityResult": lambda: ma.reliability(survey, scale="gses"),
        "EvaluationResult": lambda: ma.evaluate(survey, outcome="gses", n_boot=99),
        "AttritionResult": lambda: ma.attrition(survey),
        "EquivalenceResult": lambda: ma.baseline_equivalence(survey, variables=["gses"]),
        "FlowResult": lambda: ma.participant_flow(survey),
        "ExpansionResult": lambda: ma.circle_expansion(survey),
        "ReliableChangeResult": lambda: ma.reliable_change(survey, outcome="gses"),
        "SampleSizesResult": lambda: ma.sample_sizes(survey, by="arm"),
        "DescribeResult": lambda: ma.describe(survey, ["lives_alone"], by="arm"),
        "LikertResult": lambda: ma.likert_table(survey),
        "WaveMeansResult": lambda: ma.wave_means(survey, "gses"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes of a tiny mixed model
        return makers[name]()


def test_the_walk_finds_the_results():
    assert {"ClusterOLSResult", "BootstrapResult", "EvaluationResult", "Result"} <= set(CLASSES)
    for name, module in NOT_RESULTS.items():  # the exceptions still exist, and only they
        assert CLASSES[name].__module__ == module


@pytest.mark.parametrize("name", sorted(set(CLASSES) - set(NOT_RESULTS)))
def test_every_result_class_is_a_result_with_typed_facts(name, survey):
    cls = CLASSES[name]
    assert issubclass(cls, Result), f"{name} does not subclass results.Result"
    res = _make(name, survey)
    assert type(res) is cls
    assert isinstance(res.table, pd.DataFrame) and len(res.table) >= 1
    assert isinstance(res.title, str) and isinstance(res.notes, tuple)
    assert isinstance(res.summary(), str) and res._repr_html_().startswith("<div>")
    for fact, kind in (("nobs", int), ("n_clusters", int), ("enumerated", bool),
                       ("method", str), ("loglik", float), ("df", float)):
        value = getattr(res, fact)
        if fact == "df" and name == "ClusterOLSResult":
            # a regression has one reference df per coefficient
            assert isinstance(value, np.ndarray) and value.shape == (len(res.names),)
            continue
        assert value is None or type(value) is kind, (fact, value)
    # the results that record them: rows used and the villages clustered on
    if name in RECORD_COUNTS:
        assert res.n_clusters in (6, 8) and res.nobs is not None and res.nobs > 0


@pytest.mark.parametrize("name", sorted(set(CLASSES) - set(NOT_RESULTS)))
def test_info_and_tables_are_read_only(name, survey):
    res = _make(name, survey)
    with pytest.raises(TypeError):
        res.info["x"] = 1
    with pytest.raises(TypeError):
        res.tables["x"] = pd.DataFrame()
    with pytest.raises(AttributeError):  # frozen
        res.title = "changed"
    again = pickle.loads(pickle.dumps(res))
    assert dict(again.info).keys() == dict(res.info).keys()
    assert again.table.equals(res.table)
    with pytest.raises(TypeError):
        again.info["x"] = 1
    assert copy.deepcopy(res).title == res.title


def test_the_inference_facts_mean_what_the_table_says():
    y, X, village = _arrays()
    names = ["(Intercept)", "treat", "x"]
    fit = inf.cluster_ols(y, X, village, names=names)
    wald = inf.wald_test(fit, ["treat"])
    assert wald.df == wald.df_denom == float(wald.table["df"].iloc[0])
    con = fit.contrast("treat")
    assert con.df == float(con.table["df"].iloc[0]) and con.nobs == con.n == y.size
    ri = inf.randomization_test(y, X, village, "treat", names=names)
    assert ri.enumerated is True and ri.df is None and ri.method == ri.table["method"].iloc[0]
    boot = inf.wild_cluster_bootstrap(y, X, village, "treat", names=names, n_boot=99, seed=1)
    assert boot.enumerated is False and boot.n_clusters == 8 and boot.df is None  # 2^8 > 99
    assert inf.wild_cluster_bootstrap(y, X, village, "treat", names=names, n_boot=999).enumerated
    assert fit.method == fit.table["method"].iloc[0] and fit.nobs == y.size
    assert np.array_equal(fit.df, fit.table["df"].to_numpy())
    assert fit.table is fit.table  # built once, on first use


def test_the_mixed_model_states_its_log_likelihood_as_loglik(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ma.fit_ordinal_mixed(survey, random="respondent")
    assert fit.loglik == fit.info["loglik"] == fit.info["loglike"]  # the old key still reads


def test_the_scalar_inference_results_are_still_equal_by_value():
    y, X, village = _arrays()
    names = ["(Intercept)", "treat", "x"]
    ri = [inf.randomization_test(y, X, village, "treat", names=names) for _ in range(2)]
    boot = [inf.wild_cluster_bootstrap(y, X, village, "treat", names=names, n_boot=99, seed=1)
            for _ in range(2)]
    fit = inf.cluster_ols(y, X, village, names=names)
    assert ri[0] == ri[1] and boot[0] == boot[1]
    assert fit.contrast("treat") == fit.contrast("treat") != fit.contrast("x")
    assert inf.wald_test(fit, ["x"]) == inf.wald_test(fit, ["x"])
