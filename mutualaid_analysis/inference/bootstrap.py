"""Wild cluster restricted bootstrap (WCR) of a CR1 t statistic, vectorised.

The whole bootstrap is a handful of matrix products over the G x B matrix of
cluster weights, using cluster-level sufficient statistics (``X_g'X_g``,
``X_g'u_g``); there is no Python loop over replications.  Because every
bootstrap quantity is linear (numerator, cluster scores) or quadratic
(variance) in the hypothesised value, the p-value as a function of that
value costs O(B) to evaluate once the pieces are built, which makes the
confidence interval by test inversion cheap (Roodman et al. 2019).
"""

from __future__ import annotations

from collections.abc import Sequence
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
from .randomization import TIE_RTOL
from .table import make_table

__all__ = [
    "BOOTSTRAP_WEIGHTS",
    "BootstrapResult",
    "BootstrapWeights",
    "bootstrap_weight_matrix",
    "wild_cluster_bootstrap",
]

BootstrapWeights = Literal["auto", "rademacher", "webb"]
"""Cluster weight distributions: "auto" = Rademacher, enumerated when 2^G <= B, else Webb."""
BOOTSTRAP_WEIGHTS: tuple[str, ...] = get_args(BootstrapWeights)

# Bootstrap statistics within TIE_RTOL (the package's one tie rule, defined
# in randomization.py) of the observed one count as ties (and so as ``>=``).
# Exact ties occur by construction: the sign vectors of all +1 and all -1
# reproduce the observed sample, and floating-point noise must not decide
# whether they are counted.

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@renamed_arguments("B")
def bootstrap_weight_matrix(
    G: int, n_boot: int, kind: BootstrapWeights = "auto", *, seed: Any = None
) -> tuple[np.ndarray, str, bool]:
    """The G x B matrix of cluster weights.

    Parameters
    ----------
    G : int
        Number of clusters.
    n_boot : int
        Requested replications (``B=`` is its deprecated old name).
    kind : {"auto", "rademacher", "webb"}
        "auto": Rademacher with full enumeration if ``2**G <= n_boot``, else Webb.
        "rademacher": enumerated if ``2**G <= n_boot``, else random signs.
        "webb": Webb's six-point distribution, always drawn at random.
    seed : int, numpy Generator or None
        Passed to :func:`numpy.random.default_rng` (unused when enumerating);
        callers check it with :func:`~mutualaid_analysis._params.check_seed`.

    Returns
    -------
    V : numpy.ndarray, shape (G, B_eff)
        With enumeration ``B_eff = 2**G`` and column b holds the bits of b
        mapped to -1/+1 (so column ``2**G - 1`` is all +1).
    name : str
        "Rademacher" or "Webb".
    enumerated : bool
    """
    check_choice(kind, BOOTSTRAP_WEIGHTS, "bootstrap_weights")
    B = check_count(n_boot, "n_boot")
    if kind in ("auto", "rademacher") and G < 63 and 2**G <= B:
        bits = (np.arange(2**G, dtype=np.int64)[None, :] >> np.arange(G)[:, None]) & 1
        return bits.astype(float) * 2 - 1, "Rademacher", True
    rng = np.random.default_rng(seed)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(G, B)), "Rademacher", False
    return rng.choice(_WEBB, size=(G, B)), "Webb", False


