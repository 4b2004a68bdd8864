"""read_survey / from_frame: typing, every validation rule, on_invalid, waves, the ledger."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.data.validate import ROW_RULES

HERE = Path(__file__).parent
CB = ma.read_codebook(HERE / "data" / "codebook_min.toml")
KEY = "a-test-key-that-is-long-enough"


def good_frame() -> pd.DataFrame:
    """Three respondents, two waves, one lost to follow-up: no problems."""
    return pd.DataFrame({
        "resp_id": ["r1", "r2", "r3", "r1", "r2"],
        "village": [1, 1, 2, 1, 1],
        "wave": ["pre", "pre", "pre", "post", "post"],
        "arm": ["workshop", "workshop", "comparison", "workshop", "workshop"],
        "sex": [0, 1, 1, 0, 1],
        "age": [61, 75, 80, 62, 76],
        "will_rel": [5, 4, 5, 5, 98],
        "will_fri": [4, 3, 4, 4, 3],
        "will_vil": [2, 2, 3, 3, 99],
        "gses_01": [3, 2, 4, 3, 2],
        "hours": [0.0, 2.5, 0.0, 4.0, 1.0],
        "phone": ["13812345678", "13912345678", "13712345678", "13812345678", "13912345678"],
    })


def rules(survey_or_err) -> list[str]:
    return sorted(survey_or_err.problems["rule"])


def test_clean_frame_is_typed_and_pii_free():
    s = ma.from_frame(good_frame(), CB)
    assert len(s.problems) == 0
    assert s.n_read == 5 == s.n_analysed
    assert "phone" not in s.data.columns
    assert str(s.data["will_rel"].dtype) == "Int64"
    assert str(s.data["hours"].dtype) == "float64"
    assert str(s.data["resp_id"].dtype) == "string"
    assert s.data["will_rel"].isna().sum() == 1  # 98 became missing
    assert s.waves == ["pre", "post"]
    assert s.n_respondents == 3


def test_missing_codes_are_counted_not_lost():
    s = ma.from_frame(good_frame(), CB)
    mc = s.missing_counts.set_index(["variable", "code"])
    assert mc.loc[("will_rel", 98), "n"] == 1
    assert mc.loc[("will_rel", 98), "label"] == "不知道"
    assert mc.loc[("will_vil", 99), "label"] == "拒答"
    assert mc.loc[("will_vil", 99), "wave"] == "post"


def test_per_variable_missing_override():
    df = good_frame()
    df.loc[0, "hours"] = -9      # the variable's own missing code
    df.loc[1, "hours"] = 98      # not a missing code for hours: a number in range
    s = ma.from_frame(df, CB)
    assert pd.isna(s.data.loc[0, "hours"]) and s.data.loc[1, "hours"] == 98


def test_answer_text_is_read_as_code():
    df = good_frame().astype({"will_rel": object, "sex": object})
    df.loc[0, "will_rel"] = "比较愿意"
    df.loc[1, "will_rel"] = " 非常愿意 "      # surrounding spaces
    df.loc[2, "will_rel"] = "不知道"          # a missing label
    df.loc[3, "will_rel"] = "Rather willing"  # English label
    df.loc[4, "will_rel"] = "５"              # full-width digit
    df.loc[0, "sex"] = "男"
    s = ma.from_frame(df, CB)
    assert s.data["will_rel"].tolist()[:2] == [4, 5]
    assert pd.isna(s.data["will_rel"][2])
    assert s.data["will_rel"].tolist()[3:] == [4, 5]
    assert s.data.loc[0, "sex"] == 1


@pytest.mark.parametrize(
    ("column", "value", "rule", "needle"),
    [
        ("will_fri", "很愿意", "unknown_label", "matches no value label"),
        ("will_fri", 7, "invalid_code", "not a valid code"),
        ("age", 59, "out_of_range", "outside the allowed range"),
        ("age", 70.5, "not_whole_number", "not a whole number"),
        ("hours", "many", "not_a_number", "not a number"),
        ("hours", 500, "out_of_range", "[0, 300]"),
        ("sex", 2, "invalid_code", "0=女, 1=男"),
    ],
)
def test_cell_rules_name_line_respondent_column_value(column, value, rule, needle):
    df = good_frame().astype({column: object})
    df.loc[2, column] = value
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.from_frame(df, CB, name="survey.csv")
    (p,) = info.value.problem_list
    assert (p.rule, p.file, p.line, p.respondent, p.column, p.value) == (
        rule, "survey.csv", 4, "r3", column, value)
    assert needle in p.message
    text = str(info.value)
    for part in ("survey.csv", "line 4", "respondent r3", repr(column), repr(value)):
        assert part in text


def test_all_problems_listed_not_just_the_first():
    df = good_frame().astype({"will_fri": object, "age": object})
    df.loc[0, "will_fri"] = "x"
    df.loc[1, "age"] = 200
    df.loc[4, "will_fri"] = 9
    with pytest.raises(ma.SurveyValidationError, match="3 problems") as info:
        ma.from_frame(df, CB)
    assert [p.line for p in info.value.problem_list] == [2, 3, 6]
    # the partial survey travels with the error
    assert info.value.survey.n_excluded == 3


def test_on_invalid_exclude_and_missing():
    df = good_frame().astype({"will_fri": object})
    df.loc[0, "will_fri"] = "x"
    ex = ma.from_frame(df, CB, on_invalid="exclude")
    assert ex.n_analysed == 4 and ex.n_excluded == 1
    row = ex.ledger.iloc[0]
    assert (row["status"], row["reason"]) == ("excluded", "unknown_label:will_fri")
    mi = ma.from_frame(df, CB, on_invalid="missing")
    assert mi.n_analysed == 5 and mi.n_excluded == 0
    assert pd.isna(mi.data.loc[0, "will_fri"])
    assert mi.problems.loc[0, "rule"] == "unknown_label"


def test_on_invalid_checked():
    with pytest.raises(ma.UsageError, match="'raise', 'exclude', 'missing'"):
        ma.from_frame(good_frame(), CB, on_invalid="drop")


def test_row_level_problems_exclude_even_in_missing_mode():
    df = good_frame().astype({"village": object})
    df.loc[1, "resp_id"] = None
    df.loc[2, "village"] = None
    df.loc[3, "wave"] = "mid"
    s = ma.from_frame(df, CB, on_invalid="missing")
    assert rules(s) == ["missing_cluster", "missing_id", "unknown_wave"]
    assert s.ledger["status"].tolist() == ["analysed", "excluded", "excluded", "excluded",
                                           "analysed"]


def test_duplicate_id_within_wave_names_all_copies():
    df = good_frame()
    df.loc[1, "resp_id"] = "r1"
    s = ma.from_frame(df, CB, on_invalid="exclude")
    dups = s.problems[s.problems["rule"] == "duplicate_id"]
    assert dups["line"].tolist() == [2, 3]
    assert "line 2" in dups["message"].iloc[0] and "line 3" in dups["message"].iloc[0]
    assert s.ledger.loc[[0, 1], "status"].tolist() == ["excluded", "excluded"]
    # the same id in two waves is not a duplicate
    assert "duplicate_id" not in rules(ma.from_frame(good_frame(), CB))


def test_village_change_between_waves():
    df = good_frame()
    df.loc[3, "village"] = 2  # r1 moves from village 1 to 2
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.from_frame(df, CB)
    assert [p.rule for p in info.value.problem_list] == ["cluster_changes"] * 2
    assert info.value.problem_list[0].respondent == "r1"


def test_missing_column():
    df = good_frame().drop(columns=["age"])
    with pytest.raises(ma.SurveyValidationError, match="no such column"):
        ma.from_frame(df, CB)
    s = ma.from_frame(df, CB, on_invalid="missing")
    assert "age" not in s.data.columns and rules(s) == ["missing_column"]
    # a role column missing is fatal whatever on_invalid says
    with pytest.raises(ma.SurveyValidationError, match="village"):
        ma.from_frame(good_frame().drop(columns=["village"]), CB, on_invalid="missing")


def test_missing_column_suggests_near_name():
    df = good_frame().rename(columns={"will_vil": "will_vill"})
    with pytest.raises(ma.SurveyValidationError, match="did you mean 'will_vill'"):
        ma.from_frame(df, CB)


def test_extra_column_is_a_warning_and_ignored():
    df = good_frame().assign(note=["a"] * 5)
    s = ma.from_frame(df, CB)
    assert rules(s) == ["extra_column"] and s.problems["severity"].tolist() == ["warning"]
    assert "note" not in s.data.columns


def test_undeclared_personal_data_in_an_analysed_column():
    cb = ma.Codebook.from_dict({**CB.to_dict(), "variable": [
        {**v, "pii": False} if v["name"] == "phone" else v for v in CB.to_dict()["variable"]]})
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.from_frame(good_frame(), cb)
    probs = info.value.problem_list
    assert "undeclared_personal_data" in {p.rule for p in probs}
    assert {p.column for p in probs} == {"phone"}
    assert "13812345678" not in str(info.value)  # never echo personal data
    s = ma.from_frame(good_frame(), cb, on_invalid="missing")
    assert s.data["phone"].isna().all()


def test_personal_data_in_an_extra_column_warns():
    df = good_frame().assign(contact=["13812345678"] * 5)
    with pytest.warns(ma.PrivacyWarning, match="contact"):
        s = ma.from_frame(df, CB)
    assert "contact" not in s.data.columns


def test_pseudonymised_id(monkeypatch):
    raw = CB.to_dict()
    raw["survey"]["pseudonymise_id"] = True
    cb = ma.Codebook.from_dict(raw)
    monkeypatch.delenv("MUTUALAID_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ma.UsageError, match="MUTUALAID_PSEUDONYM_KEY"):
        ma.from_frame(good_frame(), cb)
    monkeypatch.setenv("MUTUALAID_PSEUDONYM_KEY", KEY)
    s = ma.from_frame(good_frame(), cb)
    ids = s.data["resp_id"]
    assert not ids.isin(["r1", "r2", "r3"]).any()
    assert ids[0] == ids[3]  # still linkable across waves
    assert s.ledger["panel"].tolist()[0] == "matched"
    assert not s.ledger["respondent"].isin(["r1", "r2", "r3"]).any()
    again = ma.from_frame(good_frame(), cb, pseudonym_key=KEY)
    assert again.data["resp_id"].tolist() == ids.tolist()
    df = good_frame().astype({"age": object})
    df.loc[0, "age"] = 10
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.from_frame(df, cb)
    assert info.value.problem_list[0].respondent == ids[0]
    assert "r1" not in str(info.value)


def test_panel_status_in_ledger():
    s = ma.from_frame(good_frame(), CB)
    assert s.ledger["panel"].tolist() == ["matched", "matched", "baseline_only", "matched",
                                          "matched"]
    df = good_frame()
    df.loc[4, "resp_id"] = "r9"
    assert ma.from_frame(df, CB).ledger["panel"].tolist()[-1] == "followup_only"


def test_wave_and_labelled_views():
    s = ma.from_frame(good_frame(), CB)
    assert len(s.wave("post")) == 2
    with pytest.raises(ma.UsageError, match="no wave 'mid'"):
        s.wave("mid")
    lab = s.labelled()
    assert lab["will_rel"].cat.ordered and lab.loc[0, "will_rel"] == "非常愿意"
    assert s.labelled("en").loc[0, "will_rel"] == "Very willing"


def test_summary_repr_html():
    s = ma.from_frame(good_frame(), CB)
    text = s.summary()
    assert "5 rows read = 5 analysed + 0 excluded" in text
    assert "98 不知道 ×1" in text
    assert "Survey" in s._repr_html_() and "<Survey: 5 of 5" in repr(s)


# --------------------------------------------------------------- files


def _write_all_formats(df: pd.DataFrame, tmp_path: Path) -> dict[str, Path]:
    out = {}
    for enc, name in [("utf-8", "u8.csv"), ("utf-8-sig", "bom.csv"), ("gb18030", "gb.csv"),
                      ("gbk", "gbk.csv")]:
        out[name] = tmp_path / name
        df.to_csv(out[name], index=False, encoding=enc)
    out["x.xlsx"] = tmp_path / "x.xlsx"
    df.to_excel(out["x.xlsx"], index=False)
    out["x.sav"] = tmp_path / "x.sav"
    pyreadstat.write_sav(df, str(out["x.sav"]))
    out["x.dta"] = tmp_path / "x.dta"
    pyreadstat.write_dta(df, str(out["x.dta"]))
    return out


def test_same_survey_in_every_format_and_encoding_gives_identical_data(tmp_path):
    df = good_frame().drop(columns=["phone"])
    df["will_fri"] = ["比较愿意", "一般", "比较愿意", "比较愿意", "一般"]  # text answers
    cb = ma.Codebook.from_dict({**CB.to_dict(), "variable": [
        v for v in CB.to_dict()["variable"] if v["name"] != "phone"]})
    ref = ma.from_frame(df, cb).data
    encodings = {}
    for name, path in _write_all_formats(df, tmp_path).items():
        s = ma.read_survey(path, cb)
        pd.testing.assert_frame_equal(s.data, ref, obj=name)
        encodings[name] = s.provenance["files"][0]["encoding"]
        assert s.provenance["files"][0]["sha256"] and s.provenance["files"][0]["rows"] == 5
    assert encodings["u8.csv"] == "utf-8" and encodings["bom.csv"] == "utf-8-sig"
    assert encodings["gb.csv"] == encodings["gbk.csv"] == "gb18030"


def test_one_file_per_wave(tmp_path):
    df = good_frame()
    pre, post = tmp_path / "pre.csv", tmp_path / "post.csv"
    df[df.wave == "pre"].drop(columns="wave").to_csv(pre, index=False)
    df[df.wave == "post"].to_csv(post, index=False)  # this one keeps its wave column
    for arg in ({"pre": pre, "post": post}, [pre, post]):
        s = ma.read_survey(arg, CB)
        assert s.n_read == 5 and s.waves == ["pre", "post"]
        assert s.ledger["file"].tolist() == ["pre.csv"] * 3 + ["post.csv"] * 2
        assert s.ledger["line"].tolist() == [2, 3, 4, 2, 3]
        assert len(s.provenance["files"]) == 2
    with pytest.raises(ma.UsageError, match="waves"):
        ma.read_survey([pre], CB)
    with pytest.raises(ma.UsageError, match="'mid'"):
        ma.read_survey({"mid": pre}, CB)


def test_ragged_rows_are_excluded_with_line(tmp_path):
    path = tmp_path / "r.csv"
    good_frame().to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = ma.read_survey(path, CB, on_invalid="exclude")
    p = s.problems[s.problems["rule"] == "ragged_row"].iloc[0]
    assert p["line"] == 3 and p["respondent"] == "r2"
    assert s.ledger.loc[1, "status"] == "excluded"


def test_bad_file_errors(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(ma.DataFileError, match="empty"):
        ma.read_survey(empty, CB)
    with pytest.raises(ma.DataFileError):
        ma.read_survey(tmp_path / "nope.csv", CB)


# --------------------------------------------------------------- property: the ledger identity

_cell = st.one_of(
    st.integers(-20, 120), st.sampled_from(["比较愿意", "很愿意", "", " 3 ", "x", "不知道"]),
    st.none(), st.floats(allow_nan=True, allow_infinity=False, width=32),
)


@st.composite
def messy_frames(draw):
    n = draw(st.integers(0, 25))
    base = good_frame().sample(n=n, replace=True, random_state=draw(st.integers(0, 99)))
    base = base.reset_index(drop=True).astype(object)
    cols = ["resp_id", "village", "wave", "age", "will_rel", "will_fri", "hours", "sex"]
    for _ in range(draw(st.integers(0, 15))):
        if n == 0:
            break
        i = draw(st.integers(0, n - 1))
        c = draw(st.sampled_from(cols))
        base.loc[i, c] = draw(_cell)
    return base


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_frames(), st.sampled_from(["exclude", "missing", "raise"]))
def test_ledger_identity_always_holds(frame, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ma.PrivacyWarning)
        try:
            s = ma.from_frame(frame, CB, on_invalid=mode)
        except ma.SurveyValidationError as exc:
            assert mode == "raise" or exc.survey is None
            if exc.survey is None:  # a fatal problem, nothing read
                return
            s = exc.survey
    assert s.n_read == len(frame)
    assert s.n_read == s.n_analysed + s.n_excluded
    assert len(s.data) == s.n_analysed
    assert set(s.ledger["status"]) <= {"analysed", "excluded"}
    assert (s.ledger.loc[s.ledger.status == "excluded", "reason"] != "").all()
    excluded = s.ledger[s.ledger.status == "excluded"]
    if mode == "missing":  # only structural faults exclude a row; cells are blanked
        roles = set(CB.roles.values())
        for text in excluded["reason"]:
            for reason in text.split("; "):
                assert reason in ROW_RULES or reason.split(":")[1] in roles, reason
    else:  # every row with an error is excluded, and no other
        errors = s.problems[(s.problems.severity == "error") & s.problems.line.notna()]
        assert set(errors["line"]) == set(excluded["line"])


def test_ledger_lines_match_file_lines_with_quoted_newlines(tmp_path):
    df = good_frame().drop(columns="phone").assign(note="ok")
    path = tmp_path / "q.csv"
    df.to_csv(path, index=False)
    text = path.read_text(encoding="utf-8").splitlines()
    # a quoted field with an embedded newline in the first data row (a column
    # outside the codebook: a changed arm would break the one-arm-per-village rule)
    text[1] = text[1][: -len(",ok")] + ',"o\nk"'
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    cb = ma.Codebook.from_dict({**CB.to_dict(), "variable": [
        v for v in CB.to_dict()["variable"] if v["name"] != "phone"]})
    s = ma.read_survey(path, cb)
    assert s.ledger["line"].tolist() == [2, 4, 5, 6, 7]
    assert np.array_equal(s.data["age"].to_numpy(), df["age"].to_numpy())


def test_personal_looking_header_is_reported_for_an_extra_column(tmp_path):
    frame = good_frame().iloc[:1].assign(姓名=["受访者"])
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    survey = ma.read_survey(path, CB)
    assert "personal_column_name" in set(survey.problems["rule"])
