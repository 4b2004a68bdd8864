"""Randomisation inference when villages (clusters) were randomly assigned to treatment.

The reference distribution is the statistic recomputed under other
assignments of the same number of treated clusters: all of them when there
are at most ``max_enumerate``, else ``n_draws`` random ones.  Assignments are
processed in vectorised blocks (no Python loop over assignments); because
the statistic's ingredients are linear in the outcome, the p-value of the
sharp null ``Y(1) = Y(0) + tau`` is a cheap function of tau, inverted for a
confidence interval.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from .._params import Seed, alpha_of, check_count, check_seed, renamed_arguments
from ..exceptions import UsageError
from ..results import Result
from ._design import check_design
from ._invert import invert_p_value
from .cluster import check_choice
from .table import make_table

__all__ = [
    "ALTERNATIVES",
    "MAX_ENUMERATE",
    "RI_STATISTICS",
    "TIE_RTOL",
    "Alternative",
    "RandomizationResult",
    "RiStatistic",
    "cluster_assignments",
    "did_randomization_test",
    "extreme",
    "randomization_p_value",
    "randomization_test",
]

RiStatistic = Literal["coef", "t"]
"""Statistic of the treatment indicator: its coefficient or its CR1S t statistic."""
RI_STATISTICS: tuple[str, ...] = get_args(RiStatistic)

Alternative = Literal["two-sided", "greater", "less"]
ALTERNATIVES: tuple[str, ...] = get_args(Alternative)

#: Relative tolerance within which a statistic ties with the observed one
#: (ties count as at least as extreme).
TIE_RTOL = 1e-10

#: Default cap on full enumeration: C(G, G1) assignments are all used when
#: there are at most this many (e.g. 12,870 for 8 of 16 villages, 184,756
#: for 10 of 20: about half a second with the t statistic); beyond it,
#: random draws: 9,999 give a Monte Carlo standard error of the p-value of
#: about 0.002 at p = 0.05.
MAX_ENUMERATE = 200_000

_BLOCK_ELEMENTS = 4_000_000


@dataclass(frozen=True, repr=False, kw_only=True)  # equal by value, as before
class RandomizationResult(Result):
    """Randomisation test of a cluster-level treatment.

    A :class:`~mutualaid_analysis.results.Result`: ``.table`` (one row),
    ``.summary()``, and the facts ``nobs`` (= ``n``), ``n_clusters``,
    ``enumerated`` and ``method``; ``df`` is None (the reference
    distribution is the resampled one, not a t).

    Attributes
    ----------
    term : str
    estimate : float
        Observed coefficient of the treatment indicator.
    statistic : float
        Observed statistic at ``null``: ``estimate - null``, or its CR1S t.
    p_value : float
        Enumerated: share of assignments at least as extreme as the observed
        one (which is among them).  Sampled: ``(b + 1) / (m + 1)``.
    conf_int : tuple of float
        Interval of constant additive effects not rejected (two-sided only;
        NaN otherwise or when not requested).
    n_assignments : int
        Assignments in the reference distribution (m).
    enumerated : bool
    n_treated_clusters : int
    distribution : numpy.ndarray
        The statistic under each assignment, at ``null``.
    """

    table: pd.DataFrame = field(init=False, repr=False, compare=False)
    term: str
    estimate: float
    null: float
    statistic_name: str
    statistic: float
    p_value: float
    conf_int: tuple[float, float]
    alpha: float
    alternative: str
    n_assignments: int
    enumerated: bool = False
    n_treated_clusters: int
    seed: Any
    n: int
    n_clusters: int = 0
    method: str = ""
    distribution: np.ndarray = field(repr=False, compare=False)

    @property
    def nobs(self) -> int:
        """Observations used (``n``)."""
        return int(self.n)

    def _make_table(self) -> pd.DataFrame:
        """One-row contract table (``std_error`` and ``df`` are empty)."""
        return make_table(
            {
                "term": self.term,
                "estimate": self.estimate,
                "statistic": self.statistic,
                "p_value": self.p_value,
                "conf_low": self.conf_int[0],
                "conf_high": self.conf_int[1],
                "n": self.n,
                "n_clusters": self.n_clusters,
                "method": self.method,
            }
        )

    def summary(self) -> str:
        """Plain-text summary."""
        lo, hi = self.conf_int
        return (
            f"{self.method}\n"
            f"sharp H0: effect = {self.null:g} for everyone; estimate {self.estimate:.6g}, "
            f"p = {self.p_value:.4g} ({self.alternative})\n"
            f"{100 * (1 - self.alpha):g}% CI (constant additive effect): [{lo:.6g}, {hi:.6g}]"
        )


class _RIPieces:
    """For each assignment T: ``coef_T(y - tau d) = a_T - tau b_T`` and the CR1S
    variance ``c (A00 - 2 tau A01 + tau^2 A11) / (D~'D~)^2``.

    Everything is computed from cluster-level sufficient statistics, so the
    cost is O(G r^2 m) for m assignments and r other columns, whatever n.
    With Q an orthonormal basis of the other columns, ``s_i`` the square
    root of the weight, ``D_i = s_i T_g`` and ``q_T = Q'D = sum_g T_g
    sum_{i in g} s_i Q_i``: ``D~'v = T' (cluster sums of s v)`` for v
    orthogonal to Q, ``D~'D~ = T' (cluster sums of s^2) - |q_T|^2``, and the
    cluster scores of the residuals follow from the sums listed in the code.
    """

    def __init__(
        self, y: np.ndarray, Z: np.ndarray, d_obs: np.ndarray, sw: np.ndarray,
        codes: np.ndarray, G: int, assignments: np.ndarray, need_t: bool,
    ) -> None:
        n = y.shape[0]
        Q = np.linalg.qr(Z)[0] if Z.shape[1] else np.zeros((n, 0))
        ytil = y - Q @ (Q.T @ y)
        dobs = d_obs * sw
        dtil = dobs - Q @ (Q.T @ dobs)

        def csum(arr: np.ndarray) -> np.ndarray:
            out = np.zeros((G,) + arr.shape[1:])
            np.add.at(out, codes, arr)
            return out

        sw_y, sw_d, sw2 = csum(sw * ytil), csum(sw * dtil), csum(sw**2)
        delta = csum(sw[:, None] * Q)  # (G, r): sum_i s_i Q_i
        m = assignments.shape[1]
        self.a = np.empty(m)
        self.b = np.empty(m)
        self.A00 = np.zeros(m)
        self.A01 = np.zeros(m)
        self.A11 = np.zeros(m)
        self.DtD = np.empty(m)
        if need_t:
            Q_y, Q_d = csum(Q * ytil[:, None]), csum(Q * dtil[:, None])  # (G, r)
            Gam = csum(Q[:, :, None] * Q[:, None, :])  # (G, r, r)
        block = max(1, _BLOCK_ELEMENTS // max(G * (Z.shape[1] + 1) ** 2, 1))
        for lo in range(0, m, block):
            T = assignments[:, lo : lo + block]
            sl = slice(lo, lo + T.shape[1])
            q = delta.T @ T  # (r, b)
            dtd = sw2 @ T - np.einsum("rb,rb->b", q, q)
            with np.errstate(divide="ignore", invalid="ignore"):  # collinear: NaN, extreme
                a = (sw_y @ T) / dtd
                b = (sw_d @ T) / dtd
            self.a[sl], self.b[sl], self.DtD[sl] = a, b, dtd
            if need_t:
                # sum_{i in g} D~_i^2 = T_g sw2_g - 2 T_g delta_g'q + q' Gam_g q  (T binary)
                dq = delta @ q
                dd = T * sw2[:, None] - 2 * T * dq + np.einsum("grs,rb,sb->gb", Gam, q, q)
                s0 = T * sw_y[:, None] - Q_y @ q - a * dd
                s1 = T * sw_d[:, None] - Q_d @ q - b * dd
                self.A00[sl] = np.einsum("gb,gb->b", s0, s0)
                self.A01[sl] = np.einsum("gb,gb->b", s0, s1)
                self.A11[sl] = np.einsum("gb,gb->b", s1, s1)
        k = Z.shape[1] + 1
        self.factor = G / (G - 1) * (n - 1) / (n - k)
        self.need_t = need_t

    def stats(self, tau: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            coef = self.a - tau * self.b
            if not self.need_t:
                return coef
            var = self.factor * (self.A00 - 2 * tau * self.A01 + tau**2 * self.A11) / self.DtD**2
            return coef / np.sqrt(np.maximum(var, 0.0))


def cluster_assignments(
    t_cluster: np.ndarray, max_enumerate: int, n_draws: int, seed: Any = None
) -> tuple[np.ndarray, bool]:
    """The reference set of assignments of clusters to treatment (G x m 0/1 matrix).

    ``t_cluster`` is the observed assignment (G-vector of 0/1).  When the
    number of assignments with the same number of treated clusters,
    ``C(G, G1)``, is at most ``max_enumerate``, all of them are returned
    (in the order of :func:`itertools.combinations`) and the flag is True;
    otherwise ``n_draws`` random permutations of ``t_cluster`` drawn with
    ``numpy.random.default_rng(seed)``, and the flag is False.  The one
    generator of every randomisation test of the package.
    """
    t_cluster = np.asarray(t_cluster, dtype=float)
    G = t_cluster.size
    G1 = int(t_cluster.sum())
    total = math.comb(G, G1)
    if total <= max_enumerate:
        combos = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(G), G1)),
            dtype=np.intp,
            count=total * G1,
        ).reshape(total, G1)
        out = np.zeros((G, total))
        out[combos, np.arange(total)[:, None]] = 1.0
        return out, True
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(t_cluster, (n_draws, 1)), axis=1).T, False


def randomization_p_value(hits: int, m: int, enumerated: bool) -> float:
    """p-value from ``hits`` of ``m`` assignments at least as extreme.

    The share ``hits / m`` over all assignments (the observed one is among
    them); over random draws, ``(hits + 1) / (m + 1)``, which counts the
    observed assignment and keeps the test exact.
    """
    return hits / m if enumerated else (hits + 1) / (m + 1)


def extreme(dist: np.ndarray, obs: float, alternative: str = "two-sided") -> np.ndarray:
    """Which of ``dist`` are at least as extreme as ``obs`` (the tie rule).

    A value within ``TIE_RTOL`` (relative to ``|obs|``) of the observed one
    counts as at least as extreme, and so does NaN (a degenerate
    assignment), which keeps the p-value conservative.
    """
    tol = TIE_RTOL * max(abs(obs), 1e-300)
    if alternative == "two-sided":
        hit = np.abs(dist) >= abs(obs) - tol
    elif alternative == "greater":
        hit = dist >= obs - tol
    else:
        hit = dist <= obs + tol
    return hit | np.isnan(dist)


def _inverted_interval(
    p_of: Any, estimate: float, reference: np.ndarray, alpha: float
) -> tuple[float, float]:
    """The interval ``{tau: p(tau) > alpha}`` of both randomisation tests, by bisection.

    The search steps outward in multiples of the standard deviation of the
    reference coefficients (``a_T``, the statistic's distribution at
    ``tau = 0``).  Only their finite values count: an assignment for which
    the treatment is collinear with the other columns gives an undefined
    (NaN) or infinite coefficient, and a NaN step would never reach a
    bound.  Without a spread the estimate's size, then 1, sets the step.
    """
    finite = reference[np.isfinite(reference)]
    scale = (float(np.std(finite)) if finite.size else 0.0) or abs(estimate) or 1.0
    low, high = (invert_p_value(p_of, estimate, scale, alpha, side) for side in (-1, 1))
    return float(low), float(high)


def _reference_text(m: int, G1: int, G: int, enumerated: bool, units: str) -> str:
    """How the reference distribution was made, for the ``method`` text."""
    if enumerated:
        return f"all {m} assignments of {G1} of {G} {units}"
    return f"{m} random assignments of {G1} of {G} {units}, p = (b+1)/(m+1)"


@renamed_arguments("alpha")
def randomization_test(
    y: Any,
    X: Any,
    cluster: Any,
    term: str | int,
    *,
    statistic: RiStatistic = "coef",
    null: float = 0.0,
    alternative: Alternative = "two-sided",
    max_enumerate: int = MAX_ENUMERATE,
    n_draws: int = 9999,
    seed: Seed = None,
    conf_level: float = 0.95,
    conf_int: bool = True,
    weights: Any = None,
    names: Sequence[str] | None = None,
) -> RandomizationResult:
    """Randomisation (permutation) test for a treatment assigned to whole clusters.

    Parameters
    ----------
    y : array-like, shape (n,)
    X : array-like or DataFrame, shape (n, k)
        The regression (with intercept); column ``term`` is the 0/1
        treatment indicator, constant within each cluster.  Other columns
        (baseline outcome for ANCOVA, covariates) are held fixed.
    cluster : array-like, shape (n,)
    term : str or int
        The treatment column.
    statistic : {"coef", "t"}, default "coef"
        The treatment coefficient, or its CR1S t statistic (studentised; more
        robust when the sharp null is false but the average effect is zero,
        Wu & Ding 2021).
    null : float, default 0
        Sharp null: every unit's effect equals ``null``.
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        Two-sided compares ``|stat|`` with ``|observed|``.
    max_enumerate : int, default 200000
        Enumerate all ``C(G, G1)`` assignments when there are at most this many.
    n_draws : int, default 9999
        Random assignments otherwise (drawn with replacement from the set of
        assignments, uniform over which G1 clusters are treated).
    seed : int, numpy Generator or None, default None
        For the random draws.  None draws a fresh seed, recorded in the
        result's ``seed`` (None when every assignment is enumerated).
    conf_level : float, default 0.95
        Level of the confidence interval.  ``alpha=a`` (deprecated) is
        ``conf_level=1-a``.
    conf_int : bool, default True
        Invert the sharp null of a constant additive effect (two-sided only).
    weights : array-like, optional
        Regression weights (WLS).
    names : sequence of str, optional

    Returns
    -------
    RandomizationResult

    Notes
    -----
    Under the sharp null ``Y_i(1) = Y_i(0) + tau0`` the adjusted outcomes
    ``Y - tau0 D`` are fixed whatever the assignment, so the statistic's
    distribution over assignments is known exactly (Fisher 1935).  With
    ``S_T`` the statistic computed with ``Y - tau0 D_obs`` and assignment T:

    * enumerated: ``p = #{T: |S_T| >= |S_obs|} / C(G, G1)``, exact;
    * sampled: ``p = (b + 1) / (m + 1)`` with b the number of the m draws at
      least as extreme (Phipson & Smyth 2010), a valid p-value.

    Ties within a relative 1e-10 count as extreme.  The statistic
    ``coef`` is ``beta_T(Y - tau D_obs)``, the coefficient of assignment T
    in the regression of the adjusted outcome (for the observed assignment
    it is ``estimate - tau``).  By Frisch-Waugh-Lovell
    ``beta_T(v) = D~_T'v / D~_T'D~_T`` with ``D~_T`` the treatment
    residualised on the other columns, linear in the outcome, so
    ``S_T(tau) = a_T - tau b_T`` and the CR1S variance is quadratic in tau.  The confidence interval ``{tau: p(tau) > alpha}`` is
    found by bisection on that function with the same assignments for every
    tau (Imbens & Rubin 2015, ch. 5).  An assignment for which the treatment
    is collinear with the other columns gives an undefined statistic,
    counted as extreme (conservative).

    References
    ----------
    Fisher, R. A. (1935). The Design of Experiments. Oliver & Boyd.

    Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be
    zero. Statistical Applications in Genetics and Molecular Biology, 9(1).

    Imbens, G. W., & Rubin, D. B. (2015). Causal Inference for Statistics,
    Social, and Biomedical Sciences. Cambridge University Press, ch. 5.

    Wu, J., & Ding, P. (2021). Randomization tests for weak null hypotheses
    in randomized experiments. Journal of the American Statistical
    Association, 116(536), 1898-1913.

    Young, A. (2019). Channeling Fisher: Randomization tests and the
    statistical insignificance of seemingly significant experimental
    results. Quarterly Journal of Economics, 134(2), 557-598.
    """
    check_choice(statistic, RI_STATISTICS, "statistic")
    check_choice(alternative, ALTERNATIVES, "alternative")
    max_enumerate = check_count(max_enumerate, "max_enumerate")
    n_draws = check_count(n_draws, "n_draws")
    alpha = alpha_of(conf_level)
    seed = check_seed(seed)
    design = check_design(y, X, cluster, weights=weights, names=names)
    if isinstance(term, str):
        if term not in design.names:
            raise UsageError(f"Unknown term {term!r}; terms are {list(design.names)}.")
        j = design.names.index(term)
    else:
        j = int(term)
        if not 0 <= j < len(design.names):
            raise UsageError(f"term index {term} is out of range for {len(design.names)} columns.")
    G = design.n_clusters
    d = design.X[:, j]
    if not np.isin(d, (0.0, 1.0)).all():
        raise UsageError(f"The treatment column {design.names[j]!r} must be 0/1.")
    t_cluster = np.zeros(G)
    t_cluster[design.codes] = d
    if not np.array_equal(t_cluster[design.codes], d):
        varying = [
            str(lab)
            for g, lab in enumerate(design.labels)
            if np.unique(d[design.codes == g]).size > 1
        ]
        raise UsageError(
            f"The treatment {design.names[j]!r} varies within clusters {varying[:10]}; "
            "randomisation inference here assumes whole clusters were assigned."
        )
    G1 = int(t_cluster.sum())
    if G1 in (0, G):
        raise UsageError("Both treated and untreated clusters are needed.")
    assignments, enumerated = cluster_assignments(t_cluster, max_enumerate, n_draws, seed)
    sw = np.ones(design.n) if design.weights is None else np.sqrt(design.weights)
    yw = design.y * sw
    Z = np.delete(design.X, j, axis=1) * sw[:, None]
    need_t = statistic == "t"
    obs_pieces = _RIPieces(yw, Z, d, sw, design.codes, G, t_cluster[:, None], need_t)
    pieces = _RIPieces(yw, Z, d, sw, design.codes, G, assignments, need_t)
    m = assignments.shape[1]

    def p_of(tau: float) -> float:
        obs = float(obs_pieces.stats(tau)[0])
        hits = int(extreme(pieces.stats(tau), obs, alternative).sum())
        return randomization_p_value(hits, m, enumerated)

    estimate = float(obs_pieces.a[0])
    p = p_of(null)
    if conf_int and alternative == "two-sided":
        ci = _inverted_interval(p_of, estimate, pieces.a, alpha)
    else:
        ci = (np.nan, np.nan)
    how = _reference_text(m, G1, G, enumerated, "clusters")
    stat_text = "coefficient" if statistic == "coef" else "CR1S t"
    model = "WLS" if design.weights is not None else "OLS"
    return RandomizationResult(
        title=f"Randomisation test: {design.names[j]}",
        term=design.names[j],
        estimate=estimate,
        null=float(null),
        statistic_name=statistic,
        statistic=float(obs_pieces.stats(null)[0]),
        p_value=p,
        conf_int=(float(ci[0]), float(ci[1])),
        alpha=float(alpha),
        alternative=alternative,
        n_assignments=m,
        enumerated=enumerated,
        n_treated_clusters=G1,
        seed=None if enumerated else seed,
        n=design.n,
        n_clusters=G,
        method=f"randomization inference ({how}), {model} {stat_text}, {alternative}",
        distribution=pieces.stats(null),
    )


@renamed_arguments("alpha")
def did_randomization_test(
    y: np.ndarray,
    Z: np.ndarray,
    post: np.ndarray,
    cluster: Any,
    treated_clusters: Iterable[Any],
    *,
    null: float = 0.0,
    max_enumerate: int = MAX_ENUMERATE,
    n_draws: int = 9999,
    seed: Seed = None,
    conf_level: float = 0.95,
    conf_int: bool = True,
) -> dict[str, Any]:
    """Randomisation test of the difference-in-differences coefficient.

    The DiD regression is ``y ~ Z + A + A*post`` with ``A`` the village's
    arm and ``Z`` the other columns (intercept, ``post``, covariates).
    Reassigning villages changes both ``A`` and ``A*post``, which is why
    this is not :func:`randomization_test`
    (that one permutes a single column).

    Returns a dict with ``estimate, statistic, p_value, conf_low,
    conf_high, n_assignments, enumerated, n_treated_clusters, seed, method``
    (``seed``: the one used, drawn fresh when None was given; None when
    every assignment is enumerated).  ``n_draws``, ``seed`` and
    ``conf_level`` are as in :func:`randomization_test` (``alpha=a``,
    deprecated, is ``conf_level=1-a``).

    Notes
    -----
    With ``C`` the n x G village indicator matrix, ``P = diag(post) C`` and
    ``M`` the projection off ``Z``, an assignment ``T`` (G-vector of 0/1)
    gives columns ``C T`` and ``P T``; by Frisch-Waugh-Lovell the DiD
    coefficient solves the 2 x 2 system with Gram matrix ``[T'AT, T'BT;
    T'BT, T'DT]`` and right side ``[T'c, T'p]``, where ``A = C'MC``,
    ``B = C'MP``, ``D = P'MP`` (G x G) and ``c = C'My``, ``p = P'My``.
    All are cluster sums computed once, so each assignment costs O(G^2)
    whatever the number of rows.  The statistic is linear in the outcome,
    so under the sharp null of a constant effect ``tau`` (outcome
    ``y - tau A_obs post``) it is ``a_T - tau b_T``; the confidence set is
    found by bisection as in ``randomization_test``, with the same
    assignments (:func:`cluster_assignments`), tie rule (:func:`extreme`,
    ``TIE_RTOL``) and p-value (:func:`randomization_p_value`).
    """
    max_enumerate = check_count(max_enumerate, "max_enumerate")
    n_draws = check_count(n_draws, "n_draws")
    alpha = alpha_of(conf_level)
    seed = check_seed(seed)
    y = np.asarray(y, dtype=float)
    Z = np.asarray(Z, dtype=float)
    post = np.asarray(post, dtype=float)
    codes, labels = pd.factorize(pd.Series(np.asarray(cluster, dtype=object)), sort=False)
    G = labels.size
    treated_set = {str(v) for v in treated_clusters}
    t_cluster = np.array([1.0 if str(lab) in treated_set else 0.0 for lab in labels])
    G1 = int(t_cluster.sum())
    if G1 in (0, G):
        raise UsageError("Both treated and untreated villages are needed.")
    Q = np.linalg.qr(Z)[0]

    def csum(arr: np.ndarray) -> np.ndarray:
        out = np.zeros((G,) + arr.shape[1:])
        np.add.at(out, codes, arr)
        return out

    ytil = y - Q @ (Q.T @ y)
    CQ, PQ = csum(Q), csum(post[:, None] * Q)
    n_g, np_g = csum(np.ones_like(y)), csum(post)
    A = np.diag(n_g) - CQ @ CQ.T
    B = np.diag(np_g) - CQ @ PQ.T
    D = np.diag(np_g) - PQ @ PQ.T
    cy, py = csum(ytil), csum(post * ytil)
    cd, pd_ = B @ t_cluster, D @ t_cluster  # the same for D_obs = A_obs * post

    def coefs(T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g11 = np.einsum("gb,gb->b", T, A @ T)
        g12 = np.einsum("gb,gb->b", T, B @ T)
        g22 = np.einsum("gb,gb->b", T, D @ T)
        det = g11 * g22 - g12 * g12
        with np.errstate(divide="ignore", invalid="ignore"):
            a = (g11 * (py @ T) - g12 * (cy @ T)) / det
            b = (g11 * (pd_ @ T) - g12 * (cd @ T)) / det
        return a, b

    T_all, enumerated = cluster_assignments(t_cluster, max_enumerate, n_draws, seed)
    a_obs, b_obs = (float(v[0]) for v in coefs(t_cluster[:, None]))
    a, b = coefs(T_all)
    m = T_all.shape[1]

    def p_of(tau: float) -> float:
        obs = a_obs - tau * b_obs
        dist = a - tau * b
        hits = int(extreme(dist, obs, "two-sided").sum())
        return randomization_p_value(hits, m, enumerated)

    ci = _inverted_interval(p_of, a_obs, a, alpha) if conf_int else (np.nan, np.nan)
    how = _reference_text(m, G1, G, enumerated, "villages")
    return {
        "estimate": a_obs,
        "statistic": a_obs - null * b_obs,
        "p_value": p_of(null),
        "conf_low": float(ci[0]),
        "conf_high": float(ci[1]),
        "n_assignments": m,
        "enumerated": enumerated,
        "n_treated_clusters": G1,
        "seed": None if enumerated else seed,
        "method": f"randomization inference ({how}), OLS DiD coefficient, two-sided",
    }
