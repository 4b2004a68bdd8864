"""Tests of mutualaid_analysis.data.readers (raw file reading, no codebook)."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualaid_analysis.data.readers import (
    FileMeta,
    RawTable,
    detect_encoding,
    read_raw,
    sha256_file,
)
from mutualaid_analysis.exceptions import DataFileError, UsageError

# --------------------------------------------------------------------------- #
# The shared small table
# --------------------------------------------------------------------------- #

ID, VILLAGE, AGE, WILL, ANSWER, SCORE = "编号", "村", "年龄", "意愿亲属", "回答", "得分"

WILL_LABELS = {
    1: "非常不愿意",
    2: "不太愿意",
    3: "一般",
    4: "比较愿意",
    5: "非常愿意",
    98: "不知道",
}


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            ID: ["001", "002", "010"],
            VILLAGE: ["张村", "李村", "张村"],
            AGE: [61, 72, 80],
            WILL: [5, 98, 4],
            ANSWER: ["比较愿意", "NA", "非常愿意"],
            SCORE: [1.5, np.nan, 3.25],
        }
    )


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The documented normalisation before comparing formats.

    Numeric columns become float64 (SPSS and Stata store doubles, CSV and Excel
    give int64 for whole numbers); every other column becomes object holding
    ``str`` with missing as ``None`` (pandas 3 reads text as its ``str`` dtype,
    pyreadstat may give object).  Column labels become a plain list of str.
    """
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype):
            out[str(col)] = s.astype("float64")
        else:
            out[str(col)] = pd.Series(
                [None if pd.isna(v) else str(v) for v in s], dtype=object, index=s.index
            )
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


EXPECTED = normalise(sample_frame())


def write_csv(path, frame: pd.DataFrame, encoding: str, sep: str = ",") -> None:
    text = frame.to_csv(index=False, sep=sep, lineterminator="\n")
    path.write_bytes(text.encode(encoding))


# --------------------------------------------------------------------------- #
# Same table, every format
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_csv_encodings_read_back_equal(tmp_path, encoding, detected):
    path = tmp_path / "survey.csv"
    write_csv(path, sample_frame(), encoding)
    raw = read_raw(path, text_columns=[ID])
    assert isinstance(raw, RawTable)
    assert raw.format == "csv"
    assert raw.encoding == detected
    assert raw.delimiter == ","
    assert detect_encoding(path.read_bytes()) == detected
    pd.testing.assert_frame_equal(normalise(raw.frame), EXPECTED)
    assert raw.frame[ANSWER].tolist() == ["比较愿意", "NA", "非常愿意"]
    assert raw.n_rows == 3 and raw.n_columns == 6
    assert raw.meta is None and raw.ragged_rows == []
    assert raw.lines().tolist() == [2, 3, 4]
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert raw.frame[AGE].dtype == np.int64
    assert isinstance(raw.frame.index, pd.RangeIndex)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_tsv(tmp_path, encoding):
    path = tmp_path / "survey.tsv"
    write_csv(path, sample_frame(), encoding, sep="\t")
    raw = read_raw(path, text_columns=[ID])
    assert raw.delimiter == "\t" and raw.encoding == encoding
    pd.testing.assert_frame_equal(normalise(raw.frame), EXPECTED)


@pytest.mark.parametrize("sep", [";", "|"])
def test_other_delimiters_detected(tmp_path, sep):
    path = tmp_path / "survey.txt"
    write_csv(path, sample_frame(), "gbk", sep=sep)  # "|" is a GBK trail byte
    raw = read_raw(path, text_columns=[ID])
    assert raw.delimiter == sep
    pd.testing.assert_frame_equal(normalise(raw.frame), EXPECTED)


def test_xlsx(tmp_path):
    path = tmp_path / "survey.xlsx"
    sample_frame().to_excel(path, index=False)
    raw = read_raw(path, text_columns=[ID])
    assert raw.format == "xlsx"
    assert raw.encoding is None and raw.delimiter is None and raw.meta is None
    pd.testing.assert_frame_equal(normalise(raw.frame), EXPECTED)
    assert raw.lines().tolist() == [2, 3, 4]
    assert raw.sha256 == sha256_file(path)


