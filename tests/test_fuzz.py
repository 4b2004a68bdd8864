"""Fuzz tests: mutated copies of the bundled sample never crash the loader or leak personal data.

Each example takes a small slice of a bundled sample file (the long survey in
UTF-8, or the platform export in GB18030 with Chinese headers and answers as
text), changes some cells (formulas, huge numbers, ``1_0``, missing markers,
Chinese text, control characters, emoji, and planted personal values: a
mobile number, a resident ID number with a valid GB 11643 check character, an
e-mail and an IP address, a person's name), may add an undeclared column,
writes the file in one of the encodings real exports come in, and mutates the
codebook (drop a variable, change a type, add missing codes, mark ``pii``).

The properties are the package's promises (docs/threat_model.md):

* ``read_survey`` either returns a survey or raises the package's own error
  (a subclass of :class:`~mutualaid_analysis.exceptions.MutualAidError`);
  nothing else, and no warning that is not the package's own;
* the ledger accounts for every input row;
* no planted personal value appears unmasked in ``survey.data``, the
  problems, the ledger, the missing-code counts, the summary, a warning or
  the error message;
* text that is not a number (``1_0``, ``0x0A``) is never read as one.

The slow test runs the whole report (``mutualaid run``) on a few mutated
files and scans every output file, and the messages, for the planted values.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import tempfile
import tomllib
import unicodedata
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.exceptions import MutualAidError, MutualAidWarning, SurveyValidationError
from mutualaid_analysis.sample import sample_paths

# ---------------------------------------------------------------------------
# Planted personal values
# ---------------------------------------------------------------------------

_GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _with_check_character(first17: str) -> str:
    """GB 11643-1999: check character = "10X98765432"[sum(d_i * w_i) mod 11]."""
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


#: A resident ID number (Beijing Chaoyang, born 1949-12-31) with a valid check character.
RESIDENT_ID = _with_check_character("11010519491231002")
PHONE = "13812345678"
PHONE_SPACED = "139 8765 4321"
PHONE_PREFIXED = "+86 137-1111-2222"
EMAIL = "wang.xiuying@example.com"
IPV4 = "192.168.31.207"
NAME = "王秀英"

#: What is planted in the cells, by kind.
PLANTED = {
    "resident_id": [RESIDENT_ID, f"身份证{RESIDENT_ID}", f"'{RESIDENT_ID}"],
    "phone": [PHONE, PHONE_SPACED, PHONE_PREFIXED, f"电话：{PHONE}", f"{PHONE}.0"],
    "email": [EMAIL],
    "ip": [IPV4],
    "name": [NAME, f"{NAME}（女儿）"],
}
PLANTED_VALUES = [v for values in PLANTED.values() for v in values]

#: The cores searched for in every output: each must never appear unmasked.
#: Digits are compared with spaces and hyphens removed, so that a mobile
#: number echoed as "139 8765 4321" is found too.
_SECRET_CORES = {
    "resident_id": [RESIDENT_ID],
    "phone": ["13812345678", "13987654321", "13711112222"],
    "email": [EMAIL, "wang.xiuying"],
    "ip": [IPV4],
    "name": [NAME],
}


def _leaks(text: str, kinds: set[str]) -> list[str]:
    """The secret cores (of the planted kinds) found unmasked in ``text``."""
    squeezed = re.sub(r"[ \-\u00a0]", "", text)
    found = []
    for kind in sorted(kinds):
        for core in _SECRET_CORES[kind]:
            if core in text or core in squeezed:
                found.append(core)
    return found


def _kinds_of(values: list[str]) -> set[str]:
    return {kind for kind, vs in PLANTED.items() if any(v in values for v in vs)}


# ---------------------------------------------------------------------------
# Hostile cell values
# ---------------------------------------------------------------------------

#: Text that must never be read as a number (Python's int() accepts "1_0").
NOT_NUMBERS = ["1_0", "0x0A", "1,0", "--1"]

HOSTILE = [
    # formula injection (CSV opened in Excel / WPS)
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://example.com/?x=\"&A1,\"点击\")",
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    # HTML / script in a cell
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    # huge and odd numbers
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "9223372036854775808",
    "1e309",
    "NaN",
    "inf",
    "-0",
    "3.5",
    "4.0",
    "５",
    "٣",
    *NOT_NUMBERS,
    # missing markers: R's NA, Stata's ., Excel's #N/A, empty, the codes
    "NA",
    "N/A",
    "#N/A",
    ".",
    "",
    " ",
    "98",
    "99",
    "-9",
    "不知道",
    "拒答",
    # Chinese answers, right and wrong
    "比较愿意",
    "非常愿意",
    "很愿意",
    "男",
    "工作坊村",
    "青山村",
    # ids that lost leading zeros, duplicates
    "1",
    "V01-001",
    # emoji, control characters, odd Unicode
    "😀",
    "👨‍👩‍👧",
    "\x00",
    "\x1b[31m",
    "a\r\nb",
    "line\nbreak",
    "\ufeff",
    "\u202e3",
    "\x7f",
    '"',
    ",",
    ";",
]


def _cell_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(PLANTED_VALUES),
        st.text(max_size=12),
    )


# ---------------------------------------------------------------------------
# Base files (small slices of the bundled sample)
# ---------------------------------------------------------------------------

_N_ROWS = 60


def _load_base(name: str, n_rows: int | None = _N_ROWS) -> tuple[list[str], list[list[str]], dict]:
    paths = sample_paths()
    if name.startswith("long"):
        path, codebook, encoding = paths["survey"], paths["codebook"], "utf-8"
    else:
        path, codebook, encoding = paths["export"], paths["export_codebook"], "gb18030"
    with open(path, encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    if n_rows is not None:  # both waves and many villages, not only the first
        body = body[:: max(1, len(body) // n_rows)][:n_rows]
    cb = tomllib.loads(Path(codebook).read_text(encoding="utf-8"))
    return header, body, cb


#: The fuzzed bases, and the whole long sample for the report (which needs
#: enough matched respondents per village to estimate workshop effects).
_FUZZ_BASES = ("export", "long")
_BASES = {name: _load_base(name) for name in _FUZZ_BASES}
_BASES["long_all"] = _load_base("long_all", None)

_TYPES = ["ordinal", "integer", "number", "binary", "category", "text", "id"]
_ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]


@st.composite
def _codebook_mutation(draw: st.DrawFn) -> tuple:
    kind = draw(st.sampled_from(["drop", "type", "missing", "pii", "survey_missing"]))
    index = draw(st.integers(0, 10**6))
    if kind == "type":
        return (kind, index, draw(st.sampled_from(_TYPES)))
    if kind in ("missing", "survey_missing"):
        codes = draw(st.lists(st.sampled_from([98, 99, -9, 0, 1, 5, 2**62, -(2**62)]),
                              max_size=3, unique=True))
        return (kind, index, codes)
    return (kind, index, None)


@st.composite
def _case(draw: st.DrawFn) -> dict:
    base = draw(st.sampled_from(_FUZZ_BASES))
    header, body, _ = _BASES[base]
    cells = draw(st.lists(
        st.tuples(st.integers(0, len(body) - 1), st.integers(0, len(header) - 1),
                  _cell_values()),
        min_size=1, max_size=8,
    ))
    extra = draw(st.one_of(
        st.none(),
        st.tuples(st.sampled_from(["姓名", "联系电话", "备注", "notes", "ip"]),
                  st.lists(st.sampled_from(PLANTED_VALUES + HOSTILE), min_size=1, max_size=3)),
    ))
    return {
        "base": base,
        "cells": cells,
        "extra": extra,
        "encoding": draw(st.sampled_from(_ENCODINGS)),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "codebook": draw(st.lists(_codebook_mutation(), max_size=2)),
        "on_invalid": draw(st.sampled_from(["raise", "exclude", "missing"])),
    }


def _build(case: dict, folder: Path) -> tuple[Path, Path, list[str], dict]:
    """Write the mutated data file and codebook; return them, the planted values and facts."""
    header, body, cb = _BASES[case["base"]]
    header = list(header)
    body = [list(r) for r in body]
    planted: list[str] = []
    not_numbers: list[tuple[str, int]] = []  # (column, data row) holding a NOT_NUMBERS token
    for r, c, value in case["cells"]:
        body[r][c] = value
        # A lone name among answers cannot be told from other text (很愿意 has
        # three characters too): names count as planted only in a column of their own.
        if value not in PLANTED["name"]:
            planted.append(value)
    for r, c, value in case["cells"]:  # the last write to a cell wins
        if body[r][c] == value and value in NOT_NUMBERS:
            not_numbers.append((header[c], r))
    if case["extra"] is not None:
        name, values = case["extra"]
        header.append(name)
        for i, row in enumerate(body):
            row.append(values[i % len(values)])
        planted.extend(values)
    # As spreadsheet exporters do, a field holding either line-end character is
    # quoted (Python's writer quotes only the characters of its own line end, and
    # the reader, like the csv module and editors, ends a record at a lone "\r").
    def field(f: str) -> str:
        return '"' + f.replace('"', '""') + '"' if any(ch in f for ch in ',"\r\n') else f

    buf = io.StringIO()
    buf.write("".join(",".join(map(field, row)) + case["newline"] for row in (header, *body)))
    data = folder / "survey.csv"
    data.write_bytes(buf.getvalue().encode(case["encoding"]))

    cb = json.loads(json.dumps(cb))  # deep copy
    variables = cb["variable"]
    for kind, index, arg in case["codebook"]:
        if not variables:
            break
        var = variables[index % len(variables)]
        if kind == "drop":
            variables.remove(var)
        elif kind == "type":
            var["type"] = arg
        elif kind == "missing":
            var["missing"] = arg
        elif kind == "pii":
            var["pii"] = True
        elif kind == "survey_missing":
            cb["survey"]["missing"] = arg
        elif kind == "circle_label":  # only in the report cases
            cb["circles"]["labels"][cb["circles"]["order"][0]] = arg
        else:  # "title", "treated": a [survey] key
            cb["survey"][kind] = arg
    codebook = folder / "codebook.toml"
    codebook.write_text(tomli_w.dumps(cb), encoding="utf-8")
    numeric = {v["name"] for v in variables
               if v.get("type") in ("ordinal", "integer", "number", "binary", "category")
               and not v.get("pii")}
    id_col = header.index(cb["survey"]["id"]) if cb["survey"]["id"] in header else 0
    ids = Counter(unicodedata.normalize("NFKC", row[id_col]).strip() for row in body)
    return data, codebook, planted, {"not_numbers": not_numbers, "numeric": numeric, "ids": ids}


def _survey_text(survey: ma.Survey) -> str:
    """Everything a survey shows a user, as text."""
    parts = [
        survey.data.to_csv(index=False),
        survey.problems.to_csv(index=False),
        "\n".join(str(p) for p in survey.problem_list),
        survey.ledger.to_csv(index=False),
        survey.missing_counts.to_csv(index=False),
        survey.summary(),
        repr(survey),
    ]
    return "\n".join(parts)


def _check_survey(survey: ma.Survey, n_rows: int, kinds: set[str], facts: dict) -> None:
    assert survey.n_read == survey.n_analysed + survey.n_excluded
    assert len(survey.ledger) == n_rows, (len(survey.ledger), n_rows)
    assert len(survey.data) == survey.n_analysed
    # an analysed row has a respondent id (a missing id is structural: the row is excluded)
    id_col = survey.codebook.survey.id
    if id_col in survey.data.columns:
        assert survey.data[id_col].notna().all(), "analysed rows without a respondent id"
    leaked = _leaks(_survey_text(survey), kinds)
    assert not leaked, f"personal values unmasked in the survey: {leaked}"
    # a respondent is a duplicate only if its id occurs more than once in the file
    dups = survey.problems.loc[survey.problems["rule"] == "duplicate_id", "respondent"]
    for rid in dups.dropna().astype(str):
        if re.fullmatch(r"V\d\d-\d{3}", rid):  # an id of the sample, not a pseudonym or a mask
            assert facts["ids"][rid] >= 2, f"{rid!r} occurs once but is reported as duplicate_id"
    # text that is not a number is a problem of its cell, never a number
    if facts["not_numbers"]:
        flagged = {(str(c), str(v)) for c, v in
                   zip(survey.problems["column"], survey.problems["value"], strict=True)}
        for column, _ in facts["not_numbers"]:
            if column not in facts["numeric"] or column not in survey.data.columns:
                continue
            assert any(c == column and v.strip() in NOT_NUMBERS for c, v in flagged), (
                f"text that is not a number was read as one in column {column!r} "
                "(no problem names the text as written)"
            )


def _read(case: dict):
    """Run read_survey on the case; return (survey or None, error or None, warnings, n, kinds, facts)."""
    with tempfile.TemporaryDirectory() as tmp:
        data, codebook, planted, facts = _build(case, Path(tmp))
        kinds = _kinds_of(planted)
        survey = error = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                survey = ma.read_survey(data, codebook=codebook, on_invalid=case["on_invalid"])
            except MutualAidError as exc:
                error = exc
    return survey, error, caught, len(_BASES[case["base"]][1]), kinds, facts


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=_case())
def test_read_survey_survives_mutated_files(case: dict) -> None:
    survey, error, caught, n_rows, kinds, facts = _read(case)

    foreign = [w for w in caught if not issubclass(w.category, MutualAidWarning)]
    assert not foreign, f"warnings that are not the package's own: {[str(w.message) for w in foreign]}"
    for w in caught:
        leaked = _leaks(str(w.message), kinds)
        assert not leaked, f"personal values unmasked in a warning: {leaked}"
    if error is not None:
        leaked = _leaks(str(error), kinds)
        assert not leaked, f"personal values unmasked in {type(error).__name__}: {leaked}"
        inner = getattr(error, "survey", None)
        if isinstance(error, SurveyValidationError) and inner is not None:
            _check_survey(inner, n_rows, kinds, facts)
        return
    assert survey is not None
    if case["on_invalid"] == "raise":
        assert not (survey.problems["severity"] == "error").any()
    _check_survey(survey, n_rows, kinds, facts)


# ---------------------------------------------------------------------------
# The whole report
# ---------------------------------------------------------------------------

def _col(base: str, name: str) -> int:
    """Position of a column in a base file."""
    return _BASES[base][0].index(name)


def _var(base: str, name: str) -> int:
    """Position of a variable in a base codebook."""
    return [v["name"] for v in _BASES[base][2]["variable"]].index(name)


_L = "long_all"
_FORMULA = "=cmd|' /C calc'!A0"
_SCRIPT = "<script>alert(1)</script>"
_IMG = "<img src=x onerror=alert(1)>"
_REPORT_CASES = {
    # personal values and formulas in columns the report can do without, an
    # undeclared name column, GB18030 with CRLF: the report must be written
    "gb18030-missing": {
        "base": _L, "encoding": "gb18030", "newline": "\r\n", "on_invalid": "missing",
        "cells": [(3, _col(_L, "n_migrated"), PHONE), (7, _col(_L, "health"), RESIDENT_ID),
                  (9, _col(_L, "adl"), f"电话：{PHONE}"), (13, _col(_L, "schooling"), EMAIL),
                  (15, _col(_L, "age"), "=cmd|' /C calc'!A0")],
        "extra": ("姓名", [NAME, "李建国"]), "codebook": [], "report": True,
    },
    # personal values as respondent ids, a formula as an id, R's NA, huge
    # numbers, a column marked pii by the codebook, UTF-16
    "utf16-exclude": {
        "base": _L, "encoding": "utf-16", "newline": "\n", "on_invalid": "exclude",
        "cells": [(5, 0, PHONE), (6, 0, RESIDENT_ID), (11, 0, "=HYPERLINK(\"http://x\")"),
                  (8, _col(_L, "sex"), "NA"), (10, _col(_L, "age"), "99999999999999999999999999"),
                  (12, _col(_L, "schooling"), IPV4)],
        "extra": ("联系电话", [PHONE_SPACED, PHONE_PREFIXED]),
        "codebook": [("pii", _var(_L, "schooling"), None)], "report": True,
    },
    # a formula as the treated arm (it reaches the tables' group column),
    # script in the title and a circle's label (they reach the report)
    "arm-formula": {
        "base": _L, "encoding": "utf-8", "newline": "\n", "on_invalid": "exclude",
        "cells": [(r, _col(_L, "arm"), _FORMULA) for r, row in enumerate(_BASES[_L][1])
                  if row[_col(_L, "arm")] == "workshop"],
        "extra": None, "report": True,
        "codebook": [("treated", 0, _FORMULA), ("title", 0, _SCRIPT),
                     ("circle_label", 0, _IMG)],
    },
    # personal values in willingness items (the columns are blanked): the
    # run either reports or fails as a data problem (exit 1), never leaks
    "items-missing": {
        "base": _L, "encoding": "gb18030", "newline": "\r\n", "on_invalid": "missing",
        "cells": [(3, _col(_L, "will_rel_care"), PHONE), (7, _col(_L, "will_fri_emo"), RESIDENT_ID),
                  (11, _col(_L, "will_vil_chore"), f"电话：{PHONE}")],
        "extra": None, "codebook": [], "report": False,
    },
    # 60 rows over 12 villages and two waves: too few for some analyses, which
    # is a data problem (exit 1) or a report that leaves them out, not a usage error
    "thin-slice": {
        "base": "long", "encoding": "utf-8", "newline": "\n", "on_invalid": "missing",
        "cells": [(3, _col(_L, "n_migrated"), PHONE), (5, _col(_L, "age"), "NA")],
        "extra": None, "codebook": [], "report": False,
    },
    # the Chinese export with text answers, UTF-8 with BOM
    "export": {
        "base": "export", "encoding": "utf-8-sig", "newline": "\r\n", "on_invalid": "missing",
        "cells": [(2, 3, PHONE), (4, 3, RESIDENT_ID), (6, 2, "=HYPERLINK(\"http://x\")"),
                  (8, 3, "1_0"), (10, 0, f"{NAME}（女儿）")],
        "extra": ("备注", [f"联系人{NAME} {PHONE}", "无"]), "codebook": [], "report": True,
    },
}


def _config(folder: Path, data: Path, codebook: Path, on_invalid: str, base: str) -> Path:
    analysis = {"mixed_model": False}
    if base.startswith("long"):
        analysis["covariates"] = ["age", "sex"]
    config = {
        "data": {"path": data.name, "codebook": codebook.name, "on_invalid": on_invalid},
        "analysis": analysis,
        "inference": {"bootstrap_B": 199, "seed": 1},
        "report": {"formats": ["png", "svg"], "dpi": 50},
    }
    path = folder / "analysis.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(_REPORT_CASES))
def test_report_never_publishes_planted_personal_values(name: str, tmp_path: Path) -> None:
    from mutualaid_analysis.cli.main import main

    case = _REPORT_CASES[name]
    data, codebook, planted, _ = _build(case, tmp_path)
    kinds = _kinds_of(planted)
    config = _config(tmp_path, data, codebook, case["on_invalid"], case["base"])
    out = tmp_path / "report"
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
        warnings.simplefilter("always")
        code = main(["run", str(config), "--out", str(out), "--quiet"])
    messages = stderr.getvalue() + "\n".join(str(w.message) for w in caught)
    assert not _leaks(messages, kinds), _leaks(messages, kinds)
    foreign = [str(w.message) for w in caught if not issubclass(w.category, MutualAidWarning)]
    assert not foreign, f"warnings that are not the package's own: {foreign}"
    assert code in (0, 1), messages  # 2 is a usage error; the inputs here are valid usage
    if case["report"]:
        assert code == 0, messages
    if code == 1:
        assert not out.exists()  # written whole or not at all
        return
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "report.html" for p in written)
    for path in written:
        # every file, figures included (PNG metadata, SVG text), read as text
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = _leaks(text, kinds)
        assert not leaked, f"{path.relative_to(out)} holds {leaked}"
    # no cell of a published table starts a spreadsheet formula
    for table in [*(out / "tables").glob("*.csv"), out / "ledger.csv"]:
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        for column in frame.columns:
            bad = frame[column][frame[column].str.match(r"^[=+@\t\r]|^-[^0-9.]")]
            assert bad.empty, f"{table.name}:{column} starts a formula: {bad.tolist()[:3]}"
    # HTML from the data or the codebook is shown as text, never as markup
    for report in ("report.html", "report.md"):
        text = (out / report).read_text(encoding="utf-8")
        for markup in (_SCRIPT, _IMG, "<script"):
            assert markup not in text, f"{report} holds {markup!r}"
