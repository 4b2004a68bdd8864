"""Deliberately naive reference implementations, for tests and benchmarks only.

Each loops over replications / assignments / clusters and refits with
``numpy.linalg.lstsq``, sharing no code with :mod:`mutualaid_analysis.inference`.
"""

from __future__ import annotations

import itertools

import numpy as np

TIE_RTOL = 1e-10  # the documented tie convention of wild_cluster_bootstrap


def cr1_t(y, X, codes, j, beta0):
    """CR1S t statistic for coefficient j (Stata small-sample factor)."""
    n, k = X.shape
    G = codes.max() + 1
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ beta
    Minv = np.linalg.inv(X.T @ X)
    meat = np.zeros((k, k))
    for g in range(G):
        rows = codes == g
        s = X[rows].T @ e[rows]
        meat += np.outer(s, s)
    V = G / (G - 1) * (n - 1) / (n - k) * Minv @ meat @ Minv
    return (beta[j] - beta0) / np.sqrt(V[j, j])


def wcr_t_star(y, X, codes, j, beta0, V):
    """Bootstrap t statistics, one refit per column of the weight matrix V."""
    xj = X[:, j]
    Xr = np.delete(X, j, axis=1)
    gamma = np.linalg.lstsq(Xr, y - beta0 * xj, rcond=None)[0]
    fitted = Xr @ gamma + beta0 * xj
    u = y - fitted
    return np.array([cr1_t(fitted + u * v[codes], X, codes, j, beta0) for v in V.T])


def wcr_p_value(y, X, codes, j, beta0, V):
    t = abs(cr1_t(y, X, codes, j, beta0))
    ts = np.abs(wcr_t_star(y, X, codes, j, beta0, V))
    return float(np.mean(ts >= t * (1 - TIE_RTOL)))


def sign_vectors(G):
    """All 2**G Rademacher vectors, as columns (bit order as the package's)."""
    bits = (np.arange(2**G)[None, :] >> np.arange(G)[:, None]) & 1
    return bits * 2.0 - 1.0


def randomization_stats(y, X_other, codes, treated_sets, G, stat="coef"):
    """Coefficient (or CR1S t) of the treatment dummy for each set of treated clusters."""
    out = []
    for treated in treated_sets:
        d = np.isin(codes, list(treated)).astype(float)
        X = np.column_stack([d, X_other])
        if stat == "coef":
            out.append(np.linalg.lstsq(X, y, rcond=None)[0][0])
        else:
            out.append(cr1_t(y, X, codes, 0, 0.0))
    return np.array(out)


def all_assignments(G, G1):
    return list(itertools.combinations(range(G), G1))


def cr2_dense(y, X, codes):
    """CR2 vcov for OLS with dense (I - H_gg)^(-1/2), pseudo-inverse for zero eigenvalues."""
    G = codes.max() + 1
    Minv = np.linalg.inv(X.T @ X)
    e = y - X @ (Minv @ X.T @ y)
    meat = np.zeros((X.shape[1],) * 2)
    for g in range(G):
        rows = codes == g
        Xg = X[rows]
        vals, vecs = np.linalg.eigh(np.eye(rows.sum()) - Xg @ Minv @ Xg.T)
        inv_sqrt = np.where(vals > 1e-12, 1 / np.sqrt(np.clip(vals, 1e-300, None)), 0.0)
        A = (vecs * inv_sqrt) @ vecs.T
        s = Xg.T @ A @ e[rows]
        meat += np.outer(s, s)
    return Minv @ meat @ Minv
