"""Exception and warning classes.

Every error that a user's data, codebook or configuration can cause has its
own class, so that the command-line interface can turn it into one clear
message (exit code 1 for data, 2 for usage) instead of a traceback, and so
that notebook users can catch exactly what they mean to catch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .masking import mask_personal_text
from .problems import Problem, format_problems, problems_frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .report.config import Config

__all__ = [
    "AnalysisError",
    "BoundaryWarning",
    "CodebookDraftWarning",
    "CodebookError",
    "ConfigError",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataFileError",
    "FontWarning",
    "HessianWarning",
    "InsufficientDataError",
    "MutualAidError",
    "MutualAidWarning",
    "PersonalDataError",
    "PrivacyWarning",
    "SurveyValidationError",
    "TextEncodingWarning",
    "UsageError",
]


class MutualAidError(Exception):
    """Base class of every error this package raises on purpose.

    Its text never shows personal data: mobile and resident identity
    numbers, IP and e-mail addresses in the message (a file named after a
    respondent's phone number, say) are masked (``138****5678``).
    """

    def __str__(self) -> str:
        return str(mask_personal_text(super().__str__()))


class UsageError(MutualAidError, ValueError):
    """An argument or option was given a value the function does not accept."""


class ConfigError(UsageError):
    """The configuration is invalid; ``.problems`` lists every mistake (one sentence each).

    A :class:`~mutualaid_analysis.exceptions.UsageError`, so the command line
    exits with code 2.
    """

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.problems: list[str] = list(problems)
        self.partial: Config | None = None
        n = len(self.problems)
        where = f" {source}" if source else ""
        lines = [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        super().__init__(
            f"The configuration{where} has {n} problem{'s' * (n != 1)}:\n" + "\n".join(lines)
        )


class _ProblemsError(MutualAidError, ValueError):
    """An error that carries the full list of problems, not just the first."""

    def __init__(self, problems: list[Problem], header: str) -> None:
        self.problem_list: list[Problem] = list(problems)
        self.header = header
        super().__init__(f"{header}\n{format_problems(self.problem_list)}")

    @property
    def problems(self) -> pd.DataFrame:
        """All problems as a DataFrame (one row each; see ``problems_frame``)."""
        return problems_frame(self.problem_list)


class CodebookError(_ProblemsError):
    """The codebook itself is invalid; ``.problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        n = len(problems)
        where = f" {source}" if source else ""
        super().__init__(problems, f"The codebook{where} has {n} problem{'s' * (n != 1)}:")


class SurveyValidationError(_ProblemsError):
    """The data broke rules of its codebook; ``.problems`` lists all of them.

    Raised by :func:`read_survey` with ``on_invalid="raise"`` (the default).
    The partially read survey is available as ``.survey`` so that the ledger
    and the problems can be inspected or saved.

    The message says how to continue in the caller's terms: the argument
    ``on_invalid=`` by default; :meth:`for_config` restates it for a
    configuration file (``mutualaid run`` names its ``on_invalid`` key).
    """

    def __init__(self, problems: list[Problem], source: str | None = None,
                 survey: Any = None, *, fatal: bool = False,
                 config: str | None = None) -> None:
        n = len(problems)
        where = f" {source}" if source else ""
        self.survey = survey
        self.source = source
        self.fatal = fatal
        if fatal:
            hint = ("that no on_invalid setting can pass over" if not config else
                    f"that no on_invalid setting (in {config}) can pass over")
        elif config:
            hint = (f'(set on_invalid = "exclude" or "missing" in {config} to continue '
                    "without the offending rows or cells)")
        else:
            hint = ("(pass on_invalid='exclude' or 'missing' to continue without the "
                    "offending rows or cells)")
        super().__init__(
            problems,
            f"The data{where} failed validation with {n} problem{'s' * (n != 1)} {hint}:",
        )

    def for_config(self, config: str) -> SurveyValidationError:
        """The same error, its message naming the configuration key, not ``on_invalid=``.

        Parameters
        ----------
        config : str
            Where the key is set, e.g. ``the [data] table of analysis.toml``.
        """
        return SurveyValidationError(self.problem_list, self.source, self.survey,
                                     fatal=self.fatal, config=config)


class PersonalDataError(MutualAidError, ValueError):
    """Personal data would be published: a column of names or phone numbers used
    to group a table or figure (``by``), or respondent ids that are personal data.

    The message names the column and shows masked examples only.
    """


class DataFileError(MutualAidError, ValueError):
    """A data file cannot be read at all: missing, empty, unknown format or encoding."""


class InsufficientDataError(MutualAidError, ValueError):
    """The data cannot support the analysis asked for (too few villages, no respondents).

    The message names the analysis, what it needs, what the data have and
    why (e.g. how many follow-up respondents matched a baseline id).  The
    command line exits with code 1: the analysis could not be run on the data.
    """


class ConvergenceError(MutualAidError, RuntimeError):
    """A model fit did not converge; no estimates are returned as if it had.

    Pass ``allow_nonconvergence=True`` to get the last iterate anyway (marked
    ``converged=False``, with a :class:`ConvergenceWarning`).
    """


class AnalysisError(MutualAidError, ValueError):
    """An analysis of a whole run (``mutualaid run``) cannot be run on these data.

    Raised by :func:`~mutualaid_analysis.report.pipeline.run_pipeline` in
    place of the analysis's own :class:`UsageError`, :class:`ConvergenceError`
    or ``ValueError`` (kept as ``__cause__`` and :attr:`cause`), so that the
    message names the analysis that failed, the cause in the data and what to
    change.  The command line exits with code 1.

    Attributes
    ----------
    analysis : str
        The analysis (``"gradient"``, ``"ordinal"``, ``"effects"``, ...).
    cause : BaseException
        The error the analysis raised.
    hint : str or None
        What to change in the data, codebook or configuration.
    """

    def __init__(
        self, analysis: str, cause: BaseException, hint: str | None = None, what: str = ""
    ) -> None:
        self.analysis = analysis
        self.cause = cause
        self.hint = hint
        name = f"{analysis!r} ({what})" if what else repr(analysis)
        text = " ".join(str(cause).split()) or type(cause).__name__
        message = f"the analysis {name} cannot be run on these data: {text}"
        if hint:
            message += f"\n  What to change: {hint}"
        super().__init__(message)


class MutualAidWarning(UserWarning):
    """Base class of the warnings this package emits."""


class PrivacyWarning(MutualAidWarning):
    """Personal data may be present, or a count was suppressed for privacy."""


class ConvergenceWarning(MutualAidWarning):
    """A model fit did not converge and its numbers were returned on request."""


class TextEncodingWarning(MutualAidWarning):
    """A text file's detected encoding is probably wrong: the decoded text is improbable.

    Pass the file's actual encoding (``encoding=``, ``--encoding``) to silence it.
    """


class BoundaryWarning(MutualAidWarning):
    """A random-effect SD is estimated at (or next to) zero: the fit is on the boundary."""


class HessianWarning(MutualAidWarning):
    """The Hessian at the optimum is not positive definite: standard errors are not reported."""


class FontWarning(MutualAidWarning):
    """No font with Chinese glyphs is installed; figures use English labels instead."""


class CodebookDraftWarning(MutualAidWarning):
    """The guesses :func:`~mutualaid_analysis.draft_codebook` made, to be checked by a person.

    Attributes
    ----------
    notes : list of str
        One sentence per guess (also in the warning's message, one per line).
    """

    def __init__(self, message: str, notes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.notes: list[str] = list(notes)
