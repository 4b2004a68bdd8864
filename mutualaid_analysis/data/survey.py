"""The :class:`Survey`: typed data, its codebook, its problems and its ledger.

:func:`read_survey` is the front door of the package: it reads one file (a
long file with a wave column) or one file per wave, types and validates every
column against the codebook, keeps personal data out of the analysis data,
and accounts for every input row in the ledger.
"""

from __future__ import annotations

import html
import itertools
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import (
    PrivacyWarning,
    SurveyValidationError,
    TextEncodingWarning,
    UsageError,
)
from ..output import sha256_file, write_csv
from ..problems import PROBLEM_COLUMNS, Problem, problems_frame
from .codebook import Codebook, Scalar, match_value, read_codebook
from .validate import ROW_RULES, CheckedTable, check_design, check_table, data_levels

__all__ = ["LEDGER_COLUMNS", "OnInvalid", "Survey", "from_frame", "read_survey"]

#: What to do with data that breaks the codebook's rules (one source for the
#: type hint, the check and the error message).
OnInvalid = Literal["raise", "exclude", "missing"]
ON_INVALID: tuple[str, ...] = get_args(OnInvalid)

#: Columns of :attr:`Survey.ledger`.
LEDGER_COLUMNS = ["file", "line", "respondent", "wave", "status", "reason", "panel"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class Survey:
    """A survey read and validated against its codebook.

    Do not build one directly: use :func:`read_survey`, :func:`from_frame`,
    :func:`~mutualaid_analysis.load_sample` or
    :func:`~mutualaid_analysis.simulate_survey`.

    Attributes
    ----------
    data : pandas.DataFrame
        The analysed rows, one per respondent and wave, columns in codebook
        order.  Coded, integer and binary variables are pandas ``Int64``
        (missing codes are ``<NA>``), numbers ``float64``, ids and text
        ``string``.  Personal data (``pii = true``) is never here.
    codebook : Codebook
    problems : pandas.DataFrame
        Every validation problem, one row each, with columns ``file, line,
        respondent, column, key, value, rule, severity, message``.
    ledger : pandas.DataFrame
        One row per input row: ``file, line, respondent, wave, status``
        (``analysed`` or ``excluded``), ``reason`` (the rules broken, for
        excluded rows) and ``panel`` (``matched``, ``baseline_only``,
        ``followup_only`` for analysed rows of a multi-wave survey;
        ``baseline_excluded`` for a follow-up row whose respondent's
        baseline row was read but excluded).
    provenance : dict
        What was read: per file its name, SHA-256, format, encoding,
        delimiter, rows and columns; the codebook's SHA-256; the package
        version; the ``on_invalid`` policy.
    missing_counts : pandas.DataFrame
        How often each missing code occurred among analysed rows, per
        variable (and wave): ``variable, wave, code, label, n``.
    """

    data: pd.DataFrame
    codebook: Codebook
    problems: pd.DataFrame
    ledger: pd.DataFrame
    provenance: dict[str, Any]
    missing_counts: pd.DataFrame
    _problem_list: list[Problem] = field(default_factory=list, repr=False)

    # ---------------------------------------------------------------- counts
    @property
    def problem_list(self) -> list[Problem]:
        """The problems as :class:`Problem` objects (``problems`` is the same as a DataFrame)."""
        return list(self._problem_list)

    @property
    def n_read(self) -> int:
        """Input rows read, over all files."""
        return len(self.ledger)

    @property
    def n_analysed(self) -> int:
        """Rows in :attr:`data`."""
        return int((self.ledger["status"] == "analysed").sum())

    @property
    def n_excluded(self) -> int:
        """Rows moved to the ledger as excluded."""
        return int((self.ledger["status"] == "excluded").sum())

    @property
    def n_respondents(self) -> int:
        """Distinct respondents among analysed rows."""
        return int(self.data[self.codebook.survey.id].nunique())

    @property
    def waves(self) -> list[Scalar]:
        """The waves present in the analysed data, in codebook order."""
        wcol = self.codebook.survey.wave
        if not wcol or wcol not in self.data:
            return []
        present = set(self.data[wcol].dropna().astype(str))
        order = [w for w in (self.codebook.survey.waves or []) if str(w) in present]
        return order or sorted(present)

    # ---------------------------------------------------------------- views
    def wave(self, name: Scalar) -> pd.DataFrame:
        """The analysed rows of one wave (a copy)."""
        wcol = self.codebook.survey.wave
        if not wcol:
            raise UsageError("this survey has no wave column ([survey] wave in the codebook).")
        known = [str(w) for w in (self.codebook.survey.waves or self.waves)]
        if str(name) not in known:
            raise UsageError(f"no wave {name!r}; the waves are {known}.")
        return self.data[self.data[wcol].astype(str) == str(name)].reset_index(drop=True)

    def labelled(self, lang: Literal["zh", "en"] = "zh") -> pd.DataFrame:
        """The data with value labels in place of codes (ordered categoricals for ordinal items)."""
        out = self.data.copy()
        for name in out.columns:
            var = self.codebook.variables[name]
            labels = var.values if lang == "zh" else (var.values_en or var.values)
            if not labels:
                continue
            cats = list(labels.values())
            mapped = out[name].map(lambda v, lab=labels: lab.get(v) if pd.notna(v) else None)
            out[name] = pd.Categorical(mapped, categories=cats, ordered=var.type == "ordinal")
        return out

    def willingness(self, service: str | None = None, *, long: bool = False) -> pd.DataFrame:
        """Willingness per respondent and circle, nearest circle first.

        Parameters
        ----------
        service : str, optional
            One service (its item per circle).  ``None`` pools: where a circle
            has several items (one per service), the respondent's mean over
            the items answered for that circle; where it has one, that item.
        long : bool, default False
            ``False``: one row per analysed row (respondent × wave), the role
            columns then one column per circle.  ``True``: one row per
            respondent × wave × circle with columns ``circle``,
            ``circle_rank`` (0 = nearest) and ``value``.

        Returns
        -------
        pandas.DataFrame
            Role columns (id, cluster, wave, group, where the codebook has
            them) and the willingness values (``float64``; missing answers
            are ``NaN``).

        Raises
        ------
        UsageError
            If the codebook has no circles or willingness items, or
            ``service`` is not one of the services asked about.
        """
        cb = self.codebook
        items = cb.willingness_items()
        if not cb.circles or items.empty:
            raise UsageError("the codebook marks no willingness items: give [circles] an order "
                             "and set circle = \"...\" on the items.")
        services = [s for s in dict.fromkeys(items["service"]) if s is not None]
        if service is not None:
            if service not in services:
                raise UsageError(f"no willingness items for service {service!r}; the services "
                                 f"are {services or '(none named)'}.")
            items = items[items["service"] == service]
        roles = [c for c in cb.roles.values() if c in self.data.columns]
        out = self.data[roles].copy()
        for circle in cb.circles:
            names = items.loc[items["circle"] == circle, "variable"].tolist()
            names = [n for n in names if n in self.data.columns]
            if not names:
                continue
            block = self.data[names].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                counts = np.sum(~np.isnan(block), axis=1)
                sums = np.nansum(block, axis=1)
                out[circle] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        if not long:
            return out
        circles = [c for c in cb.circles if c in out.columns]
        melted = out.melt(id_vars=roles, value_vars=circles, var_name="circle",
                          value_name="value")
        melted["circle_rank"] = melted["circle"].map({c: i for i, c in enumerate(cb.circles)})
        return melted[[*roles, "circle", "circle_rank", "value"]]

    # ---------------------------------------------------------------- display
    def summary(self) -> str:
        """A short text report: counts, the ledger identity, problems by rule."""
        cb = self.codebook
        lines = [
            f"Survey: {self.n_read} rows read = {self.n_analysed} analysed + "
            f"{self.n_excluded} excluded",
            f"  files: {', '.join(f['file'] for f in self.provenance['files'])}",
            f"  respondents: {self.n_respondents}"
            + (f" in {self.data[cb.survey.cluster].nunique()} villages"
               if cb.survey.cluster else ""),
        ]
        if self.waves:
            counts = self.data[cb.survey.wave].astype(str).value_counts()
            lines.append("  waves: " + ", ".join(f"{w} n={counts.get(str(w), 0)}"
                                                  for w in self.waves))
            panel = self.ledger.loc[self.ledger["status"] == "analysed"]
            panel_counts = panel.drop_duplicates("respondent")["panel"].value_counts()
            if len(panel_counts):
                lines.append("  panel: " + ", ".join(f"{k} {v}" for k, v in panel_counts.items()))
        if len(self.problems):
            by = self.problems.groupby(["severity", "rule"]).size()
            lines.append(f"  problems: {len(self.problems)}")
            lines.extend(f"    {sev} {rule}: {n}" for (sev, rule), n in zip(by.index, by, strict=True))
        else:
            lines.append("  problems: none")
        if len(self.missing_counts):
            tot = self.missing_counts.groupby(["code", "label"], dropna=False)["n"].sum()
            lines.append("  missing codes: " + ", ".join(
                (repr(c) if isinstance(c, str) else f"{int(c) if float(c).is_integer() else c}")
                + (f" {lab}" if isinstance(lab, str) else "") + f" ×{n}"
                for (c, lab), n in zip(tot.index, tot, strict=True)))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Survey: {self.n_analysed} of {self.n_read} rows analysed, "
                f"{len(self.data.columns)} variables, {len(self.problems)} problems>")

    def _repr_html_(self) -> str:
        body = html.escape(self.summary()).replace("\n", "<br>")
        return f"<div><strong>mutualaid_analysis.Survey</strong><br><code>{body}</code></div>"

    def save_ledger(self, path: PathLike) -> None:
        """Write the ledger as UTF-8 CSV (no index), whole or not at all.

        Written with :func:`mutualaid_analysis.output.write_csv`, like every CSV
        of the package: a text cell (a respondent id, a reason quoting a
        value) that starts like a spreadsheet formula gets a leading ``'``.
        """
        write_csv(self.ledger, path)


