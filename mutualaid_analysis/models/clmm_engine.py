r"""Numerical engine of the cumulative link mixed model: likelihood and exact gradient.

Two approximations of the marginal log-likelihood, both vectorised over all
groups at once (no Python loop over respondents or villages):

* :class:`OneFactorAGQ` -- one grouping factor, adaptive Gauss-Hermite
  quadrature (``n_quad = 1`` is the Laplace approximation);
* :class:`NestedLaplace` -- respondents nested in villages, Laplace
  approximation over the joint random effects of a village, whose Hessian
  is an arrowhead matrix (solved by a per-village Schur complement).

Both return the approximated log-likelihood and its *exact* gradient with
respect to the thresholds, the coefficients and the log standard
deviations: the dependence of the conditional modes (and of the curvature
at the mode, which sets the quadrature nodes) on the parameters is taken
into account by implicit differentiation, which needs the first three
derivatives of :math:`\log P(Y = y \mid \eta)` in :math:`\eta`.

Notation (per answer :math:`r` with category :math:`k`): :math:`a_u =
\theta_k - \eta_r`, :math:`a_l = \theta_{k-1} - \eta_r` (with
:math:`\theta_0 = -\infty`, :math:`\theta_K = \infty`), :math:`p = F(a_u) -
F(a_l)`, :math:`E^{s}_m = f^{(m)}(a_s)/p` and :math:`D_m = E^u_m - E^l_m`.
Then with :math:`\ell = \log p`,

.. math::

   \ell' = -D_0,\quad \ell'' = D_1 - D_0^2,\quad
   \ell''' = -D_2 + 3 D_0 D_1 - 2 D_0^3,

and the derivatives with respect to the upper threshold are
:math:`\partial_u \ell = E^u_0`, :math:`\partial_u \ell' = -E^u_1 + D_0 E^u_0`,
:math:`\partial_u \ell'' = E^u_2 - D_1 E^u_0 - 2 D_0 (E^u_1 - D_0 E^u_0)`
(the lower threshold: the same expressions in :math:`E^l`, negated).

This module works on arrays only; :mod:`.clmm` builds them from a survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_ndtr, logsumexp, ndtr

__all__ = ["Link", "NestedLaplace", "OneFactorAGQ", "RowTerms", "link_cdf", "row_terms"]

Link = Literal["logit", "probit"]

_LOG_2PI = float(np.log(2.0 * np.pi))
_CLIP = 1e3  # |a| beyond which the density and its derivatives are exactly 0
_TINY = 1e-300


def link_cdf(link: Link, a: np.ndarray) -> np.ndarray:
    """The inverse link F (logistic or standard normal CDF)."""
    return expit(a) if link == "logit" else ndtr(a)


def _density_derivs(link: Link, a: np.ndarray, order: int) -> list[np.ndarray]:
    """f, f', f'' of the latent distribution at ``a`` (as many as ``order`` asks)."""
    a = np.clip(a, -_CLIP, _CLIP)
    if link == "logit":
        F = expit(a)
        f = F * (1.0 - F)
        out = [f]
        if order >= 2:
            out.append(f * (1.0 - 2.0 * F))
        if order >= 3:
            out.append(f * (1.0 - 6.0 * F + 6.0 * F * F))
        return out
    f = np.exp(-0.5 * a * a - 0.5 * _LOG_2PI)
    out = [f]
    if order >= 2:
        out.append(-a * f)
    if order >= 3:
        out.append((a * a - 1.0) * f)
    return out


