"""ma.evaluate: workshop effects with few-village-valid inference.

Reference values: ``tests/reference/evaluate.R`` run on
``tests/reference/evaluate_data.csv`` (R 4.2.2, clubSandwich 0.5.8,
sandwich 3.0.2); the script, its calls and the versions are written above the
numbers in ``evaluate_values.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from exports import write_gbk_export
from numpy.testing import assert_allclose

import mutualaid_analysis as ma
from mutualaid_analysis.data.survey import from_frame
from mutualaid_analysis.evaluation import (
    circle_expansion,
    did_randomization_test,
    evaluate,
    paired_effect_sizes,
)
from mutualaid_analysis.exceptions import UsageError

REF = Path(__file__).parent / "reference"
VALUES = json.loads((REF / "evaluate_values.json").read_text(encoding="utf-8"))
CODEBOOK = REF / "evaluate_codebook.toml"
RTOL = 1e-6  # R's JSON carries 15 significant digits


@pytest.fixture(scope="module")
def ref_frame() -> pd.DataFrame:
    return pd.read_csv(REF / "evaluate_data.csv")


@pytest.fixture(scope="module")
def ref_survey(ref_frame):
    return from_frame(ref_frame, CODEBOOK)


@pytest.fixture(scope="module")
def ref_result(ref_survey):
    return evaluate(ref_survey, outcome="gses", design="randomized", seed=1)


@pytest.fixture(scope="module")
def ref_result_cov(ref_survey):
    return evaluate(
        ref_survey, outcome="gses", covariates=["age", "sex"], design="randomized", seed=1
    )


def _row(table: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for key, value in where.items():
        mask &= (table[key] == value).to_numpy()
    rows = table.loc[mask]
    assert len(rows) == 1, (where, len(rows))
    return rows.iloc[0]


# --------------------------------------------------------------------------- R agreement


@pytest.mark.parametrize("arm", ["workshop", "comparison"])
def test_within_arm_matches_r(ref_result, arm):
    ref = VALUES["within"][arm]
    t = ref_result.table
    pt = _row(t, estimand="within-arm change", arm=arm, inference="paired t")
    assert pt["n"] == ref["n"]
    assert_allclose(
        [pt["estimate"], pt["statistic"], pt["df"], pt["p_value"], pt["conf_low"], pt["conf_high"]],
        [ref["estimate"], ref["t"], ref["df"], ref["p"], ref["conf_low"], ref["conf_high"]],
        rtol=RTOL,
    )
    wx = _row(t, estimand="within-arm change", arm=arm, inference="Wilcoxon signed-rank")
    assert wx["statistic"] == ref["wilcox_V"]
    assert_allclose(wx["p_value"], ref["wilcox_p"], rtol=RTOL)
    cr2 = _row(t, estimand="within-arm change", arm=arm, inference="CR2")
    assert_allclose(
        [cr2["estimate"], cr2["std_error"], cr2["df"], cr2["p_value"]],
        [ref["cr2_estimate"], ref["cr2_se"], ref["cr2_df"], ref["cr2_p"]],
        rtol=RTOL,
    )
    dz = _row(t, estimand="within-arm change", arm=arm, term="d_z")
    assert_allclose([dz["conf_low"], dz["conf_high"]], [ref["d_z_low"], ref["d_z_high"]], rtol=RTOL)
    assert "ignores village clustering" in pt["method"]
    assert "ignores village clustering" in wx["method"]


@pytest.mark.parametrize(
    ("key", "model", "covariates"),
    [
        ("ancova", "ANCOVA", False),
        ("ancova_cov", "ANCOVA", True),
        ("did", "DiD", False),
        ("did_cov", "DiD", True),
    ],
)
def test_between_arm_matches_r(ref_result, ref_result_cov, key, model, covariates):
    ref = VALUES[key]
    t = (ref_result_cov if covariates else ref_result).table
    rows = t.loc[(t["estimand"] == "between-arm effect") & (t["model"] == model)]
    assert (rows["n"] == ref["n"]).all()
    assert (rows["n_clusters"] == 10).all()
    cr2 = _row(rows, inference="CR2")
    assert_allclose(
        [cr2["estimate"], cr2["std_error"], cr2["df"], cr2["statistic"], cr2["p_value"]],
        [ref["estimate"], ref["cr2_se"], ref["cr2_df"], ref["cr2_t"], ref["cr2_p"]],
        rtol=RTOL,
    )
    cr1 = _row(rows, inference="CR1")
    assert_allclose(
        [cr1["std_error"], cr1["statistic"], cr1["df"], cr1["p_value"]],
        [ref["cr1_se"], ref["cr1_t"], ref["cr1_df"], ref["cr1_p"]],
        rtol=RTOL,
    )
    # Full enumeration (2^10 sign vectors, 252 assignments): the p-values are exact
    # rationals and must be equal, not close.
    wild = _row(rows, inference="wild bootstrap")
    assert wild["p_value"] * ref["wild_B"] == pytest.approx(round(ref["wild_p"] * ref["wild_B"]))
    assert f"all {ref['wild_B']} sign vectors" in wild["method"]
    ri = _row(rows, inference="randomization")
    assert ri["p_value"] * ref["ri_n"] == pytest.approx(round(ref["ri_p"] * ref["ri_n"]))
    assert_allclose(ri["estimate"], ref["ri_estimate"], rtol=RTOL)
    assert f"all {ref['ri_n']} assignments" in ri["method"]


def test_wwc_g_matches_r(ref_result):
    ref = VALUES["wwc"]
    g = _row(ref_result.table, estimand="standardised between-arm effect")
    assert_allclose(g["estimate"], ref["g"], rtol=RTOL)
    assert g["n"] == ref["N"]
    cr2 = _row(ref_result.table, estimand="between-arm effect", model="ANCOVA", inference="CR2")
    k = g["estimate"] / cr2["estimate"]
    assert_allclose([g["conf_low"], g["conf_high"]], [k * cr2["conf_low"], k * cr2["conf_high"]])


# --------------------------------------------------------------------------- table shape


def test_table_contract_and_methods(ref_result):
    t = ref_result.table
    contract = [
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
    ]
    assert list(t.columns) == [
        "outcome",
        "design",
        "estimand",
        "model",
        "arm",
        "inference",
        *contract,
        "n_clusters",
        "family",
        "p_adjusted",
    ]
    assert t["method"].notna().all()
    assert set(t["design"]) == {"randomized"}
    # Never a normal-reference p-value from a cluster-robust covariance: every CR row
    # has finite t degrees of freedom.
    cr = t.loc[t["inference"].isin(["CR2", "CR1"])]
    assert np.isfinite(cr["df"]).all() and (cr["df"] < 20).all()
    assert set(t["inference"]) == {
        "CR2",
        "CR1",
        "wild bootstrap",
        "randomization",
        "paired t",
        "Wilcoxon signed-rank",
        "effect size",
    }
    terms = set(t.loc[t["inference"] == "effect size", "term"])
    assert terms == {"d_z", "g_z", "d_av", "g_av", "d_rm", "g_rm", "g (WWC)"}
    assert "design='randomized'" in ref_result.notes[0]
    assert ref_result.design == "randomized"
    assert "Workshop evaluation" in ref_result.summary()
    assert "<table" in ref_result._repr_html_()
    assert len(ref_result.effects()) == 2
    assert len(ref_result.effects(None)) == 8


def test_sample_accounts_for_every_respondent(ref_survey, ref_result):
    sample = ref_result.tables["sample"]
    pairs = sample.loc[sample["analysis"].str.startswith("matched")]
    assert pairs["respondents"].sum() == ref_survey.data["resp_id"].nunique()
    analysed = pairs.loc[pairs["status"] == "analysed", "respondents"].sum()
    assert analysed == VALUES["ancova"]["n"]
    did = sample.loc[sample["analysis"].str.startswith("long")]
    assert did["respondents"].sum() == len(ref_survey.data)
    assert did.loc[did["status"] == "analysed rows", "respondents"].iloc[0] == VALUES["did"]["n"]
    means = ref_result.tables["means"]
    assert set(means["wave"]) == {"pre", "post"}


# --------------------------------------------------------------------------- design choice


def test_auto_design_is_named(ref_survey):
    res = evaluate(ref_survey, outcome="gses", seed=1)
    assert res.info["design"] == "comparison"
    assert "design='auto' chose 'comparison'" in res.info["design_reason"]
    assert set(res.table["design"]) == {"comparison"}
    assert "randomization" not in set(res.table["inference"])


def test_prepost_with_one_arm(ref_frame):
    survey = from_frame(ref_frame[ref_frame["arm"] == "workshop"], CODEBOOK)
    res = evaluate(survey, outcome="gses")
    assert res.info["design"] == "prepost"
    assert "chose 'prepost'" in res.notes[0]
    assert set(res.table["estimand"]) == {"within-arm change"}
    assert set(res.table["arm"]) == {"workshop"}
    ref = VALUES["within"]["workshop"]
    pt = _row(res.table, inference="paired t")
    assert_allclose(pt["p_value"], ref["p"], rtol=RTOL)


# --------------------------------------------------------------------------- errors


def test_errors(ref_survey, ref_frame):
    with pytest.raises(UsageError, match="Unknown outcome 'nope'.*gses"):
        evaluate(ref_survey, outcome="nope")
    with pytest.raises(UsageError, match="outcome 'arm' is text"):
        evaluate(ref_survey, outcome="arm")
    one_arm = from_frame(ref_frame[ref_frame["arm"] == "workshop"], CODEBOOK)
    with pytest.raises(UsageError, match="design='comparison' needs workshop and comparison"):
        evaluate(one_arm, outcome="gses", design="comparison")
    with pytest.raises(UsageError, match="design='randomized' needs"):
        evaluate(one_arm, outcome="gses", design="randomized")
    one_wave = from_frame(ref_frame[ref_frame["wave"] == "pre"], CODEBOOK)
    with pytest.raises(UsageError, match="compares two waves, but the data have 1"):
        evaluate(one_wave, outcome="gses")
    with pytest.raises(UsageError, match=r"design must be one of \['auto', 'prepost'"):
        evaluate(ref_survey, outcome="gses", design="rct")
    with pytest.raises(UsageError, match="adjust must be one of"):
        evaluate(ref_survey, outcomes=["gses", "will_rel"], adjust="bonferroni")
    with pytest.raises(UsageError, match="either outcome or outcomes"):
        evaluate(ref_survey, outcome="gses", outcomes=["will_rel"])
    with pytest.raises(UsageError, match="Name the outcome"):
        evaluate(ref_survey)
    with pytest.raises(UsageError, match="covariate 'income' is not a variable"):
        evaluate(ref_survey, outcome="gses", covariates=["income"])
    with pytest.raises(UsageError, match="seed must be"):
        evaluate(ref_survey, outcome="gses", seed=-1)
    with pytest.raises(UsageError, match="no wave 'mid'"):
        evaluate(ref_survey, outcome="gses", waves=("pre", "mid"))
    with pytest.raises(UsageError, match="must be a Survey"):
        evaluate(ref_frame, outcome="gses")


# --------------------------------------------------------------------------- seeds


def test_same_seed_same_table_with_drawn_weights(ref_survey):
    # B = 255 < 2^10 and max_enumerate = 100 < 252: Webb weights and random
    # assignments are drawn, so the seed matters.
    kw = {"outcome": "gses", "design": "randomized", "n_boot": 255, "max_enumerate": 100, "n_draws": 199}
    a = evaluate(ref_survey, seed=11, **kw)
    b = evaluate(ref_survey, seed=11, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = evaluate(ref_survey, seed=12, **kw)
    wild = a.table["inference"].isin(["wild bootstrap", "randomization"])
    assert not np.array_equal(a.table.loc[wild, "p_value"], c.table.loc[wild, "p_value"])
    assert a.table.loc[wild, "method"].str.contains("Webb|random assignments").all()
    ri = _row(a.table, model="ANCOVA", inference="randomization")
    assert (ri["p_value"] * 200) == pytest.approx(round(ri["p_value"] * 200))  # (b+1)/(m+1)


def test_outcome_numbers_do_not_depend_on_the_family(ref_survey):
    kw = {"design": "comparison", "n_boot": 255, "seed": 3}
    single = evaluate(ref_survey, outcome="gses", **kw).table
    both = evaluate(ref_survey, outcomes=["will_rel", "gses"], **kw).table
    part = both.loc[both["outcome"] == "gses"].reset_index(drop=True)
    cols = [c for c in single.columns if c not in ("family", "p_adjusted")]
    pd.testing.assert_frame_equal(single[cols], part[cols])


# --------------------------------------------------------------------------- multiplicity


@pytest.mark.parametrize("adjust", ["holm", "BH"])
def test_family_adjustment(ref_survey, adjust):
    outs = ["gses", "will_rel", "will_fri", "will_vil"]
    res = evaluate(ref_survey, outcomes=outs, adjust=adjust, family="primary", seed=1)
    t = res.table
    assert set(t["family"]) == {"primary"}
    assert set(t["outcome"]) == set(outs)
    for keys, grp in t.groupby(["estimand", "model", "arm", "inference", "term"]):
        p = grp["p_value"].to_numpy()
        if np.isnan(p).all():
            assert grp["p_adjusted"].isna().all()
            continue
        m = len(p)
        order = np.argsort(p)
        ranked = p[order]
        if adjust == "holm":
            expect = np.minimum(np.maximum.accumulate((m - np.arange(m)) * ranked), 1)
        else:
            expect = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
            expect = np.minimum(expect, 1)
        got = grp["p_adjusted"].to_numpy()[order]
        assert_allclose(got, expect, err_msg=str(keys))
        assert (grp["p_adjusted"] >= grp["p_value"] - 1e-15).all()
    assert any("p_adjusted" in n for n in res.notes)


def test_single_outcome_family(ref_result):
    t = ref_result.table
    assert set(t["family"]) == {"gses"}
    assert_allclose(t["p_adjusted"], t["p_value"], equal_nan=True)


# --------------------------------------------------------------------------- effect sizes


def test_paired_effect_sizes_closed_form():
    rng = np.random.default_rng(4)
    pre = rng.normal(10, 2, size=40)
    post = 0.6 * pre + rng.normal(5, 1.5, size=40)
    es = paired_effect_sizes(pre, post).set_index("term")
    d = post - pre
    n = 40
    s1, s2, sd = pre.std(ddof=1), post.std(ddof=1), d.std(ddof=1)
    r = np.corrcoef(pre, post)[0, 1]
    J = 1 - 3 / (4 * (n - 1) - 1)
    assert_allclose(es.loc["d_z", "estimate"], d.mean() / sd)
    assert_allclose(es.loc["d_av", "estimate"], d.mean() / ((s1 + s2) / 2))
    # Lakens (2013) eq. 9: d_rm = M / sqrt(s1^2 + s2^2 - 2 r s1 s2) * sqrt(2(1 - r)).
    assert_allclose(
        es.loc["d_rm", "estimate"],
        d.mean() / math.sqrt(s1**2 + s2**2 - 2 * r * s1 * s2) * math.sqrt(2 * (1 - r)),
    )
    for t in ("z", "av", "rm"):
        assert_allclose(
            es.loc[f"g_{t}", ["estimate", "conf_low", "conf_high"]].astype(float),
            J * es.loc[f"d_{t}", ["estimate", "conf_low", "conf_high"]].astype(float),
        )
    drm = es.loc["d_rm", "estimate"]
    assert_allclose(
        es.loc["d_rm", "std_error"], math.sqrt((1 / n + drm**2 / (2 * n)) * 2 * (1 - r))
    )
    assert (es["n"] == n).all()


def test_paired_effect_size_intervals_cover():
    """Monte Carlo check of the interval formulas (bivariate normal, no clustering)."""
    rng = np.random.default_rng(9)
    n, reps, rho, delta = 30, 400, 0.5, 0.4
    cov = np.array([[1.0, rho], [rho, 1.0]])
    truth = {"d_z": delta / math.sqrt(2 * (1 - rho)), "d_av": delta, "d_rm": delta}
    hits = {k: 0 for k in truth}
    for _ in range(reps):
        x = rng.multivariate_normal([0.0, delta], cov, size=n)
        es = paired_effect_sizes(x[:, 0], x[:, 1]).set_index("term")
        for k, v in truth.items():
            hits[k] += es.loc[k, "conf_low"] <= v <= es.loc[k, "conf_high"]
    rates = {k: v / reps for k, v in hits.items()}
    for k, rate in rates.items():
        assert 0.91 <= rate <= 0.985, (k, rates)


def test_paired_effect_sizes_degenerate():
    es = paired_effect_sizes([1.0, 2.0], [2.0, 3.0])
    assert es["estimate"].isna().all()
    assert es["method"].str.contains("not estimable").all()
    with pytest.raises(UsageError):
        paired_effect_sizes([1.0, np.nan], [1.0, 2.0])


# --------------------------------------------------------------------------- recovery


def test_recovers_known_effects():
    survey, truth = ma.simulate_survey(
        seed=31, n_villages=20, per_village=60, workshop_efficacy=0.8
    )
    res = evaluate(survey, outcomes=["gses", "knows_platform"], seed=2, n_boot=999)
    t = res.table
    targets = {
        "gses": truth["workshop"]["efficacy"]["att_sum_score"],
        "knows_platform": truth["workshop"]["participation"]["knows_platform"][
            "att_risk_difference"
        ],
    }
    for outcome, target in targets.items():
        for model in ("ANCOVA", "DiD"):
            cr2 = _row(t, outcome=outcome, model=model, inference="CR2")
            assert abs(cr2["estimate"] - target) < 3 * cr2["std_error"], (outcome, model, target)
            assert cr2["p_value"] < 0.05
    assert res.info["design"] == "comparison"


def test_circle_outcome_on_the_sample():
    res = evaluate(ma.load_sample(), outcome="villagers", seed=1, n_boot=999)
    assert res.info["design"] == "comparison"
    assert len(res.effects()) == 2


# --------------------------------------------------------------------------- DiD RI


def test_did_randomization_matches_a_refit_loop(ref_frame):
    d = ref_frame.dropna(subset=["gses"]).reset_index(drop=True)
    y = d["gses"].to_numpy(float)
    post = (d["wave"] == "post").to_numpy(float)
    village = d["village"].to_numpy()
    Z = np.column_stack([np.ones(len(d)), post, d["age"].to_numpy(float)])
    treated = sorted(d.loc[d["arm"] == "workshop", "village"].unique())
    res = did_randomization_test(y, Z, post, village, treated, null=0.5)
    villages = sorted(d["village"].unique())
    import itertools

    def coef(tset, yy):
        tr = np.isin(village, tset).astype(float)
        X = np.column_stack([Z, tr, tr * post])
        return np.linalg.lstsq(X, yy, rcond=None)[0][-1]

    obs_d = np.isin(village, treated).astype(float) * post
    y0 = y - 0.5 * obs_d
    dist = np.array([coef(s, y0) for s in itertools.combinations(villages, 5)])
    obs = coef(treated, y0)
    p = np.mean(np.abs(dist) >= abs(obs) * (1 - 1e-10))
    assert res["p_value"] == pytest.approx(p, abs=1e-15)
    assert_allclose(res["estimate"], coef(treated, y))
    assert res["n_assignments"] == 252 and res["enumerated"]
    assert res["conf_low"] < res["estimate"] < res["conf_high"]


def test_circle_outcome_equals_expansion_rows(ref_survey):
    ev = evaluate(ref_survey, outcome="villagers", seed=1, n_boot=255)
    ex = circle_expansion(ref_survey, seed=1, n_boot=255)
    a = _row(ev.table, model="DiD", inference="CR2")
    b = _row(ex.table, circle="villagers", estimand="between-arm effect", inference="CR2")
    assert_allclose(
        [a["estimate"], a["std_error"], a["df"]], [b["estimate"], b["std_error"], b["df"]]
    )


def test_wilcoxon_small_samples_follow_r():
    # R 4.2.2, pre = 1:9, wilcox.test(pre + change, pre, paired = TRUE):
    #   no ties, no zeros -> exact:       V = 40,   p = 0.0390625
    #   one zero -> normal approximation: V = 32,   p = 0.058707408431205
    #   ties and a zero -> normal approx: V = 33.5, p = 0.0330062576612325
    from mutualaid_analysis.evaluation.design import StudyDesign
    from mutualaid_analysis.evaluation.effects import within_rows

    spec = StudyDesign(kind="prepost", id="id", wave="wave", baseline="pre", followup="post")
    pre = np.arange(1.0, 10.0)
    for change, v, p in (
        ([0.5, -1.1, 2.3, 3.2, -0.4, 1.7, 2.9, 4.6, 0.8], 40, 0.0390625),
        ([0.5, -1.1, 2.3, 3.2, -0.4, 1.7, 2.9, 4.6, 0], 32, 0.058707408431205),
        ([1, 1, 2, 2, -1, 3, 3, 0, 1], 33.5, 0.0330062576612325),
    ):
        resp = pd.DataFrame(
            {"pre": pre, "post": pre + np.array(change), "cluster": np.arange(9) % 3}
        )
        row = next(
            r for r in within_rows(resp, "all", spec, 0.05) if r["inference"].startswith("Wil")
        )
        assert row["statistic"] == v
        assert row["p_value"] == pytest.approx(p, rel=1e-6)


PANEL_CODEBOOK = """
[survey]
id = "编号"
cluster = "村庄"
wave = "轮次"
waves = ["基线", "追踪"]
group = "组别"
treated = "工作坊村"
missing = [98, 99]