# --------------------------------------------------------------------------- reading


def _as_codebook(codebook: Codebook | PathLike) -> Codebook:
    if isinstance(codebook, Codebook):
        return codebook
    return read_codebook(codebook)


def _check_on_invalid(on_invalid: str) -> None:
    if on_invalid not in ON_INVALID:
        raise UsageError(f"on_invalid must be one of {', '.join(map(repr, ON_INVALID))}; "
                         f"got {on_invalid!r}.")


#: What :func:`wave_key` returns for a key that names no wave of the codebook.
UNKNOWN_WAVE = object()


def wave_key(key: Any, cb: Codebook) -> Any:
    """The wave a ``{wave: path}`` key names, as the analysis data holds it, or ``UNKNOWN_WAVE``.

    A key is a wave as the codebook's ``waves`` lists it, or -- when the wave
    column is labelled (codes 1/2 with values 1 = "前测", 2 = "后测") -- one of
    its codes or labels: ``"前测"``, ``1`` and ``"1"`` all name the first wave.
    """
    waves = cb.survey.waves
    written = cb.survey.waves_as_written or waves or ()
    var = cb.variables.get(cb.survey.wave or "")
    if waves:
        for w, as_written in zip(waves, written, strict=True):
            if str(key).strip() in (str(w), str(as_written)):
                return w
    if var is not None and (var.values or var.levels):
        found, value = match_value(var, key)
        if found and (not waves or str(value) in {str(w) for w in waves}):
            return next((w for w in waves or () if str(w) == str(value)), value)
        return UNKNOWN_WAVE
    return key if not waves else UNKNOWN_WAVE


def wave_choices(cb: Codebook) -> str:
    """The codebook's waves for a message: ``1 = 前测, 2 = 后测`` when labelled."""
    waves = cb.survey.waves or ()
    var = cb.variables.get(cb.survey.wave or "")
    labels = (var.values or {}) if var is not None else {}
    shown = []
    for w in waves:
        label = labels.get(w) if not isinstance(w, str) else None
        shown.append(f"{w} = {label}" if label is not None else repr(w))
    return ", ".join(shown) if shown else "none listed"


def _file_specs(path: Any, cb: Codebook) -> list[tuple[Path, Any]]:
    """Normalise the ``path`` argument into (path, wave or None) pairs."""
    if isinstance(path, Mapping):
        waves = cb.survey.waves
        if not cb.survey.wave:
            raise UsageError("one file per wave needs [survey] wave = \"<column>\" in the "
                             "codebook (the column the waves are recorded in).")
        resolved = {key: wave_key(key, cb) for key in path}
        unknown = [key for key, w in resolved.items() if w is UNKNOWN_WAVE]
        if unknown:
            raise UsageError(f"waves {unknown} are not in the codebook's waves "
                             f"({wave_choices(cb)}); key the files by a wave's code or "
                             "label.")
        return [(Path(p), resolved[key]) for key, p in path.items()]
    if isinstance(path, str | os.PathLike):
        return [(Path(path), None)]
    if isinstance(path, Sequence):
        waves = cb.survey.waves
        if not waves or len(waves) != len(path) or not cb.survey.wave:
            raise UsageError(
                "a list of files is read as one file per wave, in the codebook's wave order; "
                f"the codebook lists waves {list(waves) if waves else None}, and {len(path)} "
                "files were given. Pass a dict {wave: path} to be explicit.")
        return [(Path(p), w) for p, w in zip(path, waves, strict=True)]
    raise UsageError(f"path must be a file path, a list of paths or a dict wave -> path; "
                     f"got {type(path).__name__}.")


