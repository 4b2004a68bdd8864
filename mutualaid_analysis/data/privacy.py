"""Personal data: detection, pseudonymous ids and small-count suppression.

Personal data (names, phone numbers, resident identity numbers, IP and e-mail
addresses) must never reach an analysis table, a figure or a report
(docs/design.md, *Reliability rules*).  This module gives the data layer three
tools for that:

* **detection** -- :func:`find_personal_data` looks at every column that the
  codebook does not already mark ``pii = true`` and reports personal data by
  *content* (resident identity numbers with a valid check character, mainland
  mobile numbers, IP addresses, e-mail addresses) and by *column name*
  (:func:`personal_column_name`).  Content is the strong signal; a column
  name is only a hint.  The vectorised masks (:func:`resident_id_mask`,
  :func:`mobile_mask`, :func:`ip_mask`, :func:`email_mask`) are usable on
  their own.
* **pseudonymous ids** -- :func:`pseudonymise` replaces respondent ids by a
  keyed hash, so that respondents stay linkable across waves without the
  original id leaving the loader; :func:`pseudonym_key` finds the key.
* **small-count suppression** -- :func:`suppress_small_counts` blanks counts
  below a threshold (and the shares, means and intervals computed from them)
  in tables meant for publication.

Nothing in this module ever puts a full personal value into a message, a
:class:`~mutualaid_analysis.problems.Problem` or a ``repr``: examples are
masked with :func:`mask_value` first (``110105********123X``,
``138****5678``, ``192.168.*.*``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from ..masking import (
    EMAIL,
    EMAIL_SEARCH,
    FULLWIDTH,
    ID_CHECK,
    ID_SEARCH,
    ID_WEIGHTS,
    IPV4,
    IPV4_SEARCH,
    IPV6_TOKEN,
    MOBILE_CORE,
    MOBILE_PREFIX,
    MOBILE_SEARCH,
    first_match,
    is_ipv6,
    mask_personal_strings,
    mask_personal_text,
    masked_form,
    resident_id_valid,
)
from ..problems import Problem, Severity

__all__ = [
    "COLUMN_SHARE",
    "COMPOUND_SURNAMES",
    "CONTENT_KINDS",
    "NAME_KINDS",
    "SURNAMES",
    "PersonalDataScan",
    "PersonalFinding",
    "check_publishable",
    "email_mask",
    "find_personal_data",
    "ip_mask",
    "is_resident_id",
    "looks_like_names",
    "mask_personal_text",
    "mask_value",
    "mobile_mask",
    "name_mask",
    "mask_found_names",
    "mask_personal_strings",
    "personal_column_name",
    "personal_id_problems",
    "scan_personal_data",
    "pseudonym_key",
    "pseudonymise",
    "resident_id_check_character",
    "resident_id_mask",
    "suppress_small_counts",
]

#: Kinds that :func:`find_personal_data` detects by content, in report order.
CONTENT_KINDS: tuple[str, ...] = ("resident_id", "phone", "ip", "email")

#: Kinds that :func:`personal_column_name` can return.
NAME_KINDS: tuple[str, ...] = (
    "name",
    "phone",
    "resident_id",
    "address",
    "ip",
    "email",
    "wechat/qq",
)

_KIND_LABELS = {
    "resident_id": "resident identity numbers (身份证号)",
    "phone": "mainland mobile numbers (手机号)",
    "ip": "IP addresses",
    "email": "e-mail addresses",
    "name": "personal names (姓名)",
    "address": "addresses (住址)",
    "wechat/qq": "WeChat / QQ accounts (微信/QQ)",
}

# ---------------------------------------------------------------------------
# Text preparation
# ---------------------------------------------------------------------------

_INT_TEXT = re.compile(r"^\s*([+-]?\d+)\.0*\s*$")


def _normalise_text(text: pd.Series) -> pd.Series:
    """NFKC-normalise only the cells holding full-width characters (cheap)."""
    wide = text.str.contains(FULLWIDTH, regex=True, na=False).to_numpy(dtype=bool)
    if wide.any():
        text = text.copy()
        text[wide] = text[wide].str.normalize("NFKC")
    return text


def _as_text(values: pd.Series | Sequence[Any] | np.ndarray) -> pd.Series:
    """Return the values as a positional string Series, missing values as NA.

    Integers become their decimal digits; integer-valued floats lose their
    ``.0`` (an Excel column of mobile numbers is often read as float);
    other floats, booleans and dates are not personal-data candidates and
    become missing.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    series = series.reset_index(drop=True)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.Series(pd.NA, index=series.index, dtype="string")
    if pd.api.types.is_integer_dtype(dtype):
        # uint64 holds 2**63 and above, which Int64 cannot.
        return series.astype("UInt64" if dtype.kind == "u" else "Int64").astype("string")
    if pd.api.types.is_float_dtype(dtype):
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(arr) & (np.abs(arr) < 9.2e18)
        ok[ok] = arr[ok] == np.floor(arr[ok])
        out = pd.Series(pd.NA, index=series.index, dtype="string")
        if ok.any():
            out[ok] = pd.Series(arr[ok].astype(np.int64)).astype("string").to_numpy()
        return out
    text = series.astype("string")
    # Mixed object columns: 13812345678.0 read from a spreadsheet cell.
    if pd.api.types.is_object_dtype(dtype):
        text = text.str.replace(_INT_TEXT, r"\1", regex=True)
    return _normalise_text(text)


def _distinct_text(
    values: pd.Series | Sequence[Any] | np.ndarray,
) -> tuple[np.ndarray, pd.Series]:
    """Factorize first (cheap, hash based), then turn only the distinct values into text.

    Returns the codes (-1 for missing) and the distinct values as a
    ``"string"`` Series with a RangeIndex.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    series = series.reset_index(drop=True)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=series.dtype) if len(uniques) else series.iloc[:0]
    return np.asarray(codes), _as_text(distinct)


def _expand(codes: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Map a per-distinct-value result back to the rows."""
    out = np.zeros(len(codes), dtype=bool)
    present = codes >= 0
    if len(hit):
        out[present] = np.asarray(hit, dtype=bool)[codes[present]]
    return out


def _on_uniques(
    values: pd.Series | Sequence[Any] | np.ndarray,
    detect: Callable[[pd.Series], np.ndarray],
) -> np.ndarray:
    """Run ``detect`` on the distinct values only and map back to the rows."""
    codes, text = _distinct_text(values)
    if len(text) == 0:
        return np.zeros(len(codes), dtype=bool)
    return _expand(codes, detect(text))


# ---------------------------------------------------------------------------
# Resident identity numbers (GB 11643-1999)
# ---------------------------------------------------------------------------

_ID_WHOLE = r"\s*[0-9]{17}[0-9Xx]\s*"


