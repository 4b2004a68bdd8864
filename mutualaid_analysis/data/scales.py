"""Scale scores: the items of a codebook scale turned into one score per row.

:func:`score_scale` lives in the data layer because a score is a derived
column of the survey (reverse keying and prorating follow the codebook), used
alike by the evaluation (attrition, effects, reliable change), the plots and
the report.  Reliability of a scale is an analysis, in
:mod:`mutualaid_analysis.evaluation.scales`, which re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .codebook import Variable
from .waves import Wave, WaveChoice, resolve_wave

if TYPE_CHECKING:  # pragma: no cover
    from .survey import Survey

__all__ = [
    "MIN_ANSWERED_SHARE",
    "SCORE_METHODS",
    "ScoreMethod",
    "default_min_answered",
    "item_range",
    "keyed_items",
    "reverse_item",
    "scale_items",
    "score_scale",
    "survey_roles",
    "wave_rows",
]

ScoreMethod = Literal["sum", "mean"]
SCORE_METHODS: tuple[str, ...] = get_args(ScoreMethod)

#: Share of a scale's items that must be answered for a prorated score.
MIN_ANSWERED_SHARE = 0.8


# --------------------------------------------------------------------------- helpers


def item_range(var: Variable) -> tuple[float, float]:
    """The response range ``(min, max)`` of an item: its value labels, else codebook min/max."""
    if var.values:
        codes = [float(c) for c in var.values if isinstance(c, int | float)]
        if codes:
            return min(codes), max(codes)
    if var.min is not None and var.max is not None:
        return float(var.min), float(var.max)
    raise UsageError(
        f"item {var.name!r} has no response range: give it value labels "
        '(values = {...} or responses = "...") or both min and max.'
    )


def reverse_item(x: Any, low: float, high: float) -> np.ndarray:
    """Reverse-key answers on the range ``[low, high]``: ``(low + high) - x`` (NaN stays NaN)."""
    return (low + high) - np.asarray(x, dtype=float)


def default_min_answered(k: int) -> int:
    """``ceil(0.8 k)``: at most 20% of a scale's items may be missing (8 of 10 for the GSES)."""
    return max(1, math.ceil(MIN_ANSWERED_SHARE * k - 1e-9))


def scale_items(survey: Survey, scale: str) -> list[Variable]:
    cb = survey.codebook
    try:
        items = cb.scale_items(scale)
    except KeyError as exc:
        raise UsageError(str(exc.args[0]) if exc.args else str(exc)) from exc
    missing = [v.name for v in items if v.name not in survey.data.columns]
    if missing:
        raise UsageError(f"items {missing} of scale {scale!r} are not in the analysis data.")
    return items


def keyed_items(survey: Survey, items: Sequence[Variable], frame: pd.DataFrame) -> np.ndarray:
    """The item answers as floats (NaN = missing), reverse-keyed items flipped."""
    cols = []
    for var in items:
        x = frame[var.name].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if var.reverse:
            low, high = item_range(var)
            x = reverse_item(x, low, high)
        cols.append(x)
    return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def survey_roles(survey: Survey) -> list[str]:
    return [c for c in survey.codebook.roles.values() if c in survey.data.columns]


def wave_rows(survey: Survey, wave: Wave | None) -> pd.DataFrame:
    wcol = survey.codebook.survey.wave
    if wave is None or not wcol:
        return survey.data
    return survey.data[survey.data[wcol].astype(str) == str(wave)]


# --------------------------------------------------------------------------- scores


def score_scale(
    survey: Survey,
    scale: str,
    *,
    method: ScoreMethod = "sum",
    min_answered: int | None = None,
    wave: WaveChoice = None,
) -> pd.DataFrame:
    """Score a multi-item scale: one score per respondent and wave.

    Parameters
    ----------
    survey : Survey
    scale : str
        A scale of the codebook (its items carry ``scale = "<name>"``).
    method : {"sum", "mean"}, default "sum"
        ``"sum"``: the total on the items' own metric (the GSES is scored as
        the sum, 10-40); ``"mean"``: the mean item score (1-4 for the GSES).
    min_answered : int, optional
        Fewest answered items for a score; default ``ceil(0.8 k)`` for ``k``
        items (at most 20% missing: 8 of the GSES's 10).
    wave : optional
        One wave (``"baseline"`` = the codebook's first); default ``None``:
        every wave, one row per analysed row.

    Returns
    -------
    pandas.DataFrame
        The role columns (respondent id, village, wave, group, where the
        codebook has them), ``score`` (float, NaN when fewer than
        ``min_answered`` items were answered), ``n_answered`` and ``n_items``.

    Raises
    ------
    UsageError
        For an unknown scale or method, a ``min_answered`` outside
        ``1..k``, or a reverse-keyed item without a response range.

    Notes
    -----
    Reverse-keyed items (``reverse = true``) are flipped within their response
    range, :math:`x' = (\\min + \\max) - x`, the range being the item's value
    labels (else its codebook ``min``/``max``), never the answers observed.

    Prorating: with :math:`m \\ge` ``min_answered`` of the :math:`k` items
    answered, the mean score is the mean of the answered items and the sum
    score is that mean times :math:`k` (the answered items' mean stands in for
    the missing ones); with fewer, the score is missing.  The default
    threshold follows the common rule of at most 20% of items missing; say
    so, or set another, when reporting.

    References
    ----------
    Mazza, G. L., Enders, C. K., & Ruehlman, L. S. (2015). Addressing
    item-level missing data: A comparison of proration and full information
    maximum likelihood estimation. Multivariate Behavioral Research, 50(5),
    504-519.
    Schwarzer, R., & Jerusalem, M. (1995). Generalized Self-Efficacy scale.
    In J. Weinman, S. Wright, & M. Johnston (Eds.), Measures in health
    psychology (pp. 35-37). NFER-NELSON.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> scores = ma.score_scale(ma.load_sample(), "gses")  # doctest: +SKIP
    >>> scores.groupby("wave")["score"].mean()  # doctest: +SKIP
    """
    if method not in SCORE_METHODS:
        raise UsageError(
            f"method must be one of {', '.join(map(repr, SCORE_METHODS))}; got {method!r}."
        )
    items = scale_items(survey, scale)
    k = len(items)
    if min_answered is None:
        min_answered = default_min_answered(k)
    if (
        isinstance(min_answered, bool)
        or not isinstance(min_answered, int | np.integer)
        or not 1 <= min_answered <= k
    ):
        raise UsageError(
            f"min_answered must be a whole number from 1 to {k} (the items of "
            f"{scale!r}); got {min_answered!r}."
        )
    wave_value = resolve_wave(survey, wave) if wave is not None else None
    frame = wave_rows(survey, wave_value)
    x = keyed_items(survey, items, frame)
    answered = (~np.isnan(x)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(answered > 0, np.nansum(x, axis=1) / np.maximum(answered, 1), np.nan)
    score = means * k if method == "sum" else means
    score = np.where(answered >= min_answered, score, np.nan)
    out = frame[survey_roles(survey)].reset_index(drop=True).copy()
    out["score"] = score
    out["n_answered"] = answered.astype(int)
    out["n_items"] = k
    return out