def read_survey(
    path: PathLike | Sequence[PathLike] | Mapping[Any, PathLike],
    codebook: Codebook | PathLike,
    *,
    on_invalid: OnInvalid = "raise",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    pseudonym_key: str | None = None,
) -> Survey:
    """Read a survey file (or one file per wave) and validate it against its codebook.

    Parameters
    ----------
    path : path, list of paths, or dict
        One file (CSV/TSV, Excel ``.xlsx``, SPSS ``.sav``, Stata ``.dta``),
        long when it has the wave column; or one file per wave, as a list in
        the codebook's wave order or a dict ``{wave: path}``.
    codebook : Codebook or path
        The codebook, or the path of its TOML file.
    on_invalid : {"raise", "exclude", "missing"}, default "raise"
        What to do with data that breaks a rule.  ``"raise"``: raise
        :class:`~mutualaid_analysis.exceptions.SurveyValidationError` listing
        every problem (its ``.survey`` holds the data read with
        ``"exclude"``, for inspection).  ``"exclude"``: move each row with an
        error to the ledger as excluded, with its reasons.  ``"missing"``:
        blank each offending cell and record it; rows whose fault is
        structural (ragged row, missing or duplicate id, a role column such
        as the village) are excluded all the same, since blanking cannot
        mend them.
    encoding : str, optional
        Encoding of CSV files; detected (UTF-8, UTF-8 with BOM, GB18030/GBK)
        and recorded when not given.
    delimiter : str, optional
        CSV delimiter; detected from the header when not given.
    sheet : str or int, optional
        Excel sheet (default: the first).
    pseudonym_key : str, optional
        Key for the pseudonymous respondent id when the codebook sets
        ``pseudonymise_id = true``; default: the environment variable
        ``MUTUALAID_PSEUDONYM_KEY``.  The key is never stored.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyValidationError
        With ``on_invalid="raise"``, when any error-level problem was found,
        or in any mode when a column the analysis cannot do without (the
        respondent id, the village, the wave of a long file) is absent.
    CodebookError
        When the codebook itself is invalid.
    DataFileError
        When a file cannot be read at all (missing, empty, unknown format
        or encoding).

    Notes
    -----
    The ledger identity always holds: ``n_read == n_analysed + n_excluded``.
    Columns absent from the codebook are ignored (a warning-level problem
    names them); columns marked ``pii = true`` are read, checked for being
    present, and dropped before anything else sees them.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> survey = ma.read_survey("data/sample/village_survey.csv",
    ...                         codebook="data/sample/codebook.toml")  # doctest: +SKIP
    >>> survey.ledger["status"].value_counts()  # doctest: +SKIP
    """
    from . import privacy
    from .readers import read_raw

    _check_on_invalid(on_invalid)
    cb = _as_codebook(codebook)
    specs = _file_specs(path, cb)
    text_cols = [v.name for v in cb.variables.values() if not v.is_numeric]
    parts = []
    for p, wave in specs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = read_raw(p, encoding=encoding, delimiter=delimiter, text_columns=text_cols,
                           sheet=sheet)
        for w in caught:  # point the warning at the caller of read_survey
            if issubclass(w.category, TextEncodingWarning):
                warnings.warn(str(w.message), w.category, stacklevel=2)
            else:  # pragma: no cover - pass other warnings on as they were
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        # A file name can itself be personal (13812345678_张三.csv): masked everywhere.
        name = privacy.mask_personal_text(raw.path.name)
        file_problems = _label_checks(raw.meta, cb, name)
        if raw.encoding_warning:
            file_problems.insert(0, Problem("suspect_encoding", raw.encoding_warning.replace(
                str(p), name), file=name, value=raw.encoding,
                severity="warning"))
        info = {
            "file": name,
            "path": privacy.mask_personal_text(str(p)),
            "sha256": raw.sha256,
            "format": raw.format,
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
            "rows": raw.n_rows,
            "columns": raw.n_columns,
        }
        if wave is not None:
            info["wave"] = wave
        parts.append(_Part(raw.frame, name, raw.lines, raw.ragged_rows,
                           raw.n_columns, wave, info, sheet=raw.sheet,
                           formulas=list(raw.formulas_without_value),
                           file_problems=file_problems))
    return _assemble(parts, cb, on_invalid=on_invalid, pseudonym_key=pseudonym_key)


def from_frame(
    frame: pd.DataFrame,
    codebook: Codebook | PathLike,
    *,
    on_invalid: OnInvalid = "raise",
    name: str = "<DataFrame>",
    pseudonym_key: str | None = None,
) -> Survey:
    """Validate an in-memory DataFrame against a codebook, as :func:`read_survey` does.

    ``line`` in problems and the ledger is the row position plus 2 (as if the
    frame were a CSV file with a header line).  The frame is not modified.
    """
    _check_on_invalid(on_invalid)
    cb = _as_codebook(codebook)
    if not isinstance(frame, pd.DataFrame):
        raise UsageError(f"frame must be a pandas DataFrame; got {type(frame).__name__}.")
    raw = frame.reset_index(drop=True).copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    n = len(raw)
    info = {"file": name, "path": None, "sha256": None, "format": "dataframe",
            "encoding": None, "delimiter": None, "rows": n, "columns": raw.shape[1]}
    part = _Part(raw, name, lambda: np.arange(2, n + 2), [], raw.shape[1], None, info)
    return _assemble([part], cb, on_invalid=on_invalid, pseudonym_key=pseudonym_key)


@dataclass
class _Part:
    frame: pd.DataFrame
    file: str
    lines: Any
    ragged: list[tuple[int, int]]
    n_columns: int
    wave: Any
    info: dict[str, Any]
    sheet: str | None = None
    #: ``(row position, column, cell reference)`` of formulas without a saved result.
    formulas: list[tuple[int, str, str]] = field(default_factory=list)
    #: Problems found about the file as a whole before typing (labels, encoding).
    file_problems: list[Problem] = field(default_factory=list)


