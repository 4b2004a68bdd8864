"""The command line on surveys from other hands: errors that say where, safe outputs.

Each test is a probe built from the bundled sample (``data/sample/``, with
``mutualaid init`` making the configuration), run end to end through
``cli.main.main([...])`` or a subprocess, checking the exit code, stdout and
stderr -- and what is left on disk.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import format_warning, main
from mutualaid_analysis.exceptions import AnalysisError, MutualAidError, UsageError
from mutualaid_analysis.output import (
    FORMULA_PREFIXES,
    MARKER,
    AtomicFolder,
    clear_stale,
    escape_formulas,
)
from mutualaid_analysis.report.config import load_config
from mutualaid_analysis.report.pipeline import analysis_step, read_study, run_pipeline
from mutualaid_analysis.sample import sample_paths

pytestmark = pytest.mark.filterwarnings("ignore::mutualaid_analysis.plots.style.FontWarning")

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13812345678"


# --------------------------------------------------------------------------- the probe study
@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The sample's data and codebook in a folder, with the config ``mutualaid init`` writes."""
    folder = tmp_path_factory.mktemp("study")
    paths = sample_paths()
    data = pd.read_csv(paths["survey"], dtype=str, keep_default_na=False)
    data.to_csv(folder / "village_survey.csv", index=False)
    (folder / "codebook.toml").write_bytes(Path(paths["codebook"]).read_bytes())
    code = main(
        [
            "init",
            str(folder / "village_survey.csv"),
            "-c",
            str(folder / "codebook.toml"),
            "-o",
            str(folder / "analysis.toml"),
        ]
    )
    assert code == 0
    text = (folder / "analysis.toml").read_text(encoding="utf-8")
    text = text.replace("bootstrap_B = 9999", "bootstrap_B = 199")
    (folder / "analysis.toml").write_text(text, encoding="utf-8")
    return folder


