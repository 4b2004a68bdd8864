"""Surveys from other hands: panel linkage, per-wave files, arms, spreadsheets, encodings, labels.

Every test here reads small hand-written files shaped like real exports
(GBK CSV with Chinese headers, village names and answers as text, ids with
leading zeros, 98/99 missing codes; Excel written by openpyxl; SPSS written
by pyreadstat; Big5 and Latin-1 text).
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.data import readers, survey
from mutualaid_analysis.data.readers import improbable_text, read_raw

HERE = Path(__file__).parent
ROOT = HERE.parent
CB_PATH = HERE / "data" / "codebook_export_zh.toml"
CB = ma.read_codebook(CB_PATH)
HEADER = ["问卷编号", "村庄", "调查轮次", "组别", "年龄", "愿意照料亲属", "愿意照料朋友",
          "愿意照料村民", "电话"]
ANSWERS = ["非常不愿意", "不太愿意", "一般", "比较愿意", "非常愿意", "不知道", "98", "99"]


def export_rows(wave: str, ids: list[str], *, arms: dict[str, str] | None = None) -> list[list]:
    """Rows of a platform export: two villages by name, answers as text or codes."""
    arms = arms or {"青山村": "对照村", "柳树村": "工作坊村"}
    rows = []
    for i, rid in enumerate(ids):
        village = "青山村" if i % 2 == 0 else "柳树村"
        rows.append([rid, village, wave, arms[village], 60 + (7 * i) % 40,
                     ANSWERS[i % 5], ANSWERS[(i + 2) % len(ANSWERS)], ANSWERS[(i + 3) % 5],
                     f"139{i:08d}"])
    return rows


def write_gbk(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    text = "\r\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode("gbk"))
    return path


def rules_of(s) -> list[str]:
    return [p.rule for p in s.problem_list]


# --------------------------------------------------------------------------- panel linkage

PRE_IDS = [f"0{v}{r:03d}" for v in (1, 2) for r in range(1, 7)]  # 01001 ... 02006


def test_followup_ids_that_lost_leading_zeros_are_diagnosed(tmp_path):
    pre = write_gbk(tmp_path / "基线.csv", export_rows("基线", PRE_IDS))
    lost = [rid.lstrip("0") for rid in PRE_IDS[:10]]  # Excel: 01001 -> 1001; 2 lost to follow-up
    post = write_gbk(tmp_path / "追踪.csv", export_rows("追踪", lost))
    s = ma.read_survey({"基线": pre, "追踪": post}, CB)  # warnings only: does not raise
    (p,) = [p for p in s.problem_list if p.rule == "low_panel_match"]
    assert p.severity == "warning"
    assert p.file == "追踪.csv" and p.column == "问卷编号"
    assert p.value == 0.0
    assert "only 0 of 10 respondents (0%)" in p.message
    assert "10 respondents (100%) match once leading zeros are ignored" in p.message
    # the example names both ids with their files and lines
    assert "'01001' in 基线.csv line 2 and '1001' in 追踪.csv line 2" in p.message
    assert "restore them" in p.message and 'type = "integer"' in p.message
    assert set(s.ledger["panel"]) == {"baseline_only", "followup_only"}


def test_the_advice_works_ids_declared_integer_match(tmp_path):
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", PRE_IDS))
    post = write_gbk(tmp_path / "post.csv", export_rows("追踪", [r.lstrip("0") for r in PRE_IDS]))
    raw = CB.to_dict()
    for v in raw["variable"]:
        if v["name"] == "问卷编号":
            v["type"] = "integer"
    s = ma.read_survey([pre, post], ma.Codebook.from_dict(raw))
    assert "low_panel_match" not in rules_of(s)
    assert set(s.ledger["panel"]) == {"matched"}


def test_numeric_versus_text_ids_are_diagnosed(tmp_path):
    coded = [f"V{v:02d}-{r:03d}" for v in (1, 2) for r in range(1, 7)]  # V01-001
    numbers = [str(int(c[1:3]) * 1000 + int(c[4:])) for c in coded]  # 1001
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", coded))
    post = write_gbk(tmp_path / "post.csv", export_rows("追踪", numbers))
    s = ma.read_survey([pre, post], CB)
    (p,) = [p for p in s.problem_list if p.rule == "low_panel_match"]
    assert "12 respondents (100%) match once only their digits are compared" in p.message
    assert "'V01-001' in pre.csv line 2 and '1001' in post.csv line 2" in p.message
    assert 'type = "id"' in p.message


def test_independent_samples_get_the_generic_advice(tmp_path):
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", [f"A{i}" for i in range(8)]))
    post = write_gbk(tmp_path / "post.csv", export_rows("追踪", [f"B{i}" for i in range(8)]))
    (p,) = [p for p in ma.read_survey([pre, post], CB).problem_list
            if p.rule == "low_panel_match"]
    assert "independent samples" in p.message and "leading zeros" not in p.message


def test_ordinary_attrition_does_not_warn(tmp_path):
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", PRE_IDS))
    post = write_gbk(tmp_path / "post.csv", export_rows("追踪", PRE_IDS[:7]))  # 42% attrition
    s = ma.read_survey([pre, post], CB)
    assert "low_panel_match" not in rules_of(s)
    assert s.ledger["panel"].value_counts().to_dict() == {"matched": 14, "baseline_only": 5}


def test_pseudonymised_ids_are_not_quoted(tmp_path):
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", PRE_IDS))
    post = write_gbk(tmp_path / "post.csv", export_rows("追踪", [r.lstrip("0") for r in PRE_IDS]))
    raw = CB.to_dict()
    raw["survey"]["pseudonymise_id"] = True
    s = ma.read_survey([pre, post], ma.Codebook.from_dict(raw),
                       pseudonym_key="a-test-key-that-is-long-enough")
    (p,) = [p for p in s.problem_list if p.rule == "low_panel_match"]
    assert "leading zeros" in p.message
    assert "01001" not in p.message and "'1001'" not in p.message


def _frame(pre_ids: list[str], post_ids: list[str]) -> pd.DataFrame:
    rows = export_rows("基线", pre_ids) + export_rows("追踪", post_ids)
    return pd.DataFrame(rows, columns=HEADER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_pre=st.integers(5, 30), n_post=st.integers(5, 30), n_common=st.integers(0, 30))
def test_warning_fires_exactly_below_half_of_the_smaller_wave(n_pre, n_post, n_common):
    n_common = min(n_common, n_pre, n_post)
    pre = [f"P{i}" for i in range(n_pre)]
    post = pre[:n_common] + [f"Q{i}" for i in range(n_post - n_common)]
    s = ma.from_frame(_frame(pre, post), CB)
    fired = "low_panel_match" in rules_of(s)
    assert fired == (n_common / min(n_pre, n_post) < survey.PANEL_MATCH_THRESHOLD)
    assert s.n_read == s.n_analysed + s.n_excluded


def test_excluded_baseline_rows_are_not_followup_only(tmp_path):
    rows = export_rows("基线", PRE_IDS)
    rows[0][4] = 150  # 01001's baseline age is out of range: that row is excluded
    rows[3][4] = 40   # and 01004's
    pre = write_gbk(tmp_path / "pre.csv", rows)
    post = write_gbk(tmp_path / "post.csv", export_rows("追踪", PRE_IDS + ["03001"]))
    s = ma.read_survey([pre, post], CB, on_invalid="exclude")
    led = s.ledger.set_index(["respondent", "wave"])
    assert led.loc[("01001", "基线"), "status"] == "excluded"
    assert led.loc[("01001", "追踪"), "panel"] == "baseline_excluded"
    assert led.loc[("01004", "追踪"), "panel"] == "baseline_excluded"
    assert led.loc[("03001", "追踪"), "panel"] == "followup_only"  # really new
    counts = s.ledger["panel"].value_counts().to_dict()
    assert counts == {"matched": 20, "baseline_excluded": 2, "followup_only": 1}
    assert "baseline_excluded 2" in s.summary()


# --------------------------------------------------------------------------- per-wave files


def test_per_wave_files_contradicting_their_wave_column(tmp_path):
    w1 = write_gbk(tmp_path / "w1.csv", export_rows("基线", PRE_IDS))
    w2 = write_gbk(tmp_path / "w2.csv", export_rows("追踪", PRE_IDS[:10]))
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.read_survey({"基线": w2, "追踪": w1}, CB)
    probs = info.value.problem_list
    assert {p.rule for p in probs} == {"wave_mismatch"}
    assert len(probs) == 22
    first = next(p for p in probs if p.file == "w2.csv")
    assert (first.line, first.column, first.value, first.respondent) == (2, "调查轮次", "追踪",
                                                                         "01001")
    assert "given as wave '基线'" in first.message and "10 say '追踪' of 10 rows (every row)" \
        in first.message
    s = ma.read_survey({"基线": w2, "追踪": w1}, CB, on_invalid="missing")
    assert s.n_analysed == 0 and s.n_read == s.n_excluded == 22
    assert set(s.ledger["reason"]) == {"wave_mismatch"}
    # the right assignment passes
    ok = ma.read_survey({"基线": w1, "追踪": w2}, CB)
    assert "wave_mismatch" not in rules_of(ok)
    assert [f["wave"] for f in ok.provenance["files"]] == ["基线", "追踪"]


def test_one_row_with_the_wrong_wave_is_the_only_one_held_back(tmp_path):
    rows = export_rows("追踪", PRE_IDS)
    rows[4][2] = "基线"
    post = write_gbk(tmp_path / "post.csv", rows)
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", PRE_IDS))
    s = ma.read_survey([pre, post], CB, on_invalid="exclude")
    (p,) = [p for p in s.problem_list if p.rule == "wave_mismatch"]
    assert (p.file, p.line, p.value) == ("post.csv", 6, "基线")
    assert "1 say '基线' of 12 rows" in p.message and "every row" not in p.message
    assert s.n_excluded == 1


# --------------------------------------------------------------------------- arms


def test_village_with_rows_in_two_arms(tmp_path):
    rows = export_rows("基线", PRE_IDS)
    rows[4][3] = "工作坊村"  # 青山村 is a comparison village; one row says workshop
    path = write_gbk(tmp_path / "pre.csv", rows)
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.read_survey(path, CB)
    (p,) = info.value.problem_list
    assert p.rule == "mixed_arm_village"
    assert (p.line, p.column, p.value, p.respondent) == (6, "组别", "工作坊村", "01005")
    assert "village '青山村 (1)'" in p.message
    assert "'对照村' (5 rows), '工作坊村' (1 row)" in p.message
    assert "pre.csv line 6" in p.message
    s = ma.read_survey(path, CB, on_invalid="missing")  # row-level: excluded in every mode
    assert s.n_excluded == 1 and s.ledger.loc[4, "reason"] == "mixed_arm_village"
    # a whole-row reason, as the ledger's reasons are either a row rule or rule:column
    # (the ledger property found it missing from the row rules)
    from mutualaid_analysis.data.validate import ROW_RULES

    assert "mixed_arm_village" in ROW_RULES and "personal_id" in ROW_RULES


def test_a_group_without_a_treated_arm_is_not_an_arm(tmp_path):
    rows = export_rows("基线", PRE_IDS)
    rows[4][3] = "工作坊村"
    raw = CB.to_dict()
    del raw["survey"]["treated"]
    s = ma.read_survey(write_gbk(tmp_path / "pre.csv", rows), ma.Codebook.from_dict(raw))
    assert "mixed_arm_village" not in rules_of(s)


def test_village_split_evenly_between_arms_holds_back_every_row(tmp_path):
    rows = export_rows("基线", PRE_IDS[:4])  # 青山村: rows 0 and 2
    rows[2][3] = "工作坊村"
    path = write_gbk(tmp_path / "pre.csv", rows)
    s = ma.read_survey(path, CB, on_invalid="exclude")
    probs = [p for p in s.problem_list if p.rule == "mixed_arm_village"]
    assert [p.line for p in probs] == [2, 4]
    assert "none has a majority" in probs[0].message
    assert s.n_analysed == 2


def test_arm_check_spans_waves(tmp_path):
    pre = write_gbk(tmp_path / "pre.csv", export_rows("基线", PRE_IDS))
    post = write_gbk(tmp_path / "post.csv", export_rows(
        "追踪", PRE_IDS, arms={"青山村": "工作坊村", "柳树村": "工作坊村"}))
    s = ma.read_survey([pre, post], CB, on_invalid="exclude")
    probs = [p for p in s.problem_list if p.rule == "mixed_arm_village"]
    # 青山村 is split 6/6 between the waves: all 12 rows are held back
    assert len(probs) == 12 and {p.file for p in probs} == {"pre.csv", "post.csv"}


# --------------------------------------------------------------------------- Excel formulas


def _workbook(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "问卷"
    ws.append(HEADER + ["备注"])
    for r in rows:
        ws.append([*r, ""])
    ws["E4"] = "=60+10"          # 年龄 of the third respondent: a formula, no saved result
    ws["J5"] = '=CONCAT("a","b")'  # a column outside the codebook
    wb.save(path)
    return path


def test_formula_without_saved_result_is_a_problem(tmp_path):
    path = _workbook(tmp_path / "export.xlsx", export_rows("基线", PRE_IDS))
    raw = read_raw(path)
    assert raw.sheet == "问卷"
    assert raw.formulas_without_value == [(2, "年龄", "E4"), (3, "备注", "J5")]
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.read_survey(path, CB)
    probs = [p for p in info.value.problem_list if p.severity == "error"]
    assert [(p.rule, p.line, p.column, p.respondent) for p in probs] == [
        ("formula_without_value", 4, "年龄", "01003")]
    assert "cell E4 of sheet '问卷'" in probs[0].message
    s = ma.read_survey(path, CB, on_invalid="exclude")
    assert s.ledger.loc[2, "reason"] == "formula_without_value:年龄"
    s = ma.read_survey(path, CB, on_invalid="missing")
    assert s.n_analysed == 12 and pd.isna(s.data.loc[2, "年龄"])


def _set_cached(path: Path, out: Path, cell: str, value: str) -> Path:
    """Write the workbook again with a saved result for one formula cell."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>\s*)<v\s*/>'.encode(),
                                  rb"\1<v>" + value.encode() + b"</v>", data)
                assert n == 1
            dst.writestr(item, data)
    return out


