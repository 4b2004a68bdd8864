"""test_ordering: Friedman / Kendall's W, Page's L, pairwise Wilcoxon (Holm), checked against R.

Reference values: tests/reference/ordering_values.csv, written by
tests/reference/ordering.R (R 4.2.2: stats::friedman.test,
stats::wilcox.test(paired = TRUE, exact = FALSE, correct = TRUE), p.adjust(holm),
Page's L from its definition, coin 1.4.2 friedman_test with an ordered factor)
from the matrices in tests/reference/ordering_data.csv.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

import mutualaid_analysis as ma
from mutualaid_analysis.data.codebook import Codebook
from mutualaid_analysis.gradient import test_ordering
from mutualaid_analysis.gradient.ordering import holm, page_exact_sf
from mutualaid_analysis.results import CONTRACT_COLUMNS

REF = Path(__file__).parent / "reference"
CIRCLES = ("relatives", "friends", "villagers")


# --------------------------------------------------------------------------- helpers


def matrix_survey(values, villages=None, groups=None, services=None, circles=CIRCLES):
    """A Survey from an n x k willingness matrix (NaN = missing), circles nearest first.

    ``services``: a list of names; then ``values`` is n x k x s (one item per
    circle and service).
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    variables = [
        {"name": "rid", "type": "id"},
        {"name": "village", "type": "integer"},
        {"name": "arm", "type": "text"},
    ]
    frame = {
        "rid": [f"r{i:03d}" for i in range(n)],
        "village": villages if villages is not None else np.arange(n) % 4 + 1,
        "arm": groups if groups is not None else ["a"] * n,
    }
    for j, c in enumerate(circles):
        if services:
            for s_idx, s in enumerate(services):
                name = f"w_{c}_{s}"
                variables.append({"name": name, "type": "integer", "circle": c, "service": s})
                frame[name] = pd.array(values[:, j, s_idx], dtype="Float64").round()
        else:
            variables.append({"name": f"w_{c}", "type": "integer", "circle": c})
            frame[f"w_{c}"] = values[:, j]
    cb = Codebook.from_dict(
        {
            "survey": {"id": "rid", "cluster": "village", "group": "arm"},
            "circles": {"order": list(circles)},
            "variable": variables,
        }
    )
    df = pd.DataFrame(frame)
    for c in df.columns[3:]:
        df[c] = df[c].astype("Float64").astype("Int64")
    return ma.from_frame(df, cb)


def reference(dataset):
    ref = pd.read_csv(REF / "ordering_values.csv")
    ref = ref[ref["dataset"] == dataset]
    return {(q, t): v for q, t, v in zip(ref["quantity"], ref["term"], ref["value"], strict=True)}


def data(dataset):
    d = pd.read_csv(REF / "ordering_data.csv")
    return d.loc[d["dataset"] == dataset, ["c1", "c2", "c3"]].to_numpy(dtype=float)


def row(table, test, term=None, group="all", service="pooled"):
    sel = (table["test"] == test) & (table["group"] == group) & (table["service"] == service)
    if term is not None:
        sel &= table["term"] == term
    assert sel.sum() == 1
    return table.loc[sel].iloc[0]


# --------------------------------------------------------------------------- against R


@pytest.mark.parametrize("dataset", ["statext", "likert"])
def test_matches_r(dataset):
    ref = reference(dataset)
    res = test_ordering(matrix_survey(data(dataset)), page_method="asymptotic")
    t = res.table
    fr = row(t, "friedman")
    assert_allclose(fr["statistic"], ref[("friedman_chi2", "all")], rtol=1e-12)
    assert_allclose(fr["p_value"], ref[("friedman_p", "all")], rtol=1e-10)
    assert_allclose(fr["estimate"], ref[("kendall_w", "all")], rtol=1e-12)
    assert fr["df"] == 2
    pg = row(t, "page")
    assert pg["term"] == "relatives > friends > villagers"
    assert_allclose(pg["statistic"], ref[("page_L", "all")], rtol=1e-14)
    assert_allclose(pg["z"], ref[("page_z_tiecorrected", "all")], rtol=1e-12)
    # coin's conditional (tie-aware) Page-type test gives the same z and p
    assert_allclose(pg["z"], ref[("coin_page_z", "all")], rtol=1e-12)
    assert_allclose(pg["p_value"], ref[("coin_page_p", "all")], rtol=1e-10)
    assert_allclose(pg["estimate"], ref[("page_rho", "all")], rtol=1e-12)
    names = dict(zip(("c1", "c2", "c3"), CIRCLES, strict=True))
    for a, b in itertools.combinations(("c1", "c2", "c3"), 2):
        w = row(t, "wilcoxon", f"{names[a]} vs {names[b]}")
        assert_allclose(w["statistic"], ref[("wilcoxon_V", f"{a} vs {b}")], rtol=1e-14)
        assert_allclose(w["p_value"], ref[("wilcoxon_p", f"{a} vs {b}")], rtol=1e-10)
        assert_allclose(w["p_holm"], ref[("wilcoxon_p_holm", f"{a} vs {b}")], rtol=1e-10)


