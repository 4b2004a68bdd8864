r"""Does willingness fall from relatives to friends to other villagers?

:func:`test_ordering` tests the order the differential mode of association
(差序格局) predicts -- most willing toward the nearest circle -- with three
rank tests on the respondents who answered every circle: Friedman's test
(with Kendall's W), Page's L trend test for the codebook's predicted order,
and pairwise Wilcoxon signed-rank tests with Holm's adjustment.

This module also holds the preparation every analysis of
:mod:`mutualaid_analysis.gradient` shares (:func:`prepare`): the choice of
wave and service, complete cases with the list of those left out, the
groups of ``by=``, and the village-cluster standard error of a mean.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from ..data.survey import Survey
from ..data.waves import Wave, WaveChoice, resolve_wave
from ..exceptions import UsageError
from ..inference.cluster import cluster_mean_se
from ..inference.multiplicity import holm
from ..results import Result, contract_frame
from .describe import circles_without_items, empty_circle_note

__all__ = [
    "ALL_GROUPS",
    "EACH",
    "POOLED",
    "Block",
    "PageMethod",
    "Prepared",
    "cluster_mean_se",
    "holm",
    "page_exact_sf",
    "prepare",
    "test_ordering",
]

#: ``service=EACH`` runs the analysis once per service and stacks the rows.
EACH = "each"
#: The ``service`` column's value for the pooled analysis (``service=None``).
POOLED = "pooled"
#: The ``group`` column's value for all respondents together.
ALL_GROUPS = "all"
#: Willingness values are rounded to this many decimals before any comparison,
#: so that pooled means equal in exact arithmetic (13/3 and 13/3 computed from
#: different items) compare equal.
ROUND_DECIMALS = 9
#: Fewest complete respondents an analysis runs on.
MIN_RESPONDENTS = 2

#: How the p-value of Page's L is computed (one source for hint and check).
PageMethod = Literal["auto", "exact", "asymptotic"]
PAGE_METHODS: tuple[str, ...] = get_args(PageMethod)
#: ``page_method="auto"`` uses the exact distribution up to this many respondents ...
EXACT_MAX_N = 1000
#: ... and circles (the k! permutations of each respondent's ranks are enumerated).
EXACT_MAX_K = 6
#: ``page_method="exact"`` is refused beyond this many circles (8! = 40,320 orders).
EXACT_LIMIT_K = 8


# =========================================================================== preparation


@dataclass(frozen=True)
class Block:
    """The complete respondents of one service and one group.

    Attributes
    ----------
    service : str
        A service key, or ``"pooled"``.
    group : str
        ``"all"`` or a level of ``by`` (as text).
    values : numpy.ndarray
        ``n x k`` willingness, circles nearest first, rounded to
        :data:`ROUND_DECIMALS` decimals.
    rows : pandas.DataFrame
        The role columns (and ``by``) of the same respondents.
    clusters : numpy.ndarray
        Integer village codes ``0..G-1`` of the same respondents.
    """

    service: str
    group: str
    values: np.ndarray
    rows: pd.DataFrame
    clusters: np.ndarray

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(self.clusters.max()) + 1 if len(self.clusters) else 0


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` returns: the blocks and the facts about the selection."""

    blocks: list[Block]
    circles: tuple[str, ...]
    services: list[str]
    wave: Wave | None
    by: str | None
    id_col: str
    cluster_col: str | None
    excluded: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _resolve_services(survey: Survey, service: str | None) -> list[str | None]:
    items = survey.codebook.willingness_items()
    named = [s for s in dict.fromkeys(items["service"]) if s is not None]
    if service is None:
        return [None]
    if not isinstance(service, str):
        raise UsageError(
            f"service must be None (pooled), a service name or {EACH!r}; got {service!r}."
        )
    if service == EACH:
        if not named:
            raise UsageError(
                f"service={EACH!r} needs willingness items that name a service; "
                "this codebook's items name none (use service=None)."
            )
        return list(named)
    if service not in named:
        raise UsageError(
            f"unknown service {service!r}; the services are "
            f"{named or '(none named)'}, or None (pooled) or {EACH!r} "
            "(each in turn)."
        )
    return [service]