def test_sav(tmp_path):
    path = tmp_path / "survey.sav"
    frame = sample_frame()
    frame["紧急"] = [1.0, -9.0, 2.0]
    pyreadstat.write_sav(
        frame,
        path,
        column_labels={WILL: "愿意为亲属提供生活照料"},
        variable_value_labels={WILL: WILL_LABELS},
        missing_ranges={WILL: [98, 99, -9], "紧急": [{"lo": -9.0, "hi": -7.0}, 99]},
        variable_measure={WILL: "ordinal", SCORE: "scale"},
    )
    raw = read_raw(path)
    assert raw.format == "sav" and raw.encoding is None and raw.delimiter is None
    pd.testing.assert_frame_equal(normalise(raw.frame.drop(columns="紧急")), EXPECTED)
    # user-missing codes stay values (the validation layer counts them)
    assert raw.frame[WILL].tolist() == [5, 98, 4]
    assert raw.frame["紧急"].tolist() == [1, -9, 2]
    assert isinstance(raw.meta, FileMeta)
    assert raw.meta.column_labels == {WILL: "愿意为亲属提供生活照料"}
    assert raw.meta.value_labels == {WILL: WILL_LABELS}
    assert all(type(k) is int for k in raw.meta.value_labels[WILL])
    assert raw.meta.missing_values == {WILL: [98, 99, -9], "紧急": [(-9, -7), 99]}
    assert raw.meta.measure[WILL] == "ordinal"
    assert raw.meta.measure[SCORE] == "scale"
    assert raw.lines().tolist() == [1, 2, 3]


def test_dta(tmp_path):
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(
        sample_frame(),
        path,
        column_labels={WILL: "愿意为亲属提供生活照料"},
        variable_value_labels={WILL: WILL_LABELS},
    )
    raw = read_raw(path)
    assert raw.format == "dta" and raw.encoding is None
    pd.testing.assert_frame_equal(normalise(raw.frame), EXPECTED)
    assert raw.meta.column_labels == {WILL: "愿意为亲属提供生活照料"}
    assert raw.meta.value_labels == {WILL: WILL_LABELS}
    assert raw.meta.missing_values == {} and raw.meta.measure == {}
    assert raw.lines().tolist() == [1, 2, 3]


# --------------------------------------------------------------------------- #
# Encodings
# --------------------------------------------------------------------------- #