def _variant(study: Path, name: str, frame: pd.DataFrame, codebook: str | None = None) -> Path:
    """A copy of the study's config whose data file (and codebook) are replaced."""
    frame.to_csv(study / f"{name}.csv", index=False)
    text = (study / "analysis.toml").read_text(encoding="utf-8")
    text = text.replace('path = "village_survey.csv"', f'path = "{name}.csv"')
    if codebook is not None:
        (study / f"{name}_codebook.toml").write_text(codebook, encoding="utf-8")
        text = text.replace('codebook = "codebook.toml"', f'codebook = "{name}_codebook.toml"')
    cfg = study / f"{name}.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _sample_frame(study: Path) -> pd.DataFrame:
    return pd.read_csv(study / "village_survey.csv", dtype=str, keep_default_na=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


# --------------------------------------------------------------------------- errors that say where
def test_analysis_that_cannot_run_exits_1_naming_it_and_what_to_change(study, tmp_path, capsys):
    frame = _sample_frame(study)
    frame = frame[frame["village"] == "1"]  # one village left: nothing to cluster over
    cfg = _variant(study, "one_village", frame)
    out = tmp_path / "out"
    code = main(["run", str(cfg), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "the analysis 'ordinal' (cumulative link model) cannot be run on these data" in err
    assert "1 village(s) in the column 'village'" in err
    assert "What to change" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_ids_that_lost_leading_zeros_in_one_wave_exit_1_saying_so(study, tmp_path, capsys):
    frame = _sample_frame(study)
    ids = "0" + frame["resp_id"].str[1:3] + frame["resp_id"].str[4:]  # V01-001 -> 001001
    frame["resp_id"] = ids.where(frame["wave"] == "pre", ids.str.lstrip("0"))
    cfg = _variant(study, "lost_zeros", frame)
    code = main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1, err  # was 2, "Cluster-robust inference needs at least 2 clusters"
    assert "the analysis 'effects' (workshop effects) cannot be run on these data" in err
    assert "no respondent id (column 'resp_id') appears in more than one wave" in err
    assert "leading zeros" in err and "Traceback" not in err


def test_survey_in_which_no_answer_carries_a_missing_code_runs(study, tmp_path, capsys):
    frame = _sample_frame(study).replace({"98": "3", "99": "3"})
    cfg = _variant(study, "no_missing", frame)
    out = tmp_path / "out"
    old = os.umask(0o002)
    try:
        code = main(["run", str(cfg), "--out", str(out), "--quiet"])
    finally:
        os.umask(old)
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "tables" / "missing_codes.csv")
    assert table.empty and "n" in table.columns
    # the folder honours the umask (0775 under umask 002), not 0700
    assert out.stat().st_mode & 0o777 == 0o775
    assert (out / "tables").stat().st_mode & 0o777 == 0o775
    assert not (out / MARKER).exists()


def test_analysis_step_turns_data_errors_into_analysis_errors():
    with (
        pytest.raises(AnalysisError) as info,
        analysis_step("effects", n_villages=12, cluster="village"),
    ):
        raise UsageError("outcome 'gses' has no post-wave answers.")
    exc = info.value
    assert isinstance(exc, MutualAidError) and ma.AnalysisError is AnalysisError
    assert exc.analysis == "effects" and isinstance(exc.cause, UsageError)
    assert "the analysis 'effects' (workshop effects)" in str(exc)
    assert "no post-wave answers" in str(exc) and "What to change" in str(exc)
    with pytest.raises(AnalysisError, match="Singular matrix"), analysis_step("ordinal"):
        raise np.linalg.LinAlgError("Singular matrix")
    # a bug stays a bug: same exception, with the analysis named
    with pytest.raises(TypeError) as bug, analysis_step("gradient"):
        raise TypeError("unsupported operand")
    assert bug.value.mutualaid_analysis == "gradient"


def test_a_bug_in_an_analysis_is_reported_as_a_bug(study, tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError(PHONE)

    monkeypatch.setattr(ma, "test_ordering", broken)
    config = load_config(study / "analysis.toml")
    with pytest.raises(KeyError) as info:  # the library does not hide it
        run_pipeline(config, read_study(config), figures=False)
    assert info.value.mutualaid_analysis == "ordering"

    out = tmp_path / "out"
    code = main(["run", str(study / "analysis.toml"), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "internal error in the analysis 'ordering' (KeyError)" in err
    assert "please report it" in err and "--debug" in err
    assert "Traceback" not in err and PHONE not in err  # the message may quote data
    assert not out.exists() and _leftovers(tmp_path) == []

    code = main(["--debug", "run", str(study / "analysis.toml"), "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" in err and "broken" in err


def test_configuration_problems_come_all_at_once(study, tmp_path, capsys):
    text = (study / "analysis.toml").read_text(encoding="utf-8")
    text = text.replace("covariates = []", 'covariates = ["agee"]')
    text = text.replace('lang = "zh"', 'lang = "fr"')
    text = text.replace("[inference]", "[inference]\nbootstrap = 99")
    cfg = study / "three_mistakes.toml"
    cfg.write_text(text, encoding="utf-8")
    code = main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "has 3 problems" in err
    assert "report.lang must be one of 'zh', 'en'; got 'fr'" in err
    assert "unknown key inference.bootstrap" in err
    assert "'agee' is not an analysable variable of the codebook (did you mean 'age'?)" in err
    assert not (tmp_path / "out").exists()


def test_a_byte_order_mark_at_the_start_of_the_config_is_accepted(study):
    text = (study / "analysis.toml").read_text(encoding="utf-8")
    cfg = study / "bom.toml"
    cfg.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_config(cfg).as_dict() == load_config(study / "analysis.toml").as_dict()


# --------------------------------------------------------------------------- validate
def test_validate_limit_must_not_be_negative(capsys):
    assert main(["validate", "--limit", "-1"]) == 2
    assert "--limit: must be 0 (all) or more, got -1" in capsys.readouterr().err


def test_validate_ledger_in_a_missing_folder_is_a_usage_error(study, tmp_path, capsys):
    target = tmp_path / "nodir" / "l.csv"
    code = main(
        ["validate", str(study / "village_survey.csv"), "-c", str(study / "codebook.toml"),
         "--ledger", str(target)]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert f"the folder {target.parent} does not exist" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # refused before the data were read


def test_validate_speaks_to_a_shell_user(study, tmp_path, capsys):
    frame = _sample_frame(study)
    frame.loc[:9, "age"] = "一百"  # ten ages that are not numbers
    frame.to_csv(tmp_path / "bad.csv", index=False, encoding="gbk")
    problems = tmp_path / "problems.csv"
    code = main(
        ["validate", str(tmp_path / "bad.csv"), "-c", str(study / "codebook.toml"),
         "--limit", "3", "--problems", str(problems)]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert ".problems" not in out
    assert "... and 7 more (--limit 0 prints all" in out
    assert f"all are in {problems}" in out
    assert len(pd.read_csv(problems)) == 10


# --------------------------------------------------------------------------- warnings
def test_warnings_print_as_one_clean_line(study, tmp_path):
    frame = _sample_frame(study)
    frame["联系电话"] = [f"1381234{i:04d}" for i in range(len(frame))]
    data = tmp_path / "phones.csv"
    frame.to_csv(data, index=False, encoding="gbk")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    proc = subprocess.run(
        [sys.executable, "-m", "mutualaid_analysis", "validate", str(data),
         "-c", str(study / "codebook.toml")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "PrivacyWarning" in ln]
    assert len(lines) == 1
    assert lines[0].startswith("warning: PrivacyWarning: columns outside the codebook")
    assert ".py:" not in proc.stderr and "warnings.warn" not in proc.stderr
    assert "return _assemble" not in proc.stderr  # no code line under it


def test_format_warning_is_one_line():
    text = format_warning(ma.PrivacyWarning("two\nlines  here"), ma.PrivacyWarning, "x.py", 3)
    assert text == "warning: PrivacyWarning: two lines here\n"


# --------------------------------------------------------------------------- CSV formulas
FORMULA_IDS = ['=HYPERLINK("http://x.example","点击")', "+1+2", "@SUM(A1)", "-1+cmd"]


def _formula_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    bad = []
    for c in cells:
        if c and c[0] in FORMULA_PREFIXES:
            try:
                float(c)
            except ValueError:
                bad.append(c)
    return bad


def test_formula_text_is_neutralised_in_every_csv_written(study, tmp_path, capsys):
    frame = _sample_frame(study)
    ids = frame["resp_id"].unique()[: len(FORMULA_IDS)]
    frame["resp_id"] = frame["resp_id"].replace(dict(zip(ids, FORMULA_IDS, strict=True)))
    frame["arm"] = frame["arm"].replace({"comparison": "-comparison"})
    codebook = (study / "codebook.toml").read_text(encoding="utf-8")
    codebook = codebook.replace('98 = "不知道"', '98 = "=不知道"')
    cfg = _variant(study, "formulas", frame, codebook)
    out = tmp_path / "out"
    assert main(["run", str(cfg), "--out", str(out), "--quiet"]) == 0, capsys.readouterr().err
    csvs = sorted(out.rglob("*.csv"))
    assert len(csvs) > 10
    for path in csvs:
        assert _formula_cells(path) == [], path.name
    ledger = pd.read_csv(out / "ledger.csv", dtype=str, keep_default_na=False)
    assert set(ledger["respondent"]) >= {"'" + i for i in FORMULA_IDS}
    sample = pd.read_csv(out / "tables" / "sample.csv")
    assert "'-comparison" in set(sample["group"])
    codes = pd.read_csv(out / "tables" / "missing_codes.csv")
    assert set(codes.loc[codes["code"] == 98, "label"]) == {"'=不知道"}
    # numbers stay numbers: negative estimates are written as they are
    effects = pd.read_csv(out / "tables" / "effects.csv")
    assert pd.api.types.is_float_dtype(effects["conf_low"]) and (effects["conf_low"] < 0).any()

    ledger_csv = tmp_path / "ledger.csv"
    code = main(
        ["validate", str(study / "formulas.csv"), "-c", str(study / "formulas_codebook.toml"),
         "--ledger", str(ledger_csv)]
    )
    assert code == 0
    assert _formula_cells(ledger_csv) == []


text_cells = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("=+-@\t\r'ab1.9 村")), max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(text_cells, min_size=1, max_size=8), st.lists(st.floats(allow_nan=False), min_size=1, max_size=8))
def test_escape_formulas_quotes_text_and_never_numbers(texts, numbers):
    frame = pd.DataFrame({"t": pd.Series(texts, dtype=object)})
    nums = pd.DataFrame({"x": numbers, "k": range(len(numbers))})
    assert escape_formulas(nums) is nums  # numeric columns are never touched
    out = escape_formulas(frame)
    for before, after in zip(frame["t"], out["t"], strict=True):
        if before is None:
            assert after is None
            continue
        try:
            float(before)
            numeric = True
        except ValueError:
            numeric = False
        if before and before[0] in FORMULA_PREFIXES and not numeric:
            assert after == "'" + before
        else:
            assert after == before
        assert not (after and after[0] in FORMULA_PREFIXES) or numeric
    assert escape_formulas(out)["t"].equals(out["t"])  # escaping twice changes nothing


# --------------------------------------------------------------------------- the output folder
def test_out_dotdot_with_force_is_refused_without_a_crash(study, monkeypatch, capsys):
    inner = study / "inner"
    inner.mkdir(exist_ok=True)
    monkeypatch.chdir(inner)
    code = main(["run", str(study / "analysis.toml"), "--out", "..", "--force", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "holds the input file" in err and "Traceback" not in err
    assert _leftovers(study) == [] and _leftovers(study.parent) == []


def test_out_holding_the_current_folder_is_refused(study, tmp_path, monkeypatch, capsys):
    # `cd report/figures; mutualaid run --out .. --force`: the report is ours to replace,
    # but it holds the current folder (this used to crash and leave '....old-*' folders)
    report = tmp_path / "report"
    (report / "figures").mkdir(parents=True)
    (report / "provenance.json").write_text('{"generator": "mutualaid_analysis"}', "utf-8")
    monkeypatch.chdir(report / "figures")
    code = main(["run", str(study / "analysis.toml"), "--out", "..", "--force", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"refusing to replace {report}: it holds the current or home folder" in err
    assert (report / "figures").is_dir() and (report / "provenance.json").is_file()
    left = [p for p in tmp_path.rglob("*") if ".old-" in p.name or ".tmp-" in p.name]
    assert left == []


@pytest.mark.parametrize("where", ["proc", "file_parent", "unwritable"])
def test_unusable_out_is_refused_before_the_analysis(study, tmp_path, capsys, monkeypatch, where):
    import mutualaid_analysis.report.writer as writer

    def never(*args, **kwargs):
        raise AssertionError("the analysis ran before --out was checked")

    monkeypatch.setattr(writer, "read_study", never)
    if where == "proc":
        out, needle = "/proc/mutualaid-out", "is under /proc, a system folder"
    elif where == "file_parent":
        (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
        out, needle = str(tmp_path / "notes.txt" / "out"), "is not a folder"
    else:  # a read-only file system: creating the folder fails (root passes access checks)
        import mutualaid_analysis.output as output

        def denied(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(output.tempfile, "mkdtemp", denied)
        out, needle = str(tmp_path / "new" / "out"), "cannot write the output folder"
    code = main(["run", str(study / "analysis.toml"), "--out", out, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()  # parents made for it are removed again


def _start_run(study: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "mutualaid_analysis", "run", str(study / "analysis.toml"),
         "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _wait_for_temp(folder: Path, proc: subprocess.Popen) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in folder.glob(".out.tmp-*") if (p / MARKER).exists()]
        if temps:
            return temps[0]
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the run never created its temporary folder")


def test_sigterm_during_the_run_leaves_nothing_behind(study, tmp_path):
    out = tmp_path / "out"
    proc = _start_run(study, out)
    _wait_for_temp(tmp_path, proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "mutualaid: terminated" in err and "Traceback" not in err
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_sigkill_leftovers_are_cleared_by_the_next_run_and_nothing_else(study, tmp_path, capsys):
    out = tmp_path / "out"
    proc = _start_run(study, out)
    stale = _wait_for_temp(tmp_path, proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert stale.is_dir()  # SIGKILL cannot be handled
    foreign = tmp_path / ".out.tmp-notours"  # same name pattern, no marker: not ours
    foreign.mkdir()
    (foreign / "data.csv").write_text("keep me", encoding="utf-8")
    alive = tmp_path / ".out.tmp-running"  # ours, but its process still runs
    alive.mkdir()
    (alive / MARKER).write_text(
        (stale / MARKER).read_text(encoding="utf-8").replace(
            f"pid={proc.pid}", f"pid={os.getppid()}"
        ),
        encoding="utf-8",
    )
    assert main(["run", str(study / "analysis.toml"), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert not stale.exists()
    assert (foreign / "data.csv").read_text(encoding="utf-8") == "keep me"
    assert alive.is_dir()
    assert (out / "report.html").is_file() and not (out / MARKER).exists()


def test_a_replacement_cut_between_its_renames_is_restored(tmp_path):
    dest = tmp_path / "report"
    staging = AtomicFolder(dest)
    tmp = staging.open()
    (tmp / "a.txt").write_text("first", encoding="utf-8")
    staging.commit()
    # a run that died after moving the old folder aside: its marked .old-* holds it
    old = tmp_path / ".report.old-x"
    old.mkdir()
    os.replace(dest, old / "old")
    (old / MARKER).write_text(
        f"mutualaid_analysis partial output folder\npid=999999999\nhost={socket.gethostname()}\n",
        encoding="utf-8",
    )
    assert clear_stale(dest) == [old]
    assert (dest / "a.txt").read_text(encoding="utf-8") == "first"
    assert not old.exists()


def test_simulate_output_folder_uses_the_same_writer(tmp_path, capsys):
    old = os.umask(0o002)
    try:
        code = main(["simulate", "--out", str(tmp_path / "sim"), "--villages", "4",
                     "--per-village", "5"])
    finally:
        os.umask(old)
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "sim").stat().st_mode & 0o777 == 0o775
    assert sorted(p.name for p in (tmp_path / "sim").iterdir()) == [
        "codebook.toml", "truth.json", "village_survey.csv"
    ]
    (tmp_path / "f").write_text("x", encoding="utf-8")
    assert main(["simulate", "--out", str(tmp_path / "f" / "sim")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_a_file_system_refusal_while_writing_is_one_message(study, tmp_path, capsys, monkeypatch):
    import mutualaid_analysis.report.writer as writer

    def full(folder, *args, **kwargs):
        raise OSError(28, "No space left on device", str(folder / "report.html"))

    monkeypatch.setattr(writer, "_write_contents", full)
    out = tmp_path / "out"
    code = main(["run", str(study / "analysis.toml"), "--out", str(out), "--quiet", "--debug"])
    err = capsys.readouterr().err
    assert code == 2
    assert "report.html: No space left on device" in err
    assert "Traceback" in err  # --debug after the command's name is accepted too
    assert not out.exists() and _leftovers(tmp_path) == []
    code = main(["run", str(study / "analysis.toml"), "--out", str(out), "--quiet"])
    assert code == 2 and "Traceback" not in capsys.readouterr().err


def test_drafted_codebook_is_readable_as_the_umask_allows(study, tmp_path, capsys):
    import pyreadstat

    frame = _sample_frame(study)[["resp_id", "village", "wave", "age", "sex"]]
    frame = frame.astype({"village": int, "age": int, "sex": int})
    sav = tmp_path / "survey.sav"
    pyreadstat.write_sav(frame, str(sav))
    out = tmp_path / "codebook.toml"
    old = os.umask(0o002)
    try:
        code = main(["draft-codebook", str(sav), "--out", str(out)])
    finally:
        os.umask(old)
    assert code == 0, capsys.readouterr().err
    assert out.stat().st_mode & 0o777 == 0o664  # was 0600 (a private temporary file)
