"""The descriptive analyses: ma.sample_sizes, ma.describe, ma.likert_table, ma.wave_means.

Their numbers are checked against a direct pandas computation and the
intervals against ``inference.cluster_mean`` / ``cluster_share``; each runs
on the hand-written GBK export (tests/data/export_long_gbk.csv with
export_codebook.toml), draws once where it has a figure, and the old
Survey-taking plot calls still work, with a FutureWarning naming the new call.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

import mutualaid_analysis as ma
from mutualaid_analysis import plots
from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import cluster_mean, cluster_share
from mutualaid_analysis.plots import style
from mutualaid_analysis.results import CONTRACT_COLUMNS, Result

DATA = Path(__file__).parent / "data"
CJK = plots.find_cjk_font()
NEEDS_CJK = pytest.mark.skipif(CJK is None, reason="no CJK font installed")


@pytest.fixture(scope="module")
def survey():
    return ma.load_sample()


@pytest.fixture(scope="module")
def export():
    return ma.read_survey(DATA / "export_long_gbk.csv", codebook=DATA / "export_codebook.toml")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax) -> str:
    ax.figure.canvas.draw()
    return "\n".join(t.get_text() for t in ax.figure.findobj(Text))


def _no_missing_glyphs(ax, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.savefig(tmp_path / "f.png", dpi=50)


def _in_contract_order(table: pd.DataFrame) -> None:
    cols = list(table.columns)
    assert set(CONTRACT_COLUMNS) <= set(cols), set(CONTRACT_COLUMNS) - set(cols)
    positions = [cols.index(c) for c in CONTRACT_COLUMNS]
    assert positions == sorted(positions), cols


# --------------------------------------------------------------------------- sample_sizes


def test_sample_sizes_count_respondents_and_villages(survey):
    res = ma.sample_sizes(survey, by="arm")
    assert isinstance(res, ma.SampleSizesResult) and isinstance(res, Result)
    t = res.table
    assert list(t.columns) == ["wave", "group", "n", "n_villages"]
    d = survey.data
    for r in t.itertuples():
        sub = d[d["wave"].astype(str) == str(r.wave)]
        if r.group != "all":
            sub = sub[sub["arm"].astype(str) == r.group]
        assert r.n == sub["resp_id"].nunique()
        assert r.n_villages == sub["village"].nunique()
    assert list(t["group"][:3]) == ["all", *pd.unique(d["arm"].dropna().astype(str))]
    assert res.nobs == d["resp_id"].nunique() and res.n_clusters == 12
    assert "Respondents" in res.summary() and "<table" in res._repr_html_()
    assert list(ma.sample_sizes(survey).table["group"].unique()) == ["all"]
    with pytest.raises(UsageError, match="not a column"):
        ma.sample_sizes(survey, by="nonsense")


def test_sample_sizes_on_the_gbk_export(export):
    t = ma.sample_sizes(export, by="组别").table.set_index(["wave", "group"])
    # 24 respondents at 前测 in 2 + 2 villages; 0105 and 0304 not seen at 后测
    assert t.loc[("前测", "all"), "n"] == 24 and t.loc[("前测", "all"), "n_villages"] == 4
    assert t.loc[("前测", "工作坊"), "n"] == 12 and t.loc[("前测", "对照"), "n"] == 12
    assert t.loc[("后测", "all"), "n"] == 22
    assert t.loc[("后测", "工作坊"), "n"] == 11 and t.loc[("后测", "工作坊"), "n_villages"] == 2


# --------------------------------------------------------------------------- describe


def test_describe_means_and_shares_match_pandas_and_the_cluster_means(survey):
    res = ma.describe(survey, ["knows_platform", "volunteer_hours"], by="arm")
    assert isinstance(res, ma.DescribeResult)
    t = res.table
    _in_contract_order(t)
    d = survey.data
    hours = t[(t["variable"] == "volunteer_hours") & (t["wave"] == "post") & (t["group"] == "workshop")]
    sub = d[(d["wave"] == "post") & (d["arm"] == "workshop") & d["volunteer_hours"].notna()]
    y = sub["volunteer_hours"].to_numpy(float)
    mean = hours[hours["measure"] == "mean"].iloc[0]
    assert mean["estimate"] == pytest.approx(y.mean(), rel=1e-12)
    assert mean["n"] == len(y) and mean["n_clusters"] == sub["village"].nunique()
    fit = cluster_mean(y, sub["village"].to_numpy(), vcov="CR2").table.iloc[0]
    assert (mean["conf_low"], mean["conf_high"], mean["df"]) == pytest.approx(
        (fit["conf_low"], fit["conf_high"], fit["df"]), rel=1e-12
    )
    positive = hours[hours["measure"] == "share_positive"].iloc[0]
    assert positive["estimate"] == pytest.approx((y > 0).mean(), rel=1e-12)
    assert positive["count"] == (y > 0).sum()
    share = cluster_share((y > 0).astype(float), sub["village"].to_numpy(), vcov="CR2").iloc[0]
    assert positive["conf_low"] == pytest.approx(share["conf_low"], rel=1e-12)
    knows = t[(t["variable"] == "knows_platform") & (t["group"] == "all") & (t["wave"] == "pre")]
    assert list(knows["measure"]) == ["share"]
    pre = d[(d["wave"] == "pre") & d["knows_platform"].notna()]
    assert knows["estimate"].iloc[0] == pytest.approx(pre["knows_platform"].astype(float).mean())
    assert ((t["conf_low"] >= 0) | (t["measure"] == "mean")).all()


def test_describe_refuses_what_it_cannot_describe(survey):
    with pytest.raises(UsageError, match="not variables"):
        ma.describe(survey, ["nonsense"])
    with pytest.raises(UsageError, match="not numeric"):
        ma.describe(survey, ["arm"])
    one = ma.describe(survey, "age")  # one name is a list of one
    assert set(one.table["variable"]) == {"age"} and set(one.table["group"]) == {"all"}


def test_describe_on_the_gbk_export(export):
    t = ma.describe(export, ["性别", "年龄"], by="组别").table
    d = export.data
    pre = d[d["调查波次"] == "前测"]
    share = t[(t["variable"] == "性别") & (t["wave"] == "前测") & (t["group"] == "all")].iloc[0]
    assert share["measure"] == "share" and share["n"] == 24
    assert share["estimate"] == pytest.approx(pre["性别"].astype(float).mean(), rel=1e-12)
    assert share["count"] == int((pre["性别"] == 1).sum())
    age = t[(t["variable"] == "年龄") & (t["wave"] == "后测") & (t["group"] == "对照")]
    age = age[age["measure"] == "mean"].iloc[0]
    sub = d[(d["调查波次"] == "后测") & (d["组别"] == "对照")]
    assert age["estimate"] == pytest.approx(sub["年龄"].astype(float).mean(), rel=1e-12)
    fit = cluster_mean(sub["年龄"].to_numpy(float), sub["村名"].to_numpy()).table.iloc[0]
    assert age["conf_high"] == pytest.approx(fit["conf_high"], rel=1e-12)
    assert age["n_clusters"] == 2


# --------------------------------------------------------------------------- likert_table


def test_likert_table_shares_match_the_answers(survey):
    res = ma.likert_table(survey, service="each")
    assert isinstance(res, ma.LikertResult)
    t = res.table
    _in_contract_order(t)
    np.testing.assert_allclose(t.groupby(["circle", "service"])["estimate"].sum(), 1.0)
    assert list(dict.fromkeys(t["circle"])) == list(survey.codebook.circles)
    pre = survey.wave("pre")["will_fri_emo"].dropna().astype(int)
    rows = t[(t["circle"] == "friends") & (t["service"] == "emotional_support")]
    want = pre.value_counts()
    for r in rows.itertuples():
        assert r.n == want.get(r.code, 0)
        assert r.estimate == pytest.approx(want.get(r.code, 0) / len(pre), rel=1e-12)
        assert r.n_answers == len(pre)
    counts = res.tables["counts"]
    assert list(counts.columns) == ["circle", "service", "code", "n", "share"]
    np.testing.assert_array_equal(counts["share"], t["estimate"])
    pooled = ma.likert_table(survey).table
    assert set(pooled["service"]) == {"pooled"} and len(pooled) == 3 * 5
    with pytest.raises(UsageError, match="not asked about"):
        ma.likert_table(survey, service="nonsense")


def test_likert_table_on_the_gbk_export(export):
    t = ma.likert_table(export).table
    raw = pd.read_csv(DATA / "export_long_gbk.csv", encoding="gbk", dtype=str)
    raw = raw[raw["调查波次"] == "前测"]
    items = ["愿意为亲属提供生活照料", "愿意为亲属提供精神慰藉（聊天、陪伴）"]
    answers = raw[items].stack()
    labels = {"非常不愿意": 1, "不太愿意": 2, "一般": 3, "比较愿意": 4, "非常愿意": 5}
    answers = answers[answers.isin(labels)].map(labels)  # 98 / 99 are missing codes
    rel = t[t["circle"] == "relatives"].set_index("code")
    assert rel["n_answers"].iloc[0] == len(answers) == 47
    for code in range(1, 6):
        assert rel.loc[code, "n"] == (answers == code).sum()


@NEEDS_CJK
def test_likert_result_draws_its_bars(export, tmp_path):
    res = ma.likert_table(export, service="each")
    ax = res.plot()
    assert len(ax.containers) == 5  # one per answer category
    assert len(ax.get_yticks()) == 3 * 2
    text = _texts(ax)
    assert "非常愿意" in text and "精神慰藉" in text
    _no_missing_glyphs(ax, tmp_path)
    en = plots.likert_bars(res.table, codebook=export.codebook, service="each", lang="en")
    assert not style.has_cjk("\n".join(t.get_text() for t in en.get_yticklabels()))
    with pytest.raises(UsageError, match="service='each'"):
        plots.likert_bars(res, service="daily_care")


# --------------------------------------------------------------------------- wave_means


def test_wave_means_match_pandas_and_the_cluster_means(survey):
    res = ma.wave_means(survey, "gses")
    assert isinstance(res, ma.WaveMeansResult)
    t = res.table
    _in_contract_order(t)
    assert list(t["arm"]) == ["workshop", "workshop", "comparison", "comparison"]
    scores = ma.score_scale(survey, "gses")
    for r in t.itertuples():
        sub = scores[(scores["arm"] == r.arm) & (scores["wave"] == r.wave)].dropna(subset=["score"])
        y = sub["score"].to_numpy(float)
        assert r.estimate == pytest.approx(y.mean(), rel=1e-12)
        assert r.n == len(y) and r.n_clusters == sub["village"].nunique()
        fit = cluster_mean(y, sub["village"].to_numpy(), vcov="CR2").table.iloc[0]
        assert (r.std_error, r.df, r.conf_low, r.conf_high) == pytest.approx(
            (fit["std_error"], fit["df"], fit["conf_low"], fit["conf_high"]), rel=1e-12
        )
    # the matched respondents behind the slope plot
    wide = scores.pivot_table(index=["resp_id", "village", "arm"], columns="wave",
                              values="score", aggfunc="first").dropna().reset_index()
    matched = res.tables["matched"]
    assert len(matched) == len(wide)
    mm = res.tables["matched_means"].set_index(["arm", "wave"])
    for arm in ("workshop", "comparison"):
        sub = wide[wide["arm"] == arm]
        fit = cluster_mean(sub["post"].to_numpy(float), sub["village"].to_numpy()).table.iloc[0]
        assert mm.loc[(arm, "post"), "estimate"] == pytest.approx(sub["post"].mean(), rel=1e-12)
        assert mm.loc[(arm, "post"), "conf_low"] == pytest.approx(fit["conf_low"], rel=1e-12)
        assert mm.loc[(arm, "post"), "n"] == len(sub)
        villages = res.tables["villages"]
        villages = villages[villages["arm"] == arm].set_index("cluster")
        by_village = sub.groupby("village")["pre"].agg(["size", "mean"])
        np.testing.assert_array_equal(villages.loc[by_village.index, "n"], by_village["size"])
        np.testing.assert_allclose(villages.loc[by_village.index, "first"], by_village["mean"])
    assert res.info["waves"] == ("pre", "post") and res.nobs == int(t["n"].sum())
    cr1 = ma.wave_means(survey, "gses", vcov="CR1").table
    assert cr1["method"].str.contains("CR1").all()
    np.testing.assert_allclose(cr1["estimate"], t["estimate"])


def test_wave_means_of_a_binary_are_shares(survey):
    t = ma.wave_means(survey, "knows_platform").table
    assert set(t["term"]) == {"share"}
    assert ((t["conf_low"] >= 0) & (t["conf_high"] <= 1)).all()
    with pytest.raises(UsageError, match="neither a scale"):
        ma.wave_means(survey, "nonsense")


def test_wave_means_on_the_gbk_export(export):
    res = ma.wave_means(export, "relatives")
    t = res.table.set_index(["arm", "wave"])
    assert list(res.info["arms"]) == ["工作坊", "对照"]  # the treated arm first
    will = export.willingness()
    sub = will[(will["组别"] == "对照") & (will["调查波次"] == "后测")].dropna(subset=["relatives"])
    row = t.loc[("对照", "后测")]
    assert row["estimate"] == pytest.approx(sub["relatives"].mean(), rel=1e-12)
    assert row["n"] == len(sub) == 11 and row["n_clusters"] == 2
    fit = cluster_mean(sub["relatives"].to_numpy(float), sub["村名"].to_numpy()).table.iloc[0]
    assert row["conf_low"] == pytest.approx(fit["conf_low"], rel=1e-12)
    assert len(res.tables["matched"]) == 22


@NEEDS_CJK
def test_wave_means_result_draws_means_and_slopes(export, tmp_path):
    res = ma.wave_means(export, "relatives")
    ax = res.plot()
    assert len(ax.containers) == 2 and "后测" in _texts(ax)
    _no_missing_glyphs(ax, tmp_path)
    drawn = np.sort(np.concatenate([c.lines[0].get_ydata() for c in ax.containers]))
    np.testing.assert_allclose(drawn, np.sort(res.table["estimate"].to_numpy(float)))
    fig, ax2 = plt.subplots()
    assert res.plot(ax=ax2, kind="slope", min_count=1, lang="en") is ax2
    lines = [ln for ln in ax2.get_lines() if ln.get_gid() == "unit"]
    assert len(lines) == 4  # one per village
    with pytest.raises(UsageError, match="kind"):
        res.plot(kind="ripple")
    with pytest.raises(UsageError, match="not 'gses'"):
        plots.wave_means(res, "gses")
    table_drawn = plots.wave_means(res.table, codebook=export.codebook, lang="en")
    assert len(table_drawn.containers) == 2


# --------------------------------------------------------------------------- deprecated calls


def _same_lines(a, b) -> bool:
    ya = [tuple(ln.get_ydata()) for ln in a.get_lines()]
    yb = [tuple(ln.get_ydata()) for ln in b.get_lines()]
    return ya == yb


def test_likert_bars_of_a_survey_warns_and_draws_the_same(survey):
    with pytest.warns(FutureWarning, match=re.escape("plots.likert_bars(ma.likert_table(survey")):
        old = plots.likert_bars(survey, service="each", lang="en")
    new = plots.likert_bars(ma.likert_table(survey, service="each"), lang="en")
    assert [p.get_width() for p in old.patches] == [p.get_width() for p in new.patches]
    assert [t.get_text() for t in old.get_yticklabels()] == [
        t.get_text() for t in new.get_yticklabels()
    ]


def test_slope_of_a_survey_warns_and_draws_the_same(survey):
    with pytest.warns(FutureWarning, match=re.escape("plots.slope(ma.wave_means(survey")):
        old = plots.slope(survey, "gses", lang="en")
    assert _same_lines(old, plots.slope(ma.wave_means(survey, "gses"), lang="en"))
    with pytest.warns(FutureWarning):  # the old default outcome is still the GSES
        assert _same_lines(plots.slope(survey, lang="en"), old)


def test_wave_means_of_a_survey_warns_and_draws_the_same(survey):
    with pytest.warns(FutureWarning, match=re.escape("plots.wave_means(ma.wave_means(survey")):
        old = plots.wave_means(survey, "villagers", lang="en")
    assert _same_lines(old, plots.wave_means(ma.wave_means(survey, "villagers"), lang="en"))


def test_the_old_number_functions_warn_and_give_the_same_numbers(survey):
    from mutualaid_analysis.evaluation.means import outcome_values
    from mutualaid_analysis.plots import evaluation as plot_evaluation

    with pytest.warns(FutureWarning, match=re.escape("ma.wave_means(survey, outcome).table")):
        old = plots.arm_wave_means(survey, "gses")
    assert list(old.columns) == [
        "outcome", "arm", "wave", "estimate", "std_error", "df", "conf_low", "conf_high",
        "n", "n_clusters", "method",
    ]
    new = ma.wave_means(survey, "gses").table
    pd.testing.assert_frame_equal(old, new.drop(columns=["term", "statistic", "p_value"]))
    with pytest.warns(FutureWarning, match="ma.likert_table"):
        counts = plots.likert_counts(survey, service="each")
    pd.testing.assert_frame_equal(counts, ma.likert_table(survey, service="each").tables["counts"])
    with pytest.warns(FutureWarning, match="evaluation.means.outcome_values"):
        values = plot_evaluation.outcome_values(survey, "gses")
    pd.testing.assert_frame_equal(values, outcome_values(survey, "gses"))


def test_the_plots_refuse_what_is_not_a_result(survey):
    with pytest.raises(UsageError, match="ma.wave_means"):
        plots.slope(ma.gradient(survey))
    with pytest.raises(UsageError, match="ma.likert_table"):
        plots.likert_bars(ma.gradient(survey))
    with pytest.raises(UsageError, match="columns circle"):
        plots.likert_bars(pd.DataFrame({"circle": ["relatives"]}))
