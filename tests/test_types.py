"""The package type-checks: mypy, configured in pyproject.toml's ``[tool.mypy]``, finds nothing.

The package ships ``py.typed``, so its annotations are a promise to every
user's type checker.  This runs ``python -m mypy`` on the package in a
subprocess from the project's root (its cache, ``.mypy_cache/``, stays
there: a few seconds warm, a minute or two cold) and fails with mypy's own
report.  It is skipped, saying why, only where mypy is not installed (the
``[test]`` extra installs it, with pandas-stubs and scipy-stubs).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _config() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["mypy"]


def test_the_mypy_configuration_is_strict_where_it_promises():
    config = _config()
    assert config["files"] == ["mutualaid_analysis"]
    assert config["python_version"] == "3.11"
    for flag in ("disallow_untyped_defs", "warn_unused_ignores", "no_implicit_optional"):
        assert config[flag] is True, flag
    # missing imports are ignored only for named libraries that ship no types
    assert "ignore_missing_imports" not in config
    for override in config.get("overrides", []):
        if override.get("ignore_missing_imports"):
            assert all(not m.startswith("mutualaid_analysis") for m in override["module"])
        assert not override.get("ignore_errors"), override


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[test]')")
def test_mypy_finds_no_error_in_the_package():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYPY")}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    report = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"mypy found errors:\n{report}"


def test_the_wave_types_say_what_a_wave_is():
    import typing

    from mutualaid_analysis.data import waves
    from mutualaid_analysis.data.codebook import Scalar

    assert waves.Wave == Scalar
    assert set(typing.get_args(waves.WaveChoice)) == {int, float, str, type(None)}
    hints = waves.resolve_wave.__annotations__  # as written (Survey is a TYPE_CHECKING import)
    assert hints["wave"] == "WaveChoice"
    assert hints["return"] == "Wave | None"


def test_resolve_wave_returns_a_wave_of_a_hand_written_export():
    # the GBK long export's codebook lists its waves; "baseline" is the first of them
    import warnings

    import mutualaid_analysis as ma
    from mutualaid_analysis.data.waves import resolve_wave

    data = ROOT / "tests" / "data"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = ma.read_survey(data / "export_long_gbk.csv", codebook=data / "export_codebook.toml")
    first = resolve_wave(survey, "baseline")
    assert isinstance(first, int | float | str)
    assert first == survey.waves[0]
    assert resolve_wave(survey, str(survey.waves[-1])) == survey.waves[-1]
    assert resolve_wave(survey, None) is None
