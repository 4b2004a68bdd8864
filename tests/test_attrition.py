"""Attrition, the WWC boundary and baseline equivalence (mutualaid_analysis.evaluation).

Reference values are hand-computed, with the arithmetic beside each check.
The WWC boundary rows are checked against the two public transcriptions of
the Standards Handbook's Table II.1 that ``wwc_boundaries.csv`` cites.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from exports import write_gbk_export
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mutualaid_analysis as ma
from mutualaid_analysis.evaluation import (
    attrition,
    attrition_boundary,
    baseline_equivalence,
    boundary_table,
    cox_index,
    equivalence_band,
    hedges_g,
)
from mutualaid_analysis.evaluation.attrition import _boundary_note
from mutualaid_analysis.evaluation.wwc import attrition_verdict, small_sample_correction
from mutualaid_analysis.exceptions import UsageError


def codebook() -> ma.Codebook:
    return ma.Codebook.from_dict(
        {
            "survey": {
                "id": "resp_id",
                "cluster": "village",
                "wave": "wave",
                "waves": ["pre", "post"],
                "group": "arm",
                "treated": "workshop",
                "missing": {"98": "不知道"},
            },
            "variable": [
                {"name": "resp_id", "type": "id"},
                {
                    "name": "village",
                    "type": "category",
                    "values": {str(i): f"v{i}" for i in range(1, 9)},
                },
                {"name": "wave", "type": "text"},
                {"name": "arm", "type": "text"},
                {"name": "x", "type": "number"},
                {"name": "b", "type": "binary", "values": {"0": "no", "1": "yes"}},
            ],
        }
    )


def panel_survey(villages: dict[int, tuple[str, int, int]]) -> ma.Survey:
    """villages: {code: (arm, n at baseline, n of them observed again at post)}."""
    rows = []
    for v, (arm, n_base, n_kept) in villages.items():
        for i in range(n_base):
            rid = f"V{v}-{i:03d}"
            rows.append((rid, v, "pre", arm, float(i), i % 2))
            if i < n_kept:
                rows.append((rid, v, "post", arm, float(i + 1), i % 2))
    frame = pd.DataFrame(rows, columns=["resp_id", "village", "wave", "arm", "x", "b"])
    return ma.from_frame(frame, codebook())


def row(result, level, group):
    t = result.table
    return t[(t["level"] == level) & (t["group"] == group)].iloc[0]


# ----------------------------------------------------------------------------- the boundary table


def test_boundary_table_rows_from_the_handbook():
    t = boundary_table().set_index("overall_pct")
    assert list(t.index) == list(range(66))
    # Table II.1 rows, as both transcriptions give them
    assert t.at[0, "cautious_pp"] == 5.7 and t.at[0, "optimistic_pp"] == 10.0
    assert t.at[10, "cautious_pp"] == 6.3 and t.at[10, "optimistic_pp"] == 10.9
    assert t.at[20, "cautious_pp"] == 5.4
    assert t.at[30, "cautious_pp"] == 4.1
    assert t.at[57, "cautious_pp"] == 0.0
    assert t.loc[58:, "cautious_pp"].isna().all()
    assert t.at[65, "optimistic_pp"] == 0.3
    # the lower reading is kept where the transcriptions differ
    both = t["optimistic_alt_pp"].notna()
    assert (t.loc[both, "optimistic_alt_pp"] > t.loc[both, "optimistic_pp"]).all()
    assert not both.loc[:12].any()
    # the cautious boundary is inside the optimistic one
    c = t["cautious_pp"].dropna()
    assert (c <= t.loc[c.index, "optimistic_pp"]).all()


def test_boundary_lookup_between_rows_takes_the_smaller():
    assert attrition_boundary(0.10, "cautious") == 6.3
    assert attrition_boundary(0.10, "optimistic") == 10.9
    # 7.5%: rows 7 (6.3 / 10.8) and 8 (6.3 / 10.9)
    assert attrition_boundary(0.075, "cautious") == 6.3
    assert attrition_boundary(0.075, "optimistic") == 10.8
    # 2.5%: rows 2 (5.9) and 3 (5.9); 4.5%: rows 4 (6.0) and 5 (6.1)
    assert attrition_boundary(0.045, "cautious") == 6.0
    assert math.isnan(attrition_boundary(0.575, "cautious"))  # row 58 is empty
    assert attrition_boundary(0.57, "cautious") == 0.0
    assert math.isnan(attrition_boundary(0.70, "optimistic"))
    assert attrition_verdict(0.10, 6.3, "cautious") == ("low", 6.3)
    assert attrition_verdict(0.10, 6.31, "cautious")[0] == "high"
    with pytest.raises(UsageError, match="boundary"):
        attrition_boundary(0.1, "liberal")
    # row 15: optimistic 10.7 (lower reading) or 10.8 (other reading)
    assert _boundary_note(0.15, 10.75, "optimistic", 10.7).startswith("high by the lower")
    assert _boundary_note(0.15, 10.85, "optimistic", 10.7) == ""
    assert _boundary_note(0.15, 5.0, "cautious", 5.9) == ""
    with pytest.raises(UsageError, match="proportion"):
        attrition_boundary(10, "cautious")


# ----------------------------------------------------------------------------- attrition by hand


def test_attrition_low_by_hand():
    # workshop: villages 1, 2 with 10 each, 19 of 20 kept -> 1/20 = 0.05
    # comparison: villages 3, 4 with 10 each, 18 of 20 kept -> 2/20 = 0.10
    # overall 3/40 = 0.075 (7.5%); differential |0.05 - 0.10| = 5 pp
    s = panel_survey(
        {
            1: ("workshop", 10, 10),
            2: ("workshop", 10, 9),
            3: ("comparison", 10, 9),
            4: ("comparison", 10, 9),
        }
    )
    a = attrition(s)
    t = row(a, "respondent", "workshop")
    assert (t["n_baseline"], t["n_analytic"], t["n_lost"]) == (20, 19, 1)
    assert t["estimate"] == pytest.approx(0.05)
    assert row(a, "respondent", "comparison")["estimate"] == pytest.approx(0.10)
    assert row(a, "respondent", "overall")["estimate"] == pytest.approx(0.075)
    diff = row(a, "respondent", "differential")
    assert diff["estimate"] == pytest.approx(0.05) and diff["percent"] == pytest.approx(5.0)
    w = a.tables["wwc"].set_index(["level", "boundary"])
    # 7.5% overall: cautious boundary min(6.3, 6.3) = 6.3 >= 5 -> low
    assert w.loc[("respondent", "cautious"), "max_differential_pp"] == 6.3
    assert a.verdict("cautious") == "low" and a.verdict("optimistic") == "low"
    assert a.verdict("cautious", level="village") == "low"
    assert a.info["villages_lost"] == []
    assert "respondent in retained villages" not in set(a.table["level"])


def test_attrition_high_by_hand():
    # workshop 20 -> 20 (0%), comparison 20 -> 14 (30%): overall 6/40 = 15%,
    # differential 30 pp > 5.9 (cautious, row 15) and > 10.7 (optimistic)
    s = panel_survey(
        {
            1: ("workshop", 10, 10),
            2: ("workshop", 10, 10),
            3: ("comparison", 10, 7),
            4: ("comparison", 10, 7),
        }
    )
    a = attrition(s)
    assert row(a, "respondent", "overall")["estimate"] == pytest.approx(0.15)
    assert row(a, "respondent", "differential")["percent"] == pytest.approx(30.0)
    w = a.tables["wwc"].set_index(["level", "boundary"])
    assert w.loc[("respondent", "cautious"), "max_differential_pp"] == 5.9
    assert w.loc[("respondent", "optimistic"), "max_differential_pp"] == 10.7
    assert a.verdict("cautious") == "high" and a.verdict("optimistic") == "high"
    assert "high under the cautious" in a.summary()
    assert "<table" in a._repr_html_()


def test_a_village_lost_entirely():
    # village 4 (comparison) is not surveyed again.  Respondents: workshop 0/20,
    # comparison 10/20 lost: overall 10/40 = 25%, differential 50 pp.
    # Villages: workshop 0/2, comparison 1/2 lost: overall 1/4 = 25%, differential 50 pp.
    # Within the retained villages nobody is lost.
    s = panel_survey(
        {
            1: ("workshop", 10, 10),
            2: ("workshop", 10, 10),
            3: ("comparison", 10, 10),
            4: ("comparison", 10, 0),
        }
    )
    a = attrition(s)
    assert a.info["villages_lost"] == [4]
    v = row(a, "village", "comparison")
    assert (v["n_baseline"], v["n_analytic"], v["estimate"]) == (2, 1, 0.5)
    assert row(a, "village", "overall")["estimate"] == pytest.approx(0.25)
    assert row(a, "respondent", "overall")["estimate"] == pytest.approx(0.25)
    kept = row(a, "respondent in retained villages", "overall")
    assert kept["n_baseline"] == 30 and kept["estimate"] == 0
    assert a.verdict("cautious", "village") == "high"
    assert a.verdict("cautious", "respondent in retained villages") == "low"
    assert "Villages lost entirely: 1 (4)" in a.summary()
    vt = a.tables["villages"].set_index("cluster")
    assert vt.at[4, "n_analytic"] == 0 and vt.at[4, "attrition"] == 1.0


def test_attrition_with_an_outcome_counts_missing_outcomes_as_lost():
    s = panel_survey({1: ("workshop", 10, 10), 2: ("comparison", 10, 10)})
    frame = s.data.copy()
    frame.loc[(frame["wave"] == "post") & (frame["resp_id"] == "V1-000"), "x"] = np.nan
    s2 = ma.from_frame(frame, codebook())
    assert row(attrition(s2), "respondent", "workshop")["estimate"] == 0
    a = attrition(s2, outcome="x")
    assert row(a, "respondent", "workshop")["n_analytic"] == 9
    with pytest.raises(UsageError, match="neither a scale"):
        attrition(s2, outcome="nope")


def test_attrition_needs_two_arms_and_two_waves():
    s = panel_survey({1: ("workshop", 5, 5), 2: ("comparison", 5, 5)})
    with pytest.raises(UsageError, match="followup"):
        attrition(s, followup="pre")
    frame = s.data.copy()
    frame["arm"] = "workshop"
    with pytest.raises(UsageError, match="two arms"):
        attrition(ma.from_frame(frame, codebook()))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(0, 12)), min_size=4, max_size=6))
def test_attrition_identities(sizes):
    villages = {}
    for i, (n, kept) in enumerate(sizes, start=1):
        villages[i] = ("workshop" if i % 2 else "comparison", n, min(n, kept))
    a = attrition(panel_survey(villages))
    t = a.table
    rates = t[t["term"] != "differential_attrition"]
    assert (rates["n_baseline"] == rates["n_analytic"] + rates["n_lost"]).all()
    assert rates["estimate"].between(0, 1).all()
    resp = t[t["level"] == "respondent"].set_index("group")
    assert resp.at["overall", "n_baseline"] == sum(n for n, _ in sizes)
    diff = abs(resp.at["workshop", "estimate"] - resp.at["comparison", "estimate"])
    assert resp.at["differential", "estimate"] == pytest.approx(diff)
    assert 0 <= resp.at["differential", "estimate"] <= 1
    assert set(a.tables["wwc"]["verdict"]) <= {"low", "high"}


# ----------------------------------------------------------------------------- recovery and the sample


def test_attrition_recovers_the_simulated_rates():
    survey, truth = ma.simulate_survey(
        seed=11, n_villages=20, per_village=60, attrition_workshop=0.05, attrition_comparison=0.20
    )
    a = attrition(survey)
    real = truth["attrition"]["realised"]
    for arm in ("workshop", "comparison"):
        r = row(a, "respondent", arm)
        assert r["n_baseline"] == real[arm]["n_baseline"]
        assert r["n_lost"] == real[arm]["n_lost"]
        assert r["estimate"] == pytest.approx(real[arm]["rate"], abs=1e-6)
    # within sampling error of the design rates (600 per arm: SE <= 0.017)
    assert row(a, "respondent", "workshop")["estimate"] == pytest.approx(0.05, abs=0.04)
    assert row(a, "respondent", "comparison")["estimate"] == pytest.approx(0.20, abs=0.05)
    assert a.verdict("optimistic") == "high"  # ~15 pp differential


def test_attrition_of_the_sample():
    # data/sample/README.md: 53 lost, 24 of 248 (workshop), 29 of 244 (comparison)
    a = attrition(ma.load_sample())
    assert row(a, "respondent", "workshop")["n_lost"] == 24
    assert row(a, "respondent", "comparison")["n_lost"] == 29
    # overall 53/492 = 10.77%, differential |24/248 - 29/244| = 2.208 pp < 6.2 -> low
    assert row(a, "respondent", "overall")["estimate"] == pytest.approx(53 / 492)
    assert row(a, "respondent", "differential")["percent"] == pytest.approx(
        100 * abs(24 / 248 - 29 / 244)
    )
    assert a.verdict("cautious") == "low"


# ----------------------------------------------------------------------------- effect sizes by hand


def test_hedges_g_by_hand():
    # means 10 and 8, SDs 2 and 2, n 10 and 10: pooled SD 2, d = 1,
    # omega = 1 - 3 / (4 * 20 - 9) = 1 - 3/71 = 0.9577465
    assert small_sample_correction(20) == pytest.approx(1 - 3 / 71)
    assert hedges_g(10, 8, 2, 2, 10, 10) == pytest.approx(0.9577464788732394)
    # unequal: s_p^2 = (9 * 4 + 19 * 9) / 28 = 207/28; d = 1 / sqrt(207/28)
    d = 1 / math.sqrt(207 / 28)
    assert hedges_g(5, 4, 2, 3, 10, 20) == pytest.approx((1 - 3 / (4 * 30 - 9)) * d)
    assert math.isnan(hedges_g(1, 1, 0, 0, 5, 5))


def test_cox_index_by_hand():
    # p 0.6 vs 0.4, n 50 + 50: ln(0.6/0.4) - ln(0.4/0.6) = 2 ln 1.5 = 0.8109302;
    # / 1.65 = 0.4914729; omega = 1 - 3/391 = 0.9923274 -> 0.4877020
    assert cox_index(0.6, 0.4, 50, 50) == pytest.approx((1 - 3 / 391) * 2 * math.log(1.5) / 1.65)
    assert cox_index(0.6, 0.4, 50, 50) == pytest.approx(0.48770197, abs=1e-8)
    assert math.isnan(cox_index(1.0, 0.4, 50, 50))


def test_equivalence_bands():
    assert equivalence_band(0.05) == "satisfied"
    assert equivalence_band(-0.04) == "satisfied"
    assert equivalence_band(0.051) == "requires statistical adjustment"
    assert equivalence_band(-0.25) == "requires statistical adjustment"
    assert equivalence_band(0.2501) == "not satisfied"
    assert equivalence_band(float("nan")) == "not assessed"


def equivalence_survey() -> ma.Survey:
    rows = []
    t_x, t_b = [1, 2, 3, 4, 5], [1, 1, 1, 0, 0]
    c_x, c_b = [2, 3, 4, 5, 6, 7], [1, 1, 0, 0, 0, 0]
    for i, (x, b) in enumerate(zip(t_x, t_b, strict=True)):
        rows += [(f"T{i}", 1, w, "workshop", x, b) for w in ("pre", "post")]
    for i, (x, b) in enumerate(zip(c_x, c_b, strict=True)):
        rows += [(f"C{i}", 2, w, "comparison", x, b) for w in ("pre", "post")]
    rows.append(("T9", 1, "pre", "workshop", 100.0, 1))  # lost: not in the analytic sample
    frame = pd.DataFrame(rows, columns=["resp_id", "village", "wave", "arm", "x", "b"])
    return ma.from_frame(frame, codebook())


def test_baseline_equivalence_by_hand():
    res = baseline_equivalence(equivalence_survey(), ["x", "b"])
    t = res.table.set_index("term")
    # x: workshop mean 3, var 2.5; comparison mean 4.5, var 3.5;
    # s_p^2 = (4 * 2.5 + 5 * 3.5) / 9 = 27.5/9; omega = 1 - 3/(44 - 9) = 32/35
    g = (32 / 35) * (3 - 4.5) / math.sqrt(27.5 / 9)
    assert t.at["x", "estimate"] == pytest.approx(g)
    assert t.at["x", "estimate"] == pytest.approx(-0.7845635, abs=1e-7)
    assert t.at["x", "band"] == "not satisfied"
    assert (t.at["x", "n_treated"], t.at["x", "n_comparison"]) == (5, 6)
    # b: p 3/5 = 0.6 vs 2/6 = 1/3: ln(1.5) - ln(0.5) = ln 3; omega = 32/35
    cox = (32 / 35) * math.log(3) / 1.65
    assert t.at["b", "estimate"] == pytest.approx(cox)
    assert "Cox" in t.at["b", "method"] and "Hedges" in t.at["x", "method"]
    # the baseline sample includes the lost respondent T9 (x = 100)
    base = baseline_equivalence(equivalence_survey(), ["x"], sample="baseline").table
    assert base["n"].iloc[0] == 12 and base["estimate"].iloc[0] > 0
    assert_allclose(res.table["n"], [11, 11])


def test_baseline_equivalence_on_the_sample_with_a_scale():
    s = ma.load_sample()
    res = baseline_equivalence(s, ["gses", "age", "sex"])
    t = res.table.set_index("term")
    assert set(t["band"]) <= {"satisfied", "requires statistical adjustment", "not satisfied"}
    assert t.at["gses", "n"] <= 439 and t.at["age", "n"] == 439
    with pytest.raises(UsageError, match="sample"):
        baseline_equivalence(s, ["age"], sample="all")
    with pytest.raises(UsageError, match="at least one"):
        baseline_equivalence(s, [])


EXPORT_CODEBOOK = """
[survey]
id = "编号"
cluster = "村庄"
wave = "调查轮次"
waves = ["基线", "追踪"]
group = "组别"
treated = "工作坊村"
missing = [98, 99]

