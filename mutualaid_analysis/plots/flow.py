"""The participant flow diagram (CONSORT style): it draws a participant flow.

Rows read and excluded (with the ledger's reasons), respondents surveyed at
baseline per arm, those lost to follow-up with the reason, and those
analysed.  The numbers are computed by
:func:`mutualaid_analysis.participant_flow` (the evaluation's, beside
:func:`~mutualaid_analysis.attrition`, whose ``n_baseline``, ``n_lost`` and
``n_analytic`` they equal); this module only draws them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import UsageError
from .style import (
    Labels,
    apply_fonts,
    check_min_count,
    get_axes,
    palette,
    shown_count,
    use_style,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..data.codebook import Codebook
    from ..evaluation.attrition import FlowResult

__all__ = ["flow_diagram"]

_COLUMNS = ["stage", "arm", "reason", "respondents", "villages"]


def _flow_table(flow: Any) -> pd.DataFrame:
    """The counts of a participant flow: a FlowResult's table, or that table itself."""
    if hasattr(flow, "ledger") and hasattr(flow, "codebook"):
        raise UsageError(
            "flow_diagram draws a participant flow, not a survey: pass "
            "ma.participant_flow(survey) (or call its .plot())."
        )
    table = flow.table if hasattr(flow, "table") else flow
    if not isinstance(table, pd.DataFrame) or set(_COLUMNS) - set(table.columns):
        raise UsageError(
            "expected the result of ma.participant_flow() (or its .table, with the "
            f"columns {', '.join(_COLUMNS)}); got {type(flow).__name__}."
        )
    return table


def _reason_text(reason: str, lab: Labels) -> str:
    if reason.startswith("followup_excluded: "):
        detail = reason.split(": ", 1)[1]
        detail = detail if len(detail) <= 40 else detail[:37] + "..."
        return f"{lab.text('followup_excluded')} ({detail})"
    return (
        lab.text(reason)
        if reason in ("not_surveyed", "outcome_missing", "baseline_missing")
        else reason
    )


def flow_diagram(
    flow: FlowResult | pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "zh",
    *,
    codebook: Codebook | None = None,
    labels: dict[Any, str] | None = None,
    min_count: int = 5,
    **kwargs: Any,
) -> Axes:
    """Participant flow diagram (CONSORT style): baseline, lost to follow-up, analysed, per arm.

    Parameters
    ----------
    flow : FlowResult or pandas.DataFrame
        The result of :func:`mutualaid_analysis.participant_flow` (or its
        ``.table``).
    ax : matplotlib.axes.Axes, optional
    lang : {"zh", "en"}, default "zh"
    codebook : Codebook, optional
        For the arms' labels; default the flow's own (a FlowResult keeps the
        survey's codebook).
    labels : dict, optional
        Your own labels ``{code: label}`` (arms).
    min_count : int, default 5
        Small-count rule (the report's ``suppress_below``): a count of
        respondents ``0 < n < min_count`` shows as ``"<5"``; ``1`` shows
        every count.  Village counts are shown as they are.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.text` of every box (e.g.
        ``fontsize``).

    Returns
    -------
    matplotlib.axes.Axes
        Boxes are texts with gid ``"box-<stage>-<arm>"`` (``"box-read"`` for
        the input box); the numbers are those of the flow's table, with
        small counts shown as ``"<min_count"``.

    Examples
    --------
    >>> ax = plots.flow_diagram(ma.participant_flow(ma.load_sample()))  # doctest: +SKIP
    """
    min_count = check_min_count(min_count)

    def num(n: Any) -> str:
        return shown_count(int(n), min_count)

    counts = _flow_table(flow)
    if codebook is None:
        codebook = getattr(flow, "codebook", None)
    arms = [
        a
        for a in dict.fromkeys(counts["arm"])
        if a and a in set(counts.loc[counts["stage"] == "baseline", "arm"])
    ]
    colours = palette(len(arms))
    with use_style(lang) as used:
        lab = Labels(used, codebook, labels)
        ax = get_axes(ax, figsize=(7.2, 4.8))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        box = {
            "boxstyle": "round,pad=0.5",
            "facecolor": "white",
            "edgecolor": "0.3",
            "linewidth": 0.9,
        }
        opts = {"fontsize": 8, "ha": "center", "va": "center", "linespacing": 1.35}
        opts.update(kwargs)

        def put(x: float, y: float, text: str, gid: str, edge: Any = "0.3", **more: Any) -> None:
            ax.text(x, y, text, bbox={**box, "edgecolor": edge}, gid=gid, **{**opts, **more})

        def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "0.3",
                    "linewidth": 0.9,
                    "shrinkA": 0,
                    "shrinkB": 0,
                },
            )

        read = counts[counts["stage"] == "read"].iloc[0]
        excl = counts[counts["stage"] == "excluded"]
        unit_r, unit_v = lab.text("respondents"), lab.text("villages")
        top = f"{lab.text('rows_read')}: {num(read.respondents)}"
        if len(excl):
            top += f"\n{lab.text('rows_excluded')}: {num(excl['respondents'].sum())}"
            r: Any  # an itertuples row of the exclusions
            for r in excl.itertuples():
                top += f"\n  · {_reason_text(r.reason, lab)}: {num(r.respondents)}"
        put(0.5, 0.92, top, "box-read", multialignment="left")
        xs = np.linspace(0.25, 0.75, len(arms)) if len(arms) > 1 else np.array([0.5])
        for stage, y in (("enrolment", 0.70), ("follow_up", 0.44), ("analysis", 0.16)):
            ax.text(
                0.0,
                y,
                lab.text(stage),
                rotation=90,
                ha="center",
                va="center",
                fontsize=8,
                color="0.35",
            )
        for x, arm, colour in zip(xs, arms, colours, strict=True):
            c = counts[counts["arm"] == arm]
            base = c[c["stage"] == "baseline"].iloc[0]
            lost = c[(c["stage"] == "lost") & (c["reason"] == "")].iloc[0]
            why = c[(c["stage"] == "lost") & (c["reason"] != "")]
            done = c[c["stage"] == "analysed"].iloc[0]
            arrow(0.5, 0.84, x, 0.77)
            put(
                x,
                0.70,
                f"{lab.group(arm)}\n{lab.text('baseline_surveyed')}\n"
                f"n = {num(base.respondents)} {unit_r}, {int(base.villages)} {unit_v}",
                f"box-baseline-{arm}",
                edge=colour,
            )
            arrow(x, 0.63, x, 0.24)
            text = f"{lab.text('lost')}: n = {num(lost.respondents)}"
            for r in why.itertuples():
                text += f"\n  · {_reason_text(r.reason, lab)}: {num(r.respondents)}"
            put(
                x + 0.03,
                0.44,
                text,
                f"box-lost-{arm}",
                ha="left",
                multialignment="left",
                fontsize=7,
            )
            put(
                x,
                0.16,
                f"{lab.text('analysed')}\nn = {num(done.respondents)} {unit_r}, "
                f"{int(done.villages)} {unit_v}",
                f"box-analysed-{arm}",
                edge=colour,
            )
        apply_fonts(ax)
    return ax
