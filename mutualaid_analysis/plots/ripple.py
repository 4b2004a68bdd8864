"""The ripple plot: the package's signature figure (差序格局 as concentric rings).

Fei Xiaotong pictured the differential mode of association as the ripples
spreading from a stone dropped in water: the self at the centre, relatives
in the nearest ring, then friends, then other villagers.  :func:`ripple`
draws exactly that, with each ring shaded and labelled by the willingness to
help people in that circle (the mean answer or the share willing, with its
confidence interval).  :func:`ripple_grid` draws small multiples (group ×
wave), with one shared colour scale, so a ripple that widens after a
workshop is visible at a glance; :func:`plot_ripples` computes and draws
them from a survey in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import Circle, Wedge

from ..exceptions import UsageError
from .style import Labels, apply_fonts, get_axes, use_style, willingness_scale

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, FigureBase

    from ..data.codebook import Codebook
    from ..gradient import GradientResult

__all__ = ["Measure", "gradient_frame", "ripple", "ripple_grid"]

Measure = Literal["mean", "share_willing"]
MEASURES: tuple[str, ...] = get_args(Measure)

#: Sequential, colour-blind-safe shades (ColorBrewer "Blues"), cut so text stays legible.
RIPPLE_CMAP = "Blues"
_CENTRE = 0.6  # radius of the centre (the self)
_WIDTH = 1.0  # width of each ring


def gradient_frame(result: Any, measure: str = "mean") -> pd.DataFrame:
    """The per-circle rows of one measure from a GradientResult, or several stacked.

    Parameters
    ----------
    result : GradientResult, sequence of GradientResult, or DataFrame
        Several results (e.g. one per wave) are stacked; a DataFrame is taken
        to be a ``GradientResult.table`` already.
    measure : {"mean", "share_willing"}, default "mean"

    Returns
    -------
    pandas.DataFrame
        The rows of ``measure``; ``wave`` is filled with ``""`` where the
        waves were pooled.
    """
    if measure not in MEASURES:
        raise UsageError(
            f"measure must be one of {', '.join(map(repr, MEASURES))}; got {measure!r}."
        )
    if isinstance(result, pd.DataFrame):
        tables = [result]
    elif hasattr(result, "table"):
        tables = [result.table]
    elif isinstance(result, Sequence) and all(hasattr(r, "table") for r in result):
        tables = [r.table for r in result]
    else:
        raise UsageError(
            "expected a GradientResult (from ma.gradient), a list of them, or its "
            f".table; got {type(result).__name__}."
        )
    frame = pd.concat(tables, ignore_index=True)
    needed = {"service", "wave", "group", "circle", "measure", "estimate", "conf_low", "conf_high"}
    missing = needed - set(frame.columns)
    if missing:
        raise UsageError(
            f"the table lacks the columns {sorted(missing)}: pass the result of ma.gradient()."
        )
    frame = frame[frame["measure"] == measure].copy()
    frame["wave"] = frame["wave"].astype(object).where(frame["wave"].notna(), "")
    frame["wave"] = frame["wave"].astype(str)
    frame["group"] = frame["group"].astype(str)
    return frame.reset_index(drop=True)


def select_level(frame: pd.DataFrame, column: str, value: Any, what: str) -> pd.DataFrame:
    """The rows of ``frame`` at one level of ``column`` (the only one when ``value`` is None)."""
    levels = list(dict.fromkeys(frame[column]))
    if value is None:
        if len(levels) > 1:
            raise UsageError(
                f"the result has several {what}s {levels}: choose one with {column}=..., "
                "or draw them all with plots.ripple_grid()."
            )
        return frame
    sub = frame[frame[column] == str(value)]
    if sub.empty:
        raise UsageError(f"{column}={value!r} is not in the result; it has {levels}.")
    return sub


def _norm(
    frame: pd.DataFrame,
    measure: str,
    codebook: Codebook | None,
    vmin: float | None,
    vmax: float | None,
) -> Normalize:
    if measure == "share_willing":
        lo, hi = 0.0, 1.0
    else:
        codes = [
            float(c)
            for c in willingness_scale(codebook).get("values", {})
            if isinstance(c, int | float)
        ]
        if codes:
            lo, hi = min(codes), max(codes)
        else:  # the usual 1-5 scale, widened if the data go beyond it
            lo = min(1.0, float(np.nanmin(frame["estimate"])))
            hi = max(5.0, float(np.nanmax(frame["estimate"])))
    return Normalize(lo if vmin is None else vmin, hi if vmax is None else vmax)


def _fmt(measure: str, est: float, low: float, high: float) -> tuple[str, str]:
    if measure == "share_willing":
        return f"{100 * est:.0f}%", f"[{100 * low:.0f}, {100 * high:.0f}]"
    return f"{est:.2f}", f"[{low:.2f}, {high:.2f}]"


def measure_label(measure: str, lab: Labels, threshold: Any = None) -> str:
    """The axis label of a gradient measure (mean, or share willing with its threshold)."""
    if measure == "share_willing":
        thr = f" (≥ {threshold})" if threshold is not None else ""
        return lab.term("share_willing") + thr
    return lab.term("mean")


def _draw_rings(
    ax: Axes,
    rows: pd.DataFrame,
    circles: list[str],
    measure: str,
    norm: Normalize,
    cmap: Colormap,
    lab: Labels,
    reach: float | None,
    centre_label: bool,
    **kwargs: Any,
) -> None:
    by_circle: dict[str, Any] = {str(r.circle): r for r in rows.itertuples()}  # row by circle
    edge = {"edgecolor": "white", "linewidth": 1.5}
    edge.update(kwargs)
    outer = _CENTRE + _WIDTH * len(circles)
    reach_radius = None
    for i, circle in enumerate(circles):
        r_out = _CENTRE + _WIDTH * (i + 1)
        row = by_circle.get(circle)
        est = float(row.estimate) if row is not None else np.nan
        face = cmap(norm(est)) if np.isfinite(est) else (0.9, 0.9, 0.9, 1.0)
        wedge = Wedge(
            (0, 0), r_out, 0, 360, width=_WIDTH, facecolor=face, zorder=1, label=circle, **edge
        )
        wedge.set_gid(f"ring-{circle}")
        ax.add_patch(wedge)
        r_mid = r_out - _WIDTH / 2
        lum = 0.2126 * face[0] + 0.7152 * face[1] + 0.0722 * face[2]
        colour = "white" if lum < 0.5 else "black"
        if row is not None and np.isfinite(est):
            value, ci = _fmt(measure, est, float(row.conf_low), float(row.conf_high))
            text = f"{lab.circle(circle)}  {value}\n{ci}"
        else:
            text = f"{lab.circle(circle)}\n–"
        ax.text(
            0,
            r_mid,
            text,
            ha="center",
            va="center",
            color=colour,
            fontsize=7,
            linespacing=1.1,
            zorder=3,
            gid=f"label-{circle}",
            path_effects=[patheffects.withStroke(linewidth=2.5, foreground=face)],
        )
    if reach is not None:
        for i, circle in enumerate(circles):  # contiguous from the centre outwards
            row = by_circle.get(circle)
            if row is None or not float(row.estimate) >= reach:
                break
            reach_radius = _CENTRE + _WIDTH * (i + 1)
    if reach_radius is not None:
        ax.add_patch(
            Circle(
                (0, 0),
                reach_radius,
                fill=False,
                edgecolor="black",
                linewidth=1.6,
                linestyle="--",
                zorder=2,
                gid="reach",
            )
        )
    ax.add_patch(Circle((0, 0), _CENTRE, facecolor="white", edgecolor="0.4", linewidth=1, zorder=2))
    if centre_label:
        ax.text(0, 0, lab.term("self"), ha="center", va="center", fontsize=8, zorder=3)
    lim = outer + 0.05
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _panel_title(row_keys: dict[str, str], lab: Labels, show_service: bool) -> str:
    parts = []
    if row_keys.get("group") not in (None, "all"):
        parts.append(lab.group(row_keys["group"]))
    if row_keys.get("wave"):
        parts.append(lab.wave(row_keys["wave"]))
    if show_service:
        parts.append(lab.service(row_keys["service"]))
    return " · ".join(parts)


def circle_order(frame: pd.DataFrame, codebook: Codebook | None) -> list[str]:
    """The circles of ``frame`` in the codebook's order, then any others as they come."""
    present = list(dict.fromkeys(frame["circle"].astype(str)))
    if codebook is not None and codebook.circles:
        ordered = [c for c in codebook.circles if c in present]
        return ordered + [c for c in present if c not in ordered]
    return present


