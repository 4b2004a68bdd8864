"""The willingness gradient: means and shares per circle, and within-respondent contrasts.

How steeply does willingness fall from the nearest circle (relatives) to the
farthest (other villagers)?  :func:`gradient` answers with numbers and
confidence intervals that respect village clustering: every estimate is a
(cluster-robust) mean, computed as an intercept-only regression with the CR2
covariance and Satterthwaite degrees of freedom by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..data.survey import Survey
from ..data.waves import WaveChoice
from ..exceptions import InsufficientDataError, UsageError
from ..inference import SHARE_CI_METHODS, cluster_mean, share_conf_int
from ..models.design import resolve_wave
from ..results import Result

__all__ = ["GradientResult", "circles_without_items", "empty_circle_note", "gradient"]

Vcov = Literal["CR2", "CR1"]
VCOVS: tuple[str, ...] = get_args(Vcov)

_VCOV_TEXT = {
    "CR2": "CR2 (Pustejovsky-Tipton), Satterthwaite df",
    "CR1": "CR1S, t(G-1)",
}


@dataclass(frozen=True, eq=False)
class GradientResult(Result):
    """Result of :func:`gradient`.

    ``table`` has one row per (group, service, circle, measure) and per
    contrast; see :func:`gradient` for the columns.  ``tables["respondents"]``
    holds the per-respondent willingness used (no personal data: the study's
    respondent id, village, group and one column per circle).
    """

    def plot(self, ax: Any = None, lang: str = "zh", **kwargs: Any) -> Any:
        """The ripple plot of this result: one ripple, or small multiples when split.

        A result of one group and wave draws one ripple
        (:func:`mutualaid_analysis.plots.ripple`) and returns its Axes.  A
        result split ``by=`` a column (several groups) draws one panel per
        group, with one shared colour scale and equal ring geometry
        (:func:`mutualaid_analysis.plots.ripple_grid`), and returns the
        array of Axes (one row, one column per group), as ``ripple_grid``
        does; ``ax=`` may then be an array of that many Axes, and ``fig=``
        a figure to draw on.  Passing ``group=`` (or ``wave=``) draws that
        one panel with ``ripple``.
        """
        from ..plots import ripple, ripple_grid
        from ..plots.ripple import gradient_frame

        measure = kwargs.get("measure", "mean")
        frame = gradient_frame(self, measure)
        if "service" in kwargs and kwargs["service"] is not None:
            frame = frame[frame["service"] == str(kwargs["service"])]
        several = frame["group"].nunique() > 1 or frame["wave"].nunique() > 1
        if not several or "group" in kwargs or "wave" in kwargs:
            return ripple(self, ax=ax, lang=lang, **kwargs)
        unused = sorted({"colorbar", "title"} & set(kwargs))
        if unused:
            raise UsageError(
                f"{', '.join(unused)} apply to one ripple; this result has several groups "
                "or waves (small multiples): leave them out, or choose one panel with "
                "group=... ."
            )
        return ripple_grid(self, lang=lang, ax=ax, **kwargs)


    def means(self, measure: str = "mean") -> pd.DataFrame:
        """The per-circle rows of one measure (``"mean"`` or ``"share_willing"``)."""
        t = self.table
        return t[t["measure"] == measure].reset_index(drop=True)

    def contrasts(self) -> pd.DataFrame:
        """The within-respondent contrast rows."""
        t = self.table
        return t[t["measure"] == "difference"].reset_index(drop=True)


def circles_without_items(codebook: Any, service: str | None = None) -> list[str]:
    """The circles of ``[circles].order`` that no willingness item (of ``service``) asks about."""
    have = set(codebook.willingness_items(service)["circle"])
    return [c for c in codebook.circles if c not in have]


def empty_circle_note(codebook: Any, service: str | None = None) -> str | None:
    """A note naming the circles without willingness items, which an analysis leaves out."""
    empty = circles_without_items(codebook, service)
    if not empty:
        return None
    names = ", ".join(repr(c) for c in empty)
    scope = f" of service {service!r}" if service else ""
    marks = " or ".join(f'circle = "{c}"' for c in empty)
    return (
        f"Circle{'s' * (len(empty) > 1)} {names} {'are' if len(empty) > 1 else 'is'} in the "
        f"codebook's [circles] order, but no willingness item{scope} is marked {marks}: "
        "left out of this analysis."
    )


def _group_levels(survey: Survey, frame: pd.DataFrame, by: str) -> list[tuple[Any, str]]:
    var = survey.codebook.variables[by]
    values = frame[by].dropna().unique().tolist()
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=str)
    labels = var.values or {}
    return [(v, str(labels.get(v, v))) for v in values]


def gradient(
    survey: Survey,
    *,
    by: str | None = None,
    service: str | None = None,
    threshold: float = 4,
    wave: WaveChoice = "baseline",
    vcov: Vcov = "CR2",
    contrasts: bool = True,
) -> GradientResult:
    """Willingness per circle, with village-cluster confidence intervals.

    Parameters
    ----------
    survey : Survey
    by : str, optional
        A column to split by (e.g. the arm, sex, lives alone); one set of
        rows per level.
    service : str, optional
        One service; ``None`` pools each respondent's items of a circle
        (their mean over the services answered); ``"each"`` runs every
        service separately and stacks the rows.
    threshold : float, default 4
        "Willing" means an answer (or pooled mean) at or above this value
        (4 = 比较愿意 on the 1-5 scale).
    wave : default "baseline"
        The wave analysed (the codebook's first wave by default); ``None``
        pools all waves (then a respondent counts once per wave).
    vcov : {"CR2", "CR1"}, default "CR2"
        Cluster-robust covariance: CR2 with Satterthwaite df, or CR1S with
        t(G-1) df.
    contrasts : bool, default True
        Also estimate the within-respondent differences between circles.

    Returns
    -------
    GradientResult
        ``.table`` columns: ``service`` (``"pooled"`` when pooled), ``wave``
        (empty when waves are pooled), ``group`` (level label of ``by``, or
        ``"all"``), ``circle`` (or the contrast,
        ``"relatives - friends"``), ``measure`` (``"mean"``,
        ``"share_willing"`` or ``"difference"``), then the contract columns
        ``term, estimate, std_error, statistic, df, p_value, conf_low,
        conf_high, n, method`` and ``n_clusters``.  For means and shares
        ``statistic`` and ``p_value`` are empty (there is no null to test);
        for differences they test a zero difference.  ``n`` counts
        respondents (per wave).

    Notes
    -----
    Each estimate is the intercept of a regression of the respondent-level
    value on a constant, with village-clustered covariance.  For a circle
    mean the value is the answer; for the share, the indicator
    ``answer >= threshold``; for a contrast ``c_i - c_j`` the respondent's
    difference, on respondents who answered both circles.  With equal
    village sizes the CR2 standard error of a mean equals the standard
    error of the mean of the village means, with G - 1 degrees of freedom
    (Pustejovsky & Tipton 2018), which the tests check.

    A share's interval is built on the logit scale from its cluster-robust
    standard error and Satterthwaite df, ``expit(logit(p) ± t·se/(p(1-p)))``,
    so it stays inside [0, 1]; a share of 0 or 1 (no variation) gets the
    Clopper-Pearson interval on its respondents.  The ``method`` column says
    which (see :func:`~mutualaid_analysis.inference.share_conf_int`).

    Respondents missing a circle are left out of that circle's estimate and
    of the contrasts involving it; ``info["n_missing"]`` counts them per
    circle.

    References
    ----------
    Fei, X. (1947/1992). *From the Soil* (乡土中国), ch. 4: the differential
    mode of association (差序格局).
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. *Journal of Business & Economic Statistics*, 36(4), 672-683.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> res = ma.gradient(ma.load_sample(), by="arm")  # doctest: +SKIP
    >>> res.means()  # doctest: +SKIP
    """
    if vcov not in VCOVS:
        raise UsageError(f"vcov must be one of {', '.join(map(repr, VCOVS))}; got {vcov!r}.")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise UsageError(f"threshold must be a number; got {threshold!r}.")
    cb = survey.codebook
    s = cb.survey
    if by is not None:
        if by not in cb.variables or by not in survey.data.columns:
            raise UsageError(f"by={by!r} is not a column of the analysis data.")
        if cb.variables[by].type in ("number", "id"):
            raise UsageError(f"by={by!r} is {cb.variables[by].type}; split by a categorical "
                             "column (category, binary, text, or a few-valued integer).")
    services: Sequence[str | None]
    if service == "each":
        services = [sv for sv in dict.fromkeys(cb.willingness_items()["service"]) if sv]
        if not services:
            raise UsageError("service='each' needs willingness items that name a service.")
    else:
        services = [service]
    wave_value = resolve_wave(survey, wave)

    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    n_missing: dict[str, int] = {}
    respondents = []
    for sv in services:
        empty = empty_circle_note(cb, sv)
        if empty and empty not in notes:
            notes.append(empty)
        wide = survey.willingness(sv)
        if wave_value is not None:
            wide = wide[wide[s.wave].astype(str) == str(wave_value)]
        if by is not None and by not in wide.columns:
            wide = wide.join(survey.data[[by]].loc[wide.index])
        circles = [c for c in cb.circles if c in wide.columns]
        if s.cluster:
            clusters = wide[s.cluster].to_numpy(dtype=object)
        else:
            clusters = wide[s.id].to_numpy(dtype=object)
            if not notes or "no village column" not in notes[-1]:
                notes.append("The codebook names no village column: each respondent is its "
                             "own cluster (heteroskedasticity-robust HC2-type intervals).")
        groups = [(None, "all")] if by is None else _group_levels(survey, wide, by)
        for level, label in groups:
            mask = np.ones(len(wide), dtype=bool) if level is None else (
                wide[by] == level).to_numpy(dtype=bool, na_value=False)
            sub = wide.loc[mask]
            clu = clusters[mask]
            ids = {"service": sv or "pooled", "wave": wave_value, "group": label}
            for circle in circles:
                y = sub[circle].to_numpy(dtype=float)
                ok = ~np.isnan(y)
                n_missing[circle] = n_missing.get(circle, 0) + int((~ok).sum())
                rows.append(_estimate(y[ok], clu[ok], vcov, {**ids, "circle": circle,
                                                            "measure": "mean"}, "mean"))
                rows.append(_estimate((y[ok] >= threshold).astype(float), clu[ok], vcov,
                                      {**ids, "circle": circle, "measure": "share_willing"},
                                      f"share >= {threshold:g}", share=True))
            if contrasts and len(circles) >= 2:
                pairs = [(circles[i], circles[i + 1]) for i in range(len(circles) - 1)]
                if len(circles) > 2:
                    pairs.append((circles[0], circles[-1]))
                for a, b in pairs:
                    d = sub[a].to_numpy(dtype=float) - sub[b].to_numpy(dtype=float)
                    ok = ~np.isnan(d)
                    rows.append(_estimate(d[ok], clu[ok], vcov,
                                          {**ids, "circle": f"{a} - {b}",
                                           "measure": "difference"}, f"{a} - {b}",
                                          test=True))
        keep = [c for c in (s.id, s.cluster, s.wave, by) if c and c in wide.columns]
        respondents.append(wide[keep + circles].assign(service=sv or "pooled"))

    if not rows or max(int(r["n"]) for r in rows) == 0:
        in_wave = (
            int((survey.data[s.wave].astype(str) == str(wave_value)).sum())
            if wave_value is not None
            else len(survey.data)
        )
        where = f"wave {wave_value!r}" if wave_value is not None else "the data"
        scope = f" of service {service!r}" if service not in (None, "each") else ""
        raise InsufficientDataError(
            f"gradient(wave={wave_value!r}): no respondent of {where} ({in_wave} rows) "
            f"answered a willingness item{scope}, so there is no willingness to estimate "
            "(check the wave, the missing codes and the items' circle = ... marks)."
        )
    table = pd.DataFrame(rows)
    first = ["service", "wave", "group", "circle", "measure"]
    contract = ["term", "estimate", "std_error", "statistic", "df", "p_value", "conf_low",
                "conf_high", "n", "method", "n_clusters"]
    table = table.reindex(columns=first + contract)
    failed = table["std_error"].isna() & table["n"].gt(0)
    if failed.any():
        notes.append(f"{int(failed.sum())} estimate(s) have no interval: fewer than two "
                     "villages contribute to them.")
    title = "Willingness by circle (差序格局 gradient)"
    answered = pd.concat(respondents, ignore_index=True)
    answered = answered[answered[[c for c in cb.circles if c in answered.columns]]
                        .notna().any(axis=1)]
    info = {
        "wave": wave_value,
        "service": service,
        "threshold": threshold,
        "vcov": vcov,
        "by": by,
        "n_missing": n_missing,
        # respondents who answered at least one willingness item, and their villages
        "nobs": int(answered[s.id].nunique()),
        "n_clusters": int(answered[s.cluster].nunique()) if s.cluster else None,
    }
    if wave_value is not None:
        notes.insert(0, f"Wave: {wave_value}.")
    return GradientResult(
        table=table.reset_index(drop=True),
        title=title,
        notes=tuple(notes),
        tables={"respondents": pd.concat(respondents, ignore_index=True)},
        info=info,
    )


def _estimate(y: np.ndarray, clusters: np.ndarray, vcov: Vcov, ids: dict[str, Any],
              term: str, test: bool = False, share: bool = False) -> dict[str, Any]:
    """One row: a cluster-robust mean of ``y`` (with a test of zero when ``test``).

    With ``share`` the 0/1 ``y`` gets the logit-scale interval of
    :func:`~mutualaid_analysis.inference.share_conf_int`, which stays in [0, 1].
    """
    n = len(y)
    n_clusters = len(set(clusters.tolist()))
    method = f"{'share' if share else 'mean'}, village-cluster {_VCOV_TEXT[vcov]}"
    row: dict[str, Any] = {**ids, "term": term, "n": n, "n_clusters": n_clusters,
                           "method": method}
    if n == 0:
        return {**row, "estimate": np.nan}
    if share:
        p = float(np.mean(y))
        se = df = np.nan
        if p in (0.0, 1.0):
            se = 0.0
        elif n_clusters >= 2:
            fit = cluster_mean(y, clusters, vcov=vcov, name=term)
            se, df = float(fit.std_error[0]), float(fit.df[0])
        low, high, how = share_conf_int(p, se, df, n)
        if how == "none":
            method += " (no interval: fewer than two villages)"
        else:
            method += f"; {SHARE_CI_METHODS[how]}"
        return {**row, "estimate": p, "std_error": se, "df": df, "conf_low": low,
                "conf_high": high, "method": method}
    if n_clusters < 2:
        return {**row, "estimate": float(np.mean(y)),
                "method": method + " (no interval: fewer than two villages)"}
    if np.ptp(y) == 0:
        # A constant outcome has no sampling variation to estimate (all willing, say).
        return {**row, "estimate": float(y[0]), "std_error": 0.0,
                "method": method + " (no variation)"}
    fit = cluster_mean(y, clusters, vcov=vcov, name=term)
    low, high = fit.conf_int().iloc[0]
    row.update(estimate=float(fit.coef[0]), std_error=float(fit.std_error[0]),
               df=float(fit.df[0]), conf_low=float(low), conf_high=float(high))
    if test:
        row.update(statistic=float(fit.statistic[0]), p_value=float(fit.p_value[0]))
    return row
