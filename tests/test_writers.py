"""The package's one CSV writer, one atomic writer and one hasher, used by every caller."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import mutualaid_analysis as ma

HERE = Path(__file__).parent
DATA = HERE / "data"


def test_ledger_escapes_formula_like_ids_and_reasons(tmp_path):
    """An id typed as a formula into the export is quoted in the saved ledger."""
    raw = (DATA / "export_long_gbk.csv").read_bytes().decode("gbk")
    lines = raw.split("\r\n")
    first = lines[1].split(",")
    first[0] = "=HYPERLINK(\"http://x\")"  # an id a spreadsheet would run
    first[4] = "=1+1"  # an age that is not a number: the row is excluded
    lines[1] = ",".join(first)
    path = tmp_path / "导出.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    s = ma.read_survey(path, ma.read_codebook(DATA / "export_codebook.toml"),
                       on_invalid="exclude")
    out = tmp_path / "ledger.csv"
    s.save_ledger(out)
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(back) == s.n_read
    cells = back.to_numpy().ravel().tolist()
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    assert back.loc[0, "respondent"] == "'=HYPERLINK(\"http://x\")"
    assert back.loc[0, "status"] == "excluded" and back.loc[0, "line"] == "2"
    assert (back["status"] == s.ledger["status"]).all()