def resident_id_check_character(first17: str) -> str:
    """Return the check character of a resident identity number.

    Parameters
    ----------
    first17 : str
        The first 17 digits (address code, birth date, sequence code).

    Returns
    -------
    str
        One of ``"0"``-``"9"`` or ``"X"``.

    Raises
    ------
    UsageError
        If ``first17`` is not exactly 17 ASCII digits.

    Notes
    -----
    ISO 7064 MOD 11-2 as specified by GB 11643-1999: the weighted sum of the
    17 digits with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (that is,
    :math:`2^{17-i} \\bmod 11`) is taken modulo 11 and the remainder
    0, 1, ..., 10 maps to ``1 0 X 9 8 7 6 5 4 3 2``.

    References
    ----------
    .. [1] GB 11643-1999, *Citizen identification number* (公民身份号码),
       Standardization Administration of China, section 7.
    .. [2] ISO/IEC 7064:2003, *Check character systems*, MOD 11-2.
    """
    if not (
        isinstance(first17, str) and len(first17) == 17 and first17.isascii() and first17.isdigit()
    ):
        raise UsageError("first17 must be a string of exactly 17 digits")
    total = sum(int(d) * int(w) for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def is_resident_id(value: object) -> bool:
    """Whether ``value`` is a valid 18-character resident identity number.

    Parameters
    ----------
    value : str or int
        The text to test (surrounding white space is ignored; an integer is
        tested by its decimal digits).

    Returns
    -------
    bool
        True when the value is 17 digits plus a check character (digit or
        ``X``/``x``), the check character is right, and the birth date
        (positions 7-14) is a real calendar date between 1900-01-01 and today.

    Notes
    -----
    The address code (positions 1-6) is not checked against the list of
    administrative divisions, which changes every year; the check character
    and the birth date already reject all but about 1 in 25 000 random
    18-digit strings.  Resident identity numbers of people born before 1900
    (valid under the standard, which itself gives ``440524188001010014`` as
    an example) are deliberately not matched: no living survey respondent
    was born then.  Only the 18-character form is matched; the 15-digit
    first-generation numbers were withdrawn in 2013.

    References
    ----------
    .. [1] GB 11643-1999, *Citizen identification number* (公民身份号码).
    .. [2] ISO/IEC 7064:2003, *Check character systems*, MOD 11-2.

    Examples
    --------
    >>> is_resident_id("11010519491231002X")
    True
    >>> is_resident_id("110105194912310021")
    False
    """
    if isinstance(value, bool) or value is None:
        return False
    text = str(value).strip() if isinstance(value, Integral) else value
    if not isinstance(text, str):
        return False
    text = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"[0-9]{17}[0-9Xx]", text):
        return False
    return bool(resident_id_valid(np.array([text]))[0])


def _resident_id_detect(text: pd.Series, search: bool) -> np.ndarray:
    n = len(text)
    out = np.zeros(n, dtype=bool)
    if not search:
        pre = text.str.fullmatch(_ID_WHOLE, na=False).to_numpy(dtype=bool)
        if pre.any():
            cands = text[pre].str.strip().to_numpy(dtype="U18")
            out[np.flatnonzero(pre)] = resident_id_valid(cands)
        return out
    # Common case first: the whole cell is the number (cheap fullmatch), then
    # the slower extractall only for cells with a 17-digit run inside text.
    out = _resident_id_detect(text, search=False)
    pre = text.str.contains(r"[0-9]{17}", regex=True, na=False).to_numpy(dtype=bool) & ~out
    if not pre.any():
        return out
    found = text[pre].str.extractall(ID_SEARCH)
    if found.empty:
        return out
    valid = resident_id_valid(found[0].to_numpy(dtype="U18"))
    rows = found.index.get_level_values(0).to_numpy()[valid]
    out[rows] = True
    return out


def resident_id_mask(
    series: pd.Series | Sequence[Any] | np.ndarray, *, search: bool = False
) -> np.ndarray:
    """Vectorised :func:`is_resident_id` over a Series.

    Parameters
    ----------
    series : pandas.Series or array-like
        Strings, integers or a mixture; missing values never match.
    search : bool, default False
        False: the whole cell (white space stripped) must be a resident
        identity number.  True: a number anywhere in the cell matches
        (free-text answers such as ``"身份证 11010519491231002X"``), provided
        it is not part of a longer run of digits.

    Returns
    -------
    numpy.ndarray of bool
        One entry per element, in position order (the index is ignored).

    Notes
    -----
    A regular-expression prefilter runs through pandas' ``.str`` methods on
    the distinct values only; the check character and birth date of the
    surviving candidates are then verified with numpy on a
    ``(n, 18)`` array of character codes.  There is no per-row Python loop.
    Full-width digits (``１１０１...``) are normalised first.

    References
    ----------
    .. [1] GB 11643-1999, *Citizen identification number* (公民身份号码).
    """
    return _on_uniques(series, lambda t: _resident_id_detect(t, search))


# ---------------------------------------------------------------------------
# Mainland mobile numbers
# ---------------------------------------------------------------------------

_MOBILE_WHOLE = rf"\s*{MOBILE_PREFIX}{MOBILE_CORE}\s*"
_MOBILE_SEARCH_NC = MOBILE_SEARCH.replace("(1[3-9]", "(?:1[3-9]")  # no capture group


def _mobile_detect(text: pd.Series, search: bool) -> np.ndarray:
    if search:
        return text.str.contains(_MOBILE_SEARCH_NC, regex=True, na=False).to_numpy(dtype=bool)
    return text.str.fullmatch(_MOBILE_WHOLE, na=False).to_numpy(dtype=bool)


def mobile_mask(
    series: pd.Series | Sequence[Any] | np.ndarray, *, search: bool = False
) -> np.ndarray:
    """Which elements are mainland Chinese mobile numbers.

    Parameters
    ----------
    series : pandas.Series or array-like
        Strings, integers (an 11-digit integer column is common in Excel
        exports) or a mixture; missing values never match.
    search : bool, default False
        False: the whole cell must be a mobile number.  True: a mobile
        number anywhere in a free-text cell matches.

    Returns
    -------
    numpy.ndarray of bool
        One entry per element, in position order.

    Notes
    -----
    A mobile number is 11 digits ``1[3-9]X XXXX XXXX``, optionally preceded
    by the country code ``+86``, ``0086`` or ``86`` (optionally followed by
    a space or hyphen), with optional single spaces or hyphens in the usual
    3-4-4 grouping (``138 1234 5678``, ``138-1234-5678``).  A match that is
    part of a longer run of digits (``138123456789``, a 12-digit string, or
    the digits inside a resident identity number) is not a mobile number.
    Landline numbers are not matched.

    References
    ----------
    .. [1] Ministry of Industry and Information Technology, *Telecommunication
       network numbering plan* (电信网编号计划), mobile prefixes 13x-19x.
    """
    return _on_uniques(series, lambda t: _mobile_detect(t, search))


# ---------------------------------------------------------------------------
# IP and e-mail addresses
# ---------------------------------------------------------------------------

_IPV4_WHOLE = rf"\s*{IPV4}\s*"
_IPV6_PRE = r"::|(?:[0-9A-Fa-f]{0,4}:){6}"


def _ip_detect(text: pd.Series, search: bool) -> np.ndarray:
    if search:
        out = text.str.contains(IPV4_SEARCH, regex=True, na=False).to_numpy(dtype=bool)
    else:
        out = text.str.fullmatch(_IPV4_WHOLE, na=False).to_numpy(dtype=bool)
    pre = text.str.contains(_IPV6_PRE, regex=True, na=False).to_numpy(dtype=bool) & ~out
    for pos in np.flatnonzero(pre):  # only the rare IPv6 candidates reach Python
        cell = str(text.iloc[pos])
        if search:
            out[pos] = any(is_ipv6(m.group(0)) for m in IPV6_TOKEN.finditer(cell))
        else:
            out[pos] = is_ipv6(cell)
    return out


