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


def _umask(mask: int):
    import contextlib
    import os

    @contextlib.contextmanager
    def ctx():
        old = os.umask(mask)
        try:
            yield
        finally:
            os.umask(old)

    return ctx()


def test_init_does_not_share_a_fixed_temporary_name(tmp_path, capsys):
    """A leftover ``<out>.tmp`` (another init, an editor's file) is neither used nor touched."""
    from mutualaid_analysis.cli.main import main

    data = tmp_path / "export_long_gbk.csv"
    data.write_bytes((DATA / "export_long_gbk.csv").read_bytes())
    cb = tmp_path / "export_codebook.toml"
    cb.write_bytes((DATA / "export_codebook.toml").read_bytes())
    out = tmp_path / "analysis.toml"
    other = tmp_path / "analysis.toml.tmp"
    other.mkdir()  # a name a fixed temporary file would collide with
    (other / "keep.txt").write_text("x", encoding="utf-8")
    with _umask(0o002):
        assert main(["init", str(data), "--codebook", str(cb), "--out", str(out)]) == 0
    assert out.is_file() and "export_long_gbk.csv" in out.read_text(encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o664  # a normal file under umask 002
    assert (other / "keep.txt").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["analysis.toml", "analysis.toml.tmp", "export_codebook.toml", "export_long_gbk.csv"])


def test_codebook_to_toml_writes_whole_with_normal_permissions(tmp_path):
    cb = ma.read_codebook(DATA / "export_codebook.toml")
    out = tmp_path / "codebook.toml"
    (tmp_path / "codebook.toml.tmp").write_text("someone else's", encoding="utf-8")
    with _umask(0o027):
        cb.to_toml(out)
    assert out.stat().st_mode & 0o777 == 0o640
    assert ma.read_codebook(out).to_dict() == cb.to_dict()
    assert (tmp_path / "codebook.toml.tmp").read_text(encoding="utf-8") == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codebook.toml", "codebook.toml.tmp"]


def test_saved_figure_keeps_the_old_file_when_rendering_fails(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pytest
    from matplotlib.artist import Artist

    from mutualaid_analysis.plots import save_figure

    class Broken(Artist):
        armed = True
        draws = 0

        def draw(self, renderer):
            # the first draw measures the tight bounding box; the second writes
            # the SVG into its open file: fail there, half-way through the file
            Broken.draws += 1
            if Broken.armed and Broken.draws == 2:
                raise RuntimeError("cannot draw")

    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    ax.add_artist(Broken())
    target = tmp_path / "fig.svg"
    target.write_bytes(b"previous figure")
    with _umask(0o022):
        with pytest.raises(RuntimeError, match="cannot draw"):
            save_figure(fig, tmp_path / "fig", formats=("svg",))
        assert target.read_bytes() == b"previous figure"  # not emptied half-way
        Broken.armed = False
        save_figure(fig, tmp_path / "fig", formats=("svg",))
    plt.close(fig)
    assert b"<svg" in target.read_bytes()
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.svg"]


def test_one_sha256_hasher():
    """Every SHA-256 of the package goes through output.sha256_file / sha256_bytes."""
    import ast

    from mutualaid_analysis import output
    from mutualaid_analysis.data import readers
    from mutualaid_analysis.report import writer

    pkg = Path(ma.__file__).parent
    users = []
    for path in sorted(pkg.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "sha256" and isinstance(
                    node.value, ast.Name) and node.value.id == "hashlib":
                users.append(path.relative_to(pkg).as_posix())
    # privacy.py passes hashlib.sha256 to hmac as the keyed pseudonym's digest, not a hasher
    assert sorted(set(users)) == ["data/privacy.py", "output.py"]
    assert readers.sha256_file is output.sha256_file is writer.sha256_file
    f = DATA / "export_long_gbk.csv"
    assert output.sha256_file(f) == output.sha256_bytes(f.read_bytes())
    s = ma.read_survey(f, ma.read_codebook(DATA / "export_codebook.toml"), on_invalid="exclude")
    assert s.provenance["files"][0]["sha256"] == output.sha256_file(f)
    assert s.provenance["codebook"]["sha256"] == output.sha256_file(DATA / "export_codebook.toml")


def test_the_shared_export_builder_writes_what_platforms_write(tmp_path):
    from exports import write_gbk_export

    rows = ["编号,村庄,亲属", "007,青山村,比较愿意", "8,柳树村,NA"]
    data, cb = write_gbk_export(tmp_path, "导出.csv", rows, "# 码本\n")
    assert data.read_bytes() == "编号,村庄,亲属\r\n007,青山村,比较愿意\r\n8,柳树村,NA\r\n".encode("gbk")
    assert cb.read_text(encoding="utf-8") == "# 码本\n" and cb.name == "codebook.toml"
    text, _ = write_gbk_export(tmp_path, "b.csv", "a,b\n1,2\n", "", codebook_name="c.toml")
    assert text.read_bytes() == b"a,b\r\n1,2\r\n"
