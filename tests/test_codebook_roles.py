"""Surveys from other hands: unlabelled role columns, text markers of missing values,
binaries coded 1/2, ``treated`` and ``waves`` checked against the data.

The main fixture is a hand-written export as a village survey team sends it:
GBK-encoded CSV, Chinese headers, village names as text, arms 工作坊 / 对照,
waves 前测 / 后测, answers partly as text (比较愿意), R's ``NA``, the missing
codes 98 / 99, ids that lost their leading zeros, a binary coded 1 = 男 / 2 = 女.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from exports import write_gbk_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main

EXPORT = """\
编号,村庄,组别,调查轮次,性别,年龄,亲属照料,朋友照料,村民照料,备注
1,东山村,工作坊,前测,1,67,非常愿意,比较愿意,一般,
2,东山村,工作坊,前测,2,72,5,4,NA,NA
3,东山村,工作坊,前测,2,80,比较愿意,98,2,
4,西河村,工作坊,前测,1,65,5,NA,3,独居
5,西河村,工作坊,前测,2,70,4,4,3,
6,西河村,工作坊,前测,1,NA,5,3,99,
7,南岭村,对照,前测,1,68,4,3,2,
8,南岭村,对照,前测,1,75,5,4,不太愿意,
9,南岭村,对照,前测,2,98,4,NA,NA,
10,北坡村,对照,前测,1,77,比较愿意,3,2,
11,北坡村,对照,前测,2,63,5,4,3,NA
12,北坡村,对照,前测,1,99,4,3,1,
1,东山村,工作坊,后测,1,68,5,4,4,
2,东山村,工作坊,后测,2,72,5,5,3,
3,东山村,工作坊,后测,2,81,4,4,3,
4,西河村,工作坊,后测,1,66,5,4,4,
5,西河村,工作坊,后测,2,71,NA,4,4,
6,西河村,工作坊,后测,1,NA,5,4,3,
7,南岭村,对照,后测,1,69,4,3,2,
8,南岭村,对照,后测,1,75,5,4,2,
9,南岭村,对照,后测,2,98,4,3,2,
10,北坡村,对照,后测,1,78,4,3,2,
11,北坡村,对照,后测,2,64,5,4,3,
12,北坡村,对照,后测,1,99,4,3,2,
"""

CODEBOOK = """\
[survey]
id = "编号"
cluster = "村庄"
wave = "调查轮次"
waves = ["前测", "后测"]
group = "组别"
treated = "工作坊"
missing = { 98 = "不知道", 99 = "拒答" }

[circles]
order = ["relatives", "friends", "villagers"]
labels = { relatives = "亲属", friends = "朋友", villagers = "其他村民" }

[responses.willing5]
values = { 1 = "非常不愿意", 2 = "不太愿意", 3 = "一般", 4 = "比较愿意", 5 = "非常愿意" }

[[variable]]
name = "编号"
type = "id"

[[variable]]
name = "村庄"
type = "category"

[[variable]]
name = "组别"
type = "category"

[[variable]]
name = "调查轮次"
type = "category"
levels = ["前测", "后测"]

[[variable]]
name = "性别"
type = "binary"
values = { 1 = "男", 2 = "女" }

[[variable]]
name = "年龄"
type = "integer"
min = 60
max = 105

[[variable]]
name = "亲属照料"
type = "ordinal"
responses = "willing5"
circle = "relatives"

[[variable]]
name = "朋友照料"
type = "ordinal"
responses = "willing5"
circle = "friends"

[[variable]]
name = "村民照料"
type = "ordinal"
responses = "willing5"
circle = "villagers"

