"""Validation problems: one record per broken rule, reported all at once.

A :class:`Problem` is what the codebook reader, the data readers and the
validation report; the errors that carry them (``CodebookError``,
``SurveyValidationError``) format them with :func:`format_problems`.  The
module sits below the errors (it imports only :mod:`..masking`), so that
``exceptions.py`` needs nothing of the data layer.  Its old address,
``mutualaid_analysis.data.problems``, still works.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import pandas as pd

from .masking import mask_personal_text

__all__ = ["PROBLEM_COLUMNS", "Problem", "format_problems", "problems_frame"]

#: Columns of ``Survey.problems`` and ``SurveyValidationError.problems``.
PROBLEM_COLUMNS = [
    "file", "line", "respondent", "column", "key", "value", "rule", "severity", "message",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One broken rule.

    Attributes
    ----------
    rule : str
        Short, stable identifier of the rule (``"out_of_range"``,
        ``"unknown_label"``, ``"duplicate_id"``, ...), for filtering.
    message : str
        A sentence for a human: what is wrong and, where possible, how to fix it.
    file : str or None
        Name of the file the problem is in (codebook or data file).
    line : int or None
        Line (CSV), sheet row (Excel) or case number (SPSS/Stata) in ``file``,
        1-based, counting the header as line 1 for text and spreadsheet files.
    respondent : str or None
        The respondent id of the offending row, where known.
    column : str or None
        The data column concerned.
    value : object
        The offending value as found in the file.
    key : str or None
        For codebook problems, the key path (``survey.cluster``,
        ``variable 'will_rel_care'.responses``).
    severity : {"error", "warning"}
        Errors make ``read_survey(on_invalid="raise")`` fail; warnings are
        reported but never block the analysis.

    Notes
    -----
    Personal data never reaches a problem: on creation, the message, the
    value, the respondent and the file name pass through
    :func:`~mutualaid_analysis.masking.mask_personal_text`, so a
    mobile number quoted by any rule's message is shown as ``138****5678``.
    """

    rule: str
    message: str
    file: str | None = None
    line: int | None = None
    respondent: str | None = None
    column: str | None = None
    value: Any = None
    severity: Severity = "error"
    key: str | None = None

    def __post_init__(self) -> None:
        for name in ("message", "value", "respondent", "file"):
            value = getattr(self, name)
            masked = mask_personal_text(value)
            if masked is not value:
                object.__setattr__(self, name, masked)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.respondent is not None:
            where.append(f"respondent {self.respondent}")
        if self.column:
            where.append(f"column {self.column!r}")
        if self.key:
            where.append(f"at {self.key}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        loc = ", ".join(where)
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{tag}{loc}: {self.message} [{self.rule}]" if loc else f"{tag}{self.message} [{self.rule}]"


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """Return problems as a DataFrame with the columns in :data:`PROBLEM_COLUMNS`."""
    rows = [asdict(p) for p in problems]
    frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    frame["line"] = frame["line"].astype("Int64")
    frame["value"] = frame["value"].astype(object)
    return frame


def format_problems(problems: Iterable[Problem], limit: int | None = None) -> str:
    """One line per problem, numbered; at most ``limit`` lines then a count of the rest."""
    problems = list(problems)
    shown = problems if limit is None else problems[:limit]
    lines = [f"  {i}. {p}" for i, p in enumerate(shown, 1)]
    if len(shown) < len(problems):
        lines.append(f"  ... and {len(problems) - len(shown)} more (see .problems for all)")
    return "\n".join(lines)
