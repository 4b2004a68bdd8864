"""What Works Clearinghouse (WWC) rules: the attrition boundary and baseline-equivalence bands.

The boundary table is data (``wwc_boundaries.csv`` beside this module, with
its source written at the top of the file); the effect sizes used for
baseline equivalence (Hedges' g, the Cox index) are closed forms.  Nothing
here reads a survey: :mod:`.attrition` applies these rules to one.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Literal, get_args

import numpy as np
import pandas as pd

from ..exceptions import UsageError

__all__ = [
    "BOUNDARIES",
    "EQUIVALENCE_BANDS",
    "Boundary",
    "attrition_boundary",
    "attrition_verdict",
    "boundary_table",
    "cox_index",
    "equivalence_band",
    "hedges_g",
    "small_sample_correction",
]

#: The two WWC attrition boundaries (one source for the type hint and the check).
Boundary = Literal["cautious", "optimistic"]
BOUNDARIES: tuple[Boundary, ...] = get_args(Boundary)

#: Baseline-equivalence bands of the WWC (absolute effect size, upper limit inclusive).
EQUIVALENCE_BANDS: tuple[tuple[float, str], ...] = (
    (0.05, "satisfied"),
    (0.25, "requires statistical adjustment"),
    (math.inf, "not satisfied"),
)

#: Cox's scaling constant: the logistic distribution's SD is pi/sqrt(3) ~ 1.81;
#: 1.65 is the constant the WWC uses (Sanchez-Meca et al. 2003).
COX_CONSTANT = 1.65

_TABLE_SOURCE = (
    "WWC Standards Handbook v4.0/v4.1 Table II.1 (same standard in v5.0), from two public "
    "transcriptions; see mutualaid_analysis/evaluation/wwc_boundaries.csv"
)


@cache
def _table() -> pd.DataFrame:
    path = resources.files("mutualaid_analysis.evaluation").joinpath("wwc_boundaries.csv")
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#")


def boundary_table() -> pd.DataFrame:
    """The WWC attrition boundary table (a copy).

    Returns
    -------
    pandas.DataFrame
        ``overall_pct`` (0-65, whole percent), ``cautious_pp`` and
        ``optimistic_pp`` (the highest differential attrition, in percentage
        points, still counted as low attrition; missing = high attrition for
        any differential), ``optimistic_alt_pp`` (the other public reading of
        the optimistic column where the two transcriptions disagree).

    Notes
    -----
    Source: What Works Clearinghouse, *Standards Handbook*, Version 4.0
    (2017) and 4.1 (2020), Table II.1; Version 5.0 (2022) keeps the
    attrition standard.  The values were taken from two independent public
    transcriptions, not checked against the Handbook's PDF; they agree on the
    whole cautious column and on the optimistic column up to 12% overall
    attrition.  Where they disagree (the optimistic column from 13%, by one
    row) the lower, more conservative value is used.  See the header of
    ``wwc_boundaries.csv``.
    """
    return _table().copy()


def _check_boundary(boundary: str) -> None:
    if boundary not in BOUNDARIES:
        raise UsageError(
            f"boundary must be one of {', '.join(map(repr, BOUNDARIES))}; got {boundary!r}."
        )


def attrition_boundary(overall: float, boundary: Boundary = "cautious") -> float:
    """Highest differential attrition (percentage points) still low at this overall rate.

    Parameters
    ----------
    overall : float
        Overall attrition as a proportion in [0, 1].
    boundary : {"cautious", "optimistic"}, default "cautious"

    Returns
    -------
    float
        The boundary in percentage points; ``nan`` when every differential is
        high attrition at this overall rate (beyond the table).

    Notes
    -----
    The table is tabulated at whole percents.  A rate between two rows gets
    the smaller of the two rows' boundaries (so that a verdict of low
    attrition never rests on rounding); an exact whole percent gets its row.
    """
    _check_boundary(boundary)
    if not 0 <= overall <= 1:
        raise UsageError(f"overall attrition must be a proportion in [0, 1]; got {overall!r}.")
    table = _table().set_index("overall_pct")[f"{boundary}_pp"]
    pct = round(overall * 100, 9)
    rows = {math.floor(pct), math.ceil(pct)}
    values = [table.get(r, np.nan) for r in rows]
    if any(pd.isna(v) for v in values):
        return math.nan
    return float(min(values))


def attrition_verdict(
    overall: float, differential_pp: float, boundary: Boundary = "cautious"
) -> tuple[str, float]:
    """``("low" | "high", boundary_pp)`` for an overall rate and a differential.

    ``differential_pp`` is in percentage points; a differential equal to the
    boundary (to 1e-9) is low attrition.
    """
    limit = attrition_boundary(overall, boundary)
    if math.isnan(limit):
        return "high", limit
    return ("low" if differential_pp <= limit + 1e-9 else "high"), limit


def small_sample_correction(n: int) -> float:
    r"""Hedges' small-sample correction :math:`\omega = 1 - 3/(4N - 9)` (WWC formula)."""
    if n <= 2:
        return math.nan
    return 1.0 - 3.0 / (4.0 * n - 9.0)


