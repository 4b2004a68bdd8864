"""Input checking shared by the inference functions: arrays in, clear errors out.

Nothing here drops a row: a missing value, a mismatched length or a
rank-deficient design is a :class:`~mutualaid_analysis.exceptions.UsageError`
that says what was wrong and where.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import UsageError

__all__ = ["Design", "check_design", "collinear_columns"]


@dataclass(frozen=True)
class Design:
    """Checked regression inputs, rows sorted by nothing (input order kept).

    ``codes`` are cluster codes 0..G-1 in order of first appearance;
    ``labels`` the original cluster labels in that order.
    """

    y: np.ndarray
    X: np.ndarray
    codes: np.ndarray
    labels: np.ndarray
    weights: np.ndarray | None
    names: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(self.labels.shape[0])


def as_float_vector(x: Any, what: str) -> np.ndarray:
    """``x`` (array, Series or one-column DataFrame) as a 1-d float array, else UsageError."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise UsageError(
                f"{what} must be one column; got a DataFrame with {x.shape[1]} columns."
            )
        x = x.iloc[:, 0]
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"{what} must be numeric; could not convert it to numbers ({exc})."
        ) from exc
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise UsageError(f"{what} must be one-dimensional; got shape {arr.shape}.")
    return arr


def _nan_rows(arr: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(arr)
    if bad.ndim == 2:
        bad = bad.any(axis=1)
    return np.flatnonzero(bad)


def _rows_text(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    more = f" and {rows.size - limit} more" if rows.size > limit else ""
    return f"{rows.size} row{'s' * (rows.size != 1)} (positions {shown}{more})"


def collinear_columns(X: np.ndarray, names: Sequence[str]) -> list[str]:
    """Names of the columns involved in an exact linear dependence (empty if full rank)."""
    if X.shape[1] == 0:
        return []
    scale = np.sqrt((X**2).sum(axis=0))
    scale[scale == 0] = 1.0
    Xs = X / scale
    _, s, vt = np.linalg.svd(Xs, full_matrices=False)
    tol = max(Xs.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0) * 10
    rank = int((s > tol).sum())
    if rank == X.shape[1]:
        return []
    null = vt[rank:]
    involved = np.flatnonzero((np.abs(null) > 1e-8).any(axis=0))
    return [str(names[i]) for i in involved.tolist()]


def check_design(
    y: Any,
    X: Any,
    cluster: Any,
    *,
    weights: Any = None,
    names: Sequence[str] | None = None,
) -> Design:
    """Validate and convert regression inputs; raise :class:`UsageError` on any problem.

    Checks: numeric y and X, equal lengths, no missing or infinite values in
    y, X, cluster or weights, strictly positive weights, at least two
    clusters, more observations than columns, and a full-rank X (the error
    names the collinear columns).
    """
    yv = as_float_vector(y, "y")
    n = yv.shape[0]
    if isinstance(X, pd.Series):
        X = X.to_frame()
    col_names: list[str] | None = None
    if isinstance(X, pd.DataFrame):
        col_names = [str(c) for c in X.columns]
    try:
        Xa = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"X must be numeric; could not convert it to numbers ({exc}).") from exc
    if Xa.ndim == 1:
        Xa = Xa.reshape(-1, 1)
    if Xa.ndim != 2:
        raise UsageError(f"X must be two-dimensional (rows x columns); got shape {Xa.shape}.")
    k = Xa.shape[1]
    if names is not None:
        names = [str(s) for s in names]
        if len(names) != k:
            raise UsageError(f"names has {len(names)} entries but X has {k} columns.")
        if len(set(names)) != k:
            raise UsageError(f"names must be unique; got {names}.")
        col_names = list(names)
    if col_names is None:
        col_names = [f"x{j}" for j in range(k)]
    if k == 0:
        raise UsageError("X has no columns.")
    cl = np.asarray(cluster.to_numpy() if isinstance(cluster, pd.Series | pd.Index) else cluster)
    if cl.ndim != 1:
        raise UsageError(f"cluster must be one-dimensional; got shape {cl.shape}.")
    lengths = {"y": n, "X": Xa.shape[0], "cluster": cl.shape[0]}
    w = None
    if weights is not None:
        w = as_float_vector(weights, "weights")
        lengths["weights"] = w.shape[0]
    if len(set(lengths.values())) != 1:
        shown = ", ".join(f"{key} has {v}" for key, v in lengths.items())
        raise UsageError(f"Inputs have different numbers of rows: {shown}.")
    problems = []
    for what, arr in (("y", yv), ("X", Xa)) + ((("weights", w),) if w is not None else ()):
        bad = _nan_rows(arr)
        if bad.size:
            problems.append(f"{what} has missing or infinite values in {_rows_text(bad)}")
    cl_missing = np.flatnonzero(pd.isna(cl))
    if cl_missing.size:
        problems.append(f"cluster is missing in {_rows_text(cl_missing)}")
    if problems:
        raise UsageError(
            "Cannot fit: " + "; ".join(problems) + ". Nothing is dropped silently: remove or "
            "impute these rows before calling (and record them in the ledger)."
        )
    if w is not None and (w <= 0).any():
        bad = np.flatnonzero(w <= 0)
        raise UsageError(
            f"weights must be strictly positive; {_rows_text(bad)} have weight <= 0. "
            "Remove those rows explicitly if they are meant to be excluded."
        )
    codes, uniques = pd.factorize(pd.Series(cl), sort=False)
    labels = np.asarray(uniques)
    G = labels.shape[0]
    if G < 2:
        raise UsageError(f"Cluster-robust inference needs at least 2 clusters; the data have {G}.")
    if n <= k:
        raise UsageError(f"X has {k} columns but there are only {n} observations.")
    Xw = Xa if w is None else Xa * np.sqrt(w)[:, None]
    bad_cols = collinear_columns(Xw, col_names)
    if bad_cols:
        raise UsageError(
            "X is rank deficient: these columns are linearly dependent: "
            + ", ".join(repr(c) for c in bad_cols)
            + ". Drop one of them (for example a dummy for a reference category, or a "
            "cluster-level variable together with cluster fixed effects)."
        )
    return Design(
        y=yv,
        X=Xa,
        codes=np.asarray(codes, dtype=np.intp),
        labels=labels,
        weights=w,
        names=tuple(col_names),
    )