def ip_mask(series: pd.Series | Sequence[Any] | np.ndarray, *, search: bool = False) -> np.ndarray:
    """Which elements are IPv4 or IPv6 addresses.

    Parameters
    ----------
    series : pandas.Series or array-like
        Strings; missing values never match.
    search : bool, default False
        False: the whole cell must be an address.  True: an address anywhere
        in the cell matches (online survey platforms export cells such as
        ``"123.45.67.89(广东-深圳)"``).

    Returns
    -------
    numpy.ndarray of bool
        One entry per element, in position order.

    Notes
    -----
    IPv4: four dotted decimal octets, each 0-255, without leading zeros
    (``256.1.1.1`` and ``192.168.001.001`` do not match).  IPv6: a cheap
    regular-expression prefilter (a token of hex digits and colons with
    ``::`` or at least six colons) selects candidates, which are then
    parsed by :func:`ipaddress.ip_address`; only the few candidates reach
    Python.  The unspecified address ``::`` is not matched.

    References
    ----------
    .. [1] RFC 791 (IPv4), RFC 4291 and RFC 5952 (IPv6 text forms).
    """
    return _on_uniques(series, lambda t: _ip_detect(t, search))




def _email_detect(text: pd.Series, search: bool) -> np.ndarray:
    if search:
        return text.str.contains(EMAIL_SEARCH, regex=True, na=False).to_numpy(dtype=bool)
    return text.str.fullmatch(rf"\s*{EMAIL}\s*", na=False).to_numpy(dtype=bool)


def email_mask(
    series: pd.Series | Sequence[Any] | np.ndarray, *, search: bool = False
) -> np.ndarray:
    """Which elements are e-mail addresses (``local@domain.tld``).

    Parameters
    ----------
    series : pandas.Series or array-like
        Strings; missing values never match.
    search : bool, default False
        False: the whole cell must be an address; True: anywhere in the cell.

    Returns
    -------
    numpy.ndarray of bool
        One entry per element, in position order.
    """
    return _on_uniques(series, lambda t: _email_detect(t, search))


_DETECTORS: dict[str, Callable[[pd.Series, bool], np.ndarray]] = {
    "resident_id": _resident_id_detect,
    "phone": _mobile_detect,
    "ip": _ip_detect,
    "email": _email_detect,
}


# ---------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------


def mask_value(value: object, kind: str) -> str:
    """Return a masked form of one personal value, safe to print and save.

    Parameters
    ----------
    value : object
        A cell holding a personal value (possibly inside other text).
    kind : {"resident_id", "phone", "ip", "email", "name"}
        What the value is.

    Returns
    -------
    str
        The forms of :func:`mutualaid_analysis.masking.masked_form`: resident
        identity number ``110105********002X`` (birth date always hidden),
        mobile ``138****5678``, IPv4 ``192.168.*.*``, IPv6 ``2001:****``,
        e-mail ``z***@***.com``, name ``张**``; anything that cannot be
        parsed is ``"****"``, never echoed.

    Raises
    ------
    UsageError
        ``kind`` is not one of the kinds above.
    """
    if kind not in (*CONTENT_KINDS, "name"):
        raise UsageError(f"unknown kind {kind!r}; expected one of {(*CONTENT_KINDS, 'name')}")
    return masked_form(value, kind)


def _looks_personal(text: str) -> str | None:
    """The content kind of a single cell, or None (used to protect respondent ids)."""
    for kind in CONTENT_KINDS:
        if first_match(text, kind) is not None:
            return kind
    return None


# ---------------------------------------------------------------------------
# Column names
# ---------------------------------------------------------------------------


# English tokens (after splitting snake_case, kebab-case, camelCase, spaces),
# token sequences and Chinese substrings, per kind.  Kinds are tried in this
# order, so that "ip_address" is an IP address and "联系人电话" a phone number.
def _words(text: str) -> frozenset[str]:
    """A set of white-space separated words (keeps the keyword lists compact)."""
    return frozenset(text.split())


_NAME_RULES: tuple[tuple[str, frozenset[str], tuple[tuple[str, ...], ...], tuple[str, ...]], ...]
_NAME_RULES = (
    ("ip", _words("ip ipaddress ipaddr ipv4 ipv6"), (), ()),
    (
        "email",
        _words("email emails emailaddress mailbox"),
        (("e", "mail"),),
        ("邮箱", "电子邮件", "邮件地址"),
    ),
    (
        "wechat/qq",
        _words("wechat weixin wechatid wxid qq qqid"),
        (("wx", "id"),),
        ("微信",),
    ),
    (
        "resident_id",
        _words("idcard idcards idnumber sfz sfzh sfzhm shenfenzheng nationalid citizenid"),
        (
            ("id", "card"),
            ("id", "number"),
            ("identity", "card"),
            ("identity", "number"),
            ("identification", "number"),
            ("national", "id"),
            ("citizen", "id"),
        ),
        ("身份证", "身份号码", "证件号"),
    ),
    (
        "phone",
        _words(
            "phone phones telephone tel mobile cellphone mobilephone phonenumber phoneno "
            "telno mobileno dianhua shouji"
        ),
        (),
        ("电话", "手机", "联系方式"),
    ),
    (
        "address",
        _words("address addresses addr dizhi zhuzhi"),
        (),
        ("住址", "地址", "住所", "门牌"),
    ),
    (
        "name",
        _words(
            "name names fullname firstname lastname surname givenname familyname username "
            "nickname realname xingming"
        ),
        (),
        ("姓名", "名字", "联系人", "昵称"),
    ),
)

