"""Confidence sets by test inversion: bisection on a p-value function."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["invert_p_value"]


def invert_p_value(
    p_value: Callable[[float], float],
    estimate: float,
    scale: float,
    alpha: float,
    side: int,
    *,
    max_steps: float = 1e8,
) -> float:
    """One bound of ``{theta: p(theta) > alpha}`` on one side of the estimate.

    Starting at ``estimate`` (where p is 1), step outward by ``2 * scale``,
    doubling until ``p <= alpha``; then bisect between the last accepted and
    the first rejected value to a relative 1e-12.  If p stays above alpha up
    to ``max_steps * scale`` away, the set is unbounded on that side and
    ``side * inf`` is returned.  (p is a step function, so the bisection ends
    at one of its jumps; if p is not monotone the bound is the first
    crossing found this way, as in boottest.)
    """
    scale = max(float(scale), 1e-300)
    inside = estimate
    step = 2.0 * scale
    outside = estimate + side * step
    while p_value(outside) > alpha:
        inside = outside
        step *= 2.0
        if step > max_steps * scale:
            return side * np.inf
        outside = estimate + side * step
    tol = 1e-12 * max(scale, abs(estimate))
    for _ in range(200):
        mid = 0.5 * (inside + outside)
        if abs(outside - inside) <= tol or mid in (inside, outside):
            break
        if p_value(mid) > alpha:
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)