def _levels(values: pd.Series) -> list[Any]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    uniq = pd.unique(values.dropna())
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def prepare(
    survey: Survey,
    service: str | None,
    wave: WaveChoice,
    by: str | None,
    *,
    what: str,
    min_n: int = MIN_RESPONDENTS,
) -> Prepared:
    """Select wave and service(s), keep complete respondents, split by group.

    Parameters
    ----------
    survey : Survey
    service : str or None
        ``None`` (pooled), a service name, or ``"each"``.
    wave : optional
        A wave, or ``"baseline"`` (the first wave in the codebook's order
        present in the data); ignored when the survey has no waves.
    by : str, optional
        A column of ``survey.data`` whose levels get their own blocks.
    what : str
        The calling function's name, for messages.
    min_n : int
        Fewest complete respondents required over all groups (per service).

    Returns
    -------
    Prepared
        One :class:`Block` per service and group (``"all"`` first, then the
        levels of ``by``), the excluded respondents (``service, wave,
        respondent, cluster, reason``), ``info`` and ``notes``.

    Raises
    ------
    UsageError
        Fewer than two circles with willingness items, an unknown service,
        wave or ``by`` column, or fewer than ``min_n`` complete respondents.
    """
    cb = survey.codebook
    items = cb.willingness_items()
    circles = tuple(c for c in cb.circles if c in set(items["circle"]))
    if len(circles) < 2:
        raise UsageError(
            f"{what} compares circles, so it needs willingness items for at least two circles; "
            f"the codebook's [circles] order is {list(cb.circles)} and items mark "
            f'{list(circles) or "none"} (set circle = "..." on the willingness items).'
        )
    services = _resolve_services(survey, service)
    for svc in services:
        if svc is None:
            continue
        missing = [c for c in circles_without_items(cb, svc) if c in circles]
        if missing:
            raise UsageError(
                f"{what} compares every circle within service {svc!r}, but no willingness "
                f"item of that service is marked "
                + " or ".join(f'circle = "{c}"' for c in missing)
                + f"; circles with items of {svc!r}: "
                f"{[c for c in circles if c not in missing]}.  Pool the services "
                "(service=None), choose another service, or mark the item in the codebook."
            )
    wave = resolve_wave(survey, wave, pool=False)
    if by is not None and by not in survey.data.columns:
        raise UsageError(
            f"by={by!r} is not a column of the survey; the columns are {list(survey.data.columns)}."
        )
    s = cb.survey
    id_col, cluster_col, wcol = s.id, s.cluster, s.wave
    if cluster_col is not None and cluster_col not in survey.data:
        cluster_col = None

    blocks: list[Block] = []
    excluded_parts: list[pd.DataFrame] = []
    notes: list[str] = []
    empty = empty_circle_note(cb)
    if empty:
        notes.append(empty)
    per_service: dict[str, dict[str, int]] = {}
    for svc in services:
        label = svc if svc is not None else POOLED
        w = survey.willingness(svc)
        if by is not None and by not in w.columns:
            w[by] = survey.data[by]
        if wave is not None:
            w = w[w[wcol].astype(str) == str(wave)]
        present = [c for c in circles if c in w.columns]
        vals = np.full((len(w), len(circles)), np.nan)
        for j, c in enumerate(circles):
            if c in present:
                vals[:, j] = w[c].to_numpy(dtype=float)
        vals = np.round(vals, ROUND_DECIMALS)
        miss = np.isnan(vals)
        incomplete = miss.any(axis=1)
        if incomplete.any():
            reasons = [
                "missing circle(s): " + ", ".join(c for c, m in zip(circles, row, strict=True) if m)
                for row in miss[incomplete]
            ]
            sub = w.loc[incomplete]
            excluded_parts.append(
                pd.DataFrame(
                    {
                        "service": label,
                        "wave": wave,
                        "respondent": sub[id_col].astype(str).to_numpy(),
                        "cluster": (
                            sub[cluster_col].to_numpy(dtype=object)
                            if cluster_col
                            else np.full(len(sub), None, dtype=object)
                        ),
                        "reason": reasons,
                    }
                )
            )
        keep = ~incomplete
        n_rows, n_keep = len(w), int(keep.sum())
        per_service[label] = {"rows": n_rows, "complete": n_keep, "excluded": n_rows - n_keep}
        if n_keep < min_n:
            where = f" in wave {wave!r}" if wave is not None else ""
            raise UsageError(
                f"{what} needs at least {min_n} respondents who answered every circle "
                f"({', '.join(circles)}); service {label!r}{where} has {n_keep} of {n_rows} "
                f"({n_rows - n_keep} left out for missing circles)."
            )
        rows = w.loc[keep].reset_index(drop=True)
        values = vals[keep]
        if cluster_col:
            codes, _ = pd.factorize(rows[cluster_col], sort=True)
        else:
            codes = np.arange(len(rows))
        blocks.append(Block(label, ALL_GROUPS, values, rows, codes))
        if by is not None:
            gvals = rows[by]
            n_na = int(gvals.isna().sum())
            if n_na:
                notes.append(
                    f"{n_na} complete respondent(s) of service {label!r} have no value "
                    f"of {by!r}: they count in group 'all' only."
                )
            for level in _levels(gvals):
                m = (gvals == level).fillna(False).to_numpy(dtype=bool)
                sub = rows.loc[m].reset_index(drop=True)
                if cluster_col:
                    sub_codes, _ = pd.factorize(sub[cluster_col], sort=True)
                else:
                    sub_codes = np.arange(len(sub))
                blocks.append(Block(label, str(level), values[m], sub, sub_codes))

    excluded = (
        pd.concat(excluded_parts, ignore_index=True)
        if excluded_parts
        else pd.DataFrame(
            {
                "service": pd.Series(dtype=object),
                "wave": pd.Series(dtype=object),
                "respondent": pd.Series(dtype=object),
                "cluster": pd.Series(dtype=object),
                "reason": pd.Series(dtype=object),
            }
        )
    )
    wave_txt = (
        f"wave {wave!r} (baseline unless wave= was given)"
        if wave is not None
        else "all rows (the survey has no waves)"
    )
    notes.insert(0, f"Analysed {wave_txt}; circles nearest first: {', '.join(circles)}.")
    for label, cnt in per_service.items():
        if cnt["excluded"]:
            notes.append(
                f"Service {label!r}: {cnt['excluded']} of {cnt['rows']} respondents "
                "left out for missing circle(s); listed in tables['excluded']."
            )
    n_read_excl = survey.n_excluded
    if n_read_excl:
        notes.append(
            f"{n_read_excl} input row(s) were excluded when the survey was read "
            "(see survey.ledger)."
        )
    if cluster_col is None:
        notes.append("The survey has no village column: each respondent is its own cluster.")
    info = {
        "wave": wave,
        "services": [s if s is not None else POOLED for s in services],
        "circles": list(circles),
        "by": by,
        "cluster": cluster_col,
        "n_complete": {k: v["complete"] for k, v in per_service.items()},
        "n_excluded": {k: v["excluded"] for k, v in per_service.items()},
        "n_excluded_at_reading": n_read_excl,
        "n_clusters": {b.service: b.n_clusters for b in blocks if b.group == ALL_GROUPS},
    }
    return Prepared(
        blocks,
        circles,
        [s if s is not None else POOLED for s in services],
        wave,
        by,
        id_col,
        cluster_col,
        excluded,
        info,
        notes,
    )


