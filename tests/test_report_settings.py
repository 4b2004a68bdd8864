"""The report's settings: one typed, frozen record, read by attribute.

``resolve_settings`` fills in the codebook's defaults and the data's facts
once; the pipeline, the report text and ``provenance.json`` read the same
:class:`ReportSettings`.  A misspelt name fails where it is written.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.report import ReportSettings, default_config, load_config
from mutualaid_analysis.report.pipeline import resolve_settings as pipeline_resolve
from mutualaid_analysis.report.settings import resolve_settings

DATA = Path(__file__).parent / "data"

#: The keys the settings had as a dict (and still have in provenance.json).
OLD_KEYS = [
    "scales", "community", "institutional", "by", "outcomes", "covariates", "moderators",
    "service", "threshold", "mixed_model", "waves", "arms", "evaluation", "design", "vcov",
    "B", "seed", "suppress_below", "n_villages", "ordinal_vcov",
]


def _export_config(folder: Path, extra: str = "") -> Path:
    """A configuration for the hand-written GBK long export and its codebook."""
    shutil.copy(DATA / "export_long_gbk.csv", folder)
    shutil.copy(DATA / "export_codebook.toml", folder / "codebook.toml")
    cfg = folder / "analysis.toml"
    cfg.write_text(
        '[data]\npath = "export_long_gbk.csv"\ncodebook = "codebook.toml"\n'
        "[inference]\nbootstrap_B = 199\nseed = 4\n" + extra,
        encoding="utf-8",
    )
    return cfg


@pytest.fixture(scope="module")
def sample_settings() -> ReportSettings:
    return resolve_settings(default_config(), ma.load_sample())


def test_settings_are_typed_frozen_and_fail_on_a_misspelt_name(sample_settings):
    s = sample_settings
    assert isinstance(s, ReportSettings)
    assert pipeline_resolve is resolve_settings  # the one place they are built
    assert s.vcov == "CR2" and s.n_villages == 12 and s.evaluation and s.arms
    assert isinstance(s.scales, tuple) and isinstance(s.waves, tuple)
    with pytest.raises(AttributeError):
        s.n_vilages  # noqa: B018 - the misspelling fails where it is written
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.vcov = "CR1"  # type: ignore[misc]


def test_as_dict_keeps_the_published_keys(sample_settings):
    d = sample_settings.as_dict()
    assert list(d) == OLD_KEYS
    assert d["B"] == sample_settings.n_boot == default_config().inference.bootstrap_B
    assert all(not isinstance(v, tuple) for v in d.values())  # plain JSON data


def test_old_key_access_still_reads_with_a_warning(sample_settings):
    with pytest.warns(DeprecationWarning, match=r"settings\.n_boot"):
        assert sample_settings["B"] == sample_settings.n_boot
    with pytest.warns(DeprecationWarning, match=r"settings\.vcov"):
        assert sample_settings["vcov"] == "CR2"
    with pytest.raises(KeyError):
        sample_settings["n_vilages"]


def test_settings_of_the_hand_written_export(tmp_path):
    cfg = load_config(_export_config(tmp_path, '[analysis]\ncovariates = ["年龄"]\n'))
    survey = ma.read_survey(DATA / "export_long_gbk.csv", codebook=DATA / "export_codebook.toml")
    s = resolve_settings(cfg, survey)
    # 东山村, 西河村 (工作坊) and 南岭村, 北坡村 (对照); 前测 and 后测
    assert s.n_villages == 4 and s.arms and s.evaluation
    assert [str(w) for w in s.waves] == ["前测", "后测"]
    assert s.covariates == ("年龄",) and s.n_boot == 199 and s.seed == 4
    assert s.by == survey.codebook.survey.group
