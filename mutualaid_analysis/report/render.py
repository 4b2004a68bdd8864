"""The report as text: a document model, then Markdown and self-contained HTML.

:func:`build_document` turns a :class:`~.pipeline.PipelineResult` into a list
of :class:`Block` (headings, paragraphs, tables, figures) in the order of
the report: overview; community level (the village platform); subject level
(the willingness gradient, ability and self-efficacy); institutional level
(participation, volunteer hours, points); the workshop evaluation; the
methods, written from what actually ran; the data ledger.
:func:`to_markdown` and :func:`to_html` render the same blocks.

The HTML needs nothing but itself: styles are inline, figures are embedded
as base64 ``data:`` URIs, there is no script and no external link.  Every
piece of text is HTML-escaped, and in the Markdown every piece of text is
escaped for Markdown (no raw HTML, link or emphasis from a label or a data
value gets through).  Nothing time-dependent is written, so two
runs of one configuration give the same bytes (the run time is only in
``provenance.json``).
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .text import CATALOGUE, LANGUAGES, text

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .pipeline import PipelineResult
    from .settings import ReportSettings

__all__ = ["Block", "build_document", "to_html", "to_markdown"]


@dataclass(frozen=True)
class Block:
    """One element of the report.

    ``kind`` is ``"h1"``, ``"h2"``, ``"h3"``, ``"p"``, ``"list"``, ``"table"``
    or ``"figure"``; ``name`` is the table or figure name (file stem) and
    ``anchor`` the id of a heading.  ``notes`` are the lines printed under a
    table (who is in its numbers, what a symbol means), in every
    output format.
    """

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    frame: pd.DataFrame | None = field(default=None, compare=False)
    name: str = ""
    anchor: str = ""
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- text
#: References cited by the methods section (keys used in :func:`_methods`).
REFERENCES: dict[str, str] = {
    "fei": "Fei, X. (1992). From the Soil: The Foundations of Chinese Society "
    "(乡土中国, 1947). University of California Press.",
    "cr2": "Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust "
    "variance estimation and hypothesis testing in fixed effects models. Journal of "
    "Business & Economic Statistics, 36(4), 672-683.",
    "bm": "Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear "
    "regression with multi-stage samples. Survey Methodology, 28(2), 169-181.",
    "wild": "Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based "
    "improvements for inference with clustered errors. Review of Economics and "
    "Statistics, 90(3), 414-427.",
    "webb": "Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered "
    "errors. Canadian Journal of Economics, 56(3), 839-858.",
    "ri": "Imbens, G. W., & Rubin, D. B. (2015). Causal Inference for Statistics, Social, and "
    "Biomedical Sciences. Cambridge University Press (ch. 5).",
    "page": "Page, E. B. (1963). Ordered hypotheses for multiple treatments: a significance "
    "test for linear ranks. Journal of the American Statistical Association, 58, "
    "216-230.",
    "friedman": "Friedman, M. (1937). The use of ranks to avoid the assumption of normality "
    "implicit in the analysis of variance. JASA, 32, 675-701.",
    "holm": "Holm, S. (1979). A simple sequentially rejective multiple test procedure. "
    "Scandinavian Journal of Statistics, 6, 65-70.",
    "mokken": "Mokken, R. J. (1971). A Theory and Procedure of Scale Analysis. De Gruyter.",
    "clm": "McCullagh, P. (1980). Regression models for ordinal data. Journal of the Royal "
    "Statistical Society B, 42(2), 109-142.",
    "alpha": "Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson "
    "reliability coefficient twenty. Psychometrika, 30, 357-370.",
    "gses": "Zhang, J. X., & Schwarzer, R. (1995). Measuring optimistic self-beliefs: a "
    "Chinese adaptation of the General Self-Efficacy Scale. Psychologia, 38(3), "
    "174-181.",
    "wwc": "What Works Clearinghouse (2022). Procedures and Standards Handbook, Version 5.0. "
    "Institute of Education Sciences.",
    "rci": "Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical "
    "approach to defining meaningful change in psychotherapy research. Journal of "
    "Consulting and Clinical Psychology, 59(1), 12-19.",
    "lakens": "Lakens, D. (2013). Calculating and reporting effect sizes to facilitate "
    "cumulative science. Frontiers in Psychology, 4, 863.",
    "sdc": "Hundepool, A., et al. (2012). Statistical Disclosure Control. Wiley.",
}


# --------------------------------------------------------------------------- formatting
def _na(x: Any) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fnum(x: Any, digits: int = 2) -> str:
    """A number with ``digits`` decimals; ``—`` when missing (suppressed or not estimable)."""
    if _na(x):
        return "—"
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    out = f"{x:.{digits}f}"
    return "0." + "0" * digits if out == "-0." + "0" * digits else out


def fpct(x: Any, digits: int = 1) -> str:
    return "—" if _na(x) else f"{100 * float(x):.{digits}f}%"


def fp(p: Any) -> str:
    """A p-value: three decimals, ``< 0.001`` below that."""
    if _na(p):
        return "—"
    p = float(p)
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fp_eq(p: Any) -> str:
    """A p-value after "p": ``< 0.001`` or ``= 0.042``."""
    s = fp(p)
    return s if s.startswith("<") or s == "—" else f"= {s}"


def fci(low: Any, high: Any, digits: int = 2, pct: bool = False) -> str:
    if _na(low) or _na(high):
        return "—"
    if pct:
        return f"[{100 * float(low):.1f}%, {100 * float(high):.1f}%]"
    return f"[{fnum(low, digits)}, {fnum(high, digits)}]"


def _rows(table: pd.DataFrame | None, **conds: Any) -> pd.DataFrame:
    if table is None or table.empty:
        return pd.DataFrame()
    mask = pd.Series(True, index=table.index)
    for col, val in conds.items():
        if col not in table.columns:
            return table.iloc[0:0]
        mask &= table[col].astype(str) == str(val)
    return table[mask]


def _row(table: pd.DataFrame | None, **conds: Any) -> pd.Series | None:
    rows = _rows(table, **conds)
    return None if rows.empty else rows.iloc[0]


# --------------------------------------------------------------------------- the document
class _Writer:
    def __init__(self, lang: str, result: PipelineResult) -> None:
        from ..labels import Labels

        self.lang = lang
        self.result = result
        self.cb = result.survey.codebook
        self.lab = Labels(lang, self.cb)  # type: ignore[arg-type]
        self.blocks: list[Block] = []
        self.n_table = 0
        self.n_figure = 0
        self.shown_figures: set[str] = set()

    # ------------------------------------------------------------ labels
    def circle(self, c: Any) -> str:
        return self.lab.circle(c)

    def group(self, g: Any) -> str:
        return self.lab.term("all") if str(g) == "all" else self.lab.group(g)

    def wave(self, w: Any) -> str:
        return "" if _na(w) else self.lab.wave(w)

    def var(self, v: Any) -> str:
        return self.lab.variable(v)

    def tr(self, key: str, **kw: Any) -> str:
        """The catalogue's message ``key`` in the report's language (:mod:`.text`)."""
        return text(key, self.lang, **kw)

    def tr_or(self, key: str, default: str, **kw: Any) -> str:
        """The message ``key`` when the catalogue has it, else ``default``."""
        return self.tr(key, **kw) if key in CATALOGUE else default

    # ------------------------------------------------------------ blocks
    def h(self, level: int, text: str, anchor: str = "") -> None:
        self.blocks.append(Block(f"h{level}", text=text, anchor=anchor))

    def p(self, text: str) -> None:
        if text:
            self.blocks.append(Block("p", text=text))

    def bullets(self, items: Sequence[str]) -> None:
        if items:
            self.blocks.append(Block("list", items=tuple(items)))

    def table(self, name: str, frame: pd.DataFrame, notes: Sequence[str] = ()) -> None:
        if frame is None or frame.empty:
            return
        self.n_table += 1
        cap = self.tr_or(f"table.{name}", name)
        label = f"{self.tr('table')} {self.n_table}. {cap}"
        self.blocks.append(
            Block("table", text=label, frame=frame, name=name, notes=tuple(n for n in notes if n))
        )

    def figure(self, name: str) -> None:
        names = {f.name for f in self.result.figures}
        if name not in names or name in self.shown_figures:
            return
        self.shown_figures.add(name)
        self.n_figure += 1
        cap = self.tr_or(f"figure.{name}", name)
        self.blocks.append(
            Block("figure", text=f"{self.tr('figure')} {self.n_figure}. {cap}", name=name)
        )

    def section_figures(self, section: str) -> None:
        for f in self.result.figures:
            if f.section == section:
                self.figure(f.name)

    # ------------------------------------------------------------ display tables
    def display(
        self, frame: pd.DataFrame, columns: Mapping[str, Callable[[pd.Series], str]]
    ) -> pd.DataFrame:
        """Build a display table: header key -> function(row) -> str."""
        out = {
            self.tr_or(f"header.{k}", k): [f(r) for _, r in frame.iterrows()]
            for k, f in columns.items()
        }
        return pd.DataFrame(out)


def build_document(result: PipelineResult, config: Config, version: str) -> list[Block]:
    """The report's blocks, in order, in the configuration's language."""
    lang = config.report.lang
    w = _Writer(lang, result)
    cb = w.cb
    s = result.settings
    t = result.tables
    survey = result.survey
    title = (
        config.report.title
        or ({"zh": cb.survey.title, "en": cb.survey.title_en}.get(lang) or cb.survey.title)
        or w.tr("default_title")
    )
    w.h(1, title)
    if cb.survey.description:
        w.p(cb.survey.description)
    w.p(w.tr("generated", version=version))

    # -- overview
    w.h(2, w.tr("overview"), "overview")
    waves_text = (
        w.tr("waves_text", waves=w.tr("groups_sep").join(w.wave(x) for x in s.waves))
        if s.waves
        else ""
    )
    w.p(
        w.tr(
            "overview_p",
            n_villages=s.n_villages,
            n_resp=survey.n_respondents,
            waves_text=waves_text,
            n_read=survey.n_read,
            n_analysed=survey.n_analysed,
            n_excluded=survey.n_excluded,
        )
    )
    if s.arms and cb.survey.cluster:
        d = survey.data
        treated = d[d[cb.survey.group].astype(str) == str(cb.survey.treated)]
        n_t = int(treated[cb.survey.cluster].nunique())
        w.p(w.tr("arms_text", n_treated=n_t, n_control=s.n_villages - n_t))
    if "sample" in t:
        w.table(
            "sample",
            w.display(
                t["sample"],
                {
                    "wave": lambda r: w.wave(r["wave"]),
                    "group": lambda r: w.group(r["group"]),
                    "n": lambda r: fnum(r["n"], 0),
                    "n_villages": lambda r: fnum(r["n_villages"], 0),
                },
            ),
        )

    _community(w, s, t)
    _subject(w, s, t, result)
    _institutional(w, s, t)
    _evaluation(w, s, t, result)
    _methods(w, s, result, config, version)
    _ledger(w, s, t, result, config)
    return w.blocks


def _first_wave(s: ReportSettings) -> Any:
    return s.waves[0] if s.waves else None


def _describe_text(
    w: _Writer, s: ReportSettings, table: pd.DataFrame, var: str, measure: str, pct: bool
) -> tuple[tuple[str, str, str], str]:
    """((estimate, CI, n) at baseline overall, text of the last wave by group) for a variable."""
    base = _first_wave(s)
    row = (
        _row(table, variable=var, wave=base, group="all", measure=measure)
        if base is not None
        else _row(table, variable=var, group="all", measure=measure)
    )
    est = (fpct(row["estimate"]) if pct else fnum(row["estimate"])) if row is not None else "—"
    ci = fci(row["conf_low"], row["conf_high"], pct=pct) if row is not None else "—"
    n = fnum(row["n"], 0) if row is not None else "—"
    last = ""
    if len(s.waves) >= 2 and s.by:
        lw = s.waves[-1]
        parts = []
        for _, r in _rows(table, variable=var, wave=lw, measure=measure).iterrows():
            if str(r["group"]) == "all":
                continue
            val = fpct(r["estimate"]) if pct else fnum(r["estimate"])
            parts.append(w.tr("group_value", group=w.group(r["group"]), value=val))
        if parts:
            last = w.tr("community_last", wave=w.wave(lw), groups=w.tr("groups_sep").join(parts))
    return (est, ci, n), last


def _desc_display(w: _Writer, table: pd.DataFrame, key: str = "variable") -> pd.DataFrame:
    def est(r: pd.Series) -> str:
        return fnum(r["estimate"]) if r["measure"] == "mean" else fpct(r["estimate"])

    def ci(r: pd.Series) -> str:
        return fci(r["conf_low"], r["conf_high"], pct=r["measure"] != "mean")

    return w.display(
        table,
        {
            key: lambda r: w.var(r[key]),
            "wave": lambda r: w.wave(r["wave"]),
            "group": lambda r: w.group(r["group"]),
            "measure": lambda r: w.tr_or(f"measure.{r['measure']}", str(r["measure"])),
            "estimate": est,
            "ci": ci,
            "n": lambda r: fnum(r["n"], 0),
        },
    )


def _community(w: _Writer, s: ReportSettings, t: dict[str, pd.DataFrame]) -> None:
    w.h(2, w.tr("community"), "community")
    if "platform" not in t:
        w.p(w.tr("community_none"))
        return
    for var in s.community:
        (est, ci, n), last = _describe_text(w, s, t["platform"], var, "share", pct=True)
        w.p(w.tr("community_p", label=w.var(var), est=est, ci=ci, n=n) + w.tr("space") + last)
    w.section_figures("community")
    w.table("platform", _desc_display(w, t["platform"]))


def _subject(
    w: _Writer, s: ReportSettings, t: dict[str, pd.DataFrame], result: PipelineResult
) -> None:
    w.h(2, w.tr("subject"), "subject")
    w.h(3, w.tr("gradient_h"), "gradient")
    circles = list(w.cb.circles)
    g = t.get("gradient")
    means, shares = [], []
    for c in circles:
        r = _row(g, group="all", circle=c, measure="mean")
        means.append(fnum(r["estimate"]) if r is not None else "—")
        r = _row(g, group="all", circle=c, measure="share_willing")
        shares.append(fpct(r["estimate"], 0) if r is not None else "—")
    thr = f"{s.threshold:g}"
    lsep = w.tr("list_sep")
    w.p(
        w.tr(
            "gradient_p",
            circles=lsep.join(w.circle(c) for c in circles),
            means=lsep.join(means),
            shares=lsep.join(shares),
            thr=thr,
        )
    )
    o = t.get("ordering")
    page = _row(o, test="page", group="all")
    fried = _row(o, test="friedman", group="all")
    if page is not None and fried is not None:
        w.p(
            w.tr(
                "ordering_p",
                order=" > ".join(w.circle(c) for c in circles),
                L=fnum(page["statistic"], 1),
                p=fp_eq(page["p_value"]),
                chi=fnum(fried["statistic"], 1),
                W=fnum(fried["estimate"], 3),
            )
        )
    pr = t.get("profiles")
    if pr is not None:
        vals = {}
        for k in ("strict", "weak", "flat", "inverted", "mixed"):
            r = _row(pr, group="all", term=k)
            vals[k] = fpct(r["estimate"]) if r is not None else "—"
        r = _row(pr, group="all")
        w.p(w.tr("profiles_p", n=fnum(r["n"], 0) if r is not None else "—", **vals))
    sc = _row(t.get("scalability"), group="all", term="H")
    if sc is not None:
        w.p(
            w.tr("scal_p", thr=thr, H=fnum(sc["estimate"]), ci=fci(sc["conf_low"], sc["conf_high"]))
        )
    w.section_figures("gradient")
    w.table(
        "gradient",
        w.display(
            pd.concat([_rows(g, measure="mean"), _rows(g, measure="share_willing")])
            if g is not None
            else pd.DataFrame(),
            {
                "group": lambda r: w.group(r["group"]),
                "circle": lambda r: w.circle(r["circle"]),
                "measure": lambda r: w.tr(f"gradient_measure.{r['measure']}", thr=thr),
                "estimate": lambda r: (
                    fnum(r["estimate"]) if r["measure"] == "mean" else fpct(r["estimate"])
                ),
                "ci": lambda r: fci(r["conf_low"], r["conf_high"], pct=r["measure"] != "mean"),
                "n": lambda r: fnum(r["n"], 0),
            },
        ),
    )
    if o is not None:
        w.table(
            "ordering",
            w.display(
                o,
                {
                    "test": lambda r: str(r["test"]),
                    "group": lambda r: w.group(r["group"]),
                    "term": lambda r: (
                        " vs ".join(w.circle(x) for x in str(r["term"]).split(" vs "))
                        if str(r["test"]) == "wilcoxon"
                        else str(r["term"])
                    ),
                    "estimate": lambda r: fnum(r["estimate"], 3),
                    "statistic": lambda r: fnum(r["statistic"], 1),
                    "p": lambda r: fp(r["p_value"]),
                    "p_adj": lambda r: fp(r["p_holm"]) if "p_holm" in r else "—",
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )
    if pr is not None:
        w.table(
            "profiles",
            w.display(
                pr,
                {
                    "group": lambda r: w.group(r["group"]),
                    "term": lambda r: w.lab.term(r["term"]),
                    "estimate": lambda r: fpct(r["estimate"]),
                    "ci": lambda r: fci(r["conf_low"], r["conf_high"], pct=True),
                    "count": lambda r: fnum(r["count"], 0),
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )
    # ordinal model
    om = t.get("ordinal")
    if om is not None:
        ors = _odds_ratio_items(w, om)
        info = result.results["ordinal"].info if "ordinal" in result.results else {}
        if ors and circles:
            w.p(
                w.tr(
                    "ordinal_p",
                    link=info.get("link", "logit"),
                    se=w.tr(f"ordinal_se.{info.get('vcov', 'cluster')}"),
                    ref=w.circle(circles[0]),
                    ors=w.tr("semicolon").join(ors),
                )
            )
        w.section_figures("ordinal")
        w.table(
            "ordinal",
            w.display(
                om[om["kind"] != "threshold"],
                {
                    "kind": lambda r: str(r["kind"]),
                    "term": lambda r: str(r["term"]),
                    "estimate": lambda r: fnum(r["estimate"], 3),
                    "ci": lambda r: fci(r["conf_low"], r["conf_high"], 3),
                    "odds_ratio": lambda r: fnum(r["odds_ratio"], 2),
                    "p": lambda r: fp(r["p_value"]),
                    "df": lambda r: fnum(r["df"], 0),
                },
            ),
        )
    mm = t.get("ordinal_mixed")
    if mm is not None:
        ors = _odds_ratio_items(w, mm)
        link = result.results["ordinal_mixed"].info.get("link", "logit")
        w.p(w.tr("ordinal_mixed_p", link=link, ors=w.tr("semicolon").join(ors)))
        w.table(
            "ordinal_mixed",
            w.display(
                mm[mm["kind"] != "threshold"],
                {
                    "kind": lambda r: str(r["kind"]),
                    "term": lambda r: str(r["term"]),
                    "estimate": lambda r: fnum(r["estimate"], 3),
                    "ci": lambda r: fci(r["conf_low"], r["conf_high"], 3),
                    "p": lambda r: fp(r["p_value"]),
                },
            ),
        )
    # ability and self-efficacy
    if s.scales:
        w.h(3, w.tr("ability_h"), "ability")
        rel = t.get("reliability")
        base = _first_wave(s)
        for scale in s.scales:
            a = _row(rel, scale=scale, term="raw_alpha")
            om_ = _row(rel, scale=scale, term="omega_total")
            if a is not None:
                w.p(
                    w.tr(
                        "reliability_p",
                        scale=w.var(scale),
                        alpha=fnum(a["estimate"]),
                        ci=fci(a["conf_low"], a["conf_high"]),
                        omega=fnum(om_["estimate"]) if om_ is not None else "—",
                        n=fnum(a["n"], 0),
                    )
                )
            ss = t.get("scale_scores")
            b = (
                _row(ss, scale=scale, wave=base, group="all")
                if base is not None
                else _row(ss, scale=scale, group="all")
            )
            last = ""
            if len(s.waves) >= 2 and s.by:
                lw = s.waves[-1]
                parts = [
                    w.tr("group_value", group=w.group(r["group"]), value=fnum(r["estimate"]))
                    for _, r in _rows(ss, scale=scale, wave=lw).iterrows()
                    if str(r["group"]) != "all"
                ]
                if parts:
                    last = w.tr("score_last", wave=w.wave(lw), groups=w.tr("groups_sep").join(parts))
            if b is not None:
                w.p(w.tr("score_p", scale=w.var(scale), base=fnum(b["estimate"]), last=last))
        w.section_figures("ability")
        if rel is not None:
            w.table(
                "reliability",
                w.display(
                    rel,
                    {
                        "scale": lambda r: w.var(r["scale"]),
                        "wave": lambda r: w.wave(r["wave"]),
                        "term": lambda r: str(r["term"]),
                        "estimate": lambda r: fnum(r["estimate"], 3),
                        "ci": lambda r: fci(r["conf_low"], r["conf_high"], 3),
                        "n": lambda r: fnum(r["n"], 0),
                    },
                ),
            )
        if "scale_scores" in t:
            w.table(
                "scale_scores",
                w.display(
                    t["scale_scores"],
                    {
                        "scale": lambda r: w.var(r["scale"]),
                        "wave": lambda r: w.wave(r["wave"]),
                        "group": lambda r: w.group(r["group"]),
                        "estimate": lambda r: fnum(r["estimate"]),
                        "ci": lambda r: fci(r["conf_low"], r["conf_high"]),
                        "n": lambda r: fnum(r["n"], 0),
                    },
                ),
            )


def _institutional(w: _Writer, s: ReportSettings, t: dict[str, pd.DataFrame]) -> None:
    w.h(2, w.tr("institutional"), "institutional")
    if "participation" not in t:
        w.p(w.tr("institutional_none"))
        return
    table = t["participation"]
    base = _first_wave(s)
    for var in s.institutional:
        vtype = w.cb.variables[var].type
        if vtype == "binary":
            (est, ci, n), last = _describe_text(w, s, table, var, "share", pct=True)
            w.p(w.tr("community_p", label=w.var(var), est=est, ci=ci, n=n) + w.tr("space") + last)
            continue
        m = _row(table, variable=var, wave=base, group="all", measure="mean")
        sh = _row(table, variable=var, wave=base, group="all", measure="share_positive")
        _, last = _describe_text(w, s, table, var, "mean", pct=False)
        if m is not None:
            w.p(
                w.tr(
                    "inst_p",
                    label=w.var(var),
                    mean=fnum(m["estimate"]),
                    ci=fci(m["conf_low"], m["conf_high"]),
                    share=fpct(sh["estimate"]) if sh is not None else "—",
                )
                + w.tr("space")
                + last
            )
    w.section_figures("institutional")
    w.table("participation", _desc_display(w, table))


def _band(w: _Writer, band: Any) -> str:
    return w.tr_or(f"band.{band}", str(band))


def _effect_outcome_label(w: _Writer, outcome: str) -> str:
    return w.circle(outcome) if outcome in w.cb.circles else w.var(outcome)


def _evaluation(
    w: _Writer, s: ReportSettings, t: dict[str, pd.DataFrame], result: PipelineResult
) -> None:
    w.h(2, w.tr("evaluation"), "evaluation")
    if not s.evaluation:
        reason = (
            w.tr("evaluation_waves", n_waves=len(s.waves))
            if w.cb.survey.cluster
            else w.tr("evaluation_no_village")
        )
        w.p(w.tr("evaluation_none", reason=reason))
        return
    at = t.get("attrition")
    if at is not None:
        w.h(3, w.tr("attrition_h"), "attrition")
        o = _row(at, level="respondent", group="overall")
        d = _row(at, level="respondent", group="differential")
        wwc = result.results["attrition"].tables.get("wwc")
        v = _row(wwc, level="respondent", boundary="cautious")
        if o is not None and d is not None and v is not None:
            w.p(
                w.tr(
                    "attrition_p",
                    overall=fpct(o["estimate"]),
                    diff=fnum(100 * float(d["estimate"]), 1) if not _na(d["estimate"]) else "—",
                    verdict=w.tr("verdict_low" if v["verdict"] == "low" else "verdict_high"),
                )
            )
        w.section_figures("attrition")
        w.table(
            "attrition",
            w.display(
                at,
                {
                    "level": lambda r: str(r["level"]),
                    "group": lambda r: w.group(r["group"]),
                    "term": lambda r: str(r["term"]),
                    "percent": lambda r: fnum(r["percent"], 1),
                    "n": lambda r: fnum(r["n_baseline"], 0),
                    "n_lost": lambda r: fnum(r["n_lost"], 0),
                },
            ),
        )
    be = t.get("baseline_equivalence")
    if be is not None:
        w.h(3, w.tr("equivalence_h"), "equivalence")
        items = [
            w.tr(
                "equivalence_item",
                variable=w.var(r["term"]),
                estimate=fnum(r["estimate"]),
                band=_band(w, r["band"]),
            )
            for _, r in be.iterrows()
        ]
        w.p(w.tr("equivalence_p", items=w.tr("semicolon").join(items)))
        w.table(
            "baseline_equivalence",
            w.display(
                be,
                {
                    "variable": lambda r: w.var(r["term"]),
                    "estimate": lambda r: fnum(r["estimate"], 3),
                    "band": lambda r: _band(w, r["band"]),
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )
    ef = t.get("effects")
    if ef is not None:
        w.h(3, w.tr("effects_h"), "effects")
        between = _rows(ef, estimand="between-arm effect")
        for outcome in dict.fromkeys(ef["outcome"]):
            label = _effect_outcome_label(w, outcome)
            if not between.empty:
                r = _row(between, outcome=outcome, model="ANCOVA", inference="CR2")
                rb = _row(between, outcome=outcome, model="ANCOVA", inference="wild bootstrap")
                if r is not None:
                    w.p(
                        w.tr(
                            "effects_p",
                            outcome=label,
                            model=str(r["model"]),
                            inference=str(r["inference"]),
                            est=fnum(r["estimate"]),
                            ci=fci(r["conf_low"], r["conf_high"]),
                            p=fp_eq(r["p_value"]),
                            pb=fp_eq(rb["p_value"]) if rb is not None else "—",
                            padj=fp_eq(r["p_adjusted"]),
                        )
                    )
            else:
                r = _row(ef, outcome=outcome, estimand="within-arm change", inference="CR2")
                if r is not None:
                    w.p(
                        w.tr(
                            "change_p",
                            outcome=label,
                            inference=str(r["inference"]),
                            est=fnum(r["estimate"]),
                            ci=fci(r["conf_low"], r["conf_high"]),
                            p=fp_eq(r["p_value"]),
                        )
                    )
        w.section_figures("effects")
        shown = between if not between.empty else _rows(ef, inference="CR2")
        shown = shown[shown["inference"] != "effect size"] if not shown.empty else shown
        w.table(
            "effects",
            w.display(
                shown,
                {
                    "outcome": lambda r: _effect_outcome_label(w, r["outcome"]),
                    "model": lambda r: str(r["model"]),
                    "arm": lambda r: str(r["arm"]),
                    "inference": lambda r: str(r["inference"]),
                    "estimate": lambda r: fnum(r["estimate"], 3),
                    "ci": lambda r: fci(r["conf_low"], r["conf_high"], 3),
                    "p": lambda r: fp(r["p_value"]),
                    "p_adj": lambda r: fp(r["p_adjusted"]),
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )
    ce = t.get("circle_expansion")
    if ce is not None:
        w.h(3, w.tr("expansion_h"), "expansion")
        did = _rows(ce, estimand="between-arm effect", inference="CR2")
        if not did.empty:
            items = [
                w.tr(
                    "expansion_item",
                    circle=w.circle(r["circle"]),
                    estimate=fnum(r["estimate"]),
                    ci=fci(r["conf_low"], r["conf_high"]),
                    p=fp_eq(r["p_value"]),
                )
                for _, r in did.iterrows()
            ]
            w.p(w.tr("expansion_p", items=w.tr("semicolon").join(items)))
        w.section_figures("expansion")
        shown = did if not did.empty else _rows(ce, inference="CR2")
        w.table(
            "circle_expansion",
            w.display(
                shown,
                {
                    "circle": lambda r: w.circle(r["circle"]),
                    "model": lambda r: str(r["model"]),
                    "arm": lambda r: str(r["arm"]),
                    "estimate": lambda r: fnum(r["estimate"], 3),
                    "ci": lambda r: fci(r["conf_low"], r["conf_high"], 3),
                    "p": lambda r: fp(r["p_value"]),
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )
    rc = t.get("reliable_change")
    if rc is not None and s.arms:
        w.h(3, w.tr("rci_h"), "reliable_change")
        treated = str(w.cb.survey.treated)
        for scale in dict.fromkeys(rc["outcome"]):
            rt = _row(rc, outcome=scale, group=treated, term="improved")
            others = _rows(rc, outcome=scale, term="improved")
            rcmp = next((r for _, r in others.iterrows() if str(r["group"]) != treated), None)
            w.p(
                w.tr(
                    "rci_p",
                    scale=w.var(scale),
                    t=fpct(rt["estimate"]) if rt is not None else "—",
                    c=fpct(rcmp["estimate"]) if rcmp is not None else "—",
                )
            )
        w.table(
            "reliable_change",
            w.display(
                rc,
                {
                    "outcome": lambda r: w.var(r["outcome"]),
                    "group": lambda r: w.group(r["group"]),
                    "term": lambda r: str(r["term"]),
                    "estimate": lambda r: fpct(r["estimate"]),
                    "ci": lambda r: fci(r["conf_low"], r["conf_high"], pct=True),
                    "count": lambda r: fnum(r["count"], 0),
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )


def _bootstrap_text(w: _Writer, info: Any) -> str:
    """How the evaluation's wild bootstraps ran, from the result's ``info["bootstrap"]``.

    One phrase per distinct way (enumerated over G villages, or B draws of some
    weights), in the order first met; empty when no bootstrap ran.
    """
    seed = info.get("seed")
    phrases: list[str] = []
    for b in info.get("bootstrap", ()):
        G, B = int(b["n_clusters"]), int(b["B"])
        key = "bootstrap_enumerated" if b["enumerated"] else "bootstrap_drawn"
        phrase = w.tr(key, G=G, B=B, weights=b["weights"], seed=seed)
        if phrase not in phrases:
            phrases.append(phrase)
    return w.tr("semicolon").join(phrases)


def _df_text(w: _Writer, dfs: Any) -> str:
    """The t reference of some table rows, from their ``df`` column.

    ``t(6)`` when every row used the same degrees of freedom, ``t(5) to
    t(11)`` (saying that the rows differ) when they do not, ``N(0, 1)`` for
    infinite df; empty when no row has a df.
    """
    found = pd.to_numeric(pd.Series(dfs, dtype=object), errors="coerce").dropna()
    values = sorted({float(v) for v in found})
    if not values:
        return ""
    if all(math.isinf(v) for v in values):
        return w.tr("df_normal")
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) == 1:
        return w.tr("df_one", df=f"{finite[0]:g}")
    return w.tr("df_range", low=f"{finite[0]:g}", high=f"{finite[-1]:g}")


def _df_by_model(w: _Writer, rows: pd.DataFrame) -> str:
    """The t reference of some effect rows: one, or one per model when the models differ."""
    if rows.empty:
        return ""
    per_model = {
        str(m): _df_text(w, rows.loc[rows["model"] == m, "df"]) for m in dict.fromkeys(rows["model"])
    }
    if len(set(per_model.values())) <= 1:
        return _df_text(w, rows["df"])
    return w.tr("list_sep").join(
        w.tr("df_of", model=m, t=t) for m, t in per_model.items() if t
    )


def _methods_means(w: _Writer, s: ReportSettings, t: Mapping[str, pd.DataFrame]) -> str:
    """The first methods sentence: the villages, and how means and shares got their intervals.

    With CR1 the t reference is read from the ``df`` of the descriptive tables'
    rows (each row's villages minus one), not written as G - 1 of the survey.
    """
    vcov = s.vcov
    if vcov == "CR2":
        detail = w.tr("methods_cr2_detail")
    else:
        dfs = [t[n]["df"] for n in ("platform", "gradient", "scale_scores", "participation")
               if n in t and "df" in t[n]]
        df_text = _df_text(w, pd.concat(dfs, ignore_index=True)) if dfs else ""
        detail = w.tr("methods_cr1_detail", t=df_text or w.tr("df_generic"))
    return w.tr("methods_clusters", g=s.n_villages, vcov=vcov, detail=detail)


def _methods_ordinal(w: _Writer, ordinal: Any) -> str:
    """The ordinal model's methods sentence, from the fitted model: link, terms, covariance, df."""
    info = ordinal.info
    kinds = set(ordinal.table["kind"].astype(str))
    covariates = info.get("covariates") or []
    moderators = info.get("moderators") or []
    df = info.get("df")
    t_ref = w.tr("df_one", df=f"{df:g}") if df is not None and math.isfinite(df) else w.tr(
        "df_normal"
    )
    return w.tr(
        "methods_ordinal",
        link=info.get("link", "logit"),
        service=w.tr("methods_ordinal_service") if "service" in kinds else "",
        covariates=w.tr("methods_ordinal_covariates", names=", ".join(covariates))
        if covariates
        else "",
        moderators=w.tr("methods_ordinal_moderators", names=", ".join(moderators))
        if moderators
        else "",
        se=w.tr(f"methods_se.{info.get('vcov', 'cluster')}"),
        t=t_ref,
    )


def _methods_effects(w: _Writer, s: ReportSettings, effects: Any) -> str:
    """The evaluation's methods sentence, from the effects result: what ran, with which df."""
    table = effects.table
    design = effects.info.get("design", s.design)
    between = _rows(table, estimand="between-arm effect")
    methods = list(dict.fromkeys(between["inference"].astype(str))) if not between.empty else []
    inference = []
    if "CR2" in methods:
        inference.append(w.tr("methods_inference.CR2"))
    if "CR1" in methods:
        t_ref = _df_by_model(w, _rows(between, inference="CR1"))
        inference.append(w.tr("methods_inference.CR1", t=t_ref or w.tr("df_generic")))
    between_text = ""
    if inference:
        between_text = w.tr("methods_between", inference=w.tr("list_sep").join(inference))
        boot = _bootstrap_text(w, effects.info)
        if boot:
            between_text += w.tr("methods_bootstrap", bootstrap=boot)
        if "randomization" in methods:
            between_text += w.tr("methods_randomization")
    outcomes = list(dict.fromkeys(table["outcome"])) if "outcome" in table else list(s.outcomes)
    return w.tr(
        "methods_effects",
        design=w.tr_or(f"design.{design}", str(design)),
        between=between_text,
        outcomes=w.tr("list_sep").join(_effect_outcome_label(w, o) for o in outcomes),
    )


def _methods(
    w: _Writer, s: ReportSettings, result: PipelineResult, config: Config, version: str
) -> None:
    """The methods section, written from what actually ran.

    Every number and method name comes from a result, a published table or
    the settings: the villages, the covariance and df of each model as the
    model used them, the bootstraps as they ran.
    """
    w.h(2, w.tr("methods"), "methods")
    ran = set(result.ran)
    refs = ["fei"]
    items: list[str] = [_methods_means(w, s, result.tables)]
    refs += ["cr2", "bm"]
    svc = s.service
    items.append(
        w.tr(
            "methods_gradient",
            service=w.lab.service(svc) if svc else w.tr("services_pooled"),
            thr=f"{s.threshold:g}",
        )
    )
    ordinal = result.results.get("ordinal")
    if ordinal is not None:
        items.append(_methods_ordinal(w, ordinal))
    refs += ["friedman", "page", "holm", "mokken", "clm"]
    if "ordinal_mixed" in ran:
        mixed = result.results["ordinal_mixed"].info
        items.append(w.tr("methods_mixed", link=mixed.get("link", "logit")))
    if "reliability" in ran:
        items.append(w.tr("methods_scales", names=", ".join(w.var(x) for x in s.scales)))
        refs.append("alpha")
        if "gses" in s.scales:
            refs.append("gses")
    if "effects" in ran:
        effects = result.results["effects"]
        items.append(_methods_effects(w, s, effects))
        refs += ["wild", "webb", "lakens", "wwc"]
        if (effects.table["inference"].astype(str) == "randomization").any():
            refs.append("ri")
    if "attrition" in ran:
        items.append(w.tr("methods_attrition"))
    if "reliable_change" in ran:
        # the criterion each scale's reliable change used (|RCI| > 1.96 at 95%)
        cutoffs = dict.fromkeys(f"{rc.info['cutoff']:.2f}" for rc in result.results["reliable_change"])
        items.append(w.tr("methods_rci", cutoff=w.tr("list_sep").join(cutoffs)))
        refs.append("rci")
    items.append(w.tr("privacy_p", k=s.suppress_below))
    refs.append("sdc")
    items.append(w.tr("methods_software", version=version, seed=s.seed))
    w.bullets(items)
    w.h(3, w.tr("references"), "references")
    w.bullets([REFERENCES[r] for r in dict.fromkeys(refs)])


def _ledger(
    w: _Writer,
    s: ReportSettings,
    t: dict[str, pd.DataFrame],
    result: PipelineResult,
    config: Config,
) -> None:
    survey = result.survey
    w.h(2, w.tr("ledger"), "ledger")
    w.p(
        w.tr(
            "ledger_p",
            n_read=survey.n_read,
            n_analysed=survey.n_analysed,
            n_excluded=survey.n_excluded,
        )
    )
    probs = survey.problems
    if len(probs):
        by = probs.groupby(["severity", "rule"]).size()
        items = [
            w.tr("problem_item", rule=rule, severity=sev, n=n)
            for (sev, rule), n in zip(by.index, by, strict=True)
        ]
        w.p(w.tr("problems_p", items=w.tr("semicolon").join(items)))
    else:
        w.p(w.tr("no_problems"))
    mc = survey.missing_counts
    if len(mc):
        w.p(w.tr("missing_p", n=int(mc["n"].sum())))
    if "ledger_summary" in t:
        w.table(
            "ledger_summary",
            w.display(
                t["ledger_summary"],
                {
                    "wave": lambda r: w.wave(r["wave"]) if r["wave"] else "",
                    "status": lambda r: str(r["status"]),
                    "reason": lambda r: str(r["reason"]),
                    "n": lambda r: fnum(r["n"], 0),
                },
            ),
        )
    if result.notes:
        w.h(3, w.tr("notes_h"), "notes")
        w.bullets(result.notes)


# --------------------------------------------------------------------------- rendering
# Markdown that a label or a data value could smuggle into report.md: raw HTML
# (<script>, <img onerror=...>), links and images ([x](javascript:...)),
# emphasis and code spans.  Escaped, each renders as the character itself.
# A link or an image needs "](", "][" (or "] [") or a definition "]:", so an escaped
# "]" there is enough; "_" inside a word (mutualaid_analysis) is never emphasis.
_MD_ESCAPE = re.compile(r"([\\`*]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|\](?=\s?[(\[]|\s*:))")
_MD_LINE_START = re.compile(r"^(\s*)(#|[-+](?=\s|$))|^(\s*\d+)([.)])(?=\s|$)")


def _md_text(text: Any) -> str:
    """Text (labels, village names, data and codebook text) made inert for Markdown.

    ``&``, ``<`` and ``>`` become character references (so no raw HTML gets
    through: Markdown passes raw HTML on to the page), the characters that
    make links and images (a ``]`` before ``(``, ``[`` or ``:``), emphasis
    and code spans are backslash-escaped, line
    breaks (which could start a new block) become spaces, and a leading
    ``#``, list marker or ``1.`` is escaped so that a paragraph stays a
    paragraph.  Every Markdown renderer shows the result as the original
    characters.
    """
    out = " ".join(str(text).splitlines())
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = _MD_ESCAPE.sub(r"\\\1", out)
    return _MD_LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}",
        out,
        count=1,
    )


