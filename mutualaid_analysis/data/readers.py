"""Read a data file into a raw table: CSV/TSV, Excel .xlsx, SPSS .sav, Stata .dta.

This is the lowest layer of the data stack.  It knows nothing about codebooks:
it turns the bytes of a file into a :class:`pandas.DataFrame` exactly as the
file has it (numeric columns inferred by pandas, text kept as written), plus
the facts about the file that later layers need to report problems precisely
(:class:`RawTable`: format, encoding, delimiter, hash, ragged rows, the line of
each row) and what SPSS/Stata files say about themselves (:class:`FileMeta`).
Type conversion, label matching and missing codes belong to the validation
layer.

Conventions
-----------
* **Missing cells.**  Only empty cells are missing.  Strings such as ``"NA"``,
  ``"null"``, ``"None"`` or ``"-"`` are kept as text, because in a survey they
  may be real answers; the validation layer decides what is missing (the codebook's
  ``missing`` codes, and text markers such as ``NA`` in numeric and coded columns).
* **Text is not touched.**  No stripping, no case change: ``"比较愿意"`` and
  ``" 比较愿意 "`` come through as written.  Only header names are stripped of
  surrounding whitespace.
* **Blank lines** in text files (empty, or only spaces and tabs, outside
  quoted fields) are skipped, as pandas does, and do not shift :meth:`RawTable.lines`.

Speed
-----
A large numeric CSV costs little more than ``pandas.read_csv(path)``.  Without
a byte-order mark, only the first megabyte is checked as UTF-8 up front:
pandas decodes every text field strictly, and if it meets a byte that is not
UTF-8 the encoding is detected (or reported) over the whole file.  When
the text holds no quote character, UTF-8 files are handed to pandas by path
(pandas parses large files from a path in parallel) while a worker thread
hashes the bytes and counts delimiters.  Only rows whose last cell comes back
missing can be short, so only those have their fields counted; a row that is
too long makes pandas fail (the file is then re-read with room for the extra
fields) or, with a single empty extra field, which pandas drops silently,
shows in the delimiter total, and then every row is counted, with numpy.
Where nothing needed them, record positions are found only when
:meth:`RawTable.lines` is first called.  Text with quotes (or lone ``\r`` line
ends) is split by the :mod:`csv` module; pandas then parses the original text
if it finds the same number of records and there are no ragged rows, and the
csv module's records re-written otherwise: slower, but both always agree on
where records start.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import DataFileError, TextEncodingWarning, UsageError
from ..output import sha256_bytes, sha256_file

__all__ = [
    "CSV_DELIMITERS",
    "FORMATS",
    "FileMeta",
    "RawTable",
    "detect_encoding",
    "format_of",
    "improbable_text",
    "read_raw",
    "sha256_file",
]

Format = Literal["csv", "xlsx", "sav", "dta"]

#: File extension (lower case, with dot) -> format.
FORMATS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
}

#: Delimiters recognised by automatic detection, in order of preference on ties.
CSV_DELIMITERS = (",", "\t", ";", "|")

_BOM_UTF8 = codecs.BOM_UTF8
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_PREFIX = 1 << 20


# --------------------------------------------------------------------------- #
# Result types
# --------------------------------------------------------------------------- #


@dataclass
class FileMeta:
    """What an SPSS or Stata file says about its own variables.

    Attributes
    ----------
    column_labels : dict of str to str
        Variable labels, for the columns that have one.
    value_labels : dict of str to dict
        Per column, code -> label.  Numeric codes are ``int`` where integral
        (``1.0`` becomes ``1``), otherwise ``float``; string codes stay ``str``.
    missing_values : dict of str to list
        SPSS user-missing values per column: discrete values (``int`` where
        integral) and ranges as ``(lo, hi)`` tuples.  Empty for Stata.
    measure : dict of str to str
        SPSS measure level (``"nominal"``, ``"ordinal"`` or ``"scale"``) where
        the file declares one.  Empty for Stata.
    """

    column_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)
    missing_values: dict[str, list] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class RawTable:
    """A data file read as it is, with the facts needed to report on it.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per data row of the file, with a ``RangeIndex``; columns named
        as in the header (surrounding whitespace stripped).  Numeric columns are
        as pandas infers them; text columns hold the text exactly as written;
        empty cells are missing.
    path : pathlib.Path
        The file read.
    format : {"csv", "xlsx", "sav", "dta"}
        The file format (from the extension).
    encoding : str or None
        For text files, the codec name used (``"utf-8"``, ``"utf-8-sig"``,
        ``"gb18030"``, ``"utf-16"`` or the normalised name of a given
        ``encoding=``); ``None`` for binary formats.
    delimiter : str or None
        For text files, the delimiter detected or given; otherwise ``None``.
    sha256 : str
        Hex SHA-256 of the file's bytes.
    n_columns : int
        Number of columns of ``frame``.
    meta : FileMeta or None
        Labels and user-missing declarations (SPSS/Stata only).
    ragged_rows : list of (int, int)
        For text files, ``(row index in frame, number of fields found)`` for
        each row whose number of fields differs from the header's.  Such rows
        are kept, truncated or padded with missing values.
    sheet : str or None
        For Excel, the name of the sheet read.
    formulas_without_value : list of (int, str, str)
        For Excel, ``(row index in frame, column name, cell reference)`` of
        every formula cell that has no saved result (a workbook written by a
        program that does not calculate, such as openpyxl, or saved without
        recalculation).  Such cells are missing in ``frame``.
    encoding_warning : str or None
        For text files whose encoding was detected as GB18030, a sentence
        saying why the decoded text looks improbable (see
        :func:`improbable_text`), else ``None``.  The same sentence is issued
        as a :class:`~mutualaid_analysis.exceptions.TextEncodingWarning`.

    Notes
    -----
    Compared by identity (``eq=False``): comparing frames needs
    :func:`pandas.testing.assert_frame_equal`.
    """

    frame: pd.DataFrame
    path: Path
    format: Format
    encoding: str | None
    delimiter: str | None
    sha256: str
    n_columns: int
    meta: FileMeta | None = None
    ragged_rows: list[tuple[int, int]] = field(default_factory=list)
    sheet: str | None = None
    formulas_without_value: list[tuple[int, str, str]] = field(default_factory=list)
    encoding_warning: str | None = None
    _line_source: Callable[[], np.ndarray] | None = field(default=None, repr=False, compare=False)
    _line_cache: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        """Number of data rows (rows of ``frame``)."""
        return len(self.frame)

    def lines(self) -> np.ndarray:
        """Return the 1-based position in the file of every row of ``frame``.

        Returns
        -------
        numpy.ndarray
            Read-only ``int64`` array of length :attr:`n_rows`.  For text files,
            the physical line on which each record starts (the header is line 1
            when the file does not begin with blank lines; quoted fields that
            contain line breaks and skipped blank lines are accounted for).  For
            Excel, the sheet row number (header = row 1).  For SPSS/Stata, the
            case number.

        Raises
        ------
        DataFileError
            For a text file whose record positions were not needed while
            reading: they are found by reading the file again, which fails if
            the file has changed (its SHA-256 differs) or is gone.

        Notes
        -----
        Computed on first call and cached: it is only needed to report problems.
        """
        if self._line_cache is None:
            if self._line_source is not None:
                out = np.asarray(self._line_source(), dtype=np.int64)
            else:
                first = 1 if self.format in ("sav", "dta") else 2
                out = np.arange(first, first + self.n_rows, dtype=np.int64)
            if len(out) != self.n_rows:  # pragma: no cover - internal invariant
                raise AssertionError("line numbers do not match the rows read")
            out.flags.writeable = False
            self._line_cache = out
        return self._line_cache


# --------------------------------------------------------------------------- #
# Public helpers
# --------------------------------------------------------------------------- #


def format_of(path: str | os.PathLike[str]) -> Format:
    """Return the format of a data file from its extension.

    Parameters
    ----------
    path : str or path-like
        The file name (it need not exist).

    Returns
    -------
    {"csv", "xlsx", "sav", "dta"}

    Raises
    ------
    DataFileError
        For an unsupported extension (with a hint for old ``.xls`` files).
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext in FORMATS:
        return FORMATS[ext]
    if ext == ".xls":
        raise DataFileError(
            f"{p}: old Excel .xls files are not supported; open the file in Excel "
            "(or LibreOffice/WPS) and save it as .xlsx, or export it as CSV."
        )
    supported = ", ".join(sorted(FORMATS))
    raise DataFileError(
        f"{p}: unsupported file type {ext or '(no extension)'!r}; supported: {supported}."
    )


