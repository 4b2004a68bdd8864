"""Which wave of a survey to analyse: the one home of :func:`resolve_wave`.

It lives in the data layer because waves are the survey's (its codebook's
``[survey] wave`` and ``waves``); the analyses, the plots and the scale
scores all resolve a wave through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from .survey import Survey

__all__ = ["resolve_wave"]


def resolve_wave(survey: Survey, wave: Any = "baseline") -> Any:
    """The wave to analyse: ``"baseline"`` (default) is the codebook's first wave.

    ``None`` means all rows (only allowed when the survey has no waves, or to
    pool waves on purpose).  Returns the wave value, or ``None``.
    """
    waves = survey.codebook.survey.waves
    wcol = survey.codebook.survey.wave
    if not wcol or wcol not in survey.data.columns:
        if wave not in (None, "baseline"):
            raise UsageError(f"this survey has no waves; got wave={wave!r}.")
        return None
    if wave is None:
        return None
    if wave == "baseline":
        return waves[0] if waves else survey.waves[0]
    known = [str(w) for w in (waves or survey.waves)]
    if str(wave) not in known:
        raise UsageError(f"no wave {wave!r}; the waves are {known}.")
    return wave