[[variable]]
name = "编号"
type = "id"

[[variable]]
name = "村庄"
type = "text"

[[variable]]
name = "调查轮次"
type = "text"

[[variable]]
name = "组别"
type = "text"

[[variable]]
name = "性别"
type = "binary"
values = { 1 = "男", 2 = "女" }

[[variable]]
name = "有养老金"
type = "binary"
values = { 1 = "有", 2 = "无" }

[[variable]]
name = "年龄"
type = "integer"
"""


def write_equivalence_export(tmp_path) -> tuple:
    """A GBK export with Chinese headers; sex coded 1 = 男 / 2 = 女 (answered as text).

    Workshop villages: 7 of 12 women; comparison: 5 of 12.  Everyone in the
    workshop villages has a pension (有 = code 1), so its proportion of 无 is 0.
    Ids lost their leading zeros; one 99 (拒答) age.
    """
    lines = ["编号,村庄,调查轮次,组别,性别,有养老金,年龄"]
    women = {"青山村": 4, "柳树村": 3, "东河村": 2, "石桥村": 3}
    arm = {"青山村": "工作坊村", "柳树村": "工作坊村", "东河村": "对照村", "石桥村": "对照村"}
    rid = 1
    for village, n_women in women.items():
        for i in range(6):
            sex = "女" if i < n_women else "男"
            pension = "有" if arm[village] == "工作坊村" or i % 2 else "无"
            age = "99" if rid == 5 else str(60 + rid)
            for wave in ("基线", "追踪"):
                lines.append(f"{rid},{village},{wave},{arm[village]},{sex},{pension},{age}")
            rid += 1
    return write_gbk_export(tmp_path, "基线.csv", lines, EXPORT_CODEBOOK)


def test_baseline_equivalence_of_a_binary_coded_1_2(tmp_path):
    data, cb = write_equivalence_export(tmp_path)
    survey = ma.read_survey(data, codebook=cb)
    t = baseline_equivalence(survey, ["性别", "有养老金", "年龄"]).table.set_index("term")
    # 性别: proportions of 女 (code 2, the second level) 7/12 and 5/12;
    # ln OR = ln(7/5) - ln(5/7) = 2 ln 1.4 = 0.672944; omega = 1 - 3/(4*24 - 9) = 84/87;
    # d_Cox = 84/87 * 0.672944 / 1.65 = 0.393781.
    assert t.at["性别", "mean_treated"] == pytest.approx(7 / 12)
    assert t.at["性别", "mean_comparison"] == pytest.approx(5 / 12)
    assert t.at["性别", "estimate"] == pytest.approx(84 / 87 * 2 * math.log(1.4) / 1.65)
    assert t.at["性别", "estimate"] == pytest.approx(0.393781, abs=1e-6)
    assert t.at["性别", "band"] == "not satisfied"
    assert "'女' (code 2)" in t.at["性别", "method"]
    assert t.at["性别", "reason"] == ""
    # 有养老金: nobody in the workshop villages lacks one -> not assessed, with the reason.
    assert t.at["有养老金", "band"] == "not assessed"
    assert t.at["有养老金", "mean_treated"] == 0.0
    assert "proportion of '无' is 0 in 工作坊村" in t.at["有养老金", "reason"]
    assert "Cox index is undefined" in t.at["有养老金", "reason"]
    assert t.at["年龄", "n"] == 23 and t.at["年龄", "reason"] == ""  # the 99 is missing
    # every not-assessed row says why
    assert (t.loc[t["band"] == "not assessed", "reason"] != "").all()


def test_binary_coding_follows_the_codebook_levels():
    from types import SimpleNamespace

    from mutualaid_analysis.evaluation.attrition import _binary_coding

    lives_alone = SimpleNamespace(name="独居", values={1: "是", 2: "否"}, levels=None)
    assert _binary_coding(lives_alone, np.array([1.0, 2.0]))[0] == (1.0, 2.0, "否")
    lives_alone.levels = ["否", "是"]  # the codebook says 是 is the "yes" level
    assert _binary_coding(lives_alone, np.array([1.0, 2.0]))[0] == (2.0, 1.0, "是")
    lives_alone.levels = [2, 1]
    assert _binary_coding(lives_alone, np.array([1.0, 2.0]))[0] == (2.0, 1.0, "是")
    unlabelled = SimpleNamespace(name="b", values=None)
    assert _binary_coding(unlabelled, np.array([3.0, 7.0, 3.0]))[0] == (3.0, 7.0, "7")
    coding, reason = _binary_coding(unlabelled, np.array([1.0, 2.0, 3.0]))
    assert coding is None and "3 level(s)" in reason
    coding, reason = _binary_coding(lives_alone, np.array([1.0, 2.0, 5.0]))
    assert coding is None and "takes values 5" in reason


def test_baseline_equivalence_gives_a_reason_for_too_few_values():
    s = equivalence_survey()
    frame = s.data.copy()
    frame.loc[frame["arm"] == "workshop", "x"] = np.where(
        frame.loc[frame["arm"] == "workshop", "resp_id"] == "T0", 1.0, np.nan)
    t = baseline_equivalence(ma.from_frame(frame, codebook()), ["x"]).table.iloc[0]
    assert t["band"] == "not assessed"
    assert "needs at least 2 values of 'x' per arm; workshop has 1" in t["reason"]


def test_attrition_says_when_no_follow_up_id_matched(tmp_path):
    data, cb = write_equivalence_export(tmp_path)
    lines = data.read_bytes().decode("gbk").splitlines()
    # the follow-up rows went through a spreadsheet: ids 1..24 became 1001..1024
    fixed = [lines[0]] + [
        (f"10{int(ln.split(',', 1)[0]):02d}," + ln.split(',', 1)[1])
        if ",追踪," in ln else ln
        for ln in lines[1:]
    ]
    data.write_bytes(("\r\n".join(fixed) + "\r\n").encode("gbk"))
    res = attrition(ma.read_survey(data, codebook=cb))
    assert res.notes[0].startswith("None of the 24 respondents of the follow-up '追踪' "
                                   "matched a baseline id")
    overall = res.table.set_index(["level", "group"]).loc[("respondent", "overall"), "estimate"]
    assert overall == 1.0
    assert not any("matched a baseline id" in n for n in attrition(equivalence_survey()).notes)