def _md_cell(text: Any) -> str:
    return _md_text(text).replace("|", "\\|")


def to_markdown(blocks: Sequence[Block], figure_ext: str = "png") -> str:
    """The report as Markdown; figures link to ``figures/<name>.<ext>``, tables to their CSV."""
    out: list[str] = []
    lang_csv = "tables/{}.csv"
    for b in blocks:
        if b.kind.startswith("h"):
            out.append("#" * int(b.kind[1]) + " " + _md_text(b.text))
        elif b.kind == "p":
            out.append(_md_text(b.text))
        elif b.kind == "list":
            out.append("\n".join(f"- {_md_text(item)}" for item in b.items))
        elif b.kind == "figure":
            text = _md_text(b.text)
            out.append(f"![{text}](figures/{b.name}.{figure_ext})\n\n*{text}*")
        elif b.kind == "table" and b.frame is not None:
            cols = list(b.frame.columns)
            lines = [
                f"**{_md_text(b.text)}** "
                f"([{_md_text(lang_csv.format(b.name))}]({lang_csv.format(b.name)}))",
                "",
                "| " + " | ".join(_md_cell(c) for c in cols) + " |",
                "|" + "|".join("---" for _ in cols) + "|",
            ]
            for row in b.frame.itertuples(index=False):
                lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
            if b.notes:
                lines += [""] + [f"*{_md_text(note)}*  " for note in b.notes]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
