"""The analysis configuration of ``mutualaid run``: loading, validation, defaults, ``init``."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main
from mutualaid_analysis.report.config import (
    FIGURE_FORMATS,
    LANGUAGES,
    ON_INVALID,
    VCOV,
    Config,
    ConfigError,
    check_against_codebook,
    default_config,
    init_template,
    load_config,
    parse_config,
)
from mutualaid_analysis.sample import sample_paths

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "analysis.toml"


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """A folder holding a copy of the sample data and codebook."""
    paths = sample_paths()
    shutil.copy(paths["survey"], tmp_path / "survey.csv")
    shutil.copy(paths["codebook"], tmp_path / "codebook.toml")
    return tmp_path


def _write(folder: Path, text: str, name: str = "analysis.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_gets_every_default(study):
    cfg = load_config(_write(study, '[data]\npath = "survey.csv"\ncodebook = "codebook.toml"\n'))
    assert isinstance(cfg, Config)
    assert cfg.data.on_invalid == "raise"
    assert cfg.analysis.outcomes is None  # derived from the codebook at run time
    assert cfg.analysis.covariates == ()
    assert cfg.analysis.threshold == 4.0
    assert cfg.analysis.mixed_model is False
    assert cfg.inference.vcov == "CR2"
    assert cfg.inference.bootstrap_B == 9999
    assert cfg.inference.seed == 1
    assert cfg.inference.randomized is False
    assert cfg.report.lang == "zh"
    assert cfg.report.suppress_below == 5
    assert cfg.report.formats == ("png", "svg")


def test_relative_paths_are_relative_to_the_config_file(study, monkeypatch, tmp_path_factory):
    sub = study / "configs"
    sub.mkdir()
    cfg_path = _write(sub, '[data]\npath = "../survey.csv"\ncodebook = "../codebook.toml"\n')
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    cfg = load_config(cfg_path)
    assert cfg.data_paths[""].resolve() == (study / "survey.csv").resolve()
    assert cfg.codebook_path.resolve() == (study / "codebook.toml").resolve()


def test_every_problem_is_reported_at_once_with_hints(study):
    text = """
[data]
path = "survey.csv"
codebok = "codebook.toml"
on_invalid = "exlude"
[analysis]
threshold = "four"
by = 3
[inference]
bootstrap_b = 999
vcov = "CR3"
seed = -1
[report]
lang = "fr"
formats = ["png", "gif"]
suppress_below = 0
[reprot]
"""
    with pytest.raises(ConfigError) as info:
        load_config(_write(study, text))
    problems = info.value.problems
    text_all = "\n".join(problems)
    assert len(problems) == 12, text_all
    assert "unknown table [reprot] (did you mean 'report'?)" in text_all
    assert "unknown key data.codebok (did you mean 'codebook'?)" in text_all
    assert "unknown key inference.bootstrap_b (did you mean 'bootstrap_B'?)" in text_all
    assert "data.codebook is required" in text_all
    assert "'exlude' (did you mean 'exclude'?)" in text_all
    assert "inference.vcov must be one of 'CR2', 'CR1'" in text_all
    assert "report.lang" in text_all and "report.formats" in text_all
    assert "analysis.threshold" in text_all and "analysis.by" in text_all
    assert "inference.seed" in text_all and "report.suppress_below" in text_all
    # The message numbers every problem and names the file.
    assert str(info.value).startswith(f"The configuration {study / 'analysis.toml'}")
    assert "  12. " in str(info.value)


def test_config_error_is_a_usage_error_exit_2(study, capsys):
    path = _write(study, '[data]\npath = "survey.csv"\ncodebook = "codebook.toml"\nfoo = 1\n')
    assert main(["run", str(path), "--out", str(study / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "unknown key data.foo" in err
    assert "Traceback" not in err
    assert not (study / "out").exists()


def test_missing_files_and_exclusive_keys(study):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(_write(study, '[data]\npath = "nope.csv"\ncodebook = "codebook.toml"\n'))
    with pytest.raises(ConfigError, match="exclusive"):
        load_config(
            _write(
                study,
                '[data]\npath = "survey.csv"\nwaves = { pre = "a.csv" }\n'
                'codebook = "codebook.toml"\n',
            )
        )
    with pytest.raises(ConfigError, match=r"\[data\] needs the data"):
        load_config(_write(study, '[data]\ncodebook = "codebook.toml"\n'))
    with pytest.raises(FileNotFoundError):
        load_config(study / "absent.toml")


def test_invalid_toml_is_one_problem(study):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(study, "[data\npath = 1\n"))


def test_waves_table_gives_one_file_per_wave(study):
    cfg = load_config(
        _write(
            study,
            '[data]\nwaves = { pre = "survey.csv", post = "survey.csv" }'
            '\ncodebook = "codebook.toml"\n',
        )
    )
    assert list(cfg.data_paths) == ["pre", "post"]


def test_names_are_checked_against_the_codebook(study):
    cfg = load_config(
        _write(
            study,
            """
