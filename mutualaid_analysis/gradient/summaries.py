"""Descriptive analyses of a survey: who answered, and what they answered.

- :func:`sample_sizes`: respondents and villages per wave and group (the
  report's ``sample`` table);
- :func:`describe`: per variable, wave and group, village-cluster means and
  shares with CR2 (or CR1) intervals (the report's ``platform`` and
  ``participation`` tables);
- :func:`likert_table`: the answer distribution of the willingness items per
  circle (and service), which ``.plot()`` draws as diverging bars
  (:func:`mutualaid_analysis.plots.likert_bars`).

They count and summarise with :mod:`~mutualaid_analysis.data` and
:mod:`~mutualaid_analysis.inference` only; the plots draw their results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..data.survey import Survey
from ..exceptions import UsageError
from ..results import CONTRACT_COLUMNS, Result

if TYPE_CHECKING:  # pragma: no cover
    from ..data.waves import Wave
    from ..inference.cluster import VcovType

__all__ = [
    "DescribeResult",
    "LikertResult",
    "SampleSizesResult",
    "describe",
    "likert_table",
    "sample_sizes",
]


def _groups(data: pd.DataFrame, by: str | None) -> list[Any]:
    groups: list[Any] = ["all"]
    if by and by in data.columns:
        groups += [g for g in pd.unique(data[by].dropna().astype(str))]
    return groups


def _check_by(survey: Survey, by: str | None) -> None:
    if by is not None and by not in survey.data.columns:
        raise UsageError(
            f"by={by!r} is not a column of the analysis data; give a column such as "
            f"{survey.codebook.survey.group or 'the arm'!r}, or None."
        )


# --------------------------------------------------------------------------- sample sizes
@dataclass(frozen=True, eq=False)
class SampleSizesResult(Result):
    """Result of :func:`sample_sizes`.

    ``table`` has one row per wave and group (``"all"`` first): ``wave,
    group, n`` (respondents) and ``n_villages``.  A table of counts, not of
    estimates: of the contract columns only ``n`` applies.
    """


def sample_sizes(survey: Survey, *, by: str | None = None) -> SampleSizesResult:
    """Respondents and villages per wave and group (and overall).

    Parameters
    ----------
    survey : Survey
    by : str, optional
        A column of the analysis data (e.g. the arm) to count per value of,
        beside ``"all"``.

    Returns
    -------
    SampleSizesResult
        ``.table``: ``wave, group, n, n_villages``, one row per wave (in the
        survey's order; ``None`` when the survey has no waves) and group
        (``"all"``, then the values of ``by`` in order of appearance).
        ``n`` counts distinct respondent ids, ``n_villages`` distinct
        villages (missing when the codebook names no village column).

    Examples
    --------
    >>> ma.sample_sizes(ma.load_sample(), by="arm").table  # doctest: +SKIP
    """
    _check_by(survey, by)
    cb = survey.codebook
    data = survey.data
    rows = []
    waves: list[Wave | None] = list(survey.waves) or [None]
    groups = _groups(data, by)
    for wave in waves:
        dw = data if wave is None else data[data[cb.survey.wave].astype(str) == str(wave)]
        for group in groups:
            dg = dw if group == "all" else dw[dw[by].astype(str) == group]
            rows.append(
                {
                    "wave": wave,
                    "group": group,
                    "n": int(dg[cb.survey.id].nunique()),
                    "n_villages": int(dg[cb.survey.cluster].nunique())
                    if cb.survey.cluster
                    else pd.NA,
                }
            )
    out = pd.DataFrame(rows, columns=["wave", "group", "n", "n_villages"])
    out = out.astype({"n": "Int64", "n_villages": "Int64"})
    return SampleSizesResult(
        table=out,
        title="Respondents and villages per wave and group",
        info={
            "by": by,
            "nobs": int(data[cb.survey.id].nunique()),
            "n_villages": int(data[cb.survey.cluster].nunique()) if cb.survey.cluster else None,
        },
    )


# --------------------------------------------------------------------------- variable summaries
@dataclass(frozen=True, eq=False)
class DescribeResult(Result):
    """Result of :func:`describe`: one row per variable, wave, group and measure."""


def describe(
    survey: Survey,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    vcov: VcovType = "CR2",
) -> DescribeResult:
    """Per variable, wave and group: shares (binary) or means and shares above zero (counts).

    Parameters
    ----------
    survey : Survey
    variables : str or list of str
        Numeric, ordinal or binary variables of the codebook.
    by : str, optional
        A column of the analysis data (e.g. the arm): rows per value of it,
        beside ``"all"``.
    vcov : {"CR2", "CR1"}, default "CR2"
        The cluster-robust variance of the intervals.

    Returns
    -------
    DescribeResult
        ``.table``: ``variable, wave, group, measure``, the contract columns,
        ``n_clusters`` and ``count``.  A binary variable has one row per
        wave and group with ``measure`` ``"share"``; any other variable two,
        ``"mean"`` and ``"share_positive"`` (the share above zero).  ``count``
        is the number of respondents with the value 1 (binary) or above 0,
        the number small-count suppression looks at (missing for means).

    Notes
    -----
    Each estimate is a village-cluster mean (intercept-only OLS) with a CR2
    (Pustejovsky-Tipton, Satterthwaite df) or CR1 interval; a share gets the
    logit-scale interval of :func:`~mutualaid_analysis.inference.cluster_share`
    (Clopper-Pearson at 0 or 1), never outside [0, 1].  With fewer than two
    respondents or two villages the mean is given without an interval.

    Examples
    --------
    >>> ma.describe(ma.load_sample(), ["knows_platform"], by="arm").table  # doctest: +SKIP
    """
    from ..inference import cluster_mean
    from ..inference.share import cluster_share

    variables = [variables] if isinstance(variables, str) else list(variables)
    cb = survey.codebook
    unknown = [v for v in variables if v not in cb.variables or v not in survey.data.columns]
    if unknown:
        raise UsageError(f"not variables of the analysis data: {unknown}.")
    not_numeric = [v for v in variables if not cb.variables[v].is_numeric]
    if not_numeric:
        raise UsageError(
            f"{not_numeric} are not numeric; give numeric, ordinal or binary variables."
        )
    if not cb.survey.cluster:
        raise UsageError("describe needs villages: set [survey] cluster in the codebook.")
    _check_by(survey, by)
    cluster, wcol = cb.survey.cluster, cb.survey.wave
    data = survey.data
    waves: list[Wave | None] = list(survey.waves) or [None]
    groups = _groups(data, by)
    rows = []
    for var in variables:
        vtype = cb.variables[var].type
        for wave in waves:
            dw = data if wave is None else data[data[wcol].astype(str) == str(wave)]
            for group in groups:
                dg = dw if group == "all" else dw[dw[by].astype(str) == group]
                y = dg[var].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                ok = ~np.isnan(y)
                y, cl = y[ok], dg[cluster].to_numpy()[ok]
                measures = (
                    [("share", "share", y)]
                    if vtype == "binary"
                    else [
                        ("mean", "mean", y),
                        ("share_positive", "share > 0", (y > 0).astype(float)),
                    ]
                )
                for measure, term, values in measures:
                    row: dict[str, Any] = {
                        "variable": var,
                        "wave": wave,
                        "group": group,
                        "measure": measure,
                        "term": term,
                    }
                    n = len(values)
                    count = int((y > 0).sum()) if measure != "mean" else pd.NA
                    n_cl = len(pd.unique(cl))
                    if n >= 2 and n_cl >= 2:
                        is_share = measure != "mean" and bool(np.isin(values, (0, 1)).all())
                        if is_share:
                            # a share: logit-scale interval, Clopper-Pearson at 0 or 1,
                            # never outside [0, 1]
                            t = cluster_share(values, cl, vcov=vcov, name=term).iloc[0]
                        else:
                            t = cluster_mean(values, cl, vcov=vcov, name=term).table.iloc[0]
                        row.update(
                            estimate=t["estimate"],
                            std_error=t["std_error"],
                            statistic=np.nan,
                            df=t["df"],
                            p_value=np.nan,
                            conf_low=t["conf_low"],
                            conf_high=t["conf_high"],
                            method=t["method"]
                            if is_share
                            else f"{'share' if measure != 'mean' else 'mean'} (intercept-only "
                            f"{t['method']}), village clusters",
                        )
                    else:
                        row.update(
                            estimate=float(np.mean(values)) if n else np.nan,
                            method="mean (too few villages for an interval)",
                        )
                    row.update(n=n, n_clusters=n_cl, count=count)
                    rows.append(row)
    cols = ["variable", "wave", "group", "measure", *CONTRACT_COLUMNS, "n_clusters", "count"]
    out = pd.DataFrame(rows, columns=cols)
    out["count"] = out["count"].astype("Int64")
    out["n"] = out["n"].astype("Int64")
    out["n_clusters"] = out["n_clusters"].astype("Int64")
    return DescribeResult(
        table=out,
        title="Means and shares per wave and group (village-cluster intervals)",
        info={
            "variables": tuple(variables),
            "by": by,
            "vcov": vcov,
            "nobs": int(data[cb.survey.id].nunique()),
            "n_clusters": int(data[cluster].nunique()),
        },
    )


# --------------------------------------------------------------------------- Likert answers
@dataclass(frozen=True, eq=False)
class LikertResult(Result):
    """Result of :func:`likert_table`: the answer distribution per circle (and service).

    ``table``: one row per circle, service and answer code (see
    :func:`likert_table`); ``tables["counts"]``: the same rows as ``circle,
    service, code, n, share`` (what :func:`mutualaid_analysis.plots.likert_bars`
    draws); ``codebook``: the survey's, for the labels when drawn.
    """

    codebook: Any = None

    def plot(self, ax: Any = None, lang: str = "zh", **kwargs: Any) -> Any:
        """Diverging stacked bars (see :func:`mutualaid_analysis.plots.likert_bars`)."""
        from ..plots import likert_bars

        return likert_bars(self, ax=ax, lang=lang, **kwargs)


def likert_table(
    survey: Survey, *, service: str | None = None, wave: Any = "baseline"
) -> LikertResult:
    """The answers to the willingness items per circle (and service): counts and shares.

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
    LikertResult
        ``.table``: ``circle, service`` (``"pooled"`` when pooled), ``code``,
        then the contract columns: ``term`` ``"share of answers"``,
        ``estimate`` (the share of the row's answers with that code; missing
        answers are left out), ``n`` (answers with that code), ``method``;
        then ``n_answers`` (the row's answers).  Rows follow the codebook's
        order of circles (nearest first), services and answer codes.
        ``.plot()`` draws the diverging bars.

    Examples
    --------
    >>> res = ma.likert_table(ma.load_sample(), service="each")  # doctest: +SKIP
    >>> ax = res.plot()  # doctest: +SKIP
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
                    "n_answers": total,
                    "_o": (circle_order.get(circle, 99), service_order.get(label, 99)),
                }
            )
    out = pd.DataFrame(rows)
    out = out.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    counts_table = out[["circle", "service", "code", "n", "share"]]
    table = pd.DataFrame(
        {
            "circle": out["circle"],
            "service": out["service"],
            "code": out["code"],
            "term": "share of answers",
            "estimate": out["share"],
            "std_error": np.nan,
            "statistic": np.nan,
            "df": np.nan,
            "p_value": np.nan,
            "conf_low": np.nan,
            "conf_high": np.nan,
            "n": out["n"],
            "method": "share of the answers given (missing answers left out), no interval",
            "n_answers": out["n_answers"],
        }
    )
    return LikertResult(
        table=table,
        title="Answers to the willingness items per circle",
        tables={"counts": counts_table},
        info={
            "service": service,
            "wave": wave_value,
            "codes": tuple(codes),
            "value_variable": first.name,
            "nobs": int(data[cb.survey.id].nunique()),
            "n_clusters": int(data[cb.survey.cluster].nunique()) if cb.survey.cluster else None,
        },
        codebook=cb,
    )