def _assemble(parts: list[_Part], cb: Codebook, *, on_invalid: str,
              pseudonym_key: str | None) -> Survey:
    from . import privacy

    s = cb.survey
    problems: list[Problem] = []
    checked: list[tuple[_Part, CheckedTable, Callable[[], np.ndarray]]] = []
    levels = data_levels([pt.frame for pt in parts], cb)  # one 0/1 coding for every file
    role_fatal: list[Problem] = []  # a role column (the ids, say) that is personal data
    for part in parts:
        line_cache: dict[str, np.ndarray] = {}

        def lines(part: _Part = part, cache: dict[str, np.ndarray] = line_cache) -> np.ndarray:
            if "l" not in cache:
                cache["l"] = np.asarray(part.lines())
            return cache["l"]

        # Undeclared personal data: looked for in the raw values, before typing.  Ids that
        # are pseudonymised never leave the loader, so they are not personal data here.
        scan = privacy.scan_personal_data(
            part.frame,
            declared=[*cb.pii_columns, *([s.id] if s.pseudonymise_id else [])],
            analysed=[c for c in cb.analysis_columns if c in part.frame.columns],
            file=part.file,
            lines=lines,
            id_column=s.id if s.id in part.frame.columns else None,
        )
        id_problems = privacy.personal_id_problems(scan, s.id)
        ck = check_table(part.frame, cb, file=part.file, lines=lines, ragged_rows=part.ragged,
                         n_header_fields=part.n_columns, wave=part.wave, levels=levels)
        ck.problems = privacy.mask_found_names(ck.problems, part.frame, scan)
        ck.problems.extend(scan.problems)
        ck.problems.extend(_wave_file_checks(part, ck, cb, lines))
        ck.problems.extend(_formula_problems(part, ck, cb))
        ck.problems[:0] = part.file_problems
        # The verdict: a column that is personal data is withheld whole; a few
        # personal cells cost their cell (or row), never the question.  A role
        # column (id, village, arm, wave) can lose neither: its cells cost the row,
        # and the whole of it stops the reading.
        roles = {s.id, s.cluster, s.group, s.wave} - {None}
        ck.blanked_columns |= scan.withheld_columns - roles
        role_fatal.extend(p for p in scan.problems if p.column in scan.withheld_columns & roles
                          and p.rule == "undeclared_personal_data")
        for colname, mask in scan.withheld_cells.items():
            if colname in roles:
                reason = ("personal_id" if colname == s.id
                          else f"undeclared_personal_data:{colname}")
                for at in np.flatnonzero(mask):
                    ck.bad_rows.setdefault(int(at), set()).add(reason)
            else:
                ck.bad_cells[colname] = ck.bad_cells.get(colname, np.zeros(len(mask), bool)) | mask
        role_fatal.extend(p for p in id_problems if p.line is None)
        checked.append((part, ck, lines))
        problems.extend(ck.problems)

    # Columns the analysis cannot do without: fatal in every mode.
    fatal = [p for p in problems if p.rule == "missing_column"
             and p.column in {s.id, s.cluster, s.group} | ({s.wave} if s.wave else set())]
    fatal += role_fatal
    if fatal:
        # A wrong encoding garbles the header too: say so first.
        fatal[:0] = [p for p in problems if p.rule == "suspect_encoding"]
        raise SurveyValidationError(fatal, source=", ".join(pt.file for pt in parts), fatal=True)

    # Combine the files; positions are global from here on.
    line_arrays: list[np.ndarray]
    frames, files, line_arrays = [], [], []
    bad_rows: dict[int, set[str]] = {}
    bad_cells: dict[str, np.ndarray] = {}
    blanked: set[str] = set()
    hits: list[tuple[str, Any, np.ndarray]] = []
    total = sum(len(ck.data) for _, ck, _ in checked)
    offset = 0
    for part, ck, _lines in checked:
        frames.append(ck.data)
        files.append(np.repeat(np.array([part.file], dtype=object), len(ck.data)))
        for pos, rules in ck.bad_rows.items():
            bad_rows.setdefault(pos + offset, set()).update(rules)
        for colname, mask in ck.bad_cells.items():
            full = bad_cells.setdefault(colname, np.zeros(total, dtype=bool))
            full[offset:offset + len(mask)] |= mask
        blanked |= ck.blanked_columns
        hits.extend((c, code, pos + offset) for c, code, pos in ck.missing_hits)
        offset += len(ck.data)
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    data = data.reset_index(drop=True)
    file_col = np.concatenate(files) if files else np.array([], dtype=object)

    def all_lines() -> np.ndarray:
        if not line_arrays:
            line_arrays.append(np.concatenate([lines() for _, _, lines in checked])
                               if checked else np.array([], dtype=np.int64))
        return line_arrays[0]

    # Panel linkage, on the ids as read (before any pseudonym hides their form).
    problems.extend(_panel_match_checks(data, cb, file_col, all_lines,
                                        quote_ids=not s.pseudonymise_id))

    # Pseudonymous id (keeps respondents linkable across waves; the key is never stored).
    if s.pseudonymise_id and s.id in data:
        key = privacy.pseudonym_key(pseudonym_key)
        data[s.id] = privacy.pseudonymise(data[s.id], key).astype("string")

    # Cross-row rules: duplicate id within a wave, village changing between waves.
    # Respondent codes, computed once for the duplicate check and the panel status.
    id_codes = (np.asarray(pd.factorize(data[s.id])[0]) if s.id in data
                else np.full(len(data), -1))
    problems.extend(_cross_row_checks(data, cb, file_col, all_lines, bad_rows, id_codes))
    problems.extend(check_design(data, cb, file=", ".join(pt.file for pt in parts)))

    # Decide the fate of every row.
    excluded = np.zeros(len(data), dtype=bool)
    reasons: dict[int, set[str]] = {}  # sparse: only rows with a problem
    for pos, rules in bad_rows.items():
        excluded[pos] = True
        reasons.setdefault(pos, set()).update(rules)
    cell_rules = _cell_rules(problems, data, file_col, all_lines, bad_cells)
    if on_invalid in ("exclude", "raise"):
        for colname, mask in bad_cells.items():
            for at in np.flatnonzero(mask):
                excluded[at] = True
                reasons.setdefault(int(at), set()).add(
                    cell_rules.get((colname, int(at)), "invalid_value"))
    else:  # "missing": blank offending cells, keep the row
        for colname, mask in bad_cells.items():
            if mask.any():
                data.loc[mask, colname] = pd.NA
    for colname in blanked:
        if colname in data:
            data[colname] = pd.Series(pd.NA, index=data.index, dtype=data[colname].dtype)
        blanked_msg = (f"column {colname!r} is personal data (more than half of its values, "
                       "or names) and was withheld as a whole; mark it pii = true in the "
                       "codebook")
        problems.append(Problem("personal_data_blanked", blanked_msg, column=colname,
                                severity="warning"))

    if s.pseudonymise_id:
        problems = _pseudonymise_problems(problems, data, cb, file_col, all_lines)
    # Report in file order, then line order (file-level problems first).
    rank: dict[str | None, int] = {pt.file: i for i, pt in enumerate(parts)}
    problems.sort(key=lambda p: (rank.get(p.file, len(rank)), -1 if p.line is None else p.line))
    errors = [p for p in problems if p.severity == "error"]

    # Ledger.
    wave_values = (np.array(data[s.wave].astype("string").to_numpy(dtype=object, na_value=None))  # type: ignore[call-overload]  # stubs refuse na_value=None
                   if s.wave and s.wave in data else np.full(len(data), None, dtype=object))
    ids = (np.array(data[s.id].to_numpy(dtype=object, na_value=None)) if s.id in data  # type: ignore[call-overload]  # stubs refuse na_value=None
           else np.full(len(data), None, dtype=object))
    # An id or a wave that is personal data is masked here too (the row is excluded).
    for pos, rules in bad_rows.items():
        if any(r == "personal_id" or r.startswith("undeclared_personal_data") for r in rules):
            ids[pos] = _masked_cell(ids[pos])
            wave_values[pos] = _masked_cell(wave_values[pos])
    ledger = pd.DataFrame({
        "file": file_col,
        "line": all_lines() if len(data) else np.array([], dtype=np.int64),
        "respondent": ids,
        "wave": wave_values,
        "status": np.where(excluded, "excluded", "analysed"),
        "reason": _reason_column(reasons, excluded),
        "panel": None,
    })
    ledger["line"] = ledger["line"].astype("Int64")
    ledger["panel"] = _panel_status(ledger, cb, id_codes)

    analysed = data.loc[~excluded].reset_index(drop=True)
    # A pseudonymised id stays, even when marked pii = true: it is no longer the raw id.
    keep = [c for c, v in cb.variables.items()
            if not v.pii or (c == s.id and s.pseudonymise_id)]
    analysed = analysed[[c for c in keep if c in analysed.columns]]
    missing_counts = _missing_counts(hits, excluded, data, cb)

    provenance = {
        "package": "mutualaid_analysis",
        "version": __version__,
        "files": [pt.info for pt in parts],
        "codebook": _codebook_info(cb),
        "on_invalid": on_invalid,
        "rows_read": int(len(data)),
        "rows_analysed": int((~excluded).sum()),
        "rows_excluded": int(excluded.sum()),
    }
    survey = Survey(
        data=analysed,
        codebook=cb,
        problems=problems_frame(problems) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS),
        ledger=ledger,
        provenance=provenance,
        missing_counts=missing_counts,
        _problem_list=problems,
    )
    if errors and on_invalid == "raise":
        raise SurveyValidationError(errors, source=", ".join(pt.file for pt in parts),
                                    survey=survey)
    if any(p.rule == "undeclared_personal_data" and p.severity == "warning" for p in problems):
        warnings.warn(
            "columns outside the codebook appear to hold personal data; they are not "
            "analysed, but consider removing them from the file: "
            + "; ".join(str(p) for p in problems if p.rule == "undeclared_personal_data"),
            PrivacyWarning, stacklevel=2)
    return survey