[data]
path = "survey.csv"
codebook = "codebook.toml"
[analysis]
outcomes = ["gsess", "villagers", "knows_platform"]
covariates = ["agee", "sex"]
moderators = ["resp_id"]
by = "arms"
service = "care"
scales = ["gses"]
community = ["knows_platfrom"]
""",
        )
    )
    problems = check_against_codebook(cfg, ma.read_codebook(cfg.codebook_path))
    text = "\n".join(problems)
    assert len(problems) == 6, text
    assert (
        "'gsess' is not a scale, a numeric variable or a circle of the codebook (did you "
        "mean 'gses'?)" in text
    )
    assert "'agee'" in text and "(did you mean 'age'?)" in text
    assert "'resp_id'" in text  # an id is not an analysable variable
    assert "(did you mean 'arm'?)" in text
    assert "analysis.service: 'care'" in text
    assert "(did you mean 'knows_platform'?)" in text


def test_default_config_is_the_sample():
    cfg = default_config()
    assert cfg.is_sample and cfg.source is None
    assert cfg.data_paths[""] == sample_paths()["survey"]
    assert cfg.codebook_path == sample_paths()["codebook"]


def test_as_dict_is_the_configuration_as_run(study):
    cfg = load_config(
        _write(
            study,
            '[data]\npath = "survey.csv"\ncodebook = "codebook.toml"\n'
            '[analysis]\ncovariates = ["age"]\n',
        )
    )
    d = cfg.as_dict()
    assert d["data"] == {"codebook": "codebook.toml", "path": "survey.csv", "on_invalid": "raise"}
    assert d["analysis"]["covariates"] == ["age"]
    assert d["inference"] == {
        "vcov": "CR2",
        "bootstrap_B": 9999,
        "seed": 1,
        "randomized": False,
        "ordinal_vcov": "cluster",
    }
    # Round trip: the dict as TOML reads back to the same configuration.
    import tomli_w

    again = parse_config(tomllib.loads(tomli_w.dumps(d)), base=study)
    assert again.as_dict() == d


def test_allowed_values_have_one_source():
    assert ON_INVALID == ("raise", "exclude", "missing")
    assert VCOV == ("CR2", "CR1")
    assert LANGUAGES == ("zh", "en")
    assert FIGURE_FORMATS == ("png", "svg", "pdf")


def test_init_writes_a_loadable_commented_config(study, capsys):
    out = study / "cfg" / "analysis.toml"
    assert (
        main(
            [
                "init",
                str(study / "survey.csv"),
                "--codebook",
                str(study / "codebook.toml"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert text.count("#") > 10  # commented
    assert 'path = "../survey.csv"' in text  # relative to the config's folder
    cfg = load_config(out)
    assert cfg.analysis.outcomes == (
        "gses",
        "knows_platform",
        "used_platform",
        "volunteer_hours",
        "timebank_points",
    )
    assert cfg.analysis.scales == ("gses",)
    assert not check_against_codebook(cfg, ma.read_codebook(cfg.codebook_path))
    # An existing file is not overwritten without --force.
    assert (
        main(
            [
                "init",
                str(study / "survey.csv"),
                "-c",
                str(study / "codebook.toml"),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "exists" in capsys.readouterr().err
    assert (
        main(
            [
                "init",
                str(study / "survey.csv"),
                "-c",
                str(study / "codebook.toml"),
                "--out",
                str(out),
                "--force",
            ]
        )
        == 0
    )


def test_init_one_file_per_wave(study):
    text = init_template(
        [study / "survey.csv", study / "survey.csv"],
        study / "codebook.toml",
        study / "analysis.toml",
    )
    assert 'waves = { "pre" = "survey.csv", "post" = "survey.csv" }' in text
    with pytest.raises(ma.UsageError, match="one file per wave"):
        init_template([study / "survey.csv"] * 3, study / "codebook.toml", study / "analysis.toml")


def test_init_missing_file_is_a_usage_error(study, capsys):
    assert (
        main(
            [
                "init",
                str(study / "nope.csv"),
                "-c",
                str(study / "codebook.toml"),
                "--out",
                str(study / "a.toml"),
            ]
        )
        == 2
    )
    assert "no such file" in capsys.readouterr().err


def test_example_config_is_valid():
    cfg = load_config(EXAMPLE)
    assert not check_against_codebook(cfg, ma.read_codebook(cfg.codebook_path))
    # Every key the loader knows is set in the example (it is the full reference).
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    from mutualaid_analysis.report.config import _KEYS

    for section, keys in _KEYS.items():
        missing = set(keys) - set(raw[section]) - {"waves", "encoding", "sheet", "service"}
        assert not missing, (section, missing)
