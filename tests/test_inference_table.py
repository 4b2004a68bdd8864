"""The tidy output helper keeps the table contract (docs/design.md, "Output tables")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import (
    TABLE_COLUMNS,
    cluster_mean,
    cluster_ols,
    make_table,
    randomization_test,
    tidy,
    wild_cluster_bootstrap,
)


def _data():
    rng = np.random.default_rng(2)
    g = np.repeat(np.arange(6), 10)
    d = (g < 3).astype(float)
    X = np.column_stack([np.ones(60), d])
    y = X @ [3.0, 0.4] + rng.normal(size=6)[g] + rng.normal(size=60)
    return y, X, g


def test_tidy_stacks_results_with_identifying_columns():
    y, X, g = _data()
    fits = [cluster_mean(y, g), cluster_mean(y + 1, g, vcov="CR1")]
    table = tidy(fits, circle=["relatives", "friends"], outcome="willingness")
    assert list(table.columns) == ["circle", "outcome", *TABLE_COLUMNS]
    assert table["circle"].tolist() == ["relatives", "friends"]
    assert table["method"].tolist() == [
        "OLS, CR2 (Pustejovsky-Tipton), Satterthwaite df",
        "OLS, CR1S, t(G-1)",
    ]
    assert table["df"].notna().all() and np.isfinite(table["df"]).all()


def test_every_result_type_has_a_contract_table():
    y, X, g = _data()
    results = [
        cluster_ols(y, X, g, names=["const", "workshop"]),
        cluster_ols(y, X, g).contrast([0, 1]),
        wild_cluster_bootstrap(y, X, g, 1),
        randomization_test(y, X, g, 1),
    ]
    table = tidy(results, test=["CR2", "contrast", "WCR", "RI"])
    assert list(table.columns) == ["test", *TABLE_COLUMNS]
    assert len(table) == 5
    assert table["n"].eq(60).all() and table["n_clusters"].eq(6).all()
    assert table["n"].dtype == np.int64


def test_make_table_rejects_unknown_columns_and_clashing_ids():
    with pytest.raises(UsageError, match="Unknown table columns"):
        make_table({"beta": 1.0})
    with pytest.raises(UsageError, match="clashes"):
        make_table({"term": "x"}, ids={"estimate": 1})
    with pytest.raises(UsageError, match="2 entries for 1 results"):
        y, X, g = _data()
        tidy(cluster_mean(y, g), circle=["a", "b"])
    frame = make_table({"term": ["a", "b"], "estimate": [1.0, 2.0]})
    assert isinstance(frame, pd.DataFrame) and frame["p_value"].isna().all()
