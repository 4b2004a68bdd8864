"""Which wave of a survey to analyse: the one home of :func:`resolve_wave`.

It lives in the data layer because waves are the survey's (its codebook's
``[survey] wave`` and ``waves``); the analyses, the plots and the scale
scores all resolve a wave through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from ..exceptions import UsageError
from .codebook import Scalar

if TYPE_CHECKING:  # pragma: no cover
    from .survey import Survey

__all__ = ["Wave", "WaveChoice", "resolve_wave"]

#: A wave as the codebook's ``waves`` lists it (or, without that list, as the
#: data holds it, as text): ``"pre"``, ``1``.
Wave: TypeAlias = Scalar

#: What an analysis's ``wave=`` takes: ``"baseline"`` (the first wave), a wave
#: (compared as text, so ``2`` and ``"2"`` name the same one), or ``None`` for
#: every row.
WaveChoice: TypeAlias = Scalar | None


def resolve_wave(
    survey: Survey, wave: WaveChoice = "baseline", *, pool: bool = True
) -> Wave | None:
    """The wave to analyse: ``"baseline"`` (default) is the codebook's first wave.

    Parameters
    ----------
    survey : Survey
    wave : str, wave value or None, default "baseline"
        ``"baseline"``, a wave as the codebook lists it (compared as text, so
        ``2`` and ``"2"`` name the same wave), or ``None`` for all rows.
    pool : bool, default True
        Whether ``None`` may pool the waves of a survey that has them.  An
        analysis that compares circles within each respondent needs one wave
        and passes ``pool=False``, so that ``None`` is refused.

    Returns
    -------
    The wave value as the codebook (or, without a ``waves`` list, the data)
    holds it, or ``None`` (no waves, or pooled).

    Raises
    ------
    UsageError
        A wave that the survey does not have; a wave given for a survey
        without waves; ``None`` with ``pool=False`` for a survey with waves.
    """
    waves = list(survey.codebook.survey.waves or survey.waves)
    wcol = survey.codebook.survey.wave
    if not wcol or wcol not in survey.data.columns or not waves:
        if wave not in (None, "baseline"):
            raise UsageError(
                f"wave={wave!r} was given, but this survey has no waves "
                "(no [survey] wave column in the codebook)."
            )
        return None
    if wave is None:
        if pool:
            return None
        raise UsageError(
            "this analysis compares circles within each respondent and needs one wave; "
            f"pass wave='baseline' (the default) or one of {[str(w) for w in waves]}."
        )
    if wave == "baseline":
        return waves[0]
    known = [str(w) for w in waves]
    if str(wave) not in known:
        raise UsageError(f"no wave {wave!r} in the analysed data; the waves are {known}.")
    return waves[known.index(str(wave))]