def test_statext_textbook_example():
    # Statext "Page's L Trend Test" (teaching methods, 10 students; reproduced in
    # scipy.stats.page_trend_test's docstring): L = 133.5.  Our columns are the
    # methods in predicted-decreasing order (seminar, lecture, tutorial).
    x = data("statext")
    res = test_ordering(matrix_survey(x))
    pg = row(res.table, "page")
    assert pg["statistic"] == 133.5
    scipy_res = stats.page_trend_test(x[:, ::-1], method="asymptotic")
    assert scipy_res.statistic == 133.5
    # scipy's asymptotic variance ignores ties, ours does not: ties shrink V0
    assert pg["z"] > (133.5 - 120) / np.sqrt(10 * 9 * 16 * 8 / 144)
    assert "exact" in pg["method"]


def test_wilcoxon_against_scipy_and_holm():
    x = data("likert")
    d = x[:, 0] - x[:, 2]
    sc = stats.wilcoxon(x[:, 0], x[:, 2], zero_method="wilcox", correction=True, method="approx")
    res = test_ordering(matrix_survey(x))
    w = row(res.table, "wilcoxon", "relatives vs villagers")
    assert_allclose(w["p_value"], sc.pvalue, rtol=1e-10)
    nz = d[d != 0]
    assert w["n"] == len(nz)
    assert w["n_zero"] == (d == 0).sum()
    # rank-biserial: (T+ - T-) / (T+ + T-)
    r = stats.rankdata(np.abs(nz))
    assert_allclose(w["estimate"], (r[nz > 0].sum() - r[nz < 0].sum()) / r.sum())
    # Holm by hand: 0.01, 0.04, 0.03 -> 0.03, 0.06, 0.06
    assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert_allclose(holm([0.5, np.nan, 0.01]), [0.5, np.nan, 0.02])


# --------------------------------------------------------------------------- Page exact


@pytest.mark.parametrize("k", [3, 4])
def test_page_exact_without_ties_equals_scipy(k):
    rng = np.random.default_rng(k)
    x = np.array([rng.permutation(k) + 1 for _ in range(7)], dtype=float)
    x[:, 0] += 0.2 * rng.random(7)  # no ties, arbitrary values
    ranks = stats.rankdata(x, axis=1)
    pred = np.arange(k, 0, -1)
    L = float((pred * ranks.sum(axis=0)).sum())
    sc = stats.page_trend_test(x[:, ::-1], method="exact")
    assert sc.statistic == L
    assert_allclose(page_exact_sf(ranks, pred, L), sc.pvalue, rtol=1e-12)


def test_page_exact_with_ties_by_enumeration():
    x = data("likert")[:6]  # rows with ties and one all-tied row
    ranks = stats.rankdata(x, axis=1)
    pred = np.array([3, 2, 1])
    L = float((pred * ranks.sum(axis=0)).sum())
    perms = list(itertools.permutations(range(3)))
    per_row = [[float((pred * r[list(p)]).sum()) for p in perms] for r in ranks]
    total = [sum(c) for c in itertools.product(*per_row)]  # 6^6 equally likely
    expected = np.mean(np.array(total) >= L - 1e-9)
    assert_allclose(page_exact_sf(ranks, pred, L), expected, rtol=1e-12)
    res = test_ordering(matrix_survey(x), page_method="exact")
    assert_allclose(row(res.table, "page")["p_value"], expected, rtol=1e-12)


# --------------------------------------------------------------------------- behaviour


def test_contract_and_display():
    res = test_ordering(ma.load_sample())
    t = res.table
    for c in CONTRACT_COLUMNS:
        assert c in t.columns
    assert list(t["test"]) == ["friedman", "page", "wilcoxon", "wilcoxon", "wilcoxon"]
    assert t["method"].notna().all()
    assert "zero differences dropped" in row(t, "wilcoxon", "relatives vs friends")["method"]
    assert "continuity correction" in row(t, "wilcoxon", "relatives vs friends")["method"]
    assert "tie-corrected" in row(t, "friedman")["method"]
    assert res.info["wave"] == "pre"
    assert "Page" in res.summary() and "<table" in res._repr_html_()
    assert "Method:" in res.summary()


def test_sample_gradient_is_detected():
    res = test_ordering(ma.load_sample())
    t = res.table
    assert row(t, "page")["p_value"] < 1e-10
    assert row(t, "friedman")["p_value"] < 1e-10
    assert (t.loc[t["test"] == "wilcoxon", "estimate"] > 0).all()
    circ = res.tables["circles"]
    assert circ["mean"].is_monotonic_decreasing


def test_simulated_strong_gradient_detected():
    survey, _ = ma.simulate_survey(
        seed=3, n_villages=6, per_village=30, waves=1, circle_effects=(0.0, -2.0, -4.0)
    )
    t = test_ordering(survey, service="daily_care").table
    assert row(t, "page", service="daily_care")["p_value"] < 1e-10
    assert row(t, "friedman", service="daily_care")["estimate"] > 0.4


