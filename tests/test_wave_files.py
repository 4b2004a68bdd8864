"""read_survey with one file per wave keyed by a labelled wave column's codes or labels."""

from __future__ import annotations

from pathlib import Path

import pytest

import mutualaid_analysis as ma

DATA = Path(__file__).parent / "data"


def _labelled_codebook(tmp_path: Path, waves: str) -> Path:
    """The export codebook with the wave column coded 1/2 and labelled 前测/后测."""
    text = (DATA / "export_codebook.toml").read_text(encoding="utf-8")
    text = text.replace('waves = ["前测", "后测"]', f"waves = {waves}")
    text = text.replace('name = "调查波次"\ntype = "text"',
                        'name = "调查波次"\ntype = "category"\nvalues = { 1 = "前测", 2 = "后测" }')
    path = tmp_path / "codebook.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _wave_files(tmp_path: Path) -> tuple[Path, Path, int, int]:
    """The GBK export split into 基线.csv and 追踪.csv, without their wave column."""
    lines = (DATA / "export_long_gbk.csv").read_bytes().decode("gbk").split("\r\n")
    header = lines[0].split(",")
    at = header.index("调查波次")
    drop = [",".join(c for i, c in enumerate(line.split(",")) if i != at) for line in lines]
    pre = [drop[0]] + [d for d, line in zip(drop[1:], lines[1:], strict=True)
                       if line.split(",")[at:at + 1] == ["前测"]]
    post = [drop[0]] + [d for d, line in zip(drop[1:], lines[1:], strict=True)
                        if line.split(",")[at:at + 1] == ["后测"]]
    a, b = tmp_path / "基线.csv", tmp_path / "追踪.csv"
    a.write_bytes(("\r\n".join(pre) + "\r\n").encode("gbk"))
    b.write_bytes(("\r\n".join(post) + "\r\n").encode("gbk"))
    return a, b, len(pre) - 1, len(post) - 1


@pytest.mark.parametrize("waves", ['["前测", "后测"]', "[1, 2]"])
@pytest.mark.parametrize("keys", [("前测", "后测"), (1, 2), ("1", "2"), ("前测", 2)])
def test_wave_files_keyed_by_label_or_code(tmp_path, waves, keys):
    cb = ma.read_codebook(_labelled_codebook(tmp_path, waves))
    pre, post, n_pre, n_post = _wave_files(tmp_path)
    assert (n_pre, n_post) == (24, 22)
    s = ma.read_survey({keys[0]: pre, keys[1]: post}, cb, on_invalid="exclude")
    assert s.n_read == n_pre + n_post == s.n_analysed + s.n_excluded
    assert s.data["调查波次"].value_counts().to_dict() == {1: n_pre, 2: n_post}
    assert s.ledger["file"].tolist() == ["基线.csv"] * n_pre + ["追踪.csv"] * n_post
    assert [f["wave"] for f in s.provenance["files"]] == [1, 2]
    assert s.n_respondents == 24


def test_wave_files_keyed_by_label_match_the_long_file(tmp_path):
    cb = ma.read_codebook(_labelled_codebook(tmp_path, '["前测", "后测"]'))
    pre, post, _, _ = _wave_files(tmp_path)
    split = ma.read_survey({"前测": pre, "后测": post}, cb, on_invalid="exclude")
    long = ma.read_survey(DATA / "export_long_gbk.csv", cb, on_invalid="exclude")
    cols = [c for c in long.data.columns]
    assert split.data[cols].reset_index(drop=True).equals(long.data.reset_index(drop=True))


def test_unknown_wave_key_lists_codes_and_labels(tmp_path):
    cb = ma.read_codebook(_labelled_codebook(tmp_path, '["前测", "后测"]'))
    pre, post, _, _ = _wave_files(tmp_path)
    with pytest.raises(ma.UsageError) as info:
        ma.read_survey({"中测": pre, 3: post}, cb)
    msg = str(info.value)
    assert "'中测'" in msg and "3" in msg
    assert "1 = 前测, 2 = 后测" in msg


def test_wave_file_whose_column_names_another_wave_is_held_back(tmp_path):
    """A per-wave file keyed by label still checks its own wave column (codes)."""
    cb = ma.read_codebook(_labelled_codebook(tmp_path, '["前测", "后测"]'))
    lines = (DATA / "export_long_gbk.csv").read_bytes().decode("gbk").split("\r\n")
    at = lines[0].split(",").index("调查波次")
    pre = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[at:at + 1] == ["前测"]]
    path = tmp_path / "前测.csv"
    path.write_bytes(("\r\n".join(pre) + "\r\n").encode("gbk"))
    s = ma.read_survey({"前测": path}, cb, on_invalid="exclude")
    assert s.n_excluded == 0 and s.n_read == 24
    s = ma.read_survey({"后测": path}, cb, on_invalid="exclude")
    assert set(s.problems["rule"]) >= {"wave_mismatch"}
    assert s.n_read == s.n_analysed + s.n_excluded


def test_config_waves_keyed_by_label_are_checked_like_read_survey(tmp_path):
    from mutualaid_analysis.report.config import check_against_codebook, load_config

    cb_path = _labelled_codebook(tmp_path, "[1, 2]")
    _wave_files(tmp_path)
    cfg_path = tmp_path / "analysis.toml"
    cfg_path.write_text('[data]\ncodebook = "codebook.toml"\n'
                        'waves = { "前测" = "基线.csv", "后测" = "追踪.csv" }\n', encoding="utf-8")
    cb = ma.read_codebook(cb_path)
    problems = check_against_codebook(load_config(cfg_path), cb)
    assert not [p for p in problems if p.startswith("data.waves")]
    cfg_path.write_text('[data]\ncodebook = "codebook.toml"\n'
                        'waves = { "中测" = "基线.csv", "后测" = "追踪.csv" }\n', encoding="utf-8")
    problems = check_against_codebook(load_config(cfg_path), cb)
    assert [p for p in problems if p.startswith("data.waves")] == [
        "data.waves: '中测' is not a wave of the codebook ([survey] waves: 1 = 前测, 2 = 后测)."]