[circles]
order = ["relatives", "villagers"]

[responses.willing5]
values = { 1 = "非常不愿意", 2 = "不太愿意", 3 = "一般", 4 = "比较愿意", 5 = "非常愿意" }

[[variable]]
name = "编号"
type = "id"

[[variable]]
name = "村庄"
type = "text"

[[variable]]
name = "轮次"
type = "text"

[[variable]]
name = "组别"
type = "text"

[[variable]]
name = "自评健康"
type = "integer"
min = 1
max = 5

[[variable]]
name = "亲属"
type = "ordinal"
responses = "willing5"
circle = "relatives"

[[variable]]
name = "村民"
type = "ordinal"
responses = "willing5"
circle = "villagers"
"""

_ANSWERS = ["一般", "比较愿意", "非常愿意", "不太愿意"]


def write_panel_export(tmp_path, villages, *, lose_zeros=False):
    """A GBK panel export, one file for both waves: Chinese headers and text answers.

    ``villages``: {name: arm}; 4 respondents each, ids like 0101.  With
    ``lose_zeros`` the follow-up ids lost their leading zero (0101 -> 101), as
    when one wave went through a spreadsheet.
    """
    lines = ["编号,村庄,轮次,组别,自评健康,亲属,村民"]
    for v, (village, arm) in enumerate(villages.items(), start=1):
        for i in range(4):
            rid = f"{v:02d}{i:02d}"
            for w, wave in enumerate(("基线", "追踪")):
                shown = rid.lstrip("0") if (w and lose_zeros) else rid
                health = "99" if (v, i, w) == (1, 0, 1) else str(1 + (v * i + w * (i + v)) % 5)
                lines.append(f"{shown},{village},{wave},{arm},{health},"
                             f"{_ANSWERS[(v * i + w) % 4]},{_ANSWERS[(v + i * w) % 4]}")
    path, cb = write_gbk_export(tmp_path, "两轮.csv", lines, PANEL_CODEBOOK)
    return ma.read_survey(path, codebook=cb)


FOUR_VILLAGES = {"青山村": "工作坊村", "柳树村": "工作坊村", "东河村": "对照村", "石桥村": "对照村"}


def test_ids_that_lost_their_zeros_are_named_as_the_cause(tmp_path):
    survey = write_panel_export(tmp_path, FOUR_VILLAGES, lose_zeros=True)
    with pytest.raises(ma.InsufficientDataError) as err:
        evaluate(survey, outcome="自评健康", seed=1, n_boot=99)
    msg = str(err.value)
    assert msg.startswith("evaluate(outcome='自评健康'): ")
    assert "0 of the 16 respondents of the follow-up matched a baseline id" in msg
    assert "0 villages in '工作坊村' and 0 villages in '对照村'" in msg
    assert "leading zeros" in msg
    assert not isinstance(err.value, UsageError)  # the data, not the call: exit code 1
    # the DiD of circle_expansion does not need matched respondents: it runs, and says
    # why the within-arm rows are empty
    res = circle_expansion(survey, seed=1, n_boot=99)
    assert any("within-arm changes are not estimable" in n and "0 of the 16" in n
               for n in res.notes)
    assert res.table.loc[res.table["estimand"] == "between-arm effect", "estimate"].notna().all()
    # with the ids intact, the same file is analysed
    ok = write_panel_export(tmp_path, FOUR_VILLAGES)
    table = evaluate(ok, outcome="自评健康", seed=1, n_boot=99).table
    assert table["n_clusters"].max() == 4


def test_one_village_per_arm_is_refused(tmp_path):
    two = {"青山村": "工作坊村", "东河村": "对照村"}
    survey = write_panel_export(tmp_path, two)
    for run in (lambda: evaluate(survey, outcome="自评健康", seed=1, n_boot=99),
                lambda: circle_expansion(survey, seed=1, n_boot=99)):
        with pytest.raises(ma.InsufficientDataError,
                           match="1 village in '工作坊村' and 1 village in '对照村'") as err:
            run()
        assert "at least 2 villages in each arm" in str(err.value)
        assert "cannot be told apart from that village" in str(err.value)
    one = write_panel_export(tmp_path, {"青山村": "工作坊村"})
    with pytest.raises(ma.InsufficientDataError,
                       match=r"^evaluate\(outcome='自评健康'\): the analytic panel has 1 village "
                             r"\(only respondents observed at both waves are used; 4 of the 4"):
        evaluate(one, outcome="自评健康")


def test_a_circle_without_items_is_refused_before_it_could_be_an_outcome(tmp_path):
    text = PANEL_CODEBOOK.replace('order = ["relatives", "villagers"]',
                                  'order = ["relatives", "friends", "villagers"]')
    write_panel_export(tmp_path, FOUR_VILLAGES)
    cb = tmp_path / "codebook.toml"
    cb.write_text(text, encoding="utf-8")
    with pytest.raises(ma.CodebookError, match=r"lists 'friends'.*\[empty_circle\]"):
        ma.read_survey(tmp_path / "两轮.csv", codebook=cb)
    cb.write_text(PANEL_CODEBOOK, encoding="utf-8")
    survey = ma.read_survey(tmp_path / "两轮.csv", codebook=cb)
    with pytest.raises(UsageError, match=r"Unknown outcome 'friends'\. Outcomes are .* its "
                                         r"circles \['relatives', 'villagers'\]"):
        evaluate(survey, outcome="friends")
    res = circle_expansion(survey, seed=1, n_boot=99)
    assert "friends" not in set(res.table["circle"])
    assert not any("left out" in n for n in res.notes)


def test_inference_keyword_chooses_the_between_arm_methods(ref_survey, ref_result):
    keys = ["outcome", "estimand", "model", "arm", "inference", "term"]
    full = ref_result.table.set_index(keys)
    only = evaluate(
        ref_survey, outcome="gses", design="randomized", seed=1, inference=["CR2", "randomization"]
    ).table
    between = only[only["estimand"] == "between-arm effect"]
    assert sorted(set(between["inference"])) == ["CR2", "randomization"]
    assert len(between) == 4  # ANCOVA and DiD, two methods each
    # the rows that are run carry the same numbers as in the full evaluation
    cols = ["estimate", "std_error", "df", "p_value", "conf_low", "conf_high"]
    assert_allclose(
        between.set_index(keys)[cols].to_numpy(dtype=float),
        full.loc[between.set_index(keys).index, cols].to_numpy(dtype=float),
        rtol=1e-12,
    )
    # the within-arm change and the standardised effect are always there
    assert {"within-arm change", "standardised between-arm effect"} <= set(only["estimand"])


def test_inference_keyword_errors(ref_survey):
    with pytest.raises(UsageError, match="inference must be one of"):
        evaluate(ref_survey, outcome="gses", inference=["bootstrap"])
    with pytest.raises(UsageError, match="inference is empty"):
        evaluate(ref_survey, outcome="gses", inference=[])
    with pytest.raises(UsageError, match="needs design='randomized'"):
        evaluate(ref_survey, outcome="gses", design="comparison", inference=["randomization"])
