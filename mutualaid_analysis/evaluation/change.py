"""Individual change: the Reliable Change Index (Jacobson & Truax 1991).

Did a respondent's score change by more than measurement error alone would
produce?  :func:`reliable_change` classifies every respondent observed at
both waves as reliably improved, unchanged or deteriorated and reports the
shares per arm with village-cluster confidence intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._params import check_conf_level, renamed_arguments
from ..data.survey import Survey
from ..exceptions import UsageError
from ..inference import SHARE_CI_METHODS, cluster_mean, share_conf_int
from ..results import Result, contract_frame
from .design import resolve_outcome, study_design
from .scales import reliability as scale_reliability

__all__ = ["CATEGORIES", "ReliableChangeResult", "rci", "reliable_change"]

#: The three categories, in table order.
CATEGORIES: tuple[str, ...] = ("improved", "unchanged", "deteriorated")

_CRITERION = {
    "improved": "RCI beyond +{z:.2f} in the better direction",
    "unchanged": "|RCI| <= {z:.2f}",
    "deteriorated": "RCI beyond {z:.2f} in the worse direction",
}


def rci(pre: Any, post: Any, sd: float, reliability: float) -> np.ndarray:
    r"""The Reliable Change Index :math:`(x_2 - x_1) / S_{diff}`.

    :math:`S_{diff} = \sqrt{2}\,SE_m`, :math:`SE_m = SD\sqrt{1 - r_{xx}}`.
    """
    if not sd > 0:
        raise UsageError(f"the baseline SD must be positive; got {sd!r}.")
    if not 0 <= reliability < 1:
        raise UsageError(f"reliability must be in [0, 1); got {reliability!r}.")
    s_diff = math.sqrt(2.0) * sd * math.sqrt(1.0 - reliability)
    return (np.asarray(post, dtype=float) - np.asarray(pre, dtype=float)) / s_diff


@dataclass(frozen=True, eq=False)
class ReliableChangeResult(Result):
    """Result of :func:`reliable_change`.

    ``table``: shares per arm and category.  ``tables["respondents"]``: the
    per-respondent scores, change, RCI and category.  ``info``: the
    reliability, the baseline SD, :math:`S_{diff}` and the cutoff.
    """

    def shares(self) -> pd.DataFrame:
        """The table as arm × category shares (a wide view)."""
        return self.table.pivot(index="group", columns="term", values="estimate")[list(CATEGORIES)]


@renamed_arguments("level")
def reliable_change(
    survey: Survey,
    outcome: str,
    *,
    reliability: float | None = None,
    sd: float | None = None,
    conf_level: float = 0.95,
    higher_is_better: bool = True,
    followup: Any = None,
) -> ReliableChangeResult:
    """Share of respondents reliably improved, unchanged and deteriorated, per arm.

    Parameters
    ----------
    survey : Survey
        A panel survey with waves and arms.
    outcome : str
        A scale (scored with :func:`~mutualaid_analysis.evaluation.score_scale`
        defaults: prorated sum) or a single numeric variable.
    reliability : float, optional
        The reliability :math:`r_{xx}` of the outcome.  Default for a scale:
        Cronbach's alpha at baseline (:func:`reliability`); a single variable
        has no internal consistency, so it must be given (e.g. a test-retest
        correlation).
    sd : float, optional
        The SD in :math:`SE_m`; default: the SD of the baseline scores of all
        baseline respondents (both arms).
    conf_level : float, default 0.95
        (``level=`` is its deprecated old name.)  Two-sided level of the reliable-change criterion (0.95: |RCI| > 1.96)
        and of the shares' confidence intervals.
    higher_is_better : bool, default True
        Whether an increase is an improvement (True for self-efficacy).
    followup : optional
        The follow-up wave (default: the last).

    Returns
    -------
    ReliableChangeResult
        ``table``: one row per arm (``group``) and category (``term``:
        ``improved``, ``unchanged``, ``deteriorated``): ``estimate`` (share
        of the arm's respondents with both scores), ``std_error``, ``df``,
        ``conf_low``, ``conf_high`` (village-cluster CR2 interval,
        Satterthwaite df), ``n`` (respondents of the arm), ``count``,
        ``method``, ``outcome``.
        ``tables["respondents"]``: ``id, cluster, group, pre, post, change,
        rci, category``.

    Notes
    -----
    .. math::

       RCI_i = \\frac{x_{i2} - x_{i1}}{S_{diff}},\\qquad
       S_{diff} = \\sqrt{2}\\,SE_m = \\sqrt{2}\\,SD_1\\sqrt{1 - r_{xx}}

    A respondent changed reliably when :math:`|RCI| > z_{1-(1-\\text{level})/2}`
    (1.96); improved or deteriorated by the sign and ``higher_is_better``.
    Respondents need the outcome at both waves.  Shares are means of 0/1
    indicators with village-clustered CR2 standard errors and Satterthwaite
    df; their intervals are built on the logit scale and stay inside
    [0, 1]; a share of 0 or 1 gets the Clopper-Pearson interval on its
    respondents (see :func:`~mutualaid_analysis.inference.share_conf_int`).

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical
    approach to defining meaningful change in psychotherapy research. Journal
    of Consulting and Clinical Psychology, 59(1), 12-19.
    Christensen, L., & Mendoza, J. L. (1986). A method of assessing change in
    a single subject: An alteration of the RC index. Behavior Therapy, 17(3),
    305-308.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> ma.reliable_change(ma.load_sample(), "gses").shares()  # doctest: +SKIP
    """
    level = check_conf_level(conf_level)
    d = study_design(
        survey, arms="two", followup=followup, empty_followup=True, what="reliable_change"
    )
    cb = survey.codebook
    is_scale = outcome in cb.scale_names()
    if reliability is None:
        if not is_scale:
            raise UsageError(
                f"{outcome!r} is a single variable: give its reliability "
                "(e.g. reliability=0.8 from a test-retest study); only a "
                "multi-item scale has an internal-consistency default."
            )
        reliability = scale_reliability(survey, outcome, wave=d.baseline).alpha
        rel_source = f"Cronbach's alpha of {outcome!r} at {d.baseline!r}"
    else:
        rel_source = "given"
    base = survey.wave(d.baseline)
    resolved = resolve_outcome(survey, outcome)
    pre = resolved.at_wave(d.baseline)
    post = resolved.at_wave(d.followup)
    if sd is None:
        sd = float(np.nanstd(pre.to_numpy(dtype=float), ddof=1))
        sd_source = f"SD of the {int(pre.notna().sum())} baseline scores (both arms)"
    else:
        sd_source = "given"
    ids = base[d.id].astype(str).to_numpy()
    x1 = pre.reindex(ids).to_numpy(dtype=float)
    x2 = post.reindex(ids).to_numpy(dtype=float)
    both = ~np.isnan(x1) & ~np.isnan(x2)
    people = pd.DataFrame(
        {
            "id": ids,
            "cluster": base[d.cluster].to_numpy() if d.cluster else np.arange(len(ids)),
            "group": base[d.group].to_numpy(),
            "pre": x1,
            "post": x2,
        }
    )[both].reset_index(drop=True)
    people["change"] = people["post"] - people["pre"]
    people["rci"] = rci(people["pre"], people["post"], sd, reliability)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    sign = 1 if higher_is_better else -1
    people["category"] = np.select(
        [sign * people["rci"] > z, sign * people["rci"] < -z],
        ["improved", "deteriorated"],
        default="unchanged",
    )
    s_diff = math.sqrt(2) * sd * math.sqrt(1 - reliability)

    rows: list[dict[str, Any]] = []
    for arm in (d.treated, d.comparison):
        sub = people[people["group"].astype(str) == str(arm)]
        for cat in CATEGORIES:
            y = (sub["category"] == cat).to_numpy(dtype=float)
            row: dict[str, Any] = {
                "outcome": outcome,
                "group": str(arm),
                "term": cat,
                "n": len(sub),
                "count": int(y.sum()),
            }
            share = _share(y, sub["cluster"].to_numpy(), level)
            how = share.pop("how")
            row.update(share)
            row["method"] = (
                f"share with {_CRITERION[cat].format(z=z)}; village CR2 SE "
                f"(Satterthwaite df); {SHARE_CI_METHODS[how]}"
            )
            rows.append(row)
    table = contract_frame(rows, id_columns=["outcome", "group"], extra=["count"])
    notes = (
        f"S_diff = sqrt(2) * {sd:.4g} * sqrt(1 - {reliability:.4g}) = {s_diff:.4g}; "
        f"reliability: {rel_source}; SD: {sd_source}.",
        f"A change of more than {z * s_diff:.3g} points is reliable (|RCI| > {z:.2f}).",
        f"{len(people)} respondents with {outcome!r} at {d.baseline!r} and {d.followup!r}.",
    )
    return ReliableChangeResult(
        table=table,
        title=f"Reliable change in {outcome} ({d.baseline} to {d.followup}, Jacobson-Truax)",
        notes=notes,
        tables={"respondents": people},
        info={
            # the facts: respondents with the outcome at both waves, and their villages
            "nobs": len(people),
            "n_clusters": int(people["cluster"].nunique()) if d.cluster else None,
            "reliability": reliability,
            "sd": sd,
            "s_diff": s_diff,
            "cutoff": z,
            "reliable_difference": z * s_diff,
            "outcome": outcome,
        },
    )


def _share(y: np.ndarray, cluster: np.ndarray, level: float) -> dict[str, Any]:
    est = float(y.mean()) if len(y) else np.nan
    se = df = np.nan
    if len(y) and est in (0.0, 1.0):
        se = 0.0
    elif len(y) and len(np.unique(cluster)) >= 2:
        fit = cluster_mean(y, cluster, vcov="CR2", name="share")
        se = float(np.asarray(fit.std_error).reshape(-1)[0])
        df = float(np.asarray(fit.df).reshape(-1)[0])
    low, high, how = share_conf_int(est, se, df, len(y), conf_level=level)
    return {"estimate": est, "std_error": se, "df": df, "conf_low": low, "conf_high": high,
            "how": how}