def test_formula_with_a_saved_result_is_read_as_its_value(tmp_path):
    path = _workbook(tmp_path / "export.xlsx", export_rows("基线", PRE_IDS))
    fixed = _set_cached(path, tmp_path / "saved.xlsx", "E4", "70")
    raw = read_raw(fixed)
    assert raw.formulas_without_value == [(3, "备注", "J5")]
    s = ma.read_survey(fixed, CB)
    assert "formula_without_value" not in rules_of(s)
    assert s.data.loc[2, "年龄"] == 70


def test_workbook_without_formulas_reports_none(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for r in export_rows("基线", PRE_IDS):
        wb.active.append(r)
    wb.save(tmp_path / "plain.xlsx")
    assert read_raw(tmp_path / "plain.xlsx").formulas_without_value == []


# --------------------------------------------------------------------------- SPSS labels


def _sav(path: Path, labels: dict[int, str]) -> Path:
    df = pd.DataFrame(export_rows("基线", PRE_IDS), columns=HEADER)
    for col in ("愿意照料亲属", "愿意照料朋友", "愿意照料村民"):
        df[col] = [(i % 5) + 1 for i in range(len(df))]
    df["村庄"] = df["村庄"].map({"青山村": 1, "柳树村": 2})
    pyreadstat.write_sav(df, path, variable_value_labels={
        "愿意照料亲属": labels,
        "愿意照料朋友": {k: v for k, v in CB.variables["愿意照料朋友"].values.items()},
        "愿意照料村民": {1: "very unwilling", 2: "rather unwilling", 3: "neutral",
                     4: "rather willing", 5: "very willing", 98: "不知道"},
        "村庄": {1: "青山村", 2: "柳树村"},
    })
    return path


def test_sav_value_labels_that_contradict_the_codebook_warn(tmp_path):
    reversed_ = {1: "非常愿意", 2: "比较愿意", 3: "一般", 4: "不太愿意", 5: "非常不愿意",
                 99: "不适用"}
    path = _sav(tmp_path / "export.sav", reversed_)
    s = ma.read_survey(path, CB)  # a warning: the codebook's codes are used
    probs = [p for p in s.problem_list if p.rule == "value_label_mismatch"]
    assert [(p.column, p.value) for p in probs] == [("愿意照料亲属", c) for c in (1, 2, 4, 5, 99)]
    assert all(p.severity == "warning" and p.file == "export.sav" for p in probs)
    assert ("the file labels code 1 of '愿意照料亲属' '非常愿意', but the codebook labels it "
            "'非常不愿意'") in probs[0].message
    assert "'不适用', but the codebook labels it '拒答'" in probs[-1].message
    # same labels, English labels, missing-code labels: no warning for the other columns
    assert {p.column for p in probs} == {"愿意照料亲属"}


def test_sav_with_the_codebook_labels_does_not_warn(tmp_path):
    path = _sav(tmp_path / "ok.sav", dict(CB.variables["愿意照料亲属"].values))
    assert "value_label_mismatch" not in rules_of(ma.read_survey(path, CB))


def test_dta_value_labels_are_compared_too(tmp_path):
    df = pd.DataFrame({"问卷编号": PRE_IDS, "村庄": [1, 2] * 6, "调查轮次": "基线",
                       "组别": ["对照村", "工作坊村"] * 6, "年龄": 70,
                       "愿意照料亲属": [1, 2, 3, 4, 5, 2] * 2, "愿意照料朋友": 3,
                       "愿意照料村民": 3, "电话": "13900000000"})
    path = tmp_path / "export.dta"
    pyreadstat.write_dta(df, path, variable_value_labels={
        "愿意照料亲属": {0: "非常不愿意", 1: "不太愿意", 2: "一般", 3: "比较愿意", 4: "非常愿意"}})
    s = ma.read_survey(path, CB)  # shifted by one: 1 is 不太愿意 in the file
    probs = [p for p in s.problem_list if p.rule == "value_label_mismatch"]
    assert [p.value for p in probs] == [1, 2, 3, 4]
    assert "'不太愿意', but the codebook labels it '非常不愿意'" in probs[0].message


# --------------------------------------------------------------------------- encodings

BIG5_TEXT = (
    "問卷編號,村莊,組別,年齡,願意照料親屬,備註\r\n"
    "01001,青山村,對照村,85,非常願意,無\r\n"
    "01002,青山村,對照村,64,比較願意,鄰居幫忙\r\n"
    "01003,柳樹村,工作坊村,80,一般,子女在外地\r\n"
    "01004,柳樹村,工作坊村,72,不太願意,獨居\r\n"
)
LATIN1_TEXT = (
    "id,name,city,comment\r\n"
    "1,Müller,Zürich,schön\r\n"
    "2,Jürgen,Köln,Grüße\r\n"
    "3,Björk,Malmöhus,gärtner\r\n"
)


def test_big5_read_as_gb18030_warns_and_names_the_encoding(tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes(BIG5_TEXT.encode("big5"))
    with pytest.warns(ma.TextEncodingWarning, match="decoded as GB18030") as rec:
        raw = read_raw(path)
    assert raw.encoding == "gb18030"
    msg = str(rec[0].message)
    assert "encoding='big5'" in msg and "--encoding" in msg
    assert raw.encoding_warning == msg
    # no mojibake quoted: it is the text itself, re-encoded
    assert "青山" not in msg and raw.frame.iloc[0, 1] not in msg
    good = read_raw(path, encoding="big5")  # and the advice works, silently
    assert good.encoding_warning is None and good.frame["村莊"].tolist()[0] == "青山村"


BIG5_CB = ma.Codebook.from_dict({"survey": {"id": "id"}, "variable": [
    {"name": "id", "type": "id"},
    {"name": "will", "type": "ordinal", "values": {
        1: "非常不願意", 2: "不太願意", 3: "一般", 4: "比較願意", 5: "非常願意"}}]})


def test_big5_answers_through_read_survey_name_the_encoding_first(tmp_path):
    path = tmp_path / "big5.csv"
    answers = ["非常願意", "比較願意", "一般", "不太願意"] * 5
    path.write_bytes(("id,will\r\n" + "".join(f"{i:05d},{a}\r\n" for i, a in enumerate(answers)))
                     .encode("big5"))
    with pytest.warns(ma.TextEncodingWarning):
        s = ma.read_survey(path, BIG5_CB, on_invalid="exclude")
    assert s.n_excluded == 20  # every answer is mojibake ...
    first = s.problem_list[0]  # ... and the first problem says why
    assert (first.rule, first.severity, first.value) == ("suspect_encoding", "warning", "gb18030")
    assert first.message.startswith("big5.csv was decoded as GB18030")
    assert "encoding='big5'" in first.message
    assert str(tmp_path) not in first.message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = ma.read_survey(path, BIG5_CB, encoding="big5")
    assert "suspect_encoding" not in rules_of(again)
    assert again.data["will"].tolist() == [5, 4, 3, 2] * 5


def test_big5_headers_that_match_nothing_still_name_the_encoding(tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes(BIG5_TEXT.encode("big5"))
    cb = ma.Codebook.from_dict({"survey": {"id": "問卷編號"},
                                "variable": [{"name": "問卷編號", "type": "id"}]})
    with pytest.warns(ma.TextEncodingWarning), pytest.raises(ma.SurveyValidationError) as info:
        ma.read_survey(path, cb, on_invalid="exclude")
    assert [p.rule for p in info.value.problem_list] == ["suspect_encoding", "missing_column"]


def test_latin1_that_is_valid_gb18030_warns(tmp_path):
    path = tmp_path / "latin1.csv"
    data = LATIN1_TEXT.encode("latin-1")
    data.decode("gb18030")  # the point: these bytes are valid GB18030
    path.write_bytes(data)
    with pytest.warns(ma.TextEncodingWarning, match="cp1252") as rec:
        read_raw(path)
    assert "100%" in str(rec[0].message)
    assert read_raw(path, encoding="latin-1").frame["name"].tolist()[0] == "Müller"


def test_sample_gb18030_export_does_not_warn():
    path = ROOT / "data" / "sample" / "village_export_gb18030.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raw = read_raw(path)
    assert raw.encoding == "gb18030" and raw.encoding_warning is None
    n, bad = improbable_text(path.read_bytes().decode("gb18030"))
    assert n > 8000 and bad == 0


def test_ordinary_chinese_text_is_far_below_the_threshold(tmp_path):
    """The same measure on the UTF-8 Chinese text of this repository (codebooks, docs, code)."""
    text = "".join(p.read_text(encoding="utf-8")
                   for pattern in ("data/sample/village_survey.csv", "data/sample/*.toml", "docs/*.md",
                                   "tests/data/*.toml", "mutualaid_analysis/**/*.py")
                   for p in sorted(ROOT.glob(pattern)))
    # Box drawing is improbable by design (other encodings misread as GB18030
    # produce it); the repository's only use of it is a directory tree in
    # docs/design.md, which is not Chinese text.
    text = "".join(ch for ch in text if not "\u2500" <= ch <= "\u257f")
    n, bad = improbable_text(text)
    assert n > 5000 and bad / n < readers.IMPROBABLE_SHARE / 10
    # and as a GBK file with rare but real characters in names (堃, 喆, 玥 are not GB2312)
    rows = export_rows("基线", PRE_IDS)
    rows[0][8], rows[1][8] = "王堃", "李喆玥"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raw = read_raw(write_gbk(tmp_path / "rare.csv", rows))
    assert raw.encoding == "gb18030" and raw.encoding_warning is None


def test_symbols_alone_do_not_warn(tmp_path):
    """A GBK file whose only non-ASCII text is punctuation, Greek or math is not suspect."""
    path = tmp_path / "symbols.csv"
    path.write_bytes("id,note\r\n1,α—β·2²\r\n2,±5%～10%\r\n".encode("gb18030"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raw = read_raw(path)
    assert raw.encoding == "gb18030" and raw.encoding_warning is None
    assert improbable_text("α—β·2²±～") == (7, 0)
    assert improbable_text("\ue000ア뷁Ж┌堃") == (6, 6)


def test_utf8_files_are_never_checked(tmp_path):
    path = tmp_path / "trad.csv"
    path.write_text(BIG5_TEXT, encoding="utf-8")  # Traditional Chinese, correctly UTF-8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_raw(path).encoding_warning is None


def test_a_given_encoding_that_fails_names_the_detected_one(tmp_path):
    path = write_gbk(tmp_path / "gbk.csv", export_rows("基线", PRE_IDS))
    with pytest.raises(ma.DataFileError, match=r"cannot be decoded as utf-8 \(the encoding "
                       r"given\).*would be read as gb18030 \(the detected encoding\)"):
        read_raw(path, encoding="utf-8")


def test_undecodable_file_names_what_was_tried_and_what_fits(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\r\n1,José,\r\n".encode("latin-1"))
    with pytest.raises(ma.DataFileError, match=r"neither UTF-8 .* nor GB18030/GBK .* the "
                       r"encodings detected without encoding=.*cp1252"):
        read_raw(path)


def test_cli_validate_shows_the_encoding_problem_first(tmp_path):
    cb = tmp_path / "cb.toml"
    cb.write_text('[survey]\nid = "問卷編號"\n\n[[variable]]\nname = "問卷編號"\ntype = "id"\n\n'
                  '[[variable]]\nname = "願意照料親屬"\ntype = "ordinal"\nvalues = { 1 = "非常不願意", '
                  '2 = "不太願意", 3 = "一般", 4 = "比較願意", 5 = "非常願意" }\n', encoding="utf-8")
    data = tmp_path / "big5.csv"
    data.write_bytes(BIG5_TEXT.encode("big5"))
    out = subprocess.run([sys.executable, "-m", "mutualaid_analysis", "validate", str(data),
                          "--codebook", str(cb)], capture_output=True, text=True,
                         encoding="utf-8", cwd=ROOT, check=False)
    assert out.returncode == 1
    # the header is garbled too, so validation stops at the missing id column (on stderr)
    listed = [ln for ln in (out.stdout + out.stderr).splitlines() if re.match(r"\s+\d+\. ", ln)]
    assert "[suspect_encoding]" in listed[0] and "encoding='big5'" in listed[0]


def test_ledger_identity_holds_with_every_new_rule(tmp_path):
    rows = export_rows("基线", PRE_IDS)
    rows[4][3] = "工作坊村"
    pre = write_gbk(tmp_path / "pre.csv", rows)
    post_rows = export_rows("追踪", [r.lstrip("0") for r in PRE_IDS])
    post_rows[0][2] = "基线"
    post = write_gbk(tmp_path / "post.csv", post_rows)
    for mode in ("exclude", "missing"):
        s = ma.read_survey([pre, post], CB, on_invalid=mode)
        assert s.n_read == s.n_analysed + s.n_excluded == 24
        assert {"mixed_arm_village", "wave_mismatch", "low_panel_match"} <= set(rules_of(s))
        assert np.all(s.ledger.loc[s.ledger["status"] == "analysed", "panel"].notna())
