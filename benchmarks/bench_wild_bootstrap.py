"""Benchmark: the vectorised wild cluster restricted bootstrap beside a naive loop.

Two designs, N = 1,500 respondents, k = 5 columns (intercept, cluster-level
treatment, three covariates):

* G = 12 villages: Rademacher weights, all 2^12 = 4,096 sign vectors;
* G = 30 villages: Webb six-point weights, B = 9,999.

For each, the vectorised :func:`wild_cluster_bootstrap` is timed for the
p-value alone and for the p-value plus the confidence interval by test
inversion.  The naive reference (``tests/reference/naive.py``: one lstsq
refit and a loop over clusters per replication, the reference the tests
use) is timed on ``--naive-reps`` replications and scaled up linearly to B;
its CI would need that cost again for each of the ~40-60 bisection steps,
so only the p-value ratio is reported for it.

Run::

    python benchmarks/bench_wild_bootstrap.py
    python benchmarks/bench_wild_bootstrap.py --naive-reps 100 --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

from mutualaid_analysis.inference import bootstrap_weight_matrix, wild_cluster_bootstrap

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reference"))
import naive_inference as naive

N, K = 1500, 5


def make_data(G: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(N - 20 * G, np.ones(G) / G) + 20
    g = np.repeat(np.arange(G), sizes)
    treat = (np.arange(G) < G // 2).astype(float)[g]
    X = np.column_stack([np.ones(N), treat, rng.normal(size=(N, K - 2))])
    y = X @ np.r_[1.0, 0.2, rng.normal(size=K - 2)] + rng.normal(size=G)[g] + rng.normal(size=N)
    return y, X, g


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--naive-reps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"N = {N}, k = {K}; best of {args.repeat}; naive loop timed on "
        f"{args.naive_reps} replications and scaled to B"
    )
    print(f"{'design':<34}{'p only':>10}{'p + CI':>10}{'naive p (scaled)':>18}{'ratio':>9}")
    for G, B, label in (
        (12, 9999, "G=12, Rademacher, 4096 enumerated"),
        (30, 9999, "G=30, Webb, B=9999"),
    ):
        y, X, g = make_data(G)
        res = wild_cluster_bootstrap(y, X, g, 1, n_boot=B, seed=7)
        p_only = partial(wild_cluster_bootstrap, y, X, g, 1, n_boot=B, seed=7, conf_int=False)
        t_p = best_of(p_only, args.repeat)
        t_ci = best_of(partial(wild_cluster_bootstrap, y, X, g, 1, n_boot=B, seed=7), args.repeat)
        V, _, _ = bootstrap_weight_matrix(G, B, "auto", seed=7)
        sub = V[:, : args.naive_reps]
        t_naive = best_of(partial(naive.wcr_t_star, y, X, g, 1, 0.0, sub), 1)
        t_naive *= V.shape[1] / sub.shape[1]
        print(f"{label:<34}{t_p:>9.3f}s{t_ci:>9.3f}s{t_naive:>17.2f}s{t_naive / t_p:>8.0f}x")
        print(
            f"{'':<34}p = {res.p_value:.4f}, CI = [{res.conf_int[0]:.4f}, "
            f"{res.conf_int[1]:.4f}], B = {res.B}"
        )


if __name__ == "__main__":
    main()