# =========================================================================== the tests


def _tie_sums(values: np.ndarray) -> np.ndarray:
    """Per row, the sum over tie groups of t^3 - t (= sum over cells of c^2 - 1)."""
    eq = (values[:, :, None] == values[:, None, :]).sum(axis=2)
    return (eq.astype(float) ** 2 - 1).sum(axis=1)


def friedman(ranks: np.ndarray, tie_sums: np.ndarray) -> tuple[float, int, float, float]:
    r"""Tie-corrected Friedman chi-square, df, p-value and Kendall's W.

    .. math::

       \chi^2_F = \frac{12 \sum_j (R_j - n(k+1)/2)^2}
                       {n k (k+1) - \sum_i \sum_{t} (t^3 - t)/(k-1)},
       \qquad W = \frac{\chi^2_F}{n (k-1)}

    (R's ``friedman.test``; ``t`` runs over the tie groups of row ``i``.)
    """
    n, k = ranks.shape
    r = ranks.sum(axis=0)
    denom = n * k * (k + 1) - tie_sums.sum() / (k - 1)
    if denom <= 0:
        return math.nan, k - 1, math.nan, math.nan
    chi2 = float(12 * ((r - n * (k + 1) / 2) ** 2).sum() / denom)
    return chi2, k - 1, float(stats.chi2.sf(chi2, k - 1)), chi2 / (n * (k - 1))


