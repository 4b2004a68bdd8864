"""Regenerate the figure gallery (docs/figures/*.png) from the bundled sample.

Usage::

    python docs/make_figures.py                 # Chinese labels, into docs/figures/
    python docs/make_figures.py --lang en --out figures-en

Every figure of :mod:`mutualaid_analysis.plots` is drawn from
``ma.load_sample()`` (synthetic data) and saved with
:func:`mutualaid_analysis.plots.save_figure`, so reruns give identical files.
Chinese labels need a CJK font (e.g. ``apt-get install fonts-noto-cjk``);
without one the figures fall back to English labels, with a warning.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import mutualaid_analysis as ma
from mutualaid_analysis import plots
from mutualaid_analysis.models import fit_ordinal

HERE = Path(__file__).resolve().parent


def make_all(out: Path, lang: str = "zh", dpi: int = 150) -> list[Path]:
    """Draw every gallery figure into ``out``; return the files written."""
    s = ma.load_sample()
    cb = s.codebook
    by_wave = [ma.gradient(s, by="arm", wave=w) for w in ("pre", "post")]
    evaluation = ma.evaluate(s, outcomes=["gses", "knows_platform", "volunteer_hours"], seed=1)
    ordinal = fit_ordinal(s, ["age", "sex"], moderators=["lives_alone"])
    figures = {
        "ripple": lambda: plots.ripple(ma.gradient(s), codebook=cb, lang=lang),
        "ripple_grid": lambda: ma.plot_ripples(s, lang=lang),
        "ripple_grid_share": lambda: ma.plot_ripples(
            s, measure="share_willing", reach=0.5, lang=lang
        ),
        "gradient_lines": lambda: plots.gradient_lines(by_wave, codebook=cb, lang=lang),
        "profile_shares": lambda: plots.profile_shares(
            ma.classify_profiles(s, by="arm"), codebook=cb, lang=lang
        ),
        "likert_bars": lambda: ma.likert_table(s, service="each").plot(lang=lang),
        "slope": lambda: ma.wave_means(s, "gses").plot(kind="slope", lang=lang),
        "wave_means": lambda: ma.wave_means(s, "villagers").plot(lang=lang),
        "forest": lambda: plots.forest(evaluation, codebook=cb, lang=lang),
        "forest_circles": lambda: plots.forest(
            ma.circle_expansion(s, seed=1), codebook=cb, models=["DiD"], lang=lang
        ),
        "flow_diagram": lambda: ma.participant_flow(s, outcome="gses").plot(lang=lang),
        "predicted_probabilities": lambda: plots.predicted_probabilities(
            ordinal, codebook=cb, lang=lang
        ),
        "predicted_stacked": lambda: plots.predicted_probabilities(
            ordinal, show="stacked", codebook=cb, lang=lang
        ),
    }
    written = []
    for name, draw in figures.items():
        drawn = draw()
        ax = drawn.ravel()[0] if hasattr(drawn, "ravel") else drawn
        written += plots.save_figure(ax.figure, out / name, formats=("png",), dpi=dpi)
        plt.close(ax.figure)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "figures")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args(argv)
    for path in make_all(args.out, args.lang, args.dpi):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
