"""Every sentence of the methods text is read from the result it describes.

Run on the hand-written GBK long export (tests/data/export_long_gbk.csv: 4
villages, 2 per arm, two waves) with settings other than the defaults: the
ordinal model's covariance chosen in the configuration, CR1 intervals for the
means and shares.  Each sentence must name what the results used.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mutualaid_analysis.report import load_config
from mutualaid_analysis.report.pipeline import Progress, run_pipeline
from mutualaid_analysis.report.render import build_document

DATA = Path(__file__).parent / "data"
SATISFACTION = "对本村互助养老服务的满意度"


def _run(
    folder: Path, inference: str = "", lang: str = "en", analysis: str = "", copy: bool = True
):
    if copy:
        shutil.copy(DATA / "export_long_gbk.csv", folder)
        shutil.copy(DATA / "export_codebook.toml", folder / "codebook.toml")
    cfg = folder / "analysis.toml"
    cfg.write_text(
        '[data]\npath = "export_long_gbk.csv"\ncodebook = "codebook.toml"\n'
        f"[analysis]\n{analysis}"
        f"[inference]\nbootstrap_B = 199\nseed = 1\n{inference}"
        f'[report]\nlang = "{lang}"\n',
        encoding="utf-8",
    )
    config = load_config(cfg)
    result = run_pipeline(config, progress=Progress(quiet=True), figures=False)
    blocks = build_document(result, config, "0")
    methods = next(
        b.items for i, b in enumerate(blocks) if b.kind == "list" and blocks[i - 1].anchor == "methods"
    )
    paragraphs = [b.text for b in blocks if b.kind == "p"]
    return result, methods, paragraphs


def _item(items, start: str) -> str:
    return next(i for i in items if i.startswith(start))


@pytest.mark.parametrize(
    ("vcov", "words"),
    [
        ("respondent", "respondent-cluster-robust SEs (CR1)"),
        ("model", "model-based SEs (inverse information; not cluster-robust)"),
    ],
)
def test_ordinal_sentence_names_the_covariance_the_model_used(tmp_path, vcov, words):
    result, methods, paragraphs = _run(tmp_path, f'ordinal_vcov = "{vcov}"\n')
    info = result.results["ordinal"].info
    assert info["vcov"] == vcov
    sentence = _item(methods, "Cumulative logit model")
    assert words in sentence and "village-cluster" not in sentence, sentence
    if vcov == "model":
        assert sentence.endswith("with N(0, 1).")
    else:  # clustered by respondent: t with (respondents - 1) df, as the table says
        df = set(result.tables["ordinal"]["df"].dropna())
        assert df == {info["df"]} and info["df"] > 4
        assert f"with t({info['df']:g})." in sentence, sentence
    # the results paragraph says the same covariance
    para = next(p for p in paragraphs if p.startswith("In the cumulative logit model"))
    assert f"({words.split(' (')[0]})" in para, para


def test_ordinal_sentence_in_chinese_names_the_covariance(tmp_path):
    _, methods, paragraphs = _run(tmp_path, 'ordinal_vcov = "respondent"\n', lang="zh")
    sentence = _item(methods, "累积 logit 模型（最大似然）")
    assert "受访者聚类稳健标准误（CR1）" in sentence and "村庄聚类" not in sentence


def test_default_ordinal_sentence_is_village_clustered_with_the_models_df(tmp_path):
    result, methods, _ = _run(tmp_path)
    info = result.results["ordinal"].info
    assert info["vcov"] == "cluster" and info["df"] == 3  # 4 villages at 前测
    sentence = _item(methods, "Cumulative logit model")
    assert "village-cluster-robust SEs (CR1) with t(3)." in sentence, sentence
    # one service per item pair: the model has service effects, and says so
    assert (result.tables["ordinal"]["kind"] == "service").any()
    assert "with circle and service effects" in sentence


def test_cr1_means_sentence_gives_the_df_of_the_rows(tmp_path):
    result, methods, _ = _run(tmp_path, 'vcov = "CR1"\n')
    dfs = pd.concat(
        [result.tables[n]["df"] for n in ("platform", "gradient", "scale_scores", "participation")
         if n in result.tables]
    ).dropna()
    # all 4 villages (df 3) and each arm's 2 (df 1): the rows differ, and the text says so
    assert set(dfs) == {1.0, 3.0}
    sentence = methods[0]
    assert "CR1 cluster-robust intervals (CR1S) with t(1) to t(3) (the rows differ" in sentence
    assert "G-1" not in sentence and "G−1" not in sentence


def test_effects_sentence_gives_the_cr1_df_of_the_effect_rows(tmp_path):
    result, methods, _ = _run(tmp_path, analysis=f"outcomes = [{SATISFACTION!r}]\n")
    effects = result.tables["effects"]
    cr1 = effects[(effects["inference"] == "CR1") & (effects["estimand"] == "between-arm effect")]
    assert set(cr1["df"]) == {3.0}  # 4 villages, both models
    sentence = _item(methods, "Workshop evaluation (design")
    assert "CR1S with t(3), and the wild cluster restricted bootstrap" in sentence, sentence
    assert "2^4 = 16 Rademacher sign vectors" in sentence


def test_one_arm_study_has_no_between_arm_methods(tmp_path):
    # the workshop villages of the export only (东山村, 西河村): change within the arm
    raw = (DATA / "export_long_gbk.csv").read_bytes().decode("gbk").split("\r\n")
    kept = [raw[0], *(line for line in raw[1:] if ",工作坊," in line)]
    assert len(kept) == 1 + 23  # 12 at 前测, 11 at 后测 (0105 lost)
    folder = tmp_path / "one_arm"
    folder.mkdir()
    shutil.copy(DATA / "export_codebook.toml", folder / "codebook.toml")
    (folder / "export_long_gbk.csv").write_bytes("\r\n".join(kept).encode("gbk"))
    result, methods, _ = _run(folder, analysis=f"outcomes = [{SATISFACTION!r}]\n", copy=False)
    effects = result.tables["effects"]
    assert not result.settings.arms
    assert set(effects["estimand"]) <= {"within-arm change", "standardised within-arm change"}
    sentence = _item(methods, "Workshop evaluation (design")
    assert "change within each arm (paired, CR2). Outcomes:" in sentence, sentence
    assert "between-arm" not in sentence and "bootstrap" not in sentence
