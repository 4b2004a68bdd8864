"""Typing and validating a raw table against its codebook.

The reader gives a raw table (values as the file holds them); this module
turns each column into its codebook type, reads answer text that matches a
value label as its code, turns missing codes into missing values (keeping
their counts), and records every broken rule as a :class:`Problem`.  It never
drops a row: it says which rows and cells are at fault, and :mod:`.survey`
decides, from ``on_invalid``, whether to raise, exclude or blank them.

Everything here is vectorised per column; answer text is matched once per
distinct value, not once per cell, so a 200,000-row file validates in a
fraction of the time it takes to read it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..problems import Problem
from .codebook import Code, Codebook, Variable, format_code, natural_sort_key

__all__ = ["CheckedTable", "check_design", "check_table", "data_levels"]

#: Rules whose problems concern the whole row (the row cannot be analysed
#: even if the offending cell were blanked): problems in role columns, and
#: structural ones.
ROW_RULES = frozenset(
    {"ragged_row", "missing_id", "duplicate_id", "cluster_changes", "unknown_wave",
     "wave_mismatch", "missing_cluster", "missing_wave", "mixed_arm_village", "personal_id"}
)

_MAX_LISTED = 8

#: Whole numbers are exact in the analysis data (float64 arithmetic) up to 2**53.
INT_LIMIT = 2**53
#: A number as a survey writes it: digits, an optional sign, decimal point and
#: exponent.  Python also reads "1_0", "inf", "nan" and non-ASCII digits; survey
#: data does not mean those as numbers.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_number(text: str) -> int | float | None:
    """A cell's text as a number, exactly: ``int`` for whole-number text, else ``float``.

    Returns ``None`` for text that is not a number as a survey writes one
    (``"1_0"``, ``"inf"``, ``"0x10"``, ``"1,5"``).
    """
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return None


@dataclass
class CheckedTable:
    """The result of :func:`check_table` for one file.

    Attributes
    ----------
    data : pandas.DataFrame
        Typed columns of every codebook variable present (all rows, in file
        order), offending cells left as read where they could be converted
        and missing where not.
    problems : list of Problem
    bad_rows : dict
        Row position -> set of rules of row-level problems.
    bad_cells : dict
        Column -> boolean array of cells with a cell-level error.
    blanked_columns : set
        Columns that hold undeclared personal data and must not be analysed.
    missing_hits : list
        ``(column, code, row positions)`` for every missing code found; the
        code of a text marker is its text (``"NA"``), of an empty cell ``""``.
    """

    data: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    bad_rows: dict[int, set[str]] = field(default_factory=dict)
    bad_cells: dict[str, np.ndarray] = field(default_factory=dict)
    blanked_columns: set[str] = field(default_factory=set)
    missing_hits: list[tuple[str, Code | str, np.ndarray]] = field(default_factory=list)


def _normalise_text(value: Any) -> str:
    """Text as a person would compare it: NFKC (full-width digits), stripped."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _needs_normalising(values: np.ndarray) -> bool:
    """Whether any text value would change under NFKC + strip.

    Ids and codes are usually plain ASCII without surrounding spaces: one scan
    of the joined text (in C) tells, so the per-value work is skipped then.
    """
    try:
        joined = "\x1f".join(values)
    except TypeError:  # numbers among the text
        return True
    if not joined.isascii():
        return True
    # Substring tests run in C; the regular expression only when a space exists at all.
    if not any(ws in joined for ws in _ASCII_SPACES):
        return False
    return _EDGE_SPACE.search(joined) is not None


_ASCII_SPACES = (" ", "\t", "\n", "\r", "\x0b", "\x0c")
_EDGE_SPACE = re.compile(r"(?:^|\x1f)\s|\s(?:\x1f|$)")


def _whole(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.floor(values) == values)


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an integer", "a number"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _fmt_value(value: Any) -> Any:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


