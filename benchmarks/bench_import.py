"""Benchmark: how long ``import mutualaid_analysis`` takes, beside importing everything eagerly.

Run::

    python benchmarks/bench_import.py              # median of 11 fresh processes each
    python benchmarks/bench_import.py --repeat 21

Each statement runs in a fresh Python process (nothing cached in
``sys.modules``), alternating the statements so that all see the same machine
state; the figure is the median over ``--repeat`` processes of the time the
statement takes inside the process (``time.perf_counter`` around it), and of
the whole process's wall time (interpreter start-up included).  Python may
write its bytecode cache (``PYTHONDONTWRITEBYTECODE`` is cleared, and a first
run imports every module once), so the figures are those of an installed
package, not of compiling its source each time.

- ``eager analyses``: what ``import mutualaid_analysis`` did before the
  analyses were imported lazily: the package and its analyses (``models``,
  ``gradient``, ``evaluation``), which load scipy.
- ``every submodule``: the naive baseline, every module of the package
  imported (the plots and matplotlib, the report, the command line).
- ``import mutualaid_analysis``: the package as it is now (the data layer,
  the sample and the simulation; an analysis loads scipy on first use).
- ``+ first analysis``: the same, then ``ma.evaluate`` (the cost moved to
  the first use, not removed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STATEMENTS: dict[str, str] = {
    "eager analyses": (
        "import mutualaid_analysis, mutualaid_analysis.models, "
        "mutualaid_analysis.gradient, mutualaid_analysis.evaluation"
    ),
    "every submodule": (
        "import importlib, pkgutil, mutualaid_analysis\n"
        "for m in pkgutil.walk_packages(mutualaid_analysis.__path__, 'mutualaid_analysis.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)"
    ),
    "import mutualaid_analysis": "import mutualaid_analysis",
    "+ first analysis": "import mutualaid_analysis as ma\nma.evaluate",
}


def _child(statement: str) -> str:
    return (
        "import time\n_t = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - _t)\n"
    )


def run_once(statement: str) -> tuple[float, float]:
    """(seconds inside the process, seconds of the whole process) for one fresh import."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _child(statement)],
        capture_output=True, text=True, env=env, cwd=ROOT, check=True,
    )
    wall = time.perf_counter() - start
    return float(done.stdout.strip().splitlines()[-1]), wall


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11, help="fresh processes per statement")
    args = parser.parse_args(argv)

    inside: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    whole: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    run_once(STATEMENTS["every submodule"])  # the bytecode cache and the file system's
    for _ in range(args.repeat):
        for name, statement in STATEMENTS.items():
            t_in, t_wall = run_once(statement)
            inside[name].append(t_in)
            whole[name].append(t_wall)

    baseline = statistics.median(inside["eager analyses"])
    print(f"median of {args.repeat} fresh processes ({sys.executable})")
    print(f"{'statement':<28}{'import (s)':>12}{'process (s)':>13}{'vs eager':>10}")
    for name in STATEMENTS:
        t_in = statistics.median(inside[name])
        t_wall = statistics.median(whole[name])
        print(f"{name:<28}{t_in:>12.3f}{t_wall:>13.3f}{t_in / baseline:>9.0%} ")


if __name__ == "__main__":
    main()
