"""Benchmark: the cumulative link model on a national-panel-sized survey.

Target (issue: fit_ordinal): 100,000 respondents x 3 circles x 3 services
(900,000 willingness answers, ~870,000 after missing codes), two covariates
and one moderator, village-cluster-robust standard errors: the whole set of
steps under a minute on 2 cores.

Run::

    python benchmarks/bench_fit_ordinal.py                       # 40 villages x 2,500
    python benchmarks/bench_fit_ordinal.py --villages 12 --per-village 40

Steps, each timed on its own (wall clock, one run each):

1. ``simulate_survey`` -- draw the survey (baseline wave only);
2. ``ordinal_design`` -- long data and design matrix;
3. ``clm_fit`` -- the Newton-Raphson maximiser alone (on the design of step 2);
4. ``fit_ordinal`` (cluster) -- the whole analysis as a user calls it: design,
   collinearity check, fit, village-cluster sandwich, table, predicted
   probabilities (average and at means, with delta-method intervals);
5. ``fit_ordinal`` (respondent) -- the same clustered by respondent
   (100,000 clusters).

The total of steps 1, 2, 4 and 5 is what the target refers to ("everything").
"""

from __future__ import annotations

import argparse
import os
import time

import mutualaid_analysis as ma
from mutualaid_analysis.models import fit_ordinal, ordinal_design
from mutualaid_analysis.models.clm import clm_fit

COVARIATES = ["age", "sex"]
MODERATORS = ["lives_alone"]
TARGET_SECONDS = 60.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--villages", type=int, default=40)
    ap.add_argument("--per-village", type=int, default=2500)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    times: dict[str, float] = {}

    def step(name: str, fn):
        t0 = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - t0
        print(f"{name:44s}{times[name]:10.2f} s", flush=True)
        return out

    print(f"cores available: {os.cpu_count()}")
    survey, _ = step(
        "simulate_survey",
        lambda: ma.simulate_survey(
            seed=args.seed, n_villages=args.villages, per_village=args.per_village, waves=1
        ),
    )
    design = step("ordinal_design", lambda: ordinal_design(survey, COVARIATES, MODERATORS))
    print(
        f"  {design.n_respondents:,} respondents, {design.n_clusters} villages, "
        f"{design.n:,} answers, {design.X.shape[1]} terms + {len(design.categories) - 1} "
        "thresholds"
    )
    fit = step("clm_fit (Newton, on that design)", lambda: clm_fit(design.y, design.X, 5))
    print(f"  {fit.iterations} Newton iterations, converged: {fit.converged}")
    res = step(
        "fit_ordinal, village-cluster (whole analysis)",
        lambda: fit_ordinal(survey, COVARIATES, MODERATORS),
    )
    step(
        "fit_ordinal, respondent-cluster",
        lambda: fit_ordinal(survey, COVARIATES, MODERATORS, vcov="respondent"),
    )
    total = sum(v for k, v in times.items() if not k.startswith("clm_fit"))
    print(
        f"{'total (simulate, design, two analyses)':44s}{total:10.2f} s  "
        f"(target < {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'NOT met'})"
    )
    print()
    print(res.table[["term", "estimate", "std_error", "p_value"]].to_string(index=False))


if __name__ == "__main__":
    main()
