"""Benchmark: the gradient analyses on 100,000 respondents x 3 circles x 3 services.

Target (issue: the differential-mode pattern): every step below -- the
description, the ordering tests, profiles, scalability and the cumulative
link model (one moderator) -- together finishes in under a minute on 2 cores.

Run::

    python benchmarks/bench_gradient_tests.py                 # 100,000 respondents
    python benchmarks/bench_gradient_tests.py --respondents 20000

The survey is simulated (``simulate_survey``, one wave, 20 villages, default
design: missing codes 98/99 in about 3% of the cells, so some respondents are
left out per service).  Each step is timed once; the simulation is not part
of the target.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import mutualaid_analysis as ma
from mutualaid_analysis.gradient import classify_profiles, gradient, scalability, test_ordering
from mutualaid_analysis.models import fit_ordinal

STEPS: list[tuple[str, Callable[[Any], Any]]] = [
    ("gradient (pooled)", lambda s: gradient(s)),
    ("gradient (each service, by arm)", lambda s: gradient(s, by="arm", service="each")),
    ("test_ordering (pooled)", lambda s: test_ordering(s)),
    ("test_ordering (each service)", lambda s: test_ordering(s, service="each")),
    ("test_ordering (pooled, by arm)", lambda s: test_ordering(s, by="arm")),
    ("classify_profiles (pooled)", lambda s: classify_profiles(s)),
    (
        "classify_profiles (each service, by arm)",
        lambda s: classify_profiles(s, service="each", by="arm"),
    ),
    ("scalability (pooled, cluster delta SE)", lambda s: scalability(s)),
    ("scalability (each service, by arm)", lambda s: scalability(s, service="each", by="arm")),
    (
        "scalability (pooled, cluster bootstrap B=999)",
        lambda s: scalability(s, se="bootstrap", n_boot=999, seed=1),
    ),
    (
        "fit_ordinal (all items, age + sex, x lives_alone)",
        lambda s: fit_ordinal(s, ["age", "sex"], ["lives_alone"]),
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    per_village = max(1, args.respondents // args.villages)
    t0 = time.perf_counter()
    survey, _ = ma.simulate_survey(
        seed=args.seed, n_villages=args.villages, per_village=per_village, waves=1
    )
    print(
        f"simulate_survey: {survey.n_analysed:,} respondents in {args.villages} villages "
        f"({time.perf_counter() - t0:.2f} s, not counted)"
    )
    total = 0.0
    for name, step in STEPS:
        t = time.perf_counter()
        res = step(survey)
        dt = time.perf_counter() - t
        total += dt
        print(f"{name:<48s} {dt:7.2f} s   ({len(res.table)} rows)")
    print(f"{'total':<48s} {total:7.2f} s   (target < 60 s on 2 cores)")
    return 0 if total < 60 else 1


if __name__ == "__main__":
    raise SystemExit(main())
