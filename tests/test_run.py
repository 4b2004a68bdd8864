"""End to end: ``mutualaid run`` on the sample and on a second simulated study.

The sample is run once per module (about ten seconds); the second study is
small (6 villages of 15) so that its runs take a second or two each.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import time
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.cli.main import main
from mutualaid_analysis.report.pipeline import COUNT_COLUMNS, PUBLISHED_TABLES
from mutualaid_analysis.report.writer import PROVENANCE_TIME_KEY
from mutualaid_analysis.results import CONTRACT_COLUMNS

# Without a CJK font the figures fall back to English labels with a FontWarning
# (the report text stays Chinese); CI installs one, other machines may not.
pytestmark = pytest.mark.filterwarnings("ignore::mutualaid_analysis.plots.style.FontWarning")

SAMPLE_TABLES = {
    "sample",
    "platform",
    "gradient",
    "ordering",
    "profiles",
    "scalability",
    "ordinal",
    "ordinal_predicted",
    "reliability",
    "reliability_items",
    "scale_scores",
    "participation",
    "attrition",
    "baseline_equivalence",
    "effects",
    "effects_means",
    "circle_expansion",
    "reliable_change",
    "missing_codes",
    "ledger_summary",
}
SAMPLE_FIGURES = {
    "platform_means",
    "ripple",
    "gradient_lines",
    "likert_bars",
    "profile_shares",
    "predicted_probabilities",
    "slope",
    "participation_means",
    "flow_diagram",
    "forest",
    "circle_means",
}
PHONES = ["13812345678", "13987654321", "15011112222"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> tuple[Path, float]:
    """``mutualaid run`` without arguments, in a fresh folder: ./mutualaid-report."""
    cwd = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        start = time.perf_counter()
        code = main(["run", "--quiet"])
        took = time.perf_counter() - start
    assert code == 0
    return cwd / "mutualaid-report", took


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- the sample
def test_sample_run_writes_every_output(sample_run):
    out, took = sample_run
    files = _files(out)
    for name in ("report.html", "report.md", "ledger.csv", "provenance.json"):
        assert name in files
    tables = {Path(n).stem for n in files if n.startswith("tables/")}
    assert tables == SAMPLE_TABLES
    assert tables <= set(PUBLISHED_TABLES)
    figures = {n for n in files if n.startswith("figures/")}
    assert figures == {f"figures/{f}.{ext}" for f in SAMPLE_FIGURES for ext in ("png", "svg")}
    # Nothing else: no temporary folders left beside the report.
    assert [p.name for p in out.parent.iterdir()] == ["mutualaid-report"]
    assert took < 60  # the benchmark measures it properly (target < 30 s on 2 cores)


def test_sample_tables_follow_the_contract(sample_run):
    out, _ = sample_run
    for name in SAMPLE_TABLES:
        table = pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8")
        assert len(table) > 0, name
        if name in (
            "gradient",
            "ordering",
            "profiles",
            "scalability",
            "ordinal",
            "reliability",
            "attrition",
            "effects",
            "circle_expansion",
            "reliable_change",
            "platform",
            "participation",
            "scale_scores",
            "baseline_equivalence",
        ):
            assert set(CONTRACT_COLUMNS) <= set(table.columns), name
    g = pd.read_csv(out / "tables" / "gradient.csv")
    assert set(g["group"]) == {"all", "workshop", "comparison"}
    assert list(g.columns[:5]) == ["service", "wave", "group", "circle", "measure"]
    assert g["suppressed"].dtype == bool
    e = pd.read_csv(out / "tables" / "effects.csv")
    assert {"CR2", "CR1", "wild bootstrap"} <= set(e["inference"])
    assert set(e["outcome"]) == {
        "gses",
        "knows_platform",
        "used_platform",
        "volunteer_hours",
        "timebank_points",
    }
    # Never a normal reference distribution for a cluster-robust row.
    crv = e[e["inference"].isin(["CR2", "CR1"])]
    assert crv["df"].notna().all() and (crv["df"] < 12).all()


def test_small_counts_are_suppressed(sample_run):
    out, _ = sample_run
    seen_suppressed = False
    for path in (out / "tables").glob("*.csv"):
        if path.stem == "ledger_summary":
            continue
        table = pd.read_csv(path)
        for col in COUNT_COLUMNS:
            if col in table.columns:
                values = table[col].dropna()
                assert ((values == 0) | (values >= 5)).all(), (path.stem, col)
        if "suppressed" in table.columns and table["suppressed"].any():
            seen_suppressed = True
            rows = table[table["suppressed"]]
            assert rows["estimate"].isna().all() if "estimate" in rows else True
    # The sample has small cells (e.g. a 'flat' profile count in one arm).
    assert seen_suppressed


def test_ledger_accounts_for_every_row(sample_run):
    out, _ = sample_run
    ledger = pd.read_csv(out / "ledger.csv")
    survey = ma.load_sample()
    assert len(ledger) == survey.n_read == 931
    assert list(ledger.columns) == list(survey.ledger.columns)
    summary = pd.read_csv(out / "tables" / "ledger_summary.csv")
    assert summary["n"].sum() == 931


def test_provenance(sample_run):
    out, _ = sample_run
    text = (out / "provenance.json").read_text(encoding="utf-8")
    prov = json.loads(text)
    assert text == json.dumps(prov, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert prov["generator"] == "mutualaid_analysis"
    assert prov["version"] == ma.__version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", prov[PROVENANCE_TIME_KEY])
    assert prov["bundled_sample"] is True
    assert prov["seed"] == 1
    from mutualaid_analysis.sample import sample_paths

    paths = sample_paths()
    inputs = {i["role"]: i for i in prov["inputs"]}
    assert inputs["data"]["sha256"] == _sha(paths["survey"])
    assert inputs["codebook"]["sha256"] == _sha(paths["codebook"])
    for dist in ("numpy", "pandas", "scipy", "matplotlib"):
        assert prov["dependencies"][dist]
    assert prov["config"]["inference"]["bootstrap_B"] == 9999
    # Every output is hashed (all but provenance.json itself).
    files = _files(out)
    assert set(prov["outputs"]) == set(files) - {"provenance.json"}
    for name, digest in prov["outputs"].items():
        assert _sha(files[name]) == digest
    assert prov["data"]["rows_read"] == 931


def test_report_html_is_self_contained_and_in_order(sample_run):
    out, _ = sample_run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    imgs = re.findall(r'<img src="([^"]+)"', html)
    assert len(imgs) == len(SAMPLE_FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in imgs)
    # The three levels, then the evaluation, methods and ledger, in this order.
    order = [
        ("community", "社区层面"),
        ("subject", "主体层面"),
        ("gradient", "差序格局"),
        ("ability", "自我效能"),
        ("institutional", "制度层面"),
        ("evaluation", "工作坊评估"),
        ("methods", "方法"),
        ("ledger", "数据台账"),
    ]
    positions = []
    for anchor, words in order:
        found = re.search(rf'<h[23] id="{anchor}">([^<]*)</h[23]>', html)
        assert found and words in found.group(1), anchor
        positions.append(found.start())
    assert positions == sorted(positions)
    # The methods section says what ran.
    assert "12 个村庄" in html and "CR2" in html and "2^12 = 4096" in html
    # No time stamp in the report (only in provenance.json).
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    stamp = prov[PROVENANCE_TIME_KEY]
    md = (out / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert stamp not in text and stamp[:10] not in text


def test_report_markdown_links_figures_and_tables(sample_run):
    out, _ = sample_run
    md = (out / "report.md").read_text(encoding="utf-8")
    for fig in SAMPLE_FIGURES:
        assert f"(figures/{fig}.png)" in md
    for link in re.findall(r"\]\((tables/[^)]+)\)", md):
        assert (out / link).is_file()


def test_figures_are_written_on_a_non_interactive_backend(sample_run):
    out, _ = sample_run
    assert matplotlib.get_backend().lower() == "agg"
    import matplotlib.image as mpimg

    for fig in SAMPLE_FIGURES:
        img = mpimg.imread(out / "figures" / f"{fig}.png")
        assert img.shape[0] > 200 and img.shape[1] > 200
        svg = (out / "figures" / f"{fig}.svg").read_text(encoding="utf-8")
        assert "<dc:date>" not in svg
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # every figure was closed


def test_determinism(sample_run, tmp_path):
    """Two runs of one configuration: identical bytes, except provenance.json's time."""
    first, _ = sample_run
    second = tmp_path / "again"
    assert main(["run", "--out", str(second), "--quiet"]) == 0
    a, b = _files(first), _files(second)
    assert set(a) == set(b)
    for name in a:
        if name == "provenance.json":
            pa = json.loads(a[name].read_text(encoding="utf-8"))
            pb = json.loads(b[name].read_text(encoding="utf-8"))
            pa.pop(PROVENANCE_TIME_KEY)
            pb.pop(PROVENANCE_TIME_KEY)
            assert pa == pb
        else:
            assert a[name].read_bytes() == b[name].read_bytes(), name


