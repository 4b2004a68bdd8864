"""Predicted answers of the ordinal model by circle and moderator level."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .likert import answer_colours
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

__all__ = ["predicted_probabilities"]


def _levels(frame: pd.DataFrame) -> list[Any]:
    if "level" not in frame or frame["level"].isna().all():
        return [None]
    return list(dict.fromkeys(frame["level"]))


def predicted_probabilities(
    result: Any,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    show: Literal["expected", "probability", "stacked"] = "expected",
    category: Any = None,
    at: Literal["average", "means"] = "average",
    moderator: str | None = None,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    dodge: float = 0.08,
    legend: bool = True,
    **kwargs: Any,
) -> Axes:
    """Predicted willingness by circle and moderator level, from the ordinal model.

    Parameters
    ----------
    result : OrdinalResult or DataFrame
        From :func:`mutualaid_analysis.models.fit_ordinal` (its
        ``tables["predicted"]`` is used), or that table.
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    show : {"expected", "probability", "stacked"}, default "expected"
        ``"expected"``: the expected answer E[Y] per circle, one line per
        moderator level, with intervals.  ``"probability"``: the probability
        of one answer (``category``), one line per level; without a
        moderator and ``category``, one line per answer.  ``"stacked"``: all
        answer probabilities stacked per circle (and level), no intervals.
    category : optional
        The answer code for ``show="probability"`` (e.g. ``5``, 非常愿意).
    at : {"average", "means"}, default "average"
        Average predicted probabilities, or at covariate means.
    moderator : str, optional
        Which moderator, when the model has several.
    codebook : Codebook, optional
        Labels of circles, moderator levels and answers.
    labels : dict, optional
    dodge : float, default 0.08
    legend : bool, default True
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` (``"expected"``,
        ``"probability"``) or :meth:`matplotlib.axes.Axes.bar` (``"stacked"``).

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Intervals are the model's (delta method, cluster-robust covariance, t
    with the fit's degrees of freedom), as in ``tables["predicted"]``.

    Examples
    --------
    >>> from mutualaid_analysis.models import fit_ordinal
    >>> res = fit_ordinal(s, ["age", "sex"], moderators=["lives_alone"])  # doctest: +SKIP
    >>> ax = plots.predicted_probabilities(res, codebook=s.codebook)  # doctest: +SKIP
    """
    if show not in ("expected", "probability", "stacked"):
        raise UsageError(f"show must be 'expected', 'probability' or 'stacked'; got {show!r}.")
    if isinstance(result, pd.DataFrame):
        table = result
    else:
        tables = getattr(result, "tables", {}) or {}
        if "predicted" not in tables:
            raise UsageError(
                "expected a fit_ordinal() result (with tables['predicted']) or that table."
            )
        table = tables["predicted"]
    frame = table[table["at"] == at] if "at" in table else table
    if frame.empty:
        raise UsageError(f"no predictions at={at!r}; the table has {sorted(set(table['at']))}.")
    mods = (
        [m for m in dict.fromkeys(frame["moderator"]) if isinstance(m, str)]
        if "moderator" in frame
        else []
    )
    if len(mods) > 1 and moderator is None:
        raise UsageError(f"the model has several moderators {mods}: choose one with moderator=...")
    if moderator is not None:
        if moderator not in mods:
            raise UsageError(f"moderator={moderator!r} is not in the model; it has {mods}.")
        frame = frame[frame["moderator"] == moderator]
    mod = moderator or (mods[0] if mods else None)
    circles = list(dict.fromkeys(frame["circle"]))
    if codebook is not None and codebook.circles:
        circles = [c for c in codebook.circles if c in circles] + [
            c for c in circles if c not in codebook.circles
        ]
    levels = _levels(frame)
    probs = frame[frame["category"].astype(str) != "mean"]
    cats = list(dict.fromkeys(probs["category"]))
    scale = willingness_scale(codebook)
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)

        def cat_label(code: Any) -> str:
            if scale:
                return lab.answer(code, scale)
            row = probs[probs["category"].astype(str) == str(code)]
            return str(row["label"].iloc[0]) if used == "zh" and len(row) else str(code)

        def level_label(level: Any) -> str:
            return lab.value(mod, level) if mod is not None else ""

        ax = get_axes(ax, figsize=(4.6, 3.4))
        x0 = np.arange(len(circles), dtype=float)
        if show == "stacked":
            colours = answer_colours(len(cats))
            width = 0.8 / len(levels)
            for j, level in enumerate(levels):
                sub = probs if level is None else probs[probs["level"] == level]
                bottom = np.zeros(len(circles))
                xs = x0 + (j - (len(levels) - 1) / 2) * width
                for k, code in enumerate(cats):
                    est = (
                        sub[sub["category"].astype(str) == str(code)]
                        .set_index("circle")
                        .reindex(circles)["estimate"]
                        .to_numpy(float)
                    )
                    opts = {
                        "color": colours[k],
                        "edgecolor": "white",
                        "linewidth": 0.5,
                        "label": cat_label(code) if j == 0 else None,
                    }
                    opts.update(kwargs)
                    ax.bar(xs, est, width * 0.95, bottom=bottom, **opts)
                    bottom += np.nan_to_num(est)
                if level is not None:
                    for x in xs:
                        ax.text(x, 1.01, level_label(level), ha="center", va="bottom", fontsize=7)
            ax.set_ylim(0, 1.08)
            ax.set_ylabel(lab.term("probability"))
            ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
            if legend:
                handles, names = ax.get_legend_handles_labels()
                ax.legend(handles[::-1], names[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5))
        else:
            if show == "expected":
                rows = frame[frame["category"].astype(str) == "mean"]
                series = [(lv, None) for lv in levels]
            elif category is not None:
                rows = probs[probs["category"].astype(str) == str(category)]
                if rows.empty:
                    raise UsageError(
                        f"category={category!r} is not an answer; the answers are {cats}."
                    )
                series = [(lv, category) for lv in levels]
            elif levels == [None]:
                rows = probs
                series = [(None, c) for c in cats]
            else:
                raise UsageError(
                    "with a moderator, show='probability' needs category=... "
                    "(e.g. category=5); or use show='stacked'."
                )
            colours = palette(len(series))
            if show == "probability" and category is None:
                colours = answer_colours(len(series), neutral="0.55")
            offsets = (np.arange(len(series)) - (len(series) - 1) / 2) * dodge
            for k, (level, code) in enumerate(series):
                sub = rows if level is None else rows[rows["level"] == level]
                if code is not None:
                    sub = sub[sub["category"].astype(str) == str(code)]
                sub = sub.set_index("circle").reindex(circles)
                est = sub["estimate"].to_numpy(float)
                err = np.vstack(
                    [est - sub["conf_low"].to_numpy(float), sub["conf_high"].to_numpy(float) - est]
                )
                name = (
                    level_label(level)
                    if level is not None
                    else (
                        cat_label(code)
                        if code is not None and category is None
                        else lab.term("expected")
                        if show == "expected"
                        else cat_label(code)
                    )
                )
                opts = {
                    "color": colours[k],
                    "marker": MARKERS[k % len(MARKERS)],
                    "linestyle": LINESTYLES[k % len(LINESTYLES)],
                    "capsize": 3,
                    "linewidth": 1.6,
                    "markersize": 5,
                    "label": name,
                }
                opts.update(kwargs)
                ax.errorbar(x0 + offsets[k], est, yerr=err, **opts)
            if show == "expected":
                codes = [float(c) for c in scale.get("values", {})] or [float(c) for c in cats]
                ax.set_ylim(min(codes), max(codes))
                ax.set_ylabel(lab.term("expected"))
            else:
                ax.set_ylim(0, None)
                ylabel = lab.term("probability")
                if category is not None:
                    ylabel += f": {cat_label(category)}"
                ax.set_ylabel(ylabel)
                ax.yaxis.set_major_formatter(lambda v, _p: f"{100 * v:.0f}%")
            if legend and len(series) > 1:
                ax.legend(
                    title=lab.variable(mod)
                    if mod is not None
                    and category is not None
                    or (mod is not None and show == "expected")
                    else None
                )
        ax.set_xticks(x0, labels=[lab.circle(c) for c in circles])
        ax.set_xlabel(lab.term("circle"))
        apply_fonts(ax)
    return ax