@dataclass(frozen=True, repr=False, kw_only=True)  # equal by value, as before
class BootstrapResult(Result):
    """Wild cluster restricted bootstrap test of one coefficient.

    A :class:`~mutualaid_analysis.results.Result`: ``.table`` (one row),
    ``.summary()``, and the facts ``nobs`` (= ``n``), ``n_clusters``,
    ``enumerated`` and ``method``; ``df`` is None (the reference
    distribution is the resampled one, not a t).

    Attributes
    ----------
    term : str
    estimate : float
        OLS/WLS estimate of the coefficient.
    std_error : float
        Its CR1S standard error.
    null : float
        Hypothesised value beta0.
    statistic : float
        Observed CR1S t statistic ``(estimate - null) / std_error``.
    p_value : float
        Share of bootstrap ``|t*| >= |t|`` (symmetric, two-sided).
    conf_int : tuple of float
        ``(conf_low, conf_high)`` by test inversion, or NaNs if not computed;
        ``-inf`` / ``inf`` when the confidence set is unbounded.
    B : int
        Replications actually used (``2**G`` when enumerated).
    weights : str
        "Rademacher" or "Webb".
    enumerated : bool
        True when all ``2**G`` sign vectors were used: the p-value is then
        exact for the Rademacher bootstrap distribution and does not depend
        on ``seed``.
    method : str
        Text for the ``method`` column.
    """

    table: pd.DataFrame = field(init=False, repr=False, compare=False)
    term: str
    estimate: float
    std_error: float
    null: float
    statistic: float
    p_value: float
    conf_int: tuple[float, float]
    alpha: float
    B: int
    weights: str
    enumerated: bool = False
    seed: Any
    n: int
    n_clusters: int = 0
    method: str = ""
    t_star: np.ndarray = field(repr=False, compare=False)

    @property
    def nobs(self) -> int:
        """Observations used (``n``)."""
        return int(self.n)

    def _make_table(self) -> pd.DataFrame:
        """One-row contract table (``df`` is empty: the reference is the bootstrap)."""
        return make_table(
            {
                "term": self.term,
                "estimate": self.estimate,
                "std_error": self.std_error,
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
            f"H0: {self.term} = {self.null:g};  estimate {self.estimate:.6g}, "
            f"CR1S t = {self.statistic:.4f}, p = {self.p_value:.4g} (B = {self.B})\n"
            f"{100 * (1 - self.alpha):g}% CI by test inversion: [{lo:.6g}, {hi:.6g}]"
        )


def _cluster_sums(arr: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    """Sum the rows of ``arr`` within clusters: shape ``(G,) + arr.shape[1:]``."""
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(G))
    return np.add.reduceat(arr[order], starts, axis=0)


class _WCRPieces:
    """Everything the bootstrap p-value needs, as a function of beta0.

    With ``a`` row j of ``(X'X)^{-1}``, restricted residuals
    ``u(beta0) = u0 - beta0 u1`` and cluster scores ``s_g = X_g' u_g``:
    numerator ``N_b = sum_g v_gb a's_g`` and CR1 scores
    ``S_gb = v_gb a's_g - sum_h a'X_g'X_g (X'X)^{-1} s_h v_hb`` are linear in
    beta0, so ``t*_b(beta0) = (N0_b - beta0 N1_b) /
    sqrt(c (A00_b - 2 beta0 A01_b + beta0^2 A11_b))``.
    """

    def __init__(
        self, X: np.ndarray, y: np.ndarray, codes: np.ndarray, G: int, j: int, V: np.ndarray
    ) -> None:
        n, k = X.shape
        XtX = X.T @ X
        Minv = np.linalg.inv(XtX)
        Minv = (Minv + Minv.T) / 2
        self.beta = Minv @ (X.T @ y)
        a = Minv[j]
        XgXg = _cluster_sums(X[:, :, None] * X[:, None, :], codes, G)  # X_g'X_g, (G, k, k)
        Xr = np.delete(X, j, axis=1)
        xj = X[:, j]
        if Xr.shape[1]:
            Q, _ = np.linalg.qr(Xr)
            u0 = y - Q @ (Q.T @ y)
            u1 = xj - Q @ (Q.T @ xj)
        else:
            u0, u1 = y.copy(), xj.copy()
        S0 = _cluster_sums(X * u0[:, None], codes, G)  # s_g at beta0 = 0
        S1 = _cluster_sums(X * u1[:, None], codes, G)  # minus d s_g / d beta0
        c0, c1 = S0 @ a, S1 @ a
        b = np.einsum("gkl,l->gk", XgXg, a)  # b_g = X_g'X_g a
        # K[g, h] = a' X_g'X_g (X'X)^{-1} s_h = b_g' (X'X)^{-1} s_h
        K0 = b @ (Minv @ S0.T)
        K1 = b @ (Minv @ S1.T)
        # S(beta0) = diag(c) V - K V
        Sc0 = c0[:, None] * V - K0 @ V
        Sc1 = c1[:, None] * V - K1 @ V
        self.N0 = c0 @ V
        self.N1 = c1 @ V
        self.A00 = np.einsum("gb,gb->b", Sc0, Sc0)
        self.A01 = np.einsum("gb,gb->b", Sc0, Sc1)
        self.A11 = np.einsum("gb,gb->b", Sc1, Sc1)
        self.factor = G / (G - 1) * (n - 1) / (n - k)
        e = y - X @ self.beta
        Se = _cluster_sums(X * e[:, None], codes, G)
        self.se = float(np.sqrt(self.factor * np.sum((Se @ a) ** 2)))
        self.j = j

    def t_obs(self, beta0: float) -> float:
        return (self.beta[self.j] - beta0) / self.se

    def t_star(self, beta0: float) -> np.ndarray:
        num = self.N0 - beta0 * self.N1
        var = self.factor * (self.A00 - 2 * beta0 * self.A01 + beta0**2 * self.A11)
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / np.sqrt(np.maximum(var, 0.0))

    def p_value(self, beta0: float) -> float:
        t = abs(self.t_obs(beta0))
        ts = np.abs(self.t_star(beta0))
        # 0/0 (a degenerate draw) counts as a tie: |t*| undefined, treated as >= |t|.
        hits = (ts >= t * (1 - TIE_RTOL)) | np.isnan(ts)
        return float(hits.mean())


@renamed_arguments("alpha", "B")
def wild_cluster_bootstrap(
    y: Any,
    X: Any,
    cluster: Any,
    term: str | int,
    *,
    null: float = 0.0,
    n_boot: int = 9999,
    bootstrap_weights: BootstrapWeights = "auto",
    seed: Seed = None,
    conf_level: float = 0.95,
    conf_int: bool = True,
    weights: Any = None,
    names: Sequence[str] | None = None,
) -> BootstrapResult:
    """Wild cluster restricted bootstrap test (and CI) for one coefficient.

    Parameters
    ----------
    y : array-like, shape (n,)
    X : array-like or DataFrame, shape (n, k)
        Design matrix as given (include the intercept column).
    cluster : array-like, shape (n,)
    term : str or int
        The coefficient tested: a name (see ``names``) or a column index.
    null : float, default 0
        H0: ``beta_term = null``.
    n_boot : int, default 9999
        Replications.  With Rademacher weights and ``2**G <= n_boot`` all
        ``2**G`` sign vectors are used instead (G <= 13 for the default).
        ``B=`` is its deprecated old name.
    bootstrap_weights : {"auto", "rademacher", "webb"}, default "auto"
        "auto": Rademacher enumerated when ``2**G <= n_boot``, else Webb's
        six-point weights.
    seed : int, numpy Generator or None, default None
        For drawn weights; the same seed gives the same result.  The same
        draws are used for every beta0 in the test inversion.  None draws
        a fresh seed, recorded in the result's ``seed`` (None when every
        sign vector is enumerated).
    conf_level : float, default 0.95
        Level of the confidence interval.  ``alpha=a`` (deprecated) is
        ``conf_level=1-a``.
    conf_int : bool, default True
        Compute the confidence interval by test inversion.
    weights : array-like, optional
        Regression weights (WLS): the bootstrap is run on ``sqrt(w) y`` and
        ``sqrt(w) X``.
    names : sequence of str, optional

    Returns
    -------
    BootstrapResult
        ``p_value``, ``conf_int``, ``B``, ``weights``, ``enumerated``,
        ``method``, ``t_star`` (the bootstrap t statistics at ``null``),
        ``.table``.

    Notes
    -----
    WCR bootstrap (Cameron, Gelbach & Miller 2008; MacKinnon & Webb 2018):

    1. Fit the model imposing H0: ``y - beta0 x_j = X_{-j} gamma + u``,
       giving restricted residuals ``u~``.
    2. For each weight vector ``v`` (one weight per cluster),
       ``y* = X_{-j} gamma~ + beta0 x_j + v_g u~_g``; refit by OLS and form
       the CR1S t statistic ``t* = (beta*_j - beta0) / se_CR1S(beta*_j)``,
       with factor ``G/(G-1) (N-1)/(N-k)`` (it cancels in the p-value).
    3. ``p = #{b: |t*_b| >= |t|} / B`` (symmetric two-sided), ties within a
       relative 1e-10 counted as ``>=``.  With enumeration this is the exact
       p-value of the Rademacher bootstrap distribution, and it includes
       the all-ones vector (which reproduces the data, ``t* = t``).

    No replication is run in a loop: with ``a`` the j-th row of
    ``(X'X)^{-1}`` and ``s_g = X_g'u~_g``, ``beta*_j - beta0 = sum_g v_g
    a's_g`` and the bootstrap CR1 cluster scores are
    ``v_g a's_g - sum_h a'X_g'X_g (X'X)^{-1} s_h v_h``, i.e. matrix products
    with the G x B weight matrix (Roodman et al. 2019, section 3).  Both are
    linear in beta0, so the confidence set ``{beta0: p(beta0) > alpha}`` is
    found by bisection on the O(B) function p(beta0), with the same weight
    draws for every beta0: from the estimate outward, doubling the step
    until ``p <= alpha``, then bisecting to a relative 1e-12.  If p never
    falls to alpha (possible with very few clusters or few treated
    clusters), the bound is infinite.

    References
    ----------
    Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based
    improvements for inference with clustered errors. Review of Economics
    and Statistics, 90(3), 414-427.

    MacKinnon, J. G., & Webb, M. D. (2018). The wild bootstrap for few
    (treated) clusters. The Econometrics Journal, 21(2), 114-135.

    Roodman, D., MacKinnon, J. G., Nielsen, M. O., & Webb, M. D. (2019).
    Fast and wild: Bootstrap inference in Stata using boottest. The Stata
    Journal, 19(1), 4-60.

    Webb, M. D. (2023). Reworking wild bootstrap-based inference for
    clustered errors. Canadian Journal of Economics, 56(3), 839-858.
    """
    check_choice(bootstrap_weights, BOOTSTRAP_WEIGHTS, "bootstrap_weights")
    B = check_count(n_boot, "n_boot")
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
    Xa, ya = design.X, design.y
    if design.weights is not None:
        sw = np.sqrt(design.weights)
        Xa, ya = Xa * sw[:, None], ya * sw
    G = design.n_clusters
    V, wname, enumerated = bootstrap_weight_matrix(G, B, bootstrap_weights, seed=seed)
    pieces = _WCRPieces(Xa, ya, design.codes, G, j, V)
    p = pieces.p_value(null)
    if conf_int:
        est = float(pieces.beta[j])
        ci = tuple(invert_p_value(pieces.p_value, est, pieces.se, alpha, side) for side in (-1, 1))
    else:
        ci = (np.nan, np.nan)
    B_eff = V.shape[1]
    draws = f"all {B_eff} sign vectors" if enumerated else f"B = {B_eff} draws"
    method = (
        f"{'WLS' if design.weights is not None else 'OLS'}, wild cluster restricted bootstrap "
        f"({wname}, {draws}), CR1 t"
    )
    return BootstrapResult(
        title=f"Wild cluster bootstrap: {design.names[j]}",
        term=design.names[j],
        estimate=float(pieces.beta[j]),
        std_error=pieces.se,
        null=float(null),
        statistic=pieces.t_obs(null),
        p_value=p,
        conf_int=(float(ci[0]), float(ci[1])),
        alpha=float(alpha),
        B=int(B_eff),
        weights=wname,
        enumerated=enumerated,
        seed=None if enumerated else seed,
        n=design.n,
        n_clusters=G,
        method=method,
        t_star=pieces.t_star(null),
    )