def detect_encoding(data: bytes) -> str:
    """Detect the text encoding of a CSV file's bytes, deterministically.

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    str
        ``"utf-8-sig"`` when the data starts with a UTF-8 byte-order mark,
        ``"utf-16"`` with a UTF-16 byte-order mark, ``"utf-8"`` when the bytes
        are valid UTF-8, else ``"gb18030"`` when they are valid GB18030.

    Raises
    ------
    DataFileError
        If the bytes are valid in none of these, with the byte offset and line
        of the first undecodable byte; or if they contain NUL bytes without a
        byte-order mark (UTF-16/32 without BOM, or not a text file).

    Notes
    -----
    There is no statistical guessing.  GB18030 is a superset of GBK and GB2312,
    so files exported as GBK are read correctly.  Every byte sequence that is
    valid UTF-8 is taken as UTF-8 (pure ASCII is both).
    """
    return _decode_to_utf8(data, None, "the data")[0]


#: A GB18030-detected text whose non-ASCII characters are at least this share
#: improbable (see :func:`improbable_text`) gets a TextEncodingWarning.  Real
#: Chinese survey exports measure 0-1%; Big5 read as GB18030 about 80%, and
#: Latin-1 accented letters read as GB18030 100%.
IMPROBABLE_SHARE = 0.2
#: Characters of the decoded text examined (the first ones; enough for any header).
_IMPROBABLE_SAMPLE = 1 << 18


#: Scripts that text in another encoding turns into when read as GB18030, but
#: that Chinese survey text hardly ever holds: kana, bopomofo, hangul,
#: Cyrillic, box drawing (GB2312's rows 4-9 and GBK's rare areas).
_FOREIGN_RANGES = (
    (0x0400, 0x04FF),  # Cyrillic
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2500, 0x257F),  # box drawing
    (0x3040, 0x30FA),  # hiragana, katakana (not the middle dot and long mark)
    (0x3100, 0x318F),  # bopomofo, hangul compatibility jamo
    (0xAC00, 0xD7AF),  # hangul syllables
)
_IDEOGRAPH_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))


def _improbable_char(ch: str) -> bool:
    cp = ord(ch)
    if 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000:  # private use
        return True
    if any(lo <= cp <= hi for lo, hi in _FOREIGN_RANGES):
        return True
    if any(lo <= cp <= hi for lo, hi in _IDEOGRAPH_RANGES):
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            return True  # a hanzi outside the 6,763 of everyday Simplified Chinese
    return False


def improbable_text(text: str) -> tuple[int, int]:
    """Count the non-ASCII characters of ``text`` and how many are improbable in Chinese text.

    Parameters
    ----------
    text : str
        Decoded text.

    Returns
    -------
    (int, int)
        ``(non-ASCII characters, improbable ones)``.  Improbable: private-use
        characters (U+E000-U+F8FF, planes 15-16), hanzi outside GB2312 (the
        6,763 that cover everyday Simplified Chinese), and kana, bopomofo,
        hangul, Cyrillic and box drawing.  Text in another encoding read as
        GB18030 is mostly such characters; Chinese text hardly ever is.
        Punctuation, Latin letters with accents, Greek letters and
        mathematical signs are neither (they count as non-ASCII only).
    """
    from collections import Counter

    n = bad = 0
    for ch, k in Counter(ch for ch in text if ch > "\x7f").items():
        n += k
        if _improbable_char(ch):
            bad += k
    return n, bad


