"""Drafting a codebook from a plain CSV/XLSX export, on hand-written fixtures (tests/data)."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main
from mutualaid_analysis.data.codebook import read_codebook
from mutualaid_analysis.data.draft import (
    LIKERT_SCALES,
    CodebookDraftWarning,
    draft_codebook,
    draft_kind,
)
from mutualaid_analysis.exceptions import SurveyValidationError, UsageError

DATA = Path(__file__).resolve().parent / "data"
LONG_CSV = DATA / "export_long_gbk.csv"
LONG_XLSX = DATA / "export_long.xlsx"
CODED_CSV = DATA / "export_coded_gbk.csv"
ZEROS_CSV = DATA / "export_lost_zeros_gbk.csv"
WILLING = {1: "非常不愿意", 2: "不太愿意", 3: "一般", 4: "比较愿意", 5: "非常愿意"}
REL_CARE, FRI_CARE, VIL_CARE = (f"愿意为{c}提供生活照料" for c in ("亲属", "朋友", "其他村民"))
REL_EMO = "愿意为亲属提供精神慰藉（聊天、陪伴）"


def _draft(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cb = draft_codebook(path, **kwargs)
    drafts = [w.message for w in caught if isinstance(w.message, CodebookDraftWarning)]
    others = [w for w in caught if not isinstance(w.message, CodebookDraftWarning)]
    assert not others, [str(w.message) for w in others]
    assert len(drafts) == 1, "the guesses come as one warning"
    return cb, drafts[0]


def _write_gbk(path: Path, text: str) -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    return path


def _row(survey, rid, wave):
    cb = survey.codebook
    data = survey.data
    hit = data[(data[cb.survey.id] == rid) & (data[cb.survey.wave] == wave)]
    assert len(hit) == 1
    return hit.iloc[0]


# --------------------------------------------------------------------------- the fixtures


@pytest.mark.parametrize("path", [LONG_CSV, LONG_XLSX, CODED_CSV, ZEROS_CSV], ids=lambda p: p.name)
def test_drafted_codebook_reads_its_own_file(path, tmp_path):
    cb, _ = _draft(path)
    survey = ma.read_survey(path, codebook=cb)  # on_invalid="raise": no error at all
    assert not (survey.problems["severity"] == "error").any()
    assert survey.n_read == survey.n_analysed + survey.n_excluded
    assert survey.n_excluded == 0
    # The TOML written reads back to the same codebook, which reads the file the same way.
    text = cb.to_toml(tmp_path / "codebook.toml")
    again = read_codebook(tmp_path / "codebook.toml")
    assert again == cb and again.to_toml() == text
    pd.testing.assert_frame_equal(ma.read_survey(path, codebook=again).data, survey.data)


def test_long_export_types_roles_scales(tmp_path):
    cb, warning = _draft(LONG_CSV)
    notes = "\n".join(warning.notes)
    assert "read as a data export" in notes
    s = cb.survey
    assert (s.id, s.cluster, s.wave, s.group) == ("编号", "村名", "调查波次", "组别")
    assert s.waves == ("前测", "后测") and s.treated == "工作坊"
    assert cb["编号"].type == "id"
    assert cb["村名"].type == "category"
    assert cb["村名"].values == {1: "东山村", 2: "西河村", 3: "南岭村", 4: "北坡村"}
    assert cb["组别"].type == "text" and cb["调查波次"].type == "text"
    assert cb["年龄"].type == "integer" and cb["月收入（元）"].type == "integer"
    assert (cb["性别"].type, cb["性别"].values) == ("binary", {0: "男", 1: "女"})
    assert (cb["是否独居"].type, cb["是否独居"].values) == ("binary", {0: "否", 1: "是"})
    assert cb["自评健康"].type == "ordinal"
    assert cb["自评健康"].values == {1: "很差", 2: "较差", 3: "一般", 4: "较好", 5: "很好"}
    assert cb["对本村互助养老服务的满意度"].values[5] == "非常满意"
    assert cb["备注"].type == "text"  # a free-text header is never a category
    # One shared responses scale, named after the wording, for the six items.
    items = cb.willingness_items()
    assert len(items) == 6
    assert {cb[v].responses for v in items.variable} == {"willing5"}
    assert cb.responses["willing5"]["values"] == WILLING
    assert cb.circles == ("relatives", "friends", "villagers")
    assert cb.circle_labels == {"relatives": "亲属", "friends": "朋友", "villagers": "其他村民"}
    assert cb.services == ("daily_care", "emotional_support")
    assert cb[REL_EMO].circle == "relatives" and cb[REL_EMO].service == "emotional_support"
    assert cb[VIL_CARE].circle == "villagers" and cb[VIL_CARE].service == "daily_care"
    # Missing codes: 98/99 found apart from the answers and as text, with their labels.
    assert cb.survey.missing[98] == "不知道" and cb.survey.missing[99] == "拒答"
    assert "survey missing codes guessed" in notes
    # Chinese headers stay the variable names (a codebook name is the column header).
    assert REL_CARE in cb and cb[REL_CARE].label == REL_CARE


def test_long_export_values_read_as_written():
    cb, _ = _draft(LONG_CSV)
    survey = ma.read_survey(LONG_CSV, codebook=cb)
    first = _row(survey, "0101", "前测")  # line 2: 非常愿意, 女, 是, 较差
    assert first[REL_CARE] == 5 and first["性别"] == 1 and first["是否独居"] == 1
    assert first["自评健康"] == 2 and first["村名"] == 1 and first["年龄"] == 67
    # line 3: 98 in a willingness item; line 12: the text 不知道; line 9: NA in 年龄.
    assert pd.isna(_row(survey, "0102", "前测")[FRI_CARE])
    assert pd.isna(_row(survey, "0205", "前测")[REL_EMO])
    assert pd.isna(_row(survey, "0202", "前测")["年龄"])
    counts = survey.missing_counts.set_index(["variable", "wave", "code"])["n"]
    assert counts[(FRI_CARE, "前测", 98)] == 1
    assert counts[(REL_EMO, "前测", 98)] == 1  # the text 不知道, counted as its code
    assert counts[(VIL_CARE, "前测", 99)] == 1 and counts[(VIL_CARE, "后测", 99)] == 1
    assert survey.ledger["panel"].value_counts().to_dict() == {"matched": 44, "baseline_only": 2}


def test_xlsx_export_drafts_the_same_codebook():
    csv_cb, _ = _draft(LONG_CSV)
    xlsx_cb, _ = _draft(LONG_XLSX)
    assert xlsx_cb == csv_cb
    a = ma.read_survey(LONG_CSV, codebook=csv_cb).data
    b = ma.read_survey(LONG_XLSX, codebook=xlsx_cb).data
    pd.testing.assert_frame_equal(a, b)


def test_xlsx_fixture_is_what_the_script_writes():
    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.workbook_bytes() == LONG_XLSX.read_bytes()
    assert module.workbook_bytes() == module.workbook_bytes()


def test_coded_export_numbers_missing_codes_and_circles():
    cb, warning = _draft(CODED_CSV)
    notes = "\n".join(warning.notes)
    items = ["愿意帮家人做家务", "愿意帮邻居做家务", "愿意帮其他村民做家务"]
    for item in items:
        assert (cb[item].type, cb[item].min, cb[item].max) == ("ordinal", 1, 5)
        assert cb[item].service == "chores"
    assert [cb[i].circle for i in items] == ["relatives", "neighbours", "villagers"]
    assert cb.circles == ("relatives", "neighbours", "villagers")
    assert cb.circle_labels["relatives"] == "家人"  # the survey's own word
    assert cb.service_labels == {"chores": "家务帮助"}
    assert {98, 99} <= set(cb.survey.missing)
    # 99 in 年龄 and 98 in an activity count stand apart from the answers: missing.
    assert "年龄: 99 read as missing" in notes
    survey = ma.read_survey(CODED_CSV, codebook=cb)
    counts = survey.missing_counts.set_index(["variable", "code"])["n"]
    assert counts[("年龄", 99)] == 1 and counts[("上月参加互助活动次数", 98)] == 1
    assert pd.isna(_row(survey, "3001", "前测")["年龄"])
    assert _row(survey, "3001", "后测")["年龄"] == 71


def test_lost_leading_zeros_are_noted():
    cb, warning = _draft(ZEROS_CSV)
    note = next(n for n in warning.notes if "leading zeros" in n)
    assert "0101" in note and "101" in note and "pad to 4 digits" in note
    survey = ma.read_survey(ZEROS_CSV, codebook=cb)
    assert survey.ledger["panel"].value_counts().to_dict() == {
        "baseline_only": 6,
        "followup_only": 6,
    }
    # The clean file has leading zeros throughout: nothing to say.
    _, clean = _draft(LONG_CSV)
    assert not any("leading zeros" in n for n in clean.notes)


def test_text_markers_need_no_missing_code():
    # NA in 年龄 and 月收入 are read as missing by every codebook: no code is made up.
    cb, warning = _draft(LONG_CSV)
    assert cb.survey.missing == {98: "不知道", 99: "拒答"}
    assert not any("'NA'" in n for n in warning.notes)
    survey = ma.read_survey(LONG_CSV, codebook=cb)
    counts = survey.missing_counts.set_index(["variable", "code"])["n"]
    assert counts[("年龄", "NA")] == 1 and counts[("月收入（元）", "NA")] == 1


def test_handwritten_codebook_reads_the_exports():
    for path in (LONG_CSV, LONG_XLSX):
        survey = ma.read_survey(path, codebook=DATA / "export_codebook.toml")
        assert survey.n_analysed == 46


# --------------------------------------------------------------------------- data or codebook


def test_shape_decides_data_or_codebook(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("resp_id,village\n1,李家村\n2,王家村\n", encoding="utf-8")
    assert draft_kind(data) == "data export"
    cb, warning = _draft(data)
    assert cb.survey.id == "resp_id" and cb.survey.cluster == "village"
    assert "data.csv read as a data export" in warning.notes[0]
    with pytest.raises(UsageError, match="no 'name' column"):
        draft_codebook(data, kind="codebook")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("name,type,role\nresp_id,id,id\n", encoding="utf-8")
    assert draft_kind(sheet) == "spreadsheet codebook"
    assert draft_kind(sheet, kind="data") == "data export"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clear spreadsheet codebook: nothing guessed
        assert draft_codebook(sheet).survey.id == "resp_id"
    cb, _ = _draft(sheet, kind="data", id="name")
    assert cb.survey.id == "name" and cb["type"].type == "text"
    with pytest.raises(UsageError, match="kind= must be"):
        draft_codebook(sheet, kind="table")


def test_sav_is_never_a_spreadsheet(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(pd.DataFrame({"resp_id": [1.0, 2.0]}), str(path))
    assert draft_kind(path) == "labelled data file"
    with pytest.raises(UsageError, match="not a spreadsheet codebook"):
        draft_codebook(path, kind="codebook")


# --------------------------------------------------------------------------- vocabularies


def test_english_agree_scale_in_order_and_as_spelled(tmp_path):
    path = _write_gbk(
        tmp_path / "en.csv",
        "id,village,q1_agree,q2_agree,helps_friends\n"
        "1,A,Strongly agree,Disagree,Agree\n"
        "2,A,Agree,Neutral,Strongly disagree\n"
        "3,B,Strongly disagree,Agree,NA\n"
        "4,B,Disagree,Strongly agree,Neutral\n",
    )
    cb, _ = _draft(path)
    expected = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree",
                5: "Strongly agree"}  # fmt: skip
    for item in ("q1_agree", "q2_agree", "helps_friends"):
        assert cb[item].type == "ordinal" and cb[item].values == expected
    assert cb["q1_agree"].responses == "agree5"
    assert cb["helps_friends"].circle == "friends" and cb.circles == ("friends",)
    survey = ma.read_survey(path, codebook=cb)
    assert survey.data["q1_agree"].tolist() == [5, 4, 1, 2]


def test_ambiguous_wording_is_noted(tmp_path):
    # "poor" is 1 in poor < fair < ... < excellent but 2 in very poor < poor < ...
    path = _write_gbk(tmp_path / "h.csv", "id,health\n1,Poor\n2,Poor\n3,Poor\n")
    cb, warning = _draft(path)
    assert cb["health"].values[1] == "very poor" and cb["health"].values[2] == "Poor"
    assert any("more than one wording of health5" in n for n in warning.notes)
    assert ma.read_survey(path, codebook=cb).data["health"].tolist() == [2, 2, 2]
    cb, warning = _draft(_write_gbk(tmp_path / "h2.csv", "id,health\n1,poor\n2,excellent\n"))
    assert cb["health"].values[1] == "poor"
    assert not any("more than one wording" in n for n in warning.notes)


def test_ambiguous_answers_take_the_scale_their_header_names(tmp_path):
    path = _write_gbk(
        tmp_path / "amb.csv",
        "编号,生活满意度,身体健康状况\n1,一般,一般\n2,一般,较好\n3,一般,一般\n",
    )
    cb, warning = _draft(path)
    assert cb["生活满意度"].values[5] == "非常满意"  # only 一般 seen: 满意 in the header
    assert cb["身体健康状况"].values[4] == "较好"
    assert any("fit several scales" in n and "satisfied5" in n for n in warning.notes)


def test_given_missing_codes_and_unlabelled_missing_text(tmp_path):
    path = _write_gbk(
        tmp_path / "m.csv",
        "编号,愿意为邻居提供生活照料,每周志愿服务小时数\n"
        "1,比较愿意,98\n2,拒答,120\n3,说不清,3\n4,一般,0\n",
    )
    cb, warning = _draft(path, missing={98: "不知道", 99: "拒答"})
    assert cb.survey.missing == {98: "不知道", 99: "拒答"}
    # 98 hours sits inside 0-120: an answer, so the survey's codes do not apply there.
    assert cb["每周志愿服务小时数"].missing == ()
    assert any("'说不清'" in n and "no missing code has that label" in n for n in warning.notes)
    with pytest.raises(SurveyValidationError) as exc:
        ma.read_survey(path, codebook=cb)
    probs = exc.value.survey.problem_list
    assert [(p.line, p.value, p.rule) for p in probs] == [(4, "说不清", "unknown_label")]


def test_codes_with_leading_zeros_stay_text(tmp_path):
    path = _write_gbk(tmp_path / "z.csv", "编号,村编码,年龄\n1,0101,70\n2,0102,71\n3,0201,72\n")
    cb, warning = _draft(path)
    assert cb["村编码"].type == "text" and cb["年龄"].type == "integer"
    assert any("村编码: numbers written with leading zeros" in n for n in warning.notes)


def test_an_empty_column_is_a_number(tmp_path):
    path = _write_gbk(tmp_path / "e.csv", "编号,年龄,收入\n1,NA,\n2,NA,\n")
    cb, warning = _draft(path)
    assert cb["年龄"].type == "number" and cb["收入"].type == "number"
    assert "年龄: no values at all; drafted as a number." in warning.notes
    assert ma.read_survey(path, codebook=cb).data["年龄"].isna().all()


def test_no_id_column_is_still_a_usage_error(tmp_path):
    path = _write_gbk(tmp_path / "noid.csv", "村名,年龄\n东山村,70\n东山村,71\n")
    with pytest.raises(UsageError, match="respondent id"):
        draft_codebook(path)


# --------------------------------------------------------------------------- invariant

_VARIANTS = [(name, v) for name, _, variants in LIKERT_SCALES for v in variants]


@st.composite
def _exports(draw):
    n = draw(st.integers(4, 14))
    scale_name, wording = draw(st.sampled_from(_VARIANTS))
    villages = draw(
        st.lists(st.sampled_from(["东山村", "西河村", "南岭村", "北坡村", "李家湾"]),
                 min_size=n, max_size=n)
    )  # fmt: skip
    answer = st.one_of(
        st.sampled_from(wording), st.sampled_from(["98", "99", "NA", "不知道", "拒答", ""])
    )
    items = [draw(st.lists(answer, min_size=n, max_size=n)) for _ in range(2)]
    for col in items:  # at least one real answer in each item
        col[draw(st.integers(0, n - 1))] = draw(st.sampled_from(wording))
    ages = draw(st.lists(st.integers(60, 95).map(str) | st.just("NA"), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "编号": [f"{i:04d}" for i in range(1, n + 1)],
            "村名": villages,
            "年龄": ages,
            "愿意为亲属提供生活照料": items[0],
            "愿意为朋友提供生活照料": items[1],
        }
    )
    return scale_name, wording, frame


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_exports())
def test_any_likert_export_reads_back_as_written(tmp_path_factory, example):
    scale_name, wording, frame = example
    path = tmp_path_factory.mktemp("hyp") / "export.csv"
    text = ",".join(frame.columns) + "\n"
    text += "\n".join(",".join(row) for row in frame.itertuples(index=False, name=None)) + "\n"
    _write_gbk(path, text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CodebookDraftWarning)
        cb = draft_codebook(path)
    survey = ma.read_survey(path, codebook=cb)
    assert survey.n_read == len(frame) == survey.n_analysed
    labelled = survey.labelled()
    missing = {"98", "99", "NA", "不知道", "拒答", ""}
    for item in ("愿意为亲属提供生活照料", "愿意为朋友提供生活照料"):
        var = cb[item]
        assert var.type == "ordinal"
        labels = list(var.values.values())
        assert any(labels == list(v) for _, v in _VARIANTS), "a known wording, in its order"
        drawn = sorted({x for x in frame[item] if x not in missing}, key=wording.index)
        assert [labels.index(w) for w in drawn] == sorted(labels.index(w) for w in drawn)
        got = labelled[item].astype(object).where(labelled[item].notna(), None).tolist()
        want = [None if x in missing else x for x in frame[item]]
        assert got == want
    assert labelled["村名"].astype(str).tolist() == frame["村名"].tolist()
    ages = survey.data["年龄"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    want_ages = np.array([np.nan if a == "NA" else float(a) for a in frame["年龄"]])
    np.testing.assert_array_equal(ages, want_ages)


# --------------------------------------------------------------------------- CLI


def test_cli_drafts_from_an_export(tmp_path, capsys):
    out = tmp_path / "codebook.toml"
    argv = ["draft-codebook", str(CODED_CSV), "--out", str(out), "--missing", "98=不知道,99=拒答"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "from a data export" in captured.out
    assert "read as a data export" in captured.err and "circles suggested" in captured.err
    cb = read_codebook(out)
    assert cb.survey.missing[98] == "不知道" and cb.survey.missing[99] == "拒答"
    assert "survey missing codes guessed" not in captured.err  # given, not guessed
    assert main(["validate", str(CODED_CSV), "--codebook", str(out)]) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("98=不知道,99=拒答", {98: "不知道", 99: "拒答"}), ("98, 99", [98, 99]), ("-9", [-9])],
)
def test_cli_missing_option(value, expected, tmp_path, capsys):
    out = tmp_path / "cb.toml"
    argv = ["draft-codebook", str(LONG_CSV), "-o", str(out), "--missing", value]
    assert main(argv) == 0
    cb = read_codebook(out)
    codes = expected if isinstance(expected, list) else list(expected)
    assert list(cb.survey.missing)[: len(codes)] == codes
    if isinstance(expected, dict):
        assert all(cb.survey.missing[c] == lab for c, lab in expected.items())


def test_bare_missing_codes_stay_bare_and_the_text_answers_are_reported():
    cb, warning = _draft(LONG_CSV, missing=[98, 97])
    assert cb.survey.missing == {98: None, 97: None}
    assert any("answers '不知道' read like a missing answer but no missing code has that "
               "label" in n for n in warning.notes)
    survey = ma.read_survey(LONG_CSV, codebook=cb, on_invalid="exclude")
    # 99 and 拒答 are not missing codes now: 99 is an invalid code, 拒答 an unknown
    # label; nor is 不知道, as no code carries that label.
    assert {(p.line, p.rule) for p in survey.problem_list} == {
        (6, "invalid_code"),
        (44, "invalid_code"),
        (12, "unknown_label"),
        (15, "unknown_label"),
    }


@pytest.mark.parametrize("value", ["x=不知道", "98=不知道,99", ","])
def test_cli_bad_missing_is_a_usage_error(value, tmp_path, capsys):
    out = tmp_path / "cb.toml"
    argv = ["draft-codebook", str(LONG_CSV), "-o", str(out), "--missing", value]
    assert main(argv) == 2
    assert "--missing" in capsys.readouterr().err
    assert not out.exists()


def test_cli_kind_codebook_on_data_exits_2(tmp_path, capsys):
    out = tmp_path / "cb.toml"
    assert main(["draft-codebook", str(LONG_CSV), "-o", str(out), "--kind", "codebook"]) == 2
    assert "not a spreadsheet codebook" in capsys.readouterr().err


def test_export_without_rows_is_a_usage_error(tmp_path, capsys):
    path = _write_gbk(tmp_path / "empty.csv", "编号,村名,年龄\n")
    with pytest.raises(UsageError, match="no data rows"):
        draft_codebook(path)
    assert main(["draft-codebook", str(path), "-o", str(tmp_path / "cb.toml")]) == 2
    assert "no data rows" in capsys.readouterr().err


def test_a_count_is_not_a_frequency_scale(tmp_path):
    path = _write_gbk(
        tmp_path / "n.csv", "编号,上月参加互助活动次数,愿意帮邻居做家务\n1,1,2\n2,3,4\n3,5,5\n"
    )
    cb, _ = _draft(path)
    assert cb["上月参加互助活动次数"].type == "integer"
    assert (cb["愿意帮邻居做家务"].type, cb["愿意帮邻居做家务"].max) == ("ordinal", 5)


def test_personal_data_is_text_and_never_in_a_note(tmp_path):
    path = _write_gbk(
        tmp_path / "pii.csv",
        "编号,姓名,联系电话,备用号码,年龄\n"
        "1,张三,0371-6512345,13812345678,70\n"
        "2,李四,0371-6512346,13912345678,71\n"
        "3,张三,0371-6512347,13712345678,72\n"
        "4,李四,0371-6512348,13612345678,73\n",
    )
    cb, warning = _draft(path)
    for col in ("姓名", "联系电话", "备用号码"):
        assert cb[col].type == "text" and cb[col].values is None and cb[col].pii
    text = str(warning)
    for value in ("张三", "李四", "0371", "13812345678", "6512345"):
        assert value not in text and value not in cb.to_toml()
    assert ma.read_survey(path, codebook=cb).data.columns.tolist() == ["编号", "年龄"]


def test_export_sheet_is_chosen_with_sheet(tmp_path):
    path = tmp_path / "two.xlsx"
    raw = pd.read_csv(LONG_CSV, encoding="gbk", dtype=str, keep_default_na=False)
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"说明": ["本文件为测试用导出"]}).to_excel(xw, sheet_name="说明", index=False)
        raw.to_excel(xw, sheet_name="数据", index=False)
    with pytest.raises(UsageError, match="respondent id"):
        draft_codebook(path)  # the first sheet holds no data
    cb, _ = _draft(path, sheet="数据")
    assert cb.survey.id == "编号" and len(cb) == 17
    assert ma.read_survey(path, codebook=cb, sheet="数据").n_analysed == 46