def _wave_file_checks(part: _Part, ck: CheckedTable, cb: Codebook,
                      lines: Any) -> list[Problem]:
    """A file given as one wave whose own wave column names another: rule ``wave_mismatch``."""
    s = cb.survey
    if part.wave is None or not s.wave or s.wave not in part.frame.columns:
        return []
    values = ck.data[s.wave].astype("string")
    bad = (values.notna() & (values != str(part.wave))).fillna(False).to_numpy()
    if not bad.any():
        return []
    positions = np.flatnonzero(bad)
    found = values[bad].value_counts()
    summary = ", ".join(f"{n} say {v!r}" for v, n in found.items())
    every = " (every row)" if len(positions) == len(values) else ""
    ln = lines()
    ids = ck.data.get(s.id)
    out = []
    for pos in positions:
        v = values.iloc[pos]
        rid = None if ids is None or pd.isna(ids.iloc[pos]) else str(ids.iloc[pos])
        out.append(Problem(
            "wave_mismatch",
            f"the file was given as wave {part.wave!r}, but its wave column says {v!r} "
            f"({summary} of {len(values)} rows{every}); the row is held back, since either "
            "the files were assigned to the wrong waves (check waves = {{...}} or the order "
            "of the files) or the column is wrong.",
            file=part.file, line=int(ln[pos]), respondent=rid, column=s.wave, value=str(v)))
        ck.bad_rows.setdefault(int(pos), set()).add("wave_mismatch")
    return out


def _formula_problems(part: _Part, ck: CheckedTable, cb: Codebook) -> list[Problem]:
    """Spreadsheet formulas without a saved result, in codebook columns: ``formula_without_value``."""
    out: list[Problem] = []
    by_col: dict[str, list[tuple[int, str]]] = {}
    for pos, col, ref in part.formulas:
        if col in cb.variables and not cb.variables[col].pii and col in ck.data:
            by_col.setdefault(col, []).append((pos, ref))
    ids = ck.data.get(cb.survey.id)
    for col, cells in by_col.items():
        mask = ck.bad_cells.setdefault(col, np.zeros(len(ck.data), dtype=bool))
        for pos, ref in cells:
            rid = None if ids is None or pd.isna(ids.iloc[pos]) else str(ids.iloc[pos])
            out.append(Problem(
                "formula_without_value",
                f"cell {ref} of sheet {part.sheet!r} holds a formula with no saved result, "
                "so its value is unknown (it would read as missing); open the workbook in "
                "Excel, WPS or LibreOffice, let it recalculate and save it, or paste the "
                "column as values.",
                file=part.file, line=pos + 2, respondent=rid, column=col, value=None))
            mask[pos] = True
    return out


