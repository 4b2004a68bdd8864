"""Draft a codebook from a data file or from a spreadsheet codebook.

:func:`draft_codebook` turns what a file already says about a survey into a
:class:`~mutualaid_analysis.data.codebook.Codebook`, to be checked by a person
and written with :meth:`Codebook.to_toml`:

* an SPSS ``.sav`` or Stata ``.dta`` data file: its variable labels, value
  labels, SPSS user-missing codes and measure levels;
* a plain data export (``.csv`` or ``.xlsx``, one row per respondent): the
  answers themselves, whose text becomes value labels (recognised Likert
  wordings as ordinal scales in their order), and the header words (roles,
  social circles, services);
* a spreadsheet codebook (``.csv`` or ``.xlsx``): one row per variable, in the
  documented columns (see :func:`draft_codebook`).

A plain export is first turned into what a labelled file holds (codes, value
labels, missing codes, measure levels); from there both take the same path.

Everything the drafter had to *guess* (the respondent id and village columns,
the type of a labelled variable, which labels are missing codes, personal
data, the name of a shared response scale, ...) is listed in one
:class:`CodebookDraftWarning`; nothing is guessed silently.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import CodebookDraftWarning, CodebookError, UsageError
from ..problems import Problem
from .codebook import DEFAULT_MISSING_TEXT, SURVEY_KEYS, VARIABLE_TYPES, Codebook

__all__ = [
    "CIRCLE_WORDS",
    "LIKERT_SCALES",
    "SERVICE_WORDS",
    "SPREADSHEET_COLUMNS",
    "SUPPORTED_EXTENSIONS",
    "CodebookDraftWarning",
    "draft_codebook",
    "draft_kind",
]

Code = int | float

#: Extensions :func:`draft_codebook` accepts, by kind of source.
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".sav": "labelled data file",
    ".zsav": "labelled data file",
    ".dta": "labelled data file",
    ".csv": "data export or spreadsheet codebook",
    ".tsv": "data export or spreadsheet codebook",
    ".xlsx": "data export or spreadsheet codebook",
    ".xlsm": "data export or spreadsheet codebook",
}

#: The columns of a spreadsheet codebook (``name`` and ``type`` are required).
SPREADSHEET_COLUMNS: tuple[str, ...] = (
    "name", "type", "label", "label_en", "values", "values_en", "responses", "circle",
    "service", "scale", "reverse", "pii", "min", "max", "missing", "role",
)  # fmt: skip

# Chinese (and a few English) spellings of the spreadsheet headers.
_HEADER_ALIASES = {
    "变量名": "name", "变量": "name", "variable": "name",
    "类型": "type", "变量类型": "type",
    "标签": "label", "变量标签": "label", "题目": "label",
    "英文标签": "label_en",
    "值标签": "values", "取值": "values", "选项": "values",
    "英文值标签": "values_en",
    "回答量表": "responses",
    "圈层": "circle", "社会圈层": "circle",
    "服务": "service", "量表": "scale",
    "反向": "reverse", "反向计分": "reverse",
    "个人信息": "pii", "隐私": "pii",
    "最小值": "min", "最大值": "max",
    "缺失值": "missing", "缺失": "missing",
    "角色": "role",
}  # fmt: skip

_TYPE_ALIASES = {
    "有序": "ordinal", "定序": "ordinal", "整数": "integer", "数值": "number",
    "连续": "number", "二分类": "binary", "二分": "binary", "分类": "category",
    "定类": "category", "文本": "text", "编号": "id",
}  # fmt: skip

_ROLE_ALIASES = {
    "id": "id", "编号": "id", "cluster": "cluster", "village": "cluster", "村": "cluster",
    "村庄": "cluster", "wave": "wave", "轮次": "wave", "group": "group", "arm": "group",
    "分组": "group", "组别": "group",
}  # fmt: skip

_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "对", "真"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", "错", "假"})
_NONE_WORDS = frozenset({"none", "无", "[]", "-"})

# Column names that suggest a role (compared after lower-casing).
_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "id": (
        "resp_id", "respondent_id", "respid", "respondent", "id", "rid", "caseid", "case_id",
        "qid", "questionnaire_id", "编号", "问卷编号", "受访者编号", "个人编号", "样本编号",
    ),
    "cluster": (
        "village", "village_id", "villageid", "village_code", "village_name", "vill", "cun",
        "cluster", "村", "村庄", "村名", "所在村", "所在村庄", "村庄名称", "村编号", "村庄编号",
        "行政村",
    ),
    "wave": (
        "wave", "waves", "round", "survey_wave", "轮次", "调查轮次", "波次", "调查波次", "期次",
        "测量时点", "调查阶段",
    ),
    "group": (
        "arm", "group", "treat", "treatment", "treated", "condition", "组别", "分组", "干预组",
    ),
}  # fmt: skip

_TREATED_LABEL = re.compile(r"工作坊|干预|实验|处理|treat|workshop|intervention", re.I)
_MISSING_LABEL = re.compile(
    r"不知道|不清楚|说不清|拒答|拒绝|不适用|无法回答|缺失|跳过|未回答|"
    r"don'?t know|refus|not applicable|\bn/?a\b|missing|skip",
    re.I,
)


# --------------------------------------------------------------------------- entry point


def draft_codebook(
    path: str | os.PathLike[str],
    *,
    id: str | None = None,
    cluster: str | None = None,
    wave: str | None = None,
    waves: Sequence[str | int] | None = None,
    group: str | None = None,
    treated: str | int | None = None,
    missing: Sequence[Code] | Mapping[Code, str] | None = None,
    circles: Sequence[str] | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    kind: str | None = None,
) -> Codebook:
    """Draft a codebook from a data file (labelled or a plain export) or a spreadsheet codebook.

    Parameters
    ----------
    path : str or path-like
        An SPSS ``.sav``/``.zsav`` or Stata ``.dta`` data file, or a
        ``.csv``/``.tsv``/``.xlsx``/``.xlsm`` file holding either a data export
        or a spreadsheet codebook (told apart by its header, see ``kind``).
    id, cluster, wave, group : str, optional
        The respondent id, village, wave and arm columns.  Without them they
        are looked for (data files: by column name or variable label, see
        Notes; spreadsheets: the ``role`` column).  For a spreadsheet, an
        argument overrides the ``role`` column and the ``survey`` sheet.
    waves : sequence of str or int, optional
        The wave order, baseline first.
    treated : str or int, optional
        The value of the ``group`` column that marks the workshop arm.  For a
        coded group column a value label (``"工作坊"``) is turned into its
        code, and a number written as text (``"1"``) into the number.
    missing : sequence of codes or mapping code -> label, optional
        The survey-wide missing codes (``[98, 99]`` or ``{98: "不知道"}``);
        by default they are drafted from the file (see Notes).
    circles : sequence of str, optional
        The social circles, nearest first.  For a spreadsheet without this
        argument (and without a ``survey`` sheet giving them), the order of
        first appearance in the ``circle`` column is used, and noted.
    sheet : str or int, optional
        ``.xlsx`` only: the sheet with the variables (default: the first sheet
        not named ``survey`` or ``responses``).
    encoding : str, optional
        ``.csv`` only: the text encoding (default: detected, UTF-8 or GB18030).
    kind : {"data", "codebook"}, optional
        What a ``.csv``/``.xlsx`` file holds.  By default a header with a
        ``name`` column and a ``type`` column (or mostly codebook columns) is a
        spreadsheet codebook, any other header a data export; the assumption is
        noted (for a codebook only when its header has no ``type`` column).

    Returns
    -------
    Codebook
        A validated codebook; write it with :meth:`Codebook.to_toml`.  Its
        ``source`` is ``path``.

    Raises
    ------
    UsageError
        For an unsupported file type, a role column that does not exist, a
        data file whose respondent id column cannot be found (pass ``id=``), or
        an export without data rows.
    CodebookError
        For a spreadsheet codebook with mistakes: every one is listed, with
        its row (``line``, the header being row 1) and column.
    DataFileError
        If the file cannot be read.

    Warns
    -----
    CodebookDraftWarning
        Once, listing every guess made (its ``notes`` attribute has them as a
        list), when there was any.  Catch it with :func:`warnings.catch_warnings`
        (``record=True``) to see the guesses programmatically; the
        ``mutualaid draft-codebook`` command prints them.

    Notes
    -----
    **Data files (.sav, .dta).**  One ``[[variable]]`` per column, in file
    order.  The variable label becomes ``label`` (``label_en`` is left unset).
    The type is inferred as follows, after the missing codes have been taken
    out of the value labels:

    * the respondent id column -> ``"id"``; a text column -> ``"text"``;
    * numeric with value labels: exactly two codes ``{0, 1}`` -> ``"binary"``;
      SPSS measure *nominal* (or the village, wave or arm column) ->
      ``"category"``; SPSS measure *ordinal* -> ``"ordinal"``; otherwise two
      codes -> ``"category"``, three or more consecutive whole codes ->
      ``"ordinal"``, other codes -> ``"category"``.  When the data hold whole
      values without a label (a scale labelled only at its ends), the type is
      ``"integer"`` and the labels are kept;
    * numeric without value labels: all whole -> ``"integer"``, else
      ``"number"``.

    Types inferred from codes alone (not from an SPSS measure level) are
    noted.  Value labels become inline ``values``; a label set shared by two
    or more variables (the 1-5 willingness scale) becomes a
    ``[responses.NAME]`` table that they reference, named after the
    variables' common name prefix (``will_rel_care``, ``will_fri_care`` ->
    ``"will"``) or else after its shape (``"scale5_1"``: five codes from 1).

    *Missing codes*: SPSS user-missing values, and value labels that read
    like a missing answer (不知道, 拒答, 不适用, don't know, refused, ...) on a
    code set apart from the answer scale (negative, or at least two above or
    below the other codes; noted), are taken out of ``values``.  The set of
    missing codes (with their labels) shared by most variables, if at least
    two share it, becomes the survey-wide ``missing`` table (a list when not
    every code has a label), unless ``missing=`` is given; a variable
    whose own set differs gets a ``missing = [...]`` list, and a numeric
    variable without missing codes whose values or labels span a survey-wide
    code (an age of 98) gets ``missing = []``, both noted.  SPSS missing
    *ranges* are written as the codes they cover that are labelled or occur
    in the data (small whole ranges in full).

    *Roles*: the id column is the ``id=`` argument, else the first column
    whose name or label is one of resp_id, respondent_id, respondent, id,
    caseid, 编号, 问卷编号, 受访者编号, ... and whose values are unique (within
    a wave, when there is a wave column); without one, :class:`UsageError`.
    The village (village, cluster, 村, 村庄, 村名, ...), wave (wave, round, 轮次,
    ...) and arm (arm, group, treatment, 组别, 分组, ...) columns are found the
    same way.  ``waves`` are guessed from the wave column (its labelled codes,
    else its values in order) and ``treated`` from an arm label such as
    工作坊 / 干预 / workshop.

    *Personal data*: a column whose name or label suggests names, phone
    numbers, resident ID numbers, addresses, WeChat/QQ, e-mail or IP
    addresses (see :func:`~mutualaid_analysis.data.privacy.personal_column_name`)
    or whose content holds phone or ID numbers, e-mail or IP addresses gets
    ``pii = true``; role columns never do.

    **Plain data exports (.csv, .xlsx).**  Header in row 1, one row per
    respondent (and wave); the header texts, Chinese or not, become the
    variable names (a codebook ``name`` is the column header), with a
    non-ASCII header also kept as ``label``.  Cells are compared after NFKC
    normalisation and stripping.  Roles are found by header as for data
    files (编号, 村名, 组别, 调查波次, ...), a wave column also by its values
    (前测/后测, pre/post, baseline, ...), whose names also give the wave order.
    Each column's type:

    * answers that all belong to one wording of a known Likert scale (愿意,
      同意, 满意, 符合, 健康 and self-efficacy 正确 scales, frequency; English
      willing, agree, satisfied, health, ...; see :data:`LIKERT_SCALES`) ->
      ``"ordinal"`` with that wording's labels coded 1 (lowest) upwards.
      Columns sharing a scale share one wording and one ``[responses.NAME]``
      table named after the scale (``willing5``); answers that fit several
      scales take the one their header names (满意 -> ``satisfied5``);
    * two-answer wordings (否/是, 没有/有, 男/女, no/yes, male/female) ->
      ``"binary"`` coded 0/1;
    * whole numbers -> ``"integer"`` (``"ordinal"`` with ``min = 1`` and
      ``max = k`` when the header names a scale and the numbers are 1..k),
      other numbers -> ``"number"``; numbers written with leading zeros
      (0101) -> ``"text"``;
    * the village column and other few repeated answers -> ``"category"``,
      coded in order of first appearance with the answers as value labels
      (so that the file reads as written); free-text headers (备注, 说明,
      remark, ...) and everything else -> ``"text"``.

    *Missing codes*: without ``missing=``, codes among 97-99, 997-999 and
    -1, -7, -8, -9, -98, -99 that stand apart from a coded column's answers
    (negative, or at least two above the largest), and answer text such as
    不知道 (98), 拒答 (99) and 不适用 (-9), make the survey-wide ``missing``
    table, labelled by the text found or the conventional label.  A numeric
    column whose answers span a code (hours 0-120 and a 98) gets
    ``missing = []``.  Cells written ``NA``, ``.``, ``.a``-``.z``, ``#N/A``
    or ``NaN`` are empty answers, as every codebook reads them
    (:data:`~mutualaid_analysis.data.codebook.DEFAULT_MISSING_TEXT`); they
    need no missing code.

    *Circles and services* are suggested from header words (亲属, 家人, 朋友,
    邻居, 村民, ... and 生活照料, 照料, 精神慰藉, 聊天, 家务, ...; see
    :data:`CIRCLE_WORDS`, :data:`SERVICE_WORDS`) for numeric columns whose
    header names one circle and a service or a willingness word (愿意, 帮,
    提供, willing, help, ...); circles are ordered nearest first.

    Ids with leading zeros beside shorter ids (0101 and 101) are noted: the
    zeros may have been lost.

    **Spreadsheet codebooks (.csv, .xlsx).**  Header in row 1, one row per
    variable, in these columns (any order; case and spaces ignored; Chinese
    headers such as 变量名, 类型, 标签, 值标签 are accepted too):

    ``name`` (required)
        The column name in the data file.
    ``type`` (required)
        ordinal, integer, number, binary, category, text or id (also 有序,
        整数, 数值, 二分类, 分类, 文本, 编号).
    ``label``, ``label_en``
        The question, in Chinese and English.
    ``values``, ``values_en``
        Value labels, ``1=非常不愿意; 2=不太愿意; 3=一般``: pairs ``CODE=LABEL``
        or ``CODE:LABEL`` separated by ``;``, ``；``, line breaks, or commas
        before a code.
    ``responses``
        The name of a shared response scale: the first row naming it with
        ``values`` defines it, later rows may leave ``values`` empty.
        (``.xlsx``: a ``responses`` sheet with columns ``name``, ``values``,
        ``values_en``, ``label``, ``label_en`` may define them instead.)
    ``circle``, ``service``, ``scale``
        The social circle and service of a willingness item; the multi-item
        scale of an item.
    ``reverse``, ``pii``
        true/false, 1/0, yes/no or 是/否; empty means false.
    ``min``, ``max``
        The allowed range.
    ``missing``
        The variable's own missing codes, ``98; 99``; ``none`` (or 无) for no
        missing codes at all; empty for the survey default.
    ``role``
        id, cluster, wave or group: that column's role in ``[survey]``.

    ``[survey]`` and ``[circles]`` come from the keyword arguments and, in an
    ``.xlsx`` file, from an optional sheet named ``survey`` with columns
    ``key`` and ``value``: keys are those of ``[survey]`` (``waves`` and
    ``missing`` written like ``pre; post`` and ``98=不知道; 99=拒答``) plus
    ``circles`` (the order, ``relatives; friends; villagers``),
    ``circle_labels`` and ``circle_labels_en`` (``relatives=亲属; ...``).
    Identical inline value labels on several rows are factored into a
    ``[responses.NAME]`` table, as for data files.  Blank rows are skipped.

    Examples
    --------
    >>> import warnings
    >>> import mutualaid_analysis as ma
    >>> with warnings.catch_warnings(record=True) as caught:  # doctest: +SKIP
    ...     warnings.simplefilter("always")
    ...     cb = ma.draft_codebook("survey.sav", cluster="village")
    >>> print(caught[0].message)  # doctest: +SKIP
    >>> cb.to_toml("codebook.toml")  # doctest: +SKIP
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        hint = " Save an old .xls workbook as .xlsx first." if ext == ".xls" else ""
        listed = ", ".join(f"{e} ({k})" for e, k in SUPPORTED_EXTENSIONS.items())
        raise UsageError(
            f"{p}: cannot draft a codebook from a {ext or 'file without extension'!r} file; "
            f"supported: {listed}.{hint}"
        )
    if kind not in (None, "data", "codebook"):
        raise UsageError(f"kind= must be 'data' or 'codebook', got {kind!r}.")
    args = _Args(id, cluster, wave, waves, group, treated, missing, circles)
    notes: list[str] = []
    if SUPPORTED_EXTENSIONS[ext] == "labelled data file":
        if kind == "codebook":
            raise UsageError(f"{p.name} is a {ext} data file, not a spreadsheet codebook.")
        codebook = _from_data_file(p, args, notes)
    else:
        if sheet is not None and ext not in (".xlsx", ".xlsm"):
            raise UsageError("sheet= applies to .xlsx spreadsheets only.")
        header, data_sheet = _table_header(p, sheet, encoding)
        shape = kind or ("codebook" if _looks_like_codebook(header) else "data")
        if shape == "codebook":
            if kind is None and "type" not in {_norm_header(h) for h in header}:
                notes.append(
                    f"{p.name} read as a spreadsheet codebook (its header has a name column "
                    "and mostly codebook columns); pass kind='data' if it holds the data."
                )
            codebook = _from_spreadsheet(p, args, sheet, encoding, notes)
        else:
            if kind is None:
                notes.append(
                    f"{p.name} read as a data export (one row per respondent): its header "
                    "has no name and type columns of a spreadsheet codebook; pass "
                    "kind='codebook' if it is one."
                )
            codebook = _from_plain_data(p, args, data_sheet, encoding, header, notes)
    notes = list(dict.fromkeys(notes))
    if notes:
        n = len(notes)
        message = (
            f"Drafted a codebook from {p.name} with {n} guess{'es' * (n != 1)} to check:\n"
            + "\n".join(f"  - {note}" for note in notes)
        )
        warnings.warn(CodebookDraftWarning(message, notes), stacklevel=2)
    return codebook


class _Args:
    """The keyword arguments that shape ``[survey]``."""

    def __init__(
        self, id_: Any, cluster: Any, wave: Any, waves: Any, group: Any, treated: Any,
        missing: Any, circles: Any,
    ) -> None:  # arguments as the caller gave them; checked below
        self.roles: dict[str, str | None] = {
            "id": id_, "cluster": cluster, "wave": wave, "group": group,
        }  # fmt: skip
        for role, col in self.roles.items():
            if col is not None and (not isinstance(col, str) or not col):
                raise UsageError(f"{role}= must be a column name, got {col!r}.")
        if waves is not None:
            if isinstance(waves, str) or not all(
                isinstance(w, str | int) and not isinstance(w, bool) for w in waves
            ):
                raise UsageError(f"waves= must be a list such as ['pre', 'post'], got {waves!r}.")
            waves = list(waves)
        self.waves = waves
        if treated is not None and (
            isinstance(treated, bool) or not isinstance(treated, str | int)
        ):
            raise UsageError(f"treated= must be a text or whole-number value, got {treated!r}.")
        self.treated = treated
        self.missing = _missing_arg(missing)
        if circles is not None:
            if isinstance(circles, str) or not all(isinstance(c, str) and c for c in circles):
                raise UsageError(
                    f"circles= must be a list of names, nearest first, got {circles!r}."
                )
            circles = list(circles)
        self.circles = circles


def _missing_arg(missing: Any) -> dict[Code, str | None] | None:
    if missing is None:
        return None
    bad = UsageError(
        "missing= must be a list of numeric codes such as [98, 99] or a mapping such as "
        f"{{98: '不知道', 99: '拒答'}}, got {missing!r}."
    )
    if isinstance(missing, Mapping):
        items = list(missing.items())
    elif isinstance(missing, str | bytes) or not isinstance(missing, Iterable):
        raise bad
    else:
        items = [(c, None) for c in missing]
    out: dict[Code, str | None] = {}
    for code, lab in items:
        num = _num(code)
        if num is None or (lab is not None and not isinstance(lab, str)):
            raise bad
        out[num] = lab or None
    return out


# --------------------------------------------------------------------------- shared helpers


def _num(value: Any) -> Code | None:
    """A number (int where whole) from a number or numeric text, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        try:
            f = float(text)
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(f):
        return None
    return int(f) if f.is_integer() else f


def _fmt(code: Code) -> str:
    return str(int(code)) if float(code).is_integer() else repr(float(code))


def _name_key(code: Code) -> str:
    return _fmt(code).replace("-", "m").replace(".", "_")


def _responses_name(names: Sequence[str], values: Mapping[Code, str], taken: set[str]) -> str:
    """A name for a shared label set: the variables' common prefix, else its shape."""
    prefix = os.path.commonprefix([n.lower() for n in names]) if len(names) > 1 else ""
    if prefix and not all(n.lower() == prefix for n in names):
        seps = [prefix.rfind(s) for s in "_-."]
        cut = max(seps)
        if cut > 0:
            prefix = prefix[:cut]
        prefix = prefix.rstrip("0123456789_-.")
    candidates = []
    if len(prefix) >= 2 and re.fullmatch(r"[a-z][a-z0-9_-]*", prefix):
        candidates.append(prefix)
    codes = [c for c in (_num(k) for k in values) if c is not None]
    candidates.append(f"scale{len(codes)}_{_name_key(min(codes))}")
    for cand in candidates:
        if cand not in taken:
            return cand
    base = candidates[-1]
    i = 2
    while f"{base}_{i}" in taken:
        i += 1
    return f"{base}_{i}"


def _factor_responses(
    variables: list[dict[str, Any]],
    responses: dict[str, dict[str, Any]],
    notes: list[str],
    preferred: Mapping[tuple, str] | None = None,
) -> None:
    """Move label sets shared by two or more variables into ``[responses.NAME]``.

    ``preferred`` names a label set (its ``values`` items as a tuple), for
    response scales recognised by their wording.
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for v in variables:
        if "values" not in v or "responses" in v or not v["values"]:
            continue
        key = (
            tuple(v["values"].items()),
            tuple(v["values_en"].items()) if v.get("values_en") else None,
        )
        groups.setdefault(key, []).append(v)
    taken = set(responses)
    for (vals, vals_en), members in groups.items():
        if len(members) < 2:
            continue
        names = [m["name"] for m in members]
        wanted = (preferred or {}).get(tuple((_num(k), lab) for k, lab in vals))
        if wanted and wanted not in taken:
            rname = wanted
        else:
            rname = _responses_name(names, dict(vals), taken)
        taken.add(rname)
        entry: dict[str, Any] = {"values": dict(vals)}
        if vals_en:
            entry["values_en"] = dict(vals_en)
        responses[rname] = entry
        for m in members:
            m.pop("values")
            m.pop("values_en", None)
            m["responses"] = rname
        labels = ", ".join(f"{_fmt(c)}={lab}" for c, lab in vals)
        notes.append(
            f"shared value labels ({labels}) of {_list(names)} written once as [responses.{rname}]."
        )


def _list(names: Sequence[Any], limit: int = 8) -> str:
    shown = ", ".join(str(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _toml_values(values: Mapping[Code, str]) -> dict[str, str]:
    return {_fmt(c): lab for c, lab in values.items()}


# --------------------------------------------------------------------------- data files


def _from_data_file(path: Path, args: _Args, notes: list[str]) -> Codebook:
    from .readers import FileMeta, read_raw

    raw = read_raw(path)
    meta = raw.meta or FileMeta()
    kind = "SPSS" if raw.format == "sav" else "Stata"
    doc = _draft_from_table(path, raw.frame, meta, kind, args, notes)
    if args.circles:
        doc["circles"] = {"order": args.circles}
    return Codebook.from_dict(doc, source=str(path))


def _draft_from_table(
    path: Path,
    frame: pd.DataFrame,
    meta: Any,
    kind: str,
    args: _Args,
    notes: list[str],
    preferred: Mapping[tuple, str] | None = None,
) -> dict[str, Any]:
    """The codebook structure of a table of codes and its labels (``meta``: a FileMeta).

    Shared by labelled files (.sav, .dta) and plain exports (.csv, .xlsx), whose
    answer text has been turned into codes and value labels first.
    """
    from .privacy import find_personal_data, personal_column_name

    columns = [str(c) for c in frame.columns]
    if not columns:
        raise UsageError(f"{path} has no columns to describe.")
    labels = {c: lab.strip() for c, lab in meta.column_labels.items() if lab and lab.strip()}
    numeric = {
        c: pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
        for c in columns
    }

    # ---- roles
    roles = _resolve_roles(path, frame, columns, labels, args, notes)
    role_of = {col: role for role, col in roles.items() if col}

    # ---- value labels (numeric codes, non-empty, unique text) and missing codes
    value_labels: dict[str, dict[Code, str]] = {}
    for col in columns:
        vl = meta.value_labels.get(col) or {}
        if not vl:
            continue
        if not numeric[col]:
            notes.append(
                f"{col}: value labels of a text column dropped (a text variable "
                "takes its answers as written)."
            )
            continue
        clean: dict[Code, str] = {}
        empty: list[str] = []
        for code, lab in vl.items():
            c = _num(code)
            if c is None:
                continue
            text = str(lab).strip()
            if not text:
                empty.append(_fmt(c))
                continue
            clean[c] = text
        if empty:
            notes.append(f"{col}: empty value labels of codes {', '.join(empty)} dropped.")
        value_labels[col] = dict(sorted(clean.items()))

    declared: dict[str, dict[Code, str | None]] = {}
    read_as_missing: dict[str, list[str]] = {}
    for col in columns:
        if not numeric[col] or role_of.get(col) == "id":
            continue
        vl = value_labels.get(col, {})
        miss: dict[Code, str | None] = {}
        for item in meta.missing_values.get(col, []):
            if isinstance(item, tuple):
                lo, hi = item
                covered = _range_codes(lo, hi, vl, frame[col])
                miss.update((c, vl.get(c)) for c in covered)
                notes.append(
                    f"{col}: SPSS missing range {_fmt(lo)} to {_fmt(hi)} written as the codes "
                    f"{', '.join(map(_fmt, covered)) or '(none found)'}."
                )
            else:
                c = _num(item)
                if c is not None:
                    miss[c] = vl.get(c)
        # Labels that read like a missing answer, on a code apart from the scale.
        like = [c for c, lab in vl.items() if c not in miss and _MISSING_LABEL.search(lab)]
        if like:
            rest = [c for c in vl if c not in miss and c not in like]
            for c in like:
                apart = not rest or c < 0 or c >= max(rest) + 2 or c <= min(rest) - 2
                if apart:
                    miss[c] = vl[c]
                    read_as_missing.setdefault(f"{_fmt(c)} ({vl[c]})", []).append(col)
                else:
                    notes.append(
                        f"{col}: code {_fmt(c)} ({vl[c]}) reads like a missing answer but is "
                        "next to the answer codes; kept as an answer (add it to missing if "
                        "it is one)."
                    )
        for c in miss:
            vl.pop(c, None)
        if miss:
            declared[col] = dict(sorted(miss.items()))
    for what, cols in read_as_missing.items():
        notes.append(f"code {what} read as a missing code, not an answer, in {_list(cols)}.")

    # ---- survey-wide missing codes
    if args.missing is not None:
        survey_missing = dict(args.missing)
    elif declared:
        counts = Counter(tuple(m.items()) for m in declared.values())
        best, count = max(counts.items(), key=lambda kv: (kv[1], len(kv[0])))
        # Survey-wide only when shared; a set of one variable stays its own list.
        survey_missing = dict(best) if count >= 2 else {}
    else:
        survey_missing = {}
    if survey_missing and not all(survey_missing.values()):
        if any(survey_missing.values()):
            notes.append("survey missing codes written without labels (not every code has one).")
        survey_missing = dict.fromkeys(survey_missing)
    survey_missing = _unique_labels(survey_missing, "survey missing codes", notes)

    # ---- personal data
    pii: dict[str, str] = {}
    for col in columns:
        if col in role_of:
            continue
        found = personal_column_name(col) or (
            personal_column_name(labels[col]) if col in labels else None
        )
        if found:
            pii[col] = f"its name or label suggests {found}"
    content = find_personal_data(frame, declared=[*pii, *role_of], id_column=roles["id"])
    for prob in content:
        if prob.rule == "undeclared_personal_data" and prob.column is not None \
                and prob.column not in pii:
            pii[prob.column] = "its values look like personal data"
    if roles["id"] in {prob.column for prob in content}:
        notes.append(
            f"the id column {roles['id']!r} looks like personal data: consider "
            "pseudonymise_id = true in [survey]."
        )

    # ---- variables
    guessed_types: dict[str, list[str]] = {}
    variables: list[dict[str, Any]] = []
    for col in columns:
        v: dict[str, Any] = {"name": col}
        if col in labels:
            v["label"] = labels[col]
        series = frame[col]
        role = role_of.get(col)
        vl = value_labels.get(col, {})
        if role == "id":
            v["type"] = "id"
        elif not numeric[col]:
            v["type"] = "text"
        else:
            vals = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            finite = vals[np.isfinite(vals)]
            whole = bool(np.all(np.floor(finite) == finite))
            own_missing = declared.get(col, {})
            if vl:
                vtype, guessed = _labelled_type(vl, meta.measure.get(col), role)
                present = set(np.unique(finite).tolist()) - set(own_missing)
                if args.missing is not None or col not in declared:
                    present -= set(survey_missing)
                unlabelled = sorted(c for c in present if c not in vl)
                if unlabelled and whole and vtype != "binary":
                    notes.append(
                        f"{col}: the data hold values without a label "
                        f"({_list([_fmt(c) for c in unlabelled], 5)}); drafted as integer "
                        "with the labels kept."
                    )
                    vtype, guessed = "integer", False
                elif unlabelled:
                    notes.append(
                        f"{col}: the data hold values without a label "
                        f"({_list([_fmt(c) for c in unlabelled], 5)}); check the labels."
                    )
                v["type"] = vtype
                v["values"] = _unique_labels(vl, col, notes)
                if guessed:
                    guessed_types.setdefault(vtype, []).append(col)
            else:
                if meta.measure.get(col) in ("nominal", "ordinal"):
                    notes.append(
                        f"{col}: {meta.measure[col]} in the file but without value "
                        "labels; drafted as a number."
                    )
                if finite.size == 0:
                    notes.append(f"{col}: no values at all; drafted as a number.")
                v["type"] = "integer" if whole and finite.size else "number"
            # missing codes of this variable
            if args.missing is None and col in declared:
                if set(declared[col]) != set(survey_missing):
                    v["missing"] = list(declared[col])
            elif survey_missing:
                # The answer domain: the labelled codes, or without labels the values.
                span = np.asarray(list(vl), dtype=float) if vl else finite
                if col in declared and args.missing is not None:
                    if set(declared[col]) != set(survey_missing):
                        v["missing"] = list(declared[col])
                elif span.size and any(span.min() <= c <= span.max() for c in survey_missing):
                    v["missing"] = []
                    notes.append(
                        f"{col}: its values or labels span the survey missing codes "
                        f"({', '.join(map(_fmt, survey_missing))}) and the file declares no "
                        "missing codes for it: missing = [] keeps them as answers."
                    )
            if "missing" in v and v["missing"] and col in declared:
                own = declared[col]
                labelled = [f"{_fmt(c)}={lab}" for c, lab in own.items() if lab]
                notes.append(
                    f"{col}: missing = [{', '.join(map(_fmt, v['missing']))}] of its own"
                    + (" (the survey's differ)" if survey_missing else "")
                    + (
                        f"; a variable's missing codes carry no labels ({', '.join(labelled)})"
                        if labelled
                        else ""
                    )
                    + "."
                )
        if col in pii:
            v["pii"] = True
        variables.append(v)

    for vtype, cols in guessed_types.items():
        source = "measure level" if kind == "SPSS" else "measure level (Stata has none)"
        notes.append(
            f"type {vtype} inferred from the value-label codes, not from a {source}: {_list(cols)}."
        )
    for col, why in pii.items():
        notes.append(f"{col}: marked pii = true because {why}.")

    # ---- responses, survey table
    responses: dict[str, dict[str, Any]] = {}
    _factor_responses(variables, responses, notes, preferred)
    for v in variables:
        for key in ("values",):
            if key in v:
                v[key] = _toml_values(v[key])

    by_name = {v["name"]: v for v in variables}
    survey = _survey_table(roles, args, by_name, value_labels, frame, notes)
    if survey_missing:
        if all(survey_missing.values()):
            survey["missing"] = _toml_values(survey_missing)  # type: ignore[arg-type]
        else:
            survey["missing"] = list(survey_missing)
    doc: dict[str, Any] = {"survey": survey}
    if responses:
        doc["responses"] = {
            name: {k: _toml_values(val) for k, val in spec.items()}
            for name, spec in responses.items()
        }
    doc["variable"] = variables
    return doc


def _range_codes(lo: Any, hi: Any, labels: Mapping[Code, str], series: pd.Series) -> list[Code]:
    lo_n, hi_n = _num(lo), _num(hi)
    if lo_n is None or hi_n is None:
        return []
    if isinstance(lo_n, int) and isinstance(hi_n, int) and hi_n - lo_n <= 20:
        return list(range(lo_n, hi_n + 1))
    vals = pd.to_numeric(series, errors="coerce").dropna().unique().tolist()
    found = {c for c in [*labels, *vals] if lo_n <= c <= hi_n}
    return sorted(n for c in found if (n := _num(c)) is not None)


def _unique_labels(
    values: Mapping[Code, str | None], where: str, notes: list[str]
) -> dict[Code, Any]:
    """Make label texts unique (``label (code)``) so that text reads back as one code."""
    counts = Counter(lab for lab in values.values() if lab)
    out: dict[Code, Any] = {}
    dup = []
    for c, lab in values.items():
        if lab and counts[lab] > 1:
            out[c] = f"{lab} ({_fmt(c)})"
            dup.append(lab)
        else:
            out[c] = lab
    if dup:
        notes.append(
            f"{where}: labels used for several codes ({', '.join(sorted(set(dup)))}) "
            "got the code appended."
        )
    return out


def _labelled_type(
    vl: Mapping[Code, str], measure: str | None, role: str | None
) -> tuple[str, bool]:
    """(type, inferred from codes alone) for a labelled numeric variable."""
    codes = sorted(vl)
    if len(codes) == 2 and set(codes) == {0, 1}:
        return "binary", False
    if role in ("cluster", "wave", "group"):
        return "category", False
    if measure == "nominal":
        return "category", False
    if measure == "ordinal":
        return "ordinal", False
    if len(codes) == 2:
        return "category", True
    whole = all(float(c).is_integer() for c in codes)
    consecutive = whole and codes == list(range(int(codes[0]), int(codes[0]) + len(codes)))
    if len(codes) >= 3 and consecutive:
        return "ordinal", True
    return "category", True


def _find_role(
    role: str, frame: pd.DataFrame, columns: list[str], labels: Mapping[str, str], exclude: set[str]
) -> list[str]:
    names = _ROLE_NAMES[role]
    hits = [c for c in columns if c.strip().lower() in names and c not in exclude]
    hits += [
        c
        for c in columns
        if c not in hits and c not in exclude and labels.get(c, "").strip().lower() in names
    ]
    return hits


def _resolve_roles(
    path: Path,
    frame: pd.DataFrame,
    columns: list[str],
    labels: Mapping[str, str],
    args: _Args,
    notes: list[str],
) -> dict[str, str | None]:
    roles: dict[str, str | None] = {}
    for role, col in args.roles.items():
        if col is not None and col not in columns:
            raise UsageError(
                f"{role}={col!r} is not a column of {path.name}. " + _near(col, columns)
            )
        roles[role] = col
    used = {c for c in roles.values() if c}
    for role in ("wave", "cluster", "group"):
        if roles[role] is None:
            hits = _find_role(role, frame, columns, labels, used)
            if hits:
                roles[role] = hits[0]
                used.add(hits[0])
                notes.append(
                    f"{role} column guessed: {hits[0]!r} (by its name or label); "
                    f"pass {role}= to choose another."
                )
            elif role == "cluster":
                notes.append(
                    "no village (cluster) column found; pass cluster= for clustered inference."
                )
    if roles["id"] is None:
        keys = [roles["wave"]] if roles["wave"] else []
        for cand in _find_role("id", frame, columns, labels, used):
            sub = frame[[cand, *keys]]
            if sub[cand].notna().all() and not sub.duplicated().any():
                roles["id"] = cand
                within = " within each wave" if keys else ""
                notes.append(
                    f"respondent id column guessed: {cand!r} (by its name or label, "
                    f"unique{within}); pass id= to choose another."
                )
                break
            notes.append(
                f"{cand!r} looks like an id column but its values are missing or not "
                "unique; not used as the respondent id."
            )
        else:
            raise UsageError(
                f"cannot tell which column of {path.name} is the respondent id: no column named "
                "like resp_id, id, respondent, 编号 or 问卷编号 has unique values. Pass id= "
                f"(mutualaid draft-codebook --id COLUMN); the columns are: {_list(columns, 20)}."
            )
    else:
        keys = [roles["id"], *([roles["wave"]] if roles["wave"] else [])]
        sub = frame[keys]
        if sub[keys[0]].isna().any() or sub.duplicated().any():
            within = " within a wave" if len(keys) > 1 else ""
            notes.append(
                f"the id column {roles['id']!r} has empty or repeated values{within}; "
                "validation will report them."
            )
    return roles


def _near(name: str, known: Sequence[str]) -> str:
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f"Did you mean {near[0]!r}? " if near else ""
    return f"{hint}The columns are: {_list(list(known), 20)}."


def _survey_table(
    roles: Mapping[str, str | None],
    args: _Args,
    by_name: Mapping[str, dict],
    value_labels: Mapping[str, Mapping[Code, str]],
    frame: pd.DataFrame | None,
    notes: list[str],
) -> dict[str, Any]:
    survey: dict[str, Any] = {"id": roles["id"]}
    if roles.get("cluster"):
        survey["cluster"] = roles["cluster"]
    wave = roles.get("wave")
    if wave:
        survey["wave"] = wave
    waves = args.waves
    if waves is None and wave and frame is not None:
        labelled = value_labels.get(wave)
        if labelled:
            waves = [c for c in labelled if isinstance(c, int)]
            how = "its labelled codes"
        else:
            col = frame[wave].dropna()
            if pd.api.types.is_numeric_dtype(col.dtype):
                waves = sorted({_num(x) for x in col.unique()} - {None})
                how = "its values, sorted"
            else:
                waves = list(dict.fromkeys(str(x) for x in col))
                how = "its values in order of first appearance"
        waves = [w for w in waves if isinstance(w, str | int)]
        if waves:
            notes.append(
                f"waves guessed from {how}: {waves} (the first is the baseline); "
                "pass waves= to set the order."
            )
        else:
            waves = None
    if waves is not None:
        if wave and by_name.get(wave, {}).get("type") not in (None, "text", "id"):
            waves = [_num(w) if isinstance(w, str) and _num(w) is not None else w for w in waves]
        survey["waves"] = list(waves)
    group = roles.get("group")
    if group:
        survey["group"] = group
    treated = args.treated
    gvar = by_name.get(group, {}) if group else {}
    glabels = value_labels.get(group, {}) if group else {}
    coded = gvar.get("type") not in (None, "text", "id")
    if treated is not None and group and coded and isinstance(treated, str):
        code = _num(treated)
        if code is None:
            match = [c for c, lab in glabels.items() if lab == treated.strip()]
            if match:
                notes.append(
                    f"treated = {treated!r} is the label of code {_fmt(match[0])} of "
                    f"{group!r}; written as the code."
                )
                code = match[0]
        if isinstance(code, int):
            treated = code
    if treated is None and group:
        cands: list[Any]
        if glabels:
            cands = [c for c, lab in glabels.items() if _TREATED_LABEL.search(lab)]
        elif frame is not None and not coded:
            cands = [
                x
                for x in dict.fromkeys(frame[group].dropna().astype(str))
                if _TREATED_LABEL.search(x)
            ]
        else:
            cands = []
        if len(cands) == 1:
            treated = cands[0]
            label = f" ({glabels[treated]})" if glabels else ""
            notes.append(
                f"treated guessed: {treated!r}{label} of {group!r}; pass treated= to "
                "choose another."
            )
        else:
            notes.append(
                f"the arm column {group!r} is set but not which value is the workshop "
                "arm; pass treated=."
            )
    if treated is not None:
        survey["treated"] = treated
    return survey


# --------------------------------------------------------------------------- spreadsheets


class _Sheet:
    """Problems found in a spreadsheet codebook, with their rows."""

    def __init__(self, path: Path) -> None:
        self.file = path.name
        self.row = "row" if path.suffix.lower() in (".xlsx", ".xlsm") else "line"
        self.problems: list[Problem] = []

    def add(
        self,
        rule: str,
        message: str,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
        key: str | None = None,
    ) -> None:
        self.problems.append(
            Problem(rule, message, file=self.file, line=line, column=column, value=value, key=key)
        )


_CODE = r"[-+－＋]?[0-9０-９]+(?:[.．][0-9０-９]+)?"
_PAIR = re.compile(rf"^\s*({_CODE})\s*[=:：＝]\s*(.*?)\s*$", re.S)
_SPLIT = re.compile(rf"\s*(?:[;；\n\r]+|[,，、](?=\s*{_CODE}\s*[=:：＝]))\s*")


def _parse_values(text: str) -> tuple[dict[Code, str], list[str]]:
    """``"1=非常不愿意; 2=不太愿意"`` -> ({1: ..., 2: ...}, errors)."""
    out: dict[Code, str] = {}
    errors: list[str] = []
    for part in _SPLIT.split(text.strip()):
        if not part.strip():
            continue
        m = _PAIR.match(part)
        if not m:
            errors.append(f"{part.strip()!r} is not CODE=LABEL")
            continue
        code = _num(m.group(1))
        label = m.group(2)
        if code is None:  # pragma: no cover - the pattern only matches numbers
            errors.append(f"{m.group(1)!r} is not a number")
        elif not label:
            errors.append(f"code {_fmt(code)} has no label")
        elif code in out:
            errors.append(f"code {_fmt(code)} is labelled twice")
        else:
            out[code] = label
    if not out and not errors:
        errors.append("no CODE=LABEL pairs")
    return out, errors


def _split_list(text: str) -> list[str]:
    return [p for p in re.split(r"\s*[;；,，、\n\r]\s*", text.strip()) if p]


def _parse_bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    return None


def _norm_header(name: str) -> str:
    key = unicodedata.normalize("NFKC", str(name)).strip().lower()
    key = re.sub(r"[\s-]+", "_", key)
    return _HEADER_ALIASES.get(key, key)


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _read_table(
    path: Path, sheet: str | int | None, encoding: str | None
) -> tuple[list[str], list[dict[str, str]], np.ndarray]:
    """Header, rows as text and the row number of each row."""
    from .readers import read_raw

    kw: dict[str, Any] = (
        {"sheet": sheet} if path.suffix.lower() in (".xlsx", ".xlsm") else {"encoding": encoding}
    )
    first = read_raw(path, **kw)
    header = [str(c) for c in first.frame.columns]
    raw = read_raw(path, text_columns=header, **kw)
    rows = [
        {h: _cell(v) for h, v in zip(header, rec, strict=True)}
        for rec in raw.frame.itertuples(index=False, name=None)
    ]
    return header, rows, raw.lines()


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    from ..exceptions import DataFileError

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:
        raise DataFileError(f"{path} cannot be read as an Excel .xlsx file: {exc}") from exc
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _from_spreadsheet(
    path: Path, args: _Args, sheet: str | int | None, encoding: str | None, notes: list[str]
) -> Codebook:
    is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    extra_sheets: dict[str, str] = {}
    if is_xlsx:
        names = _sheet_names(path)
        for n in names:
            low = n.strip().lower()
            if low in ("survey", "responses"):
                extra_sheets[low] = n
        if sheet is None:
            sheet = next((n for n in names if n.strip().lower() not in extra_sheets), names[0])
    elif sheet is not None:
        raise UsageError("sheet= applies to .xlsx spreadsheets only.")
    header, rows, lines = _read_table(path, sheet, encoding)
    cols = {h: _norm_header(h) for h in header}
    if "name" not in cols.values():
        raise UsageError(
            f"{path.name} is not a spreadsheet codebook: its header has no 'name' column "
            f"(found {_list(header, 12)}). A spreadsheet codebook has one row per variable "
            f"and the columns {', '.join(SPREADSHEET_COLUMNS)}; to draft a codebook from data "
            "with its own labels, give an SPSS .sav or Stata .dta file."
        )
    sh = _Sheet(path)
    head_of: dict[str, str] = {}  # spreadsheet key -> the header as written
    for h, key in cols.items():
        if key not in SPREADSHEET_COLUMNS:
            near = difflib.get_close_matches(key, SPREADSHEET_COLUMNS, n=1, cutoff=0.6)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            sh.add(
                "unknown_column",
                f"unknown column {h!r}.{hint} The columns are: {', '.join(SPREADSHEET_COLUMNS)}.",
                line=1,
                column=h,
                value=h,
            )
        elif key in head_of:
            sh.add(
                "duplicate_column",
                f"columns {head_of[key]!r} and {h!r} both give {key!r}.",
                line=1,
                column=h,
                value=h,
            )
        else:
            head_of[key] = h
    if "type" not in head_of:
        sh.add(
            "missing_column",
            "the header has no 'type' column; every variable needs a "
            f"type ({', '.join(VARIABLE_TYPES)}).",
            line=1,
        )

    variables: list[dict[str, Any]] = []
    row_of: dict[str, int] = {}
    bad_cells: dict[str, set[str]] = {}  # variable -> keys whose cell could not be read
    role_rows: dict[str, list[tuple[str, int]]] = {}
    responses: dict[str, dict[str, Any]] = {}
    resp_row: dict[str, int] = {}
    for rec, line_ in zip(rows, lines, strict=True):
        if not any(rec.values()):
            continue
        line = int(line_)
        cells = {key: rec[h] for key, h in head_of.items()}
        name = cells.get("name", "")

        def bad(
            key: str, rule: str, msg: str, line: int = line, cells: dict = cells, name: str = name
        ) -> None:
            sh.add(
                rule,
                msg,
                line=line,
                column=head_of.get(key, key),
                value=cells.get(key),
                key=f"variable {name!r}.{key}" if name else None,
            )
            bad_cells.setdefault(name, set()).add(key)

        if not name:
            bad("name", "missing_name", "the row has no name (the column name in the data).")
            continue
        if name in row_of:
            sh.add(
                "duplicate_name",
                f"{name!r} is described again (first on {sh.row} "
                f"{row_of[name]}); each column needs exactly one row.",
                line=line,
                column=head_of["name"],
                value=name,
            )
            continue
        row_of[name] = line
        v: dict[str, Any] = {"name": name}
        for key in ("label", "label_en"):
            if cells.get(key):
                v[key] = cells[key]
        t = cells.get("type", "")
        if t:
            v["type"] = _TYPE_ALIASES.get(t, t.lower() if t.lower() in VARIABLE_TYPES else t)
            if v["type"] not in VARIABLE_TYPES:
                bad_cells.setdefault(name, set()).add("type")  # reported by the codebook rules
        for key in ("values", "values_en"):
            if cells.get(key):
                parsed, errors = _parse_values(cells[key])
                if errors:
                    bad(
                        key,
                        "bad_values",
                        f"cannot read the value labels: {'; '.join(errors)}. "
                        "Write them as 1=非常不愿意; 2=不太愿意; 3=一般.",
                    )
                else:
                    v[key] = _toml_values(parsed)
        if cells.get("responses"):
            rname = cells["responses"]
            spec: dict[str, Any] = {k: v.pop(k) for k in ("values", "values_en") if k in v}
            if spec and rname in responses and responses[rname] != spec:
                bad(
                    "responses",
                    "conflicting_responses",
                    f"response scale {rname!r} is "
                    f"defined with other value labels on {sh.row} {resp_row[rname]}.",
                )
            elif spec and rname not in responses:
                if "values" not in spec:
                    bad(
                        "values",
                        "missing_values",
                        f"response scale {rname!r} needs values, not only values_en.",
                    )
                else:
                    responses[rname] = spec
                    resp_row[rname] = line
            v["responses"] = rname
        for key in ("circle", "service", "scale"):
            if cells.get(key):
                v[key] = cells[key]
        for key in ("reverse", "pii"):
            if cells.get(key):
                b = _parse_bool(cells[key])
                if b is None:
                    bad(key, "bad_boolean", f"{key} must be true/false, 1/0, yes/no or 是/否.")
                elif b:
                    v[key] = True
        for key in ("min", "max"):
            if cells.get(key):
                num = _num(cells[key])
                if num is None:
                    bad(key, "bad_number", f"{key} must be a number.")
                else:
                    v[key] = num
        if cells.get("missing"):
            text = cells["missing"]
            if text.strip().lower() in _NONE_WORDS:
                v["missing"] = []
            else:
                parts = _split_list(text)
                wrong = [x for x in parts if _num(x) is None]
                if wrong:
                    bad(
                        "missing",
                        "bad_missing",
                        "missing codes must be numbers like 98; 99 "
                        f"(or none); cannot read {', '.join(map(repr, wrong))}. Labels of "
                        "missing codes belong to the survey's missing.",
                    )
                else:
                    v["missing"] = [_num(x) for x in parts]
        if cells.get("role"):
            role = _ROLE_ALIASES.get(cells["role"].strip().lower())
            if role is None:
                bad("role", "bad_role", "role must be id, cluster, wave or group.")
            else:
                role_rows.setdefault(role, []).append((name, line))
        variables.append(v)

    # ---- the responses and survey sheets (xlsx)
    if "responses" in extra_sheets:
        _responses_sheet(path, extra_sheets["responses"], responses, resp_row, sh)
    sheet_survey, sheet_circles = (
        _survey_sheet(path, extra_sheets["survey"], sh) if "survey" in extra_sheets else ({}, {})
    )

    # ---- roles: argument, else the role column, else the survey sheet
    roles: dict[str, str | None] = {}
    for role in ("id", "cluster", "wave", "group"):
        found = role_rows.get(role, [])
        for n, line in found[1:]:
            sh.add(
                "duplicate_role",
                f"role {role!r} is given to {found[0][0]!r} on {sh.row} {found[0][1]} already.",
                line=line,
                column=head_of.get("role"),
                value=role,
                key=f"variable {n!r}.role",
            )
        in_sheet = sheet_survey.pop(role, None)
        in_sheet = found[0][0] if found else in_sheet
        roles[role] = _override(role, args.roles[role], in_sheet, notes)
    if roles["id"] is None:
        sh.add(
            "missing_role",
            "no row has role = id and no id= was given: the codebook must "
            "name the respondent id column.",
            line=1,
            column=head_of.get("role"),
        )

    # ---- survey, circles, responses
    eff = _Args(
        None,
        None,
        None,
        _override("waves", args.waves, sheet_survey.pop("waves", None), notes),
        None,
        _override("treated", args.treated, sheet_survey.pop("treated", None), notes),
        None,
        None,
    )
    by_name = {v["name"]: v for v in variables}
    survey = _survey_table(roles, eff, by_name, _coded_labels(variables, responses), None, notes)
    if not roles["id"]:
        survey.pop("id", None)
    sheet_missing = sheet_survey.pop("missing", None)
    if args.missing is not None:
        if sheet_missing is not None:
            notes.append("missing from the argument replaces the survey sheet's missing.")
        miss = args.missing
        survey["missing"] = (
            _toml_values(miss) if all(miss.values()) else list(miss)  # type: ignore[arg-type]
        )
    elif sheet_missing is not None:
        survey["missing"] = sheet_missing
    survey.update(sheet_survey)
    doc: dict[str, Any] = {"survey": survey}
    used = list(dict.fromkeys(v["circle"] for v in variables if v.get("circle")))
    order = args.circles or sheet_circles.get("order")
    if order is None and used:
        order = used
        notes.append(
            f"circle order taken from first appearance in the sheet: {used} "
            "(nearest first); pass circles= to set it."
        )
    if order:
        circ: dict[str, Any] = {"order": list(order)}
        for key in ("labels", "labels_en"):
            if sheet_circles.get(key):
                circ[key] = sheet_circles[key]
        doc["circles"] = circ
    _note_personal(variables, roles, notes)
    _factor_responses(variables, responses, notes)
    if responses:
        doc["responses"] = responses
    doc["variable"] = variables
    try:
        codebook = Codebook.from_dict(doc, source=str(path))
    except CodebookError as exc:
        _map_problems(exc.problem_list, sh, row_of, head_of, roles, resp_row, bad_cells)
    if sh.problems:
        ordered = sorted(sh.problems, key=lambda p: -1 if p.line is None else p.line)
        raise CodebookError(ordered, source=path.name)
    return codebook


def _override(key: str, argument: Any, in_sheet: Any, notes: list[str]) -> Any:
    if argument is None:
        return in_sheet
    if in_sheet is not None and in_sheet != argument:
        notes.append(
            f"{key} = {argument!r} from the argument replaces {in_sheet!r} from the spreadsheet."
        )
    return argument


def _note_personal(
    variables: list[dict[str, Any]], roles: Mapping[str, str | None], notes: list[str]
) -> None:
    from .privacy import personal_column_name

    for v in variables:
        if v.get("pii") or v["name"] in roles.values():
            continue
        kind = personal_column_name(v["name"]) or (
            personal_column_name(v["label"]) if v.get("label") else None
        )
        if kind:
            notes.append(
                f"{v['name']}: its name or label suggests {kind} but pii is not set; "
                "mark it pii = true if it holds personal data."
            )


def _coded_labels(
    variables: list[dict[str, Any]], responses: Mapping[str, dict]
) -> dict[str, dict[Code, str]]:
    out: dict[str, dict[Code, str]] = {}
    for v in variables:
        vals = v.get("values") or responses.get(v.get("responses", ""), {}).get("values")
        if vals:
            out[v["name"]] = {_num(k): lab for k, lab in vals.items()}  # type: ignore[misc]
    return out


# Codebook rules that only repeat a cell the sheet could not read.
_CONSEQUENTIAL = {
    "values": {"missing_key", "bad_value_labels"},
    "values_en": {"unknown_code"},
    "type": {"not_for_type", "missing_key", "bad_value_labels"},
}


def _map_problems(
    problems: Iterable[Problem],
    sh: _Sheet,
    row_of: Mapping[str, int],
    head_of: Mapping[str, str],
    roles: Mapping[str, str | None],
    resp_row: Mapping[str, int],
    bad_cells: Mapping[str, set[str]],
) -> None:
    """Give the codebook's problems the spreadsheet row and column they come from."""
    for p in problems:
        key = p.key or ""
        if key == "survey.id" and not roles.get("id"):
            continue  # reported as missing_role already
        line, column = None, None
        for name, row in row_of.items():
            prefix = f"variable {name!r}"
            if key != prefix and not key.startswith(prefix + "."):
                continue
            line = row
            field_ = key[len(prefix) + 1 :].split(".")[0] if key != prefix else ""
            column = head_of.get(field_) if field_ else None
            if p.rule in ("unknown_responses", "conflicting_keys"):
                column = head_of.get("responses")
            skip = set()
            for cell in bad_cells.get(name, ()):
                skip |= _CONSEQUENTIAL.get(cell, set())
            if p.rule in skip:
                line = -1
            break
        else:
            if key.startswith("survey."):
                col = roles.get(key.split(".", 1)[1])
                if col is not None and col in row_of:
                    line, column = row_of[col], head_of.get("role")
            elif key.startswith("responses."):
                line = resp_row.get(key.split(".")[1])
        if line == -1:
            continue
        sh.problems.append(
            Problem(
                p.rule, p.message, file=sh.file, line=line, column=column, value=p.value, key=p.key
            )
        )


def _responses_sheet(
    path: Path,
    sheet: str,
    responses: dict[str, dict[str, Any]],
    resp_row: dict[str, int],
    sh: _Sheet,
) -> None:
    header, rows, lines = _read_table(path, sheet, None)
    cols = {_norm_header(h): h for h in header}
    for rec, line in zip(rows, lines, strict=True):
        if not any(rec.values()):
            continue
        name = rec.get(cols.get("name", ""), "")
        if not name:
            sh.add(
                "missing_name",
                f"sheet {sheet!r}: the row has no name.",
                line=int(line),
                column=cols.get("name"),
            )
            continue
        spec: dict[str, Any] = {}
        for key in ("values", "values_en"):
            text = rec.get(cols.get(key, ""), "")
            if text:
                parsed, errors = _parse_values(text)
                if errors:
                    sh.add(
                        "bad_values",
                        f"sheet {sheet!r}: cannot read the value labels: {'; '.join(errors)}.",
                        line=int(line),
                        column=cols.get(key),
                        value=text,
                        key=f"responses.{name}.{key}",
                    )
                else:
                    spec[key] = _toml_values(parsed)
        for key in ("label", "label_en"):
            if rec.get(cols.get(key, ""), ""):
                spec[key] = rec[cols[key]]
        if name in responses:
            sh.add(
                "conflicting_responses",
                f"sheet {sheet!r}: response scale {name!r} is "
                f"also defined on row {resp_row[name]}.",
                line=int(line),
                column=cols.get("name"),
                value=name,
            )
            continue
        responses[name] = spec
        resp_row[name] = int(line)


def _survey_sheet(path: Path, sheet: str, sh: _Sheet) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``survey`` sheet: ``key`` / ``value`` rows -> ([survey] entries, [circles])."""
    header, rows, lines = _read_table(path, sheet, None)
    cols = {_norm_header(h): h for h in header}
    if "key" not in cols or "value" not in cols:
        sh.add("missing_column", f"sheet {sheet!r} needs the columns key and value.", line=1)
        return {}, {}
    survey: dict[str, Any] = {}
    circles: dict[str, Any] = {}
    allowed = (*SURVEY_KEYS, "circles", "circle_labels", "circle_labels_en")
    for rec, line in zip(rows, lines, strict=True):
        key, text = rec[cols["key"]].strip(), rec[cols["value"]].strip()
        if not key and not text:
            continue

        def bad(msg: str, key: str = key, line: Any = line, text: str = text) -> None:
            sh.add(
                "bad_survey_value",
                f"sheet {sheet!r}, key {key!r}: {msg}",
                line=int(line),
                column=cols["value"],
                value=text,
                key=f"survey.{key}",
            )

        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            sh.add(
                "unknown_key",
                f"sheet {sheet!r}: unknown key {key!r}.{hint} Allowed: {', '.join(allowed)}.",
                line=int(line),
                column=cols["key"],
                value=key,
            )
            continue
        if not text:
            continue
        if key == "waves":
            survey[key] = [_num(w) if isinstance(_num(w), int) else w for w in _split_list(text)]
        elif key == "circles":
            circles["order"] = _split_list(text)
        elif key in ("circle_labels", "circle_labels_en"):
            pairs = {}
            for part in _split_list(text):
                m = re.fullmatch(r"([^=:：＝]+?)\s*[=:：＝]\s*(.+)", part)
                if not m:
                    bad(f"{part!r} is not NAME=LABEL.")
                    break
                pairs[m.group(1)] = m.group(2)
            else:
                circles["labels" if key == "circle_labels" else "labels_en"] = pairs
        elif key == "missing":
            if re.search(r"[=:：＝]", text):
                parsed, errors = _parse_values(text)
                if errors:
                    bad(f"cannot read the missing codes: {'; '.join(errors)}.")
                else:
                    survey[key] = _toml_values(parsed)
            else:
                codes = [_num(x) for x in _split_list(text)]
                if any(c is None for c in codes):
                    bad("missing codes must be numbers, like 98; 99 or 98=不知道; 99=拒答.")
                else:
                    survey[key] = codes
        elif key == "pseudonymise_id":
            b = _parse_bool(text)
            if b is None:
                bad("must be true or false.")
            else:
                survey[key] = b
        elif key == "treated":
            num = _num(text)
            survey[key] = num if isinstance(num, int) else text
        else:
            survey[key] = text
    return survey, circles


# --------------------------------------------------------------------------- plain exports


#: Response scales recognised by their wording: name, header keywords, variants
#: (each lowest first, coded 1, 2, ...).
LIKERT_SCALES: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    ("willing5", r"愿意|willing", (
        ("非常不愿意", "不太愿意", "一般", "比较愿意", "非常愿意"),
        ("非常不愿意", "不愿意", "一般", "愿意", "非常愿意"),
        ("很不愿意", "不太愿意", "一般", "比较愿意", "很愿意"),
        ("very unwilling", "rather unwilling", "neutral", "rather willing", "very willing"),
        ("very unwilling", "unwilling", "neutral", "willing", "very willing"),
    )),
    ("agree5", r"同意|agree", (
        ("非常不同意", "不同意", "一般", "同意", "非常同意"),
        ("非常不同意", "不太同意", "一般", "比较同意", "非常同意"),
        ("完全不同意", "不同意", "中立", "同意", "完全同意"),
        ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"),
        ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    )),
    ("satisfied5", r"满意|satisf", (
        ("非常不满意", "不满意", "一般", "满意", "非常满意"),
        ("非常不满意", "不太满意", "一般", "比较满意", "非常满意"),
        ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    )),
    ("fit5", r"符合", (
        ("完全不符合", "比较不符合", "一般", "比较符合", "完全符合"),
        ("完全不符合", "不太符合", "一般", "比较符合", "完全符合"),
        ("非常不符合", "不符合", "一般", "符合", "非常符合"),
    )),
    ("health5", r"健康|身体|health", (
        ("很差", "较差", "一般", "较好", "很好"),
        ("非常差", "比较差", "一般", "比较好", "非常好"),
        ("很不健康", "不太健康", "一般", "比较健康", "很健康"),
        ("very poor", "poor", "fair", "good", "very good"),
        ("poor", "fair", "good", "very good", "excellent"),
    )),
    ("gses4", r"效能|正确|gses|efficacy", (
        ("完全不正确", "有点正确", "多数正确", "完全正确"),
        ("not at all true", "hardly true", "moderately true", "exactly true"),
    )),
    ("frequency5", r"经常|频率|often|frequen", (
        ("从不", "很少", "有时", "经常", "总是"),
        ("never", "rarely", "sometimes", "often", "always"),
    )),
)  # fmt: skip

# Two-answer wordings read as binary 0/1 (the first is 0), with a response scale name.
_BINARY_WORDS: tuple[tuple[str, str, str], ...] = (
    ("否", "是", "yesno"), ("不是", "是", "yesno"), ("没有", "有", "yesno"), ("无", "有", "yesno"),
    ("no", "yes", "yesno"), ("男", "女", "sex"), ("male", "female", "sex"),
)  # fmt: skip

# Text answers that mean "no answer", and the conventional code of each.
_MISSING_WORDS: dict[str, int] = {
    "不知道": 98, "不清楚": 98, "说不清": 98, "说不清楚": 98, "don't know": 98, "dont know": 98,
    "拒答": 99, "拒绝回答": 99, "拒绝": 99, "refused": 99,
    "不适用": -9, "not applicable": -9,
}  # fmt: skip
_CONVENTIONAL_MISSING: dict[Code, str] = {98: "不知道", 99: "拒答", -9: "不适用"}
# Numbers that are looked at as possible missing codes (when apart from the answers).
_CANDIDATE_CODES = frozenset({97, 98, 99, 997, 998, 999, -1, -7, -8, -9, -98, -99})

# Wave wordings and their rank in time (0 = baseline).
_WAVE_WORDS: dict[str, int] = {
    **dict.fromkeys(("前测", "基线", "基期", "干预前", "第一轮", "第1轮", "第一期", "一期",
                     "pre", "pretest", "pre-test", "baseline", "before", "wave1", "w1", "t1", "t0"), 0),
    **dict.fromkeys(("后测", "干预后", "追踪", "回访", "第二轮", "第2轮", "第二期", "二期",
                     "post", "posttest", "post-test", "follow-up", "followup", "endline",
                     "after", "wave2", "w2", "t2"), 1),
    **dict.fromkeys(("第三轮", "第3轮", "第三期", "wave3", "w3", "t3"), 2),
}  # fmt: skip

#: Social circles recognised in headers, nearest first: name, label, words.
CIRCLE_WORDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("relatives", "亲属", ("亲属", "家人", "亲戚", "家庭成员", "relative", "family", "kin")),
    ("friends", "朋友", ("朋友", "好友", "friend")),
    ("neighbours", "邻居", ("邻居", "邻里", "neighbo")),
    ("villagers", "其他村民", ("其他村民", "村民", "同村", "villager")),
)
#: Services recognised in headers: name, label, words.
SERVICE_WORDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("daily_care", "生活照料", ("生活照料", "照料", "照顾", "daily care", "personal care")),
    ("emotional_support", "精神慰藉",
     ("精神慰藉", "慰藉", "聊天", "陪伴", "谈心", "emotional", "chat", "company")),
    ("chores", "家务帮助", ("家务", "chore", "housework")),
    ("errands", "跑腿代办", ("跑腿", "代购", "代办", "errand", "shopping")),
    ("medical_escort", "就医陪护", ("就医", "看病", "陪诊", "medical", "doctor")),
)  # fmt: skip
# Words that make a header with a circle word a willingness (help) item.
_HELP_WORDS = re.compile(r"愿意|帮|提供|援助|支持|互助|willing|help|support|assist", re.I)

_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]")
# Headers of free-text columns (never drafted as categories).
_FREE_TEXT = re.compile(r"备注|说明|其他.*请注明|意见|建议|原因|remark|note|comment|other", re.I)


def _plain_number(text: str) -> Code | None:
    """A number written plainly (``12``, ``-9``, ``3.5``); ``0101`` is not one (an id)."""
    if _LEADING_ZERO.match(text):
        return None
    return _num(text) if re.fullmatch(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", text) else None


def _looks_like_codebook(header: Sequence[str]) -> bool:
    """A spreadsheet codebook's header has ``name`` and mostly codebook columns."""
    keys = [_norm_header(h) for h in header]
    if "name" not in keys:
        return False
    return "type" in keys or 2 * sum(k in SPREADSHEET_COLUMNS for k in keys) >= len(keys)


class _Column:
    """What one column of a plain export holds, as text."""

    def __init__(self, name: str, cells: list[str | None]) -> None:
        self.name = name
        self.cells = cells  # NFKC-normalised, stripped; None for an empty cell
        present = [c for c in cells if c is not None]
        answers = [c for c in present if c not in DEFAULT_MISSING_TEXT]
        self.missing_text = Counter(c for c in answers if c.lower() in _MISSING_WORDS)
        answers = [c for c in answers if c.lower() not in _MISSING_WORDS]
        nums = {c: _plain_number(c) for c in dict.fromkeys(answers)}
        self.numbers = Counter(n for c in answers if (n := nums[c]) is not None)
        self.texts = list(dict.fromkeys(c for c in answers if nums[c] is None))
        self.n_text = sum(nums[c] is None for c in answers)
        self.n_number = len(answers) - self.n_text
        self.kind = "text"  # text | number | binary | category | likert
        self.labels: dict[Code, str] = {}
        self.likert: list[str] = []  # candidate scale names
        self.scale_range: tuple[str, int] | None = None  # numbers 1..k of a named scale

    def answer_numbers(self, codes: Iterable[Code]) -> list[Code]:
        skip = set(codes)
        return [n for n in self.numbers if n not in skip]


def _coded_scale(col: _Column, skip: set[Code]) -> tuple[str, int] | None:
    """A scale named in the header (愿意, 满意, ...) whose answers are its codes 1..k."""
    nums = col.answer_numbers(skip)
    if not nums or not all(isinstance(n, int) and n >= 1 for n in nums):
        return None
    for name, keyword, variants in LIKERT_SCALES:
        if re.search(keyword, col.name, re.I):
            k = len(variants[0])
            return (name, k) if max(nums) <= k else None
    return None


def _apart(code: Code, rest: Sequence[Code]) -> bool:
    """Whether a candidate missing code stands apart from the other numbers of a column."""
    if not rest:
        return True
    lo, hi = min(rest), max(rest)
    return (code < 0 <= lo) or code >= hi + 2


def _likert_candidates(col: _Column, skip: set[Code]) -> list[str]:
    """Scales one of whose wordings holds every text answer.

    Numbers are allowed when they are the scale's codes, or when answers in
    words are the majority (a stray 99 is then a problem for validation).
    """
    texts = {t.lower() for t in col.texts}
    nums = col.answer_numbers(skip)
    found = []
    for name, _, variants in LIKERT_SCALES:
        for labels in variants:
            codes = all(isinstance(n, int) and 1 <= n <= len(labels) for n in nums)
            if texts <= {x.lower() for x in labels} and (codes or col.n_text > col.n_number):
                found.append(name)
                break
    return found


def _from_plain_data(
    path: Path,
    args: _Args,
    sheet: str | int | None,
    encoding: str | None,
    header: Sequence[str],
    notes: list[str],
) -> Codebook:
    """Draft a codebook from a plain export: one row per respondent, answers as written."""
    from .readers import FileMeta, read_raw

    is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    kw: dict[str, Any] = {"sheet": sheet} if is_xlsx else {"encoding": encoding}
    raw = read_raw(path, text_columns=list(header), **kw)
    columns = [str(c) for c in raw.frame.columns]
    if not columns or raw.frame.empty:
        raise UsageError(f"{path.name} has no data rows to draft a codebook from.")
    info: dict[str, _Column] = {}
    for c in columns:
        cells = [
            None if (text := _cell(v)) == "" else unicodedata.normalize("NFKC", text).strip()
            for v in raw.frame[c].tolist()
        ]
        info[c] = _Column(c, cells)
    text_frame = pd.DataFrame({c: pd.Series(info[c].cells, dtype=object) for c in columns})

    # ---- roles: by name (as for labelled files); a wave column also by its values
    given = {c for c in args.roles.values() if c}
    if args.roles["wave"] is None and not _find_role("wave", text_frame, columns, {}, given):
        for c in columns:
            col = info[c]
            if (
                c not in given
                and len(col.texts) >= 2
                and not col.numbers
                and all(t.lower() in _WAVE_WORDS for t in col.texts)
            ):
                args = _Args(
                    args.roles["id"], args.roles["cluster"], c, args.waves, args.roles["group"],
                    args.treated, args.missing, args.circles,
                )  # fmt: skip
                notes.append(
                    f"wave column guessed: {c!r} (its values {col.texts} are wave names); "
                    "pass wave= to choose another."
                )
                break
    roles = _resolve_roles(path, text_frame, columns, {}, args, notes)
    role_of = {col: role for role, col in roles.items() if col}
    # Personal data (by header or content): drafted as text, its values never in a note.
    from .privacy import find_personal_data, personal_column_name

    personal = {c for c in columns if c not in role_of and personal_column_name(c)}
    found = find_personal_data(text_frame, declared=sorted(personal), id_column=roles["id"])
    personal |= {p.column for p in found if p.column}
    if roles["id"] not in personal:
        _note_lost_zeros(info[roles["id"]], notes)  # type: ignore[index]

    # ---- answer kinds (before missing codes, which need the answer ranges)
    skip: set[Code] = set(args.missing) if args.missing is not None else set(_CANDIDATE_CODES)
    for c in columns:
        col = info[c]
        role = role_of.get(c)
        if c in personal:
            col.kind = "text"
            continue
        if role in ("id", "wave", "group"):
            col.kind = "number" if col.numbers and not col.texts else "text"
            continue
        if role == "cluster":
            col.kind = "category" if col.texts else "number"
            continue
        if not col.texts:
            col.kind = "number"
            if col.numbers:
                col.scale_range = _coded_scale(col, skip)
            elif not col.missing_text:
                notes.append(f"{c}: no values at all; drafted as a number.")
            continue
        if all(_LEADING_ZERO.match(t) and _num(t) is not None for t in col.texts):
            col.kind = "text"
            notes.append(
                f"{c}: numbers written with leading zeros ({_list(col.texts, 3)}): codes, not "
                "amounts; drafted as text."
            )
            continue
        col.likert = _likert_candidates(col, skip)
        binary = _binary_labels(col, skip)
        if col.likert:
            col.kind = "likert"
            k = min(len(v[0]) for n, _, v in LIKERT_SCALES if n in col.likert)
            odd = [n for n in col.answer_numbers(skip) if not (isinstance(n, int) and 1 <= n <= k)]
            if odd:
                notes.append(
                    f"{c}: answers in words, and numbers that are not codes of the scale "
                    f"({_list([_fmt(n) for n in odd], 4)}); validation will report them."
                )
        elif binary:
            col.kind, col.labels = "binary", binary
        elif col.n_number > col.n_text:
            col.kind = "number"
            notes.append(
                f"{c}: mostly numbers, with text answers ({_list(col.texts, 4)}); drafted as "
                "a number: validation will report the text."
            )
        elif (
            not col.numbers
            and not _FREE_TEXT.search(c)
            and len(col.texts) <= 12
            and len(col.texts) * 2 <= col.n_text
        ):
            col.kind = "category"
        else:
            col.kind = "text"

    # ---- survey-wide missing codes
    survey_missing, declared = _plain_missing(info, role_of, args, notes)

    # ---- shared response scales, categories
    preferred = _settle_likert(info, notes)
    categories = []
    for c in columns:
        col = info[c]
        if col.kind == "category":
            col.labels = {i: t for i, t in enumerate(col.texts, 1)}
            if role_of.get(c) != "cluster":
                categories.append(c)
            if col.numbers:
                notes.append(
                    f"{c}: holds numbers besides the text ({_list([_fmt(n) for n in col.numbers], 4)}); "
                    "validation will check them against the codes."
                )
        if col.kind == "binary":
            for zero, one, rname in _BINARY_WORDS:
                if [col.labels[0].lower(), col.labels[1].lower()] == [zero, one]:
                    preferred.setdefault(tuple(col.labels.items()), rname)
    if roles["cluster"] and info[roles["cluster"]].kind == "category":
        lab = ", ".join(f"{k}={v}" for k, v in info[roles["cluster"]].labels.items())
        notes.append(
            f"{roles['cluster']}: village names coded in order of first appearance ({lab}); "
            "the names are the value labels, so the file is read as written."
        )
    if categories:
        notes.append(
            f"drafted as categories, coded in order of first appearance, answers as value "
            f"labels: {_list(categories)}."
        )

    # ---- the table of codes the labelled-file drafter works on
    meta = FileMeta()
    data: dict[str, pd.Series] = {}
    miss_text_code = {
        lab.lower(): code for code, lab in survey_missing.items() if isinstance(lab, str)
    }
    for c in columns:
        col = info[c]
        if c in header and not c.isascii():
            meta.column_labels[c] = c
        if col.kind == "text":
            data[c] = pd.Series(col.cells, dtype=object)
            continue
        to_code = {lab.lower(): code for code, lab in col.labels.items()}
        values = []
        for x in col.cells:
            if x is None or x in DEFAULT_MISSING_TEXT:
                values.append(np.nan)
                continue
            low = x.lower()
            if low in to_code:
                values.append(float(to_code[low]))
            elif low in miss_text_code:
                values.append(float(miss_text_code[low]))
            else:
                n = _plain_number(x)
                # A labelled column's numbers that are neither codes nor missing codes are
                # left to validation to report (invalid_code), not drafted as answers.
                stray = col.labels and n not in col.labels and n not in survey_missing
                values.append(np.nan if n is None or stray else float(n))
        data[c] = pd.Series(values, dtype=float)
        if col.labels:
            meta.value_labels[c] = dict(col.labels.items())
            meta.measure[c] = "ordinal" if col.kind == "likert" else "nominal"
        if c in declared:
            meta.missing_values[c] = list(survey_missing)
    frame = pd.DataFrame(data)
    eff = _Args(
        roles["id"],
        roles["cluster"],
        roles["wave"],
        args.waves if args.waves is not None else _wave_order(info, roles["wave"], notes),
        roles["group"],
        args.treated,
        dict(survey_missing),
        args.circles,
    )
    doc = _draft_from_table(path, frame, meta, "export", eff, notes, preferred)
    coded = []
    for v in doc["variable"]:
        rng = info[v["name"]].scale_range
        if rng and v["type"] == "integer" and v["name"] not in role_of:
            v.update(type="ordinal", min=1, max=rng[1])
            coded.append(f"{v['name']} (1-{rng[1]}, {rng[0]})")
    if coded:
        notes.append(
            f"ordinal, coded 1 (lowest) upwards, by the scale their header names: "
            f"{_list(coded, 4)}; add value labels if the codes run the other way."
        )
    _mark_circles(doc, args.circles, notes)
    return Codebook.from_dict(doc, source=str(path))


def _spelled(cols: Iterable[_Column], label: str) -> str:
    """``label`` as the data spell it (case of English answers), else as given."""
    for col in cols:
        for t in col.texts:
            if t.lower() == label.lower():
                return t
    return label


def _binary_labels(col: _Column, skip: set[Code]) -> dict[Code, str]:
    texts = {t.lower() for t in col.texts}
    if not texts or not set(col.answer_numbers(skip)) <= {0, 1}:
        return {}
    for zero, one, _ in _BINARY_WORDS:
        if texts <= {zero, one}:
            return {0: _spelled([col], zero), 1: _spelled([col], one)}
    return {}


def _note_lost_zeros(col: _Column, notes: list[str]) -> None:
    """Ids like 0101 beside 101: a spreadsheet may have read some ids as numbers."""
    digits = {x for x in col.cells if x is not None and x.isdigit()}
    led = sorted(x for x in digits if len(x) > 1 and x.startswith("0"))
    if not led:
        return
    width = max(len(x) for x in led)
    short = sorted((x for x in digits if not x.startswith("0") and len(x) < width), key=int)
    if not short:
        return
    lost = [x for x in short if x.zfill(width) in digits]
    twin = f"; {lost[0]} and {lost[0].zfill(width)} count as two respondents" if lost else ""
    notes.append(
        f"{col.name}: ids with leading zeros ({_list(led, 3)}) beside shorter ids "
        f"({_list(short, 3)}): leading zeros may have been lost (a spreadsheet reading the "
        f"ids as numbers){twin}. Restore them in the file (pad to {width} digits)."
    )


def _plain_missing(
    info: Mapping[str, _Column],
    role_of: Mapping[str, str],
    args: _Args,
    notes: list[str],
) -> tuple[dict[Code, str | None], set[str]]:
    """The survey-wide missing codes of a plain export, and the columns they apply to."""
    eligible = [c for c, col in info.items() if c not in role_of and col.kind != "text"]
    codes: dict[Code, str | None]
    if args.missing is not None:
        codes = dict(args.missing)
        known = {lab.lower() for lab in codes.values() if lab}
        for c in eligible:
            odd = [t for t in info[c].missing_text if t.lower() not in known]
            if odd:
                notes.append(
                    f"{c}: answers {_list([repr(t) for t in odd])} read like a missing answer but no missing code "
                    "has that label; validation will report them (label a code with it)."
                )
    else:
        found: dict[Code, list[str]] = {}
        spelled: dict[Code, str] = {}
        for c in eligible:
            col = info[c]
            rest = col.answer_numbers(_CANDIDATE_CODES)
            small = bool(rest) and all(isinstance(n, int) and 0 <= n <= 10 for n in rest)
            if col.kind == "number" and not small:
                continue
            for n in col.numbers:
                if n in _CANDIDATE_CODES and _apart(n, rest):
                    found.setdefault(n, []).append(c)
            for t in col.missing_text:
                code: Code = _MISSING_WORDS[t.lower()]
                found.setdefault(code, []).append(c)
                spelled.setdefault(code, t)
        codes = {}
        for code in sorted(found, key=lambda k: (k < 0, k)):
            codes[code] = spelled.get(code) or _CONVENTIONAL_MISSING.get(code)
        if codes:
            what = "; ".join(
                f"{_fmt(k)}={lab or '(no label)'} in {_list(list(dict.fromkeys(found[k])), 3)}"
                for k, lab in codes.items()
            )
            notes.append(
                f"survey missing codes guessed from codes apart from the answers and from answer "
                f"text: {what}; pass missing= (--missing 98=不知道,99=拒答) to set them."
            )
    declared = set()
    for c in eligible:
        col = info[c]
        rest = col.answer_numbers(codes)
        hits = [n for n in col.numbers if n in codes]
        if all(_apart(n, rest) for n in hits):
            declared.add(c)
            if hits and col.kind == "number" and rest and not col.scale_range:
                notes.append(
                    f"{c}: {', '.join(map(_fmt, sorted(hits)))} read as missing "
                    f"(apart from the other values, {_fmt(min(rest))} to {_fmt(max(rest))})."
                )
    return codes, declared


def _settle_likert(info: Mapping[str, _Column], notes: list[str]) -> dict[tuple, str]:
    """Choose one scale (and one wording of it) per group of Likert columns."""
    cols = [col for col in info.values() if col.kind == "likert"]
    sure = Counter(col.likert[0] for col in cols if len(col.likert) == 1)
    keywords = {name: kw for name, kw, _ in LIKERT_SCALES}
    family: dict[str, list[_Column]] = {}
    for col in cols:
        if len(col.likert) > 1:
            by_word = [s for s in col.likert if re.search(keywords[s], col.name, re.I)]
            by_use = sorted(col.likert, key=lambda s: -sure[s])
            choice = by_word[0] if by_word else by_use[0]
            notes.append(
                f"{col.name}: its answers ({_list(col.texts, 4)}) fit several scales "
                f"({', '.join(col.likert)}); taken as {choice}."
            )
        else:
            choice = col.likert[0]
        family.setdefault(choice, []).append(col)
    preferred: dict[tuple, str] = {}
    for name, members in family.items():
        variants = next(v for n, _, v in LIKERT_SCALES if n == name)
        union = {t.lower() for col in members for t in col.texts}
        fits = [v for v in variants if union <= {x.lower() for x in v}]
        shared = fits[0] if fits else None
        code_of = [{x.lower(): i for i, x in enumerate(v)} for v in fits]
        if any(c[t] != code_of[0][t] for c in code_of[1:] for t in union):
            notes.append(
                f"{_list([m.name for m in members], 3)}: the answers seen "
                f"({_list(sorted(union), 4)}) fit more than one wording of {name} with "
                f"different codes; coded as {' < '.join(shared)}."  # type: ignore[arg-type]
            )
        for col in members:
            texts = {t.lower() for t in col.texts}
            wording = shared or next(v for v in variants if texts <= {x.lower() for x in v})
            col.labels = {i: _spelled(members, lab) for i, lab in enumerate(wording, 1)}
        for col in members:
            preferred.setdefault(tuple(col.labels.items()), name)
        labs = ", ".join(f"{k}={v}" for k, v in members[0].labels.items())
        notes.append(
            f"ordinal scale {name} ({labs}) recognised from the answer text of "
            f"{_list([m.name for m in members], 4)}; answers written as codes 1-{len(members[0].labels)}."
        )
    return preferred


def _wave_order(info: Mapping[str, _Column], wave: str | None, notes: list[str]) -> list | None:
    if not wave:
        return None
    col = info[wave]
    ranks = [_WAVE_WORDS.get(t.lower()) for t in col.texts]
    if col.numbers or not col.texts or None in ranks or len(set(ranks)) != len(ranks):
        return None
    # (no rank is None here: that returned above)
    order = [t for _, t in sorted(zip(ranks, col.texts, strict=True), key=lambda p: p[0] or 0)]
    notes.append(
        f"waves ordered by their names: {order} (the first is the baseline); pass waves= to "
        "set the order."
    )
    return order


def _words_in(text: str, table: Sequence[tuple[str, str, tuple[str, ...]]]) -> list[tuple]:
    low = text.lower()
    hits = []
    for name, label, words in table:
        word = next((w for w in words if w in low), None)
        if word is not None:
            hits.append((name, label if word.isascii() or table is SERVICE_WORDS else word))
    return hits


def _mark_circles(doc: dict[str, Any], circles: Sequence[str] | None, notes: list[str]) -> None:
    """Willingness items: a circle (and service) from the words of each header."""
    roles = {doc["survey"].get(r) for r in ("id", "cluster", "wave", "group")}
    c_label: dict[str, str] = {}
    s_label: dict[str, str] = {}
    marked: list[str] = []
    outside: list[str] = []
    for v in doc["variable"]:
        name = v["name"]
        if v["type"] not in ("ordinal", "integer", "number", "binary") or name in roles:
            continue
        if v.get("pii"):
            continue
        circ = _words_in(name, CIRCLE_WORDS)
        serv = _words_in(name, SERVICE_WORDS)
        if len(circ) != 1 or not (serv or _HELP_WORDS.search(name)):
            continue
        cname, clab = circ[0]
        if circles is not None and cname not in circles:
            outside.append(name)
            continue
        v["circle"] = cname
        c_label.setdefault(cname, clab)
        if len(serv) == 1:
            v["service"] = serv[0][0]
            s_label.setdefault(serv[0][0], serv[0][1])
        marked.append(name)
    if outside:
        notes.append(
            f"{_list(outside, 4)}: their headers name a circle not in circles={list(circles or [])}; "
            "not marked as willingness items."
        )
    if not c_label and circles is None:
        return
    order = (
        list(circles) if circles is not None else [n for n, _, _ in CIRCLE_WORDS if n in c_label]
    )
    circ_doc: dict[str, Any] = {"order": order}
    if c_label:
        circ_doc["labels"] = {n: c_label[n] for n in order if n in c_label}
    doc["circles"] = circ_doc
    if circles is None:
        notes.append(
            "circles suggested from header words, nearest first: "
            + ", ".join(f"{n} ({c_label[n]})" for n in order)
            + f"; {len(marked)} willingness items marked. Check the order and the items."
        )
    if s_label:
        s_order = [n for n, _, _ in SERVICE_WORDS if n in s_label]
        doc["services"] = {"order": s_order, "labels": {n: s_label[n] for n in s_order}}
        notes.append(
            "services suggested from header words: "
            + ", ".join(f"{n} ({s_label[n]})" for n in s_order)
            + "."
        )


def _table_header(
    path: Path, sheet: str | int | None, encoding: str | None
) -> tuple[list[str], str | int | None]:
    """The header of a .csv/.xlsx file, and the sheet a data export is read from."""
    from .readers import read_raw

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return [str(c) for c in read_raw(path, encoding=encoding).frame.columns], None
    names = _sheet_names(path)
    if sheet is None:
        first = next((n for n in names if n.strip().lower() not in ("survey", "responses")), None)
        sheet = first if first is not None else names[0]
    return [str(c) for c in read_raw(path, sheet=sheet).frame.columns], sheet


def draft_kind(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    kind: str | None = None,
) -> str:
    """What :func:`draft_codebook` takes ``path`` for, in words.

    Returns ``"labelled data file"`` (.sav, .dta), ``"data export"`` or
    ``"spreadsheet codebook"`` (.csv, .xlsx: told by the header, unless
    ``kind`` is ``"data"`` or ``"codebook"``).
    """
    p = Path(path)
    what = SUPPORTED_EXTENSIONS.get(p.suffix.lower())
    if what is None:
        raise UsageError(f"{p}: cannot draft a codebook from this file type.")
    if what == "labelled data file":
        return what
    if kind is None:
        header, _ = _table_header(p, sheet, encoding)
        kind = "codebook" if _looks_like_codebook(header) else "data"
    return "spreadsheet codebook" if kind == "codebook" else "data export"