def _log_prob(link: Link, a_u: np.ndarray, a_l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log P and P of the interval (a_l, a_u], accurate in both tails."""
    upper_tail = a_l > 0  # both CDFs near 1: difference of survivals
    with np.errstate(invalid="ignore"):
        hi = np.where(upper_tail, -a_l, a_u)
        lo = np.where(upper_tail, -a_u, a_l)
    # P = F(hi) - F(lo) with hi > lo, F(lo) <= 1/2 where it matters.
    p = expit(hi) - expit(lo) if link == "logit" else ndtr(hi) - ndtr(lo)
    p = np.maximum(p, _TINY)
    logp = np.log(p)
    if link == "probit":
        # far in the lower tail, log_ndtr keeps precision when the upper CDF dominates
        small = p < 1e-12
        if np.any(small):
            ratio = np.exp(np.minimum(log_ndtr(lo[small]) - log_ndtr(hi[small]), 0.0))
            logp[small] = log_ndtr(hi[small]) + np.log1p(-np.minimum(ratio, 1 - 1e-16))
            p[small] = np.exp(logp[small])
    return logp, p


@dataclass
class RowTerms:
    """Per-answer quantities at a given linear predictor (see the module docstring)."""

    logp: np.ndarray
    Eu: list[np.ndarray]
    El: list[np.ndarray]

    @property
    def D(self) -> list[np.ndarray]:
        return [u - lo for u, lo in zip(self.Eu, self.El, strict=True)]

    def l1(self) -> np.ndarray:
        return -(self.Eu[0] - self.El[0])

    def l2(self) -> np.ndarray:
        d0 = self.Eu[0] - self.El[0]
        return (self.Eu[1] - self.El[1]) - d0 * d0

    def l3(self) -> np.ndarray:
        d0, d1, d2 = self.D
        return -d2 + 3.0 * d0 * d1 - 2.0 * d0**3

    def theta_terms(self, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """d(l, l', l'')/d(threshold) for the upper threshold (``side="u"``), or the
        lower one *before* the sign flip (the caller negates it)."""
        E = self.Eu if side == "u" else self.El
        d0, d1, _ = self.D
        g0 = E[0]
        g1 = -E[1] + d0 * E[0]
        g2 = E[2] - d1 * E[0] - 2.0 * d0 * (E[1] - d0 * E[0])
        return g0, g1, g2


def _logit_row_terms(a_u: np.ndarray, a_l: np.ndarray, order: int) -> RowTerms:
    """The logistic case in closed form, accurate in both tails.

    With F = expit, S = 1 - F: F(a_u) - F(a_l) = F(a_u) S(a_l) (1 - e^{-(a_u - a_l)}),
    so p, log p and f(a)/p need no difference of nearly equal numbers; f = F S,
    f' = f (S - F), f'' = f (1 - 6 F S).
    """
    Fu, Sl = expit(a_u), expit(-a_l)
    with np.errstate(invalid="ignore"):
        width = a_u - a_l  # inf for the extreme categories; the same for every node
    c = -np.expm1(-width)
    p = np.maximum(Fu * Sl * c, _TINY)
    logp = np.log(p)
    if order == 0:
        return RowTerms(logp, [], [])
    Su, Fl = expit(-a_u), expit(a_l)
    Eu0 = Su / (Sl * c)  # f(a_u)/p
    El0 = Fl / (Fu * c)  # f(a_l)/p
    Eu, El = [Eu0], [El0]
    if order >= 2:
        Eu.append(Eu0 * (Su - Fu))
        El.append(El0 * (Sl - Fl))
    if order >= 3:
        Eu.append(Eu0 * (1.0 - 6.0 * Fu * Su))
        El.append(El0 * (1.0 - 6.0 * Fl * Sl))
    return RowTerms(logp, Eu, El)


def row_terms(link: Link, a_u: np.ndarray, a_l: np.ndarray, order: int) -> RowTerms:
    """log p and the ratios E^u_m, E^l_m for m < ``order`` (0 <= order <= 3)."""
    if link == "logit":
        return _logit_row_terms(a_u, a_l, order)
    logp, p = _log_prob(link, a_u, a_l)
    if order == 0:
        return RowTerms(logp, [], [])
    du = _density_derivs(link, a_u, order)
    dl = _density_derivs(link, a_l, order)
    return RowTerms(logp, [d / p for d in du], [d / p for d in dl])


class _Base:
    """Shared set-up: responses, design, thresholds lookup."""

    def __init__(self, y: np.ndarray, X: np.ndarray, n_cat: int, link: Link) -> None:
        self.y = np.asarray(y, dtype=np.int64)
        self.X = np.asarray(X, dtype=float)
        self.K = int(n_cat)
        self.link: Link = link
        self.n = len(self.y)

    def _cuts(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ext = np.concatenate([[-np.inf], np.asarray(theta, float), [np.inf]])
        return ext[self.y + 1], ext[self.y]

    def _theta_grad(self, wu: np.ndarray, wl: np.ndarray) -> np.ndarray:
        """Gradient w.r.t. the K-1 thresholds from per-answer upper/lower weights."""
        g = np.bincount(self.y + 1, weights=wu, minlength=self.K + 1)
        g += np.bincount(self.y, weights=wl, minlength=self.K + 1)
        return g[1 : self.K]


class OneFactorAGQ(_Base):
    r"""Adaptive Gauss-Hermite approximation for one grouping factor.

    With :math:`u_i = \sigma b_i`, :math:`b_i \sim N(0, 1)`,
    :math:`g_i(b) = \sum_{r \in i} \log p_r(x_r'\beta + \sigma b) + \log\phi(b)`,
    mode :math:`\hat b_i`, :math:`h_i = -g_i''(\hat b_i)`,
    :math:`s_i = h_i^{-1/2}` and Gauss-Hermite nodes/weights :math:`(z_q, w_q)`:

    .. math::

       L_i \approx \sqrt{2}\, s_i \sum_q w_q\, e^{z_q^2}\,
       \exp g_i(\hat b_i + \sqrt{2} s_i z_q).

    Parameters
    ----------
    y, X, group, n_groups, n_cat, link, n_quad
        Answers 0..K-1, design without intercept, group index per answer.
    """

    def __init__(
        self,
        y: np.ndarray,
        X: np.ndarray,
        group: np.ndarray,
        n_groups: int,
        n_cat: int,
        link: Link = "logit",
        n_quad: int = 10,
    ) -> None:
        super().__init__(y, X, n_cat, link)
        self.group = np.asarray(group, dtype=np.int64)
        self.G = int(n_groups)
        self.S = sp.csr_matrix(
            (np.ones(self.n), (self.group, np.arange(self.n))), shape=(self.G, self.n)
        )
        z, w = np.polynomial.hermite.hermgauss(int(n_quad))
        self.z = z
        self.logw = np.log(w) + z * z
        self.mode = np.zeros(self.G)
        self.mode_iterations = 0

    def _gsum(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.group, weights=v, minlength=self.G)

    def find_mode(
        self,
        offset: np.ndarray,
        cu: np.ndarray,
        cl: np.ndarray,
        sigma: float,
        tol: float = 1e-10,
        max_iter: int = 100,
    ) -> RowTerms:
        """Newton iterations for all conditional modes at once (with step halving)."""
        b = self.mode.copy()
        grp = self.group

        def at(bv: np.ndarray) -> tuple[RowTerms, np.ndarray, np.ndarray, np.ndarray]:
            eta = offset + sigma * bv[grp]
            t = row_terms(self.link, cu - eta, cl - eta, 2)
            val = self._gsum(t.logp) - 0.5 * bv * bv
            return t, val, sigma * self._gsum(t.l1()) - bv, 1.0 - sigma**2 * self._gsum(t.l2())

        t, val, grad, h = at(b)
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007 (recorded below)
            if np.max(np.abs(grad)) < tol:
                break
            step = grad / h
            bn = b + step
            tn, valn, gradn, hn = at(bn)
            bad = valn < val - 1e-12 * (1.0 + np.abs(val))
            halvings = 0
            while np.any(bad) and halvings < 40:
                step = np.where(bad, 0.5 * step, step)
                bn = np.where(bad, b + step, bn)
                tn, valn, gradn, hn = at(bn)
                bad = valn < val - 1e-12 * (1.0 + np.abs(val))
                halvings += 1
            b, t, val, grad, h = bn, tn, valn, gradn, hn
        self.mode = b
        self.mode_iterations = it
        return t

    def loglik(
        self, theta: np.ndarray, beta: np.ndarray, log_sd: float, gradient: bool = True
    ) -> tuple[float, np.ndarray | None]:
        """Approximated log-likelihood and its gradient in (theta, beta, log_sd)."""
        sigma = float(np.exp(log_sd))
        cu, cl = self._cuts(theta)
        offset = self.X @ beta
        self.find_mode(offset, cu, cl, sigma)
        b = self.mode
        eta = offset + sigma * b[self.group]
        tm = row_terms(self.link, cu - eta, cl - eta, 3)
        l1m, l2m, l3m = tm.l1(), tm.l2(), tm.l3()
        S1, S2, S3 = self._gsum(l1m), self._gsum(l2m), self._gsum(l3m)
        h = 1.0 - sigma**2 * S2
        s = 1.0 / np.sqrt(h)
        bq = b[:, None] + np.sqrt(2.0) * s[:, None] * self.z[None, :]  # (G, Q)
        etaq = offset[:, None] + sigma * bq[self.group]  # (n, Q)
        tq = row_terms(self.link, cu[:, None] - etaq, cl[:, None] - etaq, 1 if gradient else 0)
        Gq = np.asarray(self.S @ tq.logp) - 0.5 * bq * bq + self.logw[None, :]
        lse = logsumexp(Gq, axis=1)
        ll_i = lse + np.log(np.sqrt(2.0) * s) - 0.5 * _LOG_2PI
        ll = float(ll_i.sum())
        if not gradient:
            return ll, None
        pi = np.exp(Gq - lse[:, None])  # (G, Q) normalised node weights
        l1q = -(tq.Eu[0] - tq.El[0])
        S1q = np.asarray(self.S @ l1q)
        dgq = sigma * S1q - bq
        A = (pi * dgq).sum(axis=1)
        B = (pi * dgq * np.sqrt(2.0) * self.z[None, :]).sum(axis=1)
        g3 = sigma**3 * S3
        cP = A / h + (B * s + 1.0) * g3 / (2.0 * h * h)
        cQ = (B * s + 1.0) / (2.0 * h)
        pir = pi[self.group]  # (n, Q)
        cPr, cQr = cP[self.group], cQ[self.group]
        w_beta = (pir * l1q).sum(axis=1) + cPr * sigma * l2m + cQr * sigma**2 * l3m
        g_beta = self.X.T @ w_beta
        gu0, gu1, gu2 = tm.theta_terms("u")
        gl0, gl1, gl2 = tm.theta_terms("l")
        wu = (pir * tq.Eu[0]).sum(axis=1) + cPr * sigma * gu1 + cQr * sigma**2 * gu2
        wl = -((pir * tq.El[0]).sum(axis=1) + cPr * sigma * gl1 + cQr * sigma**2 * gl2)
        g_theta = self._theta_grad(wu, wl)
        P_tau = sigma * S1 + sigma**2 * b * S2
        Q_tau = 2.0 * sigma**2 * S2 + sigma**3 * b * S3
        g_tau = float(((pi * sigma * bq * S1q).sum(axis=1) + cP * P_tau + cQ * Q_tau).sum())
        del gu0, gl0
        return ll, np.concatenate([g_theta, g_beta, [g_tau]])

    def conditional_sd(self, log_sd: float, theta: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """SD of each conditional mode on the u scale (sigma / sqrt(h)), at the last modes."""
        sigma = float(np.exp(log_sd))
        cu, cl = self._cuts(theta)
        eta = self.X @ beta + sigma * self.mode[self.group]
        t = row_terms(self.link, cu - eta, cl - eta, 2)
        return sigma / np.sqrt(1.0 - sigma**2 * self._gsum(t.l2()))


class NestedLaplace(_Base):
    r"""Laplace approximation for respondents (inner) nested in villages (outer).

    With :math:`\eta_r = x_r'\beta + \sigma_r b_i + \sigma_v c_v` and standard
    normal :math:`b, c`, the log-integrand of village :math:`v` is
    :math:`g_v = \sum_r \ell_r - \tfrac12 \sum_{i \in v} b_i^2 - \tfrac12 c_v^2`
    (up to constants) and

    .. math::

       \log L_v \approx g_v(\hat m_v) - \tfrac12 \log\det H_v, \qquad
       H_v = I - \sum_{i \in v} S_{2i}\, a_i a_i',\quad
       a_i = \sigma_v e_v + \sigma_r e_i,

    with :math:`S_{2i} = \sum_{r \in i} \ell''_r`: an arrowhead matrix whose
    determinant and solves cost :math:`O(n_v)` through the Schur complement
    :math:`s_v = H_{vv} - \sum_i H_{iv}^2 / H_{ii}`.
    """

    def __init__(
        self,
        y: np.ndarray,
        X: np.ndarray,
        inner: np.ndarray,
        n_inner: int,
        outer_of_inner: np.ndarray,
        n_outer: int,
        n_cat: int,
        link: Link = "logit",
    ) -> None:
        super().__init__(y, X, n_cat, link)
        self.inner = np.asarray(inner, dtype=np.int64)
        self.NI = int(n_inner)
        self.oi = np.asarray(outer_of_inner, dtype=np.int64)  # outer index of each inner group
        self.NO = int(n_outer)
        self.outer_row = self.oi[self.inner]
        self.b = np.zeros(self.NI)
        self.c = np.zeros(self.NO)
        self.mode_iterations = 0

    def _isum(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.inner, weights=v, minlength=self.NI)

    def _osum(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.oi, weights=v, minlength=self.NO)

    def _arrow(
        self, S2: np.ndarray, sr: float, sv: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Hii = 1.0 - sr * sr * S2
        Hiv = -sr * sv * S2
        Hvv = 1.0 - sv * sv * self._osum(S2)
        schur = Hvv - self._osum(Hiv * Hiv / Hii)
        return Hii, Hiv, schur

    def _solve(
        self, Hii: np.ndarray, Hiv: np.ndarray, schur: np.ndarray, ri: np.ndarray, rv: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        xv = (rv - self._osum(Hiv * ri / Hii)) / schur
        xi = (ri - Hiv * xv[self.oi]) / Hii
        return xi, xv

    def find_mode(
        self, offset: np.ndarray, cu: np.ndarray, cl: np.ndarray, sr: float, sv: float,
        tol: float = 1e-10, max_iter: int = 100,
    ) -> RowTerms:
        b, c = self.b.copy(), self.c.copy()

        def at(
            bv: np.ndarray, cv: np.ndarray
        ) -> tuple[RowTerms, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            eta = offset + sr * bv[self.inner] + sv * cv[self.outer_row]
            t = row_terms(self.link, cu - eta, cl - eta, 2)
            S1, S2 = self._isum(t.l1()), self._isum(t.l2())
            val = self._osum(self._isum(t.logp) - 0.5 * bv * bv) - 0.5 * cv * cv
            gi = sr * S1 - bv
            gv = sv * self._osum(S1) - cv
            return t, val, gi, gv, S2

        t, val, gi, gv, S2 = at(b, c)
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007
            if max(np.max(np.abs(gi)), np.max(np.abs(gv))) < tol:
                break
            Hii, Hiv, schur = self._arrow(S2, sr, sv)
            di, dv = self._solve(Hii, Hiv, schur, gi, gv)
            bn, cn = b + di, c + dv
            tn, valn, gin, gvn, S2n = at(bn, cn)
            bad = valn < val - 1e-12 * (1.0 + np.abs(val))
            halvings = 0
            while np.any(bad) and halvings < 40:
                dv = np.where(bad, 0.5 * dv, dv)
                di = np.where(bad[self.oi], 0.5 * di, di)
                bn, cn = b + di, c + dv
                tn, valn, gin, gvn, S2n = at(bn, cn)
                bad = valn < val - 1e-12 * (1.0 + np.abs(val))
                halvings += 1
            b, c, t, val, gi, gv, S2 = bn, cn, tn, valn, gin, gvn, S2n
        self.b, self.c = b, c
        self.mode_iterations = it
        return t

    def loglik(
        self,
        theta: np.ndarray,
        beta: np.ndarray,
        log_sd_inner: float,
        log_sd_outer: float,
        gradient: bool = True,
    ) -> tuple[float, np.ndarray | None]:
        """Laplace log-likelihood and its gradient in (theta, beta, log_sd_inner, log_sd_outer)."""
        sr, sv = float(np.exp(log_sd_inner)), float(np.exp(log_sd_outer))
        cu, cl = self._cuts(theta)
        offset = self.X @ beta
        self.find_mode(offset, cu, cl, sr, sv)
        b, c = self.b, self.c
        eta = offset + sr * b[self.inner] + sv * c[self.outer_row]
        t = row_terms(self.link, cu - eta, cl - eta, 3 if gradient else 2)
        l2 = t.l2()
        S2 = self._isum(l2)
        Hii, Hiv, schur = self._arrow(S2, sr, sv)
        logdet = float(np.log(Hii).sum() + np.log(schur).sum())
        ll = float(t.logp.sum() - 0.5 * (b @ b) - 0.5 * (c @ c) - 0.5 * logdet)
        if not gradient:
            return ll, None
        l1, l3 = t.l1(), t.l3()
        S1, S3 = self._isum(l1), self._isum(l3)
        sch_i = schur[self.oi]
        Mvv = 1.0 / schur
        Mvi = -Hiv / (Hii * sch_i)
        Mii = 1.0 / Hii + Hiv * Hiv / (Hii * Hii * sch_i)
        Ma_v = sv * Mvv[self.oi] + sr * Mvi  # (M a_i)_v
        Ma_i = sv * Mvi + sr * Mii  # (M a_i)_i
        kappa = sv * Ma_v + sr * Ma_i
        ui = S3 * kappa * sr
        uv = sv * self._osum(S3 * kappa)
        vi, vv = self._solve(Hii, Hiv, schur, ui, uv)
        nu = sv * vv[self.oi] + sr * vi
        nur, kar = nu[self.inner], kappa[self.inner]
        w_beta = l1 + 0.5 * nur * l2 + 0.5 * kar * l3
        g_beta = self.X.T @ w_beta
        _, gu1, gu2 = t.theta_terms("u")
        _, gl1, gl2 = t.theta_terms("l")
        wu = t.Eu[0] + 0.5 * nur * gu1 + 0.5 * kar * gu2
        wl = -(t.El[0] + 0.5 * nur * gl1 + 0.5 * kar * gl2)
        g_theta = self._theta_grad(wu, wl)
        common = S1 + 0.5 * nu * S2 + 0.5 * kappa * S3
        g_tr = float((sr * b * common + 0.5 * S1 * vi * sr + S2 * sr * Ma_i).sum())
        g_tv = float(
            (sv * c[self.oi] * common + 0.5 * S1 * vv[self.oi] * sv + S2 * sv * Ma_v).sum()
        )
        return ll, np.concatenate([g_theta, g_beta, [g_tr, g_tv]])

    def conditional_sd(
        self, log_sd_inner: float, log_sd_outer: float, theta: np.ndarray, beta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posterior SDs (u scale) of respondent and village effects from the Laplace Hessian."""
        sr, sv = float(np.exp(log_sd_inner)), float(np.exp(log_sd_outer))
        cu, cl = self._cuts(theta)
        eta = self.X @ beta + sr * self.b[self.inner] + sv * self.c[self.outer_row]
        t = row_terms(self.link, cu - eta, cl - eta, 2)
        Hii, Hiv, schur = self._arrow(self._isum(t.l2()), sr, sv)
        Mii = 1.0 / Hii + Hiv * Hiv / (Hii * Hii * schur[self.oi])
        return sr * np.sqrt(Mii), sv * np.sqrt(1.0 / schur)