def _utf8_of(data: bytes) -> bytes:
    """The first part of GB18030 ``data`` as UTF-8 (for :func:`improbable_text`)."""
    head = data[: _IMPROBABLE_SAMPLE * 4]
    return head.decode("gb18030", errors="ignore").encode("utf-8")


def _encoding_note(data: bytes, u: bytes, where: str) -> str | None:
    """A warning sentence when GB18030-detected text looks like another encoding, else None."""
    text = u[: _IMPROBABLE_SAMPLE * 3].decode("utf-8", errors="ignore")[:_IMPROBABLE_SAMPLE]
    n, bad = improbable_text(text)
    if not bad or bad < IMPROBABLE_SHARE * n:
        return None
    candidates = []
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        pass
    else:
        candidates.append("encoding='big5' (Traditional Chinese; the bytes are valid Big5)")
    candidates.append("encoding='cp1252' or 'latin-1' (Western European)")
    return (
        f"{where} was decoded as GB18030 (the detected encoding: the bytes are not UTF-8 "
        f"but are valid GB18030), but {bad} of {n} non-ASCII characters ({bad / n:.0%}) are "
        "rare, private-use or non-Chinese characters, which is what text in another encoding "
        "looks like when read as GB18030. If the file is not GBK/GB18030, read it again with "
        f"{' or '.join(candidates)}; on the command line, --encoding."
    )


# --------------------------------------------------------------------------- #
# Decoding
# --------------------------------------------------------------------------- #


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    """1-based physical line containing byte ``offset`` of ``data``."""
    prefix = data[:offset].decode(encoding, errors="replace")
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1


def _decode_error(data: bytes, exc: UnicodeDecodeError, encoding: str, base: int = 0) -> str:
    offset = base + exc.start
    bad = data[offset : offset + 1].hex()
    return (
        f"first undecodable byte 0x{bad} at byte offset {offset} "
        f"(line {_line_of(data, offset, encoding)})"
    )


def _check_utf8(data: bytes, *, complete: bool = True) -> UnicodeDecodeError | None:
    """Validate UTF-8, returning the error if any.

    With ``complete=False`` only the first megabyte is checked (when it is
    valid), for callers whose parser validates the rest (pandas decodes every
    text field strictly): decoding a large file just to validate it costs
    about half of pandas' whole parse.
    """
    if data.isascii():
        return None
    if not complete and len(data) > _PREFIX:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(data[:_PREFIX], final=False)
        except UnicodeDecodeError:
            pass  # the full check below finds the exact offset
        else:
            return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None


def _other_encodings(data: bytes) -> str:
    """Which common non-Chinese-mainland encodings the bytes are valid in, as a hint."""
    for name, what in (("big5", "Traditional Chinese"), ("shift_jis", "Japanese"),
                       ("euc_kr", "Korean")):
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return f"the bytes are valid {what} {name}: try encoding='{name}'"
    return "e.g. encoding='big5' or encoding='cp1252'"


def _detected_hint(data: bytes) -> str:
    """What detection would have chosen, for a message about a given encoding that failed."""
    try:
        detected = _decode_to_utf8(data, None, "the data")[0]
    except DataFileError:
        return "it is not UTF-8 or GB18030 either, so detection would fail too"
    return f"without encoding= it would be read as {detected} (the detected encoding)"


def _normalise_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(
            f"Unknown encoding {encoding!r}; use for example 'utf-8', 'gb18030' or 'utf-16'."
        ) from None


def _decode_to_utf8(
    data: bytes, encoding: str | None, where: str, *, complete: bool = True
) -> tuple[str, bytes, bool]:
    """Return ``(encoding name, the text as UTF-8 bytes without BOM, tentative)``.

    ``tentative`` is true when, with ``complete=False``, UTF-8 was checked on
    the first megabyte only: the caller must then treat a
    :class:`UnicodeDecodeError` as "not UTF-8" and call again with
    ``complete=True``.
    """
    tentative = not complete and len(data) > _PREFIX and not data.isascii()
    hint = "pass encoding= with the file's actual encoding"
    if encoding is not None:
        name = _normalise_encoding(encoding)
        if name == "utf-8":
            body, base = (data[3:], 3) if data.startswith(_BOM_UTF8) else (data, 0)
            err = _check_utf8(body, complete=complete)
            if err is not None:
                detail = _decode_error(data, err, "utf-8", base)
                raise DataFileError(f"{where} cannot be decoded as {name} (the encoding given): "
                                    f"{detail}; {_detected_hint(data)}; {hint}.")
            return name, body, tentative
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            detail = _decode_error(data, exc, name)
            raise DataFileError(f"{where} cannot be decoded as {name} (the encoding given): "
                                f"{detail}; {_detected_hint(data)}; {hint}.") from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return name, text.encode("utf-8"), False

    if data.startswith(_BOM_UTF8):
        err = _check_utf8(data[3:], complete=complete)
        if err is not None:
            detail = _decode_error(data, err, "utf-8", 3)
            raise DataFileError(
                f"{where} starts with a UTF-8 byte-order mark but is not valid UTF-8: "
                f"{detail}; {hint}."
            )
        return "utf-8-sig", data[3:], tentative
    if data.startswith(_BOMS_UTF16):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            detail = _decode_error(data, exc, "utf-16")
            raise DataFileError(
                f"{where} starts with a UTF-16 byte-order mark but is not valid UTF-16: "
                f"{detail}; {hint}."
            ) from None
        return "utf-16", text.encode("utf-8"), False
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise DataFileError(
            f"{where} contains NUL bytes (first at byte offset {offset}, line "
            f"{_line_of(data, offset, 'latin-1')}): it is not UTF-8 or GB18030 text; it may "
            "be UTF-16 without a byte-order mark (pass encoding='utf-16-le') or not a "
            "text file."
        )
    err = _check_utf8(data, complete=complete)
    if err is None:
        return "utf-8", data, tentative
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{where} is neither UTF-8 ({_decode_error(data, err, 'utf-8')}) nor GB18030/GBK "
            f"({_decode_error(data, exc, 'gb18030')}), the encodings detected without "
            f"encoding=; {hint} ({_other_encodings(data)})."
        ) from None
    return "gb18030", text.encode("utf-8"), False


