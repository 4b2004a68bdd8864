r"""Individual willingness profiles across the ordered circles.

:func:`classify_profiles` sorts each respondent's willingness toward the
circles (nearest first) into a pattern -- strictly decreasing, weakly
decreasing, flat, inverted or mixed -- and measures two individual indices:
the gradient (the slope over circle rank) and the radius (how far the
ripple of willingness reaches).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._params import check_conf_level
from ..data.survey import Survey
from ..data.waves import WaveChoice
from ..exceptions import UsageError
from ..inference import SHARE_CI_METHODS, share_conf_int
from ..results import Result, contract_frame
from .ordering import ALL_GROUPS, Block, cluster_mean_se, prepare

__all__ = ["PROFILES", "classify_profiles", "profile_codes"]

#: The profile patterns, in the order tables list them.  The issue's
#: ``other`` is ``inverted`` + ``mixed``.
PROFILES: tuple[str, ...] = ("strict", "weak", "flat", "inverted", "mixed")

_SHARE_METHOD = (
    "share of complete respondents; village-cluster CR2 SE (Pustejovsky-Tipton) "
    "with Satterthwaite df"
)
_MEAN_METHOD = (
    "mean over complete respondents; village-cluster CR2 SE (Pustejovsky-Tipton) "
    "with Satterthwaite df, t interval"
)


def profile_codes(values: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Index into :data:`PROFILES` for each row of ``values`` (circles nearest first).

    Differences within ``tol`` count as equal.
    """
    d = values[:, :-1] - values[:, 1:]
    dec = d > tol
    inc = d < -tol
    any_dec = dec.any(axis=1)
    any_inc = inc.any(axis=1)
    strict = dec.all(axis=1)
    flat = ~any_dec & ~any_inc
    weak = ~any_inc & ~strict & ~flat
    inverted = ~any_dec & any_inc
    return np.select([strict, weak, flat, inverted], [0, 1, 2, 3], 4)


def _indices(values: np.ndarray, threshold: float, tol: float) -> tuple[np.ndarray, np.ndarray]:
    k = values.shape[1]
    x = np.arange(k, dtype=float) - (k - 1) / 2
    slope = values @ x / (x @ x)
    above = values >= threshold - tol
    # number of leading circles (from the nearest) at or above the threshold
    radius = np.where(above.all(axis=1), k, np.argmin(above, axis=1))
    return slope, radius.astype(np.int64)


def _t(df: float, conf_level: float) -> float:
    return float(stats.t.ppf(0.5 + conf_level / 2, df)) if df > 0 else np.nan