"WenQuanYi Micro Hei",system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.6;color:#1a1a1a}
h1{font-size:1.6rem;border-bottom:2px solid #0072B2;padding-bottom:.3rem}
h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
h3{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}
caption{caption-side:top;text-align:left;font-weight:bold;padding-bottom:.3rem}
th,td{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f6f9}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0 1.5rem}
figure img{max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#333}
nav ul{columns:2;list-style:none;padding-left:0}
.small{font-size:.85rem;color:#555}
""".strip()


def _is_num(text: str) -> bool:
    t = text.replace("%", "").replace("−", "-").replace("< ", "").strip()
    try:
        float(t)
    except ValueError:
        return text.startswith("[") or text == "—"
    return True


def to_html(
    blocks: Sequence[Block],
    images: Mapping[str, tuple[str, bytes]],
    lang: str,
    alt_suffix: str = "",
) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    blocks : sequence of Block
    images : mapping
        Figure name -> (MIME type, bytes), embedded as ``data:`` URIs.
    lang : {"zh", "en"}
        The ``lang`` attribute of the page.
    """
    esc = html.escape
    title = next((b.text for b in blocks if b.kind == "h1"), "mutualaid report")
    toc = [b for b in blocks if b.kind == "h2" and b.anchor]
    body: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            body.append(f"<h1>{esc(b.text)}</h1>")
            if toc:
                label = text("toc", lang if lang in LANGUAGES else "en")
                links = "".join(
                    f'<li><a href="#{esc(x.anchor)}">{esc(x.text)}</a></li>' for x in toc
                )
                body.append(
                    f'<nav aria-label="{esc(label)}"><strong>{esc(label)}</strong>'
                    f"<ul>{links}</ul></nav>"
                )
        elif b.kind in ("h2", "h3"):
            anchor = f' id="{esc(b.anchor)}"' if b.anchor else ""
            body.append(f"<{b.kind}{anchor}>{esc(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{esc(b.text)}</p>")
        elif b.kind == "list":
            body.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "figure":
            if b.name not in images:
                continue
            mime, data = images[b.name]
            uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            body.append(
                f'<figure id="fig-{esc(b.name)}"><img src="{uri}" alt="{esc(b.text)}">'
                f"<figcaption>{esc(b.text)}</figcaption></figure>"
            )
        elif b.kind == "table" and b.frame is not None:
            head = "".join(f"<th>{esc(str(c))}</th>" for c in b.frame.columns)
            rows = []
            for row in b.frame.itertuples(index=False):
                cells = "".join(
                    f'<td class="num">{esc(str(v))}</td>'
                    if _is_num(str(v))
                    else f"<td>{esc(str(v))}</td>"
                    for v in row
                )
                rows.append(f"<tr>{cells}</tr>")
            csv = f"tables/{b.name}.csv"
            body.append(
                f'<table id="tab-{esc(b.name)}"><caption>{esc(b.text)} '
                f'<span class="small">(<a href="{esc(csv)}">{esc(csv)}</a>)</span>'
                f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
                "</tbody></table>"
            )
            if b.notes:
                body.append(
                    '<p class="small table-note">'
                    + "<br>".join(esc(note) for note in b.notes)
                    + "</p>"
                )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(text("html_lang", lang if lang in LANGUAGES else "en"))}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="mutualaid_analysis">\n'
        f"<title>{esc(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _odds_ratio_items(w: Any, table: pd.DataFrame) -> list[str]:
    """One "circle: OR [CI]" phrase per circle effect of an ordinal model table."""
    items = []
    for _, r in _rows(table, kind="circle").iterrows():
        c = str(r["term"]).removeprefix("circle[").removesuffix("]")
        items.append(
            w.tr(
                "or_item",
                circle=w.circle(c),
                ci=fci(r["odds_ratio_low"], r["odds_ratio_high"]),
                **{"or": fnum(r["odds_ratio"])},
            )
        )
    return items