# Tokens that turn a phone / WeChat / e-mail / address header into a survey
# item about that thing ("telephone_use", "has_phone", "wechat_freq").
_ITEM_QUALIFIERS = _words(
    """use uses usage using used has have having own owns owned ownership access freq
    frequency often times time hours hrs minutes mins days daily weekly skill skills ability
    literacy type types kind brand model cost costs bill fee fees spend spending expense call
    calls internet online app apps smart mode interview survey change changed valid verified
    count"""
)
_ITEM_QUALIFIERS_ZH = _words(
    "使用 是否 有无 有没有 会不会 能否 会用 频率 次数 时间 时长 类型 费用 话费 智能 上网 "
    "拥有 访问 访谈"
)
# Tokens that make "name" the name of a thing rather than a person
# ("village_name", "name_of_platform")...
_THING_QUALIFIERS = _words(
    """village villages town township county city province district region place platform
    org organisation organization institution program programme project activity service
    team group school hospital clinic company firm unit file variable var item scale product
    brand app site station center centre workshop intervention arm wave question label
    column field dataset street road cooperative coop committee circle disease drug medicine
    crop dialect religion"""
)
# ...unless a person is named too ("village_head_name", "contact_person_name").
_PERSON_MARKERS = _words(
    """head leader chief secretary director contact person respondent owner member
    interviewer resident villager caregiver child son daughter spouse household hh family
    elder volunteer"""
)
_THING_BEFORE_MINGZI = re.compile(
    r"(村|平台|组织|机构|项目|活动|单位|学校|医院|乡|镇|县|市|省|服务|团队|站|中心|合作社|"
    r"公司|产品|药|病|量表|题目|变量)(的)?名字"
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


def _header_tokens(name: str) -> tuple[list[str], str]:
    """English tokens (lower case) and the Chinese text of a column header."""
    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    tokens = re.findall(r"[a-z]+|[0-9]+", text.lower())
    chinese = "".join(re.findall(rf"[{_CJK}]+", text))
    return tokens, chinese


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    k = len(phrase)
    return any(tuple(tokens[i : i + k]) == phrase for i in range(len(tokens) - k + 1))


def personal_column_name(name: str) -> str | None:
    """The kind of personal data a column header suggests, if any.

    Parameters
    ----------
    name : str
        A column header, in English, pinyin or Chinese (``"户主姓名"``,
        ``"phone_owner"``, ``"ID number"``, ``"来源IP"``).

    Returns
    -------
    str or None
        One of ``"ip"``, ``"email"``, ``"wechat/qq"``, ``"resident_id"``,
        ``"phone"``, ``"address"``, ``"name"`` (tried in that order), or
        None.

    Notes
    -----
    The rule, chosen to keep false alarms low:

    * English headers are split into lower-case **tokens** at ``_``, ``-``,
      spaces, digits and camelCase boundaries, and a keyword must be a whole
      token (or a sequence of tokens: ``id_card``, ``ID number``).  So ``ip``
      and ``tel`` match ``ip_address`` and ``tel_no`` but not ``zip``,
      ``skip`` or ``hotel``; ``mobile`` does not match ``mobility``.  Single
      tokens like ``username`` and ``fullname`` are keywords themselves.
      Chinese headers are matched by substring (姓名, 电话, 手机, 身份证,
      住址, 地址, 微信, 邮箱, ...).
    * A header that names a **survey item about** a phone, WeChat, e-mail
      or address is not flagged: a qualifier token such as ``use``,
      ``has``, ``freq``, ``type``, ``calls`` (Chinese 使用, 是否, 有无,
      频率, 智能, ...) anywhere in the header clears it.  So
      ``telephone_use``, ``has_phone``, ``wechat_freq`` and 是否使用智能手机
      are *not* flagged, while ``phone_owner`` (whose phone it is) is.
    * ``name`` is the name of a thing, not a person, when the header also
      has a thing qualifier (``village_name``, ``platform_name``,
      ``name_of_platform``, 村名字) -- unless a person marker is present
      too (``village_head_name``, ``respondent_name``).  ``username`` and
      ``nickname`` are flagged; 姓名 always is (it is only used of people).
    * ``resp_id``, ``id``, ``resident_id``, ``village`` and ``contact_freq``
      are not flagged: a survey's own respondent id is not personal data
      (it is pseudonymised separately), and "contact" alone is a common
      survey item (contact with children).

    Name-based detection is therefore only a **hint**, reported as a
    warning by :func:`find_personal_data`; a survey item column whose header
    was cleared here is still checked by content, which is the strong
    signal.
    """
    tokens, chinese = _header_tokens(name)
    token_set = set(tokens)
    joined = "".join(tokens)
    for kind, words, phrases, zh in _NAME_RULES:
        hit_en = bool(token_set & words) or any(_has_phrase(tokens, p) for p in phrases)
        if kind == "email" and joined in {"email", "emailaddress"}:
            hit_en = True
        hit_zh = any(w in chinese for w in zh)
        if not (hit_en or hit_zh):
            continue
        if kind == "name":
            if hit_zh and "姓名" in chinese:
                return kind
            if hit_zh and "名字" in chinese and _THING_BEFORE_MINGZI.search(chinese) is None:
                return kind
            if hit_zh and any(w in chinese for w in ("联系人", "昵称")):
                return kind
            if hit_en and (not token_set & _THING_QUALIFIERS or token_set & _PERSON_MARKERS):
                return kind
            continue
        if token_set & _ITEM_QUALIFIERS or any(q in chinese for q in _ITEM_QUALIFIERS_ZH):
            continue
        return kind
    return None


# ---------------------------------------------------------------------------
# Personal names, by content
# ---------------------------------------------------------------------------

#: The common single-character surnames: the hundred most frequent of the 2020
#: census (公安部户政管理研究中心, 《二〇二〇年全国姓名报告》, 2021) and a few
#: more that are as common in the countryside.
SURNAMES: frozenset[str] = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋"
    "余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹"
    "薛闫阎段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文施洪牛樊葛"
)
#: Common compound surnames (复姓).
COMPOUND_SURNAMES: frozenset[str] = _words(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 "
    "独孤 南宫 西门 端木 呼延 百里 东郭 万俟 闻人 澹台 公冶 宗政 濮阳 太史 申屠"
)
# Last characters that make a surname-initial word a place, not a person
# (李家庄, 王家湾, 张村, 刘家营): villages, hamlets and administrative units.
_PLACE_ENDINGS = frozenset("村庄湾屯镇乡寨坪沟坡岭营堡铺店集桥河园场坝塘岗台口峪洼湖溪街里组队社区县市省家峁圩垸岙浜埠")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def _name_like(text: pd.Series) -> np.ndarray:
    """Which distinct values have the shape of a Chinese personal name (vectorised)."""
    v = text.astype("string").str.strip().str.replace(r"[· ]", "", regex=True)
    n = v.str.len().fillna(0).to_numpy(dtype=np.int64)
    ok = (n >= 2) & (n <= 4)
    if not ok.any():
        return ok
    ok &= v.str.fullmatch(_CJK_RUN.pattern).fillna(False).to_numpy(dtype=bool)
    ok &= ~v.str[-1].isin(_PLACE_ENDINGS).to_numpy(dtype=bool)
    compound = v.str[:2].isin(COMPOUND_SURNAMES).to_numpy(dtype=bool) & (n >= 3)
    single = v.str[:1].isin(SURNAMES).to_numpy(dtype=bool) & (n <= 3)
    return ok & (compound | single)


def name_mask(series: pd.Series | Sequence[Any] | np.ndarray) -> np.ndarray:
    """Which elements have the shape of a Chinese personal name.

    Parameters
    ----------
    series : pandas.Series or array-like
        Text; numbers and missing values never match.

    Returns
    -------
    numpy.ndarray of bool
        One entry per element, in position order.

    Notes
    -----
    A value has the shape of a name when, after removing spaces and the
    middle dot, it is 2-3 Chinese characters starting with one of the
    common single-character :data:`SURNAMES`, or 3-4 characters starting
    with one of the :data:`COMPOUND_SURNAMES` (欧阳, 司马, 诸葛, 上官, ...),
    and does not end in a place word (村, 庄, 湾, 屯, 家, 组, ...: 李家庄,
    王家湾 and 张村 are villages).  One value alone proves little (高中
    and 文盲 have the shape); :func:`looks_like_names` judges a column.
    """
    return _on_uniques(series, _name_like)


def looks_like_names(
    series: pd.Series | Sequence[Any] | np.ndarray,
    *,
    min_share: float = 0.8,
    min_distinct: int = 2,
) -> bool:
    """Whether a column holds personal names (by content), and so must not be published.

    Parameters
    ----------
    series : pandas.Series or array-like
        A column of the data (an interviewer column 调查员, a respondent
        name column under an unrecognised header...).
    min_share : float, default 0.8
        Share of the column's distinct non-missing values that must have the
        shape of a Chinese name (:func:`name_mask`).
    min_distinct : int, default 2
        Fewer distinct values than this are never judged to be names.

    Returns
    -------
    bool

    Notes
    -----
    The rule is judged on *distinct* values, so a column of five
    interviewers repeated over 900 rows counts five values.  A column of
    more than 5000 distinct values (free text) is first judged on 1000
    evenly spaced ones, and cleared when fewer than ``min_share - 0.2`` of
    those have the shape of a name.  Numeric
    columns are never names.  On the word lists of the tests (village names
    such as 东山村 and 李家庄, answer text such as 比较愿意, 一般, 男, 女,
    education levels including 高中 and 文盲, arm names 工作坊 and 对照) no
    column is flagged, while columns of generated names are.

    The report pipeline calls :func:`check_publishable` (which uses this)
    before grouping a table or a figure by a column.
    """
    s = series if isinstance(series, pd.Series) else pd.Series(series)
    dtype = s.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    if isinstance(dtype, pd.CategoricalDtype):
        s = s.astype(object)
    distinct = pd.unique(s.dropna().to_numpy(dtype=object))
    text = pd.Series([v for v in distinct if isinstance(v, str)], dtype=object)
    if len(text) < max(int(min_distinct), 1):
        return False
    if len(text) > 5000:  # a free-text column: 1000 evenly spaced values decide cheaply
        probe = text.iloc[np.linspace(0, len(text) - 1, 1000).astype(np.int64)]
        if _name_like(probe).mean() < float(min_share) - 0.2:
            return False
    return bool(_name_like(text).mean() >= float(min_share))


