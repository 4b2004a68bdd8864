r"""Do the circles form a cumulative (Guttman) scale of willingness?

The ripple metaphor of the differential mode of association predicts a
cumulative pattern: whoever is willing to help other villagers is willing to
help friends, and whoever helps friends helps relatives.  :func:`scalability`
dichotomises willingness at a threshold and measures how close the circles
come to a Guttman scale: Guttman errors per respondent and Loevinger's
scalability coefficients H (scale), Hi (circle) and Hij (pair), defined as
in Mokken scale analysis (R package ``mokken``, ``coefH``).
"""

from __future__ import annotations

import itertools
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from .._params import Seed, check_conf_level, check_count, check_seed, describe_seed, recorded_seed
from ..data.survey import Survey
from ..data.waves import WaveChoice
from ..exceptions import UsageError
from ..results import Result, contract_frame
from .ordering import ALL_GROUPS, Block, cluster_mean_se, prepare

__all__ = ["SEMethod", "loevinger_h", "scalability"]

#: How standard errors of H are computed (one source for hint and check).
SEMethod = Literal["cluster", "bootstrap", "iid"]
SE_METHODS: tuple[str, ...] = get_args(SEMethod)

_TOL = 1e-6

_SE_TEXT = {
    "cluster": (
        "delta method, village-cluster CR2 variance of the mean influence function "
        "with Satterthwaite df; t interval"
    ),
    "bootstrap": (
        "village-cluster bootstrap ({B} resamples of villages with replacement, "
        "seed {seed}); SE = SD of the replicates, percentile interval"
    ),
    "iid": (
        "delta method ignoring clustering (as mokken::coefH(se=TRUE), Kuijpers, Van der "
        "Ark & Croon 2013); normal Wald interval"
    ),
}


# --------------------------------------------------------------------------- core