[[variable]]
name = "备注"
type = "text"
"""


def _files(tmp_path: Path, codebook: str = CODEBOOK, data: str = EXPORT) -> tuple[Path, Path]:
    return write_gbk_export(tmp_path, "村调查导出.csv", data, codebook)


@pytest.fixture
def export(tmp_path: Path) -> ma.Survey:
    csv, cb = _files(tmp_path)
    return ma.read_survey(csv, cb)


# ------------------------------------------------------------------ the export validates


def test_unlabelled_roles_validate_and_keep_their_text(export):
    s = export
    assert s.provenance["files"][0]["encoding"].lower() in {"gbk", "gb18030"}
    assert s.problems.empty
    assert (s.n_read, s.n_analysed, s.n_excluded) == (24, 24, 0)
    d = s.data
    assert str(d["村庄"].dtype) == "string" and str(d["组别"].dtype) == "string"
    assert s.codebook["村庄"].sort_levels(d["村庄"]) == ["东山村", "北坡村", "南岭村", "西河村"]
    assert s.waves == ["前测", "后测"]
    assert set(d["组别"]) == {"工作坊", "对照"}
    # ids that lost their leading zeros stay as written; the text column keeps "NA" as text
    assert d["编号"].iloc[:3].tolist() == ["1", "2", "3"]
    assert d["备注"].iloc[1] == "NA" and pd.isna(d["备注"].iloc[0])
    # text answers read as codes, NA / 98 / 99 as missing
    assert d["亲属照料"].iloc[0] == 5 and d["朋友照料"].iloc[0] == 4
    assert pd.isna(d["村民照料"].iloc[1]) and pd.isna(d["年龄"].iloc[5])


def test_missing_counts_count_text_markers_per_marker_and_wave(export):
    mc = export.missing_counts
    assert list(mc.columns) == ["variable", "wave", "code", "label", "n"]
    got = {(r.variable, r.wave, r.code): (r.label, r.n) for r in mc.itertuples()}
    marker = "missing (text marker)"
    assert got == {
        ("年龄", "前测", "NA"): (marker, 1), ("年龄", "后测", "NA"): (marker, 1),
        ("年龄", "前测", 98): ("不知道", 1), ("年龄", "后测", 98): ("不知道", 1),
        ("年龄", "前测", 99): ("拒答", 1), ("年龄", "后测", 99): ("拒答", 1),
        ("亲属照料", "后测", "NA"): (marker, 1),
        ("朋友照料", "前测", "NA"): (marker, 2), ("朋友照料", "前测", 98): ("不知道", 1),
        ("村民照料", "前测", "NA"): (marker, 2), ("村民照料", "前测", 99): ("拒答", 1),
    }
    assert "'NA' missing (text marker) ×7" in export.summary()


def test_binary_coded_1_2_is_0_1_and_baseline_equivalence_assesses_it(export):
    sex = export.data["性别"]
    assert str(sex.dtype) == "Int64" and set(sex) == {0, 1}
    # 1 = 男 -> 0, 2 = 女 -> 1 (the second level is "yes"); the labels follow the 0/1 codes
    assert export.codebook["性别"].values == {0: "男", 1: "女"}
    assert export.labelled()["性别"].iloc[:3].tolist() == ["男", "女", "女"]
    row = ma.baseline_equivalence(export, ["性别"]).table.iloc[0]
    # 工作坊: 3 of 6 women; 对照: 2 of 6.  Cox index (WWC 5.0): omega * ln(OR) / 1.65,
    # omega = 1 - 3 / (4 N - 9) with N = 12, computed here from the closed form.
    p_t, p_c = 3 / 6, 2 / 6
    cox = (1 - 3 / (4 * 12 - 9)) * (math.log(p_t / (1 - p_t)) - math.log(p_c / (1 - p_c))) / 1.65
    assert row["mean_treated"] == pytest.approx(p_t)
    assert row["mean_comparison"] == pytest.approx(p_c)
    assert row["estimate"] == pytest.approx(cox, rel=1e-12)
    assert row["band"] == "not satisfied"


def test_gradient_runs_on_the_export(export):
    table = ma.gradient(export).table
    assert set(table["circle"]) >= {"relatives", "friends", "villagers"}


# ------------------------------------------------------------------ treated and waves


def test_cli_validate_wrong_treated_exits_1_and_names_the_nearest(tmp_path, capsys):
    csv, cb = _files(tmp_path, CODEBOOK.replace('treated = "工作坊"', 'treated = "工作坊村"'))
    assert main(["validate", str(csv), "--codebook", str(cb)]) == 1
    out = capsys.readouterr().out
    assert "[treated_not_in_data]" in out
    assert "treated = '工作坊村'" in out
    assert "the column holds '对照', '工作坊'" in out or "the column holds '工作坊', '对照'" in out
    assert "The nearest is '工作坊'." in out


def test_treated_absent_from_a_one_arm_subset_is_a_warning(tmp_path):
    comparison_only = "\n".join(line for line in EXPORT.splitlines() if "工作坊" not in line)
    csv, cb = _files(tmp_path, data=comparison_only + "\n")
    s = ma.read_survey(csv, cb)
    assert s.problems["rule"].tolist() == ["treated_not_in_data"]
    assert s.problems["severity"].tolist() == ["warning"]
    assert "holds '对照'" in s.problems["message"].iloc[0]


def test_wrong_waves_is_an_error_naming_the_waves_found(tmp_path):
    text = CODEBOOK.replace('waves = ["前测", "后测"]', 'waves = ["pre", "post"]').replace(
        'levels = ["前测", "后测"]\n', "")
    csv, cb = _files(tmp_path, text)
    s = ma.read_survey(csv, cb, on_invalid="exclude")
    found = s.problems[s.problems["rule"] == "wave_not_in_data"]
    assert found["value"].tolist() == ["pre", "post"]
    assert (found["severity"] == "error").all()
    assert "holds '前测', '后测'" in found["message"].iloc[0]
    assert (s.problems["rule"] == "unknown_wave").sum() == 24


def test_a_later_wave_absent_from_a_baseline_file_is_a_warning(tmp_path):
    baseline_only = "\n".join(line for line in EXPORT.splitlines() if "后测" not in line) + "\n"
    csv, cb = _files(tmp_path, data=baseline_only)
    s = ma.read_survey(csv, cb)
    assert s.problems["rule"].tolist() == ["wave_not_in_data"]
    assert s.problems["severity"].tolist() == ["warning"]


def test_labelled_group_and_wave_take_a_code_or_a_label(tmp_path):
    data = EXPORT.replace(",工作坊,", ",1,").replace(",对照,", ",2,")
    data = data.replace(",前测,", ",1,").replace(",后测,", ",2,")
    text = CODEBOOK.replace('name = "组别"\ntype = "category"',
                            'name = "组别"\ntype = "category"\nvalues = { 1 = "工作坊", 2 = "对照" }')
    text = text.replace('type = "category"\nlevels = ["前测", "后测"]',
                        'type = "ordinal"\nvalues = { 1 = "前测", 2 = "后测" }')
    csv, cb = _files(tmp_path, text, data)
    s = ma.read_survey(csv, cb)
    assert s.problems.empty
    assert s.codebook.survey.treated == 1 and s.codebook.survey.waves == (1, 2)
    assert s.waves == [1, 2]
    # written back as the codebook wrote them
    assert 'treated = "工作坊"' in s.codebook.to_toml()
    assert 'waves = ["前测", "后测"]' in s.codebook.to_toml()
    assert ma.baseline_equivalence(s, ["性别"]).table["band"].iloc[0] == "not satisfied"


def test_labelled_group_with_an_unknown_treated_is_a_codebook_error(tmp_path):
    text = CODEBOOK.replace('name = "组别"\ntype = "category"',
                            'name = "组别"\ntype = "category"\nvalues = { 1 = "工作坊", 2 = "对照" }')
    text = text.replace('treated = "工作坊"', 'treated = "工作坊村"')
    _, cb = _files(tmp_path, text)
    with pytest.raises(ma.CodebookError) as info:
        ma.read_codebook(cb)
    (p,) = info.value.problem_list
    assert p.rule == "unknown_treated" and p.key == "survey.treated"
    assert "1 = 工作坊, 2 = 对照" in p.message and "The nearest is '工作坊'." in p.message


# ------------------------------------------------------------------ markers and binaries


def _cb(tmp_path: Path, body: str) -> ma.Codebook:
    path = tmp_path / "cb.toml"
    path.write_text('[survey]\nid = "rid"\n' + body, encoding="utf-8")
    return ma.read_codebook(path)


def test_stata_and_excel_markers_are_missing_and_counted(tmp_path):
    cb = _cb(tmp_path, 'missing_text = ["不详"]\n[[variable]]\nname = "rid"\ntype = "id"\n'
             '[[variable]]\nname = "x"\ntype = "integer"\n'
             '[[variable]]\nname = "y"\ntype = "number"\nmissing_text = ["-"]\n'
             '[[variable]]\nname = "t"\ntype = "text"\n')
    csv = tmp_path / "m.csv"
    csv.write_bytes("rid,x,y,t\nr1,.,-,.\nr2,.a,1.5,NA\nr3,#N/A,NaN,不详\nr4,不详,,\n"
                    "r5,3,不详,x\n".encode("gbk"))
    s = ma.read_survey(csv, cb, on_invalid="exclude")
    # y names its own marker, which replaces the survey's 不详 for it
    assert s.problems["rule"].tolist() == ["not_a_number"]
    assert s.problems["column"].tolist() == ["y"]
    counts = {(r.variable, r.code): r.n for r in s.missing_counts.itertuples()}
    assert counts == {("x", "."): 1, ("x", ".a"): 1, ("x", "#N/A"): 1, ("x", "不详"): 1,
                      ("y", "-"): 1, ("y", "NaN"): 1, ("y", ""): 1}
    assert s.data["t"].tolist()[:3] == [".", "NA", "不详"]


def test_missing_text_rules(tmp_path):
    with pytest.raises(ma.CodebookError) as info:
        _cb(tmp_path, 'missing_text = "NA"\n[[variable]]\nname = "rid"\ntype = "id"\n'
            '[[variable]]\nname = "t"\ntype = "text"\nmissing_text = ["-"]\n')
    assert {(p.rule, p.key) for p in info.value.problem_list} == {
        ("bad_type", "survey.missing_text"), ("not_for_type", "variable 't'.missing_text")}


def test_unlabelled_binary_levels_agree_across_wave_files(tmp_path):
    cb = _cb(tmp_path, 'wave = "wave"\nwaves = ["pre", "post"]\n'
             '[[variable]]\nname = "rid"\ntype = "id"\n'
             '[[variable]]\nname = "wave"\ntype = "text"\n'
             '[[variable]]\nname = "alone"\ntype = "binary"\n')
    pre, post = tmp_path / "pre.csv", tmp_path / "post.csv"
    pre.write_bytes("rid,alone\nr1,是\nr2,否\n".encode("gbk"))
    post.write_bytes("rid,alone\nr1,是\nr2,是\n".encode("gbk"))
    s = ma.read_survey({"pre": pre, "post": post}, cb)
    # natural order of the values of both files: 否 (U+5426) then 是 (U+662F)
    assert s.data["alone"].tolist() == [1, 0, 1, 1]


def test_binary_levels_choose_which_value_is_yes(tmp_path):
    cb = _cb(tmp_path, '[[variable]]\nname = "rid"\ntype = "id"\n'
             '[[variable]]\nname = "a"\ntype = "binary"\nlevels = ["是", "否"]\n'
             '[[variable]]\nname = "b"\ntype = "binary"\nvalues = { 1 = "是", 2 = "否" }\n'
             'levels = ["否", "是"]\n')
    frame = pd.DataFrame({"rid": ["r1", "r2", "r3"], "a": ["是", "否", "有"],
                          "b": [1, 2, "是"]})
    s = ma.from_frame(frame, cb, on_invalid="missing")
    assert s.data["a"].tolist()[:2] == [0, 1] and pd.isna(s.data["a"].iloc[2])
    assert s.data["b"].tolist() == [1, 0, 1]
    assert s.problems["rule"].tolist() == ["invalid_code"]
    assert "give levels" in s.problems["message"].iloc[0]
    assert cb["b"].values == {1: "是", 0: "否"}
    again = ma.Codebook.from_dict(__import__("tomllib").loads(cb.to_toml()))
    assert again == cb and 'values = { 1 = "是", 2 = "否" }' in cb.to_toml()


def test_category_levels_restrict_and_order(tmp_path):
    cb = _cb(tmp_path, 'cluster = "v"\n[[variable]]\nname = "rid"\ntype = "id"\n'
             '[[variable]]\nname = "v"\ntype = "category"\nlevels = ["村2", "村10", "村1"]\n')
    frame = pd.DataFrame({"rid": ["r1", "r2", "r3", "r4"], "v": ["村10", "村1", "村3", "NA"]})
    s = ma.from_frame(frame, cb, on_invalid="exclude")
    assert sorted(s.problems["rule"]) == ["invalid_code", "missing_cluster"]
    assert s.ledger["reason"].tolist() == ["", "", "invalid_code:v", "missing_cluster"]
    assert cb["v"].sort_levels(["村1", "村10", "村2"]) == ["村2", "村10", "村1"]
    assert ma.Codebook.from_dict({"survey": {"id": "r"}, "variable": [
        {"name": "r", "type": "id"}, {"name": "v", "type": "category"}]})["v"].sort_levels(
        ["村10", "村2", "村1"]) == ["村1", "村2", "村10"]


# ------------------------------------------------------------------ the extra-column warning


def test_extra_column_warning_names_no_value(tmp_path):
    data = "".join(line + (",录入员\n" if i == 0 else ",A01\n")
                   for i, line in enumerate(EXPORT.splitlines()))
    csv, cb = _files(tmp_path, data=data)
    s = ma.read_survey(csv, cb)
    (p,) = s.problem_list
    assert p.rule == "extra_column" and p.value is None
    assert "value" not in str(p) and "'录入员'" in str(p)


# ------------------------------------------------------------------ integers: exact or reported

INT_CB = ma.Codebook.from_dict({"survey": {"id": "rid"}, "variable": [
    {"name": "rid", "type": "id"}, {"name": "n", "type": "integer", "min": 0}]})


@pytest.mark.parametrize(("cell", "rule"), [
    ("12345678901234567890123", "value_too_large"),
    (str(2**63), "value_too_large"),
    (str(2**64), "value_too_large"),
    (str(-(2**63)), "value_too_large"),
    (str(2**53 + 1), "value_too_large"),
    ("1e30", "value_too_large"),
    ("1_0", "not_a_number"),
    ("inf", "not_a_number"),
    ("0x10", "not_a_number"),
])
def test_integers_that_cannot_be_held_exactly_are_reported(tmp_path, cell, rule):
    csv = tmp_path / "n.csv"
    csv.write_text(f"rid,n\nr1,1\nr2,{cell}\n", encoding="utf-8")
    s = ma.read_survey(csv, INT_CB, on_invalid="exclude")
    assert s.problems["rule"].tolist() == [rule]
    assert s.problems["line"].tolist() == [3]
    assert s.data["n"].tolist() == [1]


def test_cli_reports_a_23_digit_value_not_a_traceback(tmp_path, capsys):
    csv = tmp_path / "n.csv"
    csv.write_text("rid,n\nr1,1\nr2,12345678901234567890123\n", encoding="utf-8")
    cb = tmp_path / "cb.toml"
    cb.write_text(INT_CB.to_toml(), encoding="utf-8")
    assert main(["validate", str(csv), "--codebook", str(cb)]) == 1
    assert "[value_too_large]" in capsys.readouterr().out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digits=st.from_regex(r"-?[0-9]{1,25}", fullmatch=True), as_file=st.booleans())
def test_digit_strings_parse_exactly_or_are_reported(tmp_path, digits, as_file):
    if as_file:  # pandas infers int64, uint64 or text from the file
        csv = tmp_path / "p.csv"
        csv.write_text(f"rid,n\nr1,{digits}\n", encoding="utf-8")
        s = ma.read_survey(csv, INT_CB, on_invalid="exclude")
    else:
        s = ma.from_frame(pd.DataFrame({"rid": ["r1"], "n": [digits]}), INT_CB,
                          on_invalid="exclude")
    value = int(digits)
    rules = s.problems["rule"].tolist()
    if abs(value) > 2**53:
        assert rules == ["value_too_large"] and s.n_analysed == 0
    elif value < 0:
        assert rules == ["out_of_range"]
    else:
        assert rules == [] and int(s.data["n"].iloc[0]) == value


def test_empty_cells_in_numeric_columns_are_counted(tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("rid,n,m\nr1,,1.5\nr2,3,\nr3,4,\n", encoding="utf-8")
    cb = ma.Codebook.from_dict({"survey": {"id": "rid"}, "variable": [
        {"name": "rid", "type": "id"}, {"name": "n", "type": "integer"},
        {"name": "m", "type": "number"}]})
    s = ma.read_survey(csv, cb)
    counts = {(r.variable, r.code, r.label): r.n for r in s.missing_counts.itertuples()}
    assert counts == {("n", "", "missing (empty cell)"): 1, ("m", "", "missing (empty cell)"): 2}
