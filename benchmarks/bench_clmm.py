"""Benchmark: the cumulative link mixed model beside R's ``ordinal::clmm`` on the same data.

Target (issue: ordinal mixed model): ``fit_ordinal_mixed`` with a random
intercept per respondent and 10 adaptive Gauss-Hermite nodes is faster than
``clmm(..., nAGQ = 10)`` on 20,000 respondents x 3 circles with five
covariates.

Run::

    python benchmarks/bench_clmm.py                      # 20,000 respondents, nAGQ 10
    python benchmarks/bench_clmm.py --respondents 5000 --nested
    python benchmarks/bench_clmm.py --no-r                # Python only

The data are the baseline wave of ``simulate_survey`` (40 villages; the
daily-care items for the three circles; covariates age, sex, schooling,
health and migrated children).  The same long data (one row per answer) are
written to a temporary CSV that R reads; R's time is that of the ``clmm``
call alone (``proc.time`` around it, reading and reshaping excluded), and
Python's that of ``fit_ordinal_mixed`` including the design, the standard
errors and the predictions.  ``--nested`` also times respondent-within-village
(Laplace) fits.  R is used only when ``Rscript`` and the ``ordinal``
package are installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import mutualaid_analysis as ma
from mutualaid_analysis.models import fit_ordinal_mixed

COVARIATES = ["age", "sex", "schooling", "health", "n_migrated"]

R_SCRIPT = r"""
suppressPackageStartupMessages(library(ordinal))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$y <- factor(d$y, ordered = TRUE)
d$circle <- factor(d$circle, levels = c("relatives", "friends", "villagers"))
d$sex <- factor(d$sex)
d$resp <- factor(d$resp)
d$village <- factor(d$village)
form <- if (args[2] == "nested") {
  y ~ circle + age + sex + schooling + health + n_migrated + (1 | village) + (1 | village:resp)
} else {
  y ~ circle + age + sex + schooling + health + n_migrated + (1 | resp)
}
t0 <- proc.time()[["elapsed"]]
m <- suppressWarnings(clmm(form, data = d, nAGQ = as.integer(args[3])))
elapsed <- proc.time()[["elapsed"]] - t0
cat(sprintf('{"seconds": %.3f, "logLik": %.10f, "beta": [%s], "sd": [%s], "ordinal": "%s"}\n',
            elapsed, as.numeric(logLik(m)), paste(sprintf("%.8f", m$beta), collapse = ", "),
            paste(sprintf("%.8f", unlist(m$ST)), collapse = ", "),
            as.character(packageVersion("ordinal"))))
"""


def have_r_ordinal() -> bool:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return False
    proc = subprocess.run(
        [rscript, "-e", "quit(status = !requireNamespace('ordinal', quietly = TRUE))"],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def run_r(csv: Path, kind: str, n_agq: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(R_SCRIPT)
        script = fh.name
    proc = subprocess.run(
        ["Rscript", script, str(csv), kind, str(n_agq)], capture_output=True, text=True, check=True
    )
    Path(script).unlink()
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--respondents", type=int, default=20_000)
    ap.add_argument("--n-quad", type=int, default=10)
    ap.add_argument("--nested", action="store_true", help="also time the nested Laplace fit")
    ap.add_argument("--no-r", action="store_true", help="do not run R")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    n_villages = 40
    per_village = max(1, a.respondents // n_villages)
    t0 = time.perf_counter()
    survey, _ = ma.simulate_survey(
        seed=a.seed, n_villages=n_villages, per_village=per_village, waves=1
    )
    print(f"simulated {n_villages * per_village} respondents in {time.perf_counter() - t0:.1f} s")
    runs = [("respondent", ["respondent"], a.n_quad)]
    if a.nested:
        runs.append(("nested", ["respondent", "village"], 1))
    use_r = not a.no_r and have_r_ordinal()
    if not a.no_r and not use_r:
        print("R with the 'ordinal' package is not installed: Python timings only.")
    results = {}
    for label, random, nq in runs:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ma.MutualAidWarning)
            fit = fit_ordinal_mixed(
                survey, COVARIATES, random=random, n_quad=nq, service="daily_care"
            )
        secs = time.perf_counter() - t0
        how = f"nAGQ={nq}" if nq > 1 else "Laplace"
        sds = ", ".join(f"{k} {v:.4f}" for k, v in fit.random_sd.items())
        print(
            f"[{label}, {how}] python fit_ordinal_mixed: {secs:.2f} s "
            f"({fit.nobs} answers; logLik {fit.loglik:.4f}; {sds})"
        )
        results[label] = (fit, secs)
    if not use_r:
        return
    design_fit = results["respondent"][0]
    design = design_fit.design
    assert design is not None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "long.csv"
        d = design.data
        frame = d[["resp_id", "village", *COVARIATES, "circle"]].rename(columns={"resp_id": "resp"})
        frame = frame.assign(y=d["answer"].astype(int))
        frame.to_csv(csv, index=False)
        for label, _random, nq in runs:
            r = run_r(csv, label, nq)
            fit, secs = results[label]
            beta_py = fit.coef.to_numpy()
            how = f"nAGQ={nq}" if nq > 1 else "Laplace"
            print(
                f"[{label}, {how}] R ordinal::clmm ({r['ordinal']}): {r['seconds']:.2f} s "
                f"(logLik {r['logLik']:.4f}; sd {r['sd']})"
            )
            print(
                f"    max |beta_python - beta_R| = "
                f"{np.max(np.abs(beta_py - np.asarray(r['beta']))):.2e}; "
                f"logLik difference {fit.loglik - r['logLik']:.2e}"
            )
            print(f"    speed-up: clmm time / python time = {r['seconds'] / secs:.1f}x")


if __name__ == "__main__":
    main()