# --------------------------------------------------------------------------- #
# CSV
# --------------------------------------------------------------------------- #


def _detect_delimiter(u: bytes, default: str) -> str:
    """Most frequent candidate delimiter outside quotes in the first non-blank line."""
    counts = dict.fromkeys(CSV_DELIMITERS, 0)
    in_quotes = False
    started = False
    # The header is short; decode only the first part of the data.
    head = u[: 1 << 16].decode("utf-8", errors="replace")
    for ch in head:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes:
            if ch in "\r\n":
                if started:
                    break
            elif ch in counts:
                counts[ch] += 1
                started = True
            elif ch not in " \t":
                started = True
    best = max(CSV_DELIMITERS, key=lambda d: (counts[d], -CSV_DELIMITERS.index(d)))
    return best if counts[best] > 0 else default


def _check_delimiter(delimiter: str) -> None:
    if (
        not isinstance(delimiter, str)
        or len(delimiter) != 1
        or not delimiter.isascii()
        or delimiter in '"\r\n '
    ):
        raise UsageError(
            "delimiter must be one ASCII character other than a quote, space or line "
            f"break, got {delimiter!r}."
        )


def _check_header(names: list[str], where: str) -> None:
    empty = [i + 1 for i, n in enumerate(names) if n == ""]
    if empty:
        raise DataFileError(
            f"{where}: the header has empty column names (column "
            f"{', '.join(map(str, empty))}); every column needs a name to be mapped to "
            "the codebook."
        )
    seen: set[str] = set()
    dups: list[str] = []
    for n in names:
        if n in seen and n not in dups:
            dups.append(n)
        seen.add(n)
    if dups:
        raise DataFileError(
            f"{where}: duplicate column names in the header: {', '.join(map(repr, dups))}; "
            "rename them so that each column can be mapped to the codebook."
        )


class _TooManyFields(Exception):
    """pandas met a row with more fields than the header."""


class _MixedTypes(Exception):
    """pandas inferred different types for different chunks of a column."""


def _pandas_csv(
    source: str | bytes,
    *,
    delim: str,
    names: list[str],
    encoding: str,
    dtype: dict[str, type],
    skip: int | None = None,
    low_memory: bool = True,
) -> pd.DataFrame:
    """Run pandas' C parser with this module's conventions.

    ``source`` is a path (so that pandas may use its parallel reader) or UTF-8
    bytes.  Rows longer than ``names`` raise :class:`_TooManyFields`; chunk-wise
    type disagreement raises :class:`_MixedTypes` (retry with ``low_memory=False``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        warnings.simplefilter("error", pd.errors.DtypeWarning)
        try:
            return pd.read_csv(
                source if isinstance(source, str) else io.BytesIO(source),
                sep=delim,
                header=0 if skip is None else None,
                skiprows=skip,
                names=names,
                index_col=False,
                dtype=dtype or None,
                keep_default_na=False,
                na_values=[""],
                encoding=encoding,
                quotechar='"',
                low_memory=low_memory,
            )
        except pd.errors.DtypeWarning:
            raise _MixedTypes from None
        except (pd.errors.ParserError, pd.errors.ParserWarning):
            # Without quotes the only parser complaint possible is a long row.
            raise _TooManyFields from None


def _read_frame(source: str | bytes, **kwargs: Any) -> pd.DataFrame:
    """:func:`_pandas_csv`, retried with whole-column type inference if chunks disagree."""
    try:
        return _pandas_csv(source, **kwargs)
    except _MixedTypes:
        return _pandas_csv(source, low_memory=False, **kwargs)


def _widened(names: list[str], width: int) -> list[str]:
    """``names`` followed by unique placeholder names up to ``width``."""
    out = list(names)
    taken = set(names)
    i = 0
    while len(out) < width:
        extra = f"__extra_{i}__"
        i += 1
        if extra not in taken:
            out.append(extra)
    return out


def _whitespace(delim: str) -> bytes:
    """Bytes that make a line blank for pandas: spaces and tabs, unless tab delimits."""
    return b" \t".replace(delim.encode(), b"")


def _first_line_fast(u: bytes, delim: str) -> tuple[int, list[str]] | None:
    """Physical line index (0-based) and fields of the first non-blank line (no quotes)."""
    ws = _whitespace(delim) + b"\r"
    pos = 0
    line = 0
    size = len(u)
    while pos < size:
        end = u.find(b"\n", pos)
        if end < 0:
            end = size
        content = u[pos:end]
        if content.strip(ws):
            return line, content.removesuffix(b"\r").decode("utf-8").split(delim)
        pos = end + 1
        line += 1
    return None


class _LineIndex:
    """Where the records of quote-free text are: one entry per data record.

    Computed with numpy (no Python loop over lines), only when needed: to count
    the fields of rows that may be ragged, or for :meth:`RawTable.lines`.
    ``starts``/``ends`` are byte offsets of each record's content (line break
    excluded) and ``phys`` its 0-based physical line.
    """

    def __init__(self, u: bytes, delim: str, header_line: int) -> None:
        arr = np.frombuffer(u, dtype=np.uint8)
        nl = np.flatnonzero(arr == 10)
        size = len(arr)
        ends = nl if arr[-1] == 10 else np.append(nl, size)
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        length = ends - starts
        nonempty = length > 0
        cr = np.zeros(len(ends), dtype=bool)
        cr[nonempty] = arr[ends[nonempty] - 1] == 13
        ends -= cr
        length -= cr
        blank = length == 0
        # Lines of only spaces/tabs are blank too (pandas skips them).
        ws = _whitespace(delim)
        cand = np.flatnonzero(~blank)
        cand = cand[np.isin(arr[starts[cand]], np.frombuffer(ws, dtype=np.uint8))]
        for i in cand.tolist():
            if not u[starts[i] : ends[i]].strip(ws):
                blank[i] = True
        blank[: header_line + 1] = True  # the header and anything before it
        self.phys = np.flatnonzero(~blank)
        self.starts = starts[self.phys]
        self.ends = ends[self.phys]
        self.n = len(self.phys)

    def field_counts(self, u: bytes, delim: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Number of fields of each record (or of the records ``rows``)."""
        if rows is not None and len(rows) <= 2000:
            d = delim.encode()
            return np.array(
                [
                    u.count(d, s, e) + 1
                    for s, e in zip(
                        self.starts[rows].tolist(), self.ends[rows].tolist(), strict=True
                    )
                ],
                dtype=np.int64,
            )
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        arr = np.frombuffer(u, dtype=np.uint8)
        mask = (arr == ord(delim)).view(np.uint8)
        # Segments start at each record and run to the next record's start; the
        # line break and any blank lines between them hold no delimiter.
        counts = np.add.reduceat(mask, self.starts, dtype=np.int64)
        # The last segment runs to the end of the data: only blank lines follow it.
        counts += 1
        return counts if rows is None else counts[rows]


