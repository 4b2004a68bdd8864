"""The whole-file personal-data gate never clears a file whose cells a detector would flag."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.data.privacy import bytes_may_hold_personal_data, find_personal_data

PERSONAL = [
    "13812345678", "+86 138-1234-5678", "138 1234 5678", "１３８１２３４５６７８",
    "11010519491231002X", "192.168.1.20", "fe80::1:2:3:4", "a.b@example.cn",
    "1.3812345678E+10", "电话13812345678", "138　1234　5678",
]
HARMLESS = ["V03-017", "比较愿意", "3", "98", "", "2.5", "pre", "12:30", "1.2.3"]


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


@pytest.mark.parametrize("value", PERSONAL)
def test_gate_opens_for_every_kind(value):
    frame = pd.DataFrame({"resp_id": ["r1", "r2"], "note": ["x", value]})
    assert bytes_may_hold_personal_data(_csv_bytes(frame))


def test_gate_clears_ordinary_survey_data():
    frame = pd.DataFrame({c: HARMLESS for c in ("a", "b", "c")})
    assert not bytes_may_hold_personal_data(_csv_bytes(frame))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PERSONAL + HARMLESS) | st.text(max_size=20), min_size=1,
                max_size=6))
def test_gate_is_a_superset_of_the_detectors(cells):
    frame = pd.DataFrame({"resp_id": [f"r{i}" for i in range(len(cells))], "note": cells})
    data = _csv_bytes(frame)
    found = [p for p in find_personal_data(pd.read_csv(io.BytesIO(data), dtype=str,
                                                       keep_default_na=False, na_values=[""]))
             if p.rule == "undeclared_personal_data"]
    if found:
        assert bytes_may_hold_personal_data(data)


def test_read_survey_uses_the_gate_but_still_checks_names(tmp_path):
    # A cleared file is not scanned cell by cell, yet a personal-looking header is reported.
    cb = ma.read_codebook("tests/data/codebook_min.toml")
    frame = pd.DataFrame({
        "resp_id": ["r1"], "village": [1], "wave": ["pre"], "arm": ["workshop"], "sex": [0],
        "age": [70], "will_rel": [5], "will_fri": [4], "will_vil": [3], "gses_01": [2],
        "hours": [1.0], "phone": ["x"], "姓名": ["受访者"],
    })
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    survey = ma.read_survey(path, cb)
    assert "personal_column_name" in set(survey.problems["rule"])
