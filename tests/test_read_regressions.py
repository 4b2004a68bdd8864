"""Regressions found by fuzzing read_survey, each on a small hand-written export."""

from __future__ import annotations

import pytest
from exports import write_gbk_export

import mutualaid_analysis as ma

CODEBOOK = """
[survey]
id = "编号"
cluster = "村名"
wave = "波次"
waves = ["前测", "后测"]
missing = [98, 99]

[responses.willing5]
values = { 1 = "非常不愿意", 2 = "不太愿意", 3 = "一般", 4 = "比较愿意", 5 = "非常愿意" }

[[variable]]
name = "编号"
type = "id"

[[variable]]
name = "村名"
type = "category"

[[variable]]
name = "波次"
type = "category"

[[variable]]
name = "愿意照料亲属"
type = "ordinal"
responses = "willing5"
"""

ROWS = [
    ("0101", "青山村", "前测", "比较愿意"),
    ("0102", "青山村", "前测", "一般"),
    ("0201", "柳河村", "前测", "非常愿意"),
    ("0202", "柳河村", "前测", "98"),
    ("0101", "青山村", "后测", "非常愿意"),
    ("0201", "柳河村", "后测", "比较愿意"),
]


def _write(tmp_path, rows, *, extra=None, codebook=CODEBOOK, wave=True):
    header = ["编号", "村名", "波次", "愿意照料亲属"]
    if not wave:
        codebook = codebook.replace('wave = "波次"\nwaves = ["前测", "后测"]\n', "")
        codebook = codebook.replace('[[variable]]\nname = "波次"\ntype = "category"\n\n', "")
        header.remove("波次")
        rows = [(r[0], r[1], r[3]) for r in rows]
    if extra:
        header.append(extra[0])
    lines = [",".join(header)]
    for i, row in enumerate(rows):
        lines.append(",".join([*row, *([extra[1][i]] if extra else [])]))
    return write_gbk_export(tmp_path, "问卷.csv", lines, codebook)


def _everything(survey: ma.Survey) -> str:
    return "\n".join([survey.data.to_csv(), survey.problems.to_csv(), survey.ledger.to_csv(),
                      "\n".join(map(str, survey.problem_list)), survey.summary(), repr(survey)])


def test_a_name_of_the_name_column_typed_into_the_id_is_masked_everywhere(tmp_path):
    # 姓名 is an extra column of names; one respondent's name also stands in the id column.
    rows = [list(r) for r in ROWS]
    rows[1][0] = "王秀英"
    names = ["李桂兰", "王秀英", "张建国", "刘玉珍", "李桂兰", "张建国"]
    data, cb = _write(tmp_path, [tuple(r) for r in rows], extra=("姓名", names))
    with pytest.warns(ma.PrivacyWarning, match="'姓名'"):
        survey = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    assert "王秀英" not in _everything(survey)
    led = survey.ledger.set_index("line")
    assert led.at[3, "status"] == "excluded" and "personal_id" in led.at[3, "reason"]
    assert led.at[3, "respondent"] == "王**"
    assert survey.n_read == survey.n_analysed + survey.n_excluded == 6
    # and the refusal of on_invalid="raise" does not quote it either
    with pytest.raises(ma.SurveyValidationError) as err:
        ma.read_survey(data, codebook=cb)
    assert "王秀英" not in str(err.value) and "王秀英" not in _everything(err.value.survey)


def test_a_resident_id_in_the_wave_column_is_masked_in_the_ledger(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][2] = "11010519491231002X"
    data, cb = _write(tmp_path, [tuple(r) for r in rows])
    survey = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    assert "11010519491231002X" not in _everything(survey)
    assert survey.ledger.at[0, "wave"] == "110105********002X"
    assert survey.ledger.at[0, "status"] == "excluded"


def test_a_blank_id_does_not_make_the_first_id_a_duplicate(tmp_path):
    # Without a wave column the first id has key 0, the value a held-back row took.
    rows = [list(r) for r in ROWS[:4]]
    rows[2][0] = ""
    data, cb = _write(tmp_path, [tuple(r) for r in rows], wave=False)
    survey = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    assert "duplicate_id" not in set(survey.problems["rule"])
    assert survey.n_analysed == 3 and survey.n_excluded == 1


def test_true_duplicates_are_still_found_per_wave(tmp_path):
    rows = [*ROWS, ("0101", "青山村", "后测", "一般")]
    data, cb = _write(tmp_path, rows)
    survey = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    dup = survey.problems[survey.problems["rule"] == "duplicate_id"]
    assert sorted(dup["line"]) == [6, 8]
    assert "occurs 2 times in wave '后测'" in dup["message"].iloc[0]


def test_a_lone_carriage_return_ends_a_record_and_the_ledger_counts_it(tmp_path):
    # As the csv module and editors read it: "0102,\\r,..." is two records.
    data, cb = _write(tmp_path, ROWS)
    raw = data.read_bytes().replace("0102,青山村".encode("gbk"), "0102,\r青山村".encode("gbk"))
    data.write_bytes(raw)
    survey = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    assert survey.n_read == 7 == survey.n_analysed + survey.n_excluded
    assert list(survey.ledger["line"]) == [2, 3, 4, 5, 6, 7, 8]