class _Checker:
    def __init__(self, raw: pd.DataFrame, codebook: Codebook, file: str,
                 lines: Callable[[], np.ndarray], respondent_ids: Callable[[], pd.Series]):
        self.raw = raw
        self.cb = codebook
        self.file = file
        self._lines_fn = lines
        self._lines: np.ndarray | None = None
        self._ids_fn = respondent_ids
        self._ids: pd.Series | None = None
        self.out = CheckedTable(data=pd.DataFrame(index=raw.index))

    # positions -> file lines / respondent ids, computed only when a problem needs them
    def line(self, pos: int) -> int:
        if self._lines is None:
            self._lines = self._lines_fn()
        return int(self._lines[pos])

    def respondent(self, pos: int) -> str | None:
        if self._ids is None:
            self._ids = self._ids_fn()
        val = self._ids.iloc[pos]
        return None if pd.isna(val) else str(val)

    def cell_problem(self, rule: str, column: str, positions: np.ndarray, raw_values: Any,
                     message: Callable[[Any], str], row_level: bool = False) -> None:
        positions = np.asarray(positions)
        if positions.size == 0:
            return
        values = np.asarray(raw_values, dtype=object)
        for pos, val in zip(positions, values, strict=True):
            val = _fmt_value(val)
            self.out.problems.append(
                Problem(rule, message(val), file=self.file, line=self.line(int(pos)),
                        respondent=self.respondent(int(pos)), column=column, value=val)
            )
        if row_level:
            # A value rule broken in a role column names the column in the ledger.
            reason = rule if rule in ROW_RULES else f"{rule}:{column}"
            for pos in positions:
                self.out.bad_rows.setdefault(int(pos), set()).add(reason)
        else:
            mask = self.out.bad_cells.get(column)
            if mask is None:
                mask = np.zeros(len(self.raw), dtype=bool)
                self.out.bad_cells[column] = mask
            mask[positions] = True


def check_table(
    raw: pd.DataFrame,
    codebook: Codebook,
    *,
    file: str,
    lines: Callable[[], np.ndarray],
    ragged_rows: list[tuple[int, int]] = (),  # type: ignore[assignment]
    n_header_fields: int | None = None,
    wave: Any = None,
    role_columns: Mapping[str, str] | None = None,
    levels: Mapping[str, Sequence[str]] | None = None,
) -> CheckedTable:
    """Type and check one raw table against ``codebook``.

    Parameters
    ----------
    raw : pandas.DataFrame
        Columns as read (not modified).
    codebook : Codebook
    file : str
        File name used in problems.
    lines : callable
        Returns the file line of each row position (called only if a
        problem must name a line).
    ragged_rows : list of (row, n_fields)
        Rows whose field count differs from the header's.
    n_header_fields : int, optional
        Field count of the header (for the ragged-row message).
    wave : optional
        The wave this file holds, when the survey comes as one file per wave.
    role_columns : mapping, optional
        Role -> column, defaults to ``codebook.roles``.
    levels : mapping, optional
        Column -> the two values of a binary without value labels or
        ``levels`` (from :func:`data_levels` over every file of the survey,
        so that all files code them alike); found in ``raw`` when not given.

    Returns
    -------
    CheckedTable
    """
    cb = codebook
    roles = dict(role_columns if role_columns is not None else cb.roles)
    id_col = roles.get("id")

    def ids() -> pd.Series:
        if id_col is not None and id_col in raw.columns:
            return raw[id_col].map(lambda v: None if pd.isna(v) else _normalise_text(v))
        return pd.Series([None] * len(chk.out.data), dtype=object)

    chk = _Checker(raw, cb, file, lines, ids)
    out = chk.out

    for pos, n_fields in ragged_rows:
        out.problems.append(
            Problem("ragged_row",
                    f"the row has {n_fields} fields but the header has {n_header_fields}; "
                    "a delimiter or quote is probably missing or extra.",
                    file=file, line=chk.line(pos), respondent=chk.respondent(pos),
                    value=n_fields)
        )
        out.bad_rows.setdefault(int(pos), set()).add("ragged_row")

    present = set(raw.columns)
    for name in cb.names:
        if name in present:
            continue
        if name == roles.get("wave") and wave is not None:
            continue  # one file per wave: the wave comes from the file, not a column
        out.problems.append(
            Problem("missing_column",
                    f"the codebook describes column {name!r}, but the file has no such column"
                    + _near_hint(name, raw.columns) + ".",
                    file=file, column=name)
        )
    extra = [c for c in raw.columns if c not in cb.variables]
    if extra:
        shown = ", ".join(map(repr, extra[:_MAX_LISTED])) + (" ..." if len(extra) > _MAX_LISTED else "")
        # No value: the count is in the message, and "value 3:" would read as a cell.
        out.problems.append(
            Problem("extra_column",
                    f"{len(extra)} column(s) not in the codebook are ignored: {shown}. "
                    "Describe them in the codebook to analyse them.",
                    file=file, severity="warning")
        )

    # Convert the id first so that every later problem can name the respondent.
    order = [n for n in cb.names if n in present]
    if id_col in order:
        order.remove(id_col)
        order.insert(0, id_col)
    columns: dict[str, pd.Series] = {}
    found_levels = dict(levels) if levels is not None else data_levels([raw], cb)
    for name in order:
        columns[name] = _convert(chk, cb.variables[name], raw[name], roles, found_levels)
    if wave is not None and roles.get("wave") and roles["wave"] not in columns:
        wave_var = cb.variables.get(roles["wave"])
        dtype = "string" if wave_var is None or not wave_var.is_numeric else "Int64"
        columns[roles["wave"]] = pd.Series([wave] * len(raw), index=raw.index, dtype=dtype)
    # Build the frame once (inserting columns one by one costs a copy each).
    out.data = pd.DataFrame({c: columns[c] for c in cb.names if c in columns}, index=raw.index)
    return out


