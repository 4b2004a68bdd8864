"""Benchmark: ``mutualaid run`` on the bundled sample (target: under 30 s on 2 cores).

Prints

* the wall time of the whole command in a fresh interpreter (imports
  included), pinned to two cores where the platform allows it, best and
  median of ``--repeat`` runs;
* beside it, the naive floor measured the same way: a fresh interpreter that
  only imports the package and reads the sample;
* a breakdown of one run in this process: reading and validation, the
  analyses, drawing the figures, writing the folder (tables, figures,
  report, provenance).

Usage::

    python benchmarks/bench_run.py [--repeat 3] [--cores 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 30.0


def _pin(cores: int):  # pragma: no cover - platform dependent
    if not hasattr(os, "sched_setaffinity"):
        return None
    available = sorted(os.sched_getaffinity(0))
    chosen = set(available[:cores])

    def preexec() -> None:
        os.sched_setaffinity(0, chosen)

    return preexec


def _timed(cmd: list[str], cores: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd,
        check=True,
        preexec_fn=_pin(cores),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": str(args.cores),
        "OPENBLAS_NUM_THREADS": str(args.cores),
        "MKL_NUM_THREADS": str(args.cores),
    }
    print(
        f"mutualaid run on the bundled sample; {args.cores} cores "
        f"({'pinned' if hasattr(os, 'sched_setaffinity') else 'not pinned'}), "
        f"{args.repeat} runs"
    )

    runs, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            out = Path(tmp) / f"r{i}"
            runs.append(
                _timed(
                    [
                        sys.executable,
                        "-m",
                        "mutualaid_analysis",
                        "run",
                        "--out",
                        str(out),
                        "--quiet",
                    ],
                    args.cores,
                    env,
                )
            )
            floor.append(
                _timed(
                    [sys.executable, "-c", "import mutualaid_analysis as ma; ma.load_sample()"],
                    args.cores,
                    env,
                )
            )
    print(
        f"  whole command (fresh interpreter): best {min(runs):6.2f} s, "
        f"median {statistics.median(runs):6.2f} s   target < {TARGET_SECONDS:.0f} s: "
        f"{'OK' if max(runs) < TARGET_SECONDS else 'MISSED'}"
    )
    print(f"  naive floor (import + read sample): best {min(floor):6.2f} s")

    # Breakdown in this process.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mutualaid_analysis import __version__
    from mutualaid_analysis.report import default_config
    from mutualaid_analysis.report.pipeline import Progress, read_study, run_pipeline
    from mutualaid_analysis.report.writer import _write_contents

    config = default_config()
    t0 = time.perf_counter()
    survey = read_study(config)
    t1 = time.perf_counter()
    result = run_pipeline(config, survey, Progress(quiet=True), figures=False)
    t2 = time.perf_counter()
    from mutualaid_analysis.report.pipeline import make_figures

    result.figures = make_figures(
        survey, result.results, result.tables, result.settings.as_dict(), config.report.lang
    )
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        _write_contents(Path(tmp), config, result, __version__)
    t4 = time.perf_counter()
    for spec in result.figures:
        plt.close(spec.figure)
    print("  breakdown of one run in this process:")
    print(f"    read and validate   {t1 - t0:6.2f} s")
    print(f"    analyses            {t2 - t1:6.2f} s  ({len(result.tables)} tables)")
    print(f"    figures (draw)      {t3 - t2:6.2f} s  ({len(result.figures)} figures)")
    print(
        f"    write folder        {t4 - t3:6.2f} s  (PNG {config.report.dpi} dpi + SVG, "
        "report, provenance)"
    )


if __name__ == "__main__":
    main()
