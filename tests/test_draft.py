"""Drafting a codebook from SPSS/Stata labels and from spreadsheet codebooks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pyreadstat = pytest.importorskip("pyreadstat")

from mutualaid_analysis.cli.main import main  # noqa: E402
from mutualaid_analysis.data.codebook import read_codebook  # noqa: E402
from mutualaid_analysis.data.draft import (  # noqa: E402
    CodebookDraftWarning,
    _parse_values,
    draft_codebook,
)
from mutualaid_analysis.exceptions import CodebookError, MutualAidWarning, UsageError  # noqa: E402

WILLING = {1: "非常不愿意", 2: "不太愿意", 3: "一般", 4: "比较愿意", 5: "非常愿意"}
MISSING = {98: "不知道", 99: "拒答"}
ITEMS = ["will_rel_care", "will_fri_care", "will_vil_care"]
VILLAGES = {1: "李家村", 2: "王家村", 3: "张家村"}


def _frame(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "resp_id": np.arange(101, 101 + n, dtype=float),
            "village": np.resize([1.0, 2.0, 3.0], n),
            **{item: rng.integers(1, 6, n).astype(float) for item in ITEMS},
            "female": np.resize([0.0, 1.0], n),
            "age": rng.integers(60, 95, n).astype(float),
            "income": rng.normal(1500, 200, n).round(2),
            "remark": ["身体还行"] * n,
            "phone": [f"1381234{i:04d}" for i in range(n)],
        }
    )
    df.loc[0, "will_rel_care"] = 98
    df.loc[1, "will_fri_care"] = 99
    df.loc[2, "age"] = 98  # a real 98-year-old: must not become missing
    return df


LABELS = {
    "resp_id": "问卷编号",
    "village": "村庄",
    "will_rel_care": "愿意为亲属提供生活照料",
    "will_fri_care": "愿意为朋友提供生活照料",
    "will_vil_care": "愿意为其他村民提供生活照料",
    "female": "是否女性",
    "age": "年龄",
    "income": "月收入",
    "remark": "备注",
    "phone": "联系电话",
}


def _value_labels(with_missing: bool) -> dict[str, dict[int, str]]:
    scale = {**WILLING, **MISSING} if with_missing else dict(WILLING)
    out: dict[str, dict[int, str]] = {item: scale for item in ITEMS}
    out["village"] = VILLAGES
    out["female"] = {0: "男", 1: "女"}
    return out


@pytest.fixture
def sav(tmp_path):
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        _frame(),
        str(path),
        column_labels=LABELS,
        variable_value_labels=_value_labels(with_missing=True),
        missing_ranges={item: [98, 99] for item in ITEMS},
        variable_measure={"village": "nominal", **dict.fromkeys(ITEMS, "ordinal")},
    )
    return path


@pytest.fixture
def dta(tmp_path):
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(
        _frame(),
        str(path),
        column_labels=LABELS,
        variable_value_labels=_value_labels(with_missing=True),
    )
    return path


def _draft(path, **kwargs):
    with pytest.warns(CodebookDraftWarning) as record:
        cb = draft_codebook(path, **kwargs)
    drafts = [w.message for w in record if isinstance(w.message, CodebookDraftWarning)]
    assert len(drafts) == 1, "the guesses come as one warning"
    return cb, drafts[0]


def _round_trip(cb, tmp_path):
    text = cb.to_toml(tmp_path / "codebook.toml")
    again = read_codebook(tmp_path / "codebook.toml")
    assert again == cb
    assert again.to_toml() == text
    return text


# --------------------------------------------------------------------------- SPSS / Stata


@pytest.mark.parametrize("fixture", ["sav", "dta"])
def test_labelled_file_types_roles_and_round_trip(fixture, request, tmp_path):
    path = request.getfixturevalue(fixture)
    cb, warning = _draft(path)

    types = {name: v.type for name, v in cb.variables.items()}
    assert types == {
        "resp_id": "id",
        "village": "category",
        "will_rel_care": "ordinal",
        "will_fri_care": "ordinal",
        "will_vil_care": "ordinal",
        "female": "binary",
        "age": "integer",
        "income": "number",
        "remark": "text",
        "phone": "text",
    }
    assert cb.survey.id == "resp_id"
    assert cb.survey.cluster == "village"
    assert cb["village"].values == VILLAGES
    assert cb["will_rel_care"].label == "愿意为亲属提供生活照料"
    assert cb["will_rel_care"].label_en is None

    # The shared 1-5 scale is written once, without the missing codes.
    assert list(cb.responses) == ["will"]
    assert cb.responses["will"]["values"] == WILLING
    assert all(cb[item].responses == "will" and cb[item].values == WILLING for item in ITEMS)
    assert cb["female"].responses is None and cb["female"].values == {0: "男", 1: "女"}

    # 98/99 are survey-wide missing codes with their labels; age keeps its 98.
    assert cb.survey.missing == MISSING
    assert cb.missing_codes("will_rel_care") == (98, 99)
    assert cb["age"].missing == ()

    assert cb.pii_columns == ["phone"]

    notes = "\n".join(warning.notes)
    assert isinstance(warning, MutualAidWarning)
    assert "respondent id column guessed: 'resp_id'" in notes
    assert "cluster column guessed: 'village'" in notes
    assert "phone: marked pii = true" in notes
    assert "[responses.will]" in notes
    assert "age:" in notes and "missing = []" in notes
    if fixture == "dta":
        # No user-missing in Stata: the labels 不知道/拒答 apart from the scale are guessed.
        assert "code 98 (不知道) read as a missing code" in notes
        assert "Stata has none" in notes
    assert str(warning).count("\n  - ") == len(warning.notes)

    text = _round_trip(cb, tmp_path)
    assert 'missing = { 98 = "不知道", 99 = "拒答" }' in text
    assert "[responses.will]" in text


def test_sav_measure_levels_decide_the_type(tmp_path):
    """Nominal consecutive codes stay category; an ordinal pair stays ordinal."""
    df = pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0],
            "job": [1.0, 2.0, 3.0],
            "health": [1.0, 2.0, 2.0],
            "edu": [1.0, 2.0, 3.0],
        }
    )
    path = tmp_path / "m.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        variable_value_labels={
            "job": {1: "务农", 2: "务工", 3: "无业"},
            "health": {1: "差", 2: "好"},
            "edu": {1: "小学", 2: "初中", 3: "高中"},
        },
        variable_measure={"job": "nominal", "health": "ordinal"},
    )
    cb, warning = _draft(path, cluster="job")
    assert cb["job"].type == "category"
    assert cb["health"].type == "ordinal"
    assert cb["edu"].type == "ordinal"
    assert "type ordinal inferred from the value-label codes" in str(warning)
    assert "edu" in str(warning) and "health" not in "".join(
        n for n in warning.notes if "inferred" in n
    )
    _round_trip(cb, tmp_path)


def test_per_variable_missing_when_codes_differ(tmp_path):
    df = pd.DataFrame(
        {
            "resp_id": [1.0, 2.0, 3.0, 4.0],
            "a1": [1.0, 2.0, 98.0, 3.0],
            "a2": [1.0, 99.0, 2.0, 3.0],
            "b1": [1.0, 2.0, -9.0, 3.0],
        }
    )
    path = tmp_path / "mix.sav"
    scale = {1: "低", 2: "中", 3: "高"}
    pyreadstat.write_sav(
        df,
        str(path),
        variable_value_labels={
            "a1": {**scale, **MISSING},
            "a2": {**scale, **MISSING},
            "b1": {**scale, -9: "不适用"},
        },
        missing_ranges={"a1": [98, 99], "a2": [98, 99], "b1": [-9]},
    )
    cb, warning = _draft(path)
    assert cb.survey.missing == MISSING  # the set most variables share
    assert cb["a1"].missing is None and cb["a1"].responses is not None
    assert cb["b1"].missing == (-9,)
    assert cb["b1"].values == scale
    assert (
        "b1: missing = [-9] of its own (the survey's differ); a variable's missing codes carry no labels (-9=不适用)"
        in str(warning)
    )
    _round_trip(cb, tmp_path)


def test_missing_argument_overrides_the_file(sav, tmp_path):
    cb, _ = _draft(sav, missing=[98, 99, -9])
    assert cb.survey.missing == {98: None, 99: None, -9: None}
    # The items declare only 98 and 99 in the file: that is their own list.
    assert cb["will_rel_care"].missing == (98, 99)
    _round_trip(cb, tmp_path)


def test_roles_from_arguments_and_treated_label(tmp_path):
    df = pd.DataFrame(
        {
            "qid": [1.0, 2.0, 1.0, 2.0],
            "cun": [1.0, 1.0, 1.0, 1.0],
            "round": [1.0, 1.0, 2.0, 2.0],
            "arm": [1.0, 0.0, 1.0, 0.0],
            "name": ["张三", "李四", "张三", "李四"],
        }
    )
    path = tmp_path / "panel.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels={"name": "姓名"},
        variable_value_labels={
            "cun": {1: "李家村"},
            "round": {1: "前测", 2: "后测"},
            "arm": {0: "对照", 1: "工作坊"},
        },
    )
    cb, warning = _draft(path, id="qid", group="arm", treated="工作坊")
    assert cb.roles == {"id": "qid", "cluster": "cun", "wave": "round", "group": "arm"}
    assert cb.survey.waves == (1, 2)
    assert cb.survey.treated == 1
    assert cb["round"].type == "category"
    assert cb["name"].pii
    notes = "\n".join(warning.notes)
    assert "wave column guessed: 'round'" in notes
    assert "waves guessed from its labelled codes: [1, 2]" in notes
    assert "treated = '工作坊' is the label of code 1" in notes
    assert "respondent id" not in notes  # given, not guessed
    _round_trip(cb, tmp_path)

    # Without id=, the id must be unique within a wave: qid is, with round as the wave.
    cb2, warning2 = _draft(path)
    assert cb2.survey.id == "qid"
    assert "unique within each wave" in str(warning2)
    assert cb2.survey.treated == 1 and "treated guessed: 1 (工作坊)" in str(warning2)


def test_no_id_column_is_a_usage_error(tmp_path):
    path = tmp_path / "noid.sav"
    pyreadstat.write_sav(pd.DataFrame({"x": [1.0, 1.0], "y": [2.0, 3.0]}), str(path))
    with pytest.raises(UsageError, match="pass id=|Pass id="):
        draft_codebook(path)
    with pytest.raises(UsageError, match="Did you mean 'x'"):
        draft_codebook(path, id="xx")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "survey.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(UsageError, match=r"\.sav.*\.dta.*\.csv.*\.xlsx"):
        draft_codebook(path)
    with pytest.raises(UsageError, match="as .xlsx"):
        draft_codebook(tmp_path / "old.xls")


def test_csv_data_file_is_not_a_codebook(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("resp_id,village\n1,李家村\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no 'name' column"):
        draft_codebook(path, kind="codebook")
    cb, warning = _draft(path)  # by its shape: a data export, drafted as such
    assert "read as a data export" in str(warning)
    assert cb.survey.id == "resp_id" and cb["village"].values == {1: "李家村"}


# --------------------------------------------------------------------------- spreadsheets


SHEET_ROWS = [
    {"name": "resp_id", "type": "id", "role": "id"},
    {"name": "village", "type": "text", "label": "村庄", "role": "cluster"},
    {
        "name": "will_rel_care",
        "type": "ordinal",
        "label": "愿意为亲属提供生活照料",
        "label_en": "Willing to give daily care to relatives",
        "values": "1=非常不愿意; 2=不太愿意; 3=一般; 4=比较愿意; 5=非常愿意",
        "circle": "relatives",
        "service": "daily_care",
    },
    {
        "name": "will_fri_care",
        "type": "ordinal",
        "values": "1=非常不愿意；2=不太愿意；3=一般；4=比较愿意；5=非常愿意",
        "circle": "friends",
    },
    {
        "name": "will_vil_care",
        "type": "ordinal",
        "values": "1:非常不愿意, 2:不太愿意, 3:一般, 4:比较愿意, 5:非常愿意",
        "circle": "villagers",
        "missing": "98; 99",
    },
    {
        "name": "gses_01",
        "type": "ordinal",
        "responses": "gses4",
        "values": "1=完全不正确; 2=有点正确; 3=多数正确; 4=完全正确",
        "scale": "gses",
        "reverse": "否",
    },
    {"name": "gses_02", "type": "ordinal", "responses": "gses4", "scale": "gses", "reverse": "是"},
    {"name": "age", "type": "integer", "min": "60", "max": "110", "missing": "none"},
    {"name": "phone", "type": "text", "pii": "1"},
]


def _check_sheet_codebook(cb):
    assert cb.survey.id == "resp_id" and cb.survey.cluster == "village"
    assert cb.circles == ("relatives", "friends", "villagers")
    for item in ("will_rel_care", "will_fri_care", "will_vil_care"):
        assert cb[item].values == WILLING
        assert cb[item].responses == "will"
    assert cb["will_rel_care"].label_en == "Willing to give daily care to relatives"
    assert cb["will_rel_care"].service == "daily_care"
    assert cb["will_vil_care"].missing == (98, 99)
    assert cb["gses_02"].responses == "gses4" and cb["gses_02"].reverse
    assert cb["gses_01"].reverse is False and cb.scale_names() == ["gses"]
    assert (cb["age"].min, cb["age"].max, cb["age"].missing) == (60, 110, ())
    assert cb.pii_columns == ["phone"]
    assert cb.survey.missing == MISSING


def test_csv_spreadsheet_codebook(tmp_path):
    path = tmp_path / "codebook.csv"
    pd.DataFrame(SHEET_ROWS).to_csv(path, index=False)
    cb, warning = _draft(path, missing=MISSING)
    _check_sheet_codebook(cb)
    notes = "\n".join(warning.notes)
    assert "circle order taken from first appearance" in notes
    assert "[responses.will]" in notes
    _round_trip(cb, tmp_path)

    # With circles= nothing about the circles is guessed.
    cb2, warning2 = _draft(path, missing=MISSING, circles=["relatives", "friends", "villagers"])
    assert cb2 == cb
    assert "circle order" not in str(warning2)


def test_gbk_csv_spreadsheet_codebook(tmp_path):
    path = tmp_path / "codebook_gbk.csv"
    pd.DataFrame(SHEET_ROWS).to_csv(path, index=False, encoding="gb18030")
    cb, _ = _draft(path, missing=MISSING)
    _check_sheet_codebook(cb)


def test_xlsx_spreadsheet_codebook_with_survey_and_responses_sheets(tmp_path):
    path = tmp_path / "codebook.xlsx"
    rows = [dict(r) for r in SHEET_ROWS]
    for r in rows:
        if r["name"] == "gses_01":
            del r["values"]  # defined in the responses sheet instead
    survey = pd.DataFrame(
        {
            "key": ["title", "missing", "circles", "circle_labels", "waves"],
            "value": [
                "互助养老调查",
                "98=不知道; 99=拒答",
                "relatives; friends; villagers",
                "relatives=亲属; friends=朋友; villagers=其他村民",
                "pre; post",
            ],
        }
    )
    responses = pd.DataFrame(
        {"name": ["gses4"], "values": ["1=完全不正确; 2=有点正确; 3=多数正确; 4=完全正确"]}
    )
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame(rows).to_excel(xw, sheet_name="variables", index=False)
        survey.to_excel(xw, sheet_name="survey", index=False)
        responses.to_excel(xw, sheet_name="responses", index=False)
    with pytest.warns(CodebookDraftWarning) as record:
        cb = draft_codebook(path)
    _check_sheet_codebook(cb)
    assert cb.survey.title == "互助养老调查"
    assert cb.survey.waves == ("pre", "post")
    assert cb.circle_labels["villagers"] == "其他村民"
    assert "circle order" not in str(record[0].message)  # given by the survey sheet
    _round_trip(cb, tmp_path)


def test_chinese_headers_and_types(tmp_path):
    path = tmp_path / "中文.csv"
    pd.DataFrame(
        {
            "变量名": ["编号", "性别"],
            "类型": ["编号", "二分类"],
            "值标签": ["", "0=男, 1=女"],
            "角色": ["id", ""],
        }
    ).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing guessed, so no warning
        cb = draft_codebook(path)
    assert cb.survey.id == "编号"
    assert cb["性别"].type == "binary" and cb["性别"].values == {0: "男", 1: "女"}
    _round_trip(cb, tmp_path)


def _bad_rows():
    rows = [dict(r) for r in SHEET_ROWS]
    rows[2]["values"] = "1=非常不愿意; 2 不太愿意; x=3"  # line 4
    rows[3]["type"] = "ordinl"  # line 5
    rows[6]["reverse"] = "maybe"  # line 8
    rows[7]["min"] = "sixty"  # line 9
    rows.append({"name": "age", "type": "integer"})  # line 11: duplicate
    rows.append({"name": "x", "type": "category", "responses": "nope"})  # line 12
    return rows


def _check_bad(exc, file):
    probs = exc.value.problem_list
    got = {(p.line, p.column, p.rule) for p in probs}
    assert (4, "values", "bad_values") in got
    assert (5, "type", "bad_type") in got
    assert (8, "reverse", "bad_boolean") in got
    assert (9, "min", "bad_number") in got
    assert (11, "name", "duplicate_name") in got
    assert (12, "responses", "unknown_responses") in got
    assert all(p.file == file for p in probs)
    # Consequences of an unreadable cell are not reported twice.
    assert not any(p.line == 4 and p.rule == "missing_key" for p in probs)
    msg = str(exc.value)
    assert "'2 不太愿意' is not CODE=LABEL" in msg and "'x=3' is not CODE=LABEL" in msg
    assert "Did you mean 'ordinal'?" in msg
    assert [p.line for p in probs] == sorted(p.line for p in probs)


def test_csv_spreadsheet_problems_all_at_once(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame(_bad_rows()).to_csv(path, index=False)
    with pytest.raises(CodebookError) as exc:
        draft_codebook(path)
    _check_bad(exc, "bad.csv")
    assert "first on line 9" in str(exc.value)


def test_xlsx_spreadsheet_problems_all_at_once(tmp_path):
    path = tmp_path / "bad.xlsx"
    pd.DataFrame(_bad_rows()).to_excel(path, index=False)
    with pytest.raises(CodebookError) as exc:
        draft_codebook(path)
    _check_bad(exc, "bad.xlsx")
    assert "first on row 9" in str(exc.value)


def test_spreadsheet_header_problems(tmp_path):
    path = tmp_path / "hdr.csv"
    pd.DataFrame({"name": ["resp_id"], "typ": ["id"], "role": ["id"]}).to_csv(path, index=False)
    with pytest.raises(CodebookError) as exc:
        draft_codebook(path)
    rules = {(p.line, p.rule) for p in exc.value.problem_list}
    assert (1, "unknown_column") in rules and (1, "missing_column") in rules
    assert "Did you mean 'type'?" in str(exc.value)


def test_spreadsheet_without_id_role(tmp_path):
    path = tmp_path / "noid.csv"
    pd.DataFrame({"name": ["a"], "type": ["integer"]}).to_csv(path, index=False)
    with pytest.raises(CodebookError, match="role = id"):
        draft_codebook(path)
    cb = draft_codebook(path, id="a")
    assert cb.survey.id == "a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1=非常不愿意; 2=不太愿意; 3=一般", {1: "非常不愿意", 2: "不太愿意", 3: "一般"}),
        ("1=是；0=否", {1: "是", 0: "否"}),
        ("1:低\n2:高", {1: "低", 2: "高"}),
        ("1=一般, 还行; 2=好", {1: "一般, 还行", 2: "好"}),
        ("1=低, 2=高", {1: "低", 2: "高"}),
        ("-9=不适用; 1.5=半", {-9: "不适用", 1.5: "半"}),
        ("１＝低；２＝高", {1: "低", 2: "高"}),
    ],
)
def test_parse_values(text, expected):
    assert _parse_values(text) == (expected, [])


@pytest.mark.parametrize("text", ["低; 高", "1=; 2=高", "1=a; 1=b", ";"])
def test_parse_values_errors(text):
    assert _parse_values(text)[1]


# --------------------------------------------------------------------------- CLI


def test_cli_draft_codebook(sav, tmp_path, capsys):
    out = tmp_path / "out" / "codebook.toml"
    assert main(["draft-codebook", str(sav), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert str(out) in captured.out
    assert "respondent id column guessed" in captured.err
    assert read_codebook(out).survey.id == "resp_id"
    first = out.read_text(encoding="utf-8")

    # Refuses to overwrite without --force; usage errors exit 2.
    assert main(["draft-codebook", str(sav), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["draft-codebook", str(sav), "--out", str(out), "--force", "--id", "nope"]) == 2
    assert "'nope' is not a column" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == first  # untouched by the failed runs

    assert (
        main(["draft-codebook", str(sav), "--out", str(out), "--force", "--cluster", "village"])
        == 0
    )
    assert "cluster column guessed" not in capsys.readouterr().err
    bad_ext = tmp_path / "x.json"
    bad_ext.write_text("{}", encoding="utf-8")
    assert main(["draft-codebook", str(bad_ext), "--out", str(out), "--force"]) == 2
    assert "supported:" in capsys.readouterr().err
    assert main(["draft-codebook", str(tmp_path / "gone.sav"), "--out", str(out), "--force"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["draft-codebook", str(sav)]) == 2  # --out is required


def test_cli_spreadsheet_errors_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    pd.DataFrame(_bad_rows()).to_csv(path, index=False)
    out = tmp_path / "cb.toml"
    assert main(["draft-codebook", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "line 4" in err and "line 12" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_cli_waves_and_treated(tmp_path, capsys):
    path = tmp_path / "cb.csv"
    pd.DataFrame(
        [
            {"name": "resp_id", "type": "id", "role": "id"},
            {"name": "wave", "type": "integer", "role": "wave"},
            {"name": "arm", "type": "binary", "values": "0=对照; 1=工作坊", "role": "group"},
        ]
    ).to_csv(path, index=False)
    out = tmp_path / "cb.toml"
    argv = ["draft-codebook", str(path), "-o", str(out), "--waves", "1,2", "--treated", "1"]
    assert main(argv) == 0
    cb = read_codebook(out)
    assert cb.survey.waves == (1, 2) and cb.survey.treated == 1


def test_xlsx_survey_sheet_problems(tmp_path):
    path = tmp_path / "sheets.xlsx"
    survey = pd.DataFrame({"key": ["titel", "missing"], "value": ["x", "98=不知道; 99"]})
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame(SHEET_ROWS[:2]).to_excel(xw, sheet_name="variables", index=False)
        survey.to_excel(xw, sheet_name="survey", index=False)
    with pytest.raises(CodebookError) as exc:
        draft_codebook(path)
    got = {(p.line, p.rule) for p in exc.value.problem_list}
    assert got == {(2, "unknown_key"), (3, "bad_survey_value")}
    assert "Did you mean 'title'?" in str(exc.value)
