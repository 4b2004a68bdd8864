"""Masking personal values inside text: the one home of the rule, below every layer.

Every message the package prints or saves passes through
:func:`mask_personal_text`: the errors' text (``exceptions.py``), each
:class:`~mutualaid_analysis.problems.Problem`, provenance records.  It lives
at the bottom of the package (it imports nothing of it) so that the errors
can mask their text without importing the data layer, which raises them.
The data layer's detectors of personal data in columns
(:mod:`mutualaid_analysis.data.privacy`) build on the same patterns.

The patterns: resident identity numbers (18 characters with a valid GB
11643-1999 check character and birth date), mainland mobile numbers (with
an optional +86 / 0086 / 86 prefix and 3-4-4 separators), IPv4 and IPv6
addresses, e-mail addresses; full-width forms typed by Chinese input methods
are normalised (NFKC) first.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re
import unicodedata
from numbers import Integral
from typing import Any

import numpy as np

__all__ = [
    "DAYS_IN_MONTH",
    "EMAIL",
    "EMAIL_SEARCH",
    "FULLWIDTH",
    "ID_CHECK",
    "ID_CHECK_CODES",
    "ID_SEARCH",
    "ID_WEIGHTS",
    "IPV4",
    "IPV4_SEARCH",
    "IPV6_TOKEN",
    "MASK_KINDS",
    "MOBILE_CORE",
    "MOBILE_PREFIX",
    "MOBILE_SEARCH",
    "OCTET",
    "first_match",
    "is_ipv6",
    "mask_personal_strings",
    "mask_personal_text",
    "masked_form",
    "resident_id_valid",
]

#: The kinds :func:`first_match` finds inside text (those :func:`masked_form`
#: also takes ``"name"``).
MASK_KINDS: tuple[str, ...] = ("resident_id", "phone", "ip", "email")

# Full-width digits, letters X/x, plus, hyphen, full stop, colon and at sign,
# as typed by Chinese input methods; NFKC maps them to ASCII.
FULLWIDTH = r"[\uff10-\uff19\uff38\uff58\uff0b\uff0d\uff0e\uff1a\uff20\u3000]"

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = "10X98765432"
ID_CHECK_CODES = np.array([ord(c) for c in ID_CHECK], dtype=np.uint32)

ID_SEARCH = r"(?<![0-9])([0-9]{17}[0-9Xx])(?![0-9Xx])"

DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def resident_id_valid(candidates: np.ndarray, *, check_digit: bool = True) -> np.ndarray:
    """Which 18-character candidates are valid resident identity numbers.

    The candidates are ASCII digits with a last digit or X (checked by the
    caller's pattern); the check character (GB 11643-1999, ISO 7064 MOD 11-2,
    skipped with ``check_digit=False``) and the birth date (a real day, from
    1900 to today) are checked here, vectorised.
    """
    n = len(candidates)
    if n == 0:
        return np.zeros(0, dtype=bool)
    chars = np.asarray(candidates, dtype="U18").view(np.uint32).reshape(n, 18)
    digits = chars[:, :17].astype(np.int64) - 48
    ok = np.ones(n, dtype=bool)
    if check_digit:
        expected = ID_CHECK_CODES[(digits @ ID_WEIGHTS) % 11]
        last = chars[:, 17].copy()
        last[last == ord("x")] = ord("X")
        ok &= last == expected
    ten = np.array([1000, 100, 10, 1], dtype=np.int64)
    year = digits[:, 6:10] @ ten
    month = digits[:, 10:12] @ ten[2:]
    day = digits[:, 12:14] @ ten[2:]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    dim = DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    today = _dt.date.today()
    ymd = year * 10000 + month * 100 + day
    ok &= month_ok & (day >= 1) & (day <= dim) & (year >= 1900)
    ok &= ymd <= today.year * 10000 + today.month * 100 + today.day
    return ok


MOBILE_CORE = r"1[3-9][0-9](?:[ -]?[0-9]{4}){2}"
MOBILE_PREFIX = r"(?:(?:\+|00)?86[ -]?)?"

# In search mode a number must not touch other digits, not even across a
# single space or hyphen ("0 138 1234 5678 9" is part of a longer number).
MOBILE_SEARCH = (
    rf"(?<![0-9+])(?<![0-9][ -]){MOBILE_PREFIX}({MOBILE_CORE})"
    r"(?![0-9])(?![ -][0-9])"
)

OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"{OCTET}(?:\.{OCTET}){{3}}"

IPV4_SEARCH = rf"(?<![0-9])(?<![0-9]\.){IPV4}(?![0-9])(?!\.[0-9])"
# Cheap IPv6 prefilter: a token of hex digits, colons and dots with at least
# two colons that contains "::" or six or more colons (every valid IPv6 text
# does); clock times such as 12:30:45 never pass it.
IPV6_TOKEN = re.compile(
    r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"
    r"(?:%[0-9A-Za-z_.-]+)?(?![0-9A-Za-z:])"
)


def is_ipv6(token: str) -> bool:
    """Whether ``token`` (surrounding spaces ignored) is an IPv6 address; ``::`` alone is not."""
    token = token.strip()
    if not any(c not in ":." for c in token.split("%")[0]):
        return False  # "::" alone (the unspecified address) is not data
    try:
        return isinstance(ipaddress.ip_address(token), ipaddress.IPv6Address)
    except ValueError:
        return False


EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
EMAIL_SEARCH = rf"(?<![A-Za-z0-9._%+-]){EMAIL}(?![A-Za-z0-9-])"


def first_match(text: str, kind: str) -> str | None:
    """The first personal value of ``kind`` (one of :data:`MASK_KINDS`) inside ``text``, or None."""
    text = unicodedata.normalize("NFKC", text)
    if kind == "resident_id":
        for hit in re.finditer(ID_SEARCH, text):
            if resident_id_valid(np.array([hit.group(1)]))[0]:
                return hit.group(1)
        return None
    if kind == "phone":
        m = re.search(MOBILE_SEARCH, text)
        return m.group(1) if m else None
    if kind == "ip":
        m = re.search(IPV4_SEARCH, text)
        if m:
            return m.group(0)
        for t in IPV6_TOKEN.finditer(text):
            if is_ipv6(t.group(0)):
                return t.group(0)
        return None
    if kind == "email":
        m = re.search(EMAIL_SEARCH, text)
        return m.group(0) if m else None
    raise ValueError(f"unknown kind {kind!r}; expected one of {MASK_KINDS}")


def masked_form(value: object, kind: str) -> str:
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
        Resident identity number: address code and last four characters
        (``110105********002X``); mobile: first three and last four digits
        (``138****5678``, country code and separators dropped); IPv4: the
        first two octets (``192.168.*.*``); IPv6: the first group
        (``2001:****``); e-mail: first character and top-level domain
        (``z***@***.com``); name: the surname's first character
        (``张**``).  Anything that cannot be parsed is replaced by
        ``"****"`` as a whole, never echoed.

    Notes
    -----
    The birth date (positions 7-14) of a resident identity number is always
    hidden.  The forms follow common display practice in Chinese systems.
    """
    text = "" if value is None else str(value)
    if kind == "name":
        name = text.strip()
        return f"{name[:1]}{'*' * max(len(name) - 1, 1)}" if name else "****"
    found = first_match(text, kind)
    if kind == "ip" and found is None and is_ipv6(text):
        found = text.strip()
    if found is None:
        return "****"
    if kind == "resident_id":
        return f"{found[:6]}{'*' * 8}{found[-4:].upper()}"
    if kind == "phone":
        digits = re.sub(r"[^0-9]", "", found)
        return f"{digits[:3]}****{digits[-4:]}"
    if kind == "ip":
        if "." in found and ":" not in found:
            a, b, *_ = found.split(".")
            return f"{a}.{b}.*.*"
        return f"{found.split(':')[0] or ''}:****"
    local, _, domain = found.partition("@")
    return f"{local[:1]}***@***.{domain.rsplit('.', 1)[-1]}"