def test_detect_encoding_rules():
    text = "编号,回答\n1,比较愿意\n"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(text.encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(text.encode("gb2312")) == "gb18030"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    assert detect_encoding(text.encode("utf-16")) == "utf-16"
    assert detect_encoding(b"\xfe\xff" + text.encode("utf-16-be")) == "utf-16"
    assert detect_encoding(b"id,x\n1,2\n") == "utf-8"  # ASCII is UTF-8


def test_short_gbk_that_is_valid_utf8():
    """The documented limit of the deterministic rule: UTF-8 wins when valid.

    愿 is D4 B8 in GBK, which is also the UTF-8 encoding of U+0538.  Real files
    hold enough Chinese text for this not to happen; ``encoding=`` settles it.
    """
    data = "_,愿\n".encode("gbk")
    assert data.decode("utf-8") == "_,\u0538\n"
    assert detect_encoding(data) == "utf-8"
    assert detect_encoding("意愿编号,村\n1,张村\n".encode("gbk")) == "gb18030"


def test_invalid_bytes_in_both_encodings(tmp_path):
    head = "编号,回答\n1,比较愿意\n".encode()
    data = head + b"2,ab\xff\n"
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    offset = len(head) + 4
    with pytest.raises(DataFileError) as info:
        read_raw(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"byte offset {offset}" in msg
    assert "line 3" in msg
    assert "encoding=" in msg
    with pytest.raises(DataFileError, match=f"byte offset {offset}"):
        detect_encoding(data)


def test_bom_with_invalid_utf8():
    with pytest.raises(DataFileError, match="byte offset 7"):
        detect_encoding(b"\xef\xbb\xbfa,b\n\xff\n")


def test_sha256_file(tmp_path):
    path = tmp_path / "x.bin"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    with pytest.raises(DataFileError):
        sha256_file(tmp_path / "missing.bin")


@pytest.mark.parametrize("quoted", [False, True])
def test_gbk_text_after_the_first_megabyte(tmp_path, quoted):
    """Only the first MB is checked up front; pandas' strict decoding does the rest."""
    filler = "1,ok,2\n" * 160_000  # > 1 MB of ASCII
    tail = '3,"比较,愿意",4\n' if quoted else "3,比较愿意,4\n"
    path = tmp_path / "late.csv"
    path.write_bytes(("id,回答,x\n" + filler + tail).encode("gbk"))
    raw = read_raw(path)
    assert raw.encoding == "gb18030"
    assert raw.frame["回答"].iloc[-1] == ("比较,愿意" if quoted else "比较愿意")
    assert raw.n_rows == 160_001

    head = "id,回答,x\n".encode() + filler.encode()
    path.write_bytes(head + b"3,\xff\xff,4\n")
    with pytest.raises(DataFileError, match=f"byte offset {len(head) + 2}.*line 160002"):
        read_raw(path)
    with pytest.raises(DataFileError, match=f"byte offset {len(head) + 2}"):
        read_raw(path, encoding="utf-8")


def test_given_encoding_used_and_normalised(tmp_path):
    path = tmp_path / "gbk.csv"
    write_csv(path, sample_frame(), "gbk")
    for name in ("GBK", "gbk", "cp936"):
        raw = read_raw(path, encoding=name, text_columns=[ID])
        assert raw.encoding == "gbk"
        pd.testing.assert_frame_equal(normalise(raw.frame), EXPECTED)


def test_given_encoding_decode_failure(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,answer\n1,ok\n2,比较愿意\n".encode("gbk"))
    with pytest.raises(DataFileError) as info:
        read_raw(path, encoding="utf-8")
    msg = str(info.value)
    assert str(path) in msg and "utf-8" in msg
    assert "byte offset 17" in msg and "line 3" in msg


def test_given_utf8_strips_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("编号,x\n1,2\n".encode("utf-8-sig"))
    raw = read_raw(path, encoding="utf-8")
    assert list(raw.frame.columns) == ["编号", "x"]


def test_unknown_encoding_name(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(UsageError, match="Unknown encoding"):
        read_raw(path, encoding="no-such-codec")


def test_nul_bytes_without_bom(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16-le"))
    with pytest.raises(DataFileError, match="NUL"):
        read_raw(path)
    raw = read_raw(path, encoding="utf-16-le")
    assert raw.frame.to_dict("list") == {"a": [1], "b": [2]}


# --------------------------------------------------------------------------- #
# Ragged rows, blank lines and line numbers
# --------------------------------------------------------------------------- #


def test_ragged_rows_without_quotes(tmp_path):
    text = "id,a,b\n1,2,3\n\n2,5,6,7\n   \n3,8\n4,9,10\n5\n"
    path = tmp_path / "ragged.csv"
    path.write_bytes(text.encode())
    raw = read_raw(path)
    assert raw.ragged_rows == [(1, 4), (2, 2), (4, 1)]
    assert raw.lines().tolist() == [2, 4, 6, 7, 8]
    f = raw.frame
    assert list(f.columns) == ["id", "a", "b"]
    assert f["id"].tolist() == [1, 2, 3, 4, 5]
    assert f.loc[1, "b"] == 6  # truncated, not dropped
    assert pd.isna(f.loc[2, "b"]) and pd.isna(f.loc[4, "a"])  # padded


def test_no_final_newline_and_single_column(tmp_path):
    path = tmp_path / "nofinal.csv"
    path.write_bytes(b"id,x\n1,2\n3")
    raw = read_raw(path)
    assert raw.ragged_rows == [(1, 1)] and raw.lines().tolist() == [2, 3]
    path.write_bytes(b"id\n1\n2,3\n\n4")
    raw = read_raw(path)
    assert raw.frame["id"].tolist() == [1, 2, 4]
    assert raw.ragged_rows == [(1, 2)] and raw.lines().tolist() == [2, 3, 5]


def test_many_rows_with_empty_last_column(tmp_path):
    """Rows whose last cell is missing are checked for missing fields, vectorised."""
    body = ["1,a," if i % 3 else "1,a" for i in range(3000)]
    path = tmp_path / "sparse.csv"
    path.write_bytes(("id,x,note\n" + "\n".join(body) + "\n").encode())
    raw = read_raw(path)
    assert raw.ragged_rows == [(i, 2) for i in range(0, 3000, 3)]
    assert raw.frame["note"].isna().all()


@pytest.mark.parametrize(
    ("text", "ragged"),
    [
        ("a,b\n1,2,\n3,4\n", [(0, 3)]),  # pandas drops one empty extra field silently
        ("a\n1,\n2\n", [(0, 2)]),
        ("a,b\n1,2,\n3\n", [(0, 3), (1, 1)]),  # a long and a short row
        ("a,b\n1,2,, \n3,4\n", [(0, 4)]),
    ],
)
def test_one_empty_field_too_many(tmp_path, text, ragged):
    path = tmp_path / "trailing.csv"
    path.write_bytes(text.encode())
    raw = read_raw(path)
    assert raw.ragged_rows == ragged
    assert raw.frame.iloc[:, 0].tolist()[0] == 1


def test_ragged_rows_crlf(tmp_path):
    text = "id,a\r\n1,2\r\n\r\n2,3,4,5\r\n3\r\n"
    path = tmp_path / "crlf.csv"
    path.write_bytes(text.encode())
    raw = read_raw(path)
    assert raw.ragged_rows == [(1, 4), (2, 1)]
    assert raw.lines().tolist() == [2, 4, 5]
    assert raw.frame["a"].tolist()[:2] == [2, 3]


def test_ragged_rows_with_quotes_and_newlines(tmp_path):
    text = (
        "id,note,x\n"
        '1,"a, b",2\n'
        "\n"
        '2,"line one\nline two\n\nline four",3,extra\n'
        '3,"say ""hi"""\n'
        "  \n"
        '4,"多行\r\n文字",5\n'
    )
    path = tmp_path / "quoted.csv"
    path.write_bytes(text.encode("gb18030"))
    raw = read_raw(path)
    assert raw.encoding == "gb18030"
    assert raw.ragged_rows == [(1, 4), (2, 2)]
    assert raw.lines().tolist() == [2, 4, 8, 10]
    assert raw.frame["note"].tolist() == [
        "a, b",
        "line one\nline two\n\nline four",
        'say "hi"',
        "多行\r\n文字",
    ]
    assert raw.frame["x"].tolist()[:2] == [2, 3]
    assert pd.isna(raw.frame.loc[2, "x"])


def test_lines_with_embedded_newlines_match_csv_module(tmp_path):
    rows = [["id", "text"], [1, "a\nb"], [2, "c"], [3, "d\r\ne\nf"], [4, ""]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp_path / "nl.csv"
    path.write_bytes(buf.getvalue().encode())
    raw = read_raw(path)
    assert raw.lines().tolist() == [2, 4, 5, 8]
    assert raw.lines() is raw.lines()  # cached
    assert raw.lines().dtype == np.int64
    assert not raw.lines().flags.writeable


def test_lines_after_file_changed(tmp_path):
    path = tmp_path / "changing.csv"
    path.write_bytes(b"id,x\n1,2\n\n3,4\n")
    raw = read_raw(path)
    path.write_bytes(b"id,x\n1,2\n3,4\n")
    with pytest.raises(DataFileError, match="changed"):
        raw.lines()
    raw = read_raw(path)
    assert raw.lines().tolist() == [2, 3]
    path.write_bytes(b"")  # cached: no second read
    assert raw.lines().tolist() == [2, 3]


def test_leading_blank_lines_before_header(tmp_path):
    path = tmp_path / "lead.csv"
    path.write_bytes(b"\n\nid,x\n1,2\n\n3,4\n")
    raw = read_raw(path)
    assert raw.frame.to_dict("list") == {"id": [1, 3], "x": [2, 4]}
    assert raw.lines().tolist() == [4, 6]


def test_header_only_gives_empty_frame(tmp_path):
    path = tmp_path / "head.csv"
    path.write_bytes("编号,回答\n".encode())
    raw = read_raw(path)
    assert list(raw.frame.columns) == ["编号", "回答"]
    assert raw.n_rows == 0 and raw.lines().tolist() == []


def test_single_column(tmp_path):
    path = tmp_path / "one.csv"
    path.write_bytes(b'id\n1\n\n"  "\n3\n')
    raw = read_raw(path, text_columns=["id"])
    assert raw.frame["id"].tolist() == ["1", "  ", "3"]
    assert raw.lines().tolist() == [2, 4, 5]


def test_large_file_parallel_path(tmp_path):
    """Big enough (> 5 MB) for pandas' parallel reader; problems deep inside."""
    n = 120_000
    rng = np.random.default_rng(1)
    values = rng.integers(1, 6, size=(n, 12))
    lines = [",".join(map(str, r)) for r in values.tolist()]
    lines[100_000] = lines[100_000] + ",9"  # too many fields
    lines[110_000] = "1,2"  # too few
    lines[115_000] = "不知道," + lines[115_000].split(",", 1)[1]  # text in a numeric column
    text = "\n".join([",".join(f"q{i}" for i in range(12)), *lines[:50_000], "", *lines[50_000:]])
    path = tmp_path / "big.csv"
    path.write_bytes(text.encode())
    raw = read_raw(path)
    assert raw.n_rows == n
    assert raw.ragged_rows == [(100_000, 13), (110_000, 2)]
    lines_ = raw.lines()
    assert lines_[0] == 2 and lines_[49_999] == 50_001 and lines_[50_000] == 50_003
    assert lines_[-1] == n + 2
    q0 = raw.frame["q0"]
    assert q0.iloc[115_000] == "不知道"
    assert {type(v) for v in q0.iloc[:10]} == {str}  # one type for the whole column
    assert raw.frame["q11"].iloc[100_000] == values[100_000, 11]


# --------------------------------------------------------------------------- #
# Values and types
# --------------------------------------------------------------------------- #


def test_text_columns_keep_leading_zeros_and_na_strings(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_bytes(
        "id,phone,回答,x\n007,01012345678,NA,1\n010,,null,\n,1, 比较愿意 ,None\n".encode()
    )
    raw = read_raw(path, text_columns=["id", "phone", "not_in_file"])
    f = raw.frame
    assert f["id"].tolist()[:2] == ["007", "010"] and pd.isna(f["id"].iloc[2])
    assert f["phone"].iloc[0] == "01012345678"
    assert f["回答"].tolist() == ["NA", "null", " 比较愿意 "]  # kept, not stripped
    assert f["x"].iloc[0] == "1" and pd.isna(f["x"].iloc[1]) and f["x"].iloc[2] == "None"
    plain = read_raw(path)
    assert plain.frame["id"].iloc[0] == 7  # without text_columns pandas infers numbers


def test_header_names_stripped(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(" id ,\t回答 \n1,a\n".encode())
    assert list(read_raw(path).frame.columns) == ["id", "回答"]


def test_explicit_delimiter(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"a;b,c\n1;2,3\n")
    assert list(read_raw(path).frame.columns) == ["a;b", "c"]
    raw = read_raw(path, delimiter=";")
    assert raw.delimiter == ";" and list(raw.frame.columns) == ["a", "b,c"]
    with pytest.raises(UsageError):
        read_raw(path, delimiter='"')


# --------------------------------------------------------------------------- #
# Unreadable files
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "header",
    ["id,回答,id\n", "id, 回答 ,回答\n", 'id,"x",x\n'],
    ids=["plain", "stripped", "quoted"],
)
def test_duplicate_header(tmp_path, header):
    path = tmp_path / "dup.csv"
    path.write_bytes((header + "1,2,3\n").encode())
    with pytest.raises(DataFileError, match="duplicate column names") as info:
        read_raw(path)
    assert str(path) in str(info.value)


def test_empty_header_name(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(b"id,,x\n1,2,3\n")
    with pytest.raises(DataFileError, match=r"empty column names \(column 2\)"):
        read_raw(path)


def test_duplicate_header_xlsx(tmp_path):
    path = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id", "x", "id"])
    wb.active.append([1, 2, 3])
    wb.save(path)
    with pytest.raises(DataFileError, match="'id'"):
        read_raw(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"], ids=["zero-bytes", "blank-lines"])
def test_empty_csv(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match="is empty"):
        read_raw(path)


@pytest.mark.parametrize("suffix", [".sav", ".dta", ".xlsx"])
def test_empty_binary(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(DataFileError, match="is empty"):
        read_raw(path)


def test_empty_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(DataFileError, match="is empty"):
        read_raw(path)


def test_unknown_extension(tmp_path):
    path = tmp_path / "survey.json"
    path.write_text("{}")
    with pytest.raises(DataFileError) as info:
        read_raw(path)
    msg = str(info.value)
    assert str(path) in msg and ".csv" in msg and ".sav" in msg and ".dta" in msg


def test_xls_says_save_as_xlsx(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataFileError, match=r"\.xlsx"):
        read_raw(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        read_raw(tmp_path / "nope.csv")


@pytest.mark.parametrize("suffix", [".sav", ".dta", ".xlsx"])
def test_corrupt_binary(tmp_path, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(b"this is not that kind of file")
    with pytest.raises(DataFileError, match=re.escape(str(path))):
        read_raw(path)


# --------------------------------------------------------------------------- #
# Excel specifics
# --------------------------------------------------------------------------- #


def test_xlsx_sheets_blank_rows_and_extra_columns(tmp_path):
    path = tmp_path / "wb.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["not the data"])
    data = wb.create_sheet("数据")
    data.append(["id", "回答", "x"])
    data.append(["007", "比较愿意", 1])
    data.append([None, None, None])
    data.append(["008", "NA", None])
    wb.save(path)
    for sheet in ("数据", 1):
        raw = read_raw(path, sheet=sheet, text_columns=["id"])
        assert raw.frame["id"].tolist()[::2] == ["007", "008"]
        assert raw.frame["回答"].tolist()[::2] == ["比较愿意", "NA"]
        assert raw.lines().tolist() == [2, 3, 4]
    assert list(read_raw(path).frame.columns) == ["not the data"]
    with pytest.raises(DataFileError, match="数据"):
        read_raw(path, sheet="nope")

    data.cell(row=2, column=5, value="stray")
    wb.save(path)
    with pytest.raises(DataFileError, match="column E"):
        read_raw(path, sheet="数据")


# --------------------------------------------------------------------------- #
# Property test
# --------------------------------------------------------------------------- #

CELL_CHARS = 'ab1 ,;|\t"\n\r比较愿意亲属不知道'
NAME_CHARS = "abcxyz_意愿编号"
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"]


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def tables(draw):
    """Header names, column kinds, columns, and the line terminator to write with.

    With a "\n" terminator the csv module (3.11) does not quote a lone "\r", so
    the file would really contain a line break there: such cells are not drawn.
    """
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    chars = CELL_CHARS if terminator == "\r\n" else CELL_CHARS.replace("\r", "")
    n_cols = draw(st.integers(2, 5))
    names = draw(
        st.lists(
            st.text(NAME_CHARS, min_size=1, max_size=4),
            min_size=n_cols,
            max_size=n_cols,
            unique=True,
        )
    )
    kinds = draw(st.lists(st.sampled_from(["int", "str"]), min_size=n_cols, max_size=n_cols))
    n_rows = draw(st.integers(0, 8))
    columns = []
    for kind in kinds:
        cells = st.integers(-(10**6), 10**6) if kind == "int" else st.text(chars, max_size=6)
        columns.append(draw(st.lists(cells, min_size=n_rows, max_size=n_rows)))
    return names, kinds, columns, terminator


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=tables(),
    encoding=st.sampled_from(ENCODINGS),
    sep=st.sampled_from([",", "\t", ";", "|"]),
)
def test_roundtrip_property(tmp_path, table, encoding, sep):
    names, kinds, columns, terminator = table
    rows = [list(r) for r in zip(*columns, strict=True)]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=sep, lineterminator=terminator)
    writer.writerow(names)
    writer.writerows(rows)
    text = buf.getvalue()
    path = tmp_path / "prop.csv"
    data = text.encode(encoding)
    path.write_bytes(data)

    text_cols = [n for n, k in zip(names, kinds, strict=True) if k == "str"]
    # A few GBK characters can happen to be valid UTF-8 (see
    # test_short_gbk_that_is_valid_utf8): detection then says UTF-8, by rule.
    ambiguous = encoding in ("gbk", "gb18030") and not text.isascii() and is_utf8(data)
    raw = read_raw(path, text_columns=text_cols, encoding=encoding if ambiguous else None)

    assert list(raw.frame.columns) == names
    assert raw.delimiter == sep
    assert raw.ragged_rows == []
    if encoding in ("utf-16", "utf-8-sig") or ambiguous:
        assert raw.encoding == encoding
    elif text.isascii() or encoding == "utf-8":
        assert raw.encoding == "utf-8"
    else:
        assert raw.encoding == "gb18030"
    for name, kind, values in zip(names, kinds, columns, strict=True):
        got = [None if pd.isna(v) else v for v in raw.frame[name]]
        if kind == "int":
            assert got == values
        else:
            assert got == [v if v != "" else None for v in values]

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    next(reader)
    expected, prev = [], reader.line_num
    for _ in reader:
        expected.append(prev + 1)
        prev = reader.line_num
    assert raw.lines().tolist() == expected
