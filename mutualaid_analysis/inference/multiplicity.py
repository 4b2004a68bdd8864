"""Multiplicity adjustment of p-values: Holm step-down and Benjamini-Hochberg step-up.

The one home of both adjustments; they match R's ``p.adjust(p, "holm")`` and
``p.adjust(p, "BH")``.  Missing p-values (NaN) stay NaN and are not counted
in the number of tests ``m``, as R does with ``n = sum(!is.na(p))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np

from ..exceptions import UsageError

__all__ = ["ADJUSTMENTS", "Adjustment", "adjust_p", "bh", "holm"]

Adjustment = Literal["holm", "BH"]
ADJUSTMENTS: tuple[str, ...] = get_args(Adjustment)


def adjust_p(p: Sequence[float] | np.ndarray, method: Adjustment = "holm") -> np.ndarray:
    """Adjusted p-values by ``method`` ("holm" or "BH"), NaN kept and not counted.

    With the ``m`` non-missing p-values sorted, ``p_(1) <= ... <= p_(m)``:

    * Holm: ``min(1, max_{j <= i} (m - j + 1) p_(j))``;
    * BH: ``min(1, min_{j >= i} m p_(j) / j)``.

    Ties are ranked in input order (a stable sort); the adjusted values do
    not depend on that choice.
    """
    if method not in ADJUSTMENTS:
        raise UsageError(f"adjust must be one of {list(ADJUSTMENTS)}, not {method!r}.")
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = m / np.arange(1, m + 1) * ranked
        adj = np.minimum.accumulate(adj[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values, as R's ``p.adjust(p, "holm")`` (see :func:`adjust_p`)."""
    return adjust_p(p, "holm")


def bh(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, as R's ``p.adjust(p, "BH")`` (see :func:`adjust_p`)."""
    return adjust_p(p, "BH")
