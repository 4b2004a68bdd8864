r"""Confidence intervals for shares that stay inside [0, 1].

A share (the proportion willing, the proportion taking part) is the mean of
a 0/1 variable, and its village-cluster standard error comes from
:func:`~mutualaid_analysis.inference.cluster_mean` like any other mean.  The
symmetric interval ``p ± t·se`` can leave [0, 1] when ``p`` is near 0 or 1
("16.3% [-1.5%, 34.2%]"); clipping it hides the problem instead of solving
it.  :func:`share_conf_int` builds the interval on the logit scale (delta
method) and maps it back, so it always lies inside (0, 1) and contains ``p``;
:func:`cluster_share` does the whole computation from the 0/1 values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .._params import check_conf_level, renamed_arguments
from ..exceptions import UsageError
from .cluster import VcovType, cluster_mean
from .table import make_table

__all__ = ["SHARE_CI_METHODS", "cluster_share", "share_conf_int"]

#: Text for the ``method`` column, by how the interval was computed.
SHARE_CI_METHODS: dict[str, str] = {
    "logit": "logit-scale CI expit(logit(p) ± t·se/(p(1-p)))",
    "clopper-pearson": (
        "Clopper-Pearson CI on the n respondents (share of 0 or 1: no variation "
        "to estimate a village design effect from)"
    ),
    "none": "no interval",
}


@renamed_arguments("level")
def share_conf_int(
    p: float, se: float, df: float, n: int, *, conf_level: float = 0.95
) -> tuple[float, float, str]:
    r"""A confidence interval for a share ``p``, inside [0, 1].

    Parameters
    ----------
    p : float
        The share (a proportion between 0 and 1).
    se : float
        Its standard error on the proportion scale (e.g. village-cluster CR2).
    df : float
        The t degrees of freedom that go with ``se`` (e.g. Satterthwaite).
    n : int
        The number of respondents the share is computed on (used only when
        ``p`` is 0 or 1).
    conf_level : float, default 0.95
        Confidence level (``level=`` is its deprecated old name).

    Returns
    -------
    conf_low, conf_high : float
        NaN when there is no interval (no respondents; fewer than two
        villages, shown by a NaN ``se`` or ``df``).
    how : str
        ``"logit"``, ``"clopper-pearson"`` or ``"none"``; the key of
        :data:`SHARE_CI_METHODS`.

    Notes
    -----
    For ``0 < p < 1`` the interval is computed on the logit scale, where the
    delta method gives :math:`\operatorname{se}(\operatorname{logit}\hat p) =
    \operatorname{se}(\hat p) / (\hat p (1 - \hat p))`, and mapped back:

    .. math::

       \operatorname{expit}\!\left(\operatorname{logit}(\hat p) \pm
       t_{\nu, 1-\alpha/2} \, \frac{\operatorname{se}(\hat p)}{\hat p (1 - \hat p)}\right).

    It lies strictly inside (0, 1), contains :math:`\hat p` and is
    asymmetric toward the nearer bound.

    When :math:`\hat p` is 0 or 1 every respondent answered alike: the
    standard error is 0 and the logit is infinite, so neither gives an
    interval.  Then the exact Clopper-Pearson interval on the ``n``
    respondents is used, :math:`[0, 1 - (\alpha/2)^{1/n}]` for
    :math:`\hat p = 0` and :math:`[(\alpha/2)^{1/n}, 1]` for
    :math:`\hat p = 1`.  This is the Korn-Graubard rule (the design effect
    cannot be estimated from data without variation, so the nominal sample
    size is used); it treats respondents as independent and so may be too
    narrow when villages differ.  The ``method`` column says which interval
    a row has.

    References
    ----------
    Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or
    fiducial limits illustrated in the case of the binomial. *Biometrika*,
    26(4), 404-413.
    Korn, E. L., & Graubard, B. I. (1998). Confidence intervals for
    proportions with small expected number of positive counts estimated
    from survey data. *Survey Methodology*, 24(2), 193-201.
    """
    level = check_conf_level(conf_level)
    p = float(p)
    if not (np.isfinite(p) and n > 0):
        return math.nan, math.nan, "none"
    if not 0 <= p <= 1:
        raise UsageError(f"a share must lie in [0, 1]; got {p!r}.")
    alpha = 1 - level
    if p == 0:
        return 0.0, float(stats.beta.ppf(1 - alpha / 2, 1, n)), "clopper-pearson"
    if p == 1:
        return float(stats.beta.ppf(alpha / 2, n, 1)), 1.0, "clopper-pearson"
    se, df = float(se), float(df)
    if not (np.isfinite(se) and np.isfinite(df) and df > 0 and se >= 0):
        return math.nan, math.nan, "none"
    half = float(stats.t.ppf(1 - alpha / 2, df)) * se / (p * (1 - p))
    centre = float(special.logit(p))
    low, high = float(special.expit(centre - half)), float(special.expit(centre + half))
    # expit rounds to p itself for a zero se; keep p inside whatever rounding does.
    return min(low, p), max(high, p), "logit"


@renamed_arguments("level")
def cluster_share(
    y: Any,
    cluster: Any,
    *,
    vcov: VcovType = "CR2",
    conf_level: float = 0.95,
    name: str = "share",
) -> pd.DataFrame:
    """A share with its village-cluster standard error and a logit-scale CI.

    Parameters
    ----------
    y : array-like of 0/1
        One value per respondent (missing values already removed).
    cluster : array-like
        The respondent's village.
    vcov : {"CR2", "CR1", "CR0"}, default "CR2"
        As in :func:`~mutualaid_analysis.inference.cluster_mean`.
    conf_level : float, default 0.95
        Confidence level (``level=`` is its deprecated old name).
    name : str, default "share"
        The ``term`` of the row.

    Returns
    -------
    pandas.DataFrame
        One contract row: ``estimate`` (the share), ``std_error`` and ``df``
        (cluster-robust, on the proportion scale), ``conf_low``,
        ``conf_high`` (see :func:`share_conf_int`), ``n``, ``n_clusters``,
        ``method``; ``statistic`` and ``p_value`` are empty.

    Raises
    ------
    UsageError
        ``y`` holds values other than 0 and 1, or lengths differ.
    """
    yv = np.asarray(y, dtype=float).reshape(-1)
    cl = np.asarray(cluster, dtype=object).reshape(-1)
    if len(yv) != len(cl):
        raise UsageError(f"y has {len(yv)} values but cluster has {len(cl)}.")
    if np.isnan(yv).any() or not np.isin(yv, (0.0, 1.0)).all():
        raise UsageError("a share needs 0/1 values without missing values.")
    n = len(yv)
    n_clusters = len(pd.unique(cl))
    p = float(yv.mean()) if n else math.nan
    se = df = math.nan
    base = f"share, village-cluster {vcov}"
    if n and n_clusters >= 2 and 0 < p < 1:
        fit = cluster_mean(yv, cl, vcov=vcov, name=name)
        se, df = float(fit.std_error[0]), float(fit.df[0])
        base = f"share ({fit.method}, village clusters)"
    elif n and 0 < p < 1:
        base += " (no interval: fewer than two villages)"
    elif n:
        se = 0.0
    low, high, how = share_conf_int(p, se, df, n, conf_level=conf_level)
    return make_table(
        {
            "term": name,
            "estimate": p,
            "std_error": se,
            "df": df,
            "conf_low": low,
            "conf_high": high,
            "n": n,
            "n_clusters": n_clusters,
            "method": base if how == "none" else f"{base}; {SHARE_CI_METHODS[how]}",
        }
    )
