"""The willingness gradient as lines, and the shares of gradient profiles.

- :func:`gradient_lines`: willingness per circle (nearest first) with
  confidence intervals, one line per group (and wave);
- :func:`profile_shares`: the share of respondents with each profile
  (strictly decreasing, weakly decreasing, flat, inverted, mixed) per group,
  with confidence intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .ripple import Measure, circle_order, gradient_frame, measure_label, select_level
from .style import (
    LINESTYLES,
    MARKERS,
    Labels,
    apply_fonts,
    get_axes,
    palette,
    use_style,
    willingness_scale,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..data.codebook import Codebook
    from ..gradient import GradientResult

__all__ = ["gradient_lines", "profile_shares"]


def gradient_lines(
    result: GradientResult | Sequence[GradientResult] | pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    measure: Measure = "mean",
    service: str | None = None,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    dodge: float = 0.08,
    legend: bool = True,
    **kwargs: Any,
) -> Axes:
    """Willingness by circle with confidence intervals, one line per group (and wave).

    Parameters
    ----------
    result : GradientResult, list of GradientResult, or DataFrame
        From :func:`mutualaid_analysis.gradient` (e.g. ``by="arm"``); several
        results (one per wave) are stacked and drawn with one line style per
        wave.
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    measure : {"mean", "share_willing"}, default "mean"
    service : str, optional
        The service, when the result holds several (``service="each"``).
    codebook : Codebook, optional
        Labels and the order of the circles, and the answer-scale range.
    labels : dict, optional
        Your own labels ``{code: label}``.
    dodge : float, default 0.08
        Horizontal offset between lines, so that intervals do not overlap.
    legend : bool, default True
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` for every line (e.g.
        ``linewidth``, ``markersize``, ``capsize``).

    Returns
    -------
    matplotlib.axes.Axes
        One errorbar container per line, labelled with its group (and wave).

    Examples
    --------
    >>> ax = plots.gradient_lines(ma.gradient(s, by="arm"), codebook=s.codebook)  # doctest: +SKIP
    """
    frame = select_level(gradient_frame(result, measure), "service", service, "service")
    circles = circle_order(frame, codebook)
    groups = list(dict.fromkeys(frame["group"]))
    waves = list(dict.fromkeys(frame["wave"]))
    series = [
        (g, w)
        for w in waves
        for g in groups
        if ((frame["group"] == g) & (frame["wave"] == w)).any()
    ]
    colours = palette(len(groups))
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)
        ax = get_axes(ax, figsize=(4.5, 3.4))
        x0 = np.arange(len(circles), dtype=float)
        offsets = (np.arange(len(series)) - (len(series) - 1) / 2) * dodge
        for k, (g, w) in enumerate(series):
            sub = frame[(frame["group"] == g) & (frame["wave"] == w)].set_index("circle")
            sub = sub.reindex(circles)
            est = sub["estimate"].to_numpy(float)
            err = np.vstack(
                [est - sub["conf_low"].to_numpy(float), sub["conf_high"].to_numpy(float) - est]
            )
            gi, wi = groups.index(g), waves.index(w)
            name = [] if g == "all" and len(groups) == 1 else [lab.group(g)]
            if len(waves) > 1:
                name.append(lab.wave(w))
            opts: dict[str, Any] = {  # keyword arguments of Axes.errorbar
                "color": colours[gi],
                "marker": MARKERS[gi % len(MARKERS)],
                "linestyle": LINESTYLES[(len(waves) - 1 - wi) % len(LINESTYLES)],
                "capsize": 3,
                "linewidth": 1.6,
                "markersize": 5,
                "label": " · ".join(name) or lab.term("all"),
            }
            opts.update(kwargs)
            ax.errorbar(x0 + offsets[k], est, yerr=err, **opts)
        ax.set_xticks(x0, labels=[lab.circle(c) for c in circles])
        ax.set_xlim(-0.4, len(circles) - 0.6)
        ax.set_xlabel(lab.term("circle"))
        ax.set_ylabel(measure_label(measure, lab))
        if measure == "share_willing":
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
        else:
            codes = [float(c) for c in willingness_scale(codebook).get("values", {})]
            lo, hi = (min(codes), max(codes)) if codes else (1.0, 5.0)
            ax.set_ylim(lo, hi)
        if legend and len(series) > 1:
            ax.legend(title=None)
        ax.set_title(
            f"{lab.term('willingness')}（{lab.text('ci')}）"
            if used == "zh"
            else f"{lab.term('willingness').capitalize()} ({lab.text('ci')})"
        )
        apply_fonts(ax)
    return ax


def profile_shares(
    result: Any,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    profiles: Sequence[str] | None = None,
    service: str | None = None,
    wave: Any = None,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    legend: bool = True,
    **kwargs: Any,
) -> Axes:
    """Share of respondents with each gradient profile, by group, with confidence intervals.

    Parameters
    ----------
    result : Result or DataFrame
        From :func:`mutualaid_analysis.classify_profiles` (columns ``service,
        wave, group, term, estimate, conf_low, conf_high``).
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    profiles : sequence of str, optional
        Which profiles, in which order; default the table's
        (``strict, weak, flat, inverted, mixed``).
    service, wave : optional
        The service / wave, when the result holds several.
    codebook : Codebook, optional
        Group labels.
    labels : dict, optional
        Your own labels ``{code: label}``.
    legend : bool, default True
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar` for every group (e.g.
        ``alpha``, ``edgecolor``).

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per group, labelled with the group.

    Notes
    -----
    Bars rather than stacked shares, so that each share keeps its
    (village-cluster) confidence interval.  "Other" patterns are the
    ``inverted`` and ``mixed`` profiles, shown separately.

    Examples
    --------
    >>> ax = plots.profile_shares(ma.classify_profiles(s, by="arm"))  # doctest: +SKIP
    """
    table = result if isinstance(result, pd.DataFrame) else getattr(result, "table", None)
    if table is None or not {"term", "estimate", "group"} <= set(table.columns):
        raise UsageError("expected the result of ma.classify_profiles() (or its .table).")
    frame = table.copy()
    for col in ("service", "wave", "group"):
        if col in frame:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    if "service" in frame:
        frame = select_level(frame, "service", service, "service")
    if "wave" in frame:
        frame = select_level(frame, "wave", wave, "wave")
    groups = list(dict.fromkeys(frame["group"]))
    if len(groups) > 1 and "all" in groups:
        groups.remove("all")
    terms = list(profiles) if profiles is not None else list(dict.fromkeys(frame["term"]))
    unknown = [t for t in terms if t not in set(frame["term"])]
    if unknown:
        raise UsageError(
            f"profiles {unknown} are not in the result; it has "
            f"{list(dict.fromkeys(frame['term']))}."
        )
    colours = palette(len(groups))
    hatches = ("", "//", "..", "xx", "\\\\", "oo", "++")
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)
        ax = get_axes(ax, figsize=(5.0, 3.2))
        x0 = np.arange(len(terms), dtype=float)
        width = 0.8 / len(groups)
        for k, g in enumerate(groups):
            sub = frame[frame["group"] == g].set_index("term").reindex(terms)
            est = sub["estimate"].to_numpy(float)
            err = np.vstack(
                [est - sub["conf_low"].to_numpy(float), sub["conf_high"].to_numpy(float) - est]
            )
            opts: dict[str, Any] = {  # keyword arguments of Axes.errorbar
                "color": colours[k],
                "hatch": hatches[k % len(hatches)],
                "edgecolor": "white",
                "linewidth": 0.5,
                "label": lab.group(g) if g != "all" else lab.term("all"),
                "yerr": np.clip(err, 0, None),
                "capsize": 2,
                "error_kw": {"elinewidth": 0.9, "ecolor": "0.2"},
            }
            opts.update(kwargs)
            ax.bar(x0 + (k - (len(groups) - 1) / 2) * width, est, width, **opts)
        ax.set_xticks(x0, labels=[lab.term(t) for t in terms])
        ax.set_ylabel(lab.text("profile_axis"))
        ax.set_ylim(0, None)
        ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
        if legend and len(groups) > 1:
            ax.legend()
        apply_fonts(ax)
    return ax