# --------------------------------------------------------------------------- a second study
def _second_study(folder: Path, *, waves: int = 2, pii: bool = True) -> dict[str, Path]:
    """A small simulated study, written as one file per wave, with a personal-data column."""
    files = ma.write_simulation(folder / "data", seed=7, n_villages=6, per_village=15, waves=waves)
    data = pd.read_csv(files["survey"], dtype=str, keep_default_na=False)
    if pii:
        data.insert(1, "phone", [PHONES[i % len(PHONES)] for i in range(len(data))])
        with open(files["codebook"], "a", encoding="utf-8") as fh:
            fh.write('\n[[variable]]\nname = "phone"\nlabel = "电话"\ntype = "text"\npii = true\n')
    paths = {}
    for wave, part in data.groupby("wave", sort=False):
        path = folder / "data" / f"survey_{wave}.csv"
        part.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
        paths[str(wave)] = path
    return {"codebook": files["codebook"], **paths}


def _config(
    folder: Path,
    files: dict[str, Path],
    *,
    analysis: str = "",
    report: str = 'formats = ["png"]\ndpi = 60\n',
    inference: str = "",
) -> Path:
    """The second study's configuration (small, low-resolution figures: fast)."""
    waves = ", ".join(f'{w} = "data/{p.name}"' for w, p in files.items() if w != "codebook")
    text = (
        f'[data]\nwaves = {{ {waves} }}\ncodebook = "data/codebook.toml"\n'
        f"[analysis]\n{analysis}"
        f"[inference]\nbootstrap_B = 999\nseed = 3\n{inference}"
        f"[report]\n{report}"
    )
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_second_study_in_english_with_mixed_model_and_randomization(tmp_path, capsys):
    files = _second_study(tmp_path)
    cfg = _config(
        tmp_path,
        files,
        analysis='covariates = ["age", "sex"]\nmixed_model = true\n',
        inference="randomized = true\n",
        report='lang = "en"\nformats = ["svg", "pdf"]\n',
    )
    out = tmp_path / "results"
    assert main(["run", str(cfg), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "mutualaid:" in err and "report written to" in err  # progress on stderr
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert "ordinal_mixed" in tables and "effects" in tables
    effects = pd.read_csv(out / "tables" / "effects.csv")
    assert "randomization" in set(effects["inference"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'lang="en"' in html and "Workshop evaluation" in html
    assert re.findall(r'<img src="data:image/svg\+xml;base64,', html)
    assert {p.suffix for p in (out / "figures").iterdir()} == {".svg", ".pdf"}
    assert "randomisation inference" in html and "6 villages" in html
    # The personal-data column is in no output, in any form.
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for phone in PHONES:
                assert phone.encode() not in data, path


def test_lang_option_overrides_the_config_and_quiet_is_silent(tmp_path, capsys):
    files = _second_study(tmp_path, pii=False)
    cfg = _config(tmp_path, files, report='lang = "zh"\nformats = ["png"]\ndpi = 60\n')
    assert main(["run", str(cfg), "--out", str(tmp_path / "o"), "--lang", "en", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    md = (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert "Methods" in md and "方法" not in md
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["config"]["report"]["lang"] == "en"  # the configuration as run


def test_one_wave_study_leaves_the_evaluation_out(tmp_path):
    files = _second_study(tmp_path, waves=1, pii=False)
    cfg = _config(tmp_path, files)
    assert main(["run", str(cfg), "--out", str(tmp_path / "o"), "-q"]) == 0
    tables = {p.stem for p in (tmp_path / "o" / "tables").glob("*.csv")}
    assert "gradient" in tables and "effects" not in tables and "attrition" not in tables
    md = (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert "工作坊评估需要同一批村庄的前后两轮调查" in md


def test_validation_failure_stops_before_anything_is_written(tmp_path, capsys):
    files = _second_study(tmp_path, pii=False)
    pre = files["pre"]
    data = pd.read_csv(pre, dtype=str, keep_default_na=False)
    data.loc[3, "age"] = "150"
    data.loc[5, "will_rel_care"] = "7"
    data.to_csv(pre, index=False)
    cfg = _config(tmp_path, files)
    out = tmp_path / "o"
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "failed validation with 2 problems" in err
    assert "out_of_range" in err and "invalid_code" in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "study.toml"]
    # With on_invalid = "exclude" the run goes through and the ledger says why.
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace("[analysis]", 'on_invalid = "exclude"\n[analysis]'),
        encoding="utf-8",
    )
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 0
    ledger = pd.read_csv(out / "ledger.csv")
    assert (ledger["status"] == "excluded").sum() == 2


def test_existing_output_folder_needs_force(tmp_path, capsys):
    files = _second_study(tmp_path, pii=False)
    cfg = _config(tmp_path, files)
    out = tmp_path / "o"
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 0
    before = {n: _sha(p) for n, p in _files(out).items()}
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")
    assert main(["run", str(cfg), "--out", str(out), "-q"]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert (out / "my_notes.txt").exists()
    assert main(["run", str(cfg), "--out", str(out), "-q", "--force"]) == 0
    after = {n: _sha(p) for n, p in _files(out).items()}
    assert not (out / "my_notes.txt").exists()  # replaced whole
    before.pop("provenance.json")
    after.pop("provenance.json")
    assert before == after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "o", "study.toml"]


def test_force_never_replaces_a_folder_it_did_not_write(tmp_path, capsys):
    files = _second_study(tmp_path, pii=False)
    cfg = _config(tmp_path, files)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work", encoding="utf-8")
    assert main(["run", str(cfg), "--out", str(precious), "-q", "--force"]) == 2
    assert "not written by mutualaid run" in capsys.readouterr().err
    assert (precious / "thesis.docx").read_text(encoding="utf-8") == "years of work"
    # Nor the folder holding the inputs.
    assert main(["run", str(cfg), "--out", str(tmp_path / "data"), "-q", "--force"]) == 2
    assert "holds the input file" in capsys.readouterr().err


def test_unknown_config_file_is_a_usage_error(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "no such configuration file" in capsys.readouterr().err


def test_undeclared_personal_data_never_reaches_the_outputs(tmp_path):
    files = _second_study(tmp_path, pii=False)
    for wave in ("pre", "post"):
        data = pd.read_csv(files[wave], dtype=str, keep_default_na=False)
        data["contact"] = [PHONES[i % 3] for i in range(len(data))]
        data.to_csv(files[wave], index=False)
    cfg = _config(tmp_path, files)
    out = tmp_path / "o"
    with pytest.warns(ma.PrivacyWarning):
        assert main(["run", str(cfg), "--out", str(out), "-q"]) == 0
    for path in out.rglob("*"):
        if path.is_file():
            for phone in PHONES:
                assert phone.encode() not in path.read_bytes(), path


def test_privacy_gate_blanks_personal_data_in_a_table():
    from mutualaid_analysis.report.pipeline import privacy_gate

    notes: list[str] = []
    table = pd.DataFrame({"respondent": ["13812345678", "13987654321"], "n": [1, 2]})
    out = privacy_gate("ledger.csv", table, notes)
    assert out["respondent"].isna().all() and list(out["n"]) == [1, 2]
    assert notes and "respondent" in notes[0]


def test_run_help_lists_the_options(capsys):
    assert main(["run", "--help"]) == 0
    text = capsys.readouterr().out
    for opt in ("--out", "--force", "--lang", "--quiet"):
        assert opt in text


def test_no_leftover_files_in_cwd(tmp_path, monkeypatch):
    """A failed run leaves the current folder as it was."""
    monkeypatch.chdir(tmp_path)
    os.mkdir("mutualaid-report")
    assert main(["run", "-q"]) == 2  # exists, no --force
    assert os.listdir("mutualaid-report") == []


def test_html_escapes_every_text():
    from mutualaid_analysis.report.render import Block, to_html, to_markdown

    frame = pd.DataFrame({"<th>": ["<td>&", "a|b"]})
    blocks = [
        Block("h1", text="<b>标题</b>"),
        Block("h2", text="x & y", anchor='a"b'),
        Block("p", text="<script>alert(1)</script>"),
        Block("list", items=("<i>",)),
        Block("table", text="<cap>", frame=frame, name="t"),
        Block("figure", text='"alt"', name="f"),
    ]
    html = to_html(blocks, {"f": ("image/png", b"\x89PNG")}, "zh")
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;标题&lt;/b&gt;" in html
    assert "&lt;td&gt;&amp;" in html and 'id="a&quot;b"' in html
    assert 'alt="&quot;alt&quot;"' in html and "data:image/png;base64,iVBORw==" in html
    assert to_html(blocks, {"f": ("image/png", b"\x89PNG")}, "zh") == html  # stable
    md = to_markdown(blocks)
    assert "a\\|b" in md  # a pipe cannot break the Markdown table
