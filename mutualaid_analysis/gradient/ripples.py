"""The ripples of a survey in one call: the gradient per wave (and arm), drawn.

:func:`plot_ripples` computes with :func:`gradient` and hands the results to
:func:`mutualaid_analysis.plots.ripple_grid`; it lives here, with the analysis
it runs, so that the plots only draw results and never import an analysis.
matplotlib is imported only when it draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..data.survey import Survey
from .describe import gradient

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..data.codebook import Scalar

__all__ = ["plot_ripples"]

Measure = Literal["mean", "share_willing"]


def plot_ripples(
    survey: Survey,
    *,
    by: str | None = "group",
    fig: Figure | None = None,
    lang: str = "zh",
    measure: Measure = "mean",
    service: str | None = None,
    threshold: float = 4,
    **kwargs: Any,
) -> np.ndarray:
    """Compute the gradient per wave (and group) and draw the ripples: one call from a survey.

    Parameters
    ----------
    survey : Survey
    by : str or None, default "group"
        Column to split by; ``"group"`` means the codebook's arm column (none
        when the codebook has no arm); ``None`` for no split.
    fig : Figure, optional
    lang : {"zh", "en"}, default "zh"
    measure : {"mean", "share_willing"}, default "mean"
    service : str, optional
        One service (default: pooled).
    threshold : float, default 4
        "Willing" threshold for ``measure="share_willing"``.
    **kwargs
        Passed to :func:`mutualaid_analysis.plots.ripple_grid`.

    Returns
    -------
    numpy.ndarray of Axes
        Rows are waves (baseline first), columns groups.

    Examples
    --------
    >>> axes = ma.plot_ripples(ma.load_sample())  # doctest: +SKIP
    """
    from ..plots import ripple_grid

    spec = survey.codebook.survey
    if by == "group":
        by = spec.group if spec.group and spec.group in survey.data.columns else None
    waves: list[Scalar | None] = list(survey.waves) or [None]
    results = [
        gradient(survey, by=by, service=service, threshold=threshold, wave=w, contrasts=False)
        for w in waves
    ]
    kwargs.setdefault("codebook", survey.codebook)
    return ripple_grid(results, fig=fig, lang=lang, measure=measure, **kwargs)