def _power(pmf: np.ndarray, times: int) -> np.ndarray:
    result = np.array([1.0])
    base = pmf
    while times:
        if times & 1:
            result = np.convolve(result, base)
        times >>= 1
        if times:
            base = np.convolve(base, base)
    return result


def page_exact_sf(ranks: np.ndarray, predicted: np.ndarray, L: float) -> float:
    r"""Exact ``P(L' >= L)`` under the permutation null, ties kept.

    Under H0 each respondent's ranks (average ranks for ties) are equally
    likely to fall on the circles in any of the ``k!`` orders, independently
    across respondents.  The distribution of :math:`L = \sum_i \sum_j p_j
    r_{ij}` is the convolution of the respondents' distributions; respondents
    with the same tie pattern share one, raised to a power by repeated
    squaring.  Doubled ranks are integers, so the support is exact.  Without
    ties this is the distribution scipy's ``page_trend_test(method="exact")``
    uses (Odeh's recursion).
    """
    k = ranks.shape[1]
    r2 = np.rint(2 * ranks).astype(np.int64)
    pred = np.asarray(predicted, dtype=np.int64)
    patterns, counts = np.unique(np.sort(r2, axis=1), axis=0, return_counts=True)
    perms = np.array(list(itertools.permutations(range(k))))
    total = np.array([1.0])
    offset = 0
    for pat, cnt in zip(patterns, counts, strict=True):
        vals = (pat[perms] * pred).sum(axis=1)
        lo = int(vals.min())
        pmf = np.bincount(vals - lo) / len(vals)
        total = np.convolve(total, _power(pmf, int(cnt)))
        offset += lo * int(cnt)
    idx = round(2 * L) - offset
    if idx <= 0:
        return 1.0
    return float(min(1.0, total[idx:].sum()))