_MASK_GATE = re.compile(r"[0-9]{7}|@|[0-9]\.[0-9]{1,3}\.[0-9]|:[0-9A-Fa-f]*:|[0-9][ -][0-9]{4}[ -][0-9]")
_MASK_SUBS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("resident_id", re.compile(ID_SEARCH)),
    ("phone", re.compile(rf"(?<![0-9+])(?<![0-9][ -]){MOBILE_PREFIX}{MOBILE_CORE}"
                         r"(?![0-9])(?![ -][0-9])")),
    ("email", re.compile(EMAIL_SEARCH)),
    ("ip", re.compile(IPV4_SEARCH)),
)


def mask_personal_text(text: object) -> Any:
    """Mask every personal value that the content scan recognises inside a text.

    Parameters
    ----------
    text : object
        A message, a cell value, a file name.  Anything that is not a string
        (or an integer, which may be a mobile number stored as a number) is
        returned unchanged.

    Returns
    -------
    str or object
        The text with each resident identity number (valid check character
        and birth date), mainland mobile number, e-mail and IP address
        replaced by its :func:`masked_form` form; other text is kept as it
        is.  An integer that is a mobile or resident identity number comes
        back as its masked string.

    Notes
    -----
    This is the single place where messages are cleaned: every
    :class:`~mutualaid_analysis.problems.Problem` passes its message,
    value, respondent and file name through it, so no rule's message (an
    ``invalid_code`` naming the offending value, a ``duplicate_id`` naming
    the id) can print a full personal value.  A cheap regular expression
    gate leaves the usual message (no run of seven digits, no ``@``, no
    dotted quad, no colon pair) untouched without further work.
    """
    if isinstance(text, bool) or text is None:
        return text
    if isinstance(text, Integral):
        digits = str(int(text))
        masked = mask_personal_text(digits)
        return text if masked == digits else masked
    if not isinstance(text, str) or not text:
        return text
    probe = unicodedata.normalize("NFKC", text) if re.search(FULLWIDTH, text) else text
    if not _MASK_GATE.search(probe) and not IPV6_TOKEN.search(probe):
        return text
    out = probe
    for kind, pattern in _MASK_SUBS:

        def repl(m: re.Match[str], kind: str = kind) -> str:
            found = m.group(0)
            if kind == "resident_id" and not resident_id_valid(np.array([m.group(1)]))[0]:
                return found
            return masked_form(found, kind)

        out = pattern.sub(repl, out)
    if ":" in out:
        out = IPV6_TOKEN.sub(
            lambda m: masked_form(m.group(0), "ip") if is_ipv6(m.group(0)) else m.group(0), out
        )
    return text if out == probe else out


def mask_personal_strings(obj: Any) -> Any:
    """:func:`mask_personal_text` applied to every string inside dicts and lists.

    For records such as ``provenance.json``, whose file names and
    configuration paths can hold a phone number; numbers, hashes held as
    numbers and keys are left alone.
    """
    if isinstance(obj, str):
        return mask_personal_text(obj)
    if isinstance(obj, dict):
        return {k: mask_personal_strings(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(mask_personal_strings(v) for v in obj)
    return obj
