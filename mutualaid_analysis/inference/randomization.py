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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from ._design import check_design
from ._invert import invert_p_value
from .cluster import check_choice
from .table import make_table

__all__ = [
    "ALTERNATIVES",
    "RI_STATISTICS",
    "Alternative",
    "RandomizationResult",
    "RiStatistic",
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


@dataclass(frozen=True)
class RandomizationResult:
    """Randomisation test of a cluster-level treatment.

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
    enumerated: bool
    n_treated_clusters: int
    seed: Any
    n: int
    n_clusters: int
    method: str
    distribution: np.ndarray = field(repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
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

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False)


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

    def __init__(self, y, Z, d_obs, sw, codes, G, assignments, need_t):
        n = y.shape[0]
        Q = np.linalg.qr(Z)[0] if Z.shape[1] else np.zeros((n, 0))
        ytil = y - Q @ (Q.T @ y)
        dobs = d_obs * sw
        dtil = dobs - Q @ (Q.T @ dobs)

        def csum(arr):
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
        coef = self.a - tau * self.b
        if not self.need_t:
            return coef
        var = self.factor * (self.A00 - 2 * tau * self.A01 + tau**2 * self.A11) / self.DtD**2
        with np.errstate(divide="ignore", invalid="ignore"):
            return coef / np.sqrt(np.maximum(var, 0.0))


def _extreme(dist: np.ndarray, obs: float, alternative: str) -> np.ndarray:
    tol = TIE_RTOL * max(abs(obs), 1e-300)
    if alternative == "two-sided":
        hit = np.abs(dist) >= abs(obs) - tol
    elif alternative == "greater":
        hit = dist >= obs - tol
    else:
        hit = dist <= obs + tol
    return hit | np.isnan(dist)


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
    seed: Any = None,
    alpha: float = 0.05,
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
    seed : int, numpy Generator or None
        For the random draws.
    alpha : float, default 0.05
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
    for what, value in (("max_enumerate", max_enumerate), ("n_draws", n_draws)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise UsageError(f"{what} must be a positive integer; got {value!r}.")
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise UsageError(f"alpha must be strictly between 0 and 1; got {alpha!r}.")
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
    total = math.comb(G, G1)
    rng = None
    if total <= max_enumerate:
        combos = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(G), G1)),
            dtype=np.intp,
            count=total * G1,
        ).reshape(total, G1)
        assignments = np.zeros((G, total))
        assignments[combos, np.arange(total)[:, None]] = 1.0
        enumerated = True
    else:
        rng = np.random.default_rng(seed)
        assignments = rng.permuted(np.tile(t_cluster, (n_draws, 1)), axis=1).T
        enumerated = False
    sw = np.ones(design.n) if design.weights is None else np.sqrt(design.weights)
    yw = design.y * sw
    Z = np.delete(design.X, j, axis=1) * sw[:, None]
    need_t = statistic == "t"
    obs_pieces = _RIPieces(yw, Z, d, sw, design.codes, G, t_cluster[:, None], need_t)
    pieces = _RIPieces(yw, Z, d, sw, design.codes, G, assignments, need_t)
    m = assignments.shape[1]

    def p_of(tau: float) -> float:
        obs = float(obs_pieces.stats(tau)[0])
        hits = int(_extreme(pieces.stats(tau), obs, alternative).sum())
        return hits / m if enumerated else (hits + 1) / (m + 1)

    estimate = float(obs_pieces.a[0])
    p = p_of(null)
    if conf_int and alternative == "two-sided":
        scale = float(np.std(pieces.a)) or abs(estimate) or 1.0
        ci = tuple(invert_p_value(p_of, estimate, scale, alpha, side) for side in (-1, 1))
    else:
        ci = (np.nan, np.nan)
    how = (
        f"all {m} assignments of {G1} of {G} clusters"
        if enumerated
        else f"{m} random assignments of {G1} of {G} clusters, p = (b+1)/(m+1)"
    )
    stat_text = "coefficient" if statistic == "coef" else "CR1S t"
    model = "WLS" if design.weights is not None else "OLS"
    return RandomizationResult(
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