def page(
    ranks: np.ndarray, tie_sums: np.ndarray, predicted: np.ndarray, method: str
) -> dict[str, Any]:
    r"""Page's L, its normalised effect, z and the one-sided p-value.

    .. math::

       L = \sum_j p_j R_j, \quad E_0 = \frac{n k (k+1)^2}{4}, \quad
       V_0 = \sum_i \frac{k(k^2-1)}{12}\,\frac{k(k^2-1) - \sum_t (t^3-t)}{12\,(k-1)}

    where :math:`p_j` is the predicted rank of column ``j`` (``k`` = the
    highest), :math:`R_j` the column's rank sum.  :math:`V_0` is the
    permutation variance given each respondent's ties; without ties it is
    Page's :math:`n k^2 (k+1)^2 (k-1)/144`.  The estimate is
    :math:`\bar\rho_L = (L - E_0)/(L_{max} - E_0)` with
    :math:`L_{max} - E_0 = n k (k^2-1)/12`; without ties it is the mean
    Spearman correlation between a respondent's ranks and the predicted
    order (Page 1963).
    """
    n, k = ranks.shape
    L = float((predicted * ranks.sum(axis=0)).sum())
    e0 = n * k * (k + 1) ** 2 / 4
    a = k * (k * k - 1) / 12
    v0 = float((a * (k * (k * k - 1) - tie_sums) / 12 / (k - 1)).sum())
    rho = (L - e0) / (n * a)
    z = (L - e0) / math.sqrt(v0) if v0 > 0 else math.nan
    use_exact = method == "exact" or (method == "auto" and n <= EXACT_MAX_N and k <= EXACT_MAX_K)
    if use_exact:
        if k > EXACT_LIMIT_K:
            raise UsageError(
                f"page_method='exact' enumerates k! orders per respondent; with "
                f"{k} circles use 'asymptotic'."
            )
        p = page_exact_sf(ranks, predicted, L)
        kind = "exact"
    else:
        p = float(stats.norm.sf(z)) if v0 > 0 else math.nan
        kind = "asymptotic"
    return {"L": L, "E0": e0, "V0": v0, "rho": rho, "z": z, "p": p, "kind": kind}


def signed_rank(d: np.ndarray) -> dict[str, float]:
    r"""Wilcoxon signed-rank test of paired differences, as R's ``wilcox.test``.

    Zero differences are dropped (Wilcoxon's method); :math:`V` is the sum of
    the ranks of :math:`|d|` over positive differences;

    .. math::

       z = \frac{V - n(n+1)/4 - 0.5\,\operatorname{sign}(V - n(n+1)/4)}
                {\sqrt{n(n+1)(2n+1)/24 - \sum_t (t^3 - t)/48}},
       \qquad p = 2\,\min(\Phi(z), 1-\Phi(z)),

    and the matched-pairs rank-biserial correlation
    :math:`r = (V - (T - V))/T = 4V/(n(n+1)) - 1` with :math:`T = n(n+1)/2`.
    """
    nz = d[d != 0]
    n = len(nz)
    n_zero = len(d) - n
    if n == 0:
        return {
            "V": math.nan,
            "n": 0,
            "n_zero": n_zero,
            "z": math.nan,
            "p": math.nan,
            "r": math.nan,
        }
    absd = np.abs(nz)
    r = stats.rankdata(absd)
    v = float(r[nz > 0].sum())
    _, t = np.unique(absd, return_counts=True)
    sigma2 = n * (n + 1) * (2 * n + 1) / 24 - float((t.astype(float) ** 3 - t).sum()) / 48
    z0 = v - n * (n + 1) / 4
    if sigma2 <= 0:
        z = math.nan
        p = math.nan
    else:
        z = (z0 - 0.5 * np.sign(z0)) / math.sqrt(sigma2)
        p = float(min(1.0, 2 * min(stats.norm.cdf(z), stats.norm.sf(z))))
    return {"V": v, "n": n, "n_zero": n_zero, "z": float(z), "p": p, "r": 4 * v / (n * (n + 1)) - 1}


_FRIEDMAN_METHOD = (
    "Friedman rank-sum test; ranks within respondent, average ranks for ties; "
    "tie-corrected chi-square as R friedman.test, df = k-1; estimate = "
    "Kendall's W = chi2/(n(k-1)) from the tie-corrected chi2"
)
_PAGE_METHOD = (
    "Page's L trend test for the predicted order {order} (predicted rank k for the "
    "nearest circle down to 1 for the farthest, ranks ascending with willingness, "
    "so large L = willingness falls outward); one-sided; {p}; estimate = "
    "(L-E0)/(Lmax-E0), the mean Spearman correlation with the predicted order "
    "when there are no ties"
)
_PAGE_P = {
    "exact": "exact p-value from the permutation distribution of each respondent's ranks "
    "(ties kept)",
    "asymptotic": "normal approximation with the tie-corrected permutation variance, no "
    "continuity correction",
}
_WILCOXON_METHOD = (
    "Wilcoxon signed-rank test, paired, nearer minus farther circle; zero "
    "differences dropped (Wilcoxon's zero method, as R); normal approximation "
    "with tie-corrected variance and continuity correction 0.5, two-sided (R "
    "wilcox.test(paired=TRUE, exact=FALSE, correct=TRUE)); p_holm = Holm over "
    "the {m} pairs; estimate = matched-pairs rank-biserial r (positive = "
    "nearer circle more willing)"
)


