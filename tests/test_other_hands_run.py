"""`mutualaid run` end to end on the hand-written exports of tests/data (not the simulator's).

export_long_gbk.csv: GBK, Chinese headers, village and arm names as text, text
answers, 98/99, 不知道/拒答 and R's NA; read once with the hand-written codebook
(unlabelled categories) and once with the codebook drafted from the file itself.
export_coded_gbk.csv has one workshop village: the run stops with exit 1 naming
the analysis and the cause.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from mutualaid_analysis.cli.main import main

DATA = Path(__file__).parent / "data"


def _config(folder: Path, data: str, codebook: str) -> Path:
    cfg = folder / "analysis.toml"
    cfg.write_text(f'[data]\npath = "{data}"\ncodebook = "{codebook}"\n'
                   "[inference]\nbootstrap_B = 199\nseed = 1\n"
                   '[report]\nformats = ["png"]\ndpi = 50\n', encoding="utf-8")
    return cfg


@pytest.mark.parametrize("codebook", ["hand-written", "drafted"])
def test_the_long_export_runs_to_the_report(tmp_path, codebook, capsys):
    shutil.copy(DATA / "export_long_gbk.csv", tmp_path)
    if codebook == "hand-written":
        shutil.copy(DATA / "export_codebook.toml", tmp_path / "codebook.toml")
    else:
        assert main(["draft-codebook", str(tmp_path / "export_long_gbk.csv"),
                     "-o", str(tmp_path / "codebook.toml")]) == 0
    out = tmp_path / "out"
    code = main(["run", str(_config(tmp_path, "export_long_gbk.csv", "codebook.toml")),
                 "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    with open(out / "ledger.csv", encoding="utf-8") as fh:
        ledger = list(csv.DictReader(fh))
    assert len(ledger) == 46  # every row of the file accounted for
    html = (out / "report.html").read_text(encoding="utf-8")
    sample = (out / "tables" / "sample.csv").read_text(encoding="utf-8").splitlines()
    # the text arms and waves of the file, 2 villages an arm, 0105 and 0304 lost at 后测
    assert {"前测,工作坊,12,2,False", "后测,对照,11,2,False", "后测,all,22,4,False"} <= set(sample)
    assert "工作坊" in html and "对照" in html
    assert (out / "tables" / "circle_expansion.csv").exists()
    assert any(p.suffix == ".png" for p in (out / "figures").iterdir())


def test_one_workshop_village_stops_the_run_with_the_cause(tmp_path, capsys):
    shutil.copy(DATA / "export_coded_gbk.csv", tmp_path)
    assert main(["draft-codebook", str(tmp_path / "export_coded_gbk.csv"),
                 "-o", str(tmp_path / "codebook.toml")]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    code = main(["run", str(_config(tmp_path, "export_coded_gbk.csv", "codebook.toml")),
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the analysis 'circle_expansion'" in err
    assert "1 village in '工作坊' and 2 villages in '对照'" in err
    assert "What to change" in err and "Traceback" not in err
    assert not out.exists()


def test_flow_and_chosen_inference_on_the_long_export():
    import matplotlib.pyplot as plt

    import mutualaid_analysis as ma

    survey = ma.read_survey(DATA / "export_long_gbk.csv", codebook=DATA / "export_codebook.toml")
    flow = ma.participant_flow(survey).table
    rows = {(r.stage, r.arm, r.reason): r.respondents for r in flow.itertuples()}
    # 24 respondents at 前测 in 2 + 2 villages; 0105 (东山村) and 0304 (南岭村) not seen at 后测
    assert rows[("read", "", "")] == 46
    for arm in ("工作坊", "对照"):
        assert rows[("baseline", arm, "")] == 12 and rows[("analysed", arm, "")] == 11
        assert rows[("lost", arm, "not_surveyed")] == 1
    att = ma.attrition(survey).table
    att = att[att["level"] == "respondent"].set_index("group")
    assert att.at["overall", "n_lost"] == 2 and att.at["overall", "n_analytic"] == 22
    ax = ma.participant_flow(survey).plot()
    plt.close(ax.figure)
    # evaluate(inference=...) runs the chosen between-arm method only
    res = ma.evaluate(survey, outcome="relatives", inference=["CR2"], seed=1).table
    between = res[res["estimand"] == "between-arm effect"]
    assert set(between["inference"]) == {"CR2"} and set(between["model"]) == {"ANCOVA", "DiD"}


def test_evaluate_records_respondents_and_villages_on_the_long_export():
    import mutualaid_analysis as ma

    survey = ma.read_survey(DATA / "export_long_gbk.csv", codebook=DATA / "export_codebook.toml")
    res = ma.evaluate(survey, outcome="relatives", inference=["CR2"], seed=1)
    # 11 respondents per arm seen at both waves, in 2 + 2 villages
    assert (res.nobs, res.n_clusters) == (22, 4)
    between = res.effects("CR2")
    assert set(between["n_clusters"]) == {4}
    with pytest.raises(TypeError):
        res.info["nobs"] = 0