def hedges_g(mean_t: float, mean_c: float, sd_t: float, sd_c: float, n_t: int, n_c: int) -> float:
    r"""Hedges' g: the standardised mean difference with the pooled SD and ω.

    .. math::

       g = \omega \frac{\bar y_T - \bar y_C}
           {\sqrt{\frac{(n_T - 1)s_T^2 + (n_C - 1)s_C^2}{n_T + n_C - 2}}},
       \qquad \omega = 1 - \frac{3}{4N - 9},\ N = n_T + n_C

    (``sd_t``, ``sd_c`` are the sample SDs with denominator n - 1).  ``nan``
    when the pooled SD is 0 or a group has fewer than 2 values.

    References
    ----------
    What Works Clearinghouse (2022). *Procedures and Standards Handbook,
    Version 5.0*, Appendix (effect size formulas). Hedges, L. V. (1981).
    Distribution theory for Glass's estimator of effect size and related
    estimators. Journal of Educational Statistics, 6(2), 107-128.
    """
    if n_t < 2 or n_c < 2:
        return math.nan
    pooled = math.sqrt(((n_t - 1) * sd_t**2 + (n_c - 1) * sd_c**2) / (n_t + n_c - 2))
    if not pooled > 0:
        return math.nan
    return small_sample_correction(n_t + n_c) * (mean_t - mean_c) / pooled


def cox_index(p_t: float, p_c: float, n_t: int, n_c: int) -> float:
    r"""The Cox index for a binary variable, with the small-sample correction.

    .. math::

       d_{Cox} = \omega \, \frac{\ln\frac{p_T}{1-p_T} - \ln\frac{p_C}{1-p_C}}{1.65},
       \qquad \omega = 1 - \frac{3}{4N - 9}

    ``nan`` when a proportion is 0 or 1 (the log odds ratio is infinite; the
    WWC then asks for the difference in proportions to be judged otherwise).

    References
    ----------
    What Works Clearinghouse (2022). *Procedures and Standards Handbook,
    Version 5.0*. Sanchez-Meca, J., Marin-Martinez, F., & Chacon-Moscoso, S.
    (2003). Effect-size indices for dichotomized outcomes in meta-analysis.
    Psychological Methods, 8(4), 448-467.
    """
    if not (0 < p_t < 1 and 0 < p_c < 1):
        return math.nan
    log_or = math.log(p_t / (1 - p_t)) - math.log(p_c / (1 - p_c))
    return small_sample_correction(n_t + n_c) * log_or / COX_CONSTANT


def equivalence_band(effect_size: float) -> str:
    """The WWC baseline-equivalence band of an effect size (by its absolute value).

    ``|es| <= 0.05``: ``"satisfied"``; ``0.05 < |es| <= 0.25``: ``"requires
    statistical adjustment"``; ``|es| > 0.25``: ``"not satisfied"``; missing
    effect size: ``"not assessed"``.
    """
    if effect_size is None or not np.isfinite(effect_size):
        return "not assessed"
    a = abs(float(effect_size))
    for limit, band in EQUIVALENCE_BANDS:
        if a <= limit + 1e-12:
            return band
    return EQUIVALENCE_BANDS[-1][1]  # pragma: no cover