def test_no_gradient_not_detected():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, size=(300, 3))
    t = test_ordering(matrix_survey(x)).table
    assert row(t, "page")["p_value"] > 0.001
    assert row(t, "page")["p_value"] < 0.999


def test_waves_default_baseline_and_choice():
    s = ma.load_sample()
    base = test_ordering(s)
    post = test_ordering(s, wave="post")
    assert base.info["wave"] == "pre" and post.info["wave"] == "post"
    assert set(post.table["wave"]) == {"post"}
    n_post = (s.data["wave"] == "post").sum()
    assert row(post.table, "friedman")["n"] + post.info["n_excluded"]["pooled"] == n_post
    with pytest.raises(ma.UsageError, match="no wave 'middle'"):
        test_ordering(s, wave="middle")
    with pytest.raises(ma.UsageError, match="has no waves"):
        test_ordering(matrix_survey(data("likert")), wave="pre")


def test_excluded_listed_with_reason():
    x = data("likert").copy()
    x[2, 1] = np.nan
    x[5, 1:] = np.nan
    res = test_ordering(matrix_survey(x))
    ex = res.tables["excluded"]
    assert list(ex["respondent"]) == ["r002", "r005"]
    assert list(ex["reason"]) == [
        "missing circle(s): friends",
        "missing circle(s): friends, villagers",
    ]
    assert res.info["n_excluded"] == {"pooled": 2}
    assert res.info["n_complete"] == {"pooled": 14}
    assert row(res.table, "friedman")["n"] == 14
    assert any("2 of 16 respondents left out" in n for n in res.notes)


def test_each_service_stacks():
    s = ma.load_sample()
    res = test_ordering(s, service="each")
    assert list(dict.fromkeys(res.table["service"])) == [
        "daily_care",
        "emotional_support",
        "chores",
    ]
    assert len(res.table) == 15
    one = test_ordering(s, service="chores").table
    both = res.table[res.table["service"] == "chores"].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, both)
    assert set(res.tables["excluded"]["service"]) <= {"daily_care", "emotional_support", "chores"}


def test_by_group():
    s = ma.load_sample()
    res = test_ordering(s, by="arm")
    assert list(dict.fromkeys(res.table["group"])) == ["all", "comparison", "workshop"]
    n = res.table.loc[res.table["test"] == "friedman"].set_index("group")["n"]
    assert n["all"] == n["comparison"] + n["workshop"]


def test_tiny_group_gets_empty_rows_and_note():
    x = data("likert")
    groups = ["a"] * 15 + ["b"]
    res = test_ordering(matrix_survey(x, groups=groups), by="arm")
    fb = row(res.table, "friedman", group="b")
    assert np.isnan(fb["statistic"]) and fb["n"] == 1
    assert any("too few" in n for n in res.notes)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_permuting_respondents_changes_nothing(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(20, 3)).astype(float)
    perm = rng.permutation(20)
    a = test_ordering(matrix_survey(x)).table
    b = test_ordering(matrix_survey(x[perm])).table
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


def test_pooled_means_tie_exactly():
    # relatives (4, 5, 3) and friends (3, 5, 4) have equal means 4 = 12/3:
    # the difference must count as a zero difference, not +-1e-16.
    x = np.array(
        [[[4, 5, 3], [3, 5, 4], [1, 2, 2]]] * 3 + [[[5, 5, 5], [3, 3, 3], [1, 1, 1]]] * 3,
        dtype=float,
    )
    s = matrix_survey(x, services=["a", "b", "c"])
    w = row(test_ordering(s).table, "wilcoxon", "relatives vs friends")
    assert w["n_zero"] == 3 and w["n"] == 3


# --------------------------------------------------------------------------- errors


def test_usage_errors():
    s = ma.load_sample()
    with pytest.raises(ma.UsageError, match="unknown service 'cooking'.*daily_care"):
        test_ordering(s, service="cooking")
    with pytest.raises(ma.UsageError, match="page_method"):
        test_ordering(s, page_method="bootstrap")
    with pytest.raises(ma.UsageError, match="by='nope' is not a column"):
        test_ordering(s, by="nope")
    with pytest.raises(ma.UsageError, match="at least two circles"):
        test_ordering(matrix_survey(data("likert")[:, :1], circles=("relatives",)))
    x = data("likert")[:3].copy()
    x[:2, 0] = np.nan
    with pytest.raises(ma.UsageError, match="at least 2 respondents who answered every circle"):
        test_ordering(matrix_survey(x))
    with pytest.raises(ma.UsageError, match="each.*name a service"):
        test_ordering(matrix_survey(data("likert")), service="each")


def test_missing_group_value_counted_in_all_only():
    x = data("likert")
    groups = ["a"] * 8 + ["b"] * 6 + [None] * 2
    res = test_ordering(matrix_survey(x, groups=groups), by="arm")
    n = res.table.loc[res.table["test"] == "friedman"].set_index("group")["n"]
    assert n.to_dict() == {"all": 16, "a": 8, "b": 6}
    assert any("2 complete respondent(s)" in note and "'all' only" in note for note in res.notes)