def _label_checks(meta: Any, cb: Codebook, file: str) -> list[Problem]:
    """SPSS/Stata value labels that contradict the codebook's: ``value_label_mismatch``."""
    import unicodedata

    def norm(text: Any) -> str:
        return unicodedata.normalize("NFKC", str(text)).strip().casefold()

    out: list[Problem] = []
    if meta is None:
        return out
    for col, labels in meta.value_labels.items():
        var = cb.variables.get(col)
        if var is None or var.pii:
            continue
        missing = set(cb.missing_codes(col))
        for code, file_label in labels.items():
            if var.values and code in var.values:
                ours = [var.values[code]] + ([var.values_en[code]] if var.values_en
                                             and code in var.values_en else [])
            elif code in missing and (missing_label := cb.missing_label(code)):
                ours = [missing_label]
            else:
                continue
            if norm(file_label) in {norm(o) for o in ours}:
                continue
            out.append(Problem(
                "value_label_mismatch",
                f"the file labels code {code!r} of {col!r} {file_label!r}, but the codebook "
                f"labels it {ours[0]!r}; the codes may be reversed or shifted, or the codebook "
                "describes another version of the questionnaire: check which is right before "
                "analysing (the codebook's codes are used).",
                file=file, column=col, value=code, severity="warning"))
    return out


def _reason_column(reasons: Mapping[int, set[str]], excluded: np.ndarray) -> np.ndarray:
    out = np.full(len(excluded), "", dtype=object)
    for pos, rules in reasons.items():
        if excluded[pos]:
            out[pos] = "; ".join(sorted(rules))
    return out


def _cell_rules(problems: list[Problem], data: pd.DataFrame, file_col: np.ndarray,
                all_lines: Callable[[], np.ndarray], bad_cells: Mapping[str, np.ndarray]) -> dict[tuple[str, int], str]:
    """(column, position) -> rule for cell problems, to give ledger reasons."""
    if not bad_cells:
        return {}
    lines = all_lines()
    index = {(f, int(ln)): i for i, (f, ln) in enumerate(zip(file_col, lines, strict=True))}
    out: dict[tuple[str, int], str] = {}
    for p in problems:
        if p.column is not None and p.column in bad_cells and p.line is not None \
                and p.rule not in ROW_RULES:
            pos = index.get((p.file, p.line))
            if pos is not None:
                out[(p.column, pos)] = f"{p.rule}:{p.column}"
    return out


def _cross_row_checks(data: pd.DataFrame, cb: Codebook, file_col: np.ndarray, all_lines: Callable[[], np.ndarray],
                      bad_rows: dict[int, set[str]], id_codes: np.ndarray) -> list[Problem]:
    s = cb.survey
    problems: list[Problem] = []
    if s.id not in data:
        return problems
    ids = data[s.id]
    keys = [s.id] + ([s.wave] if s.wave and s.wave in data else [])
    valid = id_codes >= 0
    # A row whose wave contradicts its file is held back; it must not make the
    # genuine row of that wave a duplicate.
    doubtful = [pos for pos, rules in bad_rows.items() if "wave_mismatch" in rules]
    if doubtful:
        valid = valid.copy()
        valid[doubtful] = False
    # One integer key per (id, wave), then count with numpy.
    key = id_codes.astype(np.int64)
    if len(keys) > 1:
        w_codes, w_uniques = pd.factorize(data[s.wave])
        key = key * (len(w_uniques) + 1) + (w_codes + 1)
    # Held-back rows count under 0, every (id, wave) under its key + 1, so that
    # a held-back row never makes a valid row with key 0 look duplicated.
    slot = np.where(valid, key + 1, 0)
    counts = np.bincount(slot, minlength=1)
    dup = valid & (counts[slot] > 1)
    if dup.any():
        lines = all_lines()
        positions_all = np.flatnonzero(dup)
        order = np.argsort(slot[positions_all], kind="stable")
        sorted_pos = positions_all[order]
        starts = np.flatnonzero(np.r_[True, np.diff(slot[sorted_pos]) != 0])
        has_wave = len(keys) > 1
        for group in np.split(sorted_pos, starts[1:]):
            positions = [int(i) for i in group]
            where = ", ".join(f"{file_col[i]} line {lines[i]}" for i in positions)
            rid = ids.iloc[positions[0]]
            wave_txt = (f" in wave {data[s.wave].iloc[positions[0]]!r}" if has_wave else "")
            for i in positions:
                problems.append(Problem(
                    "duplicate_id",
                    f"respondent id {rid!r} occurs {len(positions)} times{wave_txt} "
                    f"({where}); ids must be unique within a wave, so all copies are held back.",
                    file=file_col[i], line=int(lines[i]), respondent=str(rid), column=s.id,
                    value=str(rid)))
                bad_rows.setdefault(int(i), set()).add("duplicate_id")
    if s.cluster and s.cluster in data and s.wave and s.wave in data:
        sub = data.loc[valid, [s.id, s.cluster]].dropna()
        n_clusters = sub.groupby(s.id, sort=False)[s.cluster].nunique()
        changers = n_clusters.index[n_clusters > 1]
        if len(changers):
            lines = all_lines()
            mask = ids.isin(changers).to_numpy()
            for i in np.flatnonzero(mask).tolist():
                rid = ids.iloc[i]
                villages = sorted(map(str, sub.loc[sub[s.id] == rid, s.cluster].unique()))
                problems.append(Problem(
                    "cluster_changes",
                    f"respondent {rid!r} is recorded in different villages across waves "
                    f"({', '.join(villages)}); a respondent belongs to one village.",
                    file=file_col[i], line=int(lines[i]), respondent=str(rid),
                    column=s.cluster, value=_scalar(data[s.cluster].iloc[i])))
                bad_rows.setdefault(int(i), set()).add("cluster_changes")
    problems.extend(_arm_checks(data, cb, file_col, all_lines, bad_rows))
    return problems


#: At most this many lines are listed in a message (all are in the problems).
_MAX_LINES = 10


