"""Diverging stacked bars of the Likert answers per circle (and service), of ``ma.likert_table``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .style import Labels, apply_fonts, get_axes, use_style, warn_survey_given

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..data.codebook import Codebook
    from ..data.survey import Survey
    from ..gradient.summaries import LikertResult

__all__ = ["answer_colours", "likert_bars", "likert_counts"]

#: Diverging, colour-blind-safe shades (ColorBrewer "BrBG"): brown = unwilling, teal = willing.
LIKERT_CMAP = "BrBG"
_NEUTRAL = "#d9d9d9"


def answer_colours(k: int, neutral: str = _NEUTRAL) -> list[Any]:
    """``k`` diverging colours for answer categories, the middle one (odd ``k``) grey."""
    cmap = mpl.colormaps[LIKERT_CMAP]
    colours: list[Any] = [cmap(v) for v in np.linspace(0.1, 0.9, k)]
    if k % 2:
        colours[k // 2] = neutral
    return colours


def likert_counts(
    survey: Survey, service: str | None = None, wave: Any = "baseline"
) -> pd.DataFrame:
    """Answer counts per circle (and service); deprecated: use ``ma.likert_table``.

    ``ma.likert_table(survey, service=service, wave=wave).tables["counts"]``
    is this table (columns ``circle, service, code, n, share``).  This call
    warns (:class:`FutureWarning`) and will be removed in the next release.
    """
    warn_survey_given("likert_counts(survey, ...)", 'ma.likert_table(survey, ...).tables["counts"]')
    from ..gradient.summaries import likert_table  # deprecated path only (see warn_survey_given)

    return likert_table(survey, service=service, wave=wave).tables["counts"]


def _likert_source(
    source: Any, service: str | None, wave: Any, codebook: Codebook | None
) -> tuple[pd.DataFrame, Codebook | None, bool]:
    """(counts table, codebook, one bar per service) of a result, a table or (deprecated) a Survey."""
    if isinstance(source, pd.DataFrame):
        counts = source
        if "share" not in counts.columns and "estimate" in counts.columns:
            counts = counts.rename(columns={"estimate": "share"})
        if not {"circle", "service", "code", "share"} <= set(counts.columns):
            raise UsageError(
                "the table needs columns circle, service, code and share (or estimate): "
                "the .table or .tables['counts'] of ma.likert_table."
            )
        each = service == "each" or counts.groupby("circle")["service"].nunique().max() > 1
        return counts, codebook, bool(each)
    counts_table = getattr(source, "tables", {}).get("counts") if hasattr(source, "tables") else None
    if counts_table is not None and hasattr(source, "info"):
        used = source.info.get("service")
        if service is not None and service != used:
            raise UsageError(
                f"this result was computed with service={used!r}; compute another with "
                f"ma.likert_table(survey, service={service!r})."
            )
        return counts_table, codebook or getattr(source, "codebook", None), used == "each"
    from ..data.survey import Survey

    if isinstance(source, Survey):
        warn_survey_given(
            "likert_bars(survey, ...)", "plots.likert_bars(ma.likert_table(survey, ...))"
        )
        from ..gradient.summaries import likert_table  # deprecated path only

        res = likert_table(source, service=service, wave=wave)
        return res.tables["counts"], codebook or res.codebook, service == "each"
    raise UsageError(
        "expected the result of ma.likert_table (or its table); got "
        f"{type(source).__name__}."
    )


def likert_bars(
    survey: LikertResult | pd.DataFrame | Survey,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    service: str | None = None,
    wave: Any = "baseline",
    labels: dict[Any, str] | None = None,
    show_percent: float = 0.06,
    legend: bool = True,
    codebook: Codebook | None = None,
    **kwargs: Any,
) -> Axes:
    """Diverging stacked bars of the willingness answers, one bar per circle (and service).

    Parameters
    ----------
    survey : LikertResult or DataFrame
        The result of :func:`mutualaid_analysis.likert_table` (or its
        ``.table`` or ``.tables["counts"]``).  A Survey is deprecated (it
        warns, :class:`FutureWarning`): the bars are then of
        ``ma.likert_table(survey, service=service, wave=wave)``.
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    service : str, optional
        Only with a Survey (deprecated): ``None`` pools the services,
        ``"each"`` draws one bar per circle and service, or one service's
        bars.  A result draws the services it was computed with (another
        ``service`` is an error); with a table, ``"each"`` names the
        service beside the circle.
    wave : default "baseline"
        Only with a Survey (deprecated): a wave, ``"baseline"`` or ``None``.
    codebook : Codebook, optional
        Labels (default the result's codebook).
    labels : dict, optional
        Your own labels ``{code: label}`` (circles, services).
    show_percent : float, default 0.06
        Write the percentage in segments at least this wide (``1`` for none).
    legend : bool, default True
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh` (e.g. ``height``,
        ``edgecolor``).

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per answer category, labelled with its value label.

    Notes
    -----
    The bars are centred on the middle category: answers below it extend to
    the left, above it to the right, and the middle category (一般 / neutral)
    straddles zero, half on each side.  Shares are of the answers given
    (missing codes left out); the result holds the numbers.

    Examples
    --------
    >>> ax = plots.likert_bars(ma.likert_table(ma.load_sample(), service="each"))  # doctest: +SKIP
    """
    counts, cb, each = _likert_source(survey, service, wave, codebook)
    codes = list(dict.fromkeys(counts["code"]))
    rowkeys = list(dict.fromkeys(zip(counts["circle"], counts["service"], strict=True)))
    k = len(codes)
    shares = np.array(
        [
            [
                counts.loc[
                    (counts["circle"] == c) & (counts["service"] == s) & (counts["code"] == code),
                    "share",
                ].iloc[0]
                for code in codes
            ]
            for c, s in rowkeys
        ],
        dtype=float,
    )
    shares = np.nan_to_num(shares)
    mid = (k - 1) / 2
    below = np.array([i < mid for i in range(k)])
    at_mid = np.array([i == mid for i in range(k)])
    left = shares[:, below].sum(axis=1) + shares[:, at_mid].sum(axis=1) / 2
    colours = answer_colours(k)
    first = (
        cb.variables[str(cb.willingness_items()["variable"].iloc[0])].name
        if cb is not None and not cb.willingness_items().empty
        else ""
    )
    with use_style(lang) as used:
        lab = Labels(used, cb, labels)
        ax = get_axes(ax, figsize=(6.0, 0.45 * len(rowkeys) + 1.4))
        y = np.arange(len(rowkeys))[::-1].astype(float)
        start = -left
        for i, code in enumerate(codes):
            opts = {
                "color": colours[i],
                "edgecolor": "white",
                "linewidth": 0.5,
                "height": 0.7,
                "label": lab.value(first, code),
            }
            opts.update(kwargs)
            ax.barh(y, 100 * shares[:, i], left=100 * start, **opts)
            for j in range(len(rowkeys)):
                if shares[j, i] >= show_percent:
                    rgb = mpl.colors.to_rgb(colours[i])
                    dark = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 0.45
                    ax.text(
                        100 * (start[j] + shares[j, i] / 2),
                        y[j],
                        f"{100 * shares[j, i]:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6.5,
                        color="white" if dark else "black",
                    )
            start = start + shares[:, i]
        names = []
        for c, s in rowkeys:
            name = lab.circle(c)
            if each:
                name += " · " + lab.service(s)
            names.append(name)
        ax.set_yticks(y, labels=names)
        ax.axvline(0, color="0.3", linewidth=0.8)
        lim = 100 * max(float(left.max()), float((start).max()))
        lim = min(100.0, 10 * np.ceil(lim / 10))
        ax.set_xlim(-lim, lim)
        ax.xaxis.set_major_formatter(lambda v, _p: f"{abs(v):.0f}")
        ax.set_xlabel(
            f"{lab.text('likert_axis')}  ← {lab.text('unwilling')} | {lab.text('willing')} →"
        )
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if legend:
            ax.legend(
                ncols=k,
                loc="lower center",
                bbox_to_anchor=(0.5, 1.0),
                fontsize=7,
                handlelength=1.2,
                columnspacing=0.8,
            )
        apply_fonts(ax)
    return ax
