"""Personal data against the probes of the "Hardening" issue, on the bundled sample.

Each test does what a probe would: copy a sample file, inject personal data
(a phone number in one cell, mobile numbers as ids, a column of interviewer
names, ``<script>`` in a label), read or run it, and look for the personal
value everywhere it could leak.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main
from mutualaid_analysis.data.privacy import (
    COLUMN_SHARE,
    COMPOUND_SURNAMES,
    SURNAMES,
    check_publishable,
    looks_like_names,
    mask_personal_text,
    name_mask,
    scan_personal_data,
)
from mutualaid_analysis.exceptions import PersonalDataError, SurveyValidationError
from mutualaid_analysis.report.render import _md_text, to_markdown

PHONE = "13812345678"
MASKED = "138****5678"
KEY = "a pseudonym key of some length"


def sample_frame() -> pd.DataFrame:
    return pd.read_csv(ma.sample.sample_paths()["survey"], dtype=str, keep_default_na=False)


def sample_codebook_text() -> str:
    return ma.sample.sample_paths()["codebook"].read_text(encoding="utf-8")


def write(folder: Path, frame: pd.DataFrame, codebook: str | None = None,
          name: str = "survey.csv", encoding: str = "utf-8") -> tuple[Path, Path]:
    data = folder / name
    frame.to_csv(data, index=False, encoding=encoding)
    cb = folder / "codebook.toml"
    cb.write_text(codebook if codebook is not None else sample_codebook_text(), encoding="utf-8")
    return data, cb


def leaks(survey_or_text: object, secrets: list[str]) -> list[str]:
    """The secrets found in the problems, the ledger, the summary and the provenance."""
    if isinstance(survey_or_text, str):
        text = survey_or_text
    else:
        s = survey_or_text
        text = " ".join([
            s.problems.to_csv(), s.ledger.to_csv(), s.summary(),
            json.dumps(s.provenance, ensure_ascii=False, default=str),
            s.data.astype(str).to_csv(),
        ])
    return [x for x in secrets if x in text]


def run_config(folder: Path, data: Path, codebook: Path, extra: str = "") -> Path:
    cfg = folder / "analysis.toml"
    cfg.write_text(
        f'[data]\npath = "{data.name}"\ncodebook = "{codebook.name}"\n{extra}'
        "[inference]\nbootstrap_B = 199\nseed = 1\n"
        '[report]\nformats = ["png"]\ndpi = 50\n',
        encoding="utf-8",
    )
    return cfg


def output_text(out: Path) -> str:
    return " ".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(out.rglob("*")) if p.is_file() and p.suffix in {".csv", ".md", ".html",
                                                                       ".json", ".svg"}
    )


# --------------------------------------------------------------------------- one phone number


@pytest.mark.parametrize("mode", ["exclude", "missing"])
def test_one_phone_number_costs_its_cell_not_the_question(tmp_path, mode):
    frame = sample_frame()
    frame.loc[5, "will_rel_care"] = PHONE  # line 7 of the file
    data, cb = write(tmp_path, frame)
    clean = ma.read_survey(ma.sample.sample_paths()["survey"],
                           codebook=ma.sample.sample_paths()["codebook"])
    s = ma.read_survey(data, codebook=cb, on_invalid=mode)

    assert s.n_read == s.n_analysed + s.n_excluded == 931
    # Every answer but the one the phone number replaced.
    answered = int(clean.data["will_rel_care"].notna().sum())
    answered -= int(pd.notna(clean.data["will_rel_care"].iloc[5]))
    # The other 930 rows keep their answer to the question.
    if mode == "exclude":
        assert s.n_excluded == 1
        row = s.ledger.iloc[5]
        assert (row["line"], row["status"]) == (7, "excluded")
        assert "undeclared_personal_data:will_rel_care" in row["reason"]
        assert int(s.data["will_rel_care"].notna().sum()) == answered
    else:
        assert s.n_excluded == 0
        assert pd.isna(s.data["will_rel_care"].iloc[5])
        assert int(s.data["will_rel_care"].notna().sum()) == answered
    assert "personal_data_blanked" not in set(s.problems["rule"])
    (problem,) = [p for p in s.problem_list if p.rule == "undeclared_personal_data"]
    assert (problem.line, problem.column, problem.value) == (7, "will_rel_care", MASKED)
    assert leaks(s, [PHONE]) == []


def test_phone_in_a_text_answer_of_a_gbk_export_is_masked_in_every_message(tmp_path):
    """A platform export: GB18030, Chinese headers, answers as text (比较愿意)."""
    paths = ma.sample.sample_paths()
    frame = pd.read_csv(paths["export"], dtype=str, keep_default_na=False, encoding="gb18030")
    col = "您是否愿意为亲属提供生活照料"
    frame.loc[2, col] = f"电话{PHONE}"  # unknown_label: matches no value label
    frame.loc[3, "年龄"] = PHONE  # not_a_number / out of range
    data, cb = write(tmp_path, frame, paths["export_codebook"].read_text(encoding="utf-8"),
                     name="export.csv", encoding="gbk")
    with pytest.raises(SurveyValidationError) as info:
        ma.read_survey(data, codebook=cb)
    assert PHONE not in str(info.value) and MASKED in str(info.value)
    rules = {p.rule for p in info.value.problem_list}
    assert "unknown_label" in rules and "undeclared_personal_data" in rules
    s = ma.read_survey(data, codebook=cb, on_invalid="missing")
    assert s.n_analysed == s.n_read == len(frame)
    assert int(s.data[col].notna().sum()) >= len(frame) - 5  # the question survives
    assert leaks(s, [PHONE]) == []
    # problems.csv written by the command line holds masked values only.
    out = tmp_path / "problems.csv"
    assert main(["validate", str(data), "--codebook", str(cb), "--problems", str(out)]) == 1
    text = out.read_text(encoding="utf-8")
    assert PHONE not in text and MASKED in text


def test_most_of_a_column_personal_withholds_the_column(tmp_path):
    frame = sample_frame()
    frame["age"] = [f"139{i:08d}" for i in range(len(frame))]
    data, cb = write(tmp_path, frame)
    s = ma.read_survey(data, codebook=cb, on_invalid="missing")
    assert s.data["age"].isna().all()
    assert "personal_data_blanked" in set(s.problems["rule"])
    # One problem for the column, not 931.
    assert (s.problems["rule"] == "undeclared_personal_data").sum() == 1
    assert leaks(s, ["13900000000", "13900000930"]) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(4, 40), k=st.integers(1, 40), mode=st.sampled_from(["exclude", "missing"]))
def test_the_column_rule_and_the_ledger_identity(n, k, mode):
    k = min(k, n)
    codebook = ma.read_codebook(ma.sample.sample_paths()["codebook"])
    base = sample_frame().iloc[:n].copy()
    phones = [f"13{5 + i % 4}{i:08d}" for i in range(k)]
    base.loc[base.index[:k], "will_fri_emo"] = phones
    scan = scan_personal_data(base, analysed=list(base.columns))
    finding = scan.findings["will_fri_emo"]
    assert finding.whole_column == (k > COLUMN_SHARE * n)
    s = ma.from_frame(base, codebook, on_invalid=mode)
    assert s.n_read == s.n_analysed + s.n_excluded == n
    if finding.whole_column:
        assert s.data["will_fri_emo"].isna().all()
    elif mode == "exclude":
        assert s.n_excluded >= k
    else:
        assert s.data["will_fri_emo"].iloc[:k].isna().all()
    assert leaks(s, phones) == []


# --------------------------------------------------------------------------- ids that are phones


@pytest.mark.parametrize("mode", ["raise", "exclude", "missing"])
def test_mobile_numbers_as_ids_are_one_clear_error(tmp_path, mode):
    frame = sample_frame()
    ids = {r: f"139{i:08d}" for i, r in enumerate(pd.unique(frame["resp_id"]))}
    frame["resp_id"] = frame["resp_id"].map(ids)
    data, cb = write(tmp_path, frame)
    with pytest.raises(SurveyValidationError) as info:
        ma.read_survey(data, codebook=cb, on_invalid=mode)
    (problem,) = info.value.problem_list
    assert problem.rule == "personal_id"
    assert "pseudonymise_id = true" in problem.message
    assert "931 of 931" in problem.message
    assert "no on_invalid setting" in str(info.value)
    assert leaks(str(info.value), list(ids.values())) == []


def test_mobile_numbers_as_ids_from_the_command_line_exit_1(tmp_path, capsys):
    frame = sample_frame()
    frame["resp_id"] = [f"139{i:08d}" for i in range(len(frame))]
    data, cb = write(tmp_path, frame)
    cfg = run_config(tmp_path, data, cb, 'on_invalid = "exclude"\n')
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "pseudonymise_id = true" in err and "Traceback" not in err
    assert "13900000000" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("mode", ["exclude", "missing"])
def test_a_few_phone_ids_exclude_their_rows_and_are_masked_in_the_ledger(tmp_path, mode):
    frame = sample_frame()
    frame.loc[3, "resp_id"] = PHONE
    data, cb = write(tmp_path, frame)
    s = ma.read_survey(data, codebook=cb, on_invalid=mode)
    assert s.n_read == s.n_analysed + s.n_excluded == 931
    assert s.n_excluded == 1
    row = s.ledger.iloc[3]
    assert (row["status"], row["reason"], row["respondent"]) == ("excluded", "personal_id", MASKED)
    assert leaks(s, [PHONE]) == []


def test_phone_ids_with_pseudonymise_id_are_analysed(tmp_path):
    frame = sample_frame()
    frame["resp_id"] = frame["resp_id"].map(
        {r: f"139{i:08d}" for i, r in enumerate(pd.unique(frame["resp_id"]))})
    text = sample_codebook_text().replace("[survey]\n", "[survey]\npseudonymise_id = true\n", 1)
    data, cb = write(tmp_path, frame, text)
    s = ma.read_survey(data, codebook=cb, pseudonym_key=KEY)
    assert s.n_analysed == 931 and s.problems.empty
    assert s.data["resp_id"].str.startswith("p_").all()
    assert s.n_respondents == frame["resp_id"].nunique()
    assert leaks(s, ["13900000000", "13900000001"]) == []


# --------------------------------------------------------------------------- pii = true on the id


def pii_id_codebook() -> str:
    text = sample_codebook_text()
    text = text.replace('type = "id"\n', 'type = "id"\npii = true\n', 1)
    return text.replace("[survey]\n", "[survey]\npseudonymise_id = true\n", 1)


def test_pii_id_with_pseudonymise_id_keeps_the_pseudonymised_id(tmp_path):
    data, cb = write(tmp_path, sample_frame(), pii_id_codebook())
    s = ma.read_survey(data, codebook=cb, pseudonym_key=KEY)
    assert "resp_id" in s.data.columns
    assert s.data["resp_id"].str.fullmatch(r"p_[0-9a-f]{16}").all()
    assert s.n_respondents == sample_frame()["resp_id"].nunique()
    assert not set(sample_frame()["resp_id"]) & set(s.ledger["respondent"])
    assert ma.gradient(s).table["n"].notna().all()


def test_pii_id_with_pseudonymise_id_runs_the_whole_report(tmp_path, monkeypatch):
    monkeypatch.setenv("MUTUALAID_PSEUDONYM_KEY", KEY)
    data, cb = write(tmp_path, sample_frame(), pii_id_codebook())
    out = tmp_path / "out"
    assert main(["run", str(run_config(tmp_path, data, cb)), "--out", str(out), "--quiet"]) == 0
    ledger = pd.read_csv(out / "ledger.csv", dtype=str)
    assert ledger["respondent"].str.startswith("p_").all() and len(ledger) == 931
    assert "V01-001" not in output_text(out)


# --------------------------------------------------------------------------- file names


def test_a_file_named_after_a_phone_number_is_masked(tmp_path, capsys):
    frame = sample_frame()
    frame.loc[0, "age"] = "200"  # one problem, to see the file name in it
    data, cb = write(tmp_path, frame, name=f"{PHONE}_回访.csv")
    cb = cb.rename(tmp_path / f"{PHONE}_codebook.toml")
    s = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    assert s.provenance["codebook"]["file"] == f"{MASKED}_codebook.toml"
    assert s.provenance["files"][0]["file"] == f"{MASKED}_回访.csv"
    assert set(s.ledger["file"]) == {f"{MASKED}_回访.csv"}
    assert leaks(s, [PHONE]) == []
    out = tmp_path / "out"
    cfg = run_config(tmp_path, data, cb, 'on_invalid = "exclude"\n')
    assert main(["run", str(cfg), "--out", str(out), "--quiet"]) == 0
    provenance = (out / "provenance.json").read_text(encoding="utf-8")
    assert PHONE not in provenance and MASKED in provenance
    assert PHONE not in output_text(out)
    # Errors name the file masked too (an empty file cannot be read at all).
    empty = tmp_path / f"{PHONE}.csv"
    empty.write_bytes(b"")
    assert main(["validate", str(empty), "--codebook", str(cb)]) == 1
    err = capsys.readouterr().err
    assert PHONE not in err and MASKED in err


def test_mask_personal_text_leaves_ordinary_text_alone():
    for text in ["V01-001", "1.5 is not a whole number", "12:30:45", "line 13", "p < 0.001",
                 "2024-05-01", "sha 3f1e9a", "132 out of range [0, 120]"]:
        assert mask_personal_text(text) == text
    assert mask_personal_text(f"x {PHONE} y") == f"x {MASKED} y"
    assert mask_personal_text(13812345678) == MASKED
    assert mask_personal_text(42) == 42


# --------------------------------------------------------------------------- names


INTERVIEWERS = ["张伟", "王芳", "李秀英", "刘洋", "陈静", "欧阳明", "司马光辉"]


def interviewer_survey(tmp_path: Path) -> tuple[Path, Path]:
    frame = sample_frame()
    frame.insert(2, "调查员", [INTERVIEWERS[i % len(INTERVIEWERS)] for i in range(len(frame))])
    text = sample_codebook_text() + '\n[[variable]]\nname = "调查员"\nlabel = "调查员"\ntype = "text"\n'
    return write(tmp_path, frame, text, encoding="gbk")


def test_a_column_of_interviewer_names_is_found_by_content(tmp_path):
    data, cb = interviewer_survey(tmp_path)
    with pytest.raises(SurveyValidationError) as info:
        ma.read_survey(data, codebook=cb)
    (problem,) = info.value.problem_list
    assert (problem.rule, problem.column, problem.value) == (
        "undeclared_personal_data", "调查员", "张*")
    s = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    assert s.data["调查员"].isna().all()
    assert s.n_analysed == 931
    assert leaks(s, INTERVIEWERS) == []


def test_check_publishable_refuses_a_names_column_as_by(tmp_path):
    data, cb = interviewer_survey(tmp_path)
    s = ma.read_survey(data, codebook=cb, on_invalid="exclude")
    with pytest.raises(PersonalDataError, match="调查员") as info:
        check_publishable(s, "调查员")
    assert not [n for n in INTERVIEWERS if n in str(info.value)]
    check_publishable(s, "arm")  # the arm is not personal
    assert ma.check_publishable is check_publishable  # exported from the package root
    check_publishable(s, "village")
    # A bare table: by content, and the message masks the example.
    frame = pd.read_csv(data, dtype=str, encoding="gbk")
    with pytest.raises(PersonalDataError, match=r"张\*"):
        check_publishable(frame, "调查员")
    with pytest.raises(PersonalDataError):
        check_publishable(frame.assign(phone_col=PHONE), "phone_col")
    with pytest.raises(PersonalDataError, match="name suggests"):
        check_publishable(frame.assign(姓名="A1"), "姓名")


VILLAGES = ["东山村", "李家庄", "王家湾", "张村", "刘家营", "陈家沟", "杨柳屯", "黄土坡", "赵家堡",
            "青山村", "柳树村", "东河村", "石桥村", "杏花村", "南坪村", "枣林村", "白塔村",
            "松岭村", "清水村", "周家寨", "吴家集", "孙家店", "马家河", "高家岭", "林家铺"]
ANSWERS = ["非常不愿意", "不太愿意", "一般", "比较愿意", "非常愿意", "不知道", "拒答", "男", "女",
           "是", "否", "很差", "较差", "较好", "很好", "完全不正确", "有点正确", "多数正确",
           "完全正确", "文盲", "小学", "初中", "高中", "大专及以上", "已婚", "未婚", "丧偶",
           "离异", "务农", "打工", "退休"]
ARMS = ["工作坊", "对照", "工作坊村", "对照村", "workshop", "comparison"]


def test_name_detector_false_positives_on_villages_answers_and_arms():
    assert not looks_like_names(pd.Series(VILLAGES))
    assert not name_mask(pd.Series(VILLAGES)).any()  # not one village looks like a name
    assert not looks_like_names(pd.Series(ANSWERS))
    assert not looks_like_names(pd.Series(ARMS))
    # Every column of answers a codebook could hold, in every subset of two or more
    # consecutive labels, is clear.
    for labels in (ANSWERS[:5], ANSWERS[7:9], ANSWERS[9:11], ANSWERS[19:24], ANSWERS[24:28]):
        assert not looks_like_names(pd.Series(labels * 30))
    assert not looks_like_names(pd.Series([13812345678, 13912345678]))
    assert not looks_like_names(pd.Series(["张伟"]))  # one value proves nothing


given_chars = st.sampled_from(list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"))
names = st.one_of(
    st.builds(lambda s, g: s + "".join(g), st.sampled_from(sorted(SURNAMES)),
              st.lists(given_chars, min_size=1, max_size=2)),
    st.builds(lambda s, g: s + "".join(g), st.sampled_from(sorted(COMPOUND_SURNAMES)),
              st.lists(given_chars, min_size=1, max_size=2)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=2, max_size=30, unique=True), st.integers(1, 20))
def test_name_detector_finds_columns_of_names(people, repeat):
    column = pd.Series(people * repeat)
    assert looks_like_names(column)
    assert name_mask(column).all()


# --------------------------------------------------------------------------- Markdown


def test_script_in_labels_does_not_reach_report_md_as_html(tmp_path):
    text = sample_codebook_text()
    text = text.replace('relatives = "亲属"', 'relatives = "<script>alert(1)</script>"', 1)
    text = text.replace('label = "年龄（岁）"', 'label = "[年龄](javascript:alert(2))"', 1)
    data, cb = write(tmp_path, sample_frame(), text)
    out = tmp_path / "out"
    assert main(["run", str(run_config(tmp_path, data, cb)), "--out", str(out), "--quiet"]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md  # shown, as text
    assert "<script" not in md and "](javascript:" not in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;" in html


@given(st.text(alphabet=st.sampled_from(list("<>&[]()!*_`\\#-+1. \n|xa张")), max_size=40))
def test_md_text_is_inert(text):
    out = _md_text(text)
    assert "<" not in out and ">" not in out and "\n" not in out
    # No link, image or reference definition can form; stars and backticks are escaped.
    unescaped = r"(?<!\\)(?:\\\\)*"
    assert re.search(unescaped + r"\](?:\s?[(\[]|\s*:)", out) is None
    assert re.search(unescaped + r"[*`]", out) is None
    assert not re.match(r"\s*(?:#|[-+](?:\s|$)|\d+[.)](?:\s|$))", out)


def test_to_markdown_escapes_tables_headings_and_lists():
    from mutualaid_analysis.report.render import Block

    frame = pd.DataFrame({"<b>村</b>": ["[x](javascript:y)", "a|b"]})
    blocks = [Block("h2", text="<img src=x onerror=alert(1)>"), Block("list", items=("# x",)),
              Block("table", text="*t*", frame=frame, name="t")]
    md = to_markdown(blocks)
    assert "<" not in md.replace("](tables/t.csv)", "")
    assert "[x\\](javascript:y)" in md and "a\\|b" in md and "\\*t\\*" in md
    assert "- \\# x" in md
    assert np.sum([line.startswith("|") for line in md.splitlines()]) == 4


@pytest.mark.parametrize("mode", ["exclude", "missing"])
def test_a_phone_number_in_a_role_column_costs_the_row(tmp_path, mode):
    frame = sample_frame()
    frame.loc[8, "arm"] = PHONE  # the arm is text: only the privacy scan objects
    data, cb = write(tmp_path, frame)
    s = ma.read_survey(data, codebook=cb, on_invalid=mode)
    assert s.n_read == s.n_analysed + s.n_excluded == 931
    assert s.n_excluded == 1
    row = s.ledger.iloc[8]
    assert row["status"] == "excluded"
    assert "undeclared_personal_data:arm" in row["reason"].split("; ")
    assert s.data["arm"].notna().all()
    assert leaks(s, [PHONE]) == []


def test_a_role_column_of_phone_numbers_stops_the_reading(tmp_path):
    frame = sample_frame()
    frame["arm"] = [f"139{i:08d}" for i in range(len(frame))]
    data, cb = write(tmp_path, frame)
    with pytest.raises(SurveyValidationError, match="no on_invalid setting") as info:
        ma.read_survey(data, codebook=cb, on_invalid="missing")
    assert {p.column for p in info.value.problem_list} == {"arm"}
    assert "13900000000" not in str(info.value)
