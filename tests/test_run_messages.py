"""``mutualaid run`` speaks of its configuration keys, not of Python arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main

DATA = Path(__file__).parent / "data"


def _study(tmp_path: Path) -> Path:
    """The handwritten GBK export with an age of 150 (line 4) and a willingness of 7 (line 6)."""
    lines = (DATA / "export_long_gbk.csv").read_bytes().decode("gbk").split("\r\n")
    header = lines[0].split(",")
    for line_no, column, value in ((4, "年龄", "150"), (6, "愿意为亲属提供生活照料", "7")):
        cells = lines[line_no - 1].split(",")
        cells[header.index(column)] = value
        lines[line_no - 1] = ",".join(cells)
    (tmp_path / "导出.csv").write_bytes("\r\n".join(lines).encode("gbk"))
    (tmp_path / "codebook.toml").write_bytes((DATA / "export_codebook.toml").read_bytes())
    cfg = tmp_path / "analysis.toml"
    cfg.write_text('[data]\npath = "导出.csv"\ncodebook = "codebook.toml"\n'
                   'on_invalid = "raise"\n', encoding="utf-8")
    return cfg


def test_run_names_the_config_key_when_validation_fails(tmp_path, capsys):
    cfg = _study(tmp_path)
    out = tmp_path / "report"
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "failed validation with 2 problems" in err
    assert f'set on_invalid = "exclude" or "missing" in the [data] table of {cfg}' in err
    assert "on_invalid=" not in err and "pass on_invalid" not in err
    assert "out_of_range" in err and "invalid_code" in err and "Traceback" not in err
    assert not out.exists()
    # the key it names is the one that works
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('"raise"', '"exclude"'),
                   encoding="utf-8")
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 0


def test_python_callers_still_read_the_argument(tmp_path):
    _study(tmp_path)
    with pytest.raises(ma.SurveyValidationError) as info:
        ma.read_survey(tmp_path / "导出.csv", tmp_path / "codebook.toml")
    msg = str(info.value)
    assert "pass on_invalid='exclude' or 'missing'" in msg and "[data]" not in msg
    again = info.value.for_config("the [data] table of a.toml")
    assert again.problem_list == info.value.problem_list and again.survey is info.value.survey
    assert 'set on_invalid = "exclude" or "missing" in the [data] table of a.toml' in str(again)
