"""Figures of a workshop evaluation: paired slopes, wave means, and a forest of effects.

- :func:`slope`: each village's (or respondent's) baseline and follow-up
  values joined by a line, per arm, with the arm's mean and its confidence
  interval (of :func:`mutualaid_analysis.wave_means`);
- :func:`wave_means`: the mean per wave and arm with village-cluster
  confidence intervals (of :func:`mutualaid_analysis.wave_means`);
- :func:`forest`: the between-arm effects across outcomes (or circles) with
  their intervals and adjusted p-values; the method and the multiplicity
  adjustment are written in the caption.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .style import (
    MARKERS,
    OKABE_ITO,
    Labels,
    apply_fonts,
    check_min_count,
    get_axes,
    palette,
    shown_count,
    use_style,
    warn_survey_given,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..data.codebook import Codebook
    from ..data.survey import Survey
    from ..evaluation.means import WaveMeansResult
    from ..inference import VcovType

__all__ = ["arm_wave_means", "forest", "outcome_values", "slope", "wave_means"]


def _is_survey(source: Any) -> bool:
    from ..data.survey import Survey

    return isinstance(source, Survey)


def outcome_values(survey: Survey, outcome: str) -> pd.DataFrame:
    """Deprecated: moved to :func:`mutualaid_analysis.evaluation.means.outcome_values`.

    The same table (``id, cluster, wave, group, value``), which
    ``ma.wave_means(survey, outcome).tables["values"]`` also holds.  This
    call warns (:class:`FutureWarning`) and will be removed in the next
    release.
    """
    warnings.warn(
        "plots.evaluation.outcome_values is deprecated and will be removed in the next "
        "release; use mutualaid_analysis.evaluation.means.outcome_values(survey, outcome) "
        'or ma.wave_means(survey, outcome).tables["values"].',
        FutureWarning,
        stacklevel=2,
    )
    from ..evaluation.means import outcome_values as values  # deprecated path only

    return values(survey, outcome)


def arm_wave_means(survey: Survey, outcome: str, vcov: VcovType = "CR2") -> pd.DataFrame:
    """Mean of ``outcome`` per arm and wave; deprecated: use ``ma.wave_means``.

    ``ma.wave_means(survey, outcome, vcov=vcov).table`` holds these rows
    (with the contract's ``term``, ``statistic`` and ``p_value`` besides):
    ``outcome, arm, wave, estimate, std_error, df, conf_low, conf_high, n,
    n_clusters, method``.  This call warns (:class:`FutureWarning`) and will
    be removed in the next release.
    """
    warn_survey_given(
        "arm_wave_means(survey, outcome)", "ma.wave_means(survey, outcome).table"
    )
    from ..evaluation.means import wave_means as means  # deprecated path only

    table = means(survey, outcome, vcov=vcov).table
    return table.drop(columns=["term", "statistic", "p_value"])


def _means_source(source: Any, outcome: str | None, fn: str) -> Any:
    """The WaveMeansResult to draw: a result as given; a Survey (deprecated) is computed."""
    if _is_survey(source):
        outcome = "gses" if outcome is None else outcome
        warn_survey_given(
            f"{fn}(survey, outcome)", f"plots.{fn}(ma.wave_means(survey, outcome))"
        )
        from ..evaluation.means import wave_means as means  # deprecated path only

        return means(source, outcome)
    tables = getattr(source, "tables", None)
    if not isinstance(tables, Mapping) or "matched" not in tables:
        raise UsageError(
            f"expected the result of ma.wave_means; got {type(source).__name__}."
        )
    if outcome is not None and outcome != source.info.get("outcome"):
        raise UsageError(
            f"this result is of {source.info.get('outcome')!r}, not {outcome!r}; "
            f"compute ma.wave_means(survey, {outcome!r})."
        )
    return source


def slope(
    survey: WaveMeansResult | Survey,
    outcome: str | None = None,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    unit: Literal["village", "respondent"] = "village",
    labels: dict[Any, str] | None = None,
    min_count: int = 5,
    codebook: Codebook | None = None,
    **kwargs: Any,
) -> Axes:
    """Paired slope plot per arm: baseline to follow-up, with the arm's mean change.

    Parameters
    ----------
    survey : WaveMeansResult
        The result of :func:`mutualaid_analysis.wave_means` of a panel with
        two (or more: the first and last are used) waves and two arms.  A
        Survey is deprecated (it warns, :class:`FutureWarning`): the plot
        is then of ``ma.wave_means(survey, outcome)``.
    outcome : str, optional
        With a Survey (deprecated), the outcome (default ``"gses"``); with a
        result, ``None`` or the result's outcome.
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    unit : {"village", "respondent"}, default "village"
        One thin line per village (the mean of its matched respondents) or per
        respondent.
    labels : dict, optional
        Your own labels ``{code: label}``.
    min_count : int, default 5
        Small-count rule (the report's ``suppress_below``): a village with
        fewer matched respondents than this is not drawn (neither its line
        nor, with ``unit="respondent"``, its respondents' lines), and a note
        under the axes (gid ``"not-drawn"``) says how many were left out; an
        arm's ``n`` below it shows as ``"n = <5"``.  ``1`` draws everything.
    codebook : Codebook, optional
        Labels (default the result's codebook).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the thin lines (e.g.
        ``alpha``, ``linewidth``).

    Returns
    -------
    matplotlib.axes.Axes
        The thin lines have gid ``"unit"``; the arm means (of the matched
        respondents, village-cluster CR2 interval) are errorbar containers
        labelled with the arm.

    Notes
    -----
    Only matched respondents (the outcome observed at both waves) are drawn,
    so each line is a within-unit change.  The arm means use every matched
    respondent, including those of villages too small to draw; they are the
    result's ``tables["matched_means"]``.

    Examples
    --------
    >>> ax = plots.slope(ma.wave_means(ma.load_sample(), "gses"))  # doctest: +SKIP
    """
    if unit not in ("village", "respondent"):
        raise UsageError(f"unit must be 'village' or 'respondent'; got {unit!r}.")
    min_count = check_min_count(min_count)
    res = _means_source(survey, outcome, "slope")
    outcome = res.info["outcome"]
    waves = list(res.info["waves"])
    if len(waves) < 2:
        raise UsageError(f"a slope plot needs two waves; the survey has {waves}.")
    first, last = waves[0], waves[-1]
    arms = list(res.info["arms"])
    matched = res.tables["matched"]
    villages = res.tables["villages"]
    arm_means = res.tables["matched_means"]
    colours = palette(len(arms))
    cb = codebook or res.codebook
    with use_style(lang) as used:
        lab = Labels(used, cb, labels)
        ax = get_axes(ax, figsize=(4.6, 3.6))
        ticks, ticklabels = [], []
        not_drawn = 0
        for k, arm in enumerate(arms):
            x = np.array([3.0 * k, 3.0 * k + 1])
            sub = matched[matched["arm"] == arm]
            vil = villages[villages["arm"] == arm]
            drawn = vil[vil["n"].to_numpy() >= min_count]
            not_drawn += int((vil["n"].to_numpy() < min_count).sum())
            units = sub[sub["cluster"].isin(drawn["cluster"])] if unit == "respondent" else drawn
            thin: dict[str, Any] = {  # keyword arguments of Axes.plot
                "color": colours[k],
                "alpha": 0.35 if unit == "village" else 0.12,
                "linewidth": 0.9 if unit == "village" else 0.6,
                "gid": "unit",
            }
            thin.update(kwargs)
            for a, b in units[["first", "last"]].to_numpy(float):
                ax.plot(x, [a, b], **thin)
            m = arm_means[arm_means["arm"] == arm].set_index("wave").reindex([first, last])
            means = m["estimate"].to_numpy(float)
            err = np.vstack(
                [means - m["conf_low"].to_numpy(float), m["conf_high"].to_numpy(float) - means]
            )
            ax.errorbar(
                x,
                means,
                yerr=err,
                color=colours[k],
                marker=MARKERS[k % len(MARKERS)],
                linewidth=2.4,
                capsize=4,
                markersize=6,
                zorder=5,
                label=f"{lab.group(arm)} (n = {shown_count(len(sub), min_count)})",
            )
            ticks += list(x)
            ticklabels += [lab.wave(first), lab.wave(last)]
            ax.text(
                x.mean(),
                1.0,
                lab.group(arm),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=9,
                color=colours[k],
            )
        ax.set_xticks(ticks, labels=ticklabels)
        ax.set_xlim(-0.6, 3.0 * len(arms) - 1.4)
        ax.set_ylabel(lab.variable(outcome))
        ax.legend(loc="best", title=None)
        ax.set_title(f"{lab.text(unit + 's')}", loc="left", fontsize=8, color="0.35")
        if not_drawn:
            ax.text(
                0.0,
                -0.13,
                lab.text("villages_not_drawn").format(k=not_drawn, m=min_count),
                transform=ax.transAxes,
                ha="left",
                va="top",
                fontsize=7,
                color="0.35",
                gid="not-drawn",
            )
        apply_fonts(ax)
    return ax


def wave_means(
    source: WaveMeansResult | pd.DataFrame | Survey,
    outcome: str | None = None,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    dodge: float = 0.06,
    **kwargs: Any,
) -> Axes:
    """Means by wave and arm, with village-cluster confidence intervals.

    Parameters
    ----------
    source : WaveMeansResult or DataFrame
        The result of :func:`mutualaid_analysis.wave_means`, or a table with
        columns ``arm, wave, conf_low, conf_high`` and ``estimate`` or
        ``mean`` (the result's ``.table``, an evaluation's
        ``tables["means"]`` once it carries intervals).  A Survey is
        deprecated (it warns, :class:`FutureWarning`): the means are then
        ``ma.wave_means(survey, outcome)``.
    outcome : str, optional
        With a table holding several outcomes, the one to draw (default
        ``"gses"`` when the table holds it); with a result, ``None`` or the
        result's outcome; with a Survey (deprecated), the outcome (default
        ``"gses"``).
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    codebook : Codebook, optional
        Labels (default the result's codebook).
    labels : dict, optional
    dodge : float, default 0.06
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` for every arm.

    Returns
    -------
    matplotlib.axes.Axes
        One errorbar container per arm, labelled with the arm.

    Examples
    --------
    >>> ax = plots.wave_means(ma.wave_means(ma.load_sample(), "gses"))  # doctest: +SKIP
    """
    if isinstance(source, pd.DataFrame):
        table = source.rename(columns={"mean": "estimate"})
        if not {"arm", "wave", "estimate", "conf_low", "conf_high"} <= set(table.columns):
            raise UsageError(
                "the table needs columns arm, wave, estimate (or mean), conf_low "
                "and conf_high: the .table of ma.wave_means(survey, outcome)."
            )
        if outcome is None:
            held = list(dict.fromkeys(table["outcome"])) if "outcome" in table else []
            outcome = held[0] if len(held) == 1 else "gses"
        if "outcome" in table:
            table = table[table["outcome"] == outcome]
        waves = list(dict.fromkeys(table["wave"].astype(str)))
    else:
        res = _means_source(source, outcome, "wave_means")
        table = res.table
        outcome = res.info["outcome"]
        codebook = codebook or res.codebook
        waves = list(res.info["waves"])
    table = table.assign(wave=table["wave"].astype(str), arm=table["arm"].astype(str))
    arms = list(dict.fromkeys(table["arm"]))
    colours = palette(len(arms))
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)
        ax = get_axes(ax, figsize=(4.2, 3.4))
        x0 = np.arange(len(waves), dtype=float)
        for k, arm in enumerate(arms):
            sub = table[table["arm"] == arm].set_index("wave").reindex(waves)
            est = sub["estimate"].to_numpy(float)
            err = np.vstack(
                [est - sub["conf_low"].to_numpy(float), sub["conf_high"].to_numpy(float) - est]
            )
            opts: dict[str, Any] = {  # keyword arguments of Axes.errorbar
                "color": colours[k],
                "marker": MARKERS[k % len(MARKERS)],
                "capsize": 4,
                "linewidth": 1.8,
                "markersize": 6,
                "label": lab.group(arm),
            }
            opts.update(kwargs)
            ax.errorbar(x0 + (k - (len(arms) - 1) / 2) * dodge, est, yerr=err, **opts)
        ax.set_xticks(x0, labels=[lab.wave(w) for w in waves])
        ax.set_xlim(-0.5, len(waves) - 0.5)
        if outcome is not None:
            ax.set_ylabel(
                lab.circle(outcome)
                if codebook is not None and outcome in codebook.circles
                else lab.variable(outcome)
            )
        ax.legend()
        ax.set_title(lab.text("ci"), loc="left", fontsize=8, color="0.35")
        apply_fonts(ax)
    return ax


def forest(
    result: Any,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    estimand: str = "between-arm effect",
    inference: str | None = "CR2",
    models: list[str] | None = None,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    caption: bool = True,
    **kwargs: Any,
) -> Axes:
    """Forest plot of effects across outcomes (or circles), with the method in the caption.

    Parameters
    ----------
    result : EvaluationResult, ExpansionResult, or DataFrame
        From :func:`mutualaid_analysis.evaluate` (rows per outcome) or
        :func:`mutualaid_analysis.circle_expansion` (rows per circle).
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    estimand : str, default "between-arm effect"
        Rows of this ``estimand`` (e.g. ``"standardised between-arm effect"``
        for Hedges' g, ``"within-arm change"``).
    inference : str or None, default "CR2"
        Rows of this ``inference`` (``None``: all).
    models : list of str, optional
        Models to show (e.g. ``["ANCOVA"]``); default all.
    codebook : Codebook, optional
        Outcome and circle labels.
    labels : dict, optional
    caption : bool, default True
        Write the method(s) and the multiplicity adjustment under the plot.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.errorbar` (e.g. ``color``,
        ``markersize``).

    Returns
    -------
    matplotlib.axes.Axes
        The rows top to bottom in the order of the table; the estimate and
        interval and the adjusted p-value are written at the right.

    Notes
    -----
    Effects on different outcomes are on their own scales (points of the
    GSES, shares, hours); use ``estimand="standardised between-arm effect"``
    to compare standardised effects.

    Examples
    --------
    >>> res = ma.evaluate(s, outcomes=["gses", "knows_platform"], seed=1)  # doctest: +SKIP
    >>> ax = plots.forest(res, codebook=s.codebook)  # doctest: +SKIP
    """
    table = result if isinstance(result, pd.DataFrame) else getattr(result, "table", None)
    info = {} if isinstance(result, pd.DataFrame) else dict(getattr(result, "info", {}) or {})
    if table is None or not {"estimate", "conf_low", "conf_high"} <= set(table.columns):
        raise UsageError(
            "expected an evaluation result (ma.evaluate / ma.circle_expansion) or its .table."
        )
    rows = table
    if "estimand" in rows:
        rows = rows[rows["estimand"] == estimand]
    if inference is not None and "inference" in rows:
        rows = rows[rows["inference"] == inference]
    if models is not None and "model" in rows:
        rows = rows[rows["model"].isin(models)]
    rows = rows[rows["estimate"].notna()].reset_index(drop=True)
    if rows.empty:
        have = (
            table[["estimand", "inference"]].drop_duplicates().to_string(index=False)
            if {"estimand", "inference"} <= set(table.columns)
            else ""
        )
        raise UsageError(
            f"no rows with estimand={estimand!r} and inference={inference!r}; "
            f"the result has:\n{have}"
        )
    key = "outcome" if "outcome" in rows else ("circle" if "circle" in rows else "term")
    several_models = "model" in rows and rows["model"].nunique() > 1
    several_arms = "arm" in rows and rows["arm"].nunique() > 1
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)
        ax = get_axes(ax, figsize=(6.2, 0.42 * len(rows) + 1.5))
        y = np.arange(len(rows))[::-1].astype(float)
        est = rows["estimate"].to_numpy(float)
        err = np.vstack(
            [est - rows["conf_low"].to_numpy(float), rows["conf_high"].to_numpy(float) - est]
        )
        opts: dict[str, Any] = {  # keyword arguments of Axes.errorbar
            "fmt": "s",
            "color": OKABE_ITO["blue"],
            "ecolor": OKABE_ITO["blue"],
            "capsize": 3,
            "markersize": 5,
            "linewidth": 1.4,
        }
        opts.update(kwargs)
        ax.errorbar(est, y, xerr=err, **opts)
        ax.axvline(0, color="0.4", linewidth=0.8, linestyle="--")
        names = []
        for r in rows.itertuples():
            code = getattr(r, key)
            name = lab.circle(code) if key == "circle" else lab.variable(code)
            if several_arms:
                name += f" · {lab.group(r.arm)}"
            if several_models:
                name += f" · {lab.term(r.model)}"
            names.append(name)
        ax.set_yticks(y, labels=names)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        pcol = (
            "p_adjusted"
            if "p_adjusted" in rows and rows["p_adjusted"].notna().any()
            else ("p_value" if "p_value" in rows else None)
        )
        for yi, r in zip(y, rows.itertuples(), strict=True):
            text = f"{r.estimate:.2f} [{r.conf_low:.2f}, {r.conf_high:.2f}]"
            if pcol is not None and np.isfinite(getattr(r, pcol)):
                text += f"   p {_fmt_p(getattr(r, pcol))}"
            ax.text(1.02, yi, text, transform=ax.get_yaxis_transform(), va="center", fontsize=7.5)
        header = f"{lab.term('effect')} [{lab.text('ci')}]"
        if pcol == "p_adjusted":
            header += f"   {lab.text('p_adj')}"
        ax.text(
            1.02,
            len(rows) - 0.3,
            header,
            transform=ax.get_yaxis_transform(),
            va="bottom",
            fontsize=7.5,
            color="0.3",
        )
        xlabel = lab.term(estimand)
        arms = list(dict.fromkeys(rows["arm"].astype(str))) if "arm" in rows else []
        if len(arms) == 1 and " - " in arms[0]:
            xlabel += " (" + " − ".join(lab.group(a) for a in arms[0].split(" - ")) + ")"
        elif len(arms) == 1:
            xlabel += f" ({lab.group(arms[0])})"
        ax.set_xlabel(xlabel[0].upper() + xlabel[1:] if used == "en" else xlabel)
        if caption:
            ax.annotate(
                _caption(rows, info, lab, pcol),
                xy=(0, 0),
                xycoords="axes fraction",
                xytext=(0, -34),
                textcoords="offset points",
                va="top",
                ha="left",
                fontsize=6.5,
                color="0.25",
                wrap=True,
                gid="caption",
            )
        apply_fonts(ax)
    return ax


def _fmt_p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _caption(rows: pd.DataFrame, info: dict[str, Any], lab: Labels, pcol: str | None) -> str:
    methods = list(dict.fromkeys(rows["method"].dropna().astype(str))) if "method" in rows else []
    parts = [f"{lab.text('method')}: {m}" for m in methods]
    if pcol == "p_adjusted":
        adjust = info.get("adjust") or "?"
        family = info.get("family")
        fam = f" ({family})" if family else ""
        parts.append(f"{lab.text('adjust')}: {adjust}{fam}")
    elif pcol == "p_value":
        parts.append(f"{lab.text('adjust')}: none")
    return "\n".join(parts)
