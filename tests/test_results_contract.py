"""One result base, one table contract: every public analysis's table and facts."""

from __future__ import annotations

import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.inference import TABLE_COLUMNS
from mutualaid_analysis.results import CLUSTER_COLUMN, CONTRACT_COLUMNS, Result

#: Each public analysis with the arguments it needs beyond the survey.
ANALYSES = {
    "gradient": {},
    "test_ordering": {},
    "classify_profiles": {},
    "scalability": {},
    "fit_ordinal": {},
    "reliability": {"scale": "gses"},
    "evaluate": {"outcome": "gses", "n_boot": 99},
    "attrition": {},
    "baseline_equivalence": {"variables": ["gses"]},
    "circle_expansion": {},
    "reliable_change": {"outcome": "gses"},
    "describe": {"variables": ["knows_platform", "volunteer_hours"], "by": "arm"},
    "likert_table": {"service": "each"},
    "wave_means": {"outcome": "gses"},
}


@pytest.fixture(scope="module")
def survey():
    return ma.simulate_survey(seed=4, n_villages=6, per_village=20).survey


def test_the_inference_columns_are_the_contract_with_n_clusters():
    assert [c for c in TABLE_COLUMNS if c != CLUSTER_COLUMN] == CONTRACT_COLUMNS
    assert TABLE_COLUMNS.index(CLUSTER_COLUMN) == TABLE_COLUMNS.index("method") - 1


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_every_public_analysis_table_follows_the_contract(survey, name):
    res = getattr(ma, name)(survey, **ANALYSES[name])
    assert isinstance(res, Result)
    cols = list(res.table.columns)
    assert set(CONTRACT_COLUMNS) <= set(cols), set(CONTRACT_COLUMNS) - set(cols)
    positions = [cols.index(c) for c in CONTRACT_COLUMNS]
    assert positions == sorted(positions), cols  # in the contract's order


def test_ordinal_facts_have_one_name(survey):
    fit = ma.fit_ordinal(survey)
    assert fit.loglik == fit.info["loglik"] == fit.info["loglike"]
    assert fit.nobs == fit.info["n_answers"]
    assert fit.n_clusters == fit.info["n_villages"] == 6
    assert fit.df == 5 == float(fit.table["df"].dropna().iloc[0])


def test_facts_missing_from_a_result_are_none():
    import pandas as pd

    res = Result(table=pd.DataFrame({"method": ["a", "b"]}), info={"n_villages": 3})
    assert res.n_clusters == 3
    assert res.loglik is None and res.df is None and res.enumerated is None
    assert res.method is None  # two methods: no single one
