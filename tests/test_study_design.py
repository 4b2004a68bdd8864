"""The study design of the evaluation (evaluation/design.py): one rule for arms, waves and outcomes.

Unit tests on small frames, then the hand-written GBK long export of
tests/data (4 villages, 工作坊 / 对照, 前测 / 后测; 0105 and 0304 not seen at
后测) and two variants of it where the old copies of the design disagreed:
a follow-up wave listed in the codebook but absent from the data, and a
comparison arm surveyed only at the follow-up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from exports import write_gbk_export

import mutualaid_analysis as ma
from mutualaid_analysis.evaluation.design import (
    DESIGNS,
    PANEL_COLUMNS,
    StudyDesign,
    analytic_panel,
    outcome_at_wave,
    resolve_outcome,
    study_design,
)
from mutualaid_analysis.exceptions import UsageError

DATA = Path(__file__).parent / "data"


def codebook(treated="workshop", waves=("pre", "post")) -> ma.Codebook:
    return ma.Codebook.from_dict(
        {
            "survey": {
                "id": "resp_id",
                "cluster": "village",
                "wave": "wave",
                "waves": list(waves),
                "group": "arm",
                "treated": treated,
            },
            "variable": [
                {"name": "resp_id", "type": "id"},
                {"name": "village", "type": "integer"},
                {"name": "wave", "type": "text"},
                {"name": "arm", "type": "text"},
                {"name": "x", "type": "number"},
                {"name": "note", "type": "text"},
            ],
        }
    )


def frame(arms: dict[int, str], waves=("pre", "post"), n: int = 3) -> pd.DataFrame:
    """n respondents per village, each observed at every wave of ``waves``."""
    rows = [
        (f"V{v}-{i}", v, w, arm, float(i + k), "")
        for v, arm in arms.items()
        for k, w in enumerate(waves)
        for i in range(n)
    ]
    return pd.DataFrame(rows, columns=["resp_id", "village", "wave", "arm", "x", "note"])


# --------------------------------------------------------------------------- the design


def test_study_design_of_a_two_arm_panel():
    s = ma.from_frame(frame({1: "comparison", 2: "workshop", 3: "comparison", 4: "workshop"}),
                      codebook())
    d = study_design(s)
    assert isinstance(d, StudyDesign)
    assert (d.kind, d.baseline, d.followup, d.waves) == ("comparison", "pre", "post",
                                                         ("pre", "post"))
    assert (d.id, d.cluster, d.wave, d.group) == ("resp_id", "village", "wave", "arm")
    # the treated arm first, whatever the order of the rows
    assert d.arms == ("workshop", "comparison") and d.two_arms
    assert (d.treated, d.comparison) == ("workshop", "comparison")
    assert d.reason.startswith("design='auto' chose 'comparison'") and d.between_arms
    assert d.followup_observed
    assert study_design(s, "prepost").kind == "prepost"
    assert study_design(s, "randomized").reason == "design='randomized' as requested."
    assert "auto" in DESIGNS


def test_arm_order_and_pooling_do_not_depend_on_the_rows():
    arms = {1: "z-arm", 2: "workshop", 3: "a-arm", 4: "workshop"}
    d = study_design(ma.from_frame(frame(arms), codebook()))
    # the other arms sorted by their text; several are pooled as "comparison" by evaluate
    assert d.arms == ("workshop", "a-arm", "z-arm")
    assert d.two_arms and d.comparison is None and d.comparison_label == "comparison"
    with pytest.raises(UsageError, match=r"attrition compares two arms.*\['workshop', 'a-arm', "
                                         r"'z-arm'\]"):
        study_design(ma.from_frame(frame(arms), codebook()), arms="two", what="attrition")


def test_arm_values_are_compared_as_text():
    cb = ma.Codebook.from_dict(
        {
            "survey": {"id": "resp_id", "cluster": "village", "wave": "wave",
                       "waves": ["pre", "post"], "group": "arm", "treated": "1"},
            "variable": [
                {"name": "resp_id", "type": "id"},
                {"name": "village", "type": "integer"},
                {"name": "wave", "type": "text"},
                {"name": "arm", "type": "integer"},
                {"name": "x", "type": "number"},
            ],
        }
    )
    data = frame({1: 0, 2: 1, 3: 0, 4: 1}).drop(columns="note")
    d = study_design(ma.from_frame(data, cb))
    assert d.two_arms and d.treated_label == "1" and d.comparison_label == "0"


def test_design_errors_name_what_to_set():
    s = ma.from_frame(frame({1: "workshop", 2: "workshop"}), codebook())
    with pytest.raises(UsageError, match=r"design must be one of \['auto'"):
        study_design(s, "rct")
    with pytest.raises(UsageError, match="design='comparison' needs workshop and comparison"):
        study_design(s, "comparison")
    assert study_design(s).kind == "prepost"
    assert study_design(s).reason == "design='auto' chose 'prepost': two waves and one arm."
    with pytest.raises(UsageError, match="give waves=.* or followup=, not both"):
        study_design(s, waves=("pre", "post"), followup="post")
    with pytest.raises(UsageError, match="followup must be one of the later waves"):
        study_design(s, followup="pre")
    with pytest.raises(UsageError, match="no wave 'mid' in the data"):
        study_design(s, waves=("pre", "mid"))
    no_treated = ma.from_frame(frame({1: "a", 2: "b"}), codebook(treated=None))
    with pytest.raises(UsageError, match=r'set \[survey\] treated = '):
        study_design(no_treated, arms="two")
    assert study_design(no_treated).treated_label == "all"
    one_wave = ma.from_frame(frame({1: "workshop", 2: "comparison"}, waves=("pre",)), codebook())
    with pytest.raises(UsageError, match="reliable_change compares two waves, but the data have 1"):
        study_design(one_wave, what="reliable_change")
    with pytest.raises(UsageError, match="kind must be one of"):
        StudyDesign(kind="auto", id="id", wave="wave", baseline="pre", followup="post")


def test_a_counting_analysis_may_follow_up_at_a_wave_nobody_was_seen_at():
    one_wave = ma.from_frame(frame({1: "workshop", 2: "comparison"}, waves=("pre",)), codebook())
    d = study_design(one_wave, arms="two", empty_followup=True)
    assert (d.baseline, d.followup, d.followup_observed) == ("pre", "post", False)
    panel = analytic_panel(one_wave, study=d)
    assert tuple(panel.columns) == PANEL_COLUMNS
    assert len(panel) == 6 and not panel["analytic"].any()


# --------------------------------------------------------------------------- outcomes


def test_outcome_views_per_row_and_per_id():
    data = frame({1: "workshop", 2: "comparison"})
    data.loc[(data["wave"] == "post") & (data["resp_id"] == "V1-0"), "x"] = np.nan
    s = ma.from_frame(data, codebook())
    out = resolve_outcome(s, "x")
    assert out.kind == "variable" and out.values.index.equals(s.data.index)
    post = out.at_wave("post")
    assert post.index.tolist()[:3] == ["V1-0", "V1-1", "V1-2"] and np.isnan(post["V1-0"])
    pd.testing.assert_series_equal(outcome_at_wave(s, "x", "pre"), out.at_wave("pre"))
    panel = analytic_panel(s, outcome="x")
    assert panel.set_index("id").at["V1-0", "analytic"] == np.False_
    assert int(panel["analytic"].sum()) == 5
    with pytest.raises(UsageError, match="outcome 'note' is text; an outcome must be"):
        resolve_outcome(s, "note")
    with pytest.raises(UsageError, match=r"Unknown outcome 'nope'\. Outcomes are .*neither a "
                                         "scale"):
        resolve_outcome(s, "nope")


def test_a_scale_outcome_is_the_sum_score():
    s = ma.load_sample()
    out = resolve_outcome(s, "gses")
    scores = ma.score_scale(s, "gses")["score"].to_numpy()
    np.testing.assert_array_equal(out.values.to_numpy(), scores)
    assert out.kind == "scale" and out.description.startswith("gses sum score")


# --------------------------------------------------------------------------- the export


def _export(tmp_path: Path, *, keep=lambda fields: True, waves=None) -> ma.Survey:
    text = (DATA / "export_long_gbk.csv").read_bytes().decode("gbk")
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    rows = [lines[0], *(ln for ln in lines[1:] if keep(ln.split(",")))]
    cb = (DATA / "export_codebook.toml").read_text(encoding="utf-8")
    if waves is not None:
        cb = cb.replace('waves = ["前测", "后测"]', "waves = " + str(list(waves)).replace("'", '"'))
    path, cb_path = write_gbk_export(tmp_path, "导出.csv", rows, cb)
    return ma.read_survey(path, codebook=cb_path)


def test_the_long_export(tmp_path):
    s = _export(tmp_path)
    d = study_design(s)
    assert (d.baseline, d.followup, d.kind) == ("前测", "后测", "comparison")
    assert [str(a) for a in d.arms] == ["工作坊", "对照"] and d.cluster == "村名"
    panel = analytic_panel(s)
    assert len(panel) == 24 and int(panel["analytic"].sum()) == 22
    assert set(panel.loc[~panel["analytic"], "id"]) == {"0105", "0304"}
    # 0305 has 自评健康 98 (不知道) at 后测: lost for that outcome
    health = analytic_panel(s, outcome="自评健康")
    assert set(health.loc[~health["analytic"], "id"]) == {"0105", "0304", "0305"}
    rel = resolve_outcome(s, "relatives")
    assert rel.kind == "circle" and "mean over services" in rel.description
    assert rel.at_wave("前测").index[0] == "0101"  # ids keep their leading zeros
    care = resolve_outcome(s, "relatives", service="daily_care").at_wave("前测")
    assert care["0101"] == 5.0  # 非常愿意
    with pytest.raises(UsageError, match="outcome '村名' is category"):
        resolve_outcome(s, "村名")


def test_a_listed_follow_up_without_data_is_not_the_default(tmp_path):
    # the codebook plans a third wave 追踪 that has not been collected yet
    s = _export(tmp_path, waves=["前测", "后测", "追踪"])
    d = study_design(s)
    assert d.followup == "后测" and d.waves == ("前测", "后测")
    att = ma.attrition(s)
    resp = att.table[att.table["level"] == "respondent"].set_index("group")
    assert att.info["followup"] == "后测" and resp.at["overall", "n_lost"] == 2
    assert ma.evaluate(s, outcome="自评健康", inference=["CR2"]).info["waves"] == ("前测", "后测")
    assert ma.participant_flow(s).info["followup"] == "后测"
    # named explicitly, a counting analysis counts everyone lost at it, and says so
    lost = ma.attrition(s, followup="追踪")
    assert lost.table.set_index(["level", "group"]).at[("respondent", "overall"), "n_lost"] == 24
    assert "No analysed row holds the follow-up wave '追踪'" in lost.notes[0]
    # an estimating analysis refuses it by name
    with pytest.raises(UsageError, match="listed in the codebook's waves but no analysed row"):
        ma.evaluate(s, outcome="自评健康", waves=("前测", "追踪"))


def test_a_comparison_arm_seen_only_at_follow_up_is_no_arm(tmp_path):
    # the 对照 villages were surveyed only at 后测
    s = _export(tmp_path, keep=lambda f: not (f[2] == "对照" and f[3] == "前测"))
    d = study_design(s)
    assert d.kind == "prepost" and not d.two_arms and [str(a) for a in d.arms] == ["工作坊"]
    assert "'对照' appears only at later waves" in d.reason
    res = ma.evaluate(s, outcome="自评健康")
    assert res.info["design"] == "prepost"
    assert set(res.table["arm"]) == {"工作坊"}
    with pytest.raises(UsageError, match="needs workshop and comparison villages.*'对照' appears "
                                         "only at later waves"):
        ma.evaluate(s, outcome="自评健康", design="comparison")
    with pytest.raises(UsageError, match=r"attrition compares two arms.*\['工作坊'\]; '对照' "
                                         "appears only at later waves"):
        ma.attrition(s)


def test_the_report_skips_the_two_arm_analyses_when_an_arm_has_no_baseline(tmp_path, capsys):
    from mutualaid_analysis.cli.main import main

    s_dir = tmp_path / "in"
    s_dir.mkdir()
    _export(s_dir, keep=lambda f: not (f[2] == "对照" and f[3] == "前测"))
    cfg = s_dir / "analysis.toml"
    cfg.write_text('[data]\npath = "导出.csv"\ncodebook = "codebook.toml"\n'
                   "[inference]\nbootstrap_B = 199\nseed = 1\n"
                   '[report]\nformats = ["png"]\ndpi = 50\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(cfg), "--out", str(out), "--quiet"]) == 0, capsys.readouterr().err
    assert not (out / "tables" / "attrition.csv").exists()
    assert (out / "tables" / "circle_expansion.csv").exists()  # within 工作坊 only
    assert "attrition and baseline equivalence need workshop and comparison villages" in (
        out / "report.md").read_text(encoding="utf-8")


def test_every_evaluation_result_states_its_respondents_and_villages(tmp_path):
    # the export: 24 baseline respondents in 4 villages, 22 seen at both waves;
    # 0305's 自评健康 is 98 (不知道) at 后测, so 21 have that outcome at both
    s = _export(tmp_path)
    att = ma.attrition(s)
    resp = att.table[att.table["level"] == "respondent"].set_index("group")
    assert (att.nobs, att.n_clusters) == (24, 4) == (resp.at["overall", "n_baseline"], 4)
    flow = ma.participant_flow(s)
    base = flow.table[flow.table["stage"] == "baseline"]
    assert flow.nobs == int(base["respondents"].sum()) == 24 and flow.n_clusters == 4
    eq = ma.baseline_equivalence(s, ["年龄"])
    assert (eq.nobs, eq.n_clusters) == (22, 4)
    rc = ma.reliable_change(s, "自评健康", reliability=0.8)
    assert rc.nobs == len(rc.tables["respondents"]) == 21 and rc.n_clusters == 4
    ev = ma.evaluate(s, outcome="自评健康", inference=["CR2"])
    assert (ev.nobs, ev.n_clusters) == (21, 4)
    ex = ma.circle_expansion(s, n_boot=99, seed=1)
    gap = ex.tables["means"]
    assert (ex.nobs, ex.n_clusters) == (22, 4)  # the gap at both waves: 11 + 11
    assert gap.loc[gap["circle"] == "relatives - villagers", "n"].tolist() == [12, 11, 12, 11]
