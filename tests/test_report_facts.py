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


# --------------------------------------------------------------------------- shares in the report
def _rare_share_survey(folder: Path):
    """Six villages; one respondent in all has used the platform at baseline, none later,
    and everyone knows it at follow-up: shares at and near 0 and 1."""
    files = ma.write_simulation(folder, seed=5, n_villages=6, per_village=10, waves=2)
    data = pd.read_csv(files["survey"], dtype=str, keep_default_na=False)
    data["used_platform"] = "0"
    first = data.index[data["wave"] == "pre"][0]
    data.loc[first, "used_platform"] = "1"
    data.loc[data["wave"] != "pre", "knows_platform"] = "1"
    data.to_csv(files["survey"], index=False)
    return ma.read_survey(files["survey"], files["codebook"])


def test_report_share_intervals_stay_within_0_and_1(tmp_path):
    survey = _rare_share_survey(tmp_path)
    table = ma.describe(survey, ["knows_platform", "used_platform", "volunteer_hours"]).table
    shares = table[table["measure"] != "mean"]
    assert len(shares) and shares["conf_low"].notna().all()
    assert (shares["conf_low"] >= 0).all() and (shares["conf_high"] <= 1).all()
    assert (shares["conf_low"] <= shares["estimate"]).all()
    assert (shares["estimate"] <= shares["conf_high"]).all()
    used_pre = shares[(shares["variable"] == "used_platform") & (shares["wave"] == "pre")]
    assert 0 < float(used_pre["estimate"].iloc[0]) < 0.05  # one respondent in ~60
    # at 0 and at 1 the interval is Clopper-Pearson: not degenerate
    zero = shares[shares["estimate"] == 0]
    one = shares[shares["estimate"] == 1]
    assert len(zero) and len(one)
    assert (zero["conf_high"] > 0).all() and (one["conf_low"] < 1).all()


def test_report_figures_suppress_small_villages_at_the_configured_count(tmp_path, monkeypatch):
    from mutualaid_analysis import plots

    seen: dict[str, int] = {}
    for name in ("slope", "flow_diagram"):
        original = getattr(plots, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            seen[_name] = kwargs.get("min_count")
            return _original(*args, **kwargs)

        monkeypatch.setattr(plots, name, spy)
    cfg = _study_without_one_baseline_village(tmp_path)
    text = cfg.read_text(encoding="utf-8").replace("[report]\n", "[report]\nsuppress_below = 7\n")
    cfg.write_text(text, encoding="utf-8")
    assert main(["run", str(cfg), "--out", str(tmp_path / "o"), "-q"]) == 0
    assert seen == {"slope": 7, "flow_diagram": 7}


def test_methods_text_says_each_models_cr1_df(run_out):
    effects = pd.read_csv(run_out / "tables" / "effects.csv")
    cr1 = effects[(effects["inference"] == "CR1") & (effects["estimand"] == "between-arm effect")]
    dfs = {m: set(g["df"].astype(int)) for m, g in cr1.groupby("model")}
    # ANCOVA needs both waves (7 villages); DiD also uses the follow-up-only village (8)
    assert dfs == {"ANCOVA": {6}, "DiD": {7}}
    md = (run_out / "report.md").read_text(encoding="utf-8")
    sentence = next(line for line in md.splitlines() if "Workshop evaluation (design" in line)
    assert "CR1S with t(6) for ANCOVA, t(7) for DiD" in sentence, sentence
    assert "G-1" not in sentence
