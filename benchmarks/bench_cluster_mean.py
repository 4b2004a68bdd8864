"""Benchmark: ``cluster_mean`` by its closed form beside the general ``cluster_ols``.

An unweighted ``cluster_mean`` computes the intercept-only CR2 variance and
its Satterthwaite df in closed form (O(n + G)); the general path,
``cluster_ols`` on a column of ones, takes a small eigendecomposition per
village.  Both give the same numbers (to 1e-12; ``tests/test_cluster_mean_fast.py``).

Run::

    python benchmarks/bench_cluster_mean.py              # 12 x 50 and 40 x 2,500
    python benchmarks/bench_cluster_mean.py --repeat 50

Each line is the median time of one call over ``--repeat`` calls, for
villages of unequal size (50 or 2,500 respondents on average) with a
random village effect; the ratio is general / closed form.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mutualaid_analysis.inference import cluster_mean, cluster_ols

CASES = ((12, 50), (40, 2_500))


def _data(G: int, per: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(per // 2, per + per // 2 + 1, size=G)
    village = np.repeat(np.arange(G), sizes)
    y = rng.normal(size=G)[village] + rng.normal(size=village.size)
    return y, village


def _median_time(fn, args: tuple, repeat: int, **kwargs) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="calls per timing (median)")
    args = parser.parse_args()
    print(f"{'villages x mean size':>22} {'n':>8} {'closed form':>12} {'general':>12} {'ratio':>7}")
    for G, per in CASES:
        y, village = _data(G, per)
        ones = np.ones((y.size, 1))
        fast = _median_time(cluster_mean, (y, village), args.repeat)
        slow = _median_time(cluster_ols, (y, ones, village), args.repeat, names=["mean"])
        print(f"{f'{G} x {per:,}':>22} {y.size:>8,} {fast * 1e3:>10.3f}ms {slow * 1e3:>10.3f}ms "
              f"{slow / fast:>6.1f}x")


if __name__ == "__main__":
    main()
