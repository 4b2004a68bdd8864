"""Means of an outcome per arm and wave, with village-cluster intervals.

:func:`wave_means` returns a :class:`WaveMeansResult`: the mean per arm and
wave of every analysed row (CR2 interval; a logit-scale one for a share),
the respondents' values, and the matched respondents (observed at the first
and the last wave) with their village means and their arm means, the
numbers of the paired slope plot.  ``.plot(kind="means")`` draws
:func:`mutualaid_analysis.plots.wave_means`, ``.plot(kind="slope")``
:func:`mutualaid_analysis.plots.slope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from ..results import Result

if TYPE_CHECKING:  # pragma: no cover
    from ..data.survey import Survey
    from ..inference.cluster import VcovType

__all__ = ["WaveMeansResult", "outcome_values", "wave_means"]

#: The columns of :func:`wave_means`'s table (the old ``plots.arm_wave_means`` table
#: is these without ``term``, ``statistic`` and ``p_value``).
_MEAN_COLUMNS = [
    "outcome", "arm", "wave", "term", "estimate", "std_error", "statistic", "df", "p_value",
    "conf_low", "conf_high", "n", "n_clusters", "method",
]


def outcome_values(survey: Survey, outcome: str) -> pd.DataFrame:
    """One row per analysed row: ``id, cluster, wave, group, value`` of ``outcome``.

    ``outcome`` is a scale of the codebook (scored as :func:`score_scale`
    does by default, the sum), a circle (the respondent's willingness toward
    it, services pooled), or a numeric variable.
    """
    from ..data.scales import score_scale

    cb = survey.codebook
    spec = cb.survey
    if not spec.wave or not spec.group:
        raise UsageError(
            "this figure needs waves and arms: set [survey] wave and group in the codebook."
        )
    if outcome in cb.scale_names():
        frame = score_scale(survey, outcome).rename(columns={"score": "value"})
    elif outcome in cb.circles:
        frame = survey.willingness().rename(columns={outcome: "value"})
    elif outcome in cb.variables and outcome in survey.data.columns:
        if not cb.variables[outcome].is_numeric:
            raise UsageError(
                f"{outcome!r} is {cb.variables[outcome].type}; give a numeric, "
                "ordinal or binary variable, a scale, or a circle."
            )
        frame = survey.data.assign(value=survey.data[outcome])
    else:
        raise UsageError(
            f"{outcome!r} is neither a scale ({cb.scale_names()}), a circle "
            f"({list(cb.circles)}) nor a variable of the analysis data."
        )
    if spec.group not in frame.columns:
        frame = frame.join(survey.data[[spec.group]])
    out = pd.DataFrame(
        {
            "id": frame[spec.id].astype(str).to_numpy(),
            "cluster": (
                frame[spec.cluster].to_numpy(dtype=object)
                if spec.cluster
                else frame[spec.id].astype(str).to_numpy()
            ),
            "wave": frame[spec.wave].astype(str).to_numpy(),
            "group": frame[spec.group].astype(str).to_numpy(),
            "value": pd.to_numeric(frame["value"], errors="coerce").astype(float).to_numpy(),
        }
    )
    return out


def _arms(survey: Survey, values: pd.DataFrame) -> list[str]:
    levels = sorted(set(values["group"]))
    treated = survey.codebook.survey.treated
    if treated is not None and str(treated) in levels:
        levels.remove(str(treated))
        levels = [str(treated), *levels]
    return levels


def _waves(survey: Survey) -> list[str]:
    """The waves present in the data, in codebook order (the evaluation's one wave rule)."""
    return [str(w) for w in survey.waves]


def _mean_row(
    values: np.ndarray, clusters: np.ndarray, vcov: VcovType, share: bool
) -> dict[str, Any]:
    """Estimate, interval and method of one cell (CR2 mean, logit-scale share, or no interval)."""
    from ..inference import cluster_mean, cluster_share

    keys = ("estimate", "std_error", "df", "conf_low", "conf_high", "method")
    if len(values) and share:
        t = cluster_share(values, clusters, vcov=vcov).iloc[0]
        return {k: t[k] for k in keys}
    if len(values) and len(pd.unique(clusters)) > 1:
        t = cluster_mean(values, clusters, vcov=vcov).table.iloc[0]
        return {k: t[k] for k in keys}
    return {
        "estimate": float(np.mean(values)) if len(values) else np.nan,
        "std_error": np.nan,
        "df": np.nan,
        "conf_low": np.nan,
        "conf_high": np.nan,
        "method": "mean (one cluster: no interval)",
    }


@dataclass(frozen=True, eq=False)
class WaveMeansResult(Result):
    """Result of :func:`wave_means`.

    ``table``: the mean per arm and wave (see :func:`wave_means`);
    ``tables["values"]``: ``id, cluster, wave, group, value`` of every
    analysed row; ``tables["matched"]``: one row per matched respondent
    (``id, cluster, arm, first, last``: the values at the first and last
    wave); ``tables["villages"]``: per arm and village, ``n`` matched
    respondents and their mean ``first`` and ``last``;
    ``tables["matched_means"]``: per arm and (first, last) wave, the CR2
    mean of the matched respondents; ``codebook``: the survey's, for the
    labels when drawn.
    """

    codebook: Any = None

    def plot(
        self,
        ax: Any = None,
        lang: str = "zh",
        *,
        kind: Literal["means", "slope"] = "means",
        **kwargs: Any,
    ) -> Any:
        """Draw the means by wave and arm (``kind="means"``) or the paired slopes (``"slope"``).

        ``kind="means"`` draws :func:`mutualaid_analysis.plots.wave_means`;
        ``kind="slope"`` draws :func:`mutualaid_analysis.plots.slope` (its
        ``unit=`` and ``min_count=`` are keyword arguments here too).
        """
        from ..plots import slope
        from ..plots import wave_means as draw_means

        if kind == "means":
            return draw_means(self, ax=ax, lang=lang, **kwargs)
        if kind == "slope":
            return slope(self, ax=ax, lang=lang, **kwargs)
        raise UsageError(f"kind must be 'means' or 'slope'; got {kind!r}.")


def wave_means(survey: Survey, outcome: str, *, vcov: VcovType = "CR2") -> WaveMeansResult:
    """Mean of ``outcome`` per arm and wave with a village-cluster confidence interval.

    Parameters
    ----------
    survey : Survey
        A survey with waves and arms (``[survey] wave`` and ``group``).
    outcome : str
        A scale of the codebook (scored as the sum), a circle (willingness
        toward it, services pooled) or a numeric, ordinal or binary variable.
    vcov : {"CR2", "CR1"}, default "CR2"
        The cluster-robust variance of the intervals of ``table``.

    Returns
    -------
    WaveMeansResult
        ``.table``: ``outcome, arm, wave``, the contract columns (``term``
        ``"mean"`` or ``"share"``; ``statistic`` and ``p_value`` are missing:
        nothing is tested), ``n_clusters`` before ``method``.  One row per
        arm (the treated arm first) and wave (the codebook's order); every
        analysed row with the outcome counts, not only the matched
        respondents.  ``.tables`` hold the values and the matched
        respondents behind the slope plot (see :class:`WaveMeansResult`).

    Notes
    -----
    A mean is the intercept of an OLS fit with a village-cluster CR2
    (Pustejovsky-Tipton, Satterthwaite df) or CR1 interval
    (:func:`~mutualaid_analysis.inference.cluster_mean`).  For a 0/1 binary
    variable the mean is a share, and its interval is the logit-scale one
    of :func:`~mutualaid_analysis.inference.cluster_share`, inside [0, 1].
    A cell of one village has its mean without an interval.  The arm means
    of the matched respondents (``tables["matched_means"]``, drawn by the
    slope plot) are CR2 means, shares included.

    Examples
    --------
    >>> res = ma.wave_means(ma.load_sample(), "gses")  # doctest: +SKIP
    >>> ax = res.plot()  # doctest: +SKIP
    >>> ax = res.plot(kind="slope")  # doctest: +SKIP
    """
    values = outcome_values(survey, outcome)
    var = survey.codebook.variables.get(outcome)
    finite = values["value"][np.isfinite(values["value"])]
    is_share = var is not None and var.type == "binary" and bool(finite.isin([0.0, 1.0]).all())
    arms = _arms(survey, values)
    waves = _waves(survey)
    rows = []
    for arm in arms:
        for wave in waves:
            sub = values[(values["group"] == arm) & (values["wave"] == wave)]
            sub = sub[np.isfinite(sub["value"])]
            row: dict[str, Any] = {
                "outcome": outcome,
                "arm": arm,
                "wave": wave,
                "term": "share" if is_share else "mean",
                "statistic": np.nan,
                "p_value": np.nan,
                "n": len(sub),
                "n_clusters": sub["cluster"].nunique(),
            }
            row.update(
                _mean_row(sub["value"].to_numpy(), sub["cluster"].to_numpy(), vcov, is_share)
            )
            rows.append(row)
    table = pd.DataFrame(rows)[_MEAN_COLUMNS]
    matched, villages, matched_means = _matched(values, arms, waves)
    spec = survey.codebook.survey
    return WaveMeansResult(
        table=table,
        title=f"Mean of {outcome} per arm and wave",
        tables={
            "values": values,
            "matched": matched,
            "villages": villages,
            "matched_means": matched_means,
        },
        info={
            "outcome": outcome,
            "vcov": vcov,
            "arms": tuple(arms),
            "waves": tuple(waves),
            "share": is_share,
            "nobs": int(np.isfinite(values["value"]).sum()),
            "n_clusters": int(values["cluster"].nunique()) if spec.cluster else None,
        },
        codebook=survey.codebook,
    )


def _matched(
    values: pd.DataFrame, arms: list[str], waves: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The matched respondents (first and last wave), their village means and arm means."""
    from ..inference import cluster_mean

    matched = pd.DataFrame(
        {"id": pd.Series(dtype=object), "cluster": pd.Series(dtype=object),
         "arm": pd.Series(dtype=object), "first": pd.Series(dtype=float),
         "last": pd.Series(dtype=float)}
    )
    villages = pd.DataFrame(columns=["arm", "cluster", "n", "first", "last"])
    means = pd.DataFrame(
        columns=["arm", "wave", "estimate", "conf_low", "conf_high", "n", "n_clusters", "method"]
    )
    if len(waves) < 2:
        return matched, villages, means
    first, last = waves[0], waves[-1]
    wide = (
        values[values["wave"].isin([first, last])]
        .pivot_table(
            index=["id", "cluster", "group"],
            columns="wave",
            values="value",
            aggfunc="first",
            observed=True,
        )
        .reset_index()
    )
    if first not in wide.columns or last not in wide.columns:
        return matched, villages, means
    wide = wide.dropna(subset=[first, last])
    matched = pd.DataFrame(
        {
            "id": wide["id"].to_numpy(),
            "cluster": wide["cluster"].to_numpy(),
            "arm": wide["group"].to_numpy(),
            "first": wide[first].to_numpy(float),
            "last": wide[last].to_numpy(float),
        }
    )
    village_rows, mean_rows = [], []
    for arm in arms:
        sub = matched[matched["arm"] == arm]
        grouped = sub.groupby("cluster")
        village_means = grouped[["first", "last"]].mean()
        sizes = grouped.size()
        for cl in village_means.index:
            village_rows.append(
                {
                    "arm": arm,
                    "cluster": cl,
                    "n": int(sizes[cl]),
                    "first": float(village_means.loc[cl, "first"]),
                    "last": float(village_means.loc[cl, "last"]),
                }
            )
        for col, wave in (("first", first), ("last", last)):
            row: dict[str, Any] = {
                "arm": arm,
                "wave": wave,
                "n": len(sub),
                "n_clusters": sub["cluster"].nunique(),
            }
            if len(sub) and sub["cluster"].nunique() > 1:
                t = cluster_mean(
                    sub[col].to_numpy(float), sub["cluster"].to_numpy(), vcov="CR2"
                ).table.iloc[0]
                row.update({k: t[k] for k in ("estimate", "conf_low", "conf_high", "method")})
            else:
                row.update(
                    estimate=float(sub[col].mean()) if len(sub) else np.nan,
                    conf_low=np.nan,
                    conf_high=np.nan,
                    method="mean (one cluster: no interval)",
                )
            mean_rows.append(row)
    if village_rows:
        villages = pd.DataFrame(village_rows, columns=villages.columns)
    means = pd.DataFrame(mean_rows, columns=means.columns)
    return matched, villages, means
