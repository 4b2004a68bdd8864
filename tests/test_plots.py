"""Figures: the plot-function contract, labels, Chinese glyphs, determinism, and the numbers drawn."""

from __future__ import annotations

import re
import warnings
from importlib.resources import files

import matplotlib

matplotlib.use("Agg")  # before pyplot: tests never open a window

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.text import Text

import mutualaid_analysis as ma
from mutualaid_analysis import plots
from mutualaid_analysis.exceptions import MutualAidWarning, UsageError
from mutualaid_analysis.models import fit_ordinal
from mutualaid_analysis.plots import style
from mutualaid_analysis.plots.ripple import _cmap

CJK = plots.find_cjk_font()
NEEDS_CJK = pytest.mark.skipif(
    CJK is None,
    reason="no CJK font installed: `apt-get install fonts-noto-cjk` (or fonts-wqy-microhei)",
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def survey():
    return ma.load_sample()


@pytest.fixture(scope="module")
def results(survey):
    return {
        "gradient": ma.gradient(survey, by="arm"),
        "gradient_waves": [ma.gradient(survey, by="arm", wave=w) for w in ("pre", "post")],
        "profiles": ma.classify_profiles(survey, by="arm"),
        "evaluation": ma.evaluate(survey, outcomes=["gses", "knows_platform"], seed=1),
        "expansion": ma.circle_expansion(survey, seed=1),
        "ordinal": fit_ordinal(survey, ["age", "sex"], ["lives_alone"]),
    }


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("a plot function called plt.show()")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


def _calls(survey, res):
    """name -> function(ax=None, lang=..., **kwargs) drawing one single-panel figure."""
    cb = survey.codebook
    return {
        "ripple": lambda **k: plots.ripple(res["gradient"], group="workshop", codebook=cb, **k),
        "gradient_lines": lambda **k: plots.gradient_lines(res["gradient_waves"], codebook=cb, **k),
        "profile_shares": lambda **k: plots.profile_shares(res["profiles"], codebook=cb, **k),
        "likert_bars": lambda **k: plots.likert_bars(
            ma.likert_table(survey, service="each"), **k
        ),
        "slope": lambda **k: plots.slope(ma.wave_means(survey, "gses"), **k),
        "wave_means": lambda **k: plots.wave_means(ma.wave_means(survey, "villagers"), **k),
        "forest": lambda **k: plots.forest(res["evaluation"], codebook=cb, **k),
        "flow_diagram": lambda **k: plots.flow_diagram(ma.participant_flow(survey), **k),
        "predicted_probabilities": lambda **k: plots.predicted_probabilities(
            res["ordinal"], codebook=cb, **k
        ),
    }


NAMES = [
    "ripple",
    "gradient_lines",
    "profile_shares",
    "likert_bars",
    "slope",
    "wave_means",
    "forest",
    "flow_diagram",
    "predicted_probabilities",
]


def _texts(ax: Axes) -> str:
    fig = ax.figure
    fig.canvas.draw()
    parts = [t.get_text() for t in fig.findobj(Text)]
    return "\n".join(parts)


# --------------------------------------------------------------------------- the contract


@pytest.mark.parametrize("name", NAMES)
def test_returns_axes_and_draws_on_the_given_axes(survey, results, name):
    fig, ax = plt.subplots()
    out = _calls(survey, results)[name](ax=ax, lang="en")
    assert out is ax
    assert isinstance(out, Axes)
    new = _calls(survey, results)[name](lang="en")
    assert isinstance(new, Axes) and new is not ax


@pytest.mark.parametrize("name", NAMES)
def test_kwargs_reach_the_drawing_call(survey, results, name):
    ax = _calls(survey, results)[name](lang="en", alpha=0.77)
    alphas = {a.get_alpha() for a in ax.findobj() if hasattr(a, "get_alpha")}
    assert 0.77 in alphas


def test_every_function_is_exported_with_the_shared_signature():
    import inspect

    for name in NAMES:
        params = inspect.signature(getattr(plots, name)).parameters
        names = list(params)
        assert names.index("lang") == names.index("ax") + 1 <= 3, name
        assert params["ax"].default is None and params["lang"].default == "zh", name
        assert any(p.kind is p.VAR_KEYWORD for p in params.values()), name


def test_use_style_leaves_the_users_rcparams_alone():
    before = dict(matplotlib.rcParams)
    with plots.use_style("en"):
        assert matplotlib.rcParams["svg.hashsalt"] == "mutualaid_analysis"
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in before.items() if after[k] != v} == {}