# ---------------------------------------------------------------------------
# Finding personal data in a frame
# ---------------------------------------------------------------------------


def _float_resident_ids(series: pd.Series) -> np.ndarray:
    """Resident ids stored as floats: 18 digits, last ones lost to rounding."""
    arr = series.to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(arr) & (arr >= 1e17) & (arr < 1e18)
    out = np.zeros(len(arr), dtype=bool)
    if ok.any():
        text = np.array([f"{v:.0f}" for v in arr[ok]], dtype="U18")
        out[np.flatnonzero(ok)] = resident_id_valid(text, check_digit=False)
    return out


def _may_hold_personal_data(series: pd.Series, numeric: bool) -> bool:
    """A cheap gate before the detectors: can any value of the column match at all?

    Numbers below 10**10 cannot be mobiles or resident ids.  For text, the
    values are joined and NFKC-normalised as one string, and regular
    expressions that match a superset of every detector's pattern scan it in
    C: the usual survey column (answers, ids like ``V03-017``) is cleared
    without any per-value Python work.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return False
    if numeric:
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return bool(np.any(np.abs(arr) >= 1e10))
    values = series.dropna().to_numpy(dtype=object)
    try:
        joined = "\n".join(values)
    except TypeError:  # mixed object column (numbers among text)
        joined = "\n".join(map(str, values))
    if not joined.isascii():  # ASCII text is already NFKC-normal
        joined = unicodedata.normalize("NFKC", joined)
    if "@" in joined:
        return True
    if ":" in joined and _IPV6_GATE.search(joined):
        return True
    # Digits all become "0" (bytes.translate runs in C); then plain substring
    # searches find every shape a mobile number (3-4-4 digits, optional space
    # or hyphen) or a resident id (17+ digits) can take, and every IPv4.
    shape = joined.encode("utf-8").translate(_DIGITS_TO_ZERO)
    if any(s in shape for s in _MOBILE_SHAPES):
        return True
    return b"0.0" in shape and _IPV4_GATE.search(joined) is not None


_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_MOBILE_SHAPES = tuple(f"000{a}0000{b}0000".encode() for a in ("", " ", "-")
                       for b in ("", " ", "-"))
_IPV4_GATE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_IPV6_GATE = re.compile(_IPV6_PRE)


#: A column whose non-missing cells are personal data in more than this share
#: is personal data as a whole and is withheld; below it, only the offending
#: cells are (one phone number typed into a willingness item must not cost
#: every answer to the question).
COLUMN_SHARE = 0.5


def find_personal_data(
    frame: pd.DataFrame,
    *,
    declared: Iterable[str] = (),
    analysed: Iterable[str] | None = None,
    file: str | None = None,
    lines: np.ndarray | Sequence[int] | Callable[[], np.ndarray] | None = None,
    id_column: str | None = None,
    min_share: float = 0.0,
) -> list[Problem]:
    """Report personal data in columns the codebook does not mark ``pii = true``.

    The problems of :func:`scan_personal_data` (which see for the
    parameters, the rules and the verdict per column).
    """
    return scan_personal_data(
        frame,
        declared=declared,
        analysed=analysed,
        file=file,
        lines=lines,
        id_column=id_column,
        min_share=min_share,
    ).problems


def scan_personal_data(
    frame: pd.DataFrame,
    *,
    declared: Iterable[str] = (),
    analysed: Iterable[str] | None = None,
    file: str | None = None,
    lines: np.ndarray | Sequence[int] | Callable[[], np.ndarray] | None = None,
    id_column: str | None = None,
    min_share: float = 0.0,
) -> PersonalDataScan:
    """Find personal data in columns the codebook does not mark ``pii = true``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read (before any column is dropped).
    declared : iterable of str, optional
        Columns the codebook marks ``pii = true``; they are not checked.
    analysed : iterable of str or None, optional
        Columns that would reach the analysis data.  A finding in one of
        them is an error; in any other column (an extra column the loader
        drops anyway) a warning.  None (default) treats every column as
        analysed.
    file : str, optional
        File name for the problems.
    lines : array-like of int, or a callable returning one, optional
        File line of each row position (``lines[i]`` is the line of row
        ``i``); without it the problems carry no line and the message names
        the 1-based data row instead.  A callable is called only when a
        problem needs a line (finding file lines can cost a second pass over
        the file).
    id_column : str, optional
        Respondent id column, used to name the respondent of the first
        match.  If the id itself looks like personal data it is masked.
    min_share : float, default 0.0
        Report content only when at least this share of the column's
        non-missing cells match (0 reports any match).

    Returns
    -------
    PersonalDataScan
        ``.problems``: for each column, in frame order, first a
        ``"personal_column_name"`` problem if the header suggests personal
        data, then the ``"undeclared_personal_data"`` problems of each
        content kind found (resident identity numbers, mobile numbers, IP
        addresses, e-mail addresses, personal names), each naming the
        column, the line, the respondent and a masked example.
        ``.findings``: the verdict per column (:class:`PersonalFinding`).

    Raises
    ------
    UsageError
        If ``min_share`` is outside [0, 1], ``lines`` has the wrong length or
        ``id_column`` is not a column.

    Notes
    -----
    Content is checked in text columns with a search for the value anywhere
    in the cell (free-text answers, platform exports such as
    ``"1.2.3.4(广东)"``), and in integer and integer-valued float columns as
    whole values (mobile numbers exported from Excel as numbers).  Resident
    identity numbers stored as floats have lost their last digits, so there
    only the length and the birth date are checked.  Chinese personal names
    are recognised by content too (:func:`looks_like_names`: most distinct
    values of a text column are a common surname followed by one or two
    characters); addresses are caught by header only.

    **The verdict.**  In an analysed column, when more than
    :data:`COLUMN_SHARE` (half) of the non-missing cells are personal data,
    or the column holds names, the column *is* personal data: one problem
    per kind says so, and the column is withheld as a whole.  Otherwise
    only the offending cells are withheld, with one problem per cell (its
    line, respondent and masked value), so that the loader can exclude
    the row or blank the cell and keep the question.  In a column that is
    not analysed, one warning per kind is given.

    The severity of a name hint is ``"warning"``, raised to the content
    finding's severity when the content of the same column also matches.
    No message and no ``value`` ever holds a full personal value; examples
    are masked with :func:`mask_value`.
    """
    if not 0.0 <= float(min_share) <= 1.0:
        raise UsageError(f"min_share must be between 0 and 1, got {min_share!r}")
    line_source = lines
    resolved: list[np.ndarray] = []

    def line_of(pos: int) -> int | None:
        if line_source is None:
            return None
        if not resolved:
            arr = np.asarray(line_source() if callable(line_source) else line_source)
            if len(arr) != len(frame):
                raise UsageError(f"lines has {len(arr)} entries but the frame has {len(frame)} rows")
            resolved.append(arr)
        return int(resolved[0][pos])

    if line_source is not None and not callable(line_source):
        given = np.asarray(line_source)
        if len(given) != len(frame):  # a wrong array is a mistake worth reporting at once
            raise UsageError(f"lines has {len(given)} entries but the frame has {len(frame)} rows")
        resolved.append(given)
    if id_column is not None and id_column not in frame.columns:
        raise UsageError(f"id_column {id_column!r} is not a column of the data")
    declared_set = set(declared)
    analysed_set = None if analysed is None else set(analysed)
    problems: list[Problem] = []
    found: dict[str, PersonalFinding] = {}

    def respondent_at(pos: int) -> str | None:
        if id_column is None:
            return None
        rid = frame[id_column].iloc[pos]
        if pd.isna(rid):
            return None
        rid_text = _as_text(pd.Series([rid])).iloc[0]
        rid_text = str(rid) if pd.isna(rid_text) else str(rid_text)
        rid_kind = _looks_personal(rid_text) or ("name" if rid_text in known_names else None)
        return mask_value(rid_text, rid_kind) if rid_kind else rid_text

    def example_at(series: pd.Series, pos: int, kind: str) -> str:
        raw = series.iloc[pos]
        if kind == "name":
            return mask_value(str(raw), "name")
        example = mask_value(_as_text(pd.Series([raw])).iloc[0], kind)
        if example == "****" and kind == "resident_id":
            digits = f"{float(raw):.0f}"
            example = f"{digits[:6]}{'*' * 12}"
        return example

    # Names have no shape of their own: a name column is found by its content as a
    # whole.  The names it holds are personal wherever else they occur in the file
    # (a respondent who wrote a name into the id or a free-text column).
    name_columns: dict[str, bool] = {}
    known_names: set[str] = set()
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(series.dtype) or not series.notna().any():
            continue
        is_names = bool(looks_like_names(series))
        name_columns[str(column)] = is_names
        if is_names or (column in declared_set and personal_column_name(str(column)) == "name"):
            _, distinct = _distinct_text(series)
            distinct = distinct.dropna()
            known_names.update(map(str, distinct[_name_like(distinct)]))

    for position, column in enumerate(frame.columns):
        if column in declared_set:
            continue
        series = frame.iloc[:, position]
        severity: Severity = (
            "error" if analysed_set is None or column in analysed_set else "warning"
        )
        dtype = series.dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        n_present = int(series.notna().sum())

        findings: list[tuple[str, np.ndarray, str]] = []
        if n_present and _may_hold_personal_data(series, numeric):
            codes, text = _distinct_text(series)
            for kind in CONTENT_KINDS:
                if numeric and kind in ("ip", "email"):
                    continue
                hits = _expand(codes, _DETECTORS[kind](text, not numeric))
                note = ""
                if kind == "resident_id" and pd.api.types.is_float_dtype(dtype):
                    lost = _float_resident_ids(series) & ~hits
                    if lost.any():
                        hits = hits | lost
                        note = (
                            " (stored as numbers, so their last digits were lost to "
                            "rounding; the rest still identifies people)"
                        )
                count = int(hits.sum())
                if count and count / n_present >= min_share:
                    findings.append((kind, hits, note))
        names_column = bool(n_present and not numeric and name_columns.get(str(column)))
        if names_column:
            hits = name_mask(series)
            if hits.sum() / n_present >= min_share:
                findings.append(("name", hits, ""))
        elif n_present and not numeric and known_names:
            codes, distinct = _distinct_text(series)
            hits = _expand(codes, distinct.isin(known_names).to_numpy(dtype=bool))
            if hits.any() and hits.sum() / n_present >= min_share:
                findings.append(("name", hits, " (a name that a name column of the file holds)"))

        header_kind = personal_column_name(str(column))
        if header_kind is not None:
            label = _KIND_LABELS[header_kind]
            also = " Its content also matches." if findings else ""
            problems.append(
                Problem(
                    rule="personal_column_name",
                    message=(
                        f"The column name suggests {label}. If it holds personal data, mark "
                        f"it `pii = true` in the codebook or drop it from the data; if it "
                        f"does not (a survey item about it), this warning can be "
                        f"ignored.{also}"
                    ),
                    file=file,
                    column=str(column),
                    severity=severity if findings else "warning",
                )
            )
        if not findings:
            continue

        union = np.zeros(len(series), dtype=bool)
        for _, hits, _ in findings:
            union |= hits
        n_hits = int(union.sum())
        whole = names_column or n_hits > COLUMN_SHARE * n_present
        found[str(column)] = PersonalFinding(
            column=str(column),
            kinds=tuple(kind for kind, _, _ in findings),
            cells=union,
            n_present=n_present,
            severity=severity,
            whole_column=whole,
        )
        for kind, hits, note in findings:
            count = int(hits.sum())
            if whole or severity == "warning":
                first = int(np.flatnonzero(hits)[0])
                example = example_at(series, first, kind)
                line = line_of(first)
                where = f"line {line}" if line is not None else f"data row {first + 1}"
                verdict = (
                    f" More than half of the column ({n_hits} of {n_present} values) is "
                    "personal data, so the whole column is withheld from the analysis."
                    if whole and severity == "error"
                    else ""
                )
                problems.append(
                    Problem(
                        rule="undeclared_personal_data",
                        message=(
                            f"{count} of {n_present} non-missing values look like "
                            f"{_KIND_LABELS[kind]}{note}, first at {where} (e.g. {example})."
                            f"{verdict} Personal data must not reach the analysis: mark the "
                            f"column `pii = true` in the codebook or drop it from the data."
                        ),
                        file=file,
                        line=line,
                        respondent=respondent_at(first),
                        column=str(column),
                        value=example,
                        severity=severity,
                    )
                )
                continue
            # A few cells of an analysed column: the cells are withheld, not the question.
            for raw_pos in np.flatnonzero(hits):
                pos = int(raw_pos)
                example = example_at(series, pos, kind)
                line = line_of(pos)
                where = "" if line is not None else f" (data row {pos + 1})"
                problems.append(
                    Problem(
                        rule="undeclared_personal_data",
                        message=(
                            f"the value{where} looks like one of the {_KIND_LABELS[kind]}{note} "
                            f"({example}); {count} of {n_present} non-missing values of the "
                            "column do. Personal data must not reach the analysis, so this "
                            "cell is withheld (on_invalid='exclude' excludes the row, "
                            "'missing' blanks the cell): correct it in the data, or mark the "
                            "column `pii = true` in the codebook."
                        ),
                        file=file,
                        line=line,
                        respondent=respondent_at(pos),
                        column=str(column),
                        value=example,
                        severity=severity,
                    )
                )
    return PersonalDataScan(problems=problems, findings=found)


@dataclass(frozen=True)
class PersonalFinding:
    """Personal data found by content in one column (see :func:`scan_personal_data`).

    Attributes
    ----------
    column : str
    kinds : tuple of str
        What was found (``"resident_id"``, ``"phone"``, ``"ip"``, ``"email"``,
        ``"name"``).
    cells : numpy.ndarray of bool
        The offending cells, by row position.
    n_present : int
        Non-missing cells of the column.
    severity : {"error", "warning"}
        Error in an analysed column, warning in a column the loader ignores.
    whole_column : bool
        The verdict: True when the column *is* personal data (more than
        :data:`COLUMN_SHARE` of its non-missing cells match, or it holds
        names), so the whole column is withheld; False when only the
        offending cells are.
    """

    column: str
    kinds: tuple[str, ...]
    cells: np.ndarray
    n_present: int
    severity: Severity
    whole_column: bool


@dataclass
class PersonalDataScan:
    """What :func:`scan_personal_data` found: the problems and the verdict per column."""

    problems: list[Problem]
    findings: dict[str, PersonalFinding]

    @property
    def withheld_columns(self) -> set[str]:
        """Analysed columns that are personal data as a whole."""
        return {c for c, f in self.findings.items() if f.severity == "error" and f.whole_column}

    @property
    def withheld_cells(self) -> dict[str, np.ndarray]:
        """Analysed columns with a few personal cells: column -> offending cells."""
        return {
            c: f.cells
            for c, f in self.findings.items()
            if f.severity == "error" and not f.whole_column
        }


def personal_id_problems(scan: PersonalDataScan, id_column: str) -> list[Problem]:
    """Turn the scan's findings about the respondent id column into ``personal_id`` problems.

    Parameters
    ----------
    scan : PersonalDataScan
        The scan of a file (modified: its problems about ``id_column`` are
        replaced).
    id_column : str
        The respondent id column.

    Returns
    -------
    list of Problem
        The ``personal_id`` problems (also now in ``scan.problems``): one
        for the whole column when most ids are personal data -- the loader
        treats it as fatal, since neither blanking nor excluding the ids
        leaves anything to analyse -- or one per offending id otherwise
        (that row is excluded in every ``on_invalid`` mode).  Both tell the
        user to set ``pseudonymise_id = true`` or to give non-personal ids.
    """
    from dataclasses import replace

    finding = scan.findings.get(id_column)
    if finding is None or finding.severity != "error":
        return []
    out: list[Problem] = []
    kept: list[Problem] = []
    labels = " / ".join(_KIND_LABELS[k] for k in finding.kinds)
    fix = (
        "Respondent ids must not be personal data: set `pseudonymise_id = true` in [survey] "
        "of the codebook (the ids are then replaced by keyed pseudonyms that still link the "
        "waves), or give ids that do not identify people."
    )
    whole_done = False
    for p in scan.problems:
        if p.column != id_column or p.rule != "undeclared_personal_data":
            kept.append(p)
            continue
        if finding.whole_column:
            if whole_done:
                continue
            whole_done = True
            n_hits = int(finding.cells.sum())
            message = (
                f"{n_hits} of {finding.n_present} respondent ids look like {labels} "
                f"(e.g. {p.value}); they can be neither blanked nor excluded without losing "
                f"the rows. {fix}"
            )
            new = replace(p, rule="personal_id", message=message, line=None, respondent=None)
        else:
            message = f"the respondent id looks like one of the {labels} ({p.value}), so the row is excluded. {fix}"
            new = replace(p, rule="personal_id", message=message)
        kept.append(new)
        out.append(new)
    scan.problems = kept
    return out


def mask_found_names(problems: list[Problem], frame: pd.DataFrame,
                     scan: PersonalDataScan) -> list[Problem]:
    """Mask, in other rules' problems, the names that the scan found in name columns.

    Phone numbers, resident ids and addresses are masked in every problem by
    :func:`mask_personal_text`; a name has no shape of its own, so the
    names of the columns the scan judged to be names are replaced by their
    masked form wherever a problem quotes them.
    """
    from dataclasses import replace

    names: dict[str, str] = {}
    for column, finding in scan.findings.items():
        if "name" in finding.kinds and column in frame.columns:
            for value in pd.unique(frame[column][finding.cells].astype(str)):
                names[str(value)] = mask_value(str(value), "name")
    if not names:
        return problems
    pattern = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))
    out = []
    for p in problems:
        message = pattern.sub(lambda m: names[m.group(0)], p.message)
        value = p.value
        if isinstance(value, str):
            value = pattern.sub(lambda m: names[m.group(0)], value)
        respondent = p.respondent
        if isinstance(respondent, str):
            respondent = pattern.sub(lambda m: names[m.group(0)], respondent)
        if (message, value, respondent) != (p.message, p.value, p.respondent):
            p = replace(p, message=message, value=value, respondent=respondent)
        out.append(p)
    return out


# ---------------------------------------------------------------------------
# Publishing a column
# ---------------------------------------------------------------------------


def check_publishable(survey: Any, column: str, *, role: str = "by") -> None:
    """Refuse to publish a column that holds personal data (as a grouping column, say).

    Parameters
    ----------
    survey : Survey or pandas.DataFrame
        The survey (its codebook and problems are consulted too) or a bare
        table.
    column : str
        The column to be published: ``by`` of the report, a figure's
        facets, a table's identifying column.
    role : str, default "by"
        What the column is used as, for the message.

    Raises
    ------
    PersonalDataError
        If the column is marked ``pii = true``, was found to hold personal
        data when the survey was read (withheld as a whole), has a header
        that names personal data (姓名, phone, ...), or holds personal
        names (:func:`looks_like_names`), mobile or resident identity
        numbers, IP or e-mail addresses.  The message names the column and
        shows a masked example only.

    Notes
    -----
    ``mutualaid run`` calls this on ``analysis.by`` before any table is
    computed: a column of interviewer names (调查员) under a header that
    is not recognised would otherwise become the groups of every table
    and the legend of every figure.
    """
    from ..exceptions import PersonalDataError

    frame = survey if isinstance(survey, pd.DataFrame) else getattr(survey, "data", None)
    codebook = getattr(survey, "codebook", None)
    reason: str | None = None
    if codebook is not None and column in getattr(codebook, "pii_columns", ()):
        reason = "it is marked pii = true in the codebook"
    problems = getattr(survey, "problem_list", None) or []
    if reason is None:
        for p in problems:
            if p.column == column and p.rule == "undeclared_personal_data" and p.severity == "error":
                reason = f"it holds personal data (e.g. {p.value}) and was withheld when read"
                break
    if reason is None:
        kind = personal_column_name(str(column))
        if kind is not None:
            reason = f"its name suggests {_KIND_LABELS[kind]}"
    if reason is None and frame is not None and column in frame.columns:
        series = frame[column]
        if looks_like_names(series):
            first = series[name_mask(series)].iloc[0]
            reason = f"it holds {_KIND_LABELS['name']} (e.g. {mask_value(first, 'name')})"
        else:
            found = scan_personal_data(frame[[column]]).findings.get(str(column))
            if found is not None:
                first = frame[column].iloc[int(np.flatnonzero(found.cells)[0])]
                kind = found.kinds[0]
                example = mask_value(_as_text(pd.Series([first])).iloc[0], kind)
                reason = f"it holds {_KIND_LABELS[kind]} (e.g. {example})"
    if reason is not None:
        raise PersonalDataError(
            f"column {column!r} cannot be used as `{role}`: {reason}, and every table and "
            "figure grouped by it would publish personal data. Use a column that does not "
            "identify people (village, arm, an interviewer code), or leave it out."
        )


# ---------------------------------------------------------------------------
# Pseudonymous ids
# ---------------------------------------------------------------------------

_MIN_KEY_CHARS = 16


def _check_key(key: bytes | str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, bytes | bytearray):
        raise UsageError("the pseudonym key must be bytes or str")
    if len(key) < _MIN_KEY_CHARS:
        raise UsageError(
            f"the pseudonym key is too short ({len(key)} characters); use at least "
            f"{_MIN_KEY_CHARS} random characters, e.g. from "
            '`python -c "import secrets; print(secrets.token_hex(32))"`'
        )
    return bytes(key)


def pseudonym_key(
    config_value: str | None = None, env_var: str = "MUTUALAID_PSEUDONYM_KEY"
) -> bytes:
    """Find the secret key for :func:`pseudonymise`.

    Parameters
    ----------
    config_value : str, optional
        The key from the analysis configuration; used when given and not
        empty.
    env_var : str, default "MUTUALAID_PSEUDONYM_KEY"
        Environment variable read when ``config_value`` is empty.

    Returns
    -------
    bytes
        The key, UTF-8 encoded.

    Raises
    ------
    UsageError
        If neither source holds a key (the message says how to set one), or
        the key is shorter than 16 characters.  The key itself never appears
        in a message.

    Notes
    -----
    Whoever has the key and a list of candidate ids can recompute the
    pseudonyms, so keep the key out of the results and out of version
    control: prefer the environment variable to a config file that is
    shared with the outputs.  Use the same key for every wave, or the waves
    cannot be linked.
    """
    key = config_value if config_value else os.environ.get(env_var, "")
    if not key:
        raise UsageError(
            "No pseudonym key: set the environment variable "
            f'{env_var} (e.g. `export {env_var}=$(python -c "import secrets; '
            'print(secrets.token_hex(32))")`) or give the key in the configuration. Keep the '
            "same key for every wave and never share it with the results."
        )
    return _check_key(key)


def _id_text(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def pseudonymise(ids: pd.Series, key: bytes | str) -> pd.Series:
    """Replace respondent ids by keyed pseudonyms.

    Parameters
    ----------
    ids : pandas.Series
        Respondent ids (strings or numbers); missing values stay missing.
    key : bytes or str
        Secret key of at least 16 characters (see :func:`pseudonym_key`).

    Returns
    -------
    pandas.Series
        ``"p_"`` followed by the first 16 hex digits of
        HMAC-SHA256(key, id text), with the same index and name as ``ids``
        and the nullable ``"string"`` dtype.

    Raises
    ------
    UsageError
        If the key is missing or shorter than 16 characters.

    Notes
    -----
    The id text is ``str(x).strip()`` encoded as UTF-8, except that an
    integer-valued float is written as an integer (``1001.0`` -> ``"1001"``),
    so that an id column read as float in one wave and as integer in another
    still links.  The same id and key always give the same pseudonym; a
    different key gives unrelated pseudonyms.  64 bits of output make an
    accidental collision among 100 000 respondents about 1 in 3.7 million.
    A plain (unkeyed) hash would not protect ids: resident identity and
    phone numbers can be enumerated.

    References
    ----------
    .. [1] RFC 2104, *HMAC: Keyed-Hashing for Message Authentication*.
    """
    key_bytes = _check_key(key)
    if not isinstance(ids, pd.Series):
        ids = pd.Series(ids)
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    hashed = np.array(
        [
            "p_" + hmac.new(key_bytes, _id_text(u).encode("utf-8"), hashlib.sha256).hexdigest()[:16]
            for u in uniques
        ],
        dtype=object,
    )
    values = np.full(len(ids), None, dtype=object)
    present = codes >= 0
    values[present] = hashed[codes[present]]
    return pd.Series(values, index=ids.index, name=ids.name, dtype="string")


# ---------------------------------------------------------------------------
# Small-count suppression
# ---------------------------------------------------------------------------


def _nullable(series: pd.Series) -> pd.Series:
    """The same values in a nullable dtype that can hold pd.NA."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return series.astype("boolean")
    if pd.api.types.is_integer_dtype(dtype):
        return series.astype("Int64")
    if pd.api.types.is_float_dtype(dtype):
        return series.astype("Float64")
    if isinstance(dtype, pd.StringDtype):
        return series.astype("string")
    return series.astype(object)


