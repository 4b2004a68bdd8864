"""Cumulative link model of willingness with village-cluster-robust inference.

:func:`fit_ordinal` fits the proportional-odds (cumulative logit) or
cumulative probit model of the Likert willingness answers on the long data
(one row per respondent × circle (× service)), with circle effects relative
to the nearest circle, covariates, and circle × moderator interactions; its
standard errors are clustered by village by default.  The estimator is a
Newton-Raphson maximiser with analytic gradient and Hessian written here
(statsmodels' ``OrderedModel`` differentiates numerically, which is slow on
a national panel and too imprecise for a sandwich); the fit is also
available as a statsmodels object (``result.model_result``).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from .._params import check_conf_level
from ..data.survey import Survey
from ..data.waves import WaveChoice
from ..exceptions import InsufficientDataError, UsageError
from .design import OrdinalDesign, as_names, ordinal_design
from .results import (
    LINKS,
    VCOV_TYPES,
    ConvergenceError,
    ConvergenceWarning,
    Link,
    LinkFunctions,
    OrdinalResult,
    VcovType,
    check_choice,
    link_functions,
    ordinal_result,
)

__all__ = [
    "ClmFit",
    "ConvergenceError",
    "ConvergenceWarning",
    "clm_fit",
    "cluster_sandwich",
    "fit_ordinal",
    "inverse_information",
]

#: Estimates beyond this size (on the latent scale) are taken as diverging.
_DIVERGED = 50.0


# --------------------------------------------------------------------------- the likelihood


def _evaluate(
    theta: np.ndarray,
    beta: np.ndarray,
    y: np.ndarray,
    X: np.ndarray,
    starts: np.ndarray,
    lf: LinkFunctions,
    level: int,
) -> dict[str, Any]:
    """Log-likelihood (level 0), + gradient and Hessian (1), + per-answer scores (2).

    ``y`` must be sorted (``starts[k]`` is the first row answering category
    k) so that per-category sums are contiguous slices.  Parameters are
    ``(theta, beta)``; the model is ``P(Y <= j) = F(theta_j - x'beta)``.
    """
    n, m = len(y), len(theta)
    ends = np.append(starts[1:], n)
    eta = X @ beta
    cuts = np.concatenate([[-np.inf], theta, [np.inf]])
    upper = cuts[y + 1] - eta
    lower = cuts[y] - eta
    # P = F(u) - F(l), computed from the upper tail where both are far right.
    prob = np.where(lower > 0, lf.cdf(-lower) - lf.cdf(-upper), lf.cdf(upper) - lf.cdf(lower))
    if not np.all(prob > 0):
        return {"loglike": -np.inf}
    loglike = float(np.log(prob).sum())
    out: dict[str, Any] = {"loglike": loglike}
    if level == 0:
        return out
    has_u, has_l = y < m, y > 0
    uz, lz = np.where(has_u, upper, 0.0), np.where(has_l, lower, 0.0)
    a = np.where(has_u, lf.pdf(uz), 0.0) / prob
    b = np.where(has_l, lf.pdf(lz), 0.0) / prob
    ad = np.where(has_u, lf.dpdf(uz), 0.0) / prob
    bd = np.where(has_l, lf.dpdf(lz), 0.0) / prob
    d = a - b
    sum_a, sum_b = np.add.reduceat(a, starts), np.add.reduceat(b, starts)
    grad = np.concatenate([sum_a[:-1] - sum_b[1:], -(X.T @ d)])
    q = m + X.shape[1]
    H = np.empty((q, q))
    h_eta = (ad - bd) - d * d
    H[m:, m:] = (X * h_eta[:, None]).T @ X
    huu = np.add.reduceat(ad - a * a, starts)
    hll = np.add.reduceat(-bd - b * b, starts)
    hul = np.add.reduceat(a * b, starts)
    Htt = np.diag(huu[:-1] + hll[1:])
    Htt[np.arange(m - 1), np.arange(1, m)] = hul[1:-1]
    Htt[np.arange(1, m), np.arange(m - 1)] = hul[1:-1]
    H[:m, :m] = Htt
    cu, cl = -ad + a * d, bd - b * d
    Htb = np.empty((m, X.shape[1]))
    for k in range(m):
        s0, e0, s1, e1 = starts[k], ends[k], starts[k + 1], ends[k + 1]
        Htb[k] = X[s0:e0].T @ cu[s0:e0] + X[s1:e1].T @ cl[s1:e1]
    H[:m, m:] = Htb
    H[m:, :m] = Htb.T
    out.update(grad=grad, hessian=H)
    if level >= 2:
        S = np.empty((n, q))
        S[:, :m] = 0.0
        for k in range(m + 1):
            s0, e0 = starts[k], ends[k]
            if k < m:
                S[s0:e0, k] = a[s0:e0]
            if k > 0:
                S[s0:e0, k - 1] = -b[s0:e0]
        S[:, m:] = X * -d[:, None]
        out["scores"] = S
    return out


def _theta(phi: np.ndarray) -> np.ndarray:
    """Thresholds from the first one and log increments (ordered by construction)."""
    return np.cumsum(np.concatenate([phi[:1], np.exp(phi[1:])]))


def _phi(theta: np.ndarray) -> np.ndarray:
    return np.concatenate([theta[:1], np.log(np.diff(theta))])


@dataclass(frozen=True)
class ClmFit:
    """The maximum-likelihood fit of a cumulative link model (arrays only).

    Attributes
    ----------
    theta, beta : numpy.ndarray
        Thresholds and coefficients.
    loglike : float
    hessian : numpy.ndarray
        Hessian of the log-likelihood in ``(theta, beta)`` at the estimate.
    scores : numpy.ndarray
        Per-answer scores (n × (K-1+p)), in the order of the input rows.
    iterations : int
    converged : bool
    message : str
        Why the iterations stopped.
    """

    theta: np.ndarray
    beta: np.ndarray
    loglike: float
    hessian: np.ndarray
    scores: np.ndarray
    iterations: int
    converged: bool
    message: str


def clm_fit(
    y: np.ndarray,
    X: np.ndarray,
    n_categories: int,
    link: Link = "logit",
    *,
    maxiter: int = 100,
    tol: float = 1e-9,
    terms: Sequence[str] | None = None,
) -> ClmFit:
    """Maximise the cumulative link log-likelihood by Newton-Raphson.

    Parameters
    ----------
    y : numpy.ndarray of int
        Answers as category indices 0..K-1, every category present.
    X : numpy.ndarray
        Design matrix without intercept (n × p).
    n_categories : int
        K.
    link : {"logit", "probit"}
    maxiter : int, default 100
    tol : float, default 1e-9
        Converged when a full Newton step changes no parameter by more than
        ``tol`` (on the scale of the first threshold, the log threshold
        increments and the coefficients).
    terms : sequence of str, optional
        Names of the columns of ``X``, for messages.

    Returns
    -------
    ClmFit

    Notes
    -----
    The thresholds are parametrised as :math:`\\theta_1` and
    :math:`\\log(\\theta_j - \\theta_{j-1})` (as ``MASS::polr`` and
    statsmodels do), so they stay ordered; the Newton direction uses the
    exact Hessian in that parametrisation when it is negative definite and
    the (always negative definite, the log-likelihood being concave in
    :math:`(\\theta, \\beta)` for log-concave links) chain-rule part of it
    otherwise, with step halving.  The iterations run on centred columns of
    ``X`` (the thresholds are shifted back at the end).  A threshold, or a
    coefficient times the SD of its column, growing beyond :data:`_DIVERGED`
    in absolute value signals (quasi-)complete separation.
    """
    lf = link_functions(link)
    y = np.asarray(y, dtype=np.int64)
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    m = n_categories - 1
    terms = list(terms) if terms is not None else [f"x{j}" for j in range(p)]
    order = np.argsort(y, kind="stable")
    ys, Xs = y[order], np.ascontiguousarray(X[order])
    # Iterate on centred columns (thresholds then sit near the data whatever the
    # covariates' origin, e.g. a birth year); map back at the end.
    centre, spread = Xs.mean(axis=0), Xs.std(axis=0)
    Xc = Xs - centre
    counts = np.bincount(ys, minlength=n_categories)
    if counts.size != n_categories or np.any(counts == 0):
        raise UsageError("every answer category must occur at least once.")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    def params(psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _theta(psi[:m]), psi[m:]

    start_theta = lf.ppf(np.cumsum(counts)[:-1] / n)
    psi = np.concatenate([_phi(start_theta), np.zeros(p)])
    converged, message, it = False, f"no convergence in {maxiter} iterations", 0
    last_step = np.zeros_like(psi)
    current = _evaluate(*params(psi), ys, Xc, starts, lf, 1)
    while it < maxiter:
        it += 1
        # Chain rule to the (theta_1, log increments) parametrisation.
        J = np.zeros((m, m))
        J[:, 0] = 1.0
        inc = np.exp(psi[1:m])
        for j in range(1, m):
            J[j:, j] = inc[j - 1]
        g, H = current["grad"], current["hessian"]
        A = np.eye(m + p)
        A[:m, :m] = J
        g_psi = A.T @ g
        H_psi = A.T @ H @ A
        second = np.zeros(m + p)
        second[1:m] = inc * np.cumsum(g[:m][::-1])[::-1][1:]  # sum_{k>=j} g_k * exp(phi_j)
        step = None
        for curvature in (-(H_psi + np.diag(second)), -H_psi):
            try:
                chol = linalg.cho_factor(curvature)
            except linalg.LinAlgError:
                continue
            step = linalg.cho_solve(chol, g_psi)
            break
        if step is None:
            message = (
                "the information matrix is singular: terms are collinear or the "
                "answers are separated"
            )
            break
        t, accepted = 1.0, None
        for _ in range(40):
            trial = psi + t * step
            cand = _evaluate(*params(trial), ys, Xc, starts, lf, 1)
            if cand["loglike"] >= current["loglike"] - 1e-12 * max(1.0, abs(current["loglike"])):
                accepted = (trial, cand)
                break
            t /= 2.0
        if accepted is None:
            if np.max(np.abs(step)) < 1e3 * tol:
                converged, message = True, "converged (no further increase)"
            else:
                message = "the line search failed to increase the log-likelihood"
            break
        last_step = t * step
        psi, current = accepted
        if t == 1.0 and np.max(np.abs(step)) < tol:
            converged, message = True, "converged"
            break
        big = np.abs(np.concatenate([_theta(psi[:m]), psi[m:] * spread])) > _DIVERGED
        if big.any():
            message = "estimates diverge"
            break
    theta_c, beta = params(psi)
    theta = theta_c + centre @ beta
    if not converged:
        message = _divergence_message(
            message, it, theta_c, beta, last_step[m:] * spread, terms, n_categories
        )
    final = _evaluate(theta, beta, ys, Xs, starts, lf, 2)
    scores = np.empty_like(final["scores"])
    scores[order] = final["scores"]
    return ClmFit(
        theta=theta,
        beta=beta,
        loglike=final["loglike"],
        hessian=final["hessian"],
        scores=scores,
        iterations=it,
        converged=converged,
        message=message,
    )


def _divergence_message(
    why: str,
    iterations: int,
    theta: np.ndarray,
    beta: np.ndarray,
    last_step: np.ndarray,
    terms: list[str],
    k: int,
) -> str:
    moving = [terms[j] for j in np.argsort(-np.abs(last_step))[:3] if abs(last_step[j]) > 1e-3]
    text = f"The cumulative link model did not converge ({why}, after {iterations} iterations)."
    if moving:
        values = ", ".join(f"{t} = {beta[terms.index(t)]:.3g}" for t in moving)
        text += (
            f" The estimates of {values} keep growing: the answers are probably "
            "(quasi-)completely separated by these terms (for example a circle or a "
            "covariate level in which every answer falls in the same categories). "
            "Merge answer categories, drop or recode these terms, or model a subset."
        )
    elif np.any(np.abs(theta) > _DIVERGED):
        text += (
            f" A threshold diverges: some of the {k} answer categories are (almost) "
            "never chosen by some groups; merge sparse categories."
        )
    return text


# --------------------------------------------------------------------------- covariance


def inverse_information(hessian: np.ndarray) -> np.ndarray:
    """:math:`(-H)^{-1}` by Cholesky; the pseudo-inverse if ``-H`` is not positive definite.

    The fallback only serves a non-converged fit returned on request
    (``allow_nonconvergence=True``); a converged fit has been checked to
    have a positive definite information matrix.
    """
    try:
        factor = linalg.cho_factor(-hessian)
    except linalg.LinAlgError:
        return np.linalg.pinv(-hessian, hermitian=True)
    return linalg.cho_solve(factor, np.eye(len(hessian)))


def cluster_sandwich(
    hessian: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    *,
    adjust: bool = True,
) -> tuple[np.ndarray, float]:
    """Cluster-robust (CR1) sandwich covariance of a maximum-likelihood estimate.

    Parameters
    ----------
    hessian : numpy.ndarray
        Hessian of the log-likelihood (q × q) at the estimate.
    scores : numpy.ndarray
        Per-observation scores (n × q).
    groups : numpy.ndarray of int
        Cluster index (0..G-1) of each observation.
    n_groups : int
        G.
    adjust : bool, default True
        Apply the small-sample factor :math:`G/(G-1) \\cdot (N-1)/(N-q)`.

    Returns
    -------
    (numpy.ndarray, float)
        The covariance and the factor applied.

    Notes
    -----
    :math:`V = c\\, H^{-1} \\big(\\sum_g s_g s_g'\\big) H^{-1}`, with
    :math:`s_g` the sum of the scores of cluster g and
    :math:`c = G/(G-1) \\cdot (N-1)/(N-q)` -- what
    ``sandwich::vcovCL(fit, cluster = ~g, type = "HC1")`` computes for a
    ``polr`` fit (its default ``type`` for non-``lm`` models, HC0, omits
    :math:`(N-1)/(N-q)`).
    """
    n, q = scores.shape
    indicator = sparse.csr_matrix((np.ones(n), (groups, np.arange(n))), shape=(n_groups, n))
    summed = np.asarray(indicator @ scores)
    meat = summed.T @ summed
    bread = inverse_information(hessian)
    factor = (n_groups / (n_groups - 1)) * ((n - 1) / (n - q)) if adjust else 1.0
    V = factor * bread @ meat @ bread
    return (V + V.T) / 2.0, factor


# --------------------------------------------------------------------------- checks


def _check_collinear(X: np.ndarray, terms: list[str]) -> None:
    """Name the terms that are linear combinations of earlier ones (and of the thresholds)."""
    if X.shape[1] == 0:
        return
    Xc = X - X.mean(axis=0)
    C = Xc.T @ Xc
    scale = np.sqrt(np.diag(C))
    R = C / np.outer(scale, scale)
    bad = []
    keep: list[int] = []
    for j in range(len(terms)):
        idx = [*keep, j]
        eig = np.linalg.eigvalsh(R[np.ix_(idx, idx)])
        if eig[0] < 1e-10 * max(1.0, eig[-1]):
            bad.append(terms[j])
        else:
            keep.append(j)
    if bad:
        raise UsageError(
            f"terms {bad} are linear combinations of the other terms (and the "
            "thresholds) in the data modelled; drop them."
        )


def moderator_levels(
    survey: Survey, design: OrdinalDesign, moderators: Sequence[str]
) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Levels at which to predict: every category, or mean and mean ± 1 SD of a number."""
    out: dict[str, list[tuple[str, np.ndarray]]] = {}
    for name in dict.fromkeys(moderators):
        cols = [
            j
            for j, t in enumerate(design.terms)
            if design.term_kinds.get(t) == "covariate" and (t == name or t.startswith(f"{name}["))
        ]
        terms = [design.terms[j] for j in cols]
        if terms == [name]:  # numeric
            x = design.X[:, cols[0]]
            mu, sd = float(x.mean()), float(x.std())
            out[name] = [
                (
                    f"mean{sign}1 SD ({mu + k * sd:.3g})" if k else f"mean ({mu:.3g})",
                    np.array([mu + k * sd]),
                )
                for k, sign in ((-1, "-"), (0, ""), (1, "+"))
            ]
            continue
        var = survey.codebook.variables[name]
        present = sorted(pd.unique(design.data[name].dropna().astype(float)))
        low = present[0]
        key = int(low) if float(low).is_integer() else low
        base_label = str((var.values or {}).get(key, key))
        levels = [(base_label, np.zeros(len(cols)))]
        for i, t in enumerate(terms):
            levels.append((t[len(name) + 1 : -1], np.eye(len(cols))[i]))
        out[name] = levels
    return out


# --------------------------------------------------------------------------- statsmodels


def _statsmodels_result(
    design: OrdinalDesign,
    theta: np.ndarray,
    beta: np.ndarray,
    cov: np.ndarray,
    link: str,
    df: float,
    cov_label: str,
) -> Any:
    """The fit as a statsmodels OrderedResults (no refit: these estimates and covariance)."""
    from statsmodels.base.model import LikelihoodModelResults
    from statsmodels.miscmodels.ordinal_model import (
        OrderedModel,
        OrderedResults,
        OrderedResultsWrapper,
    )

    exog = pd.DataFrame(design.X, columns=design.terms)
    endog = pd.Series(
        pd.Categorical(
            np.asarray(design.categories)[design.y], categories=design.categories, ordered=True
        ),
        name="answer",
    )
    model = OrderedModel(endog, exog, distr=link)
    m, p = len(theta), len(beta)
    # statsmodels orders (beta, theta_1, log increments); delta method for the covariance.
    A = np.zeros((p + m, m + p))
    A[:p, m:] = np.eye(p)
    A[p, 0] = 1.0
    gaps = np.diff(theta)
    for j in range(1, m):
        A[p + j, j] = 1.0 / gaps[j - 1]
        A[p + j, j - 1] = -1.0 / gaps[j - 1]
    params = np.concatenate([beta, _phi(theta)])
    cov_sm = A @ cov @ A.T
    mle = LikelihoodModelResults(model, params, normalized_cov_params=cov_sm, scale=1.0)
    mle.mle_retvals = {"converged": True}
    res = OrderedResults(model, mle)
    res.hasconst = 0
    res.cov_type = cov_label
    res.use_t = bool(np.isfinite(df))
    if np.isfinite(df):
        res.df_resid = df
    return OrderedResultsWrapper(res)


# --------------------------------------------------------------------------- the analysis


def fit_ordinal(
    survey: Survey,
    covariates: Sequence[str] = (),
    moderators: Sequence[str] = (),
    *,
    service: str | None = None,
    wave: WaveChoice = "baseline",
    link: Link = "logit",
    vcov: VcovType = "cluster",
    categorical: Sequence[str] | None = None,
    conf_level: float = 0.95,
    allow_nonconvergence: bool = False,
) -> OrdinalResult:
    """Cumulative link model of willingness across circles, with cluster-robust inference.

    Parameters
    ----------
    survey : Survey
    covariates : sequence of str, default ()
        Respondent variables: numeric ones enter as they are, ``category``
        and ``binary`` ones (or those in ``categorical``) as dummies with the
        lowest code as baseline.
    moderators : sequence of str, default ()
        Variables whose interaction with the circle effects is estimated
        (``circle[friends]:lives_alone[是]``: does living alone flatten the
        gradient?); each is also a main effect.
    service : str, optional
        Model one service; default all willingness items, with service
        effects relative to the first service.
    wave : default "baseline"
        The wave to model (``"baseline"`` = the codebook's first).
    link : {"logit", "probit"}, default "logit"
    vcov : {"cluster", "respondent", "model"}, default "cluster"
        ``"cluster"``: clustered by village (CR1, see Notes), t with G-1
        degrees of freedom; falls back to ``"respondent"`` (and says so in
        the notes) when the survey has no village column.  ``"respondent"``:
        clustered by respondent (each answers several items), t with
        (respondents - 1) df.  ``"model"``: inverse information, normal
        reference -- not cluster-robust.
    categorical : sequence of str, optional
        Variables to treat as categorical (default: ``category`` and
        ``binary`` types).
    conf_level : float, default 0.95
    allow_nonconvergence : bool, default False
        Return the last iterate of a fit that did not converge (marked
        ``converged=False``, titled "NOT CONVERGED", with a
        :class:`ConvergenceWarning`) instead of raising.

    Returns
    -------
    OrdinalResult
        ``.table``: columns ``kind, term, estimate, std_error, statistic,
        df, p_value, conf_low, conf_high, n, method`` and, for the logit
        link, ``odds_ratio, odds_ratio_low, odds_ratio_high``; rows: the
        thresholds ``"1|2", "2|3", ...``, the circle effects, service
        effects, covariates and interactions.  ``.tables["predicted"]``:
        average predicted probabilities and expected answer per circle (and
        moderator level), and the same at covariate means (see
        :meth:`OrdinalResult.predicted`).  ``.info``: ``n_answers,
        n_respondents, n_villages, loglik (also as loglike), aic, bic, converged,
        iterations, wave, service, n_excluded, link, vcov, df,
        small_sample_factor, covariates, moderators``.  ``.model_result``:
        the statsmodels ``OrderedResults``.

    Raises
    ------
    UsageError
        Unknown ``link``/``vcov``, unknown or constant covariate or
        moderator, collinear terms.
    InsufficientDataError
        Fewer than two villages for ``vcov="cluster"``.
    ConvergenceError
        The maximiser did not converge (e.g. answers completely separated
        by a term); the message names the terms whose estimates diverge.

    Notes
    -----
    The model (McCullagh 1980; Agresti 2010, ch. 3) for answer :math:`Y_i`
    in categories :math:`1..K`:

    .. math::

       F^{-1}\\{P(Y_i \\le j)\\} = \\theta_j - x_i'\\beta, \\qquad j = 1..K-1,

    with :math:`F` the logistic or standard normal cdf, as in
    ``MASS::polr`` and ``ordinal::clm``.  A positive coefficient means
    higher willingness; for the logit link :math:`e^\\beta` is the odds
    ratio of answering above any category (proportional odds).  Circle
    effects are relative to the nearest circle (relatives), so negative
    values are the differential mode of association; a positive
    ``circle[villagers]:lives_alone[是]`` means a flatter gradient for
    those living alone.

    The coefficients are population-averaged (marginal over respondents):
    when respondents or villages differ in their general willingness, they
    are smaller in absolute value than the conditional effects of a
    cumulative link *mixed* model (``fit_ordinal_mixed``); the clustered
    standard errors keep the inference valid.

    Predicted probabilities (``tables["predicted"]``) are given both ways:
    *average predicted probabilities* (every answer modelled is given the
    circle, and moderator level, in turn and the predictions are averaged:
    the sample's own covariate and service mix; the headline numbers) and
    predictions *at the covariate means* (one profile).

    Covariance (Cameron & Miller 2015): with :math:`H` the Hessian of the
    log-likelihood, :math:`s_g` the sum of the score contributions of
    cluster :math:`g`, :math:`N` answers, :math:`k` parameters
    (thresholds + coefficients) and :math:`G` clusters,

    .. math::

       V = \\frac{G}{G-1}\\,\\frac{N-1}{N-k}\\; H^{-1}
           \\Big(\\sum_g s_g s_g'\\Big) H^{-1},

    which equals ``sandwich::vcovCL(polr_fit, cluster = ~village,
    type = "HC1")`` (checked in the tests to 1e-4 relative; vcovCL's
    default for a polr fit, HC0, uses :math:`G/(G-1)` only).  Tests and
    intervals use t with :math:`G-1` degrees of freedom.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *Journal of
    the Royal Statistical Society B*, 42(2), 109-142.

    Agresti, A. (2010). *Analysis of Ordinal Categorical Data* (2nd ed.).
    Wiley.

    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis.models import fit_ordinal
    >>> fit = fit_ordinal(ma.load_sample(), ["age", "sex"], ["lives_alone"])
    >>> fit.table.loc[fit.table["kind"] == "circle", ["term", "estimate"]]  # doctest: +SKIP
    """
    check_choice(link, LINKS, "link")
    check_choice(vcov, VCOV_TYPES, "vcov")
    conf_level = check_conf_level(conf_level)
    covariates, moderators = as_names(covariates), as_names(moderators)
    design = ordinal_design(
        survey, covariates, moderators, service=service, wave=wave, categorical=categorical
    )
    _check_collinear(design.X, design.terms)
    notes: list[str] = []
    cluster_name = survey.codebook.survey.cluster
    has_cluster = bool(cluster_name) and design.cluster_ids[0] is not None
    used = vcov
    if vcov == "cluster" and not has_cluster:
        used = "respondent"
        notes.append(
            "The survey has no village (cluster) column: standard errors are "
            "clustered by respondent instead."
        )
    if used == "cluster" and design.n_clusters < 2:
        raise InsufficientDataError(
            f"fit_ordinal(vcov='cluster'): village-clustered standard errors need at least "
            f"2 villages; the answers modelled ({design.n} complete answers) come from "
            f"{design.n_clusters}. Use vcov='respondent' or 'model', or data from more villages."
        )

    fit = clm_fit(design.y, design.X, len(design.categories), link, terms=design.terms)
    if not fit.converged:
        if not allow_nonconvergence:
            raise ConvergenceError(
                fit.message + " (pass allow_nonconvergence=True to see the last iterate)."
            )
        warnings.warn(fit.message, ConvergenceWarning, stacklevel=2)
        notes.insert(
            0,
            "THE FIT DID NOT CONVERGE: the numbers below are the last iterate, "
            "not estimates. " + fit.message,
        )

    N, k = design.n, len(fit.theta) + len(fit.beta)
    try:
        linalg.cho_factor(-fit.hessian)
    except linalg.LinAlgError as exc:
        if fit.converged:
            raise ConvergenceError(
                "the information matrix at the estimate is not positive "
                "definite: terms are collinear or the answers separated."
            ) from exc
    what = f"cumulative {link} (ML)"
    if used == "model":
        cov = inverse_information(fit.hessian)
        factor, df = 1.0, math.inf
        method = f"{what}, model-based SE (inverse information; not cluster-robust), normal"
    else:
        groups, G = (
            (design.cluster, design.n_clusters)
            if used == "cluster"
            else (design.respondent, design.n_respondents)
        )
        cov, factor = cluster_sandwich(fit.hessian, fit.scores, groups, G)
        df = float(G - 1)
        who = f"{cluster_name}-cluster-robust" if used == "cluster" else "respondent-cluster-robust"
        method = f"{what}, {who} SE (CR1: G/(G−1)·(N−1)/(N−k)), t({G - 1})"
        if k >= G:
            notes.append(
                f"{G} clusters for {k} parameters: the cluster-robust covariance has "
                f"rank at most {G - 1}; single-term tests are valid with t({G - 1}), "
                "joint tests of many terms are not."
            )
    notes.append(
        "Model: link P(Y ≤ j) = θ_j − x'β (as R's MASS::polr / ordinal::clm); a "
        "positive coefficient means more willing. Circle effects are relative to the "
        f"nearest circle ({_baseline_circle(design)})."
    )
    if design.n_excluded:
        notes.append(
            f"{design.n_excluded} answers not modelled (missing answer or covariate); "
            "see tables['excluded']."
        )
    levels = moderator_levels(survey, design, moderators)
    info = {
        "n_answers": N,
        "n_respondents": design.n_respondents,
        "n_villages": design.n_clusters if has_cluster else None,
        "loglik": fit.loglike,
        "loglike": fit.loglike,  # the former name, kept for scripts that read it
        "aic": -2 * fit.loglike + 2 * k,
        "bic": -2 * fit.loglike + math.log(N) * k,
        "converged": fit.converged,
        "iterations": fit.iterations,
        "wave": design.wave,
        "service": design.service,
        "n_excluded": design.n_excluded,
        "link": link,
        "vcov": used,
        "df": df,
        "small_sample_factor": factor,
        "covariates": list(covariates),
        "moderators": list(moderators),
    }
    label = "Cumulative logit" if link == "logit" else "Cumulative probit"
    title = f"{label} model of willingness by circle"
    if not fit.converged:
        title += " (NOT CONVERGED)"
    factory = functools.partial(
        _statsmodels_result, design, fit.theta, fit.beta, cov, link, df, method
    )
    return ordinal_result(
        design,
        fit.theta,
        fit.beta,
        cov,
        link=link,
        vcov=used,
        df=df,
        method=method,
        title=title,
        info=info,
        notes=notes,
        converged=fit.converged,
        moderator_levels=levels,
        conf_level=float(conf_level),
        model_result_factory=factory,
    )


def _baseline_circle(design: OrdinalDesign) -> str:
    ranks = design.data[["circle", "circle_rank"]].drop_duplicates().sort_values("circle_rank")
    return str(ranks["circle"].iloc[0])