def test_unknown_language_is_a_usage_error(survey, results):
    with pytest.raises(UsageError, match="lang must be one of"):
        plots.ripple(results["gradient"], group="workshop", lang="fr")


# --------------------------------------------------------------------------- labels


@NEEDS_CJK
@pytest.mark.parametrize(
    ("name", "zh", "en"),
    [
        ("ripple", "亲属", "relatives"),
        ("gradient_lines", "其他村民", "other villagers"),
        ("profile_shares", "严格递减", "strict"),
        ("likert_bars", "非常愿意", "very willing"),
        ("slope", "工作坊村", "workshop"),
        ("wave_means", "后测", "after"),
        ("forest", "一般自我效能感量表", "General Self-Efficacy Scale"),
        ("flow_diagram", "纳入分析", "Analysed"),
        ("predicted_probabilities", "是否独居", "Lives alone"),
    ],
)
def test_labels_follow_lang(survey, results, name, zh, en):
    zh_text = _texts(_calls(survey, results)[name](lang="zh"))
    en_text = _texts(_calls(survey, results)[name](lang="en"))
    assert zh in zh_text
    assert en in en_text
    assert not style.has_cjk(en_text), re.findall(r"[\u4e00-\u9fff]+", en_text)


@NEEDS_CJK
@pytest.mark.parametrize("name", NAMES)
def test_chinese_labels_draw_no_missing_glyphs(survey, results, name, tmp_path):
    """Matplotlib warns "Glyph ... missing from font(s)" (a UserWarning): fail on it.

    The figure is drawn with the user's default rcParams restored (after
    ``use_style`` has exited), as in a notebook.
    """
    ax = _calls(survey, results)[name](lang="zh")
    assert style.has_cjk(_texts(ax))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.savefig(tmp_path / "f.png", dpi=50)
        ax.figure.savefig(tmp_path / "f.svg")
        ax.figure.savefig(tmp_path / "f.pdf")


