"""Figures of the willingness gradient (差序格局) and of workshop evaluations.

Every function takes the result first, then ``ax=None`` (draw on
this Axes, or on a new figure) and ``lang="zh"`` or ``"en"``; extra keyword
arguments go to the matplotlib call that draws the data (named in each
docstring); the Axes is returned and nothing calls ``plt.show()`` or closes
the figure.  The multi-panel :func:`ripple_grid` takes ``fig=`` and returns
an array of Axes; ``ma.plot_ripples`` (in :mod:`mutualaid_analysis.gradient`)
computes the gradient per wave and arm from a survey and draws it with
:func:`ripple_grid`.  Given a Survey, ``likert_bars``, ``slope`` and
``wave_means`` still draw for one release, with a :class:`FutureWarning`
naming the analysis to call first.

=============================  ==========================================  ====================
Figure                         Function                                    Draws from
=============================  ==========================================  ====================
Ripple (signature figure)      :func:`ripple`, :func:`ripple_grid`,        ``ma.gradient``
                               ``ma.plot_ripples`` (from a survey)
Gradient lines                 :func:`gradient_lines`                      ``ma.gradient``
Profile shares                 :func:`profile_shares`                      ``ma.classify_profiles``
Likert diverging bars          :func:`likert_bars`                         ``ma.likert_table``
Paired slopes per arm          :func:`slope`                               ``ma.wave_means``
Means by wave × arm            :func:`wave_means`                          ``ma.wave_means``
Forest of effects              :func:`forest`                              ``ma.evaluate``,
                                                                           ``ma.circle_expansion``
Participant flow (CONSORT)     :func:`flow_diagram`                        ``ma.participant_flow``
Predicted probabilities        :func:`predicted_probabilities`             ``models.fit_ordinal``
=============================  ==========================================  ====================

Style: Okabe-Ito colours plus markers and line styles (colour-blind safe and
greyscale safe); ColorBrewer "Blues" for the ripple and "BrBG" for answers.
:func:`use_style` applies the style inside a ``with`` block only.  Chinese
labels need a CJK font: :func:`find_cjk_font` looks for one, and without one
``lang="zh"`` warns once (:class:`FontWarning`, with the install command)
and draws English labels.  :func:`save_figure` writes PNG (300 dpi), SVG and
PDF that are byte-for-byte identical between runs.

Examples
--------
>>> import mutualaid_analysis as ma
>>> from mutualaid_analysis import plots
>>> s = ma.load_sample()
>>> axes = ma.plot_ripples(s)  # doctest: +SKIP
>>> plots.save_figure(axes[0, 0].figure, "figures/ripples")  # doctest: +SKIP
"""

from __future__ import annotations

from .evaluation import arm_wave_means, forest, slope, wave_means
from .flow import flow_diagram
from .gradient import gradient_lines, profile_shares
from .likert import likert_bars, likert_counts
from .predicted import predicted_probabilities
from .ripple import ripple, ripple_grid
from .style import (
    OKABE_ITO,
    FontWarning,
    Labels,
    find_cjk_font,
    palette,
    resolve_lang,
    save_figure,
    use_style,
)

__all__ = [
    "OKABE_ITO",
    "FontWarning",
    "Labels",
    "arm_wave_means",
    "find_cjk_font",
    "flow_diagram",
    "forest",
    "gradient_lines",
    "likert_bars",
    "likert_counts",
    "palette",
    "predicted_probabilities",
    "profile_shares",
    "resolve_lang",
    "ripple",
    "ripple_grid",
    "save_figure",
    "slope",
    "use_style",
    "wave_means",
]
