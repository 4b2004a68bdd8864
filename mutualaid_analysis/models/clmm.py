r"""Cumulative link mixed model of willingness: the within-person gradient.

Every respondent answers for every circle (relatives 亲属, friends 朋友,
other villagers 其他村民), so the differential mode of association (差序格局)
is a within-person pattern.  :func:`fit_ordinal_mixed` fits a cumulative
link (logit or probit) model with a random intercept per respondent, and
optionally per village with respondents nested in villages, by maximum
likelihood; the circle effects are then within-person contrasts.

The numerical work (adaptive Gauss-Hermite quadrature, the nested Laplace
approximation and their exact gradients) lives in :mod:`.clmm_engine`.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal, get_args, overload

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._params import check_conf_level
from ..data.survey import Survey
from ..data.waves import WaveChoice
from ..exceptions import BoundaryWarning, HessianWarning, MutualAidError, UsageError
from ..results import contract_frame
from .clm import clm_fit, moderator_levels
from .clmm_engine import NestedLaplace, OneFactorAGQ
from .clmm_results import OrdinalMixedResult
from .design import OrdinalDesign, as_names, ordinal_design
from .results import (
    LINKS,
    ConvergenceError,
    ConvergenceWarning,
    Link,
    OrdinalResult,
    check_choice,
    code,
    link_functions,
    logit_interval,
    ordinal_result,
    prob_from_cum,
    set_rows,
)

__all__ = [
    "RANDOM",
    "BoundaryWarning",
    "HessianWarning",
    "fit_ordinal_mixed",
]

#: Grouping factors of the random intercepts (one source for hint and check).
RandomName = Literal["respondent", "village"]
RANDOM: tuple[str, ...] = get_args(RandomName)

#: A random-effect SD below this (latent scale; the logistic error has SD 1.81)
#: is reported as a fit on the boundary of the parameter space.
BOUNDARY_SD = 1e-2
#: GH nodes of the population-averaged predictions.
_PA_NODES = 32


# --------------------------------------------------------------------------------- checks
def _check_random(random: Any) -> tuple[str, ...]:
    if isinstance(random, str):
        random = [random]
    random = list(random)
    for r in random:
        check_choice(r, RANDOM, "each random effect")
    if not random or len(set(random)) != len(random):
        raise UsageError(
            "random must name one grouping factor or both, once each: "
            f"['respondent'], ['village'] or ['respondent', 'village']; got {random!r}."
        )
    return tuple(r for r in RANDOM if r in random)  # canonical order


def _check_n_quad(n_quad: Any, nested: bool) -> int:
    if n_quad is None:
        return 1 if nested else 10
    if (
        isinstance(n_quad, bool)
        or not isinstance(n_quad, (int, np.integer))
        or not (1 <= n_quad <= 50)
    ):
        raise UsageError(f"n_quad must be a whole number from 1 (Laplace) to 50; got {n_quad!r}.")
    if nested and n_quad != 1:
        raise UsageError(
            "with nested random effects (respondent within village) the likelihood "
            f"uses the Laplace approximation: pass n_quad=1 or None; got {n_quad}."
        )
    return int(n_quad)


# ------------------------------------------------------------------------- parametrisation
def _theta_from_alpha(alpha: np.ndarray) -> np.ndarray:
    """Ordered thresholds: the first free, then positive increments exp(alpha_k)."""
    return np.cumsum(np.concatenate([alpha[:1], np.exp(alpha[1:])]))


def _alpha_from_theta(theta: np.ndarray) -> np.ndarray:
    return np.concatenate([theta[:1], np.log(np.diff(theta))])


def _alpha_jacobian(alpha: np.ndarray) -> np.ndarray:
    """d theta / d alpha (lower triangular)."""
    k = len(alpha)
    d = np.concatenate([[1.0], np.exp(alpha[1:])])
    return np.tril(np.ones((k, k))) * d[None, :]


class _Problem:
    """The model on standardised covariates, with natural-scale bookkeeping."""

    def __init__(
        self, design: OrdinalDesign, random: tuple[str, ...], link: Link, n_quad: int
    ) -> None:
        X = design.X
        self.p = X.shape[1]
        self.K = len(design.categories)
        self.center = X.mean(axis=0) if self.p else np.zeros(0)
        self.scale = X.std(axis=0) if self.p else np.zeros(0)
        self.scale[self.scale == 0] = 1.0
        Xs = (X - self.center) / self.scale if self.p else X
        self.random = random
        self.nested = len(random) == 2
        if self.nested:
            resp_village = _village_of_respondent(design)
            self.engine: OneFactorAGQ | NestedLaplace = NestedLaplace(
                design.y,
                Xs,
                design.respondent,
                design.n_respondents,
                resp_village,
                design.n_clusters,
                self.K,
                link,
            )
        else:
            grp = design.respondent if random[0] == "respondent" else design.cluster
            ngr = design.n_respondents if random[0] == "respondent" else design.n_clusters
            self.engine = OneFactorAGQ(design.y, Xs, grp, ngr, self.K, link, n_quad)
        self.n_sd = len(random)
        self.n_par = self.K - 1 + self.p + self.n_sd
        self.n_evals = 0

    # natural-standardised parameters psi = (theta', beta', log sds)
    def split(self, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = self.K - 1
        return psi[:k], psi[k : k + self.p], psi[k + self.p :]

    @overload
    def loglik(
        self, psi: np.ndarray, gradient: Literal[True] = True
    ) -> tuple[float, np.ndarray]: ...
    @overload
    def loglik(self, psi: np.ndarray, gradient: Literal[False]) -> tuple[float, None]: ...
    def loglik(self, psi: np.ndarray, gradient: bool = True) -> tuple[float, np.ndarray | None]:
        self.n_evals += 1
        th, be, ls = self.split(psi)
        # (ls holds the one or two log SDs the engine takes before gradient=)
        return self.engine.loglik(th, be, *ls, gradient=gradient)  # type: ignore[misc]

    # unconstrained phi = (alpha, beta', log sds)
    def psi_from_phi(self, phi: np.ndarray) -> np.ndarray:
        k = self.K - 1
        return np.concatenate([_theta_from_alpha(phi[:k]), phi[k:]])

    def phi_from_psi(self, psi: np.ndarray) -> np.ndarray:
        k = self.K - 1
        return np.concatenate([_alpha_from_theta(psi[:k]), psi[k:]])

    def objective(self, phi: np.ndarray) -> tuple[float, np.ndarray]:
        k = self.K - 1
        psi = self.psi_from_phi(phi)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            ll, g = self.loglik(psi)
        if not np.isfinite(ll) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(phi)
        gphi = g.copy()
        gphi[:k] = _alpha_jacobian(phi[:k]).T @ g[:k]
        return -ll, -gphi

    def to_natural(self) -> np.ndarray:
        """Matrix A with (theta, beta, log sds) = A @ psi (linear, since standardising is)."""
        k, p = self.K - 1, self.p
        A = np.eye(self.n_par)
        if p:
            A[k : k + p, k : k + p] = np.diag(1.0 / self.scale)
            # theta = theta' + sum_j center_j * beta_j = theta' + sum_j center_j/scale_j beta'_j
            A[:k, k : k + p] = (self.center / self.scale)[None, :]
        return A

    def start(self, design: OrdinalDesign, link: Link) -> np.ndarray:
        """Starting values: the fixed-effects fit scaled up for the random intercepts.

        A random intercept of variance s^2 attenuates the marginal (fixed-effects)
        estimates by about sqrt(1 + s^2 / v), v the variance of the latent error
        (pi^2/3 logistic, 1 normal); marginal thresholds if that fit fails.
        """
        sds = np.array([1.0] if not self.nested else [1.0, 0.5])
        v = math.pi**2 / 3 if link == "logit" else 1.0
        try:
            f = clm_fit(design.y, self.engine.X, self.K, link)
            scale = math.sqrt(1.0 + float(np.sum(sds**2)) / v)
            theta, beta = f.theta * scale, f.beta * scale
        except MutualAidError:
            cum = np.cumsum(np.bincount(design.y, minlength=self.K))[:-1] / len(design.y)
            ppf = stats.logistic.ppf if link == "logit" else stats.norm.ppf
            theta = ppf(np.clip(cum, 1e-4, 1 - 1e-4)) + np.arange(self.K - 1) * 1e-6
            theta, beta = np.maximum.accumulate(theta), np.zeros(self.p)
        return np.concatenate([theta, beta, np.log(sds)])


def _village_of_respondent(design: OrdinalDesign) -> np.ndarray:
    n = design.n_respondents
    first = np.full(n, -1, dtype=np.int64)
    first[design.respondent[::-1]] = design.cluster[::-1]
    if np.any(first[design.respondent] != design.cluster):
        bad = np.unique(design.respondent[first[design.respondent] != design.cluster])
        ids = [str(design.respondent_ids[i]) for i in bad[:5]]
        raise UsageError(
            f"{len(bad)} respondents appear in more than one village (e.g. {ids}); "
            "nested random effects need each respondent in one village."
        )
    return first


# ------------------------------------------------------------------------------- fitting
def _numerical_hessian(prob: _Problem, psi: np.ndarray) -> np.ndarray:
    """Central differences of the analytic gradient (symmetrised)."""
    n = len(psi)
    H = np.empty((n, n))
    for j in range(n):
        h = 1e-5 * max(1.0, abs(psi[j]))
        e = np.zeros(n)
        e[j] = h
        gp = prob.loglik(psi + e)[1]
        gm = prob.loglik(psi - e)[1]
        H[:, j] = (gp - gm) / (2.0 * h)
    return 0.5 * (H + H.T)


def _optimise(prob: _Problem, psi0: np.ndarray, max_iter: int) -> dict[str, Any]:
    phi0 = prob.phi_from_psi(psi0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        res = optimize.minimize(
            prob.objective,
            phi0,
            jac=True,
            method="BFGS",
            options={"gtol": 1e-6, "maxiter": max_iter},
        )
    psi = prob.psi_from_phi(res.x)
    ll, g = prob.loglik(psi)
    # Newton polish on the natural-standardised scale with the numerical Hessian of the
    # analytic gradient: BFGS's approximate curvature leaves ~1e-4 in the estimates.
    H = _numerical_hessian(prob, psi)
    for _ in range(8):
        if np.max(np.abs(g)) < 1e-8:
            break
        try:
            step = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.linalg.eigvalsh(-H) > 0):
            break
        for _half in range(20):
            cand = psi + step
            if np.all(np.diff(cand[: prob.K - 1]) > 0):
                ll_c, g_c = prob.loglik(cand)
                if np.isfinite(ll_c) and ll_c >= ll - 1e-9:
                    break
            step = step / 2
        else:
            break
        moved = np.max(np.abs(cand - psi))
        psi, ll, g = cand, ll_c, g_c
        if moved > 1e-3:
            H = _numerical_hessian(prob, psi)
    return {
        "psi": psi,
        "loglik": ll,
        "grad": g,
        "hessian": H,
        "iterations": int(res.nit),
        "message": str(res.message),
        "bfgs_success": bool(res.success),
    }


# ----------------------------------------------------------------------------- prediction
def _population_averaged(
    result: OrdinalResult, log_sd: np.ndarray, full_cov: np.ndarray, conf_level: float
) -> pd.DataFrame:
    """Average predicted probabilities integrated over the random effects, with delta SEs.

    Same layout as ``OrdinalResult.predicted(at="average")``.  With total SD
    ``s = sqrt(sum sd_j^2)``, ``P(Y <= k | x) = E_z F(theta_k - x'beta - s z)``,
    integrated by Gauss-Hermite quadrature with ``_PA_NODES`` nodes.
    """
    design, spec = result.design, result.spec
    assert design is not None and spec is not None  # built by ordinal_result
    lf = link_functions(result.link)
    theta, beta = result.thresholds.to_numpy(), result.coef.to_numpy()
    m, p, r = len(theta), len(beta), len(log_sd)
    sds = np.exp(log_sd)
    s_tot = float(np.sqrt(np.sum(sds**2)))
    ds_dlog = sds**2 / s_tot if s_tot > 0 else np.zeros(r)
    z, w = np.polynomial.hermite.hermgauss(_PA_NODES)
    w = w / math.sqrt(math.pi)
    t = math.sqrt(2.0) * s_tot * z
    codes = np.asarray(design.categories, dtype=float)
    labels = list(design.category_labels)
    q = stats.norm.ppf(0.5 + conf_level / 2)
    V = np.array(full_cov, dtype=float)
    fixed = np.isnan(np.diag(V))
    if not fixed.all():  # SDs at the boundary are held fixed (their rows are missing)
        V[fixed, :] = 0.0
        V[:, fixed] = 0.0
    settings: list[tuple[str | None, str | None, np.ndarray | None]] = [(None, None, None)]
    if spec.moderator_levels:
        settings = [
            (mod, lab, vals)
            for mod, levels in spec.moderator_levels.items()
            for lab, vals in levels
        ]
    chunk = max(1, 250_000 // _PA_NODES)
    method = (
        "average predicted probability, integrated over the random effects "
        f"(population-averaged); delta method, {result.method}"
    )
    rows = []
    for moderator, lab, vals in settings:
        for circle in spec.circles:
            Z = set_rows(design.X, spec, circle, moderator, vals)
            eta = Z @ beta
            cum = np.zeros(m)
            grad = np.zeros((m, m + p + r))
            for s0 in range(0, len(eta), chunk):
                arg = theta[None, None, :] - eta[s0 : s0 + chunk, None, None] - t[None, :, None]
                F = lf.cdf(arg)
                f = F * (1.0 - F) if result.link == "logit" else lf.pdf(arg)
                cum += np.einsum("nqk,q->k", F, w)
                dens = np.einsum("nqk,q->nk", f, w)  # (n, m)
                dens_z = np.einsum("nqk,q->k", f, w * math.sqrt(2.0) * z)
                grad[np.arange(m), np.arange(m)] += dens.sum(axis=0)
                grad[:, m : m + p] -= dens.T @ Z[s0 : s0 + chunk]
                grad[:, m + p :] -= dens_z[:, None] * ds_dlog[None, :]
            cum /= len(eta)
            grad /= len(eta)
            prob, gp = prob_from_cum(cum, grad)
            mean, gm = codes @ prob, codes @ gp
            ident = {"at": "average", "circle": circle, "moderator": moderator, "level": lab}
            for k in range(m + 1):
                se = float(np.sqrt(max(gp[k] @ V @ gp[k], 0.0)))
                lo, hi = logit_interval(float(prob[k]), se, q)
                rows.append(
                    {
                        **ident,
                        "category": code(codes[k]),
                        "term": f"P(Y={code(codes[k])})",
                        "estimate": float(prob[k]),
                        "std_error": se,
                        "df": math.inf,
                        "conf_low": lo,
                        "conf_high": hi,
                        "n": design.n,
                        "method": method,
                        "label": labels[k],
                    }
                )
            se = float(np.sqrt(max(gm @ V @ gm, 0.0)))
            rows.append(
                {
                    **ident,
                    "category": "mean",
                    "term": "E[Y]",
                    "estimate": float(mean),
                    "std_error": se,
                    "df": math.inf,
                    "conf_low": mean - q * se,
                    "conf_high": mean + q * se,
                    "n": design.n,
                    "method": method,
                    "label": "expected answer",
                }
            )
    return contract_frame(rows, ["at", "circle", "moderator", "level", "category"], ["label"])


# ---------------------------------------------------------------------------- public API
def fit_ordinal_mixed(
    survey: Survey,
    covariates: Sequence[str] = (),
    moderators: Sequence[str] = (),
    *,
    random: Sequence[RandomName] | RandomName = ("respondent",),
    link: Link = "logit",
    n_quad: int | None = None,
    service: str | None = None,
    wave: WaveChoice = "baseline",
    categorical: Sequence[str] | None = None,
    conf_level: float = 0.95,
    max_iter: int = 1000,
    allow_nonconvergence: bool = False,
) -> OrdinalMixedResult:
    r"""Fit a cumulative link mixed model of willingness across circles.

    Parameters
    ----------
    survey : Survey
    covariates : sequence of str, default ()
        Respondent-level variables (numeric as they are, categorical as
        dummies; see :func:`~mutualaid_analysis.models.ordinal_design`).
    moderators : sequence of str, default ()
        Variables whose interaction with the circle effects is estimated.
    random : {"respondent"}, {"village"} or both, default ("respondent",)
        Random intercepts.  Both: respondents nested in villages.
    link : {"logit", "probit"}, default "logit"
    n_quad : int, optional
        Adaptive Gauss-Hermite nodes per group, 1 (Laplace) to 50; default
        10 with one grouping factor.  Nested random effects use the Laplace
        approximation (``n_quad`` must be 1 or ``None``).
    service : str, optional
        One service; default: every willingness item, with service effects.
    wave : default "baseline"
        Which wave (see :func:`~mutualaid_analysis.models.resolve_wave`).
    categorical : sequence of str, optional
        Variables to treat as categorical (default: category and binary types).
    conf_level : float, default 0.95
    max_iter : int, default 1000
        Iterations of the quasi-Newton (BFGS) optimiser.
    allow_nonconvergence : bool, default False
        Return the last iterate of a fit that did not converge (with a
        :class:`~mutualaid_analysis.models.results.ConvergenceWarning`)
        instead of raising.

    Returns
    -------
    OrdinalMixedResult
        ``.table``: columns ``kind, term, estimate, std_error, statistic,
        df, p_value, conf_low, conf_high, n, method`` (and odds ratios for
        the logit link): thresholds ``"1|2"``, ... (kind ``"threshold"``),
        effects (kinds ``"circle"``, ``"service"``, ``"covariate"``,
        ``"interaction"``; Wald z, ``df`` = inf) and random-effect SDs
        ``sd(respondent)``, ``sd(village)`` (kind ``"random"``; interval on
        the log scale, no p-value).  ``.tables["predicted"]``: average
        predicted probabilities and expected answer per circle (and
        moderator level) *conditional* on random effects 0 (and at the
        covariate means); ``.tables["population_averaged"]``: the averages
        integrated over the random effects; ``.tables["random_effects"]``:
        conditional modes (``mode``, latent scale) and conditional SDs
        (``sd``) per respondent (and village), columns ``level, id, mode,
        sd``.  ``.loglik``, ``.aic``, ``.bic``, ``.full_cov``, ``.log_sd``.

    Raises
    ------
    UsageError
        Unknown link, random effect or moderator, an invalid ``n_quad``,
        or respondents in more than one village (nested model).
    ConvergenceError
        The optimiser stopped with a log-likelihood gradient above 1e-3
        (unless ``allow_nonconvergence``).

    Warns
    -----
    BoundaryWarning
        A random-effect SD is estimated below 0.01 (at the boundary): its
        interval is not reported and likelihood-ratio tests of it are
        conservative.
    HessianWarning
        The observed information is not positive definite: standard errors
        are reported as missing.
    ConvergenceWarning
        With ``allow_nonconvergence``, when the fit did not converge.

    Notes
    -----
    The model, for answer :math:`Y_{ic}` of respondent :math:`i` (village
    :math:`v`) about circle :math:`c`, with categories :math:`1..K`:

    .. math::

       P(Y_{ic} \le k \mid b_i, u_v) = F(\theta_k - x_{ic}'\beta - b_i - u_v),
       \quad b_i \sim N(0, \sigma_b^2),\ u_v \sim N(0, \sigma_u^2),

    :math:`F` logistic or normal, the same sign convention as
    ``ordinal::clmm`` (positive effects mean more willing).  The circle
    effects are within-person contrasts: each respondent is compared with
    themself.  Thresholds are kept ordered by construction (the first one
    free, then positive increments :math:`e^{\alpha_k}`).

    One grouping factor: with :math:`b = \sigma z`, :math:`g_i(z) = \sum_c
    \log P(Y_{ic} \mid \sigma z) + \log\phi(z)`, its mode :math:`\hat z_i`
    and :math:`\hat s_i = (-g_i''(\hat z_i))^{-1/2}`, the adaptive
    Gauss-Hermite approximation with nodes :math:`t_q` and weights
    :math:`w_q` is

    .. math::

       L_i \approx \sqrt{2}\,\hat s_i \sum_{q=1}^{Q} w_q\, e^{t_q^2}\,
       \exp g_i(\hat z_i + \sqrt{2}\,\hat s_i t_q)

    (Liu & Pierce 1994; Pinheiro & Bates 1995); :math:`Q = 1` is the
    Laplace approximation.  Nested effects: the Laplace approximation over a
    village's joint effects, whose Hessian is an arrowhead matrix (Schur
    complement per village).  The modes are found by vectorised Newton
    steps for all groups at once; the gradient of the approximated
    log-likelihood is exact, including the dependence of the modes and
    curvatures on the parameters (implicit differentiation).  The
    likelihood is maximised by BFGS and polished by Newton steps; standard
    errors come from the numerically differentiated analytic gradient (the
    observed information).  They are model-based, not cluster-robust: the
    random effects model the clustering.  With few villages (the usual
    6-40) the village SD is poorly estimated and its Wald interval is
    rough; prefer a likelihood-ratio comparison (:func:`compare_models`).

    References
    ----------
    Hedeker, D. & Gibbons, R. D. (1994). A random-effects ordinal regression
    model for multilevel analysis. *Biometrics* 50, 933-944.
    Liu, Q. & Pierce, D. A. (1994). A note on Gauss-Hermite quadrature.
    *Biometrika* 81, 624-629.
    Pinheiro, J. C. & Bates, D. M. (1995). Approximations to the
    log-likelihood function in the nonlinear mixed-effects model. *Journal
    of Computational and Graphical Statistics* 4, 12-35.
    Christensen, R. H. B. (2019). A tutorial on fitting cumulative link
    mixed models with clmm2 from the ordinal package (package vignette);
    ordinal: Regression Models for Ordinal Data, R package.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis.models import fit_ordinal_mixed
    >>> survey = ma.load_sample()
    >>> fit = fit_ordinal_mixed(survey, ["age", "sex"], service="daily_care")  # doctest: +SKIP
    >>> fit.table[["term", "estimate", "std_error"]]  # doctest: +SKIP
    """
    link = check_choice(link, LINKS, "link")
    random_t = _check_random(random)
    nested = len(random_t) == 2
    nq = _check_n_quad(n_quad, nested)
    conf_level = check_conf_level(conf_level)
    if "village" in random_t and not survey.codebook.survey.cluster:
        raise UsageError("a village random effect needs the codebook's [survey] cluster column.")
    covariates, moderators = as_names(covariates), as_names(moderators)
    design = ordinal_design(
        survey, covariates, moderators, service=service, wave=wave, categorical=categorical
    )
    prob = _Problem(design, random_t, link, nq)
    fit = _optimise(prob, prob.start(design, link), max_iter)
    psi, H = fit["psi"], fit["hessian"]
    k, p = prob.K - 1, prob.p
    A = prob.to_natural()
    est = A @ psi  # (theta, beta, log sds)
    notes: list[str] = []
    sd_names = [f"sd({r})" for r in random_t]
    log_sd = est[k + p :]
    boundary = [bool(np.exp(v) < BOUNDARY_SD) for v in log_sd]
    max_grad = float(np.max(np.abs(fit["grad"])))
    converged = max_grad < 1e-3
    if not converged:
        msg = (
            f"the optimiser stopped with a log-likelihood gradient of {max_grad:.2g} "
            f"({fit['message']}); the estimates are not the maximum."
        )
        if not allow_nonconvergence:
            raise ConvergenceError(
                msg + " (pass allow_nonconvergence=True to see the last iterate)."
            )
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        notes.append(
            "THE FIT DID NOT CONVERGE: the numbers below are the last iterate, not "
            "estimates. " + msg
        )
    for name, at in zip(sd_names, boundary, strict=True):
        if at:
            msg = (
                f"{name} is estimated at the boundary (SD < {BOUNDARY_SD}): the data show "
                "no variation between these groups beyond the rest of the model; its "
                "standard error and interval are not reported, and the model is "
                "equivalent to one without this random effect."
            )
            warnings.warn(msg, BoundaryWarning, stacklevel=2)
            notes.append(msg)

    # Covariance: inverse observed information, leaving out SDs at the boundary.
    keep = np.ones(prob.n_par, dtype=bool)
    keep[k + p :] = ~np.array(boundary)
    info_m = -H[np.ix_(keep, keep)]
    cov_std = np.full((prob.n_par, prob.n_par), np.nan)
    eig = np.linalg.eigvalsh(info_m)
    if np.all(np.isfinite(eig)) and eig.min() > 1e-10 * max(1.0, eig.max()):
        cov_std[np.ix_(keep, keep)] = np.linalg.inv(info_m)
    else:
        msg = (
            "the Hessian of the log-likelihood at the optimum is not positive definite "
            f"(smallest eigenvalue of the information {eig.min():.3g}): the model is not "
            "identified as specified or the optimum was not reached; standard errors are "
            "not reported."
        )
        warnings.warn(msg, HessianWarning, stacklevel=2)
        notes.append(msg)
    # A maps the log-SDs identically, so SDs left out stay out and nothing else is touched.
    cov = A @ np.nan_to_num(cov_std, nan=0.0) @ A.T
    cov[np.isnan(cov_std)] = np.nan
    se = np.sqrt(np.diag(cov))

    zc = float(stats.norm.ppf(0.5 + conf_level / 2))
    approx = "Laplace" if nq == 1 else f"adaptive Gauss-Hermite, {nq} nodes"
    if nested:
        approx = "Laplace (joint, respondents nested in villages)"
    method = f"cumulative {link} mixed model (ML, {approx}), model-based SE (Hessian), normal"
    n_groups = {"respondent": design.n_respondents, "village": design.n_clusters}
    sd_rows = []
    for i, (name, r) in enumerate(zip(sd_names, random_t, strict=True)):
        sd, s_log = float(np.exp(log_sd[i])), float(se[k + p + i])
        sd_rows.append(
            {
                "kind": "random",
                "term": name,
                "estimate": sd,
                "std_error": sd * s_log,
                "statistic": np.nan,
                "df": math.inf,
                "p_value": np.nan,
                "conf_low": sd * math.exp(-zc * s_log),
                "conf_high": sd * math.exp(zc * s_log),
                "n": n_groups[r],
                "method": method.replace("normal", "interval on log(SD)"),
            }
        )
    ll = float(fit["loglik"])
    npar = prob.n_par
    aic, bic = -2 * ll + 2 * npar, -2 * ll + math.log(design.n) * npar
    notes.append(
        "Model: link P(Y ≤ j) = θ_j − x'β − (random intercepts), as R's "
        "ordinal::clmm; a positive coefficient means more willing. Circle effects are "
        "within-person contrasts with the nearest circle."
    )
    notes.append(
        "Standard errors are model-based (inverse observed information), not "
        "cluster-robust: the random intercepts model the clustering."
    )
    if "village" in random_t:
        notes.append(
            f"The village SD rests on {design.n_clusters} villages: with few villages "
            "it is poorly estimated and its interval is rough; compare models with "
            "and without it by a likelihood-ratio test (compare_models)."
        )
    if design.n_excluded:
        notes.append(
            f"{design.n_excluded} answers were not modelled (missing answer or "
            "covariate); see tables['excluded']."
        )
    info = {
        "n_answers": design.n,
        "n_respondents": design.n_respondents,
        "n_villages": design.n_clusters if survey.codebook.survey.cluster else None,
        "loglik": ll,
        "loglike": ll,  # the former name, kept for scripts that read it
        "aic": aic,
        "bic": bic,
        "converged": converged,
        "iterations": fit["iterations"],
        "wave": design.wave,
        "service": design.service,
        "n_excluded": design.n_excluded,
        "link": link,
        "vcov": "model",
        "df": math.inf,
        "covariates": list(covariates),
        "moderators": list(moderators),
        "random": random_t,
        "n_groups": {r: n_groups[r] for r in random_t},
        "n_quad": nq,
        "approximation": approx,
        "max_gradient": max_grad,
        "optimizer": f"BFGS ({fit['message']}) + Newton polish",
        "likelihood_evaluations": prob.n_evals,
        "n_parameters": npar,
        "boundary": dict(zip(sd_names, boundary, strict=True)),
    }
    label = "Cumulative logit" if link == "logit" else "Cumulative probit"
    title = f"{label} mixed model of willingness by circle ({' + '.join(random_t)} intercepts)"
    if not converged:
        title += " (NOT CONVERGED)"
    base = ordinal_result(
        design,
        est[:k],
        est[k : k + p],
        cov[: k + p, : k + p],
        link=link,
        vcov="model",
        df=math.inf,
        method=method,
        title=title,
        info=info,
        notes=notes,
        converged=converged,
        moderator_levels=moderator_levels(survey, design, moderators),
        extra_rows=sd_rows,
        conf_level=float(conf_level),
    )
    pa = _population_averaged(base, log_sd, cov, float(conf_level))
    re_tab = _random_effects_table(prob, design, psi, random_t)
    par_names = [*base.params.index, *[f"log {s}" for s in sd_names]]
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(OrdinalResult)}
    fields["tables"] = {**base.tables, "population_averaged": pa, "random_effects": re_tab}
    return OrdinalMixedResult(
        **fields,
        random=random_t,
        log_sd=pd.Series(log_sd, index=par_names[k + p :], name="estimate"),
        full_cov=pd.DataFrame(cov, index=par_names, columns=par_names),
        loglik=ll,
        aic=aic,
        bic=bic,
        nobs=design.n,
        n_parameters=npar,
    )


def _random_effects_table(
    prob: _Problem, design: OrdinalDesign, psi: np.ndarray, random: tuple[str, ...]
) -> pd.DataFrame:
    th, be, ls = prob.split(psi)
    prob.loglik(psi, gradient=False)  # modes at the estimates
    eng = prob.engine
    if isinstance(eng, NestedLaplace):
        sr, sv = np.exp(ls)
        csd_r, csd_v = eng.conditional_sd(ls[0], ls[1], th, be)
        parts = [
            pd.DataFrame(
                {
                    "level": "respondent",
                    "id": design.respondent_ids,
                    "mode": sr * eng.b,
                    "sd": csd_r,
                }
            ),
            pd.DataFrame(
                {"level": "village", "id": design.cluster_ids, "mode": sv * eng.c, "sd": csd_v}
            ),
        ]
        return pd.concat(parts, ignore_index=True)
    ids = design.respondent_ids if random[0] == "respondent" else design.cluster_ids
    return pd.DataFrame(
        {
            "level": random[0],
            "id": ids,
            "mode": np.exp(ls[0]) * eng.mode,
            "sd": eng.conditional_sd(ls[0], th, be),
        }
    )
