"""Tests of mutualaid_analysis.data.privacy: detection, masking, pseudonyms, suppression."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualaid_analysis.data.privacy import (
    email_mask,
    find_personal_data,
    ip_mask,
    is_resident_id,
    mask_value,
    mobile_mask,
    personal_column_name,
    pseudonym_key,
    pseudonymise,
    resident_id_check_character,
    resident_id_mask,
    suppress_small_counts,
)
from mutualaid_analysis.exceptions import UsageError

# ---------------------------------------------------------------------------
# Reference check character, written independently of the module
# ---------------------------------------------------------------------------


def iso7064_mod11_2(payload: str) -> str:
    """ISO/IEC 7064 MOD 11-2 check character by the standard's recursive method.

    Pure system, radix 2: p <- ((p + digit) * 2) mod 11 over the digits, then
    the check value c satisfies (p + c) mod 11 == 1.  This formulation uses no
    weight table, so it checks the module's table 7 9 10 5 8 4 2 1 6 3 ...
    """
    p = 0
    for ch in payload:
        p = ((p + int(ch)) * 2) % 11
    return "0123456789X"[(12 - p) % 11]


def with_check(first17: str) -> str:
    return first17 + iso7064_mod11_2(first17)


def test_reference_mod11_2_matches_orcid_example():
    # ORCID iDs use ISO 7064 MOD 11-2; ORCID's documented example iD is
    # 0000-0002-1825-0097 (support.orcid.org, "Structure of the ORCID
    # Identifier"): payload 000000021825009, check character 7.
    assert iso7064_mod11_2("000000021825009") == "7"


# GB 11643-1999 (公民身份号码), section 7 / appendix example numbers:
# 北京市朝阳区 11010519491231002X (female, born 1949-12-31) and
# 广东省汕头市潮阳县 440524188001010014 (male, born 1880-01-01).
GB_EXAMPLE_BEIJING = "11010519491231002X"
GB_EXAMPLE_SHANTOU = "440524188001010014"


def test_published_examples_check_characters():
    assert resident_id_check_character(GB_EXAMPLE_BEIJING[:17]) == "X"
    assert resident_id_check_character(GB_EXAMPLE_SHANTOU[:17]) == "4"
    assert iso7064_mod11_2(GB_EXAMPLE_BEIJING[:17]) == "X"
    assert iso7064_mod11_2(GB_EXAMPLE_SHANTOU[:17]) == "4"


def test_published_examples_validity():
    assert is_resident_id(GB_EXAMPLE_BEIJING)
    assert is_resident_id(GB_EXAMPLE_BEIJING.lower())
    # Check character right, but born 1880: before the 1900-01-01 lower bound.
    assert not is_resident_id(GB_EXAMPLE_SHANTOU)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_agrees_with_reference(first17):
    assert resident_id_check_character(first17) == iso7064_mod11_2(first17)


@pytest.mark.parametrize("bad", ["1234", "1101051949123100", "11010519491231002X", "a" * 17, 17])
def test_check_character_rejects_bad_input(bad):
    with pytest.raises(UsageError):
        resident_id_check_character(bad)


# ---------------------------------------------------------------------------
# Resident identity numbers
# ---------------------------------------------------------------------------

BASE = "11010519800101001"  # fixed 17-digit base: 北京市朝阳区, 1980-01-01, seq 001
VALID = with_check(BASE)


def wrong_check(number: str) -> str:
    alternatives = [c for c in "0123456789X" if c != number[-1].upper()]
    return number[:-1] + alternatives[0]


def test_valid_computed_ids():
    assert is_resident_id(VALID)
    assert is_resident_id(f"  {VALID} ")
    for seq in range(1000):
        assert is_resident_id(with_check(f"110105198001{seq % 28 + 1:02d}{seq:03d}"))


def test_integer_id_is_tested_by_digits():
    number = next(
        with_check(f"1101051980010100{k}")
        for k in range(10)
        if not with_check(f"1101051980010100{k}").endswith("X")
    )
    assert is_resident_id(int(number))


@pytest.mark.parametrize(
    "date",
    [
        "19800230",  # 30 February
        "19810229",  # 29 February in a common year
        "19000229",  # 1900 is not a leap year (divisible by 100)
        "19801301",  # month 13
        "19800001",  # month 0
        "19800100",  # day 0
        "19800431",  # 31 April
        "18991231",  # before 1900
        "99991231",  # in the future
    ],
)
def test_bad_birth_dates(date):
    assert not is_resident_id(with_check(f"110105{date}001"))


def test_leap_day_and_today_accepted():
    assert is_resident_id(with_check("11010520000229001"))  # 2000 is a leap year
    assert is_resident_id(with_check("11010519000101001"))
    today = dt.date.today().strftime("%Y%m%d")
    assert is_resident_id(with_check(f"110105{today}001"))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%Y%m%d")
    assert not is_resident_id(with_check(f"110105{tomorrow}001"))


@pytest.mark.parametrize(
    "bad",
    [
        wrong_check(VALID),
        wrong_check(GB_EXAMPLE_BEIJING),
        VALID[:-1],  # 17 characters
        VALID + "1",  # 19 characters
        "X" + VALID[1:],  # letter in the body
        VALID[:-1] + "Y",
        "",
        None,
        True,
        3.5,
    ],
)
def test_invalid_ids(bad):
    assert not is_resident_id(bad)


def test_resident_id_mask_values_and_types():
    s = pd.Series(
        [
            VALID,
            f" {VALID} ",
            wrong_check(VALID),
            None,
            np.nan,
            "比较愿意",
            GB_EXAMPLE_BEIJING.lower(),
            "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as typed by some IMEs
            f"身份证{VALID}号",
        ],
        index=list("abcdefghi"),
        dtype=object,
    )
    mask = resident_id_mask(s)
    assert isinstance(mask, np.ndarray)
    assert mask.dtype == bool
    assert mask.tolist() == [True, True, False, False, False, False, True, True, False]
    assert resident_id_mask(s, search=True).tolist() == [
        True, True, False, False, False, False, True, True, True,
    ]  # fmt: skip


def test_resident_id_search_ignores_longer_digit_runs():
    s = pd.Series([f"9{VALID}", f"{VALID}9", f"no. {VALID[:-1]}", f"a {VALID} b"])
    assert resident_id_mask(s, search=True).tolist() == [False, False, False, True]


def test_resident_id_mask_integer_column():
    ints = [
        int(with_check(f"1101051980010100{k}"))
        for k in range(10)
        if not with_check(f"1101051980010100{k}").endswith("X")
    ]
    s = pd.Series([*ints, 12345], dtype="int64")
    assert resident_id_mask(s).tolist() == [True] * len(ints) + [False]


def test_resident_id_mask_100k_rows_correct():
    rng = np.random.default_rng(20240501)
    n = 100_000
    years = rng.integers(1920, 2005, n)
    months = rng.integers(1, 13, n)
    days = rng.integers(1, 29, n)
    seqs = rng.integers(0, 1000, n)
    values = [
        with_check(f"110105{y}{m:02d}{d:02d}{q:03d}")
        for y, m, d, q in zip(years, months, days, seqs, strict=True)
    ]
    broken = rng.random(n) < 0.3
    values = [wrong_check(v) if b else v for v, b in zip(values, broken, strict=True)]
    values[::97] = [None] * len(values[::97])
    s = pd.Series(values)
    expected = np.array([v is not None and not b for v, b in zip(values, broken, strict=True)])
    np.testing.assert_array_equal(resident_id_mask(s), expected)
    sample = rng.choice(n, 500, replace=False)
    assert [is_resident_id(values[i]) for i in sample] == expected[sample].tolist()


# ---------------------------------------------------------------------------
# Mobile numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",
        "19912345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "008613812345678",
        "0086 13812345678",
        "8613812345678",
        " 13812345678 ",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_positive(number):
    assert mobile_mask(pd.Series([number])).tolist() == [True]
    assert mobile_mask(pd.Series([f"电话：{number}。"]), search=True).tolist() == [True]


@pytest.mark.parametrize(
    "text",
    [
        "138123456789",  # 12 digits
        "1381234567",  # 10 digits
        "12812345678",  # 12x is not a mobile prefix
        "10012345678",
        "23812345678",
        "013812345678",
        "138 12345 678",  # not the 3-4-4 grouping
        "138--1234-5678",
        "010-12345678",  # Beijing landline
        "+87 13812345678",
    ],
)
def test_mobile_negative(text):
    assert mobile_mask(pd.Series([text])).tolist() == [False]


@pytest.mark.parametrize(
    "text",
    [
        "138123456789",
        "9138123456789",
        "编号 2138123456789",
        "0 138 1234 5678 9",
        GB_EXAMPLE_BEIJING,
        VALID,
    ],
)
def test_mobile_search_not_part_of_longer_number(text):
    assert mobile_mask(pd.Series([text]), search=True).tolist() == [False]


def test_mobile_numeric_columns():
    assert mobile_mask(pd.Series([13812345678, 12, 5], dtype="int64")).tolist() == [
        True, False, False,
    ]  # fmt: skip
    floats = pd.Series([13812345678.0, np.nan, 3.5, 138123456789.0])
    assert mobile_mask(floats).tolist() == [True, False, False, False]
    nullable = pd.Series([13812345678, None], dtype="Int64")
    assert mobile_mask(nullable).tolist() == [True, False]
    mixed = pd.Series([13812345678, "13912345678", "13812345678.0", None, 2.5], dtype=object)
    assert mobile_mask(mixed).tolist() == [True, True, True, False, False]


def test_mobile_mask_100k_rows_correct():
    rng = np.random.default_rng(7)
    n = 100_000
    body = rng.integers(0, 10**9, n)
    second = rng.integers(0, 10, n)
    values = pd.Series([f"1{s}{b:09d}" for s, b in zip(second, body, strict=True)])
    expected = second >= 3
    np.testing.assert_array_equal(mobile_mask(values), expected)
    np.testing.assert_array_equal(mobile_mask(values.astype("int64")), expected)


# ---------------------------------------------------------------------------
# IP and e-mail addresses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "192.168.1.1",
        "0.0.0.0",
        "255.255.255.255",
        " 8.8.8.8 ",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "fe80::1%eth0",
        "::ffff:192.0.2.128",
        "::1",
    ],
)
def test_ip_positive(text):
    assert ip_mask(pd.Series([text])).tolist() == [True]
    assert ip_mask(pd.Series([f"来自 {text}(广东-深圳)"]), search=True).tolist() == [True]


@pytest.mark.parametrize(
    "text",
    [
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "192.168.001.001",  # leading zeros are ambiguous (octal) and rejected
        "192.168.1.-1",
        "12:30:45",  # a clock time
        "00:1a:2b:3c:4d:5e",  # a MAC address
        "2001:db8::g1",
        "::",
        "1:2:3:4:5:6:7:8:9",
        "3.5",
    ],
)
def test_ip_negative(text):
    assert ip_mask(pd.Series([text])).tolist() == [False]


def test_ip_search_boundaries():
    s = pd.Series(["v1.2.3.4.5", "IP为 10.0.0.1。", "12:30:45 签到", "version 1.2.3"])
    assert ip_mask(s, search=True).tolist() == [False, True, False, False]


def test_ip_mask_100k_rows_correct():
    rng = np.random.default_rng(11)
    octets = rng.integers(0, 300, (100_000, 4))
    values = pd.Series([".".join(map(str, row)) for row in octets])
    np.testing.assert_array_equal(ip_mask(values), (octets <= 255).all(axis=1))


def test_email_mask():
    s = pd.Series(["zhang.san@example.com", "12345@qq.com", "not an email", "a@b", None])
    assert email_mask(s).tolist() == [True, True, False, False, False]
    assert email_mask(pd.Series(["联系 li@163.com 谢谢"]), search=True).tolist() == [True]


# ---------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------


def test_mask_value_forms():
    assert mask_value(GB_EXAMPLE_BEIJING, "resident_id") == "110105********002X"
    assert mask_value("+86 138-1234-5678", "phone") == "138****5678"
    assert mask_value("192.168.10.20", "ip") == "192.168.*.*"
    assert mask_value("2001:db8::1", "ip") == "2001:****"
    assert mask_value("zhang@example.com", "email") == "z***@***.com"
    assert mask_value("nothing here", "phone") == "****"
    with pytest.raises(UsageError):
        mask_value("x", "shoe_size")


# ---------------------------------------------------------------------------
# Column names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("姓名", "name"),
        ("名字", "name"),
        ("户主姓名", "name"),
        ("村民姓名", "name"),
        ("name", "name"),
        ("Name", "name"),
        ("full_name", "name"),
        ("fullName", "name"),
        ("respondent_name", "name"),
        ("username", "name"),
        ("village_head_name", "name"),
        ("电话", "phone"),
        ("手机", "phone"),
        ("手机号", "phone"),
        ("联系电话", "phone"),
        ("联系人电话", "phone"),
        ("phone", "phone"),
        ("mobile", "phone"),
        ("tel", "phone"),
        ("tel_no", "phone"),
        ("phone_owner", "phone"),
        ("身份证", "resident_id"),
        ("身份证号", "resident_id"),
        ("id_card", "resident_id"),
        ("idcard", "resident_id"),
        ("ID number", "resident_id"),
        ("IDCardNo", "resident_id"),
        ("住址", "address"),
        ("地址", "address"),
        ("家庭住址", "address"),
        ("address", "address"),
        ("ip", "ip"),
        ("IP", "ip"),
        ("ip_address", "ip"),
        ("IP地址", "ip"),
        ("来源IP", "ip"),
        ("email", "email"),
        ("E-mail", "email"),
        ("email_address", "email"),
        ("邮箱", "email"),
        ("微信", "wechat/qq"),
        ("微信号", "wechat/qq"),
        ("wechat", "wechat/qq"),
        ("QQ", "wechat/qq"),
        ("QQ号", "wechat/qq"),
    ],
)
def test_personal_column_names(header, kind):
    assert personal_column_name(header) == kind


@pytest.mark.parametrize(
    "header",
    [
        "resp_id",
        "id",
        "resident_id",  # a survey's own respondent id, not a 身份证 number
        "village",
        "village_name",
        "村名字",
        "platform_name",
        "name_of_platform",  # documented decision: the name of a thing
        "zip",
        "skip_reason",
        "hotel",
        "mobility",
        "telephone_use",  # survey item: uses a telephone
        "has_phone",
        "phone_use_freq",
        "wechat_use",
        "是否使用智能手机",
        "手机使用时间",
        "contact_freq_children",
        "filename",
        "will_rel_care",
        "gses_01",
        "愿意为亲属提供生活照料",
    ],
)
def test_not_personal_column_names(header):
    assert personal_column_name(header) is None


# ---------------------------------------------------------------------------
# find_personal_data
# ---------------------------------------------------------------------------


def survey_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resp_id": ["r1", "r2", "r3", "r4"],
            "village": ["甲村", "甲村", "乙村", "乙村"],
            "contact": [None, "13812345678", "13912345678", None],
            "note": ["无", f"身份证 {VALID}", "来自 192.168.10.20", "好"],
            "telephone_use": [1, 2, 1, 2],
            "will_rel_care": [5, 4, 3, 5],
            "phone": [None, None, None, None],
        }
    )


def by(problems, rule, column):
    return [p for p in problems if p.rule == rule and p.column == column]


def test_find_personal_data_content():
    problems = find_personal_data(
        survey_frame(),
        file="village.csv",
        lines=np.array([2, 3, 4, 5]),
        id_column="resp_id",
    )
    (mobile,) = by(problems, "undeclared_personal_data", "contact")
    assert mobile.severity == "error"  # analysed=None: everything is analysed
    assert mobile.line == 3
    assert mobile.respondent == "r2"
    assert mobile.file == "village.csv"
    assert mobile.value == "138****5678"
    assert "2 of 2" in mobile.message
    assert "pii = true" in mobile.message
    notes = by(problems, "undeclared_personal_data", "note")
    assert [p.value for p in notes] == ["110105********" + VALID[-4:], "192.168.*.*"]
    assert [p.line for p in notes] == [3, 4]
    # Survey items and a village column are not reported.
    reported = {p.column for p in problems}
    assert not reported & {"resp_id", "village", "telephone_use", "will_rel_care"}


def test_find_personal_data_severity_follows_analysed():
    problems = find_personal_data(survey_frame(), analysed=["note", "will_rel_care"])
    assert {p.severity for p in by(problems, "undeclared_personal_data", "note")} == {"error"}
    assert by(problems, "undeclared_personal_data", "contact")[0].severity == "warning"


def test_find_personal_data_declared_columns_skipped():
    problems = find_personal_data(survey_frame(), declared=["contact", "note", "phone"])
    assert problems == []


def test_name_only_is_a_warning_and_content_raises_it():
    # Header only (the content is codes, not names): a hint.
    frame = pd.DataFrame({"姓名": ["A01", "A02"], "phone": [13812345678, 13912345678]})
    problems = find_personal_data(frame)
    (name,) = by(problems, "personal_column_name", "姓名")
    assert name.severity == "warning"
    assert "pii = true" in name.message
    assert by(problems, "personal_column_name", "phone")[0].severity == "error"
    assert by(problems, "undeclared_personal_data", "phone")[0].severity == "error"
    # An empty column with a personal name is still only a hint.
    (hint,) = find_personal_data(survey_frame()[["phone"]])
    assert (hint.rule, hint.severity) == ("personal_column_name", "warning")


def test_survey_item_with_numbers_is_caught_by_content():
    frame = pd.DataFrame({"telephone_use": ["13812345678", "2"]})
    (problem,) = find_personal_data(frame)
    assert problem.rule == "undeclared_personal_data"
    assert problem.severity == "error"


def test_min_share_and_no_lines():
    frame = pd.DataFrame({"comment": ["ok"] * 19 + ["call 13812345678"]})
    assert find_personal_data(frame, min_share=0.1) == []
    (problem,) = find_personal_data(frame)
    assert problem.line is None
    assert "data row 20" in problem.message
    with pytest.raises(UsageError):
        find_personal_data(frame, min_share=1.5)
    with pytest.raises(UsageError):
        find_personal_data(frame, lines=np.array([1, 2]))
    with pytest.raises(UsageError):
        find_personal_data(frame, id_column="nope")


def test_respondent_id_that_is_a_phone_is_masked():
    frame = pd.DataFrame({"resp_id": ["13812345678", "13912345678"], "x": ["1", "2"]})
    problems = find_personal_data(frame, id_column="resp_id")
    (problem,) = by(problems, "undeclared_personal_data", "resp_id")
    assert problem.respondent == "138****5678"


def test_float_resident_ids_that_lost_digits():
    # 18-digit ids read as float keep ~16 significant digits: still personal.
    frame = pd.DataFrame({"col": [float(VALID), float(with_check("44052419800101002"))]})
    (problem,) = find_personal_data(frame)
    assert problem.rule == "undeclared_personal_data"
    assert problem.value.startswith("110105")
    assert VALID[6:14] not in str(problem)


resident_ids = st.builds(
    lambda region, date, seq: with_check(f"{region}{date:%Y%m%d}{seq:03d}"),
    st.integers(110000, 829999),
    st.dates(dt.date(1900, 1, 1), dt.date.today()),
    st.integers(0, 999),
)
mobiles = st.builds(
    lambda second, rest, style: style.format(n=f"1{second}{rest:09d}"),
    st.integers(3, 9),
    st.integers(0, 10**9 - 1),
    st.sampled_from(["{n}", "+86{n}", "0086 {n}", "备注 {n} 谢谢"]),
)
separated_mobiles = st.builds(
    lambda second, rest, sep: (
        f"1{second}{rest:09d}"[:3]
        + sep
        + f"1{second}{rest:09d}"[3:7]
        + sep
        + f"1{second}{rest:09d}"[7:]
    ),
    st.integers(3, 9),
    st.integers(0, 10**9 - 1),
    st.sampled_from([" ", "-"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.lists(resident_ids, min_size=1, max_size=5),
    phones=st.lists(st.one_of(mobiles, separated_mobiles), min_size=1, max_size=5),
    lower=st.booleans(),
)
def test_problems_never_contain_the_unmasked_value(ids, phones, lower):
    ids = [i.lower() if lower else i for i in ids]
    n = max(len(ids), len(phones))
    frame = pd.DataFrame(
        {
            "resp_id": (phones * n)[:n],  # even the id column leaks nothing
            "身份证": (ids * n)[:n],
            "电话": (phones * n)[:n],
            "comments": [
                f"{a} / {b}" for a, b in zip((ids * n)[:n], (phones * n)[:n], strict=True)
            ],
        }
    )
    problems = find_personal_data(frame, id_column="resp_id", lines=np.arange(2, n + 2))
    assert {p.column for p in problems if p.rule == "undeclared_personal_data"} == {
        "resp_id", "身份证", "电话", "comments",
    }  # fmt: skip
    secrets = [*ids, *(i.upper() for i in ids), *phones]
    secrets += [re.sub(r"\D", "", p)[-11:] for p in phones]
    for problem in problems:
        text = " ".join(
            str(x) for x in (problem, problem.message, problem.value, problem.respondent)
        )
        digits_only = re.sub(r"[^0-9Xx]", "", text)
        for secret in secrets:
            assert secret not in text
            assert re.sub(r"\D", "", secret)[-11:] not in digits_only


# ---------------------------------------------------------------------------
# Pseudonyms
# ---------------------------------------------------------------------------

KEY = "correct horse battery staple"


def test_pseudonymise_format_and_reference_value():
    ids = pd.Series(["r001", " r001 ", "r002", None], index=[10, 11, 12, 13], name="resp_id")
    out = pseudonymise(ids, KEY)
    expected = "p_" + hmac.new(KEY.encode(), b"r001", hashlib.sha256).hexdigest()[:16]
    assert out.iloc[0] == expected
    assert out.iloc[1] == expected  # normalised by str(x).strip()
    assert out.iloc[2] != expected
    assert pd.isna(out.iloc[3])
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.name == "resp_id"
    assert all(re.fullmatch(r"p_[0-9a-f]{16}", v) for v in out.dropna())


def test_pseudonymise_deterministic_and_links_waves():
    pre = pd.Series([1001, 1002, 1003])
    post = pd.Series([1003.0, 1001.0, np.nan])  # read as float in the second wave
    a, b = pseudonymise(pre, KEY), pseudonymise(post, KEY.encode())
    assert pseudonymise(pre, KEY).equals(a)
    assert b.iloc[0] == a.iloc[2]
    assert b.iloc[1] == a.iloc[0]
    assert pd.isna(b.iloc[2])


def test_pseudonymise_key_separation():
    ids = pd.Series([f"r{i:04d}" for i in range(200)])
    a = pseudonymise(ids, KEY)
    b = pseudonymise(ids, KEY + "!")
    assert not set(a) & set(b)
    assert a.nunique() == 200


def test_pseudonymise_rejects_short_key():
    with pytest.raises(UsageError, match="too short"):
        pseudonymise(pd.Series(["r1"]), "short")


def test_pseudonym_key_sources(monkeypatch):
    monkeypatch.delenv("MUTUALAID_PSEUDONYM_KEY", raising=False)
    with pytest.raises(UsageError, match="MUTUALAID_PSEUDONYM_KEY") as info:
        pseudonym_key()
    assert "export" in str(info.value)
    monkeypatch.setenv("MUTUALAID_PSEUDONYM_KEY", "k" * 20)
    assert pseudonym_key() == b"k" * 20
    assert pseudonym_key(KEY) == KEY.encode()  # the config value wins
    assert pseudonym_key("", env_var="MUTUALAID_PSEUDONYM_KEY") == b"k" * 20
    monkeypatch.setenv("OTHER_KEY_VAR", "z" * 16)
    assert pseudonym_key(env_var="OTHER_KEY_VAR") == b"z" * 16


def test_pseudonym_key_too_short_message_hides_the_key(monkeypatch):
    monkeypatch.setenv("MUTUALAID_PSEUDONYM_KEY", "sekrit-1234")
    with pytest.raises(UsageError, match="at least 16") as info:
        pseudonym_key()
    assert "sekrit" not in str(info.value)


# ---------------------------------------------------------------------------
# Small-count suppression
# ---------------------------------------------------------------------------


def results_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "circle": ["relatives", "friends", "villagers", "others", "none"],
            "n": [0, 4, 5, 12, 1],
            "estimate": [np.nan, 0.25, 0.4, 0.5, 1.0],
            "conf_low": [np.nan, 0.01, 0.05, 0.2, 0.0],
            "label": ["", "1/4", "2/5", "6/12", "1/1"],
        }
    )


def test_suppression_threshold_boundaries():
    table = results_table()
    before = table.copy(deep=True)
    out = suppress_small_counts(table, dependent_columns=["estimate", "conf_low", "label"])
    pd.testing.assert_frame_equal(table, before)  # input not modified
    assert out is not table
    assert out["suppressed"].tolist() == [False, True, False, False, True]
    assert out["n"].dtype == "Int64"
    assert out["n"].isna().tolist() == [False, True, False, False, True]
    assert out["n"].iloc[0] == 0 and out["n"].iloc[2] == 5
    for column in ["estimate", "conf_low", "label"]:
        assert out[column].isna().iloc[[1, 4]].all()
        assert out[column].iloc[[2, 3]].notna().all()
    assert out["estimate"].dtype == "Float64"


def test_suppression_of_zeros_and_threshold():
    out = suppress_small_counts(results_table(), suppress_zero=True)
    assert out["suppressed"].tolist() == [True, True, False, False, True]
    out = suppress_small_counts(results_table(), threshold=13)
    assert out["suppressed"].tolist() == [False, True, True, True, True]
    out = suppress_small_counts(results_table(), threshold=1)
    assert not out["suppressed"].any()


def test_suppression_named_count_columns_and_chaining():
    table = pd.DataFrame({"n_pre": [3, 20], "n_post": [20, 2], "diff": [0.1, 0.2]})
    once = suppress_small_counts(table, ["n_pre"], dependent_columns=["diff"])
    assert once["suppressed"].tolist() == [True, False]
    twice = suppress_small_counts(once, ["n_post"], dependent_columns=["diff"])
    assert twice["suppressed"].tolist() == [True, True]
    assert twice["n_pre"].isna().tolist() == [True, False]
    assert twice["n_post"].isna().tolist() == [False, True]
    assert twice["diff"].isna().all()


@pytest.mark.parametrize("threshold", [0, -1, 2.5, "5", True, None])
def test_suppression_bad_threshold(threshold):
    with pytest.raises(UsageError, match="threshold"):
        suppress_small_counts(results_table(), threshold=threshold)


def test_suppression_usage_errors():
    with pytest.raises(UsageError, match="'n'"):
        suppress_small_counts(pd.DataFrame({"count": [1]}))
    with pytest.raises(UsageError, match="missing_col"):
        suppress_small_counts(results_table(), dependent_columns=["missing_col"])
    with pytest.raises(UsageError, match="not numeric"):
        suppress_small_counts(results_table(), ["circle"])
    with pytest.raises(UsageError, match="negative"):
        suppress_small_counts(pd.DataFrame({"n": [-1, 3]}))


@given(
    counts=st.lists(st.integers(0, 40), min_size=1, max_size=30),
    threshold=st.integers(1, 15),
    suppress_zero=st.booleans(),
)
def test_no_small_count_survives(counts, threshold, suppress_zero):
    table = pd.DataFrame({"n": counts, "share": [c / 40 for c in counts]})
    out = suppress_small_counts(
        table, threshold=threshold, dependent_columns=["share"], suppress_zero=suppress_zero
    )
    published = out["n"].dropna().to_numpy(dtype=int)
    assert not ((published > 0) & (published < threshold)).any()
    if suppress_zero:
        assert not (published == 0).any()
    # Counts at or above the threshold are all still there, unchanged.
    assert published[published >= threshold].tolist() == [c for c in counts if c >= threshold]
    assert out.loc[out["suppressed"], "share"].isna().all()
    assert table["n"].tolist() == counts
