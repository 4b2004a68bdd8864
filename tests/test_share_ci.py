"""Shares' confidence intervals stay inside [0, 1]: logit scale, Clopper-Pearson at 0 and 1."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from exports import write_gbk_export
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import mutualaid_analysis as ma
from mutualaid_analysis.inference import cluster_mean, cluster_share, share_conf_int

CODEBOOK = """
[survey]
id = "问卷编号"
cluster = "村庄"
missing = [98, 99]

[circles]
order = ["relatives", "villagers"]
labels = { relatives = "亲属", villagers = "其他村民" }

[responses.willing5]
values = { 1 = "非常不愿意", 2 = "不太愿意", 3 = "一般", 4 = "比较愿意", 5 = "非常愿意" }

[[variable]]
name = "问卷编号"
type = "id"

[[variable]]
name = "村庄"
type = "text"

[[variable]]
name = "亲属照料"
type = "ordinal"
responses = "willing5"
circle = "relatives"

[[variable]]
name = "村民照料"
type = "ordinal"
responses = "willing5"
circle = "villagers"
"""

# Willing (比较愿意 / 非常愿意) toward villagers per village: 0, 1, 1, 2 of 5 answers,
# so p = 4/20 = 0.2 and the symmetric interval would reach below 0.  Every village
# also has a 98 (不知道) and an empty answer, which are missing, so each contributes 5.
_VILLAGER_ANSWERS = {
    "青山村": ["一般", "不太愿意", "一般", "非常不愿意", "一般"],
    "柳树村": ["比较愿意", "一般", "一般", "不太愿意", "一般"],
    "东河村": ["一般", "非常愿意", "不太愿意", "一般", "一般"],
    "石桥村": ["比较愿意", "非常愿意", "一般", "一般", "不太愿意"],
}


def write_export(tmp_path: Path) -> tuple[Path, Path]:
    """A GBK export: Chinese headers, village names, text answers, 98 and empty cells."""
    lines = ["问卷编号,村庄,亲属照料,村民照料"]
    rid = 7  # ids that lost their leading zeros (007, 008, ...)
    for village, answers in _VILLAGER_ANSWERS.items():
        for a in answers:
            lines.append(f"{rid},{village},{'非常愿意' if rid % 2 else '比较愿意'},{a}")
            rid += 1
        lines.append(f"{rid},{village},比较愿意,98")
        lines.append(f"{rid + 1},{village},非常愿意,")
        rid += 2
    return write_gbk_export(tmp_path, "导出.csv", lines, CODEBOOK)


def test_share_interval_by_hand_on_a_gbk_export(tmp_path):
    data, cb = write_export(tmp_path)
    survey = ma.read_survey(data, codebook=cb)
    res = ma.gradient(survey, contrasts=False)
    row = res.means("share_willing").set_index("circle").loc["villagers"]
    # Equal village sizes: the CR2 SE of a mean is the SD of the village means over
    # sqrt(G), with G - 1 df (Pustejovsky & Tipton 2018).  Village shares 0, .2, .2, .4.
    village = np.array([0.0, 0.2, 0.2, 0.4])
    p = village.mean()
    se = village.std(ddof=1) / math.sqrt(4)  # 0.0816497
    t = stats.t.ppf(0.975, 3)  # 3.182446
    half = t * se / (p * (1 - p))
    low = 1 / (1 + math.exp(-(math.log(p / (1 - p)) - half)))
    high = 1 / (1 + math.exp(-(math.log(p / (1 - p)) + half)))
    assert p - t * se < 0  # the interval the old code would have printed
    assert row["estimate"] == pytest.approx(0.2, rel=1e-12)
    assert row["n"] == 20
    assert row["std_error"] == pytest.approx(se, rel=1e-10)
    assert row["df"] == pytest.approx(3, rel=1e-10)
    assert row["conf_low"] == pytest.approx(low, rel=1e-9)
    assert row["conf_high"] == pytest.approx(high, rel=1e-9)
    assert row["conf_low"] == pytest.approx(0.04697, abs=1e-5)  # by hand: expit(-3.0104)
    assert row["conf_high"] == pytest.approx(0.55916, abs=1e-5)  # by hand: expit(0.23777)
    assert "logit" in row["method"]
    # Everyone (7 per village) willing toward relatives: p = 1, Clopper-Pearson
    # [0.025^(1/28), 1].
    rel = res.means("share_willing").set_index("circle").loc["relatives"]
    assert rel["estimate"] == 1.0 and rel["n"] == 28
    assert rel["conf_low"] == pytest.approx(0.025 ** (1 / 28), rel=1e-12)
    assert rel["conf_low"] == pytest.approx(0.87656, abs=1e-5)
    assert rel["conf_high"] == 1.0
    assert "Clopper-Pearson" in rel["method"]


def test_cluster_share_matches_cluster_mean_and_refuses_non_binary():
    y = np.array([0, 1, 0, 0, 1, 1, 0, 0, 0, 1], dtype=float)
    village = np.array(list("aabbbccdde"))
    row = cluster_share(y, village).iloc[0]
    fit = cluster_mean(y, village)
    assert row["std_error"] == pytest.approx(fit.std_error[0])
    assert row["df"] == pytest.approx(fit.df[0])
    lo, hi, how = share_conf_int(0.4, fit.std_error[0], fit.df[0], 10)
    assert (row["conf_low"], row["conf_high"]) == pytest.approx((lo, hi)) and how == "logit"
    assert 0 < row["conf_low"] < 0.4 < row["conf_high"] < 1
    with pytest.raises(ma.UsageError, match="0/1"):
        cluster_share([0, 2], ["a", "b"])
    one = cluster_share([0, 1, 1], ["a", "a", "a"]).iloc[0]
    assert np.isnan(one["conf_low"]) and "fewer than two villages" in one["method"]


def test_share_conf_int_edges():
    assert share_conf_int(0.0, 0.0, np.nan, 10)[:2] == pytest.approx((0.0, 1 - 0.025 ** 0.1))
    assert share_conf_int(1.0, 0.0, np.nan, 10)[:2] == pytest.approx((0.025 ** 0.1, 1.0))
    assert share_conf_int(1.0, 0.0, np.nan, 10)[2] == "clopper-pearson"
    lo, hi, how = share_conf_int(0.3, np.nan, np.nan, 10)
    assert math.isnan(lo) and math.isnan(hi) and how == "none"
    with pytest.raises(ma.UsageError, match=r"\[0, 1\]"):
        share_conf_int(1.5, 0.1, 5, 10)


@settings(max_examples=300, deadline=None)
@given(
    p=st.floats(0, 1),
    se=st.floats(0, 10),
    df=st.floats(0.5, 1000),
    n=st.integers(1, 100_000),
    conf_level=st.floats(0.5, 0.999),
)
def test_share_interval_is_inside_unit_interval_and_contains_p(p, se, df, n, conf_level):
    lo, hi, how = share_conf_int(p, se, df, n, conf_level=conf_level)
    assert how in ("logit", "clopper-pearson")
    assert 0.0 <= lo <= p <= hi <= 1.0


@settings(max_examples=60, deadline=None)
@given(
    y=st.lists(st.integers(0, 1), min_size=2, max_size=60),
    g=st.integers(2, 8),
)
def test_cluster_share_bounds_on_any_data(y, g):
    yv = np.asarray(y, dtype=float)
    village = np.arange(len(yv)) % min(g, len(yv))
    row = cluster_share(yv, village).iloc[0]
    assert 0.0 <= row["conf_low"] <= row["estimate"] <= row["conf_high"] <= 1.0