def ripple(
    result: GradientResult | Sequence[GradientResult] | pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    measure: Measure = "mean",
    group: Any = None,
    wave: Any = None,
    service: str | None = None,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    cmap: str | Colormap = RIPPLE_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    reach: float | None = None,
    colorbar: bool = True,
    centre_label: bool = True,
    title: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw one ripple: concentric rings, the nearest circle innermost.

    Parameters
    ----------
    result : GradientResult, list of GradientResult, or DataFrame
        From :func:`mutualaid_analysis.gradient` (several are stacked, e.g.
        one per wave).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    lang : {"zh", "en"}, default "zh"
        Label language (English when no CJK font is installed, see
        :func:`~mutualaid_analysis.plots.resolve_lang`).
    measure : {"mean", "share_willing"}, default "mean"
        The ring's value: the mean answer, or the share at or above the
        threshold of :func:`~mutualaid_analysis.gradient`.
    group, wave, service : optional
        The panel to draw when the result holds several (group label as in
        ``table["group"]``, e.g. ``"workshop"``).  Required then; use
        :func:`ripple_grid` to draw them all.
    codebook : Codebook, optional
        Labels for circles, groups and waves (``survey.codebook``), and the
        answer scale's range for the colours; default the package's glossary.
    labels : dict, optional
        Your own labels ``{code: label}``, which win over the codebook.
    cmap : str or Colormap, default "Blues"
        Sequential colours (deeper = more willing).
    vmin, vmax : float, optional
        Colour scale limits; default the answer scale (1-5) for means and
        0-1 for shares, so that figures are comparable.
    reach : float, optional
        Draw a dashed circle around the rings, from the innermost outwards,
        whose value is at least ``reach`` (e.g. ``0.5`` with shares: the
        circles where most respondents are willing).
    colorbar : bool, default True
        Add a colour bar beside ``ax``.
    centre_label : bool, default True
        Write 己 / "self" at the centre.
    title : str, optional
        Default: the group and wave.
    **kwargs
        Passed to each ring's :class:`matplotlib.patches.Wedge` (e.g.
        ``edgecolor``, ``linewidth``, ``alpha``).

    Returns
    -------
    matplotlib.axes.Axes
        Each ring is a Wedge labelled with its circle code (``get_label()``)
        and with gid ``"ring-<circle>"``; its text has gid ``"label-<circle>"``.

    Notes
    -----
    Ring widths are equal: social distance is ordinal, and only the shade
    and the label carry the estimate.  The label shows the estimate and its
    confidence interval from the result (village-cluster CR2 by default).

    References
    ----------
    Fei, X. (1947/1992). *From the Soil* (乡土中国), ch. 4.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis import plots
    >>> s = ma.load_sample()
    >>> ax = plots.ripple(ma.gradient(s), codebook=s.codebook)  # doctest: +SKIP
    """
    frame = gradient_frame(result, measure)
    frame = select_level(frame, "service", service, "service")
    frame = select_level(frame, "group", group, "group")
    frame = select_level(frame, "wave", wave, "wave")
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)
        ax = get_axes(ax, figsize=(3.6, 3.6))
        norm = _norm(frame, measure, codebook, vmin, vmax)
        cm = _cmap(cmap)
        _draw_rings(
            ax,
            frame,
            circle_order(frame, codebook),
            measure,
            norm,
            cm,
            lab,
            reach,
            centre_label,
            **kwargs,
        )
        keys: dict[Any, Any] = (
            frame.iloc[0][["group", "wave", "service"]].to_dict() if len(frame) else {}
        )
        ax.set_title(title if title is not None else _panel_title(keys, lab, False))
        if colorbar:
            _add_colorbar(ax.figure, norm, cm, measure, lab, ax=ax)
        apply_fonts(ax)
    return ax


def _cmap(cmap: str | Colormap) -> Colormap:
    import matplotlib as mpl

    base = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    if isinstance(cmap, str) and cmap == RIPPLE_CMAP:  # skip the near-white end
        from matplotlib.colors import LinearSegmentedColormap

        return LinearSegmentedColormap.from_list("ripple", base(np.linspace(0.12, 0.95, 256)))
    return base


def _add_colorbar(
    fig: FigureBase, norm: Normalize, cmap: Colormap, measure: str, lab: Labels, **kwargs: Any
) -> Any:
    sm = ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(sm, shrink=0.7, pad=0.02, **kwargs)
    cbar.set_label(measure_label(measure, lab))
    if measure == "share_willing":
        cbar.ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
    return cbar


def ripple_grid(
    result: GradientResult | Sequence[GradientResult] | pd.DataFrame,
    fig: Figure | None = None,
    lang: str = "zh",
    *,
    measure: Measure = "mean",
    rows: Literal["wave", "group"] = "wave",
    service: str | None = None,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    cmap: str | Colormap = RIPPLE_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    reach: float | None = None,
    centre_label: bool = True,
    panel_size: float = 3.1,
    ax: Any = None,
    **kwargs: Any,
) -> np.ndarray:
    """Small multiples of ripples: one per group and wave, one shared colour scale.

    Parameters
    ----------
    result : GradientResult, list of GradientResult, or DataFrame
        E.g. ``[ma.gradient(s, by="arm", wave="pre"), ma.gradient(s, by="arm",
        wave="post")]`` for workshop/comparison × before/after.
    fig : matplotlib.figure.Figure, optional
        Figure to draw on (cleared of nothing: subplots are added); default a
        new figure sized ``panel_size`` inches per panel.
    lang : {"zh", "en"}, default "zh"
    measure : {"mean", "share_willing"}, default "mean"
    rows : {"wave", "group"}, default "wave"
        What varies down the rows (the other varies across the columns).
    service : str, optional
        The service, when the result holds several.
    codebook, labels, cmap, vmin, vmax, reach, centre_label
        As in :func:`ripple`.
    panel_size : float, default 3.1
        Inches per panel.
    ax : array of matplotlib.axes.Axes, optional
        Draw into these Axes instead of adding subplots to ``fig``: one per
        panel (rows × columns of them, in any shape with that many
        elements, filled row by row).
    **kwargs
        Passed to each ring's Wedge.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        Shape (rows, columns); ``axes[i, j]`` is the ripple of row level ``i``
        and column level ``j`` in the order of the result's table.

    Examples
    --------
    >>> axes = plots.ripple_grid([ma.gradient(s, by="arm", wave=w) for w in ("pre", "post")],
    ...                          codebook=s.codebook)  # doctest: +SKIP
    """
    if rows not in ("wave", "group"):
        raise UsageError(f"rows must be 'wave' or 'group'; got {rows!r}.")
    frame = select_level(gradient_frame(result, measure), "service", service, "service")
    cols = "group" if rows == "wave" else "wave"
    row_levels = list(dict.fromkeys(frame[rows]))
    col_levels = list(dict.fromkeys(frame[cols]))
    with use_style(lang) as used:
        import matplotlib.pyplot as plt

        lab = Labels(used, codebook, labels)
        nr, nc = len(row_levels), len(col_levels)
        if ax is not None:
            axes = _given_axes(ax, nr, nc, row_levels, col_levels)
            fig = axes[0, 0].figure
        else:
            if fig is None:
                fig = plt.figure(figsize=(panel_size * nc + 0.9, panel_size * nr + 0.2))
            axes = np.asarray(fig.subplots(nr, nc, squeeze=False))
        norm = _norm(frame, measure, codebook, vmin, vmax)
        cm = _cmap(cmap)
        circles = circle_order(frame, codebook)
        for i, rv in enumerate(row_levels):
            for j, cv in enumerate(col_levels):
                ax = axes[i, j]
                sub = frame[(frame[rows] == rv) & (frame[cols] == cv)]
                _draw_rings(ax, sub, circles, measure, norm, cm, lab, reach, centre_label, **kwargs)
                ax.set_title(_panel_title({rows: rv, cols: cv}, lab, False))
                apply_fonts(ax)
        _add_colorbar(fig, norm, cm, measure, lab, ax=list(axes.ravel()))
    return axes


def _given_axes(ax: Any, nr: int, nc: int, row_levels: list[str],
                col_levels: list[str]) -> np.ndarray:
    """The caller's Axes as a (rows, columns) array, or a UsageError saying how many are needed."""
    from matplotlib.axes import Axes

    flat = [ax] if isinstance(ax, Axes) else list(np.asarray(ax, dtype=object).ravel())
    if len(flat) != nr * nc or not all(isinstance(a, Axes) for a in flat):
        panels = [f"{r} · {c}".strip(" ·") for r in row_levels for c in col_levels]
        got = "one Axes" if isinstance(ax, Axes) else f"{len(flat)} objects"
        raise UsageError(
            f"this result draws {nr * nc} panels ({', '.join(panels)}); ax= must hold "
            f"{nr * nc} Axes (e.g. fig.subplots({nr}, {nc})), got {got}.  Pass a figure with "
            "fig=, or choose one panel with group=/wave= and plots.ripple()."
        )
    return np.asarray(flat, dtype=object).reshape(nr, nc)
