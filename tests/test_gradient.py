"""ma.gradient: per-circle means/shares and within-respondent contrasts, clustered."""

from __future__ import annotations

import numpy as np
import pytest
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