def _arm_checks(data: pd.DataFrame, cb: Codebook, file_col: np.ndarray, all_lines: Callable[[], np.ndarray],
                bad_rows: dict[int, set[str]]) -> list[Problem]:
    """Arms are assigned to villages: a village with rows in two arms is ``mixed_arm_village``.

    The rows of the minority arm(s) are the problems (and are held back); when
    no arm has more rows than every other, every row of the village is.
    Checked when the codebook names the treated arm (``[survey] treated``):
    a ``group`` without it may be any grouping of respondents.
    """
    s = cb.survey
    if s.treated is None or not (s.group and s.cluster and s.group in data
                                 and s.cluster in data):
        return []
    arms = data[s.group].astype("string")
    villages = data[s.cluster]
    ok = (arms.notna() & villages.notna()).to_numpy().copy()
    # A row whose village is already in doubt says nothing about the village's arm.
    for pos, rules in bad_rows.items():
        if "cluster_changes" in rules:
            ok[pos] = False
    if not ok.any():
        return []
    # Count distinct (village, arm) pairs per village with integer codes; only
    # villages with two arms are looked at in detail.
    v_codes, _ = pd.factorize(villages)
    a_codes, a_uniques = pd.factorize(arms)
    pairs = np.unique(v_codes[ok].astype(np.int64) * (len(a_uniques) + 1) + a_codes[ok])
    n_arms = np.bincount(pairs // (len(a_uniques) + 1))
    mixed_codes = np.flatnonzero(n_arms > 1)
    if not len(mixed_codes):
        return []
    ok &= np.isin(v_codes, mixed_codes)
    sub = pd.DataFrame({"v": villages[ok].astype("string"), "a": arms[ok],
                        "pos": np.flatnonzero(ok)})
    mixed = list(dict.fromkeys(sub["v"]))
    lines = all_lines()
    ids = data.get(s.id)
    problems: list[Problem] = []
    labels = cb.variables[s.cluster].values or {}
    by_text = {str(k): v for k, v in labels.items()}
    for village in mixed:
        rows = sub[sub["v"] == village]
        name = f"{by_text[village]} ({village})" if village in by_text else village
        counts = rows["a"].value_counts()
        top = counts.iloc[0]
        majority = counts.index[0] if (counts == top).sum() == 1 else None
        arms_txt = ", ".join(f"{a!r} ({n} row{'s' * (int(n) != 1)})"
                             for a, n in counts.items())
        minority = rows[rows["a"] != majority] if majority is not None else rows
        where = [f"{file_col[i]} line {lines[i]}" for i in minority["pos"][:_MAX_LINES]]
        more = (f" and {len(minority) - _MAX_LINES} more" if len(minority) > _MAX_LINES
                else "")
        if majority is not None:
            head = (f"village {name!r} has rows in {len(counts)} arms ({arms_txt}); arms are "
                    f"assigned to villages, so the rows not in {majority!r} are held back "
                    f"({', '.join(where)}{more})")
        else:
            head = (f"village {name!r} has rows in {len(counts)} arms ({arms_txt}) and none "
                    f"has a majority; arms are assigned to villages, so all its rows are held "
                    f"back ({', '.join(where)}{more})")
        message = head + ": correct the arm (or the village) of those rows."
        for pos, arm in zip(minority["pos"], minority["a"], strict=True):
            rid = None if ids is None or pd.isna(ids.iloc[pos]) else str(ids.iloc[pos])
            problems.append(Problem("mixed_arm_village", message, file=file_col[pos],
                                    line=int(lines[pos]), respondent=rid, column=s.group,
                                    value=str(arm)))
            bad_rows.setdefault(int(pos), set()).add("mixed_arm_village")
    return problems


#: A follow-up wave whose respondents match fewer than this share of the
#: smaller of the two waves (baseline, follow-up) gets a ``low_panel_match``
#: warning.  Attrition of 5-20% leaves 80-95% matched; below one half, ids
#: that do not link are far likelier than real attrition.
PANEL_MATCH_THRESHOLD = 0.5
#: Neither wave smaller than this: with a handful of respondents a low match
#: rate says nothing.
PANEL_MATCH_MIN_N = 5


_ASCII_DIGITS = frozenset("0123456789")


def _is_number(v: str) -> bool:
    return bool(v) and v.isascii() and v.isdigit()


def _strip_zeros(v: str) -> str:
    """An id without its leading zeros (``01001`` -> ``1001``)."""
    return v.lstrip("0") or "0"


def _digits_only(v: str) -> str | None:
    """The digits of an id, without leading zeros (``V01-001`` -> ``1001``)."""
    d = "".join(ch for ch in v if ch in _ASCII_DIGITS).lstrip("0")
    return d or None


def _panel_match_checks(data: pd.DataFrame, cb: Codebook, file_col: np.ndarray,
                        all_lines: Callable[[], np.ndarray], *, quote_ids: bool = True) -> list[Problem]:
    """Warn when few respondents of a follow-up wave are found at baseline.

    The rate is the number of ids present in both waves over the number of
    distinct ids in the smaller wave.  When ids match once leading zeros are
    ignored, or (when one wave's ids are numbers and the other's are not)
    once only their digits are compared, the message says so: that is the
    usual cause (a spreadsheet that turned ``01001`` into ``1001``, or one
    wave's ids exported as numbers and the other's as codes).
    """
    s = cb.survey
    if not (s.wave and s.wave in data and s.id in data):
        return []
    id_series = data[s.id].astype("string")
    wave_series = data[s.wave].astype("string")
    has_id = (id_series.notna() & wave_series.notna()).to_numpy()
    w_codes, w_uniques = pd.factorize(wave_series)
    present = set(w_uniques[np.unique(w_codes[has_id])].astype(str))
    order = [str(w) for w in (s.waves or []) if str(w) in present] or sorted(present)
    if len(order) < 2:
        return []
    id_codes, id_uniques = pd.factorize(id_series)
    code_of = {str(w): i for i, w in enumerate(w_uniques)}

    def members(w: str) -> tuple[np.ndarray, np.ndarray]:
        pos = np.flatnonzero(has_id & (w_codes == code_of[w]))
        seen = np.zeros(len(id_uniques), dtype=bool)
        seen[id_codes[pos]] = True
        return pos, seen

    base = order[0]
    base_pos, base_seen = members(base)
    raw: np.ndarray | None = None
    problems: list[Problem] = []
    for w in order[1:]:
        w_pos, w_seen = members(w)
        smaller = int(min(base_seen.sum(), w_seen.sum()))
        if smaller < PANEL_MATCH_MIN_N:
            continue
        matched = int((base_seen & w_seen).sum())
        rate = matched / smaller
        if rate >= PANEL_MATCH_THRESHOLD:
            continue
        if raw is None:
            raw = id_series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs refuse na_value=None
        base_ids, w_ids = set(raw[base_pos]), set(raw[w_pos])
        base_files = list(dict.fromkeys(file_col[base_pos]))
        w_files = list(dict.fromkeys(file_col[w_pos]))
        numeric = []
        for ids in (base_ids, w_ids):
            sample = list(itertools.islice(ids, 2000))
            numeric.append(sum(map(_is_number, sample)) / len(sample))
        fixes: list[tuple[Any, str]] = [(_strip_zeros, "once leading zeros are ignored")]
        if max(numeric) >= 0.9 and min(numeric) <= 0.1:  # numbers in one wave, codes in the other
            fixes.append((_digits_only, "once only their digits are compared"))
        cause = ""
        for fix, describe in fixes:
            b_norm: dict[Any, str] = {}  # first id (in file order) of each normalised id
            for v in raw[base_pos]:
                b_norm.setdefault(fix(v), v)
            b_norm.pop(None, None)
            w_keys = {fix(v) for v in w_ids} - {None}
            n_norm = len(b_norm.keys() & w_keys)
            if n_norm / smaller < PANEL_MATCH_THRESHOLD or n_norm <= matched:
                continue
            example = ""
            pair = next(((b_norm[k], v) for v in raw[w_pos]
                         if (k := fix(v)) in b_norm and b_norm[k] != v), None)
            if quote_ids and pair is not None:
                lines = all_lines()
                i = int(base_pos[np.flatnonzero(raw[base_pos] == pair[0])[0]])
                j = int(w_pos[np.flatnonzero(raw[w_pos] == pair[1])[0]])
                example = (f" (e.g. {raw[i]!r} in {file_col[i]} line {lines[i]} "
                           f"and {raw[j]!r} in {file_col[j]} line {lines[j]})")
            if fix is _strip_zeros:
                todo = ("a spreadsheet program probably dropped the zeros: restore them in "
                        "the file (re-export it with the id column formatted as text), or, "
                        "if the ids are plain numbers, declare the id type = \"integer\" in "
                        "the codebook so that every wave is compared as numbers")
            else:
                todo = ("the waves write the same ids differently (numbers in one, codes "
                        "in the other): make the ids of every wave the same text and "
                        "declare the id type = \"id\" (text) in the codebook")
            cause = (f" {n_norm} respondents ({n_norm / smaller:.0%}) match {describe}"
                     f"{example}; {todo}.")
            break
        if not cause:
            cause = (" Check that both waves use the same respondent ids (same column, same "
                     "form); if the waves are meant to be independent samples, ignore this.")
        message = (
            f"only {matched} of {smaller} respondents ({rate:.0%}) of the smaller wave are "
            f"found in both wave {base!r} ({', '.join(base_files)}, {len(base_ids)} ids) and "
            f"wave {w!r} ({', '.join(w_files)}, {len(w_ids)} ids); below "
            f"{PANEL_MATCH_THRESHOLD:.0%} the ids, not attrition, are the likely cause, and "
            "before/after comparisons will have almost no panel." + cause)
        problems.append(Problem("low_panel_match", message, file=w_files[0], column=s.id,
                                value=round(rate, 4), severity="warning"))
    return problems


def _scalar(v: Any) -> Any:
    if v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v


def _pseudonymise_problems(problems: list[Problem], data: pd.DataFrame, cb: Codebook,
                           file_col: np.ndarray, all_lines: Callable[[], np.ndarray]) -> list[Problem]:
    """Replace raw respondent ids in problems by their pseudonyms (matched on file and line)."""
    from dataclasses import replace

    lines = all_lines()
    ids = data[cb.survey.id].to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs refuse na_value=None
    by_line = {(f, int(ln)): rid for f, ln, rid in zip(file_col, lines, ids, strict=True)}
    out = []
    for p in problems:
        if p.respondent is not None:
            pseudo = by_line.get((p.file, p.line)) if p.line is not None else None
            value = pseudo if p.column == cb.survey.id else p.value
            message = p.message.replace(str(p.respondent), str(pseudo)) if pseudo else p.message
            p = replace(p, respondent=pseudo, value=value, message=message)
        out.append(p)
    return out


def _masked_cell(value: Any) -> Any:
    """``value`` with any personal data in it masked (a name as 张*); None stays None."""
    from . import privacy

    if value is None:
        return None
    text = privacy.mask_personal_text(str(value))
    if text == str(value) and privacy.name_mask([text])[0]:
        text = privacy.mask_value(text, "name")
    return text


def _panel_status(ledger: pd.DataFrame, cb: Codebook, codes: np.ndarray) -> pd.Series:
    s = cb.survey
    out = np.full(len(ledger), None, dtype=object)
    if not s.wave or ledger["wave"].isna().all():
        return pd.Series(out, index=ledger.index, dtype=object)
    ok = (ledger["status"] == "analysed").to_numpy() & (codes >= 0)
    if not ok.any():
        return pd.Series(out, index=ledger.index, dtype=object)
    known = codes >= 0
    waves = ledger["wave"].to_numpy(dtype=object)
    baseline = str(s.waves[0]) if s.waves else sorted(map(str, set(waves[ok])))[0]
    is_base = waves == baseline
    n = int(codes.max()) + 1 if len(codes) else 0
    has_base = np.bincount(codes[ok], weights=is_base[ok], minlength=n) > 0
    has_follow = np.bincount(codes[ok], weights=~is_base[ok], minlength=n) > 0
    # A respondent whose baseline row was read but excluded took part at
    # baseline: not a follow-up-only respondent.
    read_base = np.bincount(codes[known], weights=is_base[known], minlength=n) > 0
    status = np.select([has_base & has_follow, has_base, read_base],
                       ["matched", "baseline_only", "baseline_excluded"],
                       "followup_only").astype(object)
    out[ok] = status[codes[ok]]
    return pd.Series(out, index=ledger.index, dtype=object)


def _missing_counts(hits: list[tuple[str, Any, np.ndarray]], excluded: np.ndarray,
                    data: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    cols = ["variable", "wave", "code", "label", "n"]
    rows = []
    wcol = cb.survey.wave if cb.survey.wave and cb.survey.wave in data else None
    waves = data[wcol].astype("string").to_numpy(dtype=object, na_value=None) if wcol else None  # type: ignore[call-overload]  # stubs refuse na_value=None
    for var, code, pos in hits:
        pos = pos[~excluded[pos]]
        if not len(pos):
            continue
        label = cb.missing_label(code)
        if waves is None:
            rows.append({"variable": var, "wave": None, "code": code, "label": label,
                         "n": len(pos)})
        else:
            w, n = np.unique(waves[pos].astype(str), return_counts=True)
            rows.extend({"variable": var, "wave": wi, "code": code, "label": label,
                         "n": int(ni)} for wi, ni in zip(w, n, strict=True))
    frame = pd.DataFrame(rows, columns=cols)
    if len(frame):
        frame = (frame.groupby(["variable", "wave", "code"], dropna=False, sort=False)
                 .agg(label=("label", "first"), n=("n", "sum")).reset_index())
    return frame[cols]


def _codebook_info(cb: Codebook) -> dict[str, Any]:
    from ..masking import mask_personal_text

    info: dict[str, Any] = {"file": mask_personal_text(Path(cb.source).name) if cb.source
                            else None}
    if cb.source and Path(cb.source).is_file():
        info["sha256"] = sha256_file(cb.source)
    info["variables"] = len(cb.variables)
    return info