def test_ordering(
    survey: Survey,
    service: str | None = None,
    *,
    wave: WaveChoice = "baseline",
    by: str | None = None,
    page_method: PageMethod = "auto",
) -> Result:
    r"""Test the predicted ordering of willingness across circles.

    On the respondents who answered every circle (of one wave): Friedman's
    test with Kendall's W, Page's L trend test for the codebook's order
    (nearest circle most willing), and Wilcoxon signed-rank tests of every
    pair of circles with Holm's adjustment.

    Parameters
    ----------
    survey : Survey
    service : str, optional
        ``None`` (default) pools: each respondent's mean over the circle's
        items.  A service name (e.g. ``"daily_care"``) uses that item.
        ``"each"`` runs every service in turn and stacks the rows (the
        ``service`` column tells them apart).
    wave : default "baseline"
        The wave to analyse; ``"baseline"`` is the first of the codebook's
        ``waves`` present in the data.  Ignored when the survey has no waves;
        waves cannot be pooled (each respondent is compared with itself).
    by : str, optional
        A column of ``survey.data`` (e.g. the arm, ``"arm"``): the tests are
        repeated within each of its levels, after the rows for all
        respondents (``group = "all"``).
    page_method : {"auto", "exact", "asymptotic"}, default "auto"
        p-value of Page's L.  ``"auto"``: exact when n <= 1000 and k <= 6.

    Returns
    -------
    Result
        ``.table``, one row per test (per service and group):

        - ``test``: ``"friedman"``, ``"page"`` or ``"wilcoxon"``;
        - ``service``: the service, or ``"pooled"``;
        - ``wave``: the wave analysed (``None`` without waves);
        - ``group``: ``"all"`` or a level of ``by``;
        - ``term``: ``"all circles"`` (Friedman), the predicted order such
          as ``"relatives > friends > villagers"`` (Page), or the pair
          ``"relatives vs friends"`` (Wilcoxon);
        - ``estimate``: Kendall's W, Page's normalised
          :math:`\bar\rho_L`, or the rank-biserial r;
        - ``std_error``, ``conf_low``, ``conf_high``: missing (rank tests);
        - ``statistic``: Friedman's chi-square, Page's L, Wilcoxon's V;
        - ``df``: k - 1 for Friedman, else missing;
        - ``p_value``: unadjusted (one-sided for Page, two-sided otherwise);
        - ``n``: complete respondents (Wilcoxon: nonzero differences);
        - ``method``: the method, with the handling of ties, zeros and
          continuity correction;
        - ``estimate_type``: what ``estimate`` is;
        - ``z``: the standardised statistic (Page, Wilcoxon);
        - ``p_holm``: Holm-adjusted p over the pairs (Wilcoxon);
        - ``n_zero``: zero differences dropped (Wilcoxon).

        ``.tables["circles"]``: per service, group and circle the mean
        willingness and mean within-respondent rank (``service, wave, group,
        circle, label, position, mean, mean_rank, n``).
        ``.tables["excluded"]``: respondents left out (``service, wave,
        respondent, cluster, reason``).  ``.info``: wave, services, circles,
        ``n_complete``, ``n_excluded`` (per service), clusters.

    Raises
    ------
    UsageError
        Unknown service, wave, ``by`` column or ``page_method``; fewer than
        two circles; fewer than two complete respondents.

    Notes
    -----
    Ranks are within respondent, ascending with willingness (average ranks
    for ties).  Friedman:

    .. math::

       \chi^2_F = \frac{12 \sum_j (R_j - n(k+1)/2)^2}
                       {n k (k+1) - \sum_i \sum_t (t^3 - t)/(k-1)},
       \qquad W = \chi^2_F / (n(k-1)).

    Page: :math:`L = \sum_j p_j R_j` where :math:`p_j = k - j + 1` for the
    circle in codebook position :math:`j` (1 = nearest): the codebook lists
    circles nearest first and the prediction is *decreasing* willingness, so
    the nearest circle is predicted the highest rank.  The exact p-value is
    the permutation distribution of each respondent's ranks with their ties
    (scipy's exact method ignores ties; for untied data they agree).  The
    normal approximation uses the tie-corrected permutation variance
    :math:`V_0` (see :func:`page`; scipy uses the untied variance).

    Wilcoxon: for each pair (nearer, farther), differences nearer - farther,
    zeros dropped, :math:`V` = sum of positive ranks, normal approximation
    with tie and continuity correction; Holm over the pairs within each
    service and group.  Values are rounded to 9 decimals first, so pooled
    means equal in exact arithmetic tie.

    Groups with fewer than two complete respondents get rows with missing
    statistics and a note.

    References
    ----------
    Friedman, M. (1937). The use of ranks to avoid the assumption of
    normality implicit in the analysis of variance. *JASA* 32, 675-701.
    Page, E. B. (1963). Ordered hypotheses for multiple treatments: a
    significance test for linear ranks. *JASA* 58, 216-230.
    Wilcoxon, F. (1945). Individual comparisons by ranking methods.
    *Biometrics Bulletin* 1, 80-83.
    Holm, S. (1979). A simple sequentially rejective multiple test
    procedure. *Scand. J. Statist.* 6, 65-70.
    Kerby, D. S. (2014). The simple difference formula: an approach to
    teaching nonparametric correlation. *Comprehensive Psychology* 3, 1.
    Fei Xiaotong (1947). 乡土中国 (From the Soil), 差序格局.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> res = ma.test_ordering(ma.load_sample())  # doctest: +SKIP
    >>> res.table[["test", "term", "statistic", "p_value"]]  # doctest: +SKIP
    """
    if page_method not in PAGE_METHODS:
        raise UsageError(
            f"page_method must be one of {', '.join(map(repr, PAGE_METHODS))}; got {page_method!r}."
        )
    prep = prepare(survey, service, wave, by, what="test_ordering")
    cb = survey.codebook
    circles = prep.circles
    k = len(circles)
    predicted = np.arange(k, 0, -1)
    order = " > ".join(circles)
    pairs = list(itertools.combinations(range(k), 2))
    wmethod = _WILCOXON_METHOD.format(m=len(pairs))
    rows: list[dict[str, Any]] = []
    circ_rows: list[dict[str, Any]] = []
    notes = list(prep.notes)
    page_kinds: set[str] = set()
    for b in prep.blocks:
        ident = {"service": b.service, "wave": prep.wave, "group": b.group}
        if b.n < MIN_RESPONDENTS:
            notes.append(
                f"Group {b.group!r} (service {b.service!r}) has {b.n} complete "
                "respondent(s): too few to test; its rows are empty."
            )
            rows.append(
                {
                    **ident,
                    "test": "friedman",
                    "term": "all circles",
                    "n": b.n,
                    "method": _FRIEDMAN_METHOD,
                    "estimate_type": "Kendall's W",
                }
            )
            rows.append(
                {
                    **ident,
                    "test": "page",
                    "term": order,
                    "n": b.n,
                    "method": _PAGE_METHOD.format(order=order, p="no p-value"),
                    "estimate_type": "Page rho_L",
                }
            )
            rows.extend(
                {
                    **ident,
                    "test": "wilcoxon",
                    "term": f"{circles[i]} vs {circles[j]}",
                    "n": 0,
                    "method": wmethod,
                    "estimate_type": "rank-biserial r",
                }
                for i, j in pairs
            )
            continue
        ranks = stats.rankdata(b.values, axis=1)
        ties = _tie_sums(b.values)
        chi2, df, p, w = friedman(ranks, ties)
        if math.isnan(chi2):
            notes.append(
                f"Group {b.group!r} (service {b.service!r}): every respondent gave all "
                "circles the same value, so Friedman's test is undefined."
            )
        rows.append(
            {
                **ident,
                "test": "friedman",
                "term": "all circles",
                "estimate": w,
                "statistic": chi2,
                "df": df,
                "p_value": p,
                "n": b.n,
                "method": _FRIEDMAN_METHOD,
                "estimate_type": "Kendall's W",
            }
        )
        pg = page(ranks, ties, predicted, page_method)
        page_kinds.add(pg["kind"])
        rows.append(
            {
                **ident,
                "test": "page",
                "term": order,
                "estimate": pg["rho"],
                "statistic": pg["L"],
                "p_value": pg["p"],
                "n": b.n,
                "z": pg["z"],
                "method": _PAGE_METHOD.format(order=order, p=_PAGE_P[pg["kind"]]),
                "estimate_type": "Page rho_L",
            }
        )
        wil = [signed_rank(b.values[:, i] - b.values[:, j]) for i, j in pairs]
        adj = holm([x["p"] for x in wil])
        for (i, j), x, pa in zip(pairs, wil, adj, strict=True):
            if x["n"] == 0:
                notes.append(
                    f"{circles[i]} vs {circles[j]} (group {b.group!r}, service "
                    f"{b.service!r}): every difference is zero; no test."
                )
            rows.append(
                {
                    **ident,
                    "test": "wilcoxon",
                    "term": f"{circles[i]} vs {circles[j]}",
                    "estimate": x["r"],
                    "statistic": x["V"],
                    "p_value": x["p"],
                    "n": x["n"],
                    "z": x["z"],
                    "p_holm": pa,
                    "n_zero": x["n_zero"],
                    "method": wmethod,
                    "estimate_type": "rank-biserial r",
                }
            )
        means = b.values.mean(axis=0)
        mranks = ranks.mean(axis=0)
        circ_rows.extend(
            {
                **ident,
                "circle": c,
                "label": cb.circle_label(c),
                "position": j + 1,
                "mean": float(means[j]),
                "mean_rank": float(mranks[j]),
                "n": b.n,
            }
            for j, c in enumerate(circles)
        )
    table = contract_frame(
        rows, ["test", "service", "wave", "group"], ["estimate_type", "z", "p_holm", "n_zero"]
    )
    table["n"] = table["n"].astype("Int64")
    table["df"] = table["df"].astype("Int64")
    table["n_zero"] = table["n_zero"].astype("Int64")
    notes.append(
        "Page's L: codebook order is nearest first and the prediction is decreasing "
        f"willingness, so predicted ranks are {list(map(int, predicted))} for "
        f"{list(circles)}; p-value {' / '.join(sorted(page_kinds)) or 'none'} "
        "(one-sided)."
    )
    notes.append(
        "Wilcoxon: zero differences dropped, normal approximation with tie and "
        "continuity correction (as R wilcox.test(paired=TRUE, exact=FALSE, "
        "correct=TRUE)); Holm over the pairs."
    )
    info = {**prep.info, "page_method": sorted(page_kinds)}
    circ = pd.DataFrame(
        circ_rows,
        columns=[
            "service",
            "wave",
            "group",
            "circle",
            "label",
            "position",
            "mean",
            "mean_rank",
            "n",
        ],
    )
    title = "Ordering of willingness across circles" + (
        f" (wave {prep.wave})" if prep.wave is not None else ""
    )
    return Result(
        table=table,
        title=title,
        notes=tuple(notes),
        tables={"circles": circ, "excluded": prep.excluded},
        info=info,
    )


# The function's name starts with "test_"; tell pytest it is not a test when imported.
test_ordering.__test__ = False  # type: ignore[attr-defined]
