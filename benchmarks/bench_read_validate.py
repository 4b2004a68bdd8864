"""Benchmark: read and validate a large survey CSV, beside a plain ``pandas.read_csv``.

Targets (issue: data foundation): ``read_survey`` takes at most 2x the time of
a plain ``pandas.read_csv`` of the same file, and its peak traced memory is at
most 3x the size of the DataFrame that plain read returns.

Run::

    python benchmarks/bench_read_validate.py            # 200,000 rows x 40 columns
    python benchmarks/bench_read_validate.py --rows 20000 --repeat 3

The file is synthetic: ids, a village code, a wave, and 37 Likert / integer
items with about 2% missing codes (98/99) and some answers written as label
text in one column, as real exports have.  Timings are the best of
``--repeat`` runs, alternating the two readers so that both see the same
machine state; memory is measured with ``tracemalloc`` (numpy and pandas
report their buffers to it) in separate runs.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import mutualaid_analysis as ma

N_ITEMS = 37


def make_files(folder: Path, rows: int, seed: int = 1) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    n_resp = rows // 2
    ids = np.char.add("R", np.arange(n_resp).astype(str))
    data = {
        "resp_id": np.repeat(ids, 2)[:rows],
        "village": np.repeat(rng.integers(1, 41, n_resp), 2)[:rows],
        "wave": np.tile(["pre", "post"], n_resp)[:rows],
    }
    for j in range(N_ITEMS):
        vals = rng.integers(1, 6, rows)
        miss = rng.random(rows) < 0.02
        vals[miss] = rng.choice([98, 99], miss.sum())
        data[f"q{j:02d}"] = vals
    frame = pd.DataFrame(data)
    labels = {1: "非常不愿意", 2: "不太愿意", 3: "一般", 4: "比较愿意", 5: "非常愿意"}
    frame["q00"] = frame["q00"].map(lambda v: labels.get(v, v))  # answers as text
    csv = folder / "survey.csv"
    frame.to_csv(csv, index=False)
    values = ", ".join(f'{k} = "{v}"' for k, v in labels.items())
    lines = [
        "[survey]", 'id = "resp_id"', 'cluster = "village"', 'wave = "wave"',
        'waves = ["pre", "post"]', "missing = [98, 99]", "",
        "[responses.w5]", f"values = {{ {values} }}", "",
        "[[variable]]", 'name = "resp_id"', 'type = "id"', "",
        "[[variable]]", 'name = "village"', 'type = "integer"', "min = 1", "max = 40", "",
        "[[variable]]", 'name = "wave"', 'type = "text"', "",
    ]
    for j in range(N_ITEMS):
        lines += ["[[variable]]", f'name = "q{j:02d}"', 'type = "ordinal"',
                  'responses = "w5"', ""]
    toml = folder / "codebook.toml"
    toml.write_text("\n".join(lines), encoding="utf-8")
    return csv, toml


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_memory(fn) -> int:
    gc.collect()
    tracemalloc.start()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv, toml = make_files(Path(tmp), args.rows)
        cb = ma.read_codebook(toml)

        def plain():
            return pd.read_csv(csv)

        def ours():
            return ma.read_survey(csv, cb)

        survey = ours()  # warm up both, and check the result is what we think
        assert survey.n_read == args.rows == survey.n_analysed, survey.summary()
        loaded = plain()
        loaded_bytes = int(loaded.memory_usage(deep=True).sum())
        t_plain, t_ours = [], []
        for _ in range(args.repeat):  # alternate so both see the same machine state
            t_plain.append(best_time(plain, 1))
            t_ours.append(best_time(ours, 1))
        tp, to = min(t_plain), min(t_ours)
        mem_plain = peak_memory(plain)
        mem_ours = peak_memory(ours)
        size_mb = csv.stat().st_size / 1e6

    print(f"file: {args.rows:,} rows x {3 + N_ITEMS} columns, {size_mb:.1f} MB CSV")
    print(f"{'':32s}{'time (s)':>10s}{'peak MB':>10s}")
    print(f"{'pandas.read_csv (baseline)':32s}{tp:10.3f}{mem_plain / 1e6:10.1f}")
    print(f"{'ma.read_survey (read+validate)':32s}{to:10.3f}{mem_ours / 1e6:10.1f}")
    print(f"loaded DataFrame (plain read): {loaded_bytes / 1e6:.1f} MB")
    print(f"time ratio  read_survey / read_csv   = {to / tp:.2f}  (target <= 2.0)")
    print(f"memory ratio peak / loaded DataFrame = {mem_ours / loaded_bytes:.2f}  "
          f"(target <= 3.0)")


if __name__ == "__main__":
    main()