def _near_hint(name: str, columns: Any) -> str:
    near = difflib.get_close_matches(str(name), [str(c) for c in columns], n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _label_list(var: Variable) -> str:
    labels = var.file_values("zh")
    if not labels:
        return ""
    shown = [f"{format_code(c)}={lab}" for c, lab in list(labels.items())[:_MAX_LISTED]]
    more = " ..." if len(labels) > _MAX_LISTED else ""
    return f" Valid answers: {', '.join(shown)}{more}."


def _convert(chk: _Checker, var: Variable, column: pd.Series,
             roles: Mapping[str, str], levels: Mapping[str, Sequence[str]]) -> pd.Series:
    role = next((r for r, c in roles.items() if c == var.name), None)
    if var.type in ("binary", "category") and not var.values:
        return _convert_levels(chk, var, column, role, levels.get(var.name))
    if not var.is_numeric:
        return _convert_text(chk, var, column, role)
    return _convert_numeric(chk, var, column, role)


# ----------------------------------------------------------------- unlabelled levels


def _level_key(value: Any, canonical_numbers: bool) -> str | None:
    """A cell as the text its level is known by (``None`` for an empty cell)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        return format_code(float(value)) if np.isfinite(value) else str(value)
    text = _normalise_text(value)
    if text == "":
        return None
    if canonical_numbers:
        num = parse_number(text)
        if num is not None and abs(num) <= INT_LIMIT:
            return format_code(num)
    return text


def _missing_keys(cb: Codebook, var: Variable) -> tuple[set[str], dict[str, Code]]:
    """Text markers, and missing codes by their text, of a variable."""
    codes = {format_code(c): c for c in cb.missing_codes(var.name)}
    for c in list(codes.values()):
        lab = cb.missing_label(c)
        if lab:
            codes.setdefault(lab, c)
    return set(cb.missing_text(var.name)), codes


def _binary_levels(found: Iterable[str]) -> list[str]:
    found = list(dict.fromkeys(found))
    if set(found) <= {"0", "1"}:
        return ["0", "1"]
    if set(found) <= {"1", "2"}:
        return ["1", "2"]
    return sorted(found, key=lambda k: natural_sort_key(
        n if (n := parse_number(k)) is not None else k))


def data_levels(frames: Iterable[pd.DataFrame], codebook: Codebook) -> dict[str, list[str]]:
    """The values of each binary that has neither value labels nor ``levels``, over ``frames``.

    0/1 stays 0/1 and 1/2 becomes 0/1; any other values are taken in
    natural order (the second is "yes", coded 1).  Missing codes, text
    markers and empty cells are not values.
    """
    frames = list(frames)
    out: dict[str, list[str]] = {}
    for var in codebook.variables.values():
        if var.type != "binary" or var.values or var.levels:
            continue
        markers, codes = _missing_keys(codebook, var)
        found: dict[str, None] = {}
        for frame in frames:
            if var.name not in frame.columns:
                continue
            for u in pd.unique(frame[var.name].dropna()):
                key = _level_key(u, canonical_numbers=True)
                if key is not None and key not in markers and key not in codes:
                    found[key] = None
        out[var.name] = _binary_levels(found)
    return out


def _convert_levels(chk: _Checker, var: Variable, column: pd.Series, role: str | None,
                    found_levels: Sequence[str] | None) -> pd.Series:
    """A category without value labels (kept as text) or a binary without labels (0/1)."""
    cb = chk.cb
    binary = var.type == "binary"
    markers, codes = _missing_keys(cb, var)
    codes_out, uniques = pd.factorize(column, use_na_sentinel=True)
    codes_out = np.asarray(codes_out)
    keys = [_level_key(u, canonical_numbers=binary) for u in np.asarray(uniques, dtype=object)]
    n = len(column)
    levels: list[str] | None
    if binary:
        levels = ([str(lv) for lv in var.levels] if var.levels
                  else list(found_levels) if found_levels is not None
                  else _binary_levels(k for k in keys if k is not None
                                      and k not in markers and k not in codes))
    else:
        levels = [str(lv) for lv in var.levels] if var.levels else None
    allowed = {k: i for i, k in enumerate((levels or [])[:2] if binary else levels or ())}
    # Decide once per distinct value, then spread to the cells (slot -1: empty cells).
    code_of = np.full(len(keys) + 1, np.nan)
    text_of = np.full(len(keys) + 1, None, dtype=object)
    missing_of: dict[Code | str, list[int]] = {"": [len(keys)]}
    bad_of: list[int] = []
    for i, key in enumerate(keys):
        if key is None:
            missing_of[""].append(i)
        elif key in markers:
            missing_of.setdefault(key, []).append(i)
        elif key in codes:
            missing_of.setdefault(codes[key], []).append(i)
        elif levels is not None and key not in allowed:
            bad_of.append(i)
        elif binary:
            code_of[i] = allowed[key]
        else:
            text_of[i] = key
    slots = np.where(codes_out < 0, len(keys), codes_out)
    for code, idx in missing_of.items():
        pos = np.flatnonzero(np.isin(slots, idx))
        if len(pos):
            chk.out.missing_hits.append((var.name, code, pos))
    bad = np.flatnonzero(np.isin(slots, bad_of)) if bad_of else np.zeros(0, dtype=np.int64)
    out_codes = code_of[slots]
    text = text_of[slots]
    if len(bad):
        pos = bad
        raw_obj = column.to_numpy(dtype=object)
        assert levels is not None  # a value is bad only against known levels
        if binary:
            seen = sorted({k for k in keys if k is not None and k not in markers
                           and k not in codes}, key=natural_sort_key)
            why = (f"is not one of the two values of binary {var.name!r} "
                   f"({', '.join(levels[:2])}; 0 then 1). The column holds "
                   f"{', '.join(seen[:_MAX_LISTED])}{' ...' if len(seen) > _MAX_LISTED else ''}"
                   "; give levels = [\"<no>\", \"<yes>\"] in the codebook.")
        else:
            why = (f"is not one of the levels of {var.name!r}: "
                   f"{', '.join(levels[:_MAX_LISTED])}"
                   f"{' ...' if len(levels) > _MAX_LISTED else ''}.")
        chk.cell_problem("invalid_code", var.name, pos, raw_obj[pos],
                         lambda v: f"{v!r} {why}", row_level=role is not None)
    missing = np.isnan(out_codes) if binary else pd.isna(text)
    already = np.zeros(n, dtype=bool)
    already[bad] = True
    if role in ("id", "cluster", "wave"):
        rule = "missing_id" if role == "id" else f"missing_{role}"
        what = {"id": "the respondent id", "cluster": "the village (cluster)",
                "wave": "the wave"}[role]
        pos = np.flatnonzero(missing & ~already)
        chk.cell_problem(rule, var.name, pos, [None] * len(pos),
                         lambda v: f"{what} is empty; every row needs one.", row_level=True)
    if binary:
        series = _int_series(out_codes, column.index)
    else:
        series = pd.Series(text, index=column.index, dtype=object).astype("string")
    if role == "wave":
        _check_wave(chk, var, series)
    return series


def _convert_text(chk: _Checker, var: Variable, column: pd.Series, role: str | None) -> pd.Series:
    if column.dtype.kind in "if":
        # Spreadsheets store ids like 17 as 17.0: write whole numbers without ".0".
        values = column.to_numpy(dtype=float, na_value=np.nan)
        text = pd.Series(
            [None if np.isnan(v) else (str(int(v)) if v.is_integer() else repr(v)) for v in values],
            index=column.index, dtype=object,
        )
    else:
        present = column.dropna().to_numpy(dtype=object)
        if _needs_normalising(present):
            codes, uniques = pd.factorize(column)
            norm = [_normalise_text(u) for u in np.asarray(uniques, dtype=object)]
            mapped = np.asarray([*norm, None], dtype=object)  # code -1 (missing) -> None
            text = pd.Series(mapped[codes], index=column.index, dtype=object)
        else:
            text = column
    text = text.where(text != "", None).astype("string")
    missing = text.isna().to_numpy()
    if role == "id":
        pos = np.flatnonzero(missing)
        chk.cell_problem("missing_id", var.name, pos, [None] * len(pos),
                         lambda v: "the respondent id is empty; every row needs one.",
                         row_level=True)
    elif role in ("cluster", "wave"):
        rule = f"missing_{role}"
        pos = np.flatnonzero(missing)
        chk.cell_problem(rule, var.name, pos, [None] * len(pos),
                         lambda v: f"the {role} is empty; every row needs one.",
                         row_level=True)
    if role == "wave":
        _check_wave(chk, var, text)
    return text


def _check_wave(chk: _Checker, var: Variable, values: pd.Series) -> None:
    waves = chk.cb.survey.waves
    if not waves:
        return
    allowed = {str(w) for w in waves}
    as_text = values.astype("string")
    bad = (~as_text.isin(allowed) & as_text.notna()).to_numpy()
    pos = np.flatnonzero(bad)
    shown = list(chk.cb.survey.waves_as_written or waves)
    chk.cell_problem("unknown_wave", var.name, pos, values.to_numpy(dtype=object)[pos],
                     lambda v: f"wave {v!r} is not one of the codebook's waves {shown}.",
                     row_level=True)


def _shown_value(var: Variable | None, value: Any) -> str:
    """A value of a role column as a person reads it: 工作坊 (code 1), or as written."""
    if var is not None and var.values:
        code = next((c for c in var.values if str(c) == str(value)), None)
        if code is not None:
            raw = next((r for r, a in (var.recode or {}).items() if a == code), code)
            return f"{var.values[code]!r} (code {format_code(raw)})"
    return repr(value)


def check_design(data: pd.DataFrame, codebook: Codebook, *, file: str | None = None) -> list[Problem]:
    """Check that ``treated`` and every wave of ``waves`` occur in the (combined) data.

    A ``treated`` value that no row holds is an error when the group column
    holds two arms or more (the codebook names them differently from the
    data), and a warning when it holds one (a subset of one arm).  A wave that no row holds is an error when the data
    hold waves the codebook does not know (the codebook and the data name
    them differently), or when it is the baseline; a later wave absent from
    data whose every wave is known is a warning (a baseline-only file).
    Each problem names the values that do occur and the nearest of them.
    """
    cb = codebook
    s = cb.survey
    out: list[Problem] = []

    def occurring(column: str) -> list[Any]:
        vals = data[column].dropna().unique().tolist()
        var = cb.variables.get(column)
        return var.sort_levels(vals) if var is not None else sorted(vals, key=natural_sort_key)

    def nearest(written: Any, var: Variable | None, found: list[Any]) -> str:
        names = {}
        for v in found:
            names[str(v)] = v
            if var is not None and var.values and v in var.values:
                names[str(var.values[v])] = v
        near = difflib.get_close_matches(str(written), list(names), n=1, cutoff=0.0)
        return f" The nearest is {_shown_value(var, names[near[0]])}." if near else ""

    def absent(rule: str, key: str, said: str, role: str, column: str, written: Any,
               found: list[Any], fix: str, error: bool) -> Problem:
        """A codebook value (``written``, as ``said``) that no row of ``column`` holds."""
        var = cb.variables.get(column)
        held = ", ".join(_shown_value(var, v) for v in found[:_MAX_LISTED]) or "(no values)"
        return Problem(
            rule,
            f"{said}, but no row of the {role} column {column!r} holds it; the column holds "
            f"{held}.{nearest(written, var, found)} {fix}",
            file=file, column=column, key=key, value=written,
            severity="error" if error else "warning")

    if s.group and s.treated is not None and s.group in data.columns:
        found = occurring(s.group)
        written = s.treated_as_written if s.treated_as_written is not None else s.treated
        if str(s.treated) not in {str(v) for v in found}:
            # Two arms or more, none of them `treated`: the codebook and the data name the
            # arms differently.  One arm alone is a subset (one village, the comparison
            # villages), which the within-arm analyses still serve: a warning.
            error = len(found) != 1
            out.append(absent(
                "treated_not_in_data", "survey.treated", f"[survey] treated = {written!r}",
                "group", s.group, written, found,
                "Correct treated in the codebook (or the data)." if error
                else "The data hold one arm only; an evaluation needs both.", error))
    if s.wave and s.waves and s.wave in data.columns:
        found = occurring(s.wave)
        found_txt = {str(v) for v in found}
        known = {str(w) for w in s.waves}
        unknown_held = any(v not in known for v in found_txt)
        written_waves = s.waves_as_written or s.waves
        for i, (w, written) in enumerate(zip(s.waves, written_waves, strict=True)):
            if str(w) in found_txt:
                continue
            error = i == 0 or unknown_held
            out.append(absent(
                "wave_not_in_data", "survey.waves", f"[survey] waves lists {written!r}",
                "wave", s.wave, written, found,
                "Correct waves in the codebook (or the data)." if error
                else "The data hold only the earlier wave(s).", error))
    return out


def _convert_numeric(chk: _Checker, var: Variable, column: pd.Series,
                     role: str | None) -> pd.Series:
    cb = chk.cb
    n = len(column)
    raw_obj: np.ndarray | None = None  # raw values, only built when a problem needs them
    row_level = role is not None

    whole = var.type != "number"
    too_large = np.zeros(n, dtype=bool)
    marker_of: dict[str, list[Any]] = {}
    if column.dtype == bool:
        values = column.to_numpy(dtype=float, copy=True)
    elif column.dtype.kind in "iu":
        # Compare as integers: float64 would already have rounded 2**53 + 1.
        nullable = isinstance(column.dtype, pd.api.extensions.ExtensionDtype)
        ints = (column.to_numpy(dtype="uint64" if column.dtype.kind == "u" else "int64",
                                na_value=0) if nullable else column.to_numpy())
        too_large = ints > INT_LIMIT
        if column.dtype.kind == "i":
            too_large |= ints < -INT_LIMIT
        if nullable:
            too_large &= column.notna().to_numpy()
        values = column.to_numpy(dtype=float, na_value=np.nan, copy=True)
    elif column.dtype.kind == "f":
        values = column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        empty_f = np.isnan(values)
        infinite = np.isinf(values)
        if infinite.any():  # pandas reads "inf" as a number; a survey does not mean one
            pos = np.flatnonzero(infinite)
            chk.cell_problem("not_a_number", var.name, pos, column.to_numpy(dtype=object)[pos],
                             lambda v: f"{v!r} is not a number, as {_a(var.type)} variable "
                             "needs.", row_level=row_level)
            values[pos] = np.nan
        if whole:
            with np.errstate(invalid="ignore"):
                too_large = np.abs(values) > INT_LIMIT
    else:
        # Text (or mixed) column: map each distinct value once.
        labels = cb.label_to_code(var.name)
        markers = set(cb.missing_text(var.name))
        uniques = pd.unique(column.dropna())
        mapping: dict[Any, float] = {}
        unreadable: set[Any] = set()
        oversized: set[Any] = set()
        for u in uniques:
            if isinstance(u, bool | np.bool_):
                mapping[u] = float(u)
                continue
            if isinstance(u, int | np.integer):
                num: int | float = int(u)
            elif isinstance(u, float | np.floating):
                num = float(u)
                if np.isnan(num):
                    mapping[u] = np.nan
                    marker_of.setdefault("", []).append(u)
                    continue
            else:
                t = _normalise_text(u)
                if t == "":
                    mapping[u] = np.nan
                    marker_of.setdefault("", []).append(u)
                    continue
                if t in labels:
                    mapping[u] = float(labels[t])
                    continue
                if t in markers:
                    mapping[u] = np.nan
                    marker_of.setdefault(t, []).append(u)
                    continue
                parsed = parse_number(t)
                if parsed is None:
                    mapping[u] = np.nan
                    unreadable.add(u)
                    continue
                num = parsed
            if (isinstance(num, float) and not np.isfinite(num)) or (
                    whole and abs(num) > INT_LIMIT):
                mapping[u] = np.nan
                oversized.add(u)
            else:
                mapping[u] = float(num)
        values = column.map(mapping).to_numpy(dtype=float, na_value=np.nan, copy=True)
        for marker, found in marker_of.items():
            if marker != "":
                chk.out.missing_hits.append(
                    (var.name, marker, np.flatnonzero(column.isin(found).to_numpy())))
        if oversized:
            too_large = column.isin(oversized).to_numpy()
        if unreadable:
            bad = column.isin(unreadable).to_numpy()
            pos = np.flatnonzero(bad)
            raw_obj = column.to_numpy(dtype=object)
            if var.is_coded and var.values:
                chk.cell_problem(
                    "unknown_label", var.name, pos, raw_obj[pos],
                    lambda v: f"answer {v!r} matches no value label of {var.name!r}."
                    + _label_list(var), row_level=row_level)
            else:
                chk.cell_problem(
                    "not_a_number", var.name, pos, raw_obj[pos],
                    lambda v: f"{v!r} is not a number, as {_a(var.type)} variable needs.",
                    row_level=row_level)

    # Empty cells: missing, and counted as such (code "").
    if column.dtype.kind == "f":
        empty = np.flatnonzero(empty_f)
    elif column.dtype == bool or column.dtype.kind in "iu":
        empty = (np.flatnonzero(column.isna().to_numpy())
                 if isinstance(column.dtype, pd.api.extensions.ExtensionDtype)
                 else np.zeros(0, dtype=np.int64))
    else:
        blank = column.isna().to_numpy().copy()
        if marker_of.get(""):
            blank |= column.isin(marker_of[""]).to_numpy()
        empty = np.flatnonzero(blank)
    if len(empty):
        chk.out.missing_hits.append((var.name, "", empty))

    if too_large.any():
        pos = np.flatnonzero(too_large)
        raw_big = column.to_numpy(dtype=object)[pos]
        if whole:
            why = (f"is too large for {_a(var.type)} variable: whole numbers are held exactly "
                   f"only up to ±{INT_LIMIT:,} (2**53). Check the cell; an identifier belongs "
                   "in a text or id variable.")
        else:
            why = "is beyond the range of a number (about ±1.8e308)."
        chk.cell_problem("value_too_large", var.name, pos, raw_big,
                         lambda v: f"{v!r} {why}", row_level=row_level)
        values[pos] = np.nan

    # Missing codes: counted (don't-know is a finding), then set missing.
    for code in cb.missing_codes(var.name):
        hit = values == code
        if hit.any():
            pos = np.flatnonzero(hit)
            chk.out.missing_hits.append((var.name, code, pos))
            values[pos] = np.nan

    def raw_at(pos: np.ndarray) -> np.ndarray:
        nonlocal raw_obj
        if raw_obj is None:
            raw_obj = column.to_numpy(dtype=object)
        return raw_obj[pos]

    finite = ~np.isnan(values)
    codes = var.file_codes
    if codes is not None and var.is_coded:
        bad = finite & ~np.isin(values, np.asarray(codes, dtype=float))
        pos = np.flatnonzero(bad)
        missing_txt = ", ".join(format_code(c) for c in cb.missing_codes(var.name))
        chk.cell_problem(
            "invalid_code", var.name, pos, raw_at(pos),
            lambda v: f"{v!r} is not a valid code of {var.name!r}."
            + (_label_list(var) or f" Valid codes: {', '.join(format_code(c) for c in codes)}.")
            + (f" Missing codes: {missing_txt}." if missing_txt else ""),
            row_level=row_level)
        values[pos] = np.nan
        if var.recode:
            # A binary coded 1/2 (or with levels = [...]): 0/1 in the analysis data.
            recoded = values.copy()
            for raw_code, code in var.recode.items():
                recoded[values == raw_code] = code
            values = recoded
    else:
        if var.type != "number":
            bad = finite & ~_whole(values)
            pos = np.flatnonzero(bad)
            chk.cell_problem("not_whole_number", var.name, pos, raw_at(pos),
                             lambda v: f"{v!r} is not a whole number, as {_a(var.type)} "
                             "variable needs.", row_level=row_level)
            values[pos] = np.nan
            finite = ~np.isnan(values)
        lo = -np.inf if var.min is None else var.min
        hi = np.inf if var.max is None else var.max
        with np.errstate(invalid="ignore"):
            bad = finite & ((values < lo) | (values > hi))
        pos = np.flatnonzero(bad)
        rng = f"[{'' if var.min is None else f'{var.min:g}'}, {'' if var.max is None else f'{var.max:g}'}]"
        chk.cell_problem("out_of_range", var.name, pos, raw_at(pos),
                         lambda v: f"{v!r} is outside the allowed range {rng} of "
                         f"{var.name!r}.", row_level=row_level)
        values[pos] = np.nan

    if role == "cluster":
        pos = np.flatnonzero(np.isnan(values) & ~_already_bad(chk, var.name, n))
        chk.cell_problem("missing_cluster", var.name, pos, [None] * len(pos),
                         lambda v: "the village (cluster) is empty; every row needs one.",
                         row_level=True)
    if var.type == "number":
        return pd.Series(values, index=column.index, dtype="float64")
    series = _int_series(values, column.index)
    if role == "wave":
        _check_wave(chk, var, series)
    return series


def _int_series(values: np.ndarray, index: pd.Index) -> pd.Series:
    """Whole-number floats (NaN for missing) as a nullable Int64 Series, without a copy pass."""
    mask = np.isnan(values)
    ints = np.where(mask, 0, values).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(ints, mask), index=index)


def _already_bad(chk: _Checker, name: str, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for pos in chk.out.bad_rows:
        mask[pos] = True
    return mask
