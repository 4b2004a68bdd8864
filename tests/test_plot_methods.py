"""Results draw themselves: .plot(ax=...) calls the plots module and returns the Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

import mutualaid_analysis as ma


@pytest.fixture(scope="module")
def sample():
    return ma.load_sample()


@pytest.mark.parametrize(
    "make",
    [
        lambda s: ma.gradient(s),
        lambda s: ma.evaluate(s, outcome="gses", seed=1, n_boot=99),
        lambda s: ma.circle_expansion(s, seed=1, n_boot=99),
        lambda s: ma.fit_ordinal(s, ["age"], ["lives_alone"], service="daily_care"),
    ],
    ids=["gradient", "evaluate", "circle_expansion", "fit_ordinal"],
)
def test_result_plot_draws_on_the_given_axes(sample, make):
    fig, ax = plt.subplots()
    try:
        assert make(sample).plot(ax=ax, lang="en") is ax
    finally:
        plt.close(fig)


def test_plot_ripples_is_top_level(sample):
    axes = ma.plot_ripples(sample, lang="en")
    try:
        assert axes.size >= 1
    finally:
        plt.close(axes.flat[0].figure)


def test_use_style_keeps_interactive_mode_set_inside_the_block():
    # Jupyter's inline backend turns interactive mode on when the first figure is
    # made; if that happens inside use_style, leaving the block must not undo it.
    from mutualaid_analysis.plots import use_style

    before = matplotlib.is_interactive()
    try:
        matplotlib.interactive(False)
        with use_style("en"):
            matplotlib.interactive(True)
        assert matplotlib.is_interactive()
    finally:
        matplotlib.interactive(before)


def test_gradient_by_plots_small_multiples(sample):
    res = ma.gradient(sample, by="arm", contrasts=False)
    groups = list(dict.fromkeys(res.means()["group"]))
    assert len(groups) == 2
    axes = res.plot(lang="en")
    try:
        assert axes.shape == (1, len(groups))
        fig = axes[0, 0].figure
        assert len(fig.axes) == len(groups) + 1  # the panels and one shared colour bar
        means = res.means().set_index(["group", "circle"])["estimate"]
        for ax, group in zip(axes.ravel(), groups, strict=True):
            assert ax.get_xlim() == axes[0, 0].get_xlim()  # the same ring geometry
            label = next(t for t in ax.texts if t.get_gid() == "label-relatives")
            assert f"{means[(group, 'relatives')]:.2f}" in label.get_text()
        titles = [ax.get_title() for ax in axes.ravel()]
        assert titles[0] != titles[1]
    finally:
        plt.close(fig)
    fig, given = plt.subplots(1, 2)
    try:
        out = res.plot(ax=given, lang="en")
        assert out[0, 0] is given[0] and out[0, 1] is given[1]
        with pytest.raises(ma.UsageError, match="2 panels"):
            res.plot(ax=given[0], lang="en")
        assert res.plot(ax=given[0], group=groups[1], lang="en") is given[0]
    finally:
        plt.close(fig)