def test_the_missing_glyph_check_is_live(tmp_path):
    """Negative control: Chinese text in a Latin-only font does warn, so the test above bites."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("亲属")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(tmp_path / "f.png", dpi=50)


@NEEDS_CJK
def test_chinese_on_an_axes_made_outside_the_style(results, survey, tmp_path):
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        _fig, ax = plt.subplots()
    plots.gradient_lines(results["gradient"], ax=ax, codebook=survey.codebook)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.savefig(tmp_path / "f.png", dpi=50)


def test_without_a_cjk_font_warns_once_and_draws_english(monkeypatch, results, survey):
    monkeypatch.setattr(style, "_state", {"font": None, "searched": True, "warned": False})
    with pytest.warns(plots.FontWarning, match="apt-get install fonts-noto-cjk"):
        ax = plots.ripple(results["gradient"], group="workshop", codebook=survey.codebook)
    assert issubclass(plots.FontWarning, MutualAidWarning)
    assert "relatives" in _texts(ax)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second figure does not warn again
        assert plots.resolve_lang("zh") == "en"


def test_find_cjk_font_names_an_installed_family():
    import matplotlib.font_manager as fm

    if CJK is None:
        pytest.skip("no CJK font installed: `apt-get install fonts-noto-cjk`")
    assert CJK in style.CJK_FONTS
    assert CJK in {f.name for f in fm.fontManager.ttflist}


# --------------------------------------------------------------------------- determinism


def _build_and_save(survey, results, path):
    axes = plots.ripple_grid(results["gradient_waves"], codebook=survey.codebook)
    out = plots.save_figure(axes[0, 0].figure, path, dpi=60)
    plt.close("all")
    return {p.suffix: p.read_bytes() for p in out}


def test_two_runs_give_identical_files(survey, results, tmp_path):
    first = _build_and_save(survey, results, tmp_path / "a" / "ripple")
    second = _build_and_save(survey, results, tmp_path / "b" / "ripple")
    assert set(first) == {".png", ".svg", ".pdf"}
    for suffix in first:
        assert first[suffix] == second[suffix], suffix
    assert b"<dc:date>" not in first[".svg"]
    assert b"CreationDate" not in first[".pdf"]
    assert b"mutualaid_analysis" in first[".pdf"]


def test_save_figure_checks_formats(tmp_path):
    fig, _ax = plt.subplots()
    with pytest.raises(UsageError, match="formats must be among"):
        plots.save_figure(fig, tmp_path / "x", formats=("jpg",))


# --------------------------------------------------------------------------- the numbers


def test_ripple_rings_show_the_gradient_estimates(survey, results):
    res = results["gradient"]
    for measure in ("mean", "share_willing"):
        ax = plots.ripple(res, group="workshop", measure=measure, codebook=survey.codebook)
        rows = res.means(measure)
        rows = rows[rows["group"] == "workshop"].set_index("circle")
        rings = {p.get_label(): p for p in ax.patches if (p.get_gid() or "").startswith("ring-")}
        assert list(rings) == list(survey.codebook.circles)  # nearest innermost
        radii = [rings[c].r for c in survey.codebook.circles]
        assert radii == sorted(radii)
        texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
        norm_lo, norm_hi = (1, 5) if measure == "mean" else (0, 1)
        cmap = _cmap("Blues")
        for circle, ring in rings.items():
            r = rows.loc[circle]
            expected = cmap((r["estimate"] - norm_lo) / (norm_hi - norm_lo))
            np.testing.assert_allclose(ring.get_facecolor(), expected)
            if measure == "mean":
                want = f"{r['estimate']:.2f}\n[{r['conf_low']:.2f}, {r['conf_high']:.2f}]"
            else:
                want = (
                    f"{100 * r['estimate']:.0f}%\n"
                    f"[{100 * r['conf_low']:.0f}, {100 * r['conf_high']:.0f}]"
                )
            assert texts[f"label-{circle}"].endswith(want)


def test_ripple_needs_a_panel_and_the_grid_draws_all(survey, results):
    with pytest.raises(UsageError, match="ripple_grid"):
        plots.ripple(results["gradient"])
    axes = plots.ripple_grid(results["gradient_waves"], codebook=survey.codebook, lang="en")
    assert axes.shape == (2, 2)
    assert [a.get_title() for a in axes.ravel()] == [
        "comparison · before",
        "workshop · before",
        "comparison · after",
        "workshop · after",
    ]
    axes = ma.plot_ripples(survey, measure="share_willing", reach=0.5)
    assert axes.shape == (2, 2)


def _survey_with_excluded_followup(tmp_path):
    src = files("mutualaid_analysis") / "_sample"
    frame = pd.read_csv(src / "village_survey.csv", dtype=str, keep_default_na=False)
    post = frame.index[frame["wave"] == "post"][:4]
    frame.loc[post, "age"] = "130"
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    return ma.read_survey(path, codebook=src / "codebook.toml", on_invalid="exclude")


@pytest.mark.parametrize("outcome", [None, "gses"])
def test_flow_numbers_equal_the_ledger_and_attrition(tmp_path, outcome):
    survey = _survey_with_excluded_followup(tmp_path)
    flow = ma.participant_flow(survey, outcome=outcome)
    counts = flow.table
    att = ma.attrition(survey, outcome=outcome).table
    att = att[att["level"] == "respondent"].set_index("group")
    for arm in ("workshop", "comparison"):
        c = counts[counts["arm"] == arm]
        totals = c[c["reason"] == ""].set_index("stage")["respondents"]
        assert totals["baseline"] == att.loc[arm, "n_baseline"]
        assert totals["analysed"] == att.loc[arm, "n_analytic"]
        assert totals["lost"] == att.loc[arm, "n_lost"]
        reasons = c[(c["stage"] == "lost") & (c["reason"] != "")]
        assert reasons["respondents"].sum() == att.loc[arm, "n_lost"]
    ledger = survey.ledger
    assert counts.loc[counts["stage"] == "read", "respondents"].iloc[0] == len(ledger)
    excluded = counts[counts["stage"] == "excluded"]
    assert excluded["respondents"].sum() == (ledger["status"] == "excluded").sum() == 4
    lost_reasons = counts.loc[counts["stage"] == "lost", "reason"]
    assert lost_reasons.str.startswith("followup_excluded").any()
    ax = flow.plot(lang="en")
    boxes = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    for arm in ("workshop", "comparison"):
        assert f"n = {att.loc[arm, 'n_baseline']} respondents" in boxes[f"box-baseline-{arm}"]
        assert f"n = {att.loc[arm, 'n_analytic']} respondents" in boxes[f"box-analysed-{arm}"]
        assert f"n = {att.loc[arm, 'n_lost']}" in boxes[f"box-lost-{arm}"]
    # 4 excluded rows are a small count: shown as <5 by default, as the report's tables do
    assert "Rows excluded: <5" in boxes["box-read"]
    assert not re.search(r"(?<![<\d])[1-4]\b(?! village)", boxes["box-read"])
    ax = plots.flow_diagram(flow, lang="en", min_count=1)
    boxes = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert "Rows excluded: 4" in boxes["box-read"]


def test_wave_means_of_a_binary_are_shares_with_intervals_inside_0_1(survey):
    from mutualaid_analysis.inference import cluster_mean, share_conf_int

    t = ma.wave_means(survey, "knows_platform").table
    assert ((t["conf_low"] >= 0) & (t["conf_high"] <= 1)).all()
    assert t["method"].str.contains("logit-scale").all()
    row = t.iloc[0]
    d = survey.data
    sub = d[(d["arm"] == row["arm"]) & (d["wave"] == row["wave"])]
    sub = sub[sub["knows_platform"].notna()]
    fit = cluster_mean(sub["knows_platform"].to_numpy(float), sub["village"].to_numpy())
    lo, hi, _ = share_conf_int(fit.coef[0], fit.std_error[0], fit.df[0], len(sub))
    assert (row["conf_low"], row["conf_high"]) == pytest.approx((lo, hi), rel=1e-12)
    assert row["conf_high"] - row["estimate"] != pytest.approx(row["estimate"] - row["conf_low"])


def test_wave_means_match_the_evaluation_means(survey, results):
    mine = ma.wave_means(survey, "gses").table
    theirs = results["evaluation"].tables["means"]
    theirs = theirs[theirs["outcome"] == "gses"]
    merged = mine.merge(theirs, on=["arm", "wave"])
    assert len(merged) == 4
    np.testing.assert_allclose(merged["estimate"], merged["mean"])
    np.testing.assert_array_equal(merged["n_x"], merged["n_y"])
    assert (merged["conf_low"] < merged["estimate"]).all()


def test_forest_caption_names_method_and_adjustment(survey, results):
    ax = plots.forest(results["evaluation"], codebook=survey.codebook, lang="en")
    caption = next(t.get_text() for t in ax.texts if t.get_gid() == "caption")
    assert "CR2" in caption and "holm" in caption
    assert len(ax.get_yticks()) == 4  # 2 outcomes x (ANCOVA, DiD)
    ax = plots.forest(results["expansion"], codebook=survey.codebook, models=["DiD"])
    assert len(ax.get_yticks()) == 4  # 3 circles and the gap
    ax = plots.forest(results["evaluation"], estimand="within-arm change", lang="en")
    assert any("workshop" in t.get_text() for t in ax.get_yticklabels())
    with pytest.raises(UsageError, match="no rows"):
        plots.forest(results["evaluation"], estimand="nonsense")


@pytest.mark.parametrize(
    ("show", "extra"), [("expected", {}), ("probability", {"category": 5}), ("stacked", {})]
)
def test_predicted_probabilities_variants(survey, results, show, extra):
    ax = plots.predicted_probabilities(
        results["ordinal"], show=show, codebook=survey.codebook, lang="en", **extra
    )
    if show != "stacked":
        table = results["ordinal"].tables["predicted"]
        cat = "mean" if show == "expected" else "5"
        want = table[(table["at"] == "average") & (table["category"].astype(str) == cat)]
        drawn = np.concatenate([c.lines[0].get_ydata() for c in ax.containers])
        np.testing.assert_allclose(np.sort(drawn), np.sort(want["estimate"].to_numpy(float)))
    with pytest.raises(UsageError, match="category"):
        plots.predicted_probabilities(results["ordinal"], show="probability")


def test_likert_counts_add_up(survey):
    counts = ma.likert_table(survey, service="each").tables["counts"]
    shares = counts.groupby(["circle", "service"])["share"].sum()
    np.testing.assert_allclose(shares, 1.0)
    assert list(dict.fromkeys(counts["circle"])) == list(survey.codebook.circles)
    pre = survey.wave("pre")
    assert counts.query("circle == 'relatives' and service == 'daily_care'")["n"].sum() == (
        pre["will_rel_care"].notna().sum()
    )


def _survey_with_a_small_village():
    """The sample, with only 3 respondents of one workshop village left."""
    src = files("mutualaid_analysis") / "_sample"
    frame = pd.read_csv(src / "village_survey.csv")
    village = frame.loc[frame["arm"] == "workshop", "village"].iloc[0]
    ids = frame.loc[frame["village"] == village, "resp_id"].unique()
    frame = frame[(frame["village"] != village) | frame["resp_id"].isin(ids[:3])]
    return ma.from_frame(frame, src / "codebook.toml"), village


def test_slope_leaves_out_villages_below_min_count():
    survey, small = _survey_with_a_small_village()
    n_villages = survey.data["village"].nunique()
    means = ma.wave_means(survey, "gses")
    ax = plots.slope(means, lang="en")
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "unit"]
    assert len(lines) == n_villages - 1
    note = [t for t in ax.texts if t.get_gid() == "not-drawn"]
    assert len(note) == 1
    assert note[0].get_text() == (
        "1 village(s) with fewer than 5 matched respondents not drawn"
    )
    everything = plots.slope(means, lang="en", min_count=1)
    assert len([ln for ln in everything.get_lines() if ln.get_gid() == "unit"]) == n_villages
    assert not [t for t in everything.texts if t.get_gid() == "not-drawn"]
    # respondent lines: the small village's 3 respondents are not drawn either
    people = plots.slope(means, unit="respondent", lang="en")
    wide = survey.data.pivot_table(index=["resp_id", "village"], columns="wave",
                                   values="gses_01", aggfunc="size").reset_index()
    n_drawn = len([ln for ln in people.get_lines() if ln.get_gid() == "unit"])
    assert n_drawn < len(wide) and "not drawn" in _texts(people)
    zh = plots.slope(means, lang="zh")
    assert "1 个村庄匹配受访者少于 5 人，未画出" in _texts(zh)
    with pytest.raises(UsageError, match="min_count"):
        plots.slope(means, min_count=0)
    with pytest.raises(UsageError, match="min_count"):
        plots.flow_diagram(ma.participant_flow(survey), min_count=2.5)


def test_flow_diagram_draws_a_flow_not_a_survey(survey):
    # the plots only draw results: a survey is refused with the call that computes the flow
    with pytest.raises(UsageError, match=r"ma\.participant_flow\(survey\)"):
        plots.flow_diagram(survey)
    with pytest.raises(UsageError, match="participant_flow"):
        plots.flow_diagram(pd.DataFrame({"stage": ["read"]}))
    flow = ma.participant_flow(survey)
    drawn = flow.plot(lang="en")
    again = plots.flow_diagram(flow.table, codebook=survey.codebook, lang="en")
    texts = {t.get_gid(): t.get_text() for t in drawn.texts if t.get_gid()}
    assert texts == {t.get_gid(): t.get_text() for t in again.texts if t.get_gid()}
    assert {"box-read", "box-baseline-workshop", "box-analysed-comparison"} <= set(texts)


def test_flow_diagram_shows_small_counts_as_below_the_threshold():
    src = files("mutualaid_analysis") / "_sample"
    frame = pd.read_csv(src / "village_survey.csv")
    both = frame.groupby("resp_id")["wave"].transform("nunique") == 2
    frame = frame[both]  # nobody lost ...
    post = frame.loc[(frame["arm"] == "workshop") & (frame["wave"] == "post")].index
    s = ma.from_frame(frame.drop(post[:3]), src / "codebook.toml")  # ... but 3 workshop ones
    flow = ma.participant_flow(s)
    counts = flow.table
    ax = plots.flow_diagram(flow, lang="en")
    boxes = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    drawn = "\n".join(boxes.values())
    small = counts.loc[(counts["respondents"] > 0) & (counts["respondents"] < 5), "respondents"]
    assert len(small)  # the data have small counts to hide
    for n in small:
        assert not re.search(rf"(?<![<\d]){n}(?! village)\b", drawn.replace("<5", ""))
    assert "<5" in boxes["box-lost-workshop"]