def suppress_small_counts(
    table: pd.DataFrame,
    count_columns: Sequence[str] | None = None,
    *,
    threshold: int = 5,
    dependent_columns: Sequence[str] = (),
    suppress_zero: bool = False,
) -> pd.DataFrame:
    """Blank small counts (and what is computed from them) in a table for publication.

    Parameters
    ----------
    table : pandas.DataFrame
        A results table, one row per estimate.
    count_columns : sequence of str, optional
        Columns holding counts.  None means the column ``"n"`` (the output
        table convention of docs/design.md).
    threshold : int, default 5
        Counts ``0 < n < threshold`` are suppressed; ``n == threshold`` is
        published.
    dependent_columns : sequence of str, optional
        Columns computed from the counts of the same row (shares, means,
        confidence limits, formatted cells); they are suppressed in every
        suppressed row.
    suppress_zero : bool, default False
        Also suppress counts of exactly zero (a zero can be disclosive: "no
        one in village 3 refused").

    Returns
    -------
    pandas.DataFrame
        A new table (the input is never modified) in which suppressed cells
        are ``pd.NA``: count and dependent columns are converted to nullable
        dtypes (``Int64``, ``Float64``, ``string``), and a boolean column
        ``suppressed`` marks the rows touched (OR-ed with an existing
        ``suppressed`` column, so calls can be chained).

    Raises
    ------
    UsageError
        If ``threshold`` is not a positive integer, a named column is
        missing, ``count_columns`` is None and there is no ``"n"`` column, or
        a count column is not numeric or holds negative numbers.

    Notes
    -----
    Only **primary** suppression is done.  Complementary (secondary)
    suppression is not: if the table, or another published table, also
    shows a total or margin, a suppressed cell can be recovered by
    subtraction (a village total of 42 with published cells 20 and 19
    reveals the suppressed 3), and a share with a known denominator reveals
    its count.  Before publishing, either leave totals out, suppress at
    least one further cell in every row, column and total that contains a
    suppressed cell, or aggregate categories until no cell is small.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*.
       Wiley (threshold rule; primary and secondary suppression).
    """
    if isinstance(threshold, bool) or not isinstance(threshold, Integral) or threshold < 1:
        raise UsageError(f"threshold must be a positive integer, got {threshold!r}")
    if count_columns is None:
        if "n" not in table.columns:
            raise UsageError(
                "no count column: the table has no column 'n'; pass count_columns=[...]"
            )
        count_columns = ["n"]
    elif isinstance(count_columns, str):
        count_columns = [count_columns]
    if isinstance(dependent_columns, str):
        dependent_columns = [dependent_columns]
    count_columns = list(count_columns)
    dependent_columns = [c for c in dependent_columns if c not in count_columns]
    missing = [c for c in [*count_columns, *dependent_columns] if c not in table.columns]
    if missing:
        raise UsageError(f"column(s) not in the table: {', '.join(map(repr, missing))}")

    out = table.copy(deep=True)
    suppressed = np.zeros(len(out), dtype=bool)
    for column in count_columns:
        counts = out[column]
        if pd.api.types.is_bool_dtype(counts.dtype) or not pd.api.types.is_numeric_dtype(
            counts.dtype
        ):
            raise UsageError(f"count column {column!r} is not numeric ({counts.dtype})")
        values = counts.to_numpy(dtype=float, na_value=np.nan)
        if np.any(values < 0):
            raise UsageError(f"count column {column!r} holds negative numbers")
        small = (values > 0) & (values < threshold)
        if suppress_zero:
            small |= values == 0
        counts = _nullable(counts)
        counts[small] = pd.NA
        out[column] = counts
        suppressed |= small
    for column in dependent_columns:
        values = _nullable(out[column])
        values[suppressed] = pd.NA
        out[column] = values
    if "suppressed" in out.columns:
        previous = out["suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        suppressed = suppressed | previous
    out["suppressed"] = suppressed
    return out
