"""The report states the facts its analyses used, read from their results.

A survey where one village has no baseline rows: the baseline analyses (the
ordinal model) use one village fewer than the survey has, and the methods text
must say the degrees of freedom the model used, not ``t(G - 1)`` of the survey.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main

pytestmark = pytest.mark.filterwarnings("ignore::mutualaid_analysis.plots.style.FontWarning")


def _study_without_one_baseline_village(folder: Path) -> Path:
    files = ma.write_simulation(folder / "data", seed=11, n_villages=8, per_village=12, waves=2)
    data = pd.read_csv(files["survey"], dtype=str, keep_default_na=False)
    villages = sorted(data["village"].unique()) if "village" in data else None
    assert villages is not None, list(data.columns)
    gone = villages[0]
    waves = list(dict.fromkeys(data["wave"]))
    data = data[~((data["village"] == gone) & (data["wave"] == waves[0]))]
    paths = {}
    for wave, part in data.groupby("wave", sort=False):
        path = folder / "data" / f"survey_{wave}.csv"
        part.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
        paths[str(wave)] = path
    spec = ", ".join(f'{w} = "data/{p.name}"' for w, p in paths.items())
    cfg = folder / "study.toml"
    cfg.write_text(
        f'[data]\nwaves = {{ {spec} }}\ncodebook = "data/codebook.toml"\n'
        "[inference]\nbootstrap_B = 999\nseed = 3\n"
        '[report]\nlang = "en"\nformats = ["png"]\ndpi = 50\n',
        encoding="utf-8",
    )
    return cfg


@pytest.fixture(scope="module")
def run_out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("facts")
    cfg = _study_without_one_baseline_village(folder)
    out = folder / "o"
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 0
    return out


def test_methods_text_says_the_ordinal_models_df(run_out):
    ordinal = pd.read_csv(run_out / "tables" / "ordinal.csv")
    dfs = set(ordinal["df"].dropna().astype(int))
    assert dfs == {6}  # 7 villages with baseline rows
    assert ordinal["method"].str.contains(r"t\(6\)").any()
    md = (run_out / "report.md").read_text(encoding="utf-8")
    sentence = next(line for line in md.splitlines() if "Cumulative logit model (maximum" in line)
    assert "t(6)" in sentence and "t(7)" not in sentence


def test_methods_text_says_the_bootstraps_enumeration(run_out):
    effects = pd.read_csv(run_out / "tables" / "effects.csv")
    boot = effects[effects["inference"] == "wild bootstrap"]
    assert len(boot)
    md = (run_out / "report.md").read_text(encoding="utf-8")
    sentence = next(line for line in md.splitlines() if "Workshop evaluation (design" in line)
    methods = " ".join(boot["method"])
    # ANCOVA needs both waves (7 villages); DiD also uses the follow-up-only village (8):
    # the sentence names each number of villages the bootstraps used, and no other
    used = sorted(set(boot["n_clusters"].astype(int)))
    assert 7 in used
    for G in used:
        assert f"all {2**G} sign vectors" in methods
        assert f"2^{G} = {2**G} Rademacher" in sentence, sentence
    assert set(map(int, re.findall(r"2\^(\d+) =", sentence))) == set(used)