def classify_profiles(
    survey: Survey,
    service: str | None = None,
    *,
    wave: WaveChoice = "baseline",
    by: str | None = None,
    threshold: float = 4,
    tol: float = 1e-6,
    conf_level: float = 0.95,
) -> Result:
    r"""Classify each respondent's willingness profile across the ordered circles.

    Parameters
    ----------
    survey : Survey
    service : str, optional
        ``None`` (default) pools (the respondent's mean over the circle's
        items); a service name uses that item; ``"each"`` runs every service
        and stacks the rows.
    wave : default "baseline"
        The wave (``"baseline"``: the codebook's first wave); ignored when the
        survey has no waves.
    by : str, optional
        A column of ``survey.data`` (e.g. ``"arm"``): counts and shares per
        level, after those for all respondents (``group = "all"``).
    threshold : float, default 4
        Willingness counted as "willing" for the radius (4 = 比较愿意).
    tol : float, default 1e-6
        Differences between circles within ``tol`` count as equal (pooled
        means are not integers; values are also rounded to 9 decimals).
    conf_level : float, default 0.95
        Confidence level of the shares' intervals.

    Returns
    -------
    Result
        ``.table``, one row per service, group and profile:

        - ``service``, ``wave``, ``group``: as in :func:`test_ordering`;
        - ``term``: the profile, one of ``strict``, ``weak``, ``flat``,
          ``inverted``, ``mixed``;
        - ``estimate``: share of the group's complete respondents;
        - ``std_error``: village-cluster SE of the share;
        - ``statistic``, ``p_value``: missing (no test);
        - ``df``: Satterthwaite degrees of freedom of the CR2 SE (``G - 1``
          when the villages are of equal size);
        - ``conf_low``, ``conf_high``: t(df) interval on the logit scale,
          inside [0, 1]; Clopper-Pearson for a share of 0 or 1 (see
          :func:`~mutualaid_analysis.inference.share_conf_int`);
        - ``n``: complete respondents in the group;
        - ``method``;
        - ``count``: respondents with the profile.

        ``.tables["indices"]``: per service and group, ``term`` ``"slope"``
        (mean gradient index) and ``"radius"`` (mean radius), with the same
        contract columns and clustered SEs.
        ``.tables["respondents"]``: one row per complete respondent: the
        role columns, ``service``, ``group`` (the level of ``by`` or
        ``"all"``), the willingness per circle, ``profile``, ``slope``,
        ``radius`` and ``radius_circle``.
        ``.tables["excluded"]``: respondents left out and why.

    Raises
    ------
    UsageError
        Unknown service, wave or ``by``; fewer than two circles; fewer than
        two complete respondents; ``tol`` negative.

    Notes
    -----
    With :math:`d_j = y_j - y_{j+1}` the drop from circle :math:`j` to the
    next one outward (nearest first):

    - ``strict``: every :math:`d_j > \text{tol}` (strictly decreasing);
    - ``flat``: every :math:`|d_j| \le \text{tol}` (all equal);
    - ``weak``: no :math:`d_j < -\text{tol}` (never increasing), neither
      strict nor flat;
    - ``inverted``: no :math:`d_j > \text{tol}`, some :math:`d_j < -\text{tol}`
      (never decreasing, rising somewhere: the mirror of strict + weak);
    - ``mixed``: rises and falls.

    ``inverted`` and ``mixed`` together are the issue's ``other``.  The five
    profiles partition the respondents, so the shares sum to 1.

    Gradient index: the least-squares slope of willingness on circle rank
    :math:`c = 0, \dots, k-1`, :math:`b = \sum_c (c - \bar c) y_c / \sum_c
    (c - \bar c)^2`, in points per circle; negative = willingness falls
    outward.  Radius: the number of circles, counted outward from the
    nearest, before the first circle below ``threshold`` (0 = not even the
    nearest circle; k = every circle); ``radius_circle`` names the farthest
    of them.  The ripple is taken to be contiguous: a far circle at or above
    the threshold beyond a nearer one below it does not extend the radius.

    Shares and means carry village-cluster CR2 standard errors with
    Satterthwaite degrees of freedom,
    :math:`\widehat{\operatorname{Var}}(\bar y) = \frac{1}{n^2} \sum_g
    S_g^2 / (1 - n_g/n)`, :math:`S_g = \sum_{i\in g} (y_i - \bar y)` (see
    :func:`~mutualaid_analysis.gradient.ordering.cluster_mean_se`), and t
    intervals.

    References
    ----------
    Fei Xiaotong (1947). 乡土中国 (From the Soil), 差序格局.
    Pustejovsky, J. E. & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. *J. Bus. Econ. Stat.* 36, 672-683.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> ma.classify_profiles(ma.load_sample()).table  # doctest: +SKIP
    """
    if not tol >= 0:
        raise UsageError(f"tol must be a non-negative number; got {tol!r}.")
    conf_level = check_conf_level(conf_level)
    prep = prepare(survey, service, wave, by, what="classify_profiles")
    circles = prep.circles
    k = len(circles)
    rows: list[dict[str, Any]] = []
    idx_rows: list[dict[str, Any]] = []
    resp_parts: list[pd.DataFrame] = []
    notes = list(prep.notes)
    for b in prep.blocks:
        ident = {"service": b.service, "wave": prep.wave, "group": b.group}
        if b.n == 0:
            notes.append(f"Group {b.group!r} (service {b.service!r}) has no complete respondents.")
        codes = profile_codes(b.values, tol)
        slope, radius = _indices(b.values, threshold, tol)
        onehot = (codes[:, None] == np.arange(len(PROFILES))[None, :]).astype(float)
        share, se, df = (
            cluster_mean_se(onehot, b.clusters)
            if b.n
            else (np.full(len(PROFILES), np.nan), np.full(len(PROFILES), np.nan), np.nan)
        )
        t = _t(df, conf_level)
        counts = onehot.sum(axis=0).astype(int)
        for j, name in enumerate(PROFILES):
            lo, hi, how = share_conf_int(share[j], se[j], df, b.n, conf_level=conf_level)
            rows.append(
                {
                    **ident,
                    "term": name,
                    "estimate": share[j],
                    "std_error": se[j],
                    "df": df,
                    "conf_low": lo,
                    "conf_high": hi,
                    "n": b.n,
                    "method": f"{_SHARE_METHOD}; {SHARE_CI_METHODS[how]}",
                    "count": int(counts[j]),
                }
            )
        if b.n:
            m, s, _ = cluster_mean_se(np.column_stack([slope, radius]), b.clusters)
        else:
            m = s = np.full(2, np.nan)
        for j, term in enumerate(("slope", "radius")):
            idx_rows.append(
                {
                    **ident,
                    "term": term,
                    "estimate": m[j],
                    "std_error": s[j],
                    "df": df,
                    "conf_low": m[j] - t * s[j],
                    "conf_high": m[j] + t * s[j],
                    "n": b.n,
                    "method": _MEAN_METHOD,
                }
            )
        if b.group == ALL_GROUPS:  # each respondent once, with its level of `by`
            resp_parts.append(_respondents(b, prep.by, circles, codes, slope, radius))
    table = contract_frame(rows, ["service", "wave", "group"], ["count"])
    table["n"] = table["n"].astype("Int64")
    indices = contract_frame(idx_rows, ["service", "wave", "group"])
    indices["n"] = indices["n"].astype("Int64")
    respondents = pd.concat(resp_parts, ignore_index=True)
    notes.append(
        f"Profiles: differences within tol = {tol:g} count as equal; 'other' = "
        "inverted + mixed.  Radius: circles from the nearest outward before the first "
        f"below {threshold:g}; slope: least-squares slope over circle rank 0..{k - 1} "
        "(negative = falls outward)."
    )
    info = {**prep.info, "threshold": threshold, "tol": tol, "profiles": list(PROFILES)}
    title = "Willingness profiles across circles" + (
        f" (wave {prep.wave})" if prep.wave is not None else ""
    )
    return Result(
        table=table,
        title=title,
        notes=tuple(notes),
        tables={"indices": indices, "respondents": respondents, "excluded": prep.excluded},
        info=info,
    )


def _respondents(
    b: Block,
    by: str | None,
    circles: tuple[str, ...],
    codes: np.ndarray,
    slope: np.ndarray,
    radius: np.ndarray,
) -> pd.DataFrame:
    out = b.rows.drop(columns=[c for c in circles if c in b.rows.columns]).copy()
    out.insert(0, "service", b.service)
    out["group"] = out[by].astype("string").fillna(ALL_GROUPS) if by is not None else ALL_GROUPS
    for j, c in enumerate(circles):
        out[c] = b.values[:, j]
    out["profile"] = pd.Categorical(
        np.asarray(PROFILES, dtype=object)[codes], categories=list(PROFILES)
    )
    out["slope"] = slope
    out["radius"] = radius
    names = np.asarray(["none", *circles], dtype=object)
    out["radius_circle"] = names[radius]
    return out
