"""``mutualaid validate`` end to end: exit codes 0/1/2, messages, files written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mutualaid_analysis.cli.main import main

HERE = Path(__file__).parent
CB = HERE / "data" / "codebook_min.toml"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "resp_id": ["r1", "r2", "r1", "r2"],
        "village": [1, 2, 1, 2],
        "wave": ["pre", "pre", "post", "post"],
        "arm": ["workshop", "comparison", "workshop", "comparison"],
        "sex": [0, 1, 0, 1],
        "age": [61, 75, 62, 76],
        "will_rel": ["非常愿意", "比较愿意", 5, 4],
        "will_fri": [4, 3, 4, 3],
        "will_vil": [2, 2, 3, 99],
        "gses_01": [3, 2, 3, 2],
        "hours": [0.0, 2.5, 4.0, 1.0],
        "phone": ["13812345678", "13912345678", "13812345678", "13912345678"],
    })


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    path = tmp_path / "survey.csv"
    _frame().to_csv(path, index=False, encoding="gb18030")
    return path


def test_clean_file_exits_0(good_csv, capsys):
    assert main(["validate", str(good_csv), "--codebook", str(CB)]) == 0
    out = capsys.readouterr().out
    assert "4 rows read = 4 analysed + 0 excluded" in out
    assert "OK" in out


def test_bad_file_exits_1_and_lists_every_problem(tmp_path, capsys):
    df = _frame().astype({"age": object, "will_fri": object})
    df.loc[1, "age"] = 200
    df.loc[3, "will_fri"] = "很愿意"
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    ledger, problems = tmp_path / "ledger.csv", tmp_path / "problems.csv"
    code = main(["validate", str(path), "--codebook", str(CB), "--ledger", str(ledger),
                 "--problems", str(problems)])
    assert code == 1
    captured = capsys.readouterr()
    assert "bad.csv, line 3, respondent r2, column 'age', value 200" in captured.out
    assert "bad.csv, line 5, respondent r2, column 'will_fri', value '很愿意'" in captured.out
    assert "failed validation: 2 error(s)" in captured.err
    assert "Traceback" not in captured.err
    saved = pd.read_csv(ledger)
    assert saved["status"].tolist() == ["analysed", "excluded", "analysed", "excluded"]
    assert len(pd.read_csv(problems)) == 2


def test_one_file_per_wave(tmp_path, capsys):
    df = _frame()
    pre, post = tmp_path / "pre.csv", tmp_path / "post.csv"
    df[df.wave == "pre"].to_csv(pre, index=False)
    df[df.wave == "post"].to_csv(post, index=False)
    assert main(["validate", str(pre), str(post), "--codebook", str(CB)]) == 0
    assert "panel: matched 2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["validate", "x.csv"], "--codebook is required"),
        (["validate", "missing.csv", "--codebook", str(CB)], "missing.csv"),
        (["validate", "{data}", "--codebook", "nope.toml"], "nope.toml"),
        (["validate", "--bogus"], "unrecognized arguments"),
        ([], "usage"),
    ],
)
def test_usage_errors_exit_2(good_csv, capsys, args, needle):
    args = [a.replace("{data}", str(good_csv)) for a in args]
    code = main(args)
    err = capsys.readouterr().err
    assert (code, needle in err) == (2, True), err
    assert "Traceback" not in err


def test_invalid_codebook_exits_2_naming_the_key(good_csv, tmp_path, capsys):
    bad = tmp_path / "cb.toml"
    bad.write_text(CB.read_text(encoding="utf-8").replace('cluster = "village"',
                                                          'clustr = "village"'),
                   encoding="utf-8")
    assert main(["validate", str(good_csv), "--codebook", str(bad)]) == 2
    assert "Did you mean 'cluster'?" in capsys.readouterr().err


def test_undecodable_file_exits_1(tmp_path, capsys):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"resp_id,village\n\xff\xfe\xfa,1\n")
    assert main(["validate", str(path), "--codebook", str(CB)]) == 1
    assert "broken.csv" in capsys.readouterr().err


def test_refuses_to_overwrite_outputs(good_csv, tmp_path, capsys):
    existing = tmp_path / "ledger.csv"
    existing.write_text("keep me", encoding="utf-8")
    assert main(["validate", str(good_csv), "--codebook", str(CB), "--ledger",
                 str(existing)]) == 2
    assert existing.read_text(encoding="utf-8") == "keep me"


def test_console_script_runs_as_module(good_csv):
    proc = subprocess.run(
        [sys.executable, "-m", "mutualaid_analysis", "validate", str(good_csv), "--codebook",
         str(CB)], capture_output=True, text=True, encoding="utf-8", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout
