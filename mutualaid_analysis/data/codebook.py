"""The codebook: one TOML file that describes a survey (a contract, see docs/design.md).

A codebook names the respondent id, village (cluster), wave and arm columns,
the social circles in order (nearest first), reusable response scales, and
one ``[[variable]]`` entry per column with its type, labels, value labels,
missing codes and roles (willingness item of a circle, scale item, personal
data).  :func:`read_codebook` reads and validates it, reporting every mistake
at once; :meth:`Codebook.to_toml` writes it back so that a round trip changes
nothing.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast, get_args

import pandas as pd

from ..exceptions import CodebookError
from ..output import write_text_atomic
from ..problems import Problem

__all__ = [
    "VARIABLE_TYPES",
    "Codebook",
    "SurveySpec",
    "Variable",
    "VariableType",
    "DEFAULT_MISSING_TEXT",
    "natural_sort_key",
    "read_codebook",
]

#: The variable types a codebook may use; the same alias types the field.
VariableType = Literal["ordinal", "integer", "number", "binary", "category", "text", "id"]
VARIABLE_TYPES: tuple[str, ...] = get_args(VariableType)

#: Types whose values are codes with (optional) labels.
CODED_TYPES = frozenset({"ordinal", "binary", "category"})
#: Types held as numbers in the analysis data.
NUMERIC_TYPES = frozenset({"ordinal", "integer", "number", "binary", "category"})
#: Types held as text in the analysis data.
TEXT_TYPES = frozenset({"text", "id"})

Code = int | float
Scalar = int | float | str

#: Text that means "missing" in a numeric or coded column whatever the codebook
#: says: R's ``NA``, Stata's ``.`` and extended missing values ``.a`` to ``.z``,
#: Excel's ``#N/A`` and ``NaN``.  ``missing_text = [...]`` adds to these.
DEFAULT_MISSING_TEXT: tuple[str, ...] = (
    "NA", ".", *(f".{c}" for c in "abcdefghijklmnopqrstuvwxyz"), "#N/A", "NaN",
)
#: The ``label`` that ``Survey.missing_counts`` gives a text marker and an empty cell.
TEXT_MARKER_LABEL = "missing (text marker)"
EMPTY_CELL_LABEL = "missing (empty cell)"

_NATURAL_PART = re.compile(r"(\d+)")


def natural_sort_key(value: Any) -> tuple:
    """Sort key putting 2 before 10 and 村2 before 村10 (numbers before text)."""
    if isinstance(value, bool):
        return (0, float(value), ())
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return (0, float(value), ())
    text = str(value)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                  for p in _NATURAL_PART.split(text) if p != "")
    return (1, 0.0, parts)

# Allowed keys, one source for the reader, the error messages and the writer.
TOP_KEYS = ("survey", "circles", "services", "scales", "responses", "variable")
SURVEY_KEYS = (
    "id", "cluster", "wave", "waves", "group", "treated", "missing", "missing_text",
    "title", "title_en", "description", "pseudonymise_id",
)
CIRCLES_KEYS = ("order", "labels", "labels_en")
SERVICES_KEYS = ("order", "labels", "labels_en")
SCALE_KEYS = ("label", "label_en", "description")
RESPONSES_KEYS = ("values", "values_en", "label", "label_en")
VARIABLE_KEYS = (
    "name", "label", "label_en", "type", "responses", "values", "values_en",
    "circle", "service", "scale", "reverse", "pii", "min", "max", "missing",
    "missing_text", "levels",
)

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Variable:
    """One column of the survey as the codebook describes it.

    Attributes
    ----------
    name : str
        Column name in the data file.
    type : {"ordinal", "integer", "number", "binary", "category", "text", "id"}
    label, label_en : str or None
        Question or variable label (Chinese, and English).
    values : dict or None
        Value labels ``code -> label``, after resolving ``responses``.
    values_en : dict or None
        English value labels, where given.
    responses : str or None
        Name of the reusable ``[responses.NAME]`` scale the labels come from
        (kept so that :meth:`Codebook.to_toml` writes the reference back).
    missing : tuple or None
        Missing codes for this variable; ``None`` means the survey default.
    min, max : float or None
        Allowed range (inclusive).
    circle, service : str or None
        Marks a willingness item: the social circle it asks about and,
        optionally, the service.
    scale : str or None
        The multi-item scale this item belongs to; ``reverse`` marks a
        reverse-keyed item.
    pii : bool
        Personal data: never reaches the analysis data.
    levels : tuple or None
        ``levels = [...]`` as written: the order of an unlabelled category
        (and the only values it allows), or which of a binary's two values
        is 0 and which is 1 (the second is "yes").
    missing_text : tuple or None
        Extra text markers of missing values for this variable (the
        survey's ``missing_text`` otherwise); the defaults in
        :data:`DEFAULT_MISSING_TEXT` always apply.
    recode : dict or None
        For a labelled binary whose codes are not 0/1 (1 = 男, 2 = 女): code
        in the file -> 0/1 in the analysis data.  ``values`` is then keyed by
        0/1; the codebook is written back with the file's codes.
    """

    name: str
    type: VariableType
    label: str | None = None
    label_en: str | None = None
    values: dict[Code, str] | None = None
    values_en: dict[Code, str] | None = None
    responses: str | None = None
    missing: tuple[Code, ...] | None = None
    min: float | None = None
    max: float | None = None
    circle: str | None = None
    service: str | None = None
    scale: str | None = None
    reverse: bool = False
    pii: bool = False
    levels: tuple[Scalar, ...] | None = None
    missing_text: tuple[str, ...] | None = None
    recode: dict[Code, int] | None = None

    @property
    def is_numeric(self) -> bool:
        """Whether the analysis data holds this variable as numbers.

        A ``category`` without value labels is held as text (village names,
        工作坊 / 对照); a ``binary`` is always 0/1.
        """
        if self.type == "category" and not self.values:
            return False
        return self.type in NUMERIC_TYPES

    @property
    def is_coded(self) -> bool:
        """Whether values are codes or levels (ordinal, binary, category)."""
        return self.type in CODED_TYPES

    @property
    def codes(self) -> tuple[Code, ...] | None:
        """The allowed codes in the analysis data (0/1 for every binary)."""
        if self.type == "binary":
            return (0, 1)
        if self.values:
            return tuple(self.values)
        return None

    @property
    def file_codes(self) -> tuple[Code, ...] | None:
        """The allowed codes as the file holds them (before a binary's recode to 0/1)."""
        if self.recode:
            return tuple(self.recode)
        if self.values:
            return tuple(self.values)
        return None

    def file_values(self, lang: Literal["zh", "en"] = "zh") -> dict[Code, str] | None:
        """Value labels keyed by the file's codes (``values`` is keyed by analysis codes)."""
        labels = self.values if lang == "zh" else self.values_en
        if labels is None or not self.recode:
            return labels
        return {raw: labels[self.recode[raw]] for raw in sorted(self.recode)
                if self.recode[raw] in labels}

    def sort_levels(self, found: Iterable[Any]) -> list[Any]:
        """The levels of an unlabelled category: ``levels`` order, else a natural sort."""
        found = list(dict.fromkeys(found))
        if self.levels:
            rank = {str(lv): i for i, lv in enumerate(self.levels)}
            return sorted(found, key=lambda v: (rank.get(str(v), len(rank)),
                                                natural_sort_key(v)))
        return sorted(found, key=natural_sort_key)

    def display_label(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The label in ``lang``, falling back to the other language, then the name."""
        first, second = (self.label, self.label_en) if lang == "zh" else (self.label_en, self.label)
        return first or second or self.name


@dataclass(frozen=True)
class SurveySpec:
    """The ``[survey]`` table: role columns, waves, arms and missing codes."""

    id: str
    cluster: str | None = None
    wave: str | None = None
    waves: tuple[Scalar, ...] | None = None
    group: str | None = None
    treated: Scalar | None = None
    missing: dict[Code, str | None] = field(default_factory=dict)
    title: str | None = None
    title_en: str | None = None
    description: str | None = None
    pseudonymise_id: bool = False
    missing_text: tuple[str, ...] = ()
    #: ``treated`` and ``waves`` as the codebook writes them (a label such as
    #: 工作坊 where ``treated`` holds its code); used when writing TOML.
    treated_as_written: Scalar | None = field(default=None, compare=False, repr=False)
    waves_as_written: tuple[Scalar, ...] | None = field(default=None, compare=False,
                                                         repr=False)

    @property
    def missing_codes(self) -> tuple[Code, ...]:
        """The survey-wide missing codes."""
        return tuple(self.missing)

    @property
    def baseline(self) -> Scalar | None:
        """The first (baseline) wave, if waves are declared."""
        return self.waves[0] if self.waves else None


@dataclass(frozen=True)
class Codebook:
    """A validated survey codebook.

    Build one with :func:`read_codebook` (from TOML), :func:`Codebook.from_dict`
    or :func:`draft_codebook`; write it with :meth:`to_toml`.

    Examples
    --------
    >>> cb = read_codebook("data/sample/codebook.toml")  # doctest: +SKIP
    >>> cb.circles
    ('relatives', 'friends', 'villagers')
    >>> cb.willingness_items()  # doctest: +SKIP
    """

    survey: SurveySpec
    variables: dict[str, Variable]
    circles: tuple[str, ...] = ()
    circle_labels: dict[str, str] = field(default_factory=dict)
    circle_labels_en: dict[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = ()
    service_labels: dict[str, str] = field(default_factory=dict)
    service_labels_en: dict[str, str] = field(default_factory=dict)
    scales: dict[str, dict[str, str]] = field(default_factory=dict)
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str | None = field(default=None, compare=False)

    # ------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], source: str | None = None) -> Codebook:
        """Build and validate a codebook from the parsed TOML structure.

        Raises
        ------
        CodebookError
            Listing every problem found, each naming the key concerned.
        """
        return _build(raw, source)

    # ------------------------------------------------------------ look-ups
    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def __getitem__(self, name: str) -> Variable:
        try:
            return self.variables[name]
        except KeyError:
            raise KeyError(_unknown_name_message("variable", name, self.variables)) from None

    def __len__(self) -> int:
        return len(self.variables)

    @property
    def names(self) -> list[str]:
        """Variable names in codebook order."""
        return list(self.variables)

    @property
    def roles(self) -> dict[str, str]:
        """Role -> column for the roles that are set (id, cluster, wave, group)."""
        s = self.survey
        out = {"id": s.id, "cluster": s.cluster, "wave": s.wave, "group": s.group}
        return {k: v for k, v in out.items() if v is not None}

    @property
    def pii_columns(self) -> list[str]:
        """Columns marked ``pii = true``."""
        return [v.name for v in self.variables.values() if v.pii]

    @property
    def analysis_columns(self) -> list[str]:
        """Columns that reach the analysis data (all but personal data)."""
        return [v.name for v in self.variables.values() if not v.pii]

    def missing_codes(self, name: str) -> tuple[Code, ...]:
        """Missing codes that apply to variable ``name`` (its own, else the survey's)."""
        var = self[name]
        return var.missing if var.missing is not None else self.survey.missing_codes

    def missing_label(self, code: Code | str) -> str | None:
        """The label of a survey-wide missing code (e.g. 98 -> 不知道), if given.

        A text marker (``"NA"``, ``"."``) is labelled ``"missing (text
        marker)"`` and an empty cell (``""``) ``"missing (empty cell)"``.
        """
        if isinstance(code, str):
            return EMPTY_CELL_LABEL if code == "" else TEXT_MARKER_LABEL
        return self.survey.missing.get(code)

    def missing_text(self, name: str) -> tuple[str, ...]:
        """Text markers of missing values for ``name``: the defaults, then the codebook's."""
        var = self[name]
        extra = var.missing_text if var.missing_text is not None else self.survey.missing_text
        return tuple(dict.fromkeys((*DEFAULT_MISSING_TEXT, *extra)))

    def circle_label(self, circle: str, lang: Literal["zh", "en"] = "zh") -> str:
        """Label of a circle in ``lang`` (falls back to the other language, then the key)."""
        first, second = (
            (self.circle_labels, self.circle_labels_en)
            if lang == "zh"
            else (self.circle_labels_en, self.circle_labels)
        )
        return first.get(circle) or second.get(circle) or circle

    def service_label(self, service: str, lang: Literal["zh", "en"] = "zh") -> str:
        """Label of a service in ``lang`` (falls back to the other language, then the key)."""
        first, second = (
            (self.service_labels, self.service_labels_en)
            if lang == "zh"
            else (self.service_labels_en, self.service_labels)
        )
        return first.get(service) or second.get(service) or service

    def willingness_items(self, service: str | None = None) -> pd.DataFrame:
        """The willingness items: one row per variable with ``circle`` set.

        Parameters
        ----------
        service : str, optional
            Keep only items of this service.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable``, ``circle``, ``circle_rank`` (0 = nearest),
            ``service`` (``None`` where the item names no service), ``label``,
            ``label_en``; sorted by circle rank then codebook order.
        """
        rows = [
            {
                "variable": v.name,
                "circle": v.circle,
                "circle_rank": self.circles.index(v.circle),
                "service": v.service,
                "label": v.label,
                "label_en": v.label_en,
            }
            for v in self.variables.values()
            if v.circle is not None and (service is None or v.service == service)
        ]
        cols = ["variable", "circle", "circle_rank", "service", "label", "label_en"]
        frame = pd.DataFrame(rows, columns=cols)
        return frame.sort_values("circle_rank", kind="stable").reset_index(drop=True)

    def scale_names(self) -> list[str]:
        """Names of the multi-item scales, in order of first appearance."""
        return list(dict.fromkeys(v.scale for v in self.variables.values() if v.scale))

    def scale_items(self, scale: str) -> list[Variable]:
        """The items of ``scale``, in codebook order."""
        items = [v for v in self.variables.values() if v.scale == scale]
        if not items:
            raise KeyError(_unknown_name_message("scale", scale, self.scale_names()))
        return items

    def label_to_code(self, name: str) -> dict[str, Code]:
        """Map answer text to codes for ``name``: value labels (zh and en) and missing labels.

        Codes are those of the file (a binary coded 1/2 maps to 1 and 2; see
        :attr:`Variable.recode` for its 0/1).
        """
        var = self[name]
        out: dict[str, Code] = {}
        missing = var.missing if var.missing is not None else self.survey.missing_codes
        for code in missing:
            lab = self.survey.missing.get(code)
            if lab:
                out[lab] = code
        for labels in (var.file_values("en"), var.file_values("zh")):  # Chinese labels win
            for code, lab in (labels or {}).items():
                out[str(lab)] = code
        return out

    # ------------------------------------------------------------ writing
    def to_dict(self) -> dict[str, Any]:
        """The codebook as the TOML structure (reusable scales referenced, not expanded)."""
        s = self.survey
        survey: dict[str, Any] = {"id": s.id}
        for key in ("cluster", "wave"):
            if getattr(s, key) is not None:
                survey[key] = getattr(s, key)
        if s.waves is not None:
            survey["waves"] = list(s.waves_as_written or s.waves)
        if s.group is not None:
            survey["group"] = s.group
        if s.treated is not None:
            survey["treated"] = (s.treated_as_written if s.treated_as_written is not None
                                 else s.treated)
        if s.missing:
            if any(lab for lab in s.missing.values()):
                survey["missing"] = {_key(c): lab or "" for c, lab in s.missing.items()}
            else:
                survey["missing"] = list(s.missing)
        if s.missing_text:
            survey["missing_text"] = list(s.missing_text)
        for key in ("title", "title_en", "description"):
            if getattr(s, key) is not None:
                survey[key] = getattr(s, key)
        if s.pseudonymise_id:
            survey["pseudonymise_id"] = True
        out: dict[str, Any] = {"survey": survey}
        if self.circles:
            circles: dict[str, Any] = {"order": list(self.circles)}
            if self.circle_labels:
                circles["labels"] = dict(self.circle_labels)
            if self.circle_labels_en:
                circles["labels_en"] = dict(self.circle_labels_en)
            out["circles"] = circles
        if self.services:
            services: dict[str, Any] = {"order": list(self.services)}
            if self.service_labels:
                services["labels"] = dict(self.service_labels)
            if self.service_labels_en:
                services["labels_en"] = dict(self.service_labels_en)
            out["services"] = services
        if self.scales:
            out["scales"] = {k: dict(v) for k, v in self.scales.items()}
        if self.responses:
            out["responses"] = {
                name: _responses_to_dict(spec) for name, spec in self.responses.items()
            }
        out["variable"] = [self._variable_dict(v) for v in self.variables.values()]
        return out

    def _variable_dict(self, v: Variable) -> dict[str, Any]:
        d: dict[str, Any] = {"name": v.name}
        for key in ("label", "label_en"):
            if getattr(v, key) is not None:
                d[key] = getattr(v, key)
        d["type"] = v.type
        if v.responses is not None:
            d["responses"] = v.responses
        else:
            if v.values is not None:
                d["values"] = {_key(c): lab for c, lab in (v.file_values("zh") or {}).items()}
            if v.values_en is not None:
                d["values_en"] = {_key(c): lab
                                  for c, lab in (v.file_values("en") or {}).items()}
        if v.levels is not None:
            d["levels"] = list(v.levels)
        for key in ("circle", "service", "scale"):
            if getattr(v, key) is not None:
                d[key] = getattr(v, key)
        if v.scale is not None or v.reverse:
            d["reverse"] = v.reverse
        for key in ("min", "max"):
            val = getattr(v, key)
            if val is not None:
                d[key] = int(val) if float(val).is_integer() else val
        if v.missing is not None:
            d["missing"] = list(v.missing)
        if v.missing_text is not None:
            d["missing_text"] = list(v.missing_text)
        if v.pii:
            d["pii"] = True
        return d

    def to_toml(self, path: str | Path | None = None) -> str:
        """Write the codebook as TOML text; also to ``path`` when given.

        The output reads back (:func:`read_codebook`) to an equal codebook,
        and writing that again gives the same text.
        """
        text = _dump_toml(self.to_dict())
        if path is not None:
            write_text_atomic(path, text)
        return text

    def __repr__(self) -> str:
        n_will = sum(v.circle is not None for v in self.variables.values())
        src = f" from {Path(self.source).name!r}" if self.source else ""
        return (
            f"<Codebook{src}: {len(self.variables)} variables, circles={list(self.circles)}, "
            f"{n_will} willingness items, scales={self.scale_names()}, "
            f"waves={list(self.survey.waves) if self.survey.waves else None}>"
        )

    def summary(self) -> pd.DataFrame:
        """One row per variable: name, type, label, label_en, role, n_values, missing."""
        roles = {col: role for role, col in self.roles.items()}
        rows = []
        for v in self.variables.values():
            role = roles.get(v.name)
            if role is None:
                role = (
                    f"willingness:{v.circle}" + (f"/{v.service}" if v.service else "")
                    if v.circle
                    else (f"scale:{v.scale}" if v.scale else ("pii" if v.pii else ""))
                )
            rows.append(
                {
                    "name": v.name,
                    "type": v.type,
                    "label": v.label,
                    "label_en": v.label_en,
                    "role": role,
                    "n_values": len(v.values) if v.values else 0,
                    "missing": ", ".join(format_code(c) for c in self.missing_codes(v.name)),
                }
            )
        return pd.DataFrame(rows)


def read_codebook(path: str | os.PathLike[str]) -> Codebook:
    """Read and validate a TOML codebook.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.toml`` file (UTF-8).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        If the file is not valid TOML or breaks any codebook rule; the error
        lists every problem found (``.problems`` has them as a DataFrame).
    FileNotFoundError
        If the file does not exist.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> cb = ma.read_codebook("data/sample/codebook.toml")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Codebook not found: {path}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(
            [
                Problem(
                    "encoding",
                    f"a codebook must be UTF-8; byte {exc.start} is not ({exc.reason}). "
                    "Save the file as UTF-8.",
                    file=path.name,
                )
            ],
            source=path.name,
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        raise CodebookError(
            [
                Problem(
                    "toml_syntax",
                    f"not valid TOML: {exc}." + _quoting_hint(text, line),
                    file=path.name,
                    line=line,
                )
            ],
            source=path.name,
        ) from exc
    return _build(raw, str(path))


_KEY_TOKEN = re.compile(r"""(^\s*|[{,]\s*)([^\s"'=,{}\[\]]+)(?=\s*=)""")
_HEADER = re.compile(r"^(\s*\[\[?)([^\]]+)(\]\]?.*)$")


def _quote_dotted(key: str) -> str:
    parts = [p.strip() for p in key.split(".")]
    return ".".join(p if _BARE_KEY.match(p) or p[:1] in "\"'" else json.dumps(
        p, ensure_ascii=False) for p in parts)


def _quoting_hint(text: str, line: int | None) -> str:
    """For a line whose bare keys are not ASCII (亲属 = ...), the same line with them quoted.

    TOML allows only A-Z, a-z, 0-9, ``_`` and ``-`` in bare keys; any other
    key (Chinese text, spaces) must be quoted.
    """
    lines = text.splitlines()
    if line is None or not 1 <= line <= len(lines):
        return ""
    src = lines[line - 1]
    header = _HEADER.match(src)
    if header and not header.group(2).isascii():
        fixed = header.group(1) + _quote_dotted(header.group(2)) + header.group(3)
    else:
        fixed = _KEY_TOKEN.sub(
            lambda m: m.group(1) + (m.group(2) if m.group(2).isascii()
                                    else _quote_dotted(m.group(2))), src)
    if fixed == src:
        return ""
    return (" A key that is not plain ASCII letters, digits, _ or - must be quoted in TOML: "
            f"write {fixed.strip()} instead of {src.strip()}.")


# --------------------------------------------------------------------------- building


class _Collector:
    def __init__(self, source: str | None) -> None:
        self.file = Path(source).name if source else None
        self.problems: list[Problem] = []

    def add(self, rule: str, where: str, message: str, value: Any = None) -> None:
        self.problems.append(Problem(rule, message, file=self.file, key=where, value=value))

    def unknown_keys(self, table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                self.add(
                    "unknown_key",
                    f"{where}.{key}" if where else key,
                    f"unknown key {key!r} in {where or 'the top level'}.{hint} "
                    f"Allowed keys: {', '.join(allowed)}.",
                    value=key,
                )


def _unknown_name_message(kind: str, name: object, known: Iterable[str]) -> str:
    known = list(known)
    near = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    shown = ", ".join(map(repr, known[:12])) + (", ..." if len(known) > 12 else "")
    return f"no {kind} named {name!r}.{hint} Known: {shown or '(none)'}."


def _as_code(key: Any) -> Code | None:
    """A value-label key (TOML keys are strings) as an int or float code."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, float):
        return int(key) if key.is_integer() else key
    try:
        num = float(str(key).strip())
    except ValueError:
        return None
    if not math.isfinite(num):
        return None
    return int(num) if num.is_integer() else num


def _labels(raw: Any, where: str, col: _Collector) -> dict[Code, str] | None:
    if not isinstance(raw, Mapping):
        col.add("bad_value_labels", where, "value labels must be a table such as "
                "{ 1 = \"非常不愿意\", 2 = \"不太愿意\" }.", value=raw)
        return None
    out: dict[Code, str] = {}
    seen: dict[str, Code] = {}
    for key, lab in raw.items():
        code = _as_code(key)
        if code is None:
            col.add("bad_code", where, f"value-label code {key!r} is not a number; codes must be "
                    "numbers (write text answers as labels).", value=key)
            continue
        if not isinstance(lab, str) or not lab.strip():
            col.add("bad_label", where, f"the label of code {key} must be non-empty text.",
                    value=lab)
            continue
        # answers are matched with surrounding spaces removed, so a label is kept without
        # them: "a" and "a " are one label, and a level names it either way
        same = lab.strip()
        if same in seen:
            col.add("duplicate_label", where, f"label {lab!r} is used for codes "
                    f"{format_code(seen[same])} and {format_code(code)} (labels are compared "
                    "without surrounding spaces), so answer text could not be read back as one "
                    "code.", value=lab)
        seen[same] = code
        out[code] = same
    return out


def _opt_str(table: Mapping[str, Any], key: str, where: str, col: _Collector) -> str | None:
    val = table.get(key)
    if val is None:
        return None
    if not isinstance(val, str) or not val:
        col.add("bad_type", f"{where}.{key}", f"{key!r} must be non-empty text.", value=val)
        return None
    return val


def _str_map(raw: Any, where: str, col: _Collector) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        col.add("bad_type", where, "must be a table of text labels, e.g. "
                "{ relatives = \"亲属\" }.", value=raw)
        return {}
    return dict(raw)


def _str_list(raw: Any, where: str, col: _Collector) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
        col.add("bad_type", where, "must be a non-empty list of names, e.g. "
                "[\"relatives\", \"friends\", \"villagers\"].", value=raw)
        return ()
    if len(set(raw)) != len(raw):
        col.add("duplicate_name", where, "lists a name more than once.", value=raw)
    return tuple(raw)


def _missing_spec(raw: Any, where: str, col: _Collector) -> dict[Code, str | None]:
    if isinstance(raw, list):
        out: dict[Code, str | None] = {}
        for item in raw:
            code = _as_code(item) if not isinstance(item, str) else None
            if code is None:
                col.add("bad_code", where, f"missing code {item!r} is not a number.", value=item)
            else:
                out[code] = None
        return out
    if isinstance(raw, Mapping):
        # Labels are optional per code here: { 98 = "不知道", -9 = "" } is allowed.
        labelled = _labels({k: v for k, v in raw.items() if v != ""}, where, col) or {}
        out = {}
        for key, lab in raw.items():  # keep the file's order
            code = _as_code(key)
            if code is None:
                if lab == "":
                    col.add("bad_code", where, f"missing code {key!r} is not a number.",
                            value=key)
                continue
            if lab == "" or code in labelled:
                out[code] = labelled.get(code) if lab != "" else None
        return out
    col.add("bad_type", where, "missing codes must be a list such as [98, 99, -9] or a table "
            "such as { 98 = \"不知道\", 99 = \"拒答\" }.", value=raw)
    return {}


def _text_markers(raw: Any, where: str, col: _Collector) -> tuple[str, ...]:
    if (not isinstance(raw, list)
            or not all(isinstance(x, str) and x.strip() for x in raw)):
        col.add("bad_type", where, "missing_text must be a list of text markers such as "
                "[\"不详\", \"-\"] (numbers go in missing = [...]).", value=raw)
        return ()
    return tuple(dict.fromkeys(x.strip() for x in raw))


def _levels_list(raw: Any, where: str, col: _Collector) -> tuple[Scalar, ...] | None:
    ok = (isinstance(raw, list) and raw
          and all((isinstance(x, str) and x.strip()) or (isinstance(x, int)
                  and not isinstance(x, bool)) for x in raw))
    if not ok:
        col.add("bad_type", where, "levels must be a non-empty list of values as the data "
                "writes them, e.g. [\"东山村\", \"西河村\"] or [1, 2].", value=raw)
        return None
    levels = tuple(x.strip() if isinstance(x, str) else x for x in raw)
    if len({str(x) for x in levels}) != len(levels):
        col.add("duplicate_name", where, "lists a level more than once.", value=list(levels))
        return None
    return levels


def match_value(var: Variable, value: Scalar) -> tuple[bool, Scalar]:
    """Resolve a ``treated`` or ``waves`` value against its role column.

    Returns ``(found, value as the analysis data holds it)``: a code or a
    label of a labelled column gives the code (0/1 for a binary); a level of
    a column with ``levels`` gives the level (its 0/1 for a binary).
    """
    if var.values:
        code = _as_code(value) if not isinstance(value, str) or _BARE_NUMBER.match(
            value.strip()) else None
        raw_codes = var.file_codes or ()
        if code is not None and code in raw_codes:
            return True, var.recode[code] if var.recode else code
        for labels in (var.values, var.values_en or {}):
            for an, lab in labels.items():
                if str(value).strip() == lab:
                    return True, an
        return False, value
    if var.levels:
        text = [str(lv) for lv in var.levels]
        if str(value).strip() in text:
            i = text.index(str(value).strip())
            return True, (i if var.type == "binary" else var.levels[i])
        return False, value
    return True, value


_BARE_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def _resolve_design_values(spec: SurveySpec, variables: Mapping[str, Variable],
                           col: _Collector) -> SurveySpec:
    """``treated`` and ``waves`` as codes or levels of their role columns, checked."""
    changes: dict[str, Any] = {}
    for role in ("group", "wave"):
        var = variables.get(getattr(spec, role) or "")
        if var is not None and var.type == "binary" and not var.values and not var.levels:
            col.add("missing_key", f"variable {var.name!r}", f"the {role} column "
                    f"{var.name!r} is a binary without value labels or levels, so which value "
                    "is which is unknown: give values = {...} or levels = [...], or make it a "
                    "category.", value=var.name)
    group = variables.get(spec.group or "")
    if spec.treated is not None and group is not None:
        found, resolved = match_value(group, spec.treated)
        if not found:
            col.add("unknown_treated", "survey.treated",
                    f"treated = {spec.treated!r} is not one of the values of the group column "
                    f"{group.name!r}: " + _value_choices(group, spec.treated), value=spec.treated)
        elif resolved != spec.treated or type(resolved) is not type(spec.treated):
            changes.update(treated=resolved, treated_as_written=spec.treated)
    wave = variables.get(spec.wave or "")
    if spec.waves and wave is not None:
        resolved_waves = []
        for w in spec.waves:
            found, resolved = match_value(wave, w)
            if not found:
                col.add("unknown_wave", "survey.waves",
                        f"wave {w!r} is not one of the values of the wave column "
                        f"{wave.name!r}: " + _value_choices(wave, w), value=w)
            resolved_waves.append(resolved)
        if tuple(resolved_waves) != spec.waves:
            changes.update(waves=tuple(resolved_waves), waves_as_written=spec.waves)
    return replace(spec, **changes) if changes else spec


def _value_choices(var: Variable, value: Any) -> str:
    if var.values:
        choices = [lab for lab in var.values.values()]
        listed = ", ".join(f"{format_code(raw)} = {lab}"
                           for raw, lab in (var.file_values("zh") or {}).items())
    else:
        choices = [str(lv) for lv in var.levels or ()]
        listed = ", ".join(map(repr, choices))
    near = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.0)
    hint = f" The nearest is {near[0]!r}." if near else ""
    return f"it takes {listed} (a code or a label).{hint}"


def _number(raw: Any, where: str, col: _Collector) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        col.add("bad_type", where, "must be a number.", value=raw)
        return None
    return float(raw)


def _responses_to_dict(spec: Mapping[str, Any]) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for key in ("label", "label_en"):
        if spec.get(key):
            d[key] = spec[key]
    d["values"] = {_key(c): lab for c, lab in spec["values"].items()}
    if spec.get("values_en"):
        d["values_en"] = {_key(c): lab for c, lab in spec["values_en"].items()}
    return d


def _build(raw: Mapping[str, Any], source: str | None) -> Codebook:
    col = _Collector(source)
    col.unknown_keys(raw, TOP_KEYS, "")

    # [survey]
    sraw = raw.get("survey")
    if not isinstance(sraw, Mapping):
        col.add("missing_key", "survey", "the codebook needs a [survey] table with at least "
                "id = \"<respondent id column>\".")
        sraw = {}
    col.unknown_keys(sraw, SURVEY_KEYS, "survey")
    sid = _opt_str(sraw, "id", "survey", col)
    if sid is None and "id" not in sraw:
        col.add("missing_key", "survey.id", "[survey] must name the respondent id column: "
                "id = \"resp_id\".")
    waves = sraw.get("waves")
    if waves is not None:
        if (not isinstance(waves, list) or not waves
                or not all(isinstance(w, str | int) and not isinstance(w, bool) for w in waves)):
            col.add("bad_type", "survey.waves", "waves must be a non-empty list such as "
                    "[\"pre\", \"post\"] (the first is the baseline).", value=waves)
            waves = None
        elif len(set(waves)) != len(waves):
            col.add("duplicate_name", "survey.waves", "lists a wave more than once.", value=waves)
        else:
            waves = tuple(waves)
    treated = sraw.get("treated")
    if treated is not None and (isinstance(treated, bool) or not isinstance(treated, str | int)):
        col.add("bad_type", "survey.treated", "treated must be the value (text or number) of "
                "the group column that marks the workshop arm.", value=treated)
        treated = None
    pseudo = sraw.get("pseudonymise_id", False)
    if not isinstance(pseudo, bool):
        col.add("bad_type", "survey.pseudonymise_id", "must be true or false.", value=pseudo)
        pseudo = False
    s_missing_text = (_text_markers(sraw["missing_text"], "survey.missing_text", col)
                      if "missing_text" in sraw else ())
    spec = SurveySpec(
        id=sid or "",
        cluster=_opt_str(sraw, "cluster", "survey", col),
        wave=_opt_str(sraw, "wave", "survey", col),
        waves=tuple(waves) if waves is not None else None,
        group=_opt_str(sraw, "group", "survey", col),
        treated=treated,
        missing=_missing_spec(sraw["missing"], "survey.missing", col) if "missing" in sraw else {},
        title=_opt_str(sraw, "title", "survey", col),
        title_en=_opt_str(sraw, "title_en", "survey", col),
        description=_opt_str(sraw, "description", "survey", col),
        pseudonymise_id=pseudo,
        missing_text=s_missing_text,
    )
    if spec.waves and not spec.wave:
        # waves without a wave column are allowed: one file per wave.
        pass
    if spec.treated is not None and not spec.group:
        col.add("missing_key", "survey.treated", "treated is set but [survey] names no group "
                "column: add group = \"<arm column>\".")

    # [circles]
    circles: tuple[str, ...] = ()
    craw = raw.get("circles")
    c_labels: dict[str, str] = {}
    c_labels_en: dict[str, str] = {}
    if craw is not None:
        if not isinstance(craw, Mapping):
            col.add("bad_type", "circles", "[circles] must be a table with order = [...].")
        else:
            col.unknown_keys(craw, CIRCLES_KEYS, "circles")
            if "order" not in craw:
                col.add("missing_key", "circles.order", "[circles] needs order = [nearest, ..., "
                        "farthest], e.g. [\"relatives\", \"friends\", \"villagers\"].")
            else:
                circles = _str_list(craw["order"], "circles.order", col)
            c_labels = _str_map(craw.get("labels"), "circles.labels", col)
            c_labels_en = _str_map(craw.get("labels_en"), "circles.labels_en", col)
            for where, labs in (("circles.labels", c_labels), ("circles.labels_en", c_labels_en)):
                for key in labs:
                    if circles and key not in circles:
                        col.add("unknown_circle", where, f"label given for circle {key!r}, which "
                                f"is not in circles.order {list(circles)}.", value=key)

    # [services]
    services: tuple[str, ...] = ()
    s_labels: dict[str, str] = {}
    s_labels_en: dict[str, str] = {}
    svraw = raw.get("services")
    if svraw is not None:
        if not isinstance(svraw, Mapping):
            col.add("bad_type", "services", "[services] must be a table with order = [...].")
        else:
            col.unknown_keys(svraw, SERVICES_KEYS, "services")
            if "order" in svraw:
                services = _str_list(svraw["order"], "services.order", col)
            s_labels = _str_map(svraw.get("labels"), "services.labels", col)
            s_labels_en = _str_map(svraw.get("labels_en"), "services.labels_en", col)
            if not services:
                services = tuple(dict.fromkeys([*s_labels, *s_labels_en]))

    # [scales.NAME]
    scales: dict[str, dict[str, str]] = {}
    scraw = raw.get("scales", {})
    if not isinstance(scraw, Mapping):
        col.add("bad_type", "scales", "[scales.NAME] tables describe multi-item scales.")
        scraw = {}
    for name, sc in scraw.items():
        if not isinstance(sc, Mapping):
            col.add("bad_type", f"scales.{name}", "must be a table (label, label_en).")
            continue
        col.unknown_keys(sc, SCALE_KEYS, f"scales.{name}")
        scales[name] = {k: str(v) for k, v in sc.items() if k in SCALE_KEYS}

    # [responses.NAME]
    responses: dict[str, dict[str, Any]] = {}
    rraw = raw.get("responses", {})
    if not isinstance(rraw, Mapping):
        col.add("bad_type", "responses", "[responses.NAME] tables define reusable response "
                "scales.")
        rraw = {}
    for name, rs in rraw.items():
        where = f"responses.{name}"
        if not isinstance(rs, Mapping):
            col.add("bad_type", where, "must be a table with values = { 1 = \"...\", ... }.")
            continue
        col.unknown_keys(rs, RESPONSES_KEYS, where)
        if "values" not in rs:
            col.add("missing_key", f"{where}.values", "a response scale needs values = "
                    "{ 1 = \"...\", ... }.")
            continue
        vals = _labels(rs["values"], f"{where}.values", col) or {}
        entry: dict[str, Any] = {"values": vals}
        if "values_en" in rs:
            entry["values_en"] = _labels(rs["values_en"], f"{where}.values_en", col) or {}
            _check_en_codes(entry["values_en"], vals, f"{where}.values_en", col)
        for key in ("label", "label_en"):
            if key in rs:
                entry[key] = _opt_str(rs, key, where, col)
        responses[name] = entry

    # [[variable]]
    variables: dict[str, Variable] = {}
    vraw = raw.get("variable")
    if vraw is None:
        col.add("missing_key", "variable", "the codebook describes no variables: add one "
                "[[variable]] table per column.")
        vraw = []
    elif not isinstance(vraw, list):
        col.add("bad_type", "variable", "variables are written as [[variable]] tables "
                "(an array of tables), one per column.")
        vraw = []
    for i, v in enumerate(vraw, 1):
        var = _build_variable(v, i, spec, circles, services, scales, responses, col)
        if var is None:
            continue
        if var.name in variables:
            col.add("duplicate_variable", f"variable {var.name!r}", f"variable {var.name!r} is "
                    f"described more than once (entry {i}); each column needs exactly one "
                    "[[variable]].", value=var.name)
            continue
        variables[var.name] = var

    # roles must be variables
    for role in ("id", "cluster", "wave", "group"):
        colname = getattr(spec, role)
        if colname and colname not in variables:
            col.add("role_not_a_variable", f"survey.{role}", f"[survey] {role} = {colname!r}, "
                    "but no [[variable]] has that name: "
                    + _unknown_name_message("variable", colname, variables), value=colname)
    if spec.id and spec.id in variables and variables[spec.id].pii and not spec.pseudonymise_id:
        col.add("pii_id", f"variable {spec.id!r}", "the respondent id column is marked pii; "
                "set pseudonymise_id = true in [survey] so that respondents stay linkable "
                "through a keyed pseudonym instead.", value=spec.id)
    for role in ("cluster", "wave", "group"):
        colname = getattr(spec, role)
        if colname and colname in variables and variables[colname].pii:
            col.add("pii_role", f"variable {colname!r}", f"the {role} column cannot be personal "
                    "data (pii = true): the analysis needs it.", value=colname)
    # A declared circle without items: the gradient is defined over the whole ripple,
    # and dropping a circle would silently make non-adjacent circles look adjacent.
    # Circles without any item at all stay allowed (a draft, a file of another wave).
    asked = {v.circle for v in variables.values() if v.circle in circles}
    empty = [c for c in circles if c not in asked]
    if asked and empty:
        col.add("empty_circle", "circles.order",
                f"[circles].order lists {', '.join(map(repr, empty))}, but no [[variable]] has "
                f"circle = {empty[0]!r}: the willingness gradient needs an item for every "
                f"circle. Circles with items: {', '.join(repr(c) for c in circles if c in asked)}."
                " Set circle = ... on its items, or remove it from [circles].order.",
                value=empty)
    spec = _resolve_design_values(spec, variables, col)

    if col.problems:
        raise CodebookError(col.problems, source=col.file)
    return Codebook(
        survey=spec,
        variables=variables,
        circles=circles,
        circle_labels=c_labels,
        circle_labels_en=c_labels_en,
        services=services,
        service_labels=s_labels,
        service_labels_en=s_labels_en,
        scales=scales,
        responses=responses,
        source=source,
    )


def _check_en_codes(en: Mapping[Code, str], zh: Mapping[Code, str] | None, where: str,
                    col: _Collector) -> None:
    extra = [c for c in en if zh is None or c not in zh]
    if extra:
        col.add("unknown_code", where, f"English labels for codes {[format_code(c) for c in extra]} "
                "that have no label in values.", value=extra)


def _build_variable(
    v: Any,
    i: int,
    spec: SurveySpec,
    circles: tuple[str, ...],
    services: tuple[str, ...],
    scales: Mapping[str, Any],
    responses: Mapping[str, dict[str, Any]],
    col: _Collector,
) -> Variable | None:
    if not isinstance(v, Mapping):
        col.add("bad_type", f"variable #{i}", "each [[variable]] must be a table.")
        return None
    name = v.get("name")
    if not isinstance(name, str) or not name.strip():
        col.add("missing_key", f"variable #{i}.name", f"[[variable]] number {i} has no name; "
                "name is the column name in the data file.", value=name)
        return None
    where = f"variable {name!r}"
    col.unknown_keys(v, VARIABLE_KEYS, where)
    vtype = v.get("type")
    if vtype not in VARIABLE_TYPES:
        near = difflib.get_close_matches(str(vtype), VARIABLE_TYPES, n=1, cutoff=0.5)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        col.add("bad_type" if vtype is not None else "missing_key", f"{where}.type",
                f"type must be one of {', '.join(VARIABLE_TYPES)}; got {vtype!r}.{hint}",
                value=vtype)
        vtype = "text"
    values: dict[Code, str] | None = None
    values_en: dict[Code, str] | None = None
    resp_name = v.get("responses")
    if resp_name is not None:
        if "values" in v:
            col.add("conflicting_keys", where, "give either responses = \"<scale>\" or inline "
                    "values = {...}, not both.")
        if not isinstance(resp_name, str) or resp_name not in responses:
            col.add("unknown_responses", f"{where}.responses",
                    _unknown_name_message("response scale", resp_name, responses)
                    + " Define it as [responses.NAME] with values = {...}.", value=resp_name)
            resp_name = None
        else:
            values = dict(responses[resp_name]["values"])
            if responses[resp_name].get("values_en"):
                values_en = dict(responses[resp_name]["values_en"])
            if "values_en" in v:
                col.add("conflicting_keys", where, "values_en comes from the response scale; "
                        "do not repeat it on the variable.")
    elif "values" in v:
        values = _labels(v["values"], f"{where}.values", col)
    if resp_name is None and "values_en" in v:
        values_en = _labels(v["values_en"], f"{where}.values_en", col)
        if values_en is not None:
            _check_en_codes(values_en, values, f"{where}.values_en", col)

    vmin = _number(v.get("min"), f"{where}.min", col)
    vmax = _number(v.get("max"), f"{where}.max", col)
    if vmin is not None and vmax is not None and vmin > vmax:
        col.add("bad_range", where, f"min ({vmin:g}) is greater than max ({vmax:g}).")
    if vtype in TEXT_TYPES:
        for key in ("values", "responses", "min", "max"):
            if key in v:
                col.add("not_for_type", f"{where}.{key}", f"{key!r} does not apply to a "
                        f"{vtype} variable.")
    if (vtype == "ordinal" and not values and (vmin is None or vmax is None)
            and "responses" not in v):
        col.add("missing_key", where, "an ordinal variable needs value labels (values = {...} "
                "or responses = \"<scale>\") or both min and max.")
    levels = None
    if "levels" in v:
        levels = _levels_list(v["levels"], f"{where}.levels", col)
        if vtype not in ("category", "binary"):
            col.add("not_for_type", f"{where}.levels", "levels orders the values of a "
                    f"category or a binary; a {vtype} variable takes none.")
            levels = None
        elif vtype == "category" and values and levels is not None:
            col.add("conflicting_keys", f"{where}.levels", "a category with value labels "
                    "takes its levels from them; give either values = {...} or levels = [...].")
            levels = None
        elif vtype == "binary" and levels is not None and len(levels) != 2:
            col.add("bad_value_labels", f"{where}.levels", f"a binary has exactly two levels "
                    f"(the second is \"yes\", coded 1); {len(levels)} are listed.",
                    value=list(levels))
            levels = None
    recode = None
    if vtype == "binary" and values and len(values) != 2:
        col.add("bad_value_labels", f"{where}.values", f"a binary variable has exactly two "
                f"codes; {len(values)} are labelled.")
    elif vtype == "binary" and values:
        order = sorted(values)
        if levels is not None:
            order = []
            for lv in levels:
                code = next((c for c, lab in [*values.items(), *(values_en or {}).items()]
                             if lab == str(lv)), None)
                if code is None and not isinstance(lv, str) and lv in values:
                    code = lv
                if code is None:
                    col.add("bad_value_labels", f"{where}.levels", f"level {lv!r} is neither "
                            "a code nor a label of values; list the two codes or labels, "
                            "the \"no\" (0) one first.", value=lv)
                else:
                    order.append(code)
            if len(set(order)) != 2 or len(order) != 2:
                order = sorted(values)
        recode = {order[0]: 0, order[1]: 1}
        if recode == {0: 0, 1: 1}:
            recode = None
        else:
            values = {recode[c]: lab for c, lab in values.items()}
            if values_en is not None:
                values_en = {recode[c]: lab for c, lab in values_en.items() if c in recode}

    missing = None
    if "missing" in v:
        mspec = _missing_spec(v["missing"], f"{where}.missing", col)
        missing = tuple(mspec)
    missing_text = None
    if "missing_text" in v:
        missing_text = _text_markers(v["missing_text"], f"{where}.missing_text", col)
        if vtype in TEXT_TYPES:
            col.add("not_for_type", f"{where}.missing_text", f"a {vtype} variable keeps "
                    "text as written; missing_text applies to numeric and coded variables.")
    circle = v.get("circle")
    if circle is not None:
        if not circles:
            col.add("unknown_circle", f"{where}.circle", f"circle {circle!r} is set, but the "
                    "codebook has no [circles] table with order = [...].", value=circle)
        elif circle not in circles:
            col.add("unknown_circle", f"{where}.circle",
                    _unknown_name_message("circle", circle, circles)
                    + " Add it to [circles].order or correct the name.", value=circle)
        if vtype not in ("ordinal", "integer", "number", "binary"):
            col.add("not_for_type", f"{where}.circle", "a willingness item (circle = ...) must "
                    "be ordinal, integer, number or binary.")
    service = v.get("service")
    if service is not None:
        if not isinstance(service, str) or not service:
            col.add("bad_type", f"{where}.service", "service must be a name.", value=service)
            service = None
        elif services and service not in services:
            col.add("unknown_service", f"{where}.service",
                    _unknown_name_message("service", service, services)
                    + " Add it to [services].order or correct the name.", value=service)
        if circle is None:
            col.add("missing_key", f"{where}.service", "service marks a willingness item and "
                    "needs circle = \"...\" too.")
    scale = v.get("scale")
    if scale is not None and (not isinstance(scale, str) or not scale):
        col.add("bad_type", f"{where}.scale", "scale must be a name.", value=scale)
        scale = None
    if scale is not None and vtype not in ("ordinal", "integer", "number", "binary"):
        col.add("not_for_type", f"{where}.scale", "a scale item must be ordinal, integer, "
                "number or binary.")
    if scales and scale is not None and scale not in scales:
        col.add("unknown_scale", f"{where}.scale", _unknown_name_message("scale", scale, scales)
                + " Add a [scales.NAME] table or correct the name.", value=scale)
    reverse = v.get("reverse", False)
    if not isinstance(reverse, bool):
        col.add("bad_type", f"{where}.reverse", "reverse must be true or false.", value=reverse)
        reverse = False
    if reverse and scale is None:
        col.add("missing_key", f"{where}.reverse", "reverse = true applies to a scale item; "
                "set scale = \"<name>\" too.")
    if reverse and not values and (vmin is None or vmax is None):
        col.add("missing_key", f"{where}.reverse", "a reverse-keyed item needs its response "
                "range: value labels or min and max.")
    pii = v.get("pii", False)
    if not isinstance(pii, bool):
        col.add("bad_type", f"{where}.pii", "pii must be true or false.", value=pii)
        pii = False
    if pii and (circle or scale):
        col.add("pii_item", where, "an analysed item (circle or scale) cannot be personal data.")
    return Variable(
        name=name,
        type=cast(VariableType, vtype),  # one of VARIABLE_TYPES, checked above
        label=_opt_str(v, "label", where, col),
        label_en=_opt_str(v, "label_en", where, col),
        values=values,
        values_en=values_en,
        responses=resp_name,
        missing=missing,
        min=vmin,
        max=vmax,
        circle=circle if isinstance(circle, str) else None,
        service=service,
        scale=scale,
        reverse=reverse,
        pii=pii,
        levels=levels,
        missing_text=missing_text,
        recode=recode,
    )


# --------------------------------------------------------------------------- TOML writer


def format_code(code: Code) -> str:
    """A code as the codebook writes it: ``2`` for 2.0, ``2.5`` for 2.5."""
    return str(int(code)) if float(code).is_integer() else repr(float(code))


def _key(code: Code | str) -> str:
    return code if isinstance(code, str) else format_code(code)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(val: Any) -> str:
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, int):
        return str(val)
    if isinstance(val, float):
        if not math.isfinite(val):
            raise ValueError(f"cannot write {val!r} to TOML")
        return repr(val)
    if isinstance(val, str):
        # A JSON string with ensure_ascii=False is a valid TOML basic string.
        return json.dumps(val, ensure_ascii=False)
    if isinstance(val, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in val) + "]"
    if isinstance(val, Mapping):
        if not val:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {_toml_value(x)}"
                                for k, x in val.items()) + " }"
    raise TypeError(f"cannot write {type(val).__name__} to TOML")


def _dump_toml(doc: Mapping[str, Any]) -> str:
    """Write the codebook structure: scalar tables as [tables], variables as [[variable]]."""
    out: list[str] = []
    for section in ("survey", "circles", "services"):
        if section in doc:
            out.append(f"[{section}]")
            out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc[section].items())
            out.append("")
    for section in ("scales", "responses"):
        for name, table in doc.get(section, {}).items():
            out.append(f"[{section}.{_toml_key(name)}]")
            out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items())
            out.append("")
    for var in doc.get("variable", []):
        out.append("[[variable]]")
        out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in var.items())
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

