"""ma.gradient: per-circle means/shares and within-respondent contrasts, clustered."""

from __future__ import annotations

import numpy as np
import pytest
from exports import write_gbk_export
from scipy import stats

import mutualaid_analysis as ma
from mutualaid_analysis.inference import cluster_mean


@pytest.fixture(scope="module")
def sample():
    return ma.load_sample()


@pytest.fixture(scope="module")
def balanced():
    """Equal village sizes and no missing answers at baseline."""
    survey, truth = ma.simulate_survey(seed=7, n_villages=8, per_village=25,
                                       missing_dont_know=0.0, missing_refused=0.0)
    return survey, truth


def test_closed_form_with_equal_village_sizes(balanced):
    # With equal cluster sizes and no weights, the CR2 SE of a mean is the SE of the
    # mean of the village means, with G - 1 df (Pustejovsky & Tipton 2018, sec. 3;
    # intercept-only model: H_gg = J/N, so A_g scales each cluster's residual sum by
    # (1 - 1/G)^(-1/2)).
    survey, _ = balanced
    res = ma.gradient(survey, contrasts=False)
    wide = survey.willingness()
    wide = wide[wide["wave"] == "pre"]
    for circle in ("relatives", "villagers"):
        village_means = wide.groupby("village")[circle].mean().to_numpy()
        g = len(village_means)
        se = village_means.std(ddof=1) / np.sqrt(g)
        row = res.table[(res.table.circle == circle) & (res.table.measure == "mean")].iloc[0]
        assert row["estimate"] == pytest.approx(village_means.mean(), rel=1e-12)
        assert row["std_error"] == pytest.approx(se, rel=1e-10)
        assert row["df"] == pytest.approx(g - 1, rel=1e-10)
        half = stats.t.ppf(0.975, g - 1) * se
        assert row["conf_low"] == pytest.approx(village_means.mean() - half, rel=1e-10)


def test_rows_agree_with_direct_cluster_means(sample):
    res = ma.gradient(sample, threshold=4)
    wide = sample.willingness()
    base = wide[wide["wave"] == "pre"]
    y = base["friends"].to_numpy(dtype=float)
    ok = ~np.isnan(y)
    share = cluster_mean((y[ok] >= 4).astype(float), base["village"].to_numpy()[ok])
    row = res.table[(res.table.circle == "friends") & (res.table.measure == "share_willing")]
    assert row["estimate"].item() == pytest.approx(share.coef[0])
    assert row["std_error"].item() == pytest.approx(share.std_error[0])
    d = (base["relatives"] - base["villagers"]).to_numpy(dtype=float)
    ok = ~np.isnan(d)
    diff = cluster_mean(d[ok], base["village"].to_numpy()[ok])
    row = res.contrasts().query("circle == 'relatives - villagers'").iloc[0]
    assert row["estimate"] == pytest.approx(diff.coef[0])
    assert row["p_value"] == pytest.approx(diff.p_value[0])
    assert row["n"] == ok.sum() and row["n_clusters"] == 12


def test_table_contract_and_gradient_direction(sample):
    res = ma.gradient(sample)
    for col in ["term", "estimate", "std_error", "statistic", "df", "p_value", "conf_low",
                "conf_high", "n", "method"]:
        assert col in res.table.columns
    means = res.means().set_index("circle")["estimate"]
    assert means["relatives"] > means["friends"] > means["villagers"]
    assert res.means()["p_value"].isna().all()
    assert (res.contrasts()["estimate"] > 0).all()
    assert "Satterthwaite" in res.table["method"].iloc[0]
    assert "Wave: pre" in res.summary()
    assert "<table" in res._repr_html_()


def test_by_group_and_each_service(sample):
    res = ma.gradient(sample, by="arm", service="each")
    assert set(res.table["group"]) == {"workshop", "comparison"}
    assert set(res.table["service"]) == {"daily_care", "emotional_support", "chores"}
    # 2 groups x 3 services x (3 circles x 2 measures + 3 contrasts)
    assert len(res.table) == 2 * 3 * 9
    assert res.table.loc[res.table.group == "workshop", "n_clusters"].max() == 6


def test_cr1_uses_g_minus_1(sample):
    res = ma.gradient(sample, vcov="CR1")
    assert (res.table["df"] == 11).all()
    assert "t(G-1)" in res.table["method"].iloc[0]


def test_post_wave_and_pooled(sample):
    post = ma.gradient(sample, wave="post")
    assert post.means()["n"].max() <= 439
    pooled = ma.gradient(sample, wave=None)
    assert pooled.means()["n"].max() > 900


def test_errors(sample):
    with pytest.raises(ma.UsageError, match="'CR2', 'CR1'"):
        ma.gradient(sample, vcov="HC0")
    with pytest.raises(ma.UsageError, match="not a column"):
        ma.gradient(sample, by="province")
    with pytest.raises(ma.UsageError, match="cooking"):
        ma.gradient(sample, service="cooking")
    with pytest.raises(ma.UsageError, match="threshold"):
        ma.gradient(sample, threshold="4")