def _moments(x: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Per respondent z = (x_1..x_k, x_i x_j for each pair)."""
    prods = [x[:, i] * x[:, j] for i, j in pairs]
    return np.column_stack([x, *prods]) if prods else x


def _h_from_theta(
    theta: np.ndarray, k: int, pairs: list[tuple[int, int]], weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H for each weight row; theta is (..., k + m): item means then pair means.

    Returns H (..., n_est), cov (..., m), covmax (..., m).
    """
    p = theta[..., :k]
    pij = theta[..., k:]
    ii = np.array([i for i, _ in pairs])
    jj = np.array([j for _, j in pairs])
    pi, pj = p[..., ii], p[..., jj]
    cov = pij - pi * pj
    covmax = np.minimum(pi, pj) - pi * pj
    num = cov @ weights.T
    den = covmax @ weights.T
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return h, cov, covmax


def _h_gradient(
    theta: np.ndarray, k: int, pairs: list[tuple[int, int]], weights: np.ndarray
) -> np.ndarray:
    """d H / d theta for each weight row (n_est x (k + m))."""
    p = theta[:k]
    m = len(pairs)
    h, cov, covmax = _h_from_theta(theta, k, pairs, weights)
    dcov = np.zeros((m, k + m))
    dmax = np.zeros((m, k + m))
    for q, (i, j) in enumerate(pairs):
        dcov[q, i] = -p[j]
        dcov[q, j] = -p[i]
        dcov[q, k + q] = 1.0
        # the less popular item gives min(p_i, p_j); ties: the farther circle j
        hard = i if p[i] < p[j] else j
        dmax[q, i] = -p[j]
        dmax[q, j] = -p[i]
        dmax[q, hard] += 1.0
    den = covmax @ weights.T
    grad = np.full((weights.shape[0], k + m), np.nan)
    ok = den > 0
    grad[ok] = ((weights[ok] @ dcov) - h[ok, None] * (weights[ok] @ dmax)) / den[ok, None]
    return grad


def loevinger_h(x: np.ndarray) -> dict[str, Any]:
    r"""Loevinger's H, Hi and Hij of a binary matrix (respondents x items).

    Parameters
    ----------
    x : numpy.ndarray
        0/1 values, no missing.

    Returns
    -------
    dict
        ``H`` (float), ``Hi`` (k,), ``Hij`` (k x k, NaN diagonal), ``F`` and
        ``E`` (k x k observed and expected Guttman errors, symmetric), ``p``
        (k,) item popularities.

    Notes
    -----
    For items :math:`i, j` with :math:`p_i \ge p_j` (``i`` the more popular,
    "easier" item) a Guttman error is :math:`x_i = 0, x_j = 1`:

    .. math::

       F_{ij} = \#\{x_i = 0, x_j = 1\}, \quad E_{ij} = n (1 - p_i) p_j, \quad
       H_{ij} = 1 - F_{ij}/E_{ij}, \quad
       H_i = 1 - \frac{\sum_{j \ne i} F_{ij}}{\sum_{j \ne i} E_{ij}}, \quad
       H = 1 - \frac{\sum_{i<j} F_{ij}}{\sum_{i<j} E_{ij}},

    equivalently ratios of covariances to their maxima given the marginals,
    :math:`\operatorname{cov}_{ij} / (\min(p_i, p_j) - p_i p_j)` (Mokken 1971;
    ``mokken::coefH``).  Undefined (NaN) where an item has no variance.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    pairs = list(itertools.combinations(range(k), 2))
    theta = _moments(x, pairs).mean(axis=0)
    weights = _weights(k, pairs)
    h, cov, covmax = _h_from_theta(theta, k, pairs, weights)
    p = theta[:k]
    hij = np.full((k, k), np.nan)
    f = np.zeros((k, k))
    e = np.zeros((k, k))
    for q, (i, j) in enumerate(pairs):
        hij[i, j] = hij[j, i] = h[1 + k + q]
        easy, hard = (i, j) if p[i] >= p[j] else (j, i)
        f[i, j] = f[j, i] = np.count_nonzero((x[:, easy] == 0) & (x[:, hard] == 1))
        e[i, j] = e[j, i] = n * (1 - p[easy]) * p[hard]
    return {"H": float(h[0]), "Hi": h[1 : 1 + k], "Hij": hij, "F": f, "E": e, "p": p}


def _weights(k: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Weight rows over pairs: scale H, then Hi for each item, then Hij for each pair."""
    m = len(pairs)
    w = [np.ones(m)]
    w.extend(np.array([1.0 if i in pr else 0.0 for pr in pairs]) for i in range(k))
    w.extend(np.eye(m))
    return np.vstack(w)


def guttman_errors(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Guttman errors per respondent for items ordered easiest first (``order``).

    An error is a pair (easier item 0, harder item 1).
    """
    xo = np.asarray(x)[:, order]
    k = xo.shape[1]
    errs = np.zeros(xo.shape[0], dtype=np.int64)
    for a, b in itertools.combinations(range(k), 2):
        errs += (xo[:, a] == 0) & (xo[:, b] == 1)
    return errs


# --------------------------------------------------------------------------- analysis


def scalability(
    survey: Survey,
    *,
    threshold: float = 4,
    service: str | None = None,
    wave: WaveChoice = "baseline",
    by: str | None = None,
    se: SEMethod = "cluster",
    n_boot: int = 999,
    seed: Seed = None,
    conf_level: float = 0.95,
) -> Result:
    r"""Does binary willingness form a cumulative (Guttman) scale across circles?

    Willingness at or above ``threshold`` counts as willing (1).  The ripple
    predicts a Guttman scale: willing for a farther circle implies willing
    for every nearer one.

    Parameters
    ----------
    survey : Survey
    threshold : float, default 4
        Willing = value >= threshold (4 = 比较愿意).  For pooled values the
        respondent's mean over the circle's items is compared.
    service : str, optional
        ``None`` pools; a service name uses that item; ``"each"`` runs every
        service in turn and stacks the rows.
    wave : default "baseline"
        The wave (``"baseline"``: the codebook's first wave); ignored when the
        survey has no waves.
    by : str, optional
        A column of ``survey.data``: results per level after ``"all"``.
    se : {"cluster", "bootstrap", "iid"}, default "cluster"
        Standard errors of H, Hi, Hij (``std_error``, ``conf_low``,
        ``conf_high``): ``"cluster"`` the delta method with village-cluster
        sums; ``"bootstrap"`` a village-cluster bootstrap; ``"iid"`` the
        delta method ignoring clustering (mokken's).  The iid SE is always
        reported in ``se_iid`` for comparison with ``mokken::coefH``.
    n_boot : int, default 999
        Bootstrap resamples (``se="bootstrap"``; at least 2).
    seed : int, numpy Generator or None, default None
        Seed of the bootstrap (same seed, same table).  None draws a fresh
        seed, recorded in ``info["seed"]`` and the ``method`` text, so the
        run can be repeated.  (The default was 1 before this release.)
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    Result
        ``.table``, per service and group one row for the scale and one per
        circle:

        - ``service``, ``wave``, ``group``: as in :func:`test_ordering`;
        - ``circle``: missing for the scale row, else the circle;
        - ``term``: ``"H"`` (scale) or ``"Hi"`` (circle);
        - ``estimate``: the coefficient;
        - ``std_error``, ``conf_low``, ``conf_high``: by ``se``;
        - ``statistic``, ``p_value``: missing (no test of H is made);
        - ``df``: Satterthwaite df with ``se="cluster"`` (G - 1 for villages
          of equal size), else missing;
        - ``n``: complete respondents;
        - ``method``;
        - ``se_iid``: the delta-method SE ignoring clustering;
        - ``popularity``: share willing (Hi rows);
        - ``F``, ``E``: observed and expected Guttman errors summed over the
          pairs entering the coefficient.

        ``.tables["pairs"]``: Hij per pair (``circle``, ``circle_2``; the
        same columns).  ``.tables["items"]``: ``service, wave, group,
        circle, position, popularity, popularity_rank``.
        ``.tables["errors"]``: per service and group the mean number of
        Guttman errors in the ripple (codebook) order and in the popularity
        order, and the share of perfect ripple patterns, with clustered SEs.
        ``.tables["respondents"]``: role columns, ``service``, ``group``, the
        0/1 value per circle, ``pattern`` (e.g. ``"110"``, nearest first),
        ``errors_ripple``, ``errors_popularity``.
        ``.tables["excluded"]``: respondents left out and why.

    Raises
    ------
    UsageError
        Unknown service, wave, ``by`` or ``se``; fewer than two circles or
        complete respondents; ``n_boot`` < 2 with ``se="bootstrap"``.

    Notes
    -----
    Definitions as ``mokken::coefH`` for dichotomous items (see
    :func:`loevinger_h`): items are ordered by popularity :math:`p_i`
    (share willing); for :math:`p_i \ge p_j` a Guttman error is
    :math:`x_i = 0, x_j = 1`; :math:`H_{ij} = 1 - F_{ij}/E_{ij}` with
    :math:`E_{ij} = n(1-p_i)p_j`; :math:`H_i` and :math:`H` pool the
    :math:`F` and :math:`E` over the pairs of item ``i`` and over all pairs.

    Guttman errors per respondent are counted in two orders:
    ``errors_ripple`` uses the codebook order (the ripple's prediction:
    nearest circle easiest); ``errors_popularity`` uses the observed
    popularity order, as mokken does (ties broken by codebook order); its
    sum over respondents is :math:`\sum_{i<j} F_{ij}`.

    Standard errors: H is a smooth function of the means :math:`\theta` of
    :math:`z_r = (x_{ri}, x_{ri}x_{rj})`; its influence function
    :math:`\psi_r = \nabla H(\hat\theta)'(z_r - \hat\theta)` gives
    :math:`\widehat{\operatorname{Var}}_{iid} = \sum_r \psi_r^2 / n^2` (the
    multinomial delta method of Kuijpers et al. 2013, which ignores
    clustering) and, treating :math:`\bar\psi` as a mean, its CR2
    village-cluster variance :math:`\widehat{\operatorname{Var}}_{cluster} =
    \sum_g (\sum_{r \in g} \psi_r)^2 / (1 - n_g/n) / n^2` with
    Satterthwaite df (as :func:`classify_profiles`; with one respondent per
    cluster it is the iid variance times :math:`n/(n-1)`).  The bootstrap
    resamples whole villages (within the group for ``by``) and recomputes H
    from the resampled means; replicates where H is undefined are dropped
    and counted in ``info``.  Two-level scalability coefficients (Koopman et
    al. 2020, raters nested in subjects) are not implemented.

    References
    ----------
    Loevinger, J. (1948). The technic of homogeneous tests compared with some
    aspects of "scale analysis" and factor analysis. *Psychol. Bull.* 45,
    507-529.
    Mokken, R. J. (1971). *A Theory and Procedure of Scale Analysis.* Mouton.
    Kuijpers, R. E., Van der Ark, L. A. & Croon, M. A. (2013). Standard
    errors and confidence intervals for scalability coefficients in Mokken
    scale analysis using marginal models. *Sociol. Methodol.* 43, 42-69.
    Van der Ark, L. A. (2012). New developments in Mokken scale analysis in
    R. *J. Stat. Softw.* 48(5).
    Koopman, L., Zijlstra, B. J. H. & Van der Ark, L. A. (2020). Standard
    errors of two-level scalability coefficients. *Br. J. Math. Stat.
    Psychol.* 73, 213-236.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> ma.scalability(ma.load_sample(), threshold=4).table  # doctest: +SKIP
    """
    if se not in SE_METHODS:
        raise UsageError(f"se must be one of {', '.join(map(repr, SE_METHODS))}; got {se!r}.")
    if se == "bootstrap":
        n_boot = check_count(n_boot, "n_boot", minimum=2)
    conf_level = check_conf_level(conf_level)
    seed = check_seed(seed)
    prep = prepare(survey, service, wave, by, what="scalability")
    circles = prep.circles
    k = len(circles)
    pairs = list(itertools.combinations(range(k), 2))
    weights = _weights(k, pairs)
    rng = np.random.default_rng(seed)
    method = _SE_TEXT[se].format(B=n_boot, seed=describe_seed(seed))
    method = (
        f"Loevinger's H as mokken::coefH (dichotomous items: willing = value >= "
        f"{threshold:g}; items ordered by popularity); SE: {method}"
    )
    rows: list[dict[str, Any]] = []
    pair_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    err_rows: list[dict[str, Any]] = []
    resp_parts: list[pd.DataFrame] = []
    notes = list(prep.notes)
    dropped: dict[str, int] = {}
    zcrit = float(stats.norm.ppf(0.5 + conf_level / 2))
    for b in prep.blocks:
        ident = {"service": b.service, "wave": prep.wave, "group": b.group}
        x = (b.values >= threshold - _TOL).astype(float)
        n = b.n
        if n == 0:
            notes.append(f"Group {b.group!r} (service {b.service!r}) has no complete respondents.")
            continue
        z = _moments(x, pairs)
        theta = z.mean(axis=0)
        lh = loevinger_h(x)
        est, _, _ = _h_from_theta(theta, k, pairs, weights)
        grad = _h_gradient(theta, k, pairs, weights)
        psi = (z - theta) @ np.nan_to_num(grad).T
        se_iid = np.sqrt((psi**2).sum(axis=0)) / n
        se_iid[np.isnan(est)] = np.nan
        g = b.n_clusters
        df: float | None = None
        if se == "cluster":
            if g >= 2:
                _, se_main, df = cluster_mean_se(psi, b.clusters)
                se_main[np.isnan(est)] = np.nan
                t = float(stats.t.ppf(0.5 + conf_level / 2, df))
                lo, hi = est - t * se_main, est + t * se_main
            else:
                se_main = lo = hi = np.full(len(est), np.nan)
                notes.append(
                    f"Group {b.group!r} (service {b.service!r}) has {g} village(s): "
                    "no clustered SE."
                )
        elif se == "iid":
            se_main = se_iid
            lo, hi = est - zcrit * se_iid, est + zcrit * se_iid
        else:
            se_main, lo, hi, n_bad = _bootstrap(
                z, b.clusters, g, k, pairs, weights, n_boot, rng, conf_level
            )
            dropped[f"{b.service}/{b.group}"] = n_bad
            if g < 2:
                notes.append(
                    f"Group {b.group!r} (service {b.service!r}) has {g} village(s): "
                    "no cluster bootstrap."
                )
        p = theta[:k]
        # F and E summed over the pairs of each estimate
        f_pair = np.array([lh["F"][i, j] for i, j in pairs])
        e_pair = np.array([lh["E"][i, j] for i, j in pairs])
        f_est, e_est = weights @ f_pair, weights @ e_pair
        common = {"n": n, "method": method, "df": df}
        for e_idx in range(1 + k + len(pairs)):
            row = {
                **ident,
                **common,
                "estimate": est[e_idx],
                "std_error": se_main[e_idx],
                "conf_low": lo[e_idx],
                "conf_high": hi[e_idx],
                "se_iid": se_iid[e_idx],
                "F": f_est[e_idx],
                "E": e_est[e_idx],
            }
            if e_idx == 0:
                rows.append({**row, "circle": None, "term": "H"})
            elif e_idx <= k:
                c = e_idx - 1
                rows.append({**row, "circle": circles[c], "term": "Hi", "popularity": p[c]})
            else:
                i, j = pairs[e_idx - 1 - k]
                pair_rows.append(
                    {**row, "circle": circles[i], "circle_2": circles[j], "term": "Hij"}
                )
        pop_order = np.argsort(-p, kind="stable")
        pop_rank = np.empty(k, dtype=int)
        pop_rank[pop_order] = np.arange(1, k + 1)
        item_rows.extend(
            {
                **ident,
                "circle": c,
                "position": j + 1,
                "popularity": p[j],
                "popularity_rank": int(pop_rank[j]),
            }
            for j, c in enumerate(circles)
        )
        if b.group == ALL_GROUPS and not np.array_equal(pop_order, np.arange(k)):
            notes.append(
                f"Service {b.service!r}: the observed popularity order "
                f"({' > '.join(circles[i] for i in pop_order)}) differs from the "
                "codebook's ripple order; H and errors_popularity use the observed "
                "order, errors_ripple the codebook's."
            )
        err_r = guttman_errors(x, np.arange(k))
        err_p = guttman_errors(x, pop_order)
        ys = np.column_stack([err_r, (err_r == 0).astype(float), err_p])
        m_, s_, edf = cluster_mean_se(ys, b.clusters)
        te = float(stats.t.ppf(0.5 + conf_level / 2, edf)) if edf > 0 else np.nan
        for j, term in enumerate(
            (
                "mean errors (ripple order)",
                "share without errors (ripple order)",
                "mean errors (popularity order)",
            )
        ):
            err_rows.append(
                {
                    **ident,
                    "term": term,
                    "estimate": m_[j],
                    "std_error": s_[j],
                    "df": edf,
                    "conf_low": m_[j] - te * s_[j],
                    "conf_high": m_[j] + te * s_[j],
                    "n": n,
                    "method": "mean over respondents; village-cluster CR2 SE with "
                    "Satterthwaite df, t interval",
                }
            )
        if b.group == ALL_GROUPS:
            resp_parts.append(_respondents(b, prep.by, circles, x, err_r, err_p))
    ids = ["service", "wave", "group", "circle"]
    extra = ["se_iid", "popularity", "F", "E"]
    table = contract_frame(rows, ids, extra)
    pairs_t = contract_frame(pair_rows, [*ids, "circle_2"], ["se_iid", "F", "E"])
    errors = contract_frame(err_rows, ["service", "wave", "group"])
    for fr in (table, pairs_t, errors):
        fr["n"] = fr["n"].astype("Int64")
        fr["df"] = fr["df"].astype(float)
    items = pd.DataFrame(
        item_rows,
        columns=["service", "wave", "group", "circle", "position", "popularity", "popularity_rank"],
    )
    respondents = pd.concat(resp_parts, ignore_index=True)
    notes.append(
        f"Willing = value >= {threshold:g}.  SE: {se}; the delta-method SE ignoring "
        "clustering (mokken's) is in se_iid.  Two-level scalability coefficients "
        "(Koopman et al.) are not computed."
    )
    if dropped and any(dropped.values()):
        notes.append(
            "Bootstrap replicates with undefined H were dropped: "
            + ", ".join(f"{k_} {v}" for k_, v in dropped.items() if v)
            + "."
        )
    info = {
        **prep.info,
        "threshold": threshold,
        "se": se,
        "n_boot": n_boot if se == "bootstrap" else None,
        "seed": recorded_seed(seed) if se == "bootstrap" else None,
        "boot_dropped": dropped,
    }
    title = "Scalability of willingness across circles (Loevinger's H)" + (
        f" (wave {prep.wave})" if prep.wave is not None else ""
    )
    return Result(
        table=table,
        title=title,
        notes=tuple(notes),
        tables={
            "pairs": pairs_t,
            "items": items,
            "errors": errors,
            "respondents": respondents,
            "excluded": prep.excluded,
        },
        info=info,
    )


def _bootstrap(
    z: np.ndarray,
    clusters: np.ndarray,
    g: int,
    k: int,
    pairs: list[tuple[int, int]],
    weights: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    conf_level: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    n_est = weights.shape[0]
    if g < 2:
        nan = np.full(n_est, np.nan)
        return nan, nan, nan, 0
    sums = np.stack(
        [np.bincount(clusters, weights=z[:, c], minlength=g) for c in range(z.shape[1])], axis=1
    )
    sizes = np.bincount(clusters, minlength=g).astype(float)
    draws = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)
    theta_b = (draws @ sums) / (draws @ sizes)[:, None]
    h_b, _, _ = _h_from_theta(theta_b, k, pairs, weights)
    bad = int(np.isnan(h_b[:, 0]).sum())
    with np.errstate(invalid="ignore"):
        se = np.array(
            [np.nanstd(col, ddof=1) if np.sum(~np.isnan(col)) > 1 else np.nan for col in h_b.T]
        )
        a = (1 - conf_level) / 2
        lo = np.array(
            [np.nanquantile(col, a) if np.any(~np.isnan(col)) else np.nan for col in h_b.T]
        )
        hi = np.array(
            [np.nanquantile(col, 1 - a) if np.any(~np.isnan(col)) else np.nan for col in h_b.T]
        )
    return se, lo, hi, bad


def _respondents(
    b: Block,
    by: str | None,
    circles: tuple[str, ...],
    x: np.ndarray,
    err_r: np.ndarray,
    err_p: np.ndarray,
) -> pd.DataFrame:
    out = b.rows.drop(columns=[c for c in circles if c in b.rows.columns]).copy()
    out.insert(0, "service", b.service)
    out["group"] = out[by].astype("string").fillna(ALL_GROUPS) if by is not None else ALL_GROUPS
    xi = x.astype(np.int64)
    for j, c in enumerate(circles):
        out[c] = xi[:, j]
    k = len(circles)
    names = np.array([format(c, f"0{k}b") for c in range(2**k)], dtype=object)
    out["pattern"] = names[xi @ (2 ** np.arange(k - 1, -1, -1))]
    out["errors_ripple"] = err_r
    out["errors_popularity"] = err_p
    return out