def _split_csv_module(
    text: str, delim: str, where: str, *, reserialise: bool
) -> tuple[list[str], bytes | None, np.ndarray, list[tuple[int, int]]] | None:
    """Split text with quotes using the :mod:`csv` module.

    Returns the header, the start line of each data record, the ragged rows
    and, with ``reserialise=True``, the records re-written as UTF-8 CSV for
    pandas (padded or truncated to the header's width, blank lines dropped,
    so that pandas cannot disagree with the csv module about them); ``None``
    when there is no header.
    """
    ws = _whitespace(delim).decode()
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delim,
        quotechar='"',
        doublequote=True,
        strict=False,
    )
    physical: list[str] | None = None
    header: list[str] | None = None
    n_header = 0
    starts: list[int] = []
    ragged: list[tuple[int, int]] = []
    out = io.StringIO()
    # "\r\n" so that fields holding a lone "\r" are quoted too.
    writer = csv.writer(out, delimiter=delim, quotechar='"', lineterminator="\r\n")
    prev = 0
    try:
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            k = len(rec)
            if k <= 1:
                if k == 0:
                    continue  # an empty line
                if prev == start and not rec[0].strip(ws):
                    # Only spaces/tabs: a blank line unless they were quoted.
                    if physical is None:
                        physical = io.StringIO(text, newline="").readlines()
                    if not physical[start - 1].strip("\r\n").strip(ws):
                        continue
            if header is None:
                header = rec
                n_header = k
                if reserialise:
                    writer.writerow(range(n_header))  # replaced by names=
                continue
            if k != n_header:
                ragged.append((len(starts), k))
                if reserialise:
                    rec = rec[:n_header] if k > n_header else rec + [""] * (n_header - k)
            starts.append(start)
            if not reserialise:
                continue
            if n_header == 1 and rec[0] and not rec[0].strip(ws):
                # A whitespace-only cell alone on its line would read as blank.
                out.write('"' + rec[0] + '"\r\n')
            else:
                writer.writerow(rec)
    except csv.Error as exc:
        raise DataFileError(
            f"{where}, line {reader.line_num}: cannot parse as CSV: {exc}"
        ) from None
    if header is None:
        return None
    body = out.getvalue().encode("utf-8") if reserialise else None
    return header, body, np.asarray(starts, dtype=np.int64), ragged


def _deferred_lines(
    path: Path, encoding: str, delim: str, header_line: int, sha: str
) -> Callable[[], np.ndarray]:
    """Line numbers computed on demand by re-reading the file (checked by its hash)."""

    def compute() -> np.ndarray:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataFileError(f"Cannot read {path} again: {exc.strerror or exc}") from exc
        if _sha256_hex(data) != sha:
            raise DataFileError(f"{path} changed after it was read; read it again.")
        _, u, _ = _decode_to_utf8(data, encoding, str(path))
        return _LineIndex(u, delim, header_line).phys + 1

    return compute


_sha256_hex = sha256_bytes


def _count_byte(u: bytes, char: str) -> int:
    return int(np.count_nonzero(np.frombuffer(u, dtype=np.uint8) == ord(char)))


def _read_csv(
    path: Path,
    data: bytes,
    stat: os.stat_result,
    *,
    encoding: str | None,
    delimiter: str | None,
    text_columns: set[str],
) -> RawTable:
    # Hashing and counting bytes release the GIL: they run in a worker thread
    # while this thread decodes and pandas parses.
    with ThreadPoolExecutor(max_workers=1) as pool:
        sha_future = pool.submit(_sha256_hex, data)
        return _parse_csv(
            pool,
            sha_future,
            path,
            data,
            stat,
            encoding=encoding,
            delimiter=delimiter,
            text_columns=text_columns,
        )


def _parse_csv(
    pool: ThreadPoolExecutor,
    sha_future: Future[str],
    path: Path,
    data: bytes,
    stat: os.stat_result,
    *,
    encoding: str | None,
    delimiter: str | None,
    text_columns: set[str],
) -> RawTable:
    where = str(path)
    enc, u, tentative = _decode_to_utf8(data, encoding, where, complete=False)
    try:
        return _parse_text(
            pool,
            sha_future,
            path,
            data,
            stat,
            enc,
            u,
            delimiter=delimiter,
            text_columns=text_columns,
        )
    except UnicodeDecodeError:
        if not tentative:  # pragma: no cover - text was validated
            raise
    # Not UTF-8 after all: detect (or report) properly.
    enc, u, _ = _decode_to_utf8(data, encoding, where)
    return _parse_text(
        pool,
        sha_future,
        path,
        data,
        stat,
        enc,
        u,
        delimiter=delimiter,
        text_columns=text_columns,
    )