def test_within_respondent_analyses_take_one_wave(sample):
    # gradient can pool waves (wave=None); the within-respondent tests cannot.
    for fn in (ma.test_ordering, ma.classify_profiles, ma.scalability):
        with pytest.raises(ma.UsageError, match="needs one wave"):
            fn(sample, wave=None)
        assert fn(sample, wave="post").info["wave"] == "post"
        assert fn(sample).info["wave"] == "pre"


EMPTY_CIRCLE_CODEBOOK = """
[survey]
id = "编号"
cluster = "村庄"
missing = [98, 99]

[circles]
order = ["relatives", "friends", "villagers"]

[services]
order = ["daily_care", "emotional_support"]

[responses.willing5]
values = { 1 = "非常不愿意", 2 = "不太愿意", 3 = "一般", 4 = "比较愿意", 5 = "非常愿意" }

[[variable]]
name = "编号"
type = "id"

[[variable]]
name = "村庄"
type = "text"

[[variable]]
name = "亲属照料"
type = "ordinal"
responses = "willing5"
circle = "relatives"
service = "daily_care"

[[variable]]
name = "亲属慰藉"
type = "ordinal"
responses = "willing5"
circle = "relatives"
service = "emotional_support"

[[variable]]
name = "朋友慰藉"
type = "ordinal"
responses = "willing5"
circle = "friends"
service = "emotional_support"

[[variable]]
name = "村民照料"
type = "ordinal"
responses = "willing5"
circle = "villagers"
service = "daily_care"

[[variable]]
name = "村民慰藉"
type = "ordinal"
responses = "willing5"
circle = "villagers"
service = "emotional_support"
"""


def _empty_circle_files(tmp_path):
    """'friends' has no item of daily care.  GBK, text answers."""
    answers = ["非常愿意", "比较愿意", "一般", "不太愿意", "98"]
    lines = ["编号,村庄,亲属照料,亲属慰藉,朋友慰藉,村民照料,村民慰藉"]
    for i in range(24):
        row = [answers[(i + k) % 4 if k else i % 5] for k in range(5)]
        lines.append(f"{i + 1},{'东村西村南村'[2 * (i % 3):2 * (i % 3) + 2]},{','.join(row)}")
    return write_gbk_export(tmp_path, "问卷.csv", lines, EMPTY_CIRCLE_CODEBOOK)


def test_a_circle_without_any_item_is_refused_by_the_codebook(tmp_path):
    # The ripple is declared whole: a circle no item asks about is a codebook
    # mistake, refused before any analysis could make non-adjacent circles
    # look adjacent.
    path, cb = _empty_circle_files(tmp_path)
    cb.write_text(EMPTY_CIRCLE_CODEBOOK.replace(
        '"villagers"]\n\n[services]', '"villagers", "strangers"]\n\n[services]'), encoding="utf-8")
    with pytest.raises(ma.CodebookError, match=r"lists 'strangers'.*\[empty_circle\]") as err:
        ma.read_survey(path, codebook=cb)
    assert "Circles with items: 'relatives', 'friends', 'villagers'" in str(err.value)


def test_a_circle_without_items_of_a_service_is_left_out_with_a_note_or_refused(tmp_path):
    survey = ma.read_survey(*_empty_circle_files(tmp_path))
    res = ma.gradient(survey)
    assert set(res.means()["circle"]) == {"relatives", "friends", "villagers"}
    # 24 respondents in 东村, 西村, 南村, each with at least one answer
    assert (res.nobs, res.n_clusters) == (24, 3)
    assert not any("left out" in n for n in res.notes)
    daily = ma.gradient(survey, service="daily_care")
    assert set(daily.means()["circle"]) == {"relatives", "villagers"}
    assert any("'friends' is in" in n and "of service 'daily_care'" in n
               and 'circle = "friends"' in n and "left out" in n for n in daily.notes)
    for run in (ma.test_ordering, ma.classify_profiles):
        with pytest.raises(ma.UsageError, match="no willingness item of that service is "
                                                'marked circle = "friends"; circles with'):
            run(survey, service="daily_care")
        with pytest.raises(ma.UsageError, match="within service 'daily_care'"):
            run(survey, service="each")
    assert run(survey, service="emotional_support").table["n"].max() > 0


def test_no_willingness_answers_is_refused_with_the_cause(tmp_path):
    lines = ["编号,村庄,亲属照料,亲属慰藉,朋友慰藉,村民照料,村民慰藉"]
    for i in range(6):  # every answer is 不知道 (98) or 拒答 (99)
        lines.append(f"{i + 1},东村,98,99,98,,99")
    path, cb = write_gbk_export(tmp_path, "全缺失.csv", lines, EMPTY_CIRCLE_CODEBOOK)
    survey = ma.read_survey(path, codebook=cb)
    with pytest.raises(ma.InsufficientDataError,
                       match=r"^gradient\(wave=None\): no respondent of the data \(6 rows\) "
                             "answered a willingness item"):
        ma.gradient(survey)
    with pytest.raises(ma.InsufficientDataError, match="of service 'daily_care'"):
        ma.gradient(survey, service="daily_care")
