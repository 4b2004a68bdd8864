"""OLS / WLS with cluster-robust covariance valid with few clusters.

The default is CR2, the bias-reduced linearisation of Bell & McCaffrey
(2002) in the form of Pustejovsky & Tipton (2018), with Satterthwaite
degrees of freedom for each coefficient and contrast, and the HTZ test for
joint hypotheses.  The numbers reproduce R's clubSandwich
(``vcovCR(type = "CR2")``, ``coef_test(test = "Satterthwaite")``,
``Wald_test(test = "HTZ")``); ``tests/reference/clubsandwich.R`` holds the
script and ``tests/test_inference_cluster.py`` the comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from .._params import alpha_of, renamed_arguments
from ..exceptions import UsageError
from ..results import Result
from ._design import Design, as_float_vector, check_design
from .table import make_table

__all__ = [
    "VCOV_TYPES",
    "WALD_TESTS",
    "ClusterOLSResult",
    "ContrastResult",
    "VcovType",
    "WaldResult",
    "WaldTestType",
    "cluster_mean",
    "cluster_mean_se",
    "cluster_ols",
    "wald_test",
]

VcovType = Literal["CR2", "CR1", "CR0"]
"""Cluster-robust covariance estimators (one source for the hint and the check)."""
VCOV_TYPES: tuple[str, ...] = get_args(VcovType)

WaldTestType = Literal["HTZ", "Naive-F"]
"""Small-sample tests of joint hypotheses offered by :func:`wald_test`."""
WALD_TESTS: tuple[str, ...] = get_args(WaldTestType)

#: Eigenvalues at or below this are treated as zero in the symmetric
#: (pseudo-)inverse square root, exactly as clubSandwich's ``matrix_power``
#: (``tol = -12``, i.e. values > 1e-12 are kept).
EIGEN_TOL = 1e-12


def check_choice(value: Any, allowed: Sequence[str], what: str) -> None:
    """Raise :class:`UsageError` listing the valid choices when ``value`` is not one."""
    if value not in allowed:
        raise UsageError(f"{what} must be one of {list(allowed)}; got {value!r}.")


def psd_power(mat: np.ndarray, power: float) -> np.ndarray:
    """Symmetric matrix power by eigendecomposition, zero for eigenvalues <= 1e-12.

    With ``power < 0`` this is the Moore-Penrose pseudo-inverse power: the
    directions whose eigenvalue is (numerically) zero are dropped, as in
    clubSandwich's ``matrix_power``.
    """
    vals, vecs = np.linalg.eigh((mat + mat.T) / 2)
    keep = vals > EIGEN_TOL
    scaled = np.zeros_like(vals)
    scaled[keep] = vals[keep] ** power
    return (vecs * scaled) @ vecs.T


@dataclass(frozen=True)
class _CR2Pieces:
    """Cluster-level matrices from which Satterthwaite df and HTZ are computed.

    With normalised weights W (mean 1), M = (X'WX)^-1, A_g the CR2 adjustment:
    ``T1[g] = M X_g' W_g A_g X_g``, ``T2[g] = M X_g' W_g A_g W_g X_g``,
    ``D[g] = M X_g' W_g A_g A_g W_g X_g M`` and ``Omega = M (sum X'W^2 X) M``.
    """

    M: np.ndarray
    Omega: np.ndarray
    T1: np.ndarray
    T2: np.ndarray
    D: np.ndarray


def _fit(design: Design, vcov: str) -> tuple[np.ndarray, np.ndarray, _CR2Pieces | None]:
    X, y, codes = design.X, design.y, design.codes
    n, k = X.shape
    G = design.n_clusters
    w = None if design.weights is None else design.weights / design.weights.mean()
    WX = X if w is None else X * w[:, None]
    XtWX = WX.T @ X
    M = np.linalg.inv(XtWX)
    M = (M + M.T) / 2
    beta = M @ (WX.T @ y)
    resid = y - X @ beta
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(G + 1))
    scores = np.empty((G, k))
    pieces = None
    if vcov == "CR2":
        XtW2X = WX.T @ WX
        Omega = M @ XtW2X @ M
        T1 = np.empty((G, k, k))
        T2 = np.empty((G, k, k))
        D = np.empty((G, k, k))
    for g in range(G):
        rows = order[bounds[g] : bounds[g + 1]]
        Xg, WXg, eg = X[rows], WX[rows], resid[rows]
        if vcov != "CR2":
            scores[g] = WXg.T @ eg
            continue
        # The CR2 adjustment A_g = G_g^{+1/2} where, with H_g = X_g M X_g' W_g,
        #   G_g = I - H_g - H_g' + X_g Omega X_g'      (= I - H_gg unweighted).
        # G_g - I lives in span[X_g, W_g X_g] (dimension r <= 2k), so A_g is
        # computed from an r x r eigendecomposition: with Q an orthonormal basis,
        #   A_g = Q (I + S)^{+1/2} Q' + (I - Q Q'),  S = Q'(G_g - I)Q.
        basis = Xg if w is None else np.hstack([Xg, WXg])
        U, s, _ = np.linalg.svd(basis, full_matrices=False)
        r = int((s > s[0] * max(basis.shape) * np.finfo(float).eps).sum()) if s.size else 0
        Q = U[:, :r]
        Xb = Q.T @ Xg
        if w is None:
            WXb = Xb
            S = -Xb @ M @ Xb.T
        else:
            WXb = Q.T @ WXg
            S = -Xb @ M @ WXb.T - WXb @ M @ Xb.T + Xb @ Omega @ Xb.T
        small = np.eye(r) + S
        A_half = psd_power(small, -0.5)
        A_pinv = psd_power(small, -1.0)
        A_dev = A_half - np.eye(r)
        scores[g] = WXg.T @ eg + WXb.T @ (A_dev @ (Q.T @ eg))
        T1[g] = M @ (WXg.T @ Xg + WXb.T @ A_dev @ Xb)
        T2[g] = M @ (WXg.T @ WXg + WXb.T @ A_dev @ WXb)
        D[g] = M @ (WXb.T @ A_pinv @ WXb) @ M
    meat = scores.T @ scores
    if vcov == "CR1":
        meat *= G / (G - 1) * (n - 1) / (n - k)
    V = M @ meat @ M
    V = (V + V.T) / 2
    if vcov == "CR2":
        pieces = _CR2Pieces(M=M, Omega=Omega, T1=T1, T2=T2, D=D)
    return beta, V, pieces


def _p_array(pieces: _CR2Pieces, C: np.ndarray) -> np.ndarray:
    """clubSandwich's ``P_array`` for the rows of C: shape (q, q, G, G).

    ``P[i, j, g, h] = F_gi Omega F_hj' - F_gi M F2_hj' - F2_gi M F_hj'
    + [g = h] (C D_g C')_ij`` with ``F_g = C T1_g``, ``F2_g = C T2_g``.
    """
    F = np.einsum("qk,gkl->gql", C, pieces.T1)
    F2 = np.einsum("qk,gkl->gql", C, pieces.T2)
    CD = np.einsum("qk,gkl,rl->gqr", C, pieces.D, C)
    P = (
        np.einsum("gil,lm,hjm->ijgh", F, pieces.Omega, F)
        - np.einsum("gil,lm,hjm->ijgh", F, pieces.M, F2)
        - np.einsum("gil,lm,hjm->ijgh", F2, pieces.M, F)
    )
    G = pieces.T1.shape[0]
    idx = np.arange(G)
    P[:, :, idx, idx] += np.moveaxis(CD, 0, -1)
    return P


def _satterthwaite_df(pieces: _CR2Pieces, C: np.ndarray) -> np.ndarray:
    """Satterthwaite df for each row c of C: ``(tr P_c)^2 / ||P_c||_F^2``."""
    F = np.einsum("qk,gkl->qgl", C, pieces.T1)
    F2 = np.einsum("qk,gkl->qgl", C, pieces.T2)
    P = (
        np.einsum("qgl,lm,qhm->qgh", F, pieces.Omega, F)
        - np.einsum("qgl,lm,qhm->qgh", F, pieces.M, F2)
        - np.einsum("qgl,lm,qhm->qgh", F2, pieces.M, F)
    )
    diag = np.einsum("qk,gkl,ql->qg", C, pieces.D, C)
    trace = np.einsum("qgg->q", P) + diag.sum(axis=1)
    idx = np.arange(P.shape[1])
    P[:, idx, idx] += diag
    return trace**2 / (P**2).sum(axis=(1, 2))


def _method_text(vcov: str, weighted: bool) -> str:
    model = "WLS" if weighted else "OLS"
    if vcov == "CR2":
        return f"{model}, CR2 (Pustejovsky-Tipton), Satterthwaite df"
    if vcov == "CR1":
        return f"{model}, CR1S, t(G-1)"
    return f"{model}, CR0, t(G-1)"


@dataclass(frozen=True, repr=False, kw_only=True)  # equal by value, as before
class ContrastResult(Result):
    """A linear combination ``c'beta`` of regression coefficients and its t test.

    A :class:`~mutualaid_analysis.results.Result`: ``.table`` (one row),
    ``.summary()``, and the facts ``nobs`` (= ``n``), ``n_clusters``,
    ``df``, ``method``.

    Attributes
    ----------
    estimate, std_error, df, statistic, p_value, conf_low, conf_high : float
        ``statistic = (estimate - null) / std_error``; two-sided t p-value on
        ``df`` (Satterthwaite for CR2, G - 1 otherwise); the confidence
        interval is ``estimate +/- t_{df, 1 - alpha/2} * std_error``.
    """

    table: pd.DataFrame = field(init=False, repr=False, compare=False)
    term: str
    estimate: float
    std_error: float
    df: float = math.nan
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    null: float
    alpha: float
    n: int
    n_clusters: int = 0
    method: str = ""

    @property
    def nobs(self) -> int:
        """Observations used (``n``)."""
        return int(self.n)

    def _make_table(self) -> pd.DataFrame:
        """One-row contract table."""
        return make_table(
            {
                "term": self.term,
                "estimate": self.estimate,
                "std_error": self.std_error,
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
                "conf_low": self.conf_low,
                "conf_high": self.conf_high,
                "n": self.n,
                "n_clusters": self.n_clusters,
                "method": self.method,
            }
        )


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ClusterOLSResult(Result):
    """A fitted regression with cluster-robust covariance.

    A :class:`~mutualaid_analysis.results.Result`: ``.table`` (one row per
    coefficient, 95% intervals), ``.summary()``, and the facts ``nobs``
    (= ``n``), ``n_clusters`` and ``method``.  ``df`` is the one fact with
    a shape of its own here: a regression has one reference df per
    coefficient, so it is the array of them (as it always was), in the
    order of ``names``.

    Attributes
    ----------
    coef : numpy.ndarray
        Coefficients, in the order of ``names``.
    vcov : numpy.ndarray
        Cluster-robust covariance matrix of ``coef`` (type ``vcov_type``).
    std_error, df, statistic, p_value : numpy.ndarray
        Per coefficient: ``sqrt(diag(vcov))``; the t degrees of freedom
        (Satterthwaite for CR2, G - 1 for CR1 and CR0); ``coef / std_error``;
        the two-sided t p-value.
    n, n_clusters : int
        Observations and clusters.
    names : tuple of str
        Coefficient names.
    vcov_type : {"CR2", "CR1", "CR0"}
    weighted : bool
        Whether the fit used weights (WLS).
    """

    table: pd.DataFrame = field(init=False, repr=False)
    coef: np.ndarray
    vcov: np.ndarray
    df: np.ndarray = None  # type: ignore[assignment]  # always given: a default shadows Result.df
    n: int
    n_clusters: int = 0
    names: tuple[str, ...]
    vcov_type: str
    weighted: bool
    _pieces: _CR2Pieces | None = field(default=None, repr=False, compare=False)

    @property
    def nobs(self) -> int:
        """Observations used (``n``)."""
        return int(self.n)

    @property
    def std_error(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    @property
    def statistic(self) -> np.ndarray:
        """``coef / std_error``; NaN where the SE is 0 up to rounding (nothing to test against)."""
        se = self.std_error
        ok = se > 1e-12 * np.abs(self.coef)
        return np.divide(self.coef, se, out=np.full(se.shape, np.nan), where=ok)

    @property
    def p_value(self) -> np.ndarray:
        return np.asarray(2 * stats.t.sf(np.abs(self.statistic), self.df))

    @property
    def method(self) -> str:
        """The text of the ``method`` column."""
        return _method_text(self.vcov_type, self.weighted)

    @renamed_arguments("alpha")
    def conf_int(self, *, conf_level: float = 0.95) -> pd.DataFrame:
        """Two-sided t intervals: ``coef +/- t_{df, 1-alpha/2} * std_error``, ``alpha = 1 - conf_level``.

        Parameters
        ----------
        conf_level : float, default 0.95
            Confidence level.  ``alpha=a`` (deprecated) is ``conf_level=1-a``.

        Returns
        -------
        pandas.DataFrame
            Index ``names``; columns ``conf_low``, ``conf_high``.
        """
        alpha = alpha_of(conf_level)
        half = stats.t.ppf(1 - alpha / 2, self.df) * self.std_error
        return pd.DataFrame(
            {"conf_low": self.coef - half, "conf_high": self.coef + half},
            index=pd.Index(self.names, name="term"),
        )

    def _make_table(self) -> pd.DataFrame:
        """Contract table, one row per coefficient (95% intervals)."""
        ci = self.conf_int()
        return make_table(
            {
                "term": list(self.names),
                "estimate": self.coef,
                "std_error": self.std_error,
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
                "conf_low": ci["conf_low"].to_numpy(),
                "conf_high": ci["conf_high"].to_numpy(),
                "n": self.n,
                "n_clusters": self.n_clusters,
                "method": self.method,
            }
        )

    def _contrast_vector(self, c: Any) -> np.ndarray:
        if isinstance(c, str):
            if c not in self.names:
                raise UsageError(f"Unknown term {c!r}; terms are {list(self.names)}.")
            vec = np.zeros(len(self.names))
            vec[self.names.index(c)] = 1.0
            return vec
        if isinstance(c, dict | pd.Series):
            items = dict(c)
            unknown = [key for key in items if key not in self.names]
            if unknown:
                raise UsageError(f"Unknown terms {unknown}; terms are {list(self.names)}.")
            return np.array([float(items.get(name, 0.0)) for name in self.names])
        vec = np.asarray(c, dtype=float).reshape(-1)
        if vec.shape[0] != len(self.names) or not np.isfinite(vec).all():
            raise UsageError(
                f"A contrast needs {len(self.names)} finite weights (one per term "
                f"{list(self.names)}); got {vec.shape[0]}."
            )
        return vec

    @renamed_arguments("alpha")
    def contrast(
        self, c: Any, *, null: float = 0.0, conf_level: float = 0.95, term: str | None = None
    ) -> ContrastResult:
        """Estimate and test a linear combination ``c'beta`` (H0: ``c'beta = null``).

        Parameters
        ----------
        c : array-like, dict or str
            Weights, one per coefficient; or ``{term: weight}`` (others 0);
            or a term name.
        null : float, default 0
        conf_level : float, default 0.95
            Confidence level.  ``alpha=a`` (deprecated) is ``conf_level=1-a``.
        term : str, optional
            Label for the table row (default: the contrast written out).

        Returns
        -------
        ContrastResult

        Notes
        -----
        The standard error is ``sqrt(c' V c)``.  For CR2 the degrees of
        freedom are the Satterthwaite approximation of Pustejovsky & Tipton
        (2018, eq. 11), ``df = (tr P)^2 / ||P||_F^2`` with P clubSandwich's
        G x G matrix of the contrast under the working model; for CR1S and
        CR0, ``df = G - 1``.
        """
        alpha = alpha_of(conf_level)
        vec = self._contrast_vector(c)
        est = float(vec @ self.coef)
        se = float(np.sqrt(vec @ self.vcov @ vec))
        if self._pieces is not None:
            df = float(_satterthwaite_df(self._pieces, vec[None, :])[0])
        else:
            df = float(self.n_clusters - 1)
        if se > 1e-12 * abs(est):
            stat = (est - null) / se
            p = float(2 * stats.t.sf(abs(stat), df))
        else:
            # Every cluster agrees exactly (the SE is 0 up to rounding): there is no
            # variation to test against, so no statistic -- not t = 1e16 and p = 0.
            stat = p = float("nan")
        half = float(stats.t.ppf(1 - alpha / 2, df)) * se
        if term is None:
            term = " + ".join(
                f"{v:g}*{name}" for v, name in zip(vec, self.names, strict=True) if v != 0
            )
        return ContrastResult(
            title=f"Contrast {term}",
            term=term,
            estimate=est,
            std_error=se,
            df=df,
            statistic=stat,
            p_value=p,
            conf_low=est - half,
            conf_high=est + half,
            null=null,
            alpha=alpha,
            n=self.n,
            n_clusters=self.n_clusters,
            method=self.method,
        )

    def summary(self) -> str:
        """A plain-text summary for a human."""
        head = (
            f"{'WLS' if self.weighted else 'OLS'} with cluster-robust covariance "
            f"({self.vcov_type}); n = {self.n}, clusters = {self.n_clusters}\n"
            f"method: {self.method}\n"
        )
        frame = self.table.drop(columns=["n", "n_clusters", "method"]).set_index("term")
        return head + frame.to_string(float_format=lambda v: f"{v:.4g}")

    def __str__(self) -> str:
        return self.summary()


def _ols_result(
    design: Design,
    beta: np.ndarray,
    V: np.ndarray,
    pieces: _CR2Pieces | None,
    vcov: VcovType,
    title: str,
) -> ClusterOLSResult:
    """The result of a fit: Satterthwaite df per coefficient with CR2, else G - 1."""
    k = beta.shape[0]
    if pieces is not None:
        df = _satterthwaite_df(pieces, np.eye(k))
    else:
        df = np.full(k, float(design.n_clusters - 1))
    return ClusterOLSResult(
        title=title,
        coef=beta,
        vcov=V,
        df=df,
        n=design.n,
        n_clusters=design.n_clusters,
        names=design.names,
        vcov_type=vcov,
        weighted=design.weights is not None,
        _pieces=pieces,
    )


def cluster_ols(
    y: Any,
    X: Any,
    cluster: Any,
    *,
    vcov: VcovType = "CR2",
    weights: Any = None,
    names: Sequence[str] | None = None,
) -> ClusterOLSResult:
    """Least squares with a cluster-robust covariance valid with few clusters.

    Parameters
    ----------
    y : array-like, shape (n,)
        Outcome.
    X : array-like or DataFrame, shape (n, k)
        Design matrix, used as given: include a column of ones for an
        intercept.  DataFrame column names become the term names.
    cluster : array-like, shape (n,)
        Cluster (village) labels of any type.
    vcov : {"CR2", "CR1", "CR0"}, default "CR2"
        Covariance estimator; see Notes.
    weights : array-like, shape (n,), optional
        Strictly positive weights: weighted least squares.
    names : sequence of str, optional
        Term names (override DataFrame column names; default ``x0, x1, ...``).

    Returns
    -------
    ClusterOLSResult
        ``.coef``, ``.vcov``, ``.std_error``, ``.df``, ``.statistic``,
        ``.p_value``, ``.conf_int()``, ``.contrast()``, ``.table``,
        ``.summary()``.

    Raises
    ------
    UsageError
        Missing or infinite values anywhere (nothing is dropped silently),
        mismatched lengths, non-positive weights, fewer than 2 clusters, or a
        rank-deficient X (the message names the collinear columns).

    Notes
    -----
    With W the weights normalised to mean 1 (W = I without weights),
    ``M = (X'WX)^{-1}``, ``beta = M X'Wy``, residuals ``e = y - X beta``::

        V = M [ sum_g X_g' W_g A_g e_g e_g' A_g W_g X_g ] M

    * **CR2** (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018):
      ``A_g = G_g^{+1/2}`` with ``G_g = I - H_g - H_g' + X_g M X'W^2X M X_g'``
      and ``H_g = X_g M X_g' W_g``; without weights this is
      ``G_g = I - H_gg``.  This is clubSandwich's ``vcovCR(type = "CR2")``
      for ``lm``, whose default working model is the identity (with weights,
      ``inverse_var = FALSE``, target ``I``).  The symmetric square root is
      taken by eigendecomposition and eigenvalues <= 1e-12 are set to zero:
      the Moore-Penrose pseudo-inverse square root.  This matters when
      ``I - H_gg`` is singular, e.g. with cluster fixed effects (the cluster's
      dummy is fully determined by its own rows); clubSandwich's
      ``matrix_power`` does the same.  Such a cluster's residuals are
      orthogonal to the dropped direction, so V does not depend on how that
      direction is treated, while the
      Satterthwaite df follow clubSandwich.  Degrees of freedom per
      coefficient are Satterthwaite, as ``coef_test(test = "Satterthwaite")``.
      Computation: ``G_g - I`` lies in the span of ``[X_g, W_g X_g]`` (rank
      r <= 2k), so with Q an orthonormal basis of it
      ``A_g = Q (I + Q'(G_g - I)Q)^{+1/2} Q' + (I - QQ')``: an r x r
      eigendecomposition per cluster instead of n_g x n_g (identical to the
      dense computation, checked in the tests), so large villages cost O(n_g k^2).
    * **CR1** is the Stata-style "CR1S": ``A_g = sqrt(c) I`` with
      ``c = G/(G-1) * (N-1)/(N-k)``; t with ``G - 1`` df.
    * **CR0**: ``A_g = I`` (no small-sample factor); t with ``G - 1`` df.
      Provided for completeness; it is biased downward with few clusters.

    References
    ----------
    Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors
    for linear regression with multi-stage samples. Survey Methodology, 28(2).

    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. Journal of Business & Economic Statistics, 36(4), 672-683.

    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. Journal of Human Resources, 50(2), 317-372.

    Examples
    --------
    >>> import numpy as np
    >>> from mutualaid_analysis.inference import cluster_ols
    >>> rng = np.random.default_rng(1)
    >>> village = np.repeat(np.arange(8), 20)
    >>> x = rng.normal(size=160)
    >>> y = 1 + 0.5 * x + rng.normal(size=8)[village] + rng.normal(size=160)
    >>> fit = cluster_ols(y, np.column_stack([np.ones(160), x]), village,
    ...                   names=["(Intercept)", "x"])
    >>> fit.table[["term", "estimate", "df"]].round(2)  # doctest: +SKIP
    """
    check_choice(vcov, VCOV_TYPES, "vcov")
    design = check_design(y, X, cluster, weights=weights, names=names)
    beta, V, pieces = _fit(design, vcov)
    weighted = design.weights is not None
    title = f"{'WLS' if weighted else 'OLS'} with cluster-robust covariance ({vcov})"
    return _ols_result(design, beta, V, pieces, vcov, title)


def cluster_mean(
    y: Any,
    cluster: Any,
    *,
    vcov: VcovType = "CR2",
    weights: Any = None,
    name: str = "mean",
) -> ClusterOLSResult:
    """Mean (or share, or mean within-respondent difference) with a cluster-robust CI.

    A thin wrapper: ``y`` regressed on an intercept.  For a share pass a 0/1
    ``y``; for a within-respondent contrast pass the respondent-level
    difference (e.g. willingness toward relatives minus toward villagers).

    Parameters
    ----------
    y : array-like, shape (n,)
    cluster : array-like, shape (n,)
    vcov : {"CR2", "CR1", "CR0"}, default "CR2"
    weights : array-like, optional
        Strictly positive weights (a weighted mean).
    name : str, default "mean"
        The ``term`` of the single table row.

    Returns
    -------
    ClusterOLSResult
        One coefficient, the (weighted) mean.

    Notes
    -----
    The intercept-only CR2 variance is ``sum_g (1_g' W_g A_g e_g)^2 /
    (sum w)^2`` with ``A_g = (I - H_gg)^{+1/2}``; its Satterthwaite df
    reflect how unequal the cluster sizes are (equal to G - 1 for equal
    sizes without weights).  See :func:`cluster_ols`.

    References
    ----------
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. Journal of Business & Economic Statistics, 36(4), 672-683.
    """
    yv = as_float_vector(y, "y")
    ones = np.ones((yv.reshape(-1).shape[0], 1))
    if weights is not None:
        return cluster_ols(yv, ones, cluster, vcov=vcov, weights=weights, names=[name])
    check_choice(vcov, VCOV_TYPES, "vcov")
    design = check_design(yv, ones, cluster, names=[name])
    beta, V, pieces = _fit_mean(design.y, design.codes, design.n_clusters, vcov)
    return _ols_result(design, beta, V, pieces, vcov, f"Cluster-robust mean ({vcov})")


def _fit_mean(
    y: np.ndarray, codes: np.ndarray, G: int, vcov: str
) -> tuple[np.ndarray, np.ndarray, _CR2Pieces | None]:
    """:func:`_fit` for an intercept alone without weights, in closed form, O(n + G).

    With ``n_g`` the cluster sizes, ``S_g`` the cluster sums of the residuals
    ``y - mean`` and ``f_g = 1 - n_g/n``: the intercept's leverage block is
    ``11'/n``, of which ``1_g`` is an eigenvector, so ``1_g' A_g = 1_g' /
    sqrt(f_g)`` and the CR2 score is ``S_g / sqrt(f_g)`` (CR1S and CR0: ``S_g``).
    The CR2 pieces are 1 x 1: ``M = Omega = 1/n``, ``T1_g = T2_g = n_g /
    (n sqrt(f_g))`` and ``D_g = n_g / (n^2 f_g)``, so that the Satterthwaite
    df, contrasts and HTZ tests are those of the general path (equal to
    1e-12, checked in the tests).
    """
    n = y.shape[0]
    sizes = np.bincount(codes, minlength=G).astype(float)
    mean = y.mean()
    sums = np.bincount(codes, weights=y - mean, minlength=G)
    pieces = None
    if vcov == "CR2":
        frac = 1.0 - sizes / n
        var = float((sums**2 / frac).sum()) / n**2
        t1 = (sizes / (n * np.sqrt(frac)))[:, None, None]
        pieces = _CR2Pieces(
            M=np.full((1, 1), 1.0 / n),
            Omega=np.full((1, 1), 1.0 / n),
            T1=t1,
            T2=t1,
            D=(sizes / (n**2 * frac))[:, None, None],
        )
    else:
        var = float((sums**2).sum()) / n**2
        if vcov == "CR1":
            var *= G / (G - 1)  # (n - 1) / (n - k) = 1 for k = 1
    return np.array([mean]), np.array([[var]]), pieces


@dataclass(frozen=True, repr=False, kw_only=True)  # equal by value, as before
class WaldResult(Result):
    """A joint test of ``R beta = r``.

    A :class:`~mutualaid_analysis.results.Result`: ``.table`` (one row),
    ``.summary()``, and the facts ``nobs`` (= ``n``), ``n_clusters``,
    ``method`` and ``df`` (= ``df_denom``, the F denominator df, which the
    table's ``df`` column holds).

    Attributes
    ----------
    test : str
        "HTZ" or "Naive-F".
    statistic : float
        The F statistic (``delta * Q / q`` for HTZ, ``Q / q`` for Naive-F).
    Q : float
        The Wald statistic ``(R beta - r)' (R V R')^{-1} (R beta - r)``.
    delta : float
        HTZ scaling factor (1 for Naive-F).
    df_num, df_denom : float
        F degrees of freedom.
    p_value : float
    """

    table: pd.DataFrame = field(init=False, repr=False, compare=False)
    test: str
    statistic: float
    Q: float
    delta: float
    df_num: float
    df_denom: float
    p_value: float
    hypothesis: str
    n: int
    n_clusters: int = 0
    method: str = ""

    @property
    def nobs(self) -> int:
        """Observations used (``n``)."""
        return int(self.n)

    @property
    def df(self) -> float:
        """The F denominator degrees of freedom (``df_denom``)."""
        return float(self.df_denom)

    def _make_table(self) -> pd.DataFrame:
        """One-row contract table (``df`` holds the denominator df; ``estimate`` is empty)."""
        return make_table(
            {
                "term": self.hypothesis,
                "statistic": self.statistic,
                "df": self.df_denom,
                "p_value": self.p_value,
                "n": self.n,
                "n_clusters": self.n_clusters,
                "method": self.method,
            }
        )


def wald_test(
    result: ClusterOLSResult,
    R: Any,
    r: Any = None,
    test: WaldTestType = "HTZ",
) -> WaldResult:
    """Joint test of ``R beta = r`` with a small-sample F reference.

    Parameters
    ----------
    result : ClusterOLSResult
    R : array-like, shape (q, k), or list of term names
        Constraint matrix; a list of term names tests that all are zero.
    r : array-like, shape (q,), optional
        Right-hand side (default zeros).
    test : {"HTZ", "Naive-F"}, default "HTZ"
        HTZ needs a CR2 fit.

    Returns
    -------
    WaldResult

    Notes
    -----
    ``Q = (R beta - r)' (R V R')^{-1} (R beta - r)``.

    * **HTZ** (Tipton & Pustejovsky 2015; clubSandwich ``Wald_test(test =
      "HTZ")``): Q is treated as Hotelling's T^2 with ``nu`` degrees of
      freedom, ``F = (nu - q + 1) / (nu q) * Q ~ F(q, nu - q + 1)``, where
      ``nu = q (q + 1) / sum_{s,t} Var_{st}`` and ``Var`` is built from the
      clubSandwich P array standardised by ``Omega^{-1/2}`` (Omega the
      expected covariance of ``R beta`` under the working model):
      ``Var_st = sum_{g,h} B_st,gh B_ts,gh + B_ss,gh B_tt,gh``.  For q = 1
      this is the Satterthwaite t test squared.
    * **Naive-F**: ``Q / q ~ F(q, G - 1)``.

    References
    ----------
    Tipton, E., & Pustejovsky, J. E. (2015). Small-sample adjustments for
    tests of moderators and model fit using robust variance estimation in
    meta-regression. Journal of Educational and Behavioral Statistics,
    40(6), 604-634.

    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. Journal of Business & Economic Statistics, 36(4), 672-683.
    """
    check_choice(test, WALD_TESTS, "test")
    k = len(result.names)
    if isinstance(R, str):
        R = [R]
    if isinstance(R, list | tuple) and R and all(isinstance(t, str) for t in R):
        rows = []
        for term in R:
            rows.append(result._contrast_vector(term))
        Rm = np.vstack(rows)
        label = ", ".join(R) + " = 0" if r is None else ", ".join(R)
    else:
        Rm = np.atleast_2d(np.asarray(R, dtype=float))
        label = None
    if Rm.ndim != 2 or Rm.shape[1] != k or not np.isfinite(Rm).all():
        raise UsageError(
            f"R must be a finite q x {k} matrix (one column per term); got shape {Rm.shape}."
        )
    q = Rm.shape[0]
    rv = np.zeros(q) if r is None else np.asarray(r, dtype=float).reshape(-1)
    if rv.shape[0] != q:
        raise UsageError(f"r must have {q} entries (one per row of R); got {rv.shape[0]}.")
    if np.linalg.matrix_rank(Rm) < q:
        raise UsageError("The rows of R are linearly dependent; drop redundant constraints.")
    if label is None:
        label = f"joint test of {q} constraint{'s' * (q != 1)}"
    diff = Rm @ result.coef - rv
    RVR = Rm @ result.vcov @ Rm.T
    Q = float(diff @ np.linalg.solve(RVR, diff))
    G = result.n_clusters
    if test == "Naive-F":
        df2 = float(G - 1)
        F = Q / q
        p = float(stats.f.sf(F, q, df2))
        delta = 1.0
        method = f"Wald test, {result.vcov_type}, F({q}, G-1)"
    else:
        if result._pieces is None:
            raise UsageError(
                f"test='HTZ' needs a CR2 fit; this result is {result.vcov_type}. "
                "Refit with vcov='CR2' or use test='Naive-F'."
            )
        P = _p_array(result._pieces, Rm)
        Omega = np.einsum("ijgg->ij", P)
        Om_nsqrt = psd_power(Omega, -0.5)
        B = np.einsum("ai,ijgh,jb->abgh", Om_nsqrt, P, Om_nsqrt)
        var = np.einsum("stgh,tsgh->st", B, B) + np.einsum("ssgh,ttgh->st", B, B)
        nu = q * (q + 1) / var.sum()
        delta = max((nu - q + 1) / nu, 0.0)
        df2 = float(nu - q + 1)
        F = delta * Q / q
        p = float(stats.f.sf(F, q, df2)) if df2 > 0 else float("nan")
        method = "Wald test, CR2, HTZ (Tipton-Pustejovsky)"
    return WaldResult(
        title=f"Wald test ({test}): {label}",
        test=test,
        statistic=float(F),
        Q=Q,
        delta=float(delta),
        df_num=float(q),
        df_denom=df2,
        p_value=p,
        hypothesis=label,
        n=result.n,
        n_clusters=G,
        method=method,
    )


def cluster_mean_se(y: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Means of the columns of ``y`` with CR2 village-cluster SEs and Satterthwaite df.

    ``clusters`` are integer codes ``0 .. G-1`` (as from :func:`pandas.factorize`).

    The intercept-only case of the CR2 estimator (Bell & McCaffrey 2002;
    Pustejovsky & Tipton 2018) has a closed form.  With :math:`n_g` the
    size of cluster :math:`g` and :math:`S_g = \sum_{i \in g} (y_i - \bar y)`:

    .. math::

       \widehat{\operatorname{Var}}_{CR2}(\bar y) = \frac{1}{n^2} \sum_{g=1}^{G}
           \frac{S_g^2}{1 - n_g/n},

    because the leverage block of an intercept is :math:`H_{gg} = 11'/n`
    and :math:`1'(I - H_{gg})^{-1/2} e_g = S_g / \sqrt{1 - n_g/n}`.  The
    Satterthwaite degrees of freedom under the working model
    :math:`e \sim N(0, \sigma^2 (I - H))` are
    :math:`\nu = (\operatorname{tr} MBM)^2 / \operatorname{tr}(MBM)^2` with
    :math:`\operatorname{tr} MBM = 1/n` and
    :math:`\operatorname{tr}(MBM)^2 = \sum_{g,h} b_g b_h (\delta_{gh} n_g -
    n_g n_h / n)^2`, :math:`b_g = 1/(n^2 (1 - n_g/n))`; :math:`\nu = G - 1`
    for equal cluster sizes.  The same numbers as
    :func:`mutualaid_analysis.inference.cluster_mean` (CR2), computed in
    O(n + G^2) so that 100,000 respondents take milliseconds.  With fewer
    than two clusters the SE and df are NaN.

    Returns
    -------
    mean, se : numpy.ndarray
    df : float
        Satterthwaite degrees of freedom.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    n = y.shape[0]
    clusters = np.asarray(clusters)
    g = int(clusters.max()) + 1 if n else 0
    mean = y.mean(axis=0) if n else np.full(y.shape[1], np.nan)
    if g < 2:
        return mean, np.full(y.shape[1], np.nan), math.nan
    sizes = np.bincount(clusters, minlength=g).astype(float)
    sizes_ok = sizes > 0
    sizes = sizes[sizes_ok]
    resid = y - mean
    sums = np.stack(
        [
            np.bincount(clusters, weights=resid[:, j], minlength=g)[sizes_ok]
            for j in range(y.shape[1])
        ],
        axis=1,
    )
    frac = 1 - sizes / n
    var = ((sums**2) / frac[:, None]).sum(axis=0) / n**2
    b = 1 / (n**2 * frac)
    cross = -np.outer(sizes, sizes) / n
    cross[np.diag_indices_from(cross)] += sizes
    tr2 = float((np.outer(b, b) * cross**2).sum())
    df = (1 / n) ** 2 / tr2
    return mean, np.sqrt(var), df