def _parse_text(
    pool: ThreadPoolExecutor,
    sha_future: Future[str],
    path: Path,
    data: bytes,
    stat: os.stat_result,
    enc: str,
    u: bytes,
    *,
    delimiter: str | None,
    text_columns: set[str],
) -> RawTable:
    where = str(path)
    if delimiter is None:
        delim = _detect_delimiter(u, "\t" if path.suffix.lower() == ".tsv" else ",")
    else:
        _check_delimiter(delimiter)
        delim = delimiter

    # pandas ends a line at a lone "\r" but then mis-splits some such lines
    # (",x" after "\r" loses its empty first field): those go the csv way.
    no_lone_cr = b"\r" not in u or u.count(b"\r") == u.count(b"\r\n")
    if b'"' in u or not no_lone_cr:
        text = u.decode("utf-8")
        split = _split_csv_module(text, delim, where, reserialise=False)
        if split is None:
            raise DataFileError(f"{where} is empty (no header line).")
        header, _, start_lines, ragged = split
        names = [n.strip() for n in header]
        _check_header(names, where)
        dtype = {n: str for n in names if n in text_columns}
        frame: pd.DataFrame | None = None
        if not ragged and no_lone_cr:
            # pandas splits standard CSV as the csv module does; the row count
            # confirms it, else pandas gets the csv module's records.
            try:
                frame = _read_frame(u, delim=delim, names=names, encoding="utf-8", dtype=dtype)
            except _TooManyFields:  # e.g. a quote left open at the end of the file
                frame = None
            if frame is not None and len(frame) != len(start_lines):
                frame = None
        if frame is None:
            split = _split_csv_module(text, delim, where, reserialise=True)
            assert split is not None and split[1] is not None
            try:
                frame = _read_frame(
                    split[1], delim=delim, names=names, encoding="utf-8", dtype=dtype
                )
            except _TooManyFields:  # pragma: no cover - records are padded to the header's width
                raise DataFileError(f"{where}: cannot parse as CSV.") from None
        sha = sha_future.result()
        n_records = len(start_lines)

        def line_source() -> np.ndarray:
            return start_lines

    else:
        first = _first_line_fast(u, delim)
        if first is None:
            raise DataFileError(f"{where} is empty (no header line).")
        header_line, header = first
        names = [n.strip() for n in header]
        _check_header(names, where)
        dtype = {n: str for n in names if n in text_columns}
        # UTF-8 files go to pandas by path: pandas reads large files in parallel
        # from a path only.  Other encodings go as transcoded UTF-8 bytes.
        direct = enc in ("utf-8", "utf-8-sig")
        source: str | bytes = os.path.abspath(path) if direct else u
        pd_encoding = enc if direct else "utf-8"
        delim_total = pool.submit(_count_byte, u, delim)
        try:
            frame = _read_frame(
                source, delim=delim, names=names, encoding=pd_encoding, dtype=dtype
            )
        except _TooManyFields:
            frame = None
        sha = sha_future.result()
        index: _LineIndex | None = None
        ragged_arr = ragged_counts = np.zeros(0, dtype=np.int64)
        if frame is None:
            index = _LineIndex(u, delim, header_line)
            counts = index.field_counts(u, delim)
            width = int(counts.max())
            try:
                frame = _read_frame(
                    source,
                    delim=delim,
                    names=_widened(names, width),
                    encoding=pd_encoding,
                    dtype=dtype,
                    skip=header_line + 1,  # header=0 would fix the width at the first row's
                ).iloc[:, : len(names)]
            except _TooManyFields:  # pragma: no cover - defensive
                raise DataFileError(
                    f"{where}: cannot parse as CSV (rows of uneven length)."
                ) from None
            ragged_arr = np.flatnonzero(counts != len(names))
            ragged_counts = counts[ragged_arr]
        else:
            # A short row is padded with missing values, so its last cell is
            # missing: only such rows need their fields counted.
            n_header = len(names)
            cand = np.zeros(0, dtype=np.int64)
            if n_header > 1:
                cand = np.flatnonzero(frame.iloc[:, -1].isna().to_numpy())
            if len(cand):
                index = _LineIndex(u, delim, header_line)
                if index.n == len(frame):
                    counts = index.field_counts(u, delim, cand)
                    bad = counts != n_header
                    ragged_arr, ragged_counts = cand[bad], counts[bad]
            # pandas silently drops one empty field too many ("1,2," under
            # "a,b"), so check the delimiter total: rows that are too long are
            # the only other way it can differ from what the rows found imply.
            expected = (n_header - 1) * (len(frame) + 1) + int((ragged_counts - n_header).sum())
            if delim_total.result() != expected:
                if index is None:
                    index = _LineIndex(u, delim, header_line)
                counts = index.field_counts(u, delim)
                if len(counts) == len(frame):
                    ragged_arr = np.flatnonzero(counts != n_header)
                    ragged_counts = counts[ragged_arr]
        ragged = list(zip(ragged_arr.tolist(), ragged_counts.tolist(), strict=True))
        if index is not None:
            n_records = index.n
            phys = index.phys

            def line_source() -> np.ndarray:
                return phys + 1

        else:
            n_records = len(frame)
            n_lines = u.count(b"\n") + (0 if u.endswith(b"\n") else 1)
            if n_lines == header_line + 1 + n_records:
                # No blank lines and no quotes: every line after the header is a
                # record, so record i is on line header_line + 2 + i (one count
                # in C instead of a second pass over the file).
                first_line = header_line + 2

                def line_source() -> np.ndarray:
                    return np.arange(first_line, first_line + n_records, dtype=np.int64)

            else:
                # Nothing needed the record positions: find them only if asked.
                line_source = _deferred_lines(path, enc, delim, header_line, sha)

        if direct:
            now = os.stat(path)
            if (now.st_size, now.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                raise DataFileError(f"{where} changed while it was being read; read it again.")

    if len(frame) != n_records:  # pragma: no cover - internal invariant
        raise DataFileError(
            f"{where}: internal error: found {n_records} records but pandas read "
            f"{len(frame)} rows; please report this with the file."
        )
    frame.columns = pd.Index(names)
    return RawTable(
        frame=frame,
        path=path,
        format="csv",
        encoding=enc,
        delimiter=delim,
        sha256=sha,
        n_columns=frame.shape[1],
        meta=None,
        ragged_rows=ragged,
        _line_source=line_source,
    )


# --------------------------------------------------------------------------- #
# Excel
# --------------------------------------------------------------------------- #


def _cell_name(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _read_xlsx(path: Path, sheet: str | int | None, text_columns: set[str]) -> RawTable:
    import openpyxl

    where = str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise DataFileError(f"{where} cannot be read as an Excel .xlsx file: {exc}") from exc
    try:
        names_ = wb.sheetnames
        if sheet is None:
            sheet_name = names_[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names_):
                raise DataFileError(
                    f"{where} has {len(names_)} sheet(s); sheet={sheet} does not exist "
                    f"(sheets: {', '.join(map(repr, names_))})."
                )
            sheet_name = names_[sheet]
        else:
            if sheet not in names_:
                raise DataFileError(
                    f"{where} has no sheet {sheet!r} (sheets: {', '.join(map(repr, names_))})."
                )
            sheet_name = sheet
        ws = wb[sheet_name]
        first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        header = [_cell_name(v) for v in first]
        while header and header[-1] == "":
            header.pop()
        if not header:
            raise DataFileError(f"{where} is empty (sheet {sheet_name!r} has no header row).")
        dtype = {i: str for i, n in enumerate(header) if n in text_columns}
        # Formulas nobody calculated read as empty: find them so they are reported.
        try:
            cells = _uncached_formulas(wb._archive, ws._worksheet_path, len(header))
        except (AttributeError, OSError, ValueError):  # pragma: no cover - internals changed
            cells = []
        try:
            # pandas-stubs types an Excel dtype's keys as str; with header=None they are
            # the column numbers, which pandas takes.
            frame = pd.read_excel(  # type: ignore[call-overload]
                wb,
                sheet_name=sheet_name,
                header=None,
                skiprows=1,
                engine="openpyxl",
                dtype=dtype or None,
                keep_default_na=False,
                na_values=[""],
            )
        except Exception as exc:  # pragma: no cover - defensive
            raise DataFileError(f"{where}: cannot read sheet {sheet_name!r}: {exc}") from exc
    finally:
        wb.close()

    n = len(header)
    if frame.shape[1] > n:
        extra = frame.iloc[:, n:]
        used = [i for i in range(n, frame.shape[1]) if extra.iloc[:, i - n].notna().any()]
        if used:
            cols = ", ".join(_column_letter(i) for i in used)
            raise DataFileError(
                f"{where}: sheet {sheet_name!r} has data in columns without a header "
                f"(column {cols}); every column needs a name to be mapped to the codebook."
            )
        frame = frame.iloc[:, :n]
    elif frame.shape[1] < n:
        frame = frame.reindex(columns=range(n))
    _check_header(header, f"{where} (sheet {sheet_name!r})")
    frame.columns = pd.Index(header)
    frame = frame.reset_index(drop=True)
    formulas = [(row - 2, header[col], ref) for row, col, ref in cells
                if row - 2 < len(frame) and pd.isna(frame.iat[row - 2, col])]
    return RawTable(
        frame=frame,
        path=path,
        format="xlsx",
        encoding=None,
        delimiter=None,
        sha256=sha256_file(path),
        n_columns=frame.shape[1],
        sheet=sheet_name,
        formulas_without_value=formulas,
    )


def _uncached_formulas(archive: Any, sheet_path: str, n_columns: int) -> list[tuple[int, int, str]]:
    """``(sheet row, 0-based column, cell reference)`` of formula cells without a saved value.

    Read from the sheet's XML: a ``<c>`` element with an ``<f>`` (formula)
    child and an absent or empty ``<v>`` (value) child (openpyxl writes
    ``<v/>``).  A saved empty-text result (``t="str"`` with an empty ``<v>``)
    is a value and is not listed.  Sheets without any formula are skipped
    after a byte search.
    """
    import re
    import xml.etree.ElementTree as ET

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    try:
        data = archive.read(sheet_path.lstrip("/"))
    except KeyError:  # pragma: no cover - openpyxl found the sheet there
        return []
    if not re.search(rb"<(?:\w+:)?f[ >/]", data):
        return []
    out: list[tuple[int, int, str]] = []
    for _event, el in ET.iterparse(io.BytesIO(data)):
        if el.tag.rsplit("}", 1)[-1] != "c":
            continue
        kids = {child.tag.rsplit("}", 1)[-1]: child for child in el}
        ref = el.get("r")
        value = kids.get("v")
        uncached = value is None or not (value.text or "")
        # A formula whose saved result is the empty string has t="str" and <v></v>.
        if "f" in kids and uncached and el.get("t") not in ("str", "s", "inlineStr") and ref:
            letters, row = coordinate_from_string(ref)
            col = column_index_from_string(letters) - 1
            if row > 1 and col < n_columns:
                out.append((row, col, ref))
        el.clear()
    return out


# --------------------------------------------------------------------------- #
# SPSS / Stata
# --------------------------------------------------------------------------- #


def _code(value: Any) -> Any:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _meta_from(meta: Any, fmt: Format) -> FileMeta:
    labels = {k: v for k, v in (getattr(meta, "column_names_to_labels", None) or {}).items() if v}
    value_labels = {
        col: {_code(k): str(v) for k, v in mapping.items()}
        for col, mapping in (getattr(meta, "variable_value_labels", None) or {}).items()
    }
    missing: dict[str, list] = {}
    measure: dict[str, str] = {}
    if fmt == "sav":
        for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
            vals: list = []
            for r in ranges:
                lo, hi = _code(r["lo"]), _code(r["hi"])
                vals.append(lo if lo == hi else (lo, hi))
            if vals:
                missing[col] = vals
        for col, m in (getattr(meta, "variable_measure", None) or {}).items():
            if m in ("nominal", "ordinal", "scale"):
                measure[col] = m
    return FileMeta(labels, value_labels, missing, measure)


def _read_stat(path: Path, fmt: Format) -> RawTable:
    import pyreadstat

    where = str(path)
    try:
        if fmt == "sav":
            frame, meta = pyreadstat.read_sav(path, apply_value_formats=False, user_missing=True)
        else:
            frame, meta = pyreadstat.read_dta(path, apply_value_formats=False)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError) as exc:
        kind = "an SPSS .sav" if fmt == "sav" else "a Stata .dta"
        raise DataFileError(f"{where} cannot be read as {kind} file: {exc}") from exc
    names = [str(c).strip() for c in frame.columns]
    _check_header(names, where)
    frame.columns = pd.Index(names)
    frame = frame.reset_index(drop=True)
    return RawTable(
        frame=frame,
        path=path,
        format=fmt,
        encoding=None,
        delimiter=None,
        sha256=sha256_file(path),
        n_columns=frame.shape[1],
        meta=_meta_from(meta, fmt),
    )


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #


def read_raw(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    text_columns: Iterable[str] = (),
    sheet: str | int | None = None,
) -> RawTable:
    """Read a data file into a :class:`RawTable`, without any codebook knowledge.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.tsv`` or ``.txt`` text file, an Excel ``.xlsx``/``.xlsm``
        workbook, an SPSS ``.sav``/``.zsav`` file or a Stata ``.dta`` file.  The
        format is taken from the extension.
    encoding : str, optional
        Text files only.  The codec to decode with (any name ``codecs.lookup``
        knows: ``"GBK"``, ``"cp936"``, ``"utf-8"``...).  By default it is
        detected with :func:`detect_encoding`.
    delimiter : str, optional
        Text files only.  By default the most frequent of ``,``, tab, ``;`` and
        ``|`` outside quotes in the header line (``,`` when there is none;
        tab for ``.tsv``).
    text_columns : iterable of str
        Columns to keep as text exactly as written (ids, phone numbers, codes
        with leading zeros).  Names not present in the file are ignored (the
        validation layer reports missing columns).
    sheet : str or int, optional
        Excel only: sheet name or 0-based index; the first sheet by default.

    Returns
    -------
    RawTable
        The table and the facts about the file.

    Raises
    ------
    DataFileError
        If the file is missing, empty, of an unsupported type (including old
        ``.xls``), cannot be decoded (the message gives the byte offset and line
        of the first bad byte), has duplicate or empty header names, or cannot
        be parsed by the format's reader.
    UsageError
        For an unknown ``encoding`` name or an unusable ``delimiter``.

    Notes
    -----
    * Only empty cells become missing; ``"NA"``, ``"null"``, ``"None"`` are kept
      as text (they may be real answers).  Text is never stripped or converted.
    * Text files: blank lines (empty or only spaces/tabs outside quotes) are
      skipped.  A row with more fields than the header is truncated, one with
      fewer is padded with missing values; either way it is listed in
      ``ragged_rows`` and never dropped.  Files without quote characters take a
      vectorised path; files with quotes are split with the :mod:`csv` module,
      and pandas parses the original text when it finds the same records, else
      the csv module's records re-written (see the module's *Speed* notes).
    * Large numeric columns: when pandas' chunk-wise type inference disagrees
      between chunks (a stray text answer deep in a numeric column), the file
      is re-read with whole-column inference, so a column never mixes types.
    * A leading byte-order mark is removed even when ``encoding="utf-8"`` is
      given.
    * Excel: header in row 1; rows entirely empty inside the data are kept (as
      rows of missing values), trailing empty rows are not part of the sheet.
    * SPSS: read with ``user_missing=True`` so that declared user-missing codes
      stay in the data as values; value labels are not applied.  Stata: read as
      stored, extended missing values (``.a``...) become missing.
    """
    p = Path(path)
    fmt = format_of(p)
    if not p.exists():
        raise DataFileError(f"{p}: no such file.")
    if not p.is_file():
        raise DataFileError(f"{p} is not a file.")
    text_cols = {text_columns} if isinstance(text_columns, str) else set(text_columns)
    if fmt == "csv":
        try:
            stat = os.stat(p)
            data = p.read_bytes()
        except OSError as exc:
            raise DataFileError(f"Cannot read {p}: {exc.strerror or exc}") from exc
        if not data:
            raise DataFileError(f"{p} is empty (0 bytes).")
        raw = _read_csv(
            p, data, stat, encoding=encoding, delimiter=delimiter, text_columns=text_cols
        )
        if encoding is None and raw.encoding == "gb18030":
            # Only the detected GB18030 is checked: nearly any byte sequence
            # decodes as GB18030, while mojibake is almost never valid UTF-8.
            raw.encoding_warning = _encoding_note(data, u=_utf8_of(data), where=str(p))
            if raw.encoding_warning:
                warnings.warn(raw.encoding_warning, TextEncodingWarning, stacklevel=2)
        return raw
    if p.stat().st_size == 0:
        raise DataFileError(f"{p} is empty (0 bytes).")
    if fmt == "xlsx":
        return _read_xlsx(p, sheet, text_cols)
    return _read_stat(p, fmt)
