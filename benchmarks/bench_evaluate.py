"""Benchmark: the few-cluster inference of ``evaluate`` at the sizes the issue names.

1. **Wild cluster bootstrap, 100,000 rows, 50 villages, B = 9,999** (Webb
   weights, since 2^50 > B): the DiD model of ``evaluate`` on the long panel
   of a simulated survey (``simulate_survey(seed=1, n_villages=50,
   per_village=1053)``: about 100,000 respondent-wave rows).  The
   vectorised :func:`~mutualaid_analysis.inference.wild_cluster_bootstrap`
   (cluster sums once, each draw O(G k)) is timed for the p-value alone and
   with the CI by test inversion, beside the naive loop
   (``tests/reference/naive_inference.py``: one least-squares refit and a
   loop over villages per draw) timed on ``--naive-reps`` draws and scaled
   to B.  Target: under 1 second.
2. **Randomisation inference, 12 villages (924 assignments)**: the ANCOVA
   (:func:`~mutualaid_analysis.inference.randomization_test`) and DiD
   (:func:`~mutualaid_analysis.evaluation.did_randomization_test`) tests of
   ``evaluate(design="randomized")`` on the bundled sample and on a
   12-village survey with about 100,000 rows, p-value plus CI.  Target:
   under 1 second.
3. The whole ``evaluate(..., design="randomized")`` on the sample, and
   ``evaluate(..., design="comparison")`` on the 100,000-row survey.

Run::

    python benchmarks/bench_evaluate.py
    python benchmarks/bench_evaluate.py --naive-reps 20 --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

import mutualaid_analysis as ma
from mutualaid_analysis.evaluation import did_randomization_test, evaluate
from mutualaid_analysis.evaluation.design import resolve_outcome, study_design
from mutualaid_analysis.evaluation.effects import (
    build_panel,
)
from mutualaid_analysis.inference import (
    bootstrap_weight_matrix,
    randomization_test,
    wild_cluster_bootstrap,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reference"))
import naive_inference as naive


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def did_arrays(survey, outcome: str = "gses"):
    """The DiD design of evaluate(): y, X (intercept, treated, post, treated:post), village."""
    spec = study_design(survey, "comparison")
    values = resolve_outcome(survey, outcome).values
    panel = build_panel(survey, values, [], spec)
    long = panel.long
    y = long["y"].to_numpy(float)
    t = long["treat"].to_numpy(float)
    p = long["post"].to_numpy(float)
    X = np.column_stack([np.ones(len(long)), t, p, t * p])
    g = long["cluster"].to_numpy()
    resp = panel.resp.dropna(subset=["pre", "post"])
    Xa = np.column_stack([np.ones(len(resp)), resp["treat"], resp["pre"]]).astype(float)
    return y, X, g, resp["post"].to_numpy(float), Xa, resp["cluster"].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--naive-reps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print("1. Wild cluster restricted bootstrap, DiD on the long panel, Webb, B = 9,999")
    t0 = time.perf_counter()
    big, _ = ma.simulate_survey(seed=1, n_villages=50, per_village=1053)
    print(f"   (simulated the survey in {time.perf_counter() - t0:.1f}s)")
    # A complete-case GSES sum leaves some rows out; willingness toward villagers
    # (mean over services) is observed for nearly every row.
    y, X, g, *_ = did_arrays(big, "villagers")
    n, G = len(y), len(np.unique(g))
    print(f"   rows = {n:,}, villages = {G}, k = {X.shape[1]}")
    wb = partial(wild_cluster_bootstrap, y, X, g, 3, n_boot=9999, seed=7)
    t_p = best_of(partial(wb, conf_int=False), args.repeat)
    t_ci = best_of(wb, args.repeat)
    res = wb()
    V, _, _ = bootstrap_weight_matrix(G, 9999, "auto", seed=7)
    sub = V[:, : args.naive_reps]
    codes = pd.factorize(g)[0]
    t_naive = best_of(partial(naive.wcr_t_star, y, X, codes, 3, 0.0, sub), 1)
    t_naive_total = t_naive * V.shape[1] / sub.shape[1]
    print(
        f"   vectorised: p only {t_p:.3f}s, p + CI {t_ci:.3f}s "
        f"(p = {res.p_value:.4f}, CI [{res.conf_int[0]:.4f}, {res.conf_int[1]:.4f}])"
    )
    print(
        f"   naive refit loop: {t_naive:.2f}s for {sub.shape[1]} draws -> "
        f"{t_naive_total:.0f}s extrapolated to B = {V.shape[1]} "
        f"({t_naive_total / t_p:.0f}x the vectorised p-value)"
    )

    print("2. Randomisation inference, 12 villages, all 924 assignments, p + CI")
    sample = ma.load_sample()
    big12, _ = ma.simulate_survey(seed=2, n_villages=12, per_village=4400)
    for label, survey in (("sample", sample), ("12 villages, ~100k rows", big12)):
        y, X, g, ypost, Xa, ga = did_arrays(survey, "villagers")
        treated = np.unique(g[X[:, 1] == 1])
        t_anc = best_of(partial(randomization_test, ypost, Xa, ga, 1), args.repeat)
        t_did = best_of(
            partial(did_randomization_test, y, X[:, [0, 2]], X[:, 2], g, treated), args.repeat
        )
        r = did_randomization_test(y, X[:, [0, 2]], X[:, 2], g, treated)
        print(
            f"   {label:<24} rows = {len(y):>7,}: ANCOVA {t_anc:.3f}s, DiD {t_did:.3f}s "
            f"({r['n_assignments']} assignments, DiD p = {r['p_value']:.4f})"
        )

    print("3. Whole evaluate()")
    t_s = best_of(
        partial(evaluate, sample, outcome="gses", design="randomized", seed=1), args.repeat
    )
    print(f"   sample (931 rows), design='randomized': {t_s:.3f}s")
    t_b = best_of(partial(evaluate, big, outcome="villagers", seed=1), 1)
    print(f"   {len(big.data):,} rows, 50 villages, design='comparison': {t_b:.2f}s")


if __name__ == "__main__":
    main()
