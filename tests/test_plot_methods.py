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
        lambda s: ma.evaluate(s, outcome="gses", seed=1, B=99),
        lambda s: ma.circle_expansion(s, seed=1, B=99),
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
