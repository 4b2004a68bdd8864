"""Diverging stacked bars of the Likert answers per circle (and service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import matplotlib as mpl
import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .style import Labels, apply_fonts, get_axes, use_style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..data.survey import Survey

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
    """Answer counts per circle (and service): the numbers :func:`likert_bars` draws.

    Parameters
    ----------
    survey : Survey
    service : str, optional
        ``None`` pools the services (every item of a circle counts),
        ``"each"`` keeps one row per circle and service, or one service.
    wave : default "baseline"
        A wave, ``"baseline"`` (the first) or ``None`` (all rows).

    Returns
    -------
    pandas.DataFrame
        Columns ``circle, service`` (``"pooled"`` when pooled), ``code``,
        ``n`` (answers with that code) and ``share`` (of the row's answers;
        missing answers are left out).  Rows follow the codebook's order of
        circles (nearest first), services and answer codes.
    """
    from ..data.waves import resolve_wave

    cb = survey.codebook
    items = cb.willingness_items()
    if items.empty:
        raise UsageError("the codebook marks no willingness items (variables with a circle).")
    if service not in (None, "each"):
        if service not in set(items["service"].dropna()):
            raise UsageError(
                f"service={service!r} is not asked about; the services are "
                f"{sorted(set(items['service'].dropna()))}."
            )
        items = items[items["service"] == service]
    wave_value = resolve_wave(survey, wave)
    data = survey.data
    if wave_value is not None:
        data = data[data[cb.survey.wave].astype(str) == str(wave_value)]
    first = cb.variables[str(items["variable"].iloc[0])]
    codes = (
        sorted(first.values)
        if first.values
        else sorted(pd.unique(cast(pd.Series, data[items["variable"]].stack()).dropna()).tolist())
    )
    rows = []
    circle_order: dict[Any, int] = {c: i for i, c in enumerate(cb.circles)}
    service_order: dict[Any, int] = {s: i for i, s in enumerate(cb.services)}
    if service == "each":
        groups = [
            ((c, sv), sub) for (c, sv), sub in items.groupby(["circle", "service"], sort=False)
        ]
    else:
        groups = [((c, service or "pooled"), sub) for c, sub in items.groupby("circle", sort=False)]
    for (circle, label), sub in groups:
        # (one level of columns: stack gives a Series)
        answers = pd.to_numeric(cast(pd.Series, data[sub["variable"].tolist()].stack()), errors="coerce")
        answers = answers.dropna()
        total = len(answers)
        counts = answers.value_counts()
        for c in codes:
            n = int(counts.get(c, 0))
            rows.append(
                {
                    "circle": circle,
                    "service": label,
                    "code": c,
                    "n": n,
                    "share": n / total if total else np.nan,
                    "_o": (circle_order.get(circle, 99), service_order.get(label, 99)),
                }
            )
    out = pd.DataFrame(rows)
    out = out.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    return out


def likert_bars(
    survey: Survey,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    service: str | None = None,
    wave: Any = "baseline",
    labels: dict[Any, str] | None = None,
    show_percent: float = 0.06,
    legend: bool = True,
    **kwargs: Any,
) -> Axes:
    """Diverging stacked bars of the willingness answers, one bar per circle (and service).

    Parameters
    ----------
    survey : Survey
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    service : str, optional
        ``None`` pools the services, ``"each"`` draws one bar per circle and
        service, or one service's bars.
    wave : default "baseline"
        A wave, ``"baseline"`` or ``None`` (all rows).
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
    (missing codes left out); :func:`likert_counts` returns the numbers.

    Examples
    --------
    >>> ax = plots.likert_bars(ma.load_sample(), service="each")  # doctest: +SKIP
    """
    counts = likert_counts(survey, service, wave)
    cb = survey.codebook
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
    first = cb.variables[str(cb.willingness_items()["variable"].iloc[0])]
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
                "label": lab.value(first.name, code),
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
            if service == "each":
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
