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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .pipeline import PipelineResult

__all__ = ["Block", "build_document", "to_html", "to_markdown"]


@dataclass(frozen=True)
class Block:
    """One element of the report.

    ``kind`` is ``"h1"``, ``"h2"``, ``"h3"``, ``"p"``, ``"list"``, ``"table"``
    or ``"figure"``; ``name`` is the table or figure name (file stem) and
    ``anchor`` the id of a heading.
    """

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    frame: pd.DataFrame | None = field(default=None, compare=False)
    name: str = ""
    anchor: str = ""


# --------------------------------------------------------------------------- text
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "default_title": "农村互助养老调查分析报告",
        "toc": "目录",
        "generated": "由 mutualaid_analysis {version} 生成（mutualaid run）。表格见 tables/ 文件夹，"
        "图见 figures/ 文件夹，输入文件的哈希值、软件版本与运行配置见 provenance.json。",
        "overview": "概况",
        "overview_p": "本报告分析 {n_villages} 个村庄的 {n_resp} 名受访者{waves_text}。共读入 {n_read} "
        "条记录，纳入分析 {n_analysed} 条，剔除 {n_excluded} 条（见“数据台账”）。",
        "waves_text": "，调查轮次：{waves}",
        "arms_text": "其中工作坊村 {n_treated} 个、对照村 {n_control} 个。",
        "community": "一、社区层面：互助养老平台的知晓与使用",
        "community_none": "配置中没有社区层面的变量（analysis.community），本节略。",
        "community_p": "{label}：基线时全体受访者中为 {est}（95% 置信区间 {ci}，n = {n}）。",
        "community_last": "{wave}时，{groups}。",
        "subject": "二、主体层面：差序格局、能力与自我效能",
        "gradient_h": "帮助意愿的差序格局",
        "gradient_p": "基线时，受访者对{circles}的平均帮助意愿分别为 {means}；表示愿意"
        "（回答 ≥ {thr}）的比例分别为 {shares}。意愿由近及远递减，"
        "如石入水、波纹外推（费孝通的“差序格局”）。",
        "ordering_p": "Page 趋势检验（预测顺序 {order}）：L = {L}，p {p}；Friedman 检验 "
        "χ² = {chi}，Kendall's W = {W}。",
        "profiles_p": "个人意愿模式：严格递减 {strict}，弱递减 {weak}，无差别 {flat}，倒置 {inverted}，"
        "混合 {mixed}（n = {n}）。",
        "scal_p": "以“愿意”（≥ {thr}）二分后，各圈层构成累积（Guttman）量表的程度 Loevinger H = {H}"
        "（95% 置信区间 {ci}；H ≥ 0.5 为强量表，0.4–0.5 中等，0.3–0.4 弱）。",
        "ordinal_p": "累积 logit 模型（村庄聚类稳健标准误）中，与{ref}相比，{ors}。",
        "or_item": "对{circle}愿意程度更高的优势比为 {or}（95% 置信区间 {ci}）",
        "ordinal_mixed_p": "含随机截距的累积 logit 混合模型：{ors}。",
        "ability_h": "能力与自我效能",
        "reliability_p": "{scale}：Cronbach α = {alpha}（Feldt 95% 置信区间 {ci}），"
        "McDonald ω = {omega}，完整作答 n = {n}。",
        "score_p": "{scale}平均分：基线 {base}{last}。",
        "score_last": "；{wave}时 {groups}",
        "institutional": "三、制度层面：参与、志愿服务时长与积分",
        "institutional_none": "配置中没有制度层面的变量（analysis.institutional），本节略。",
        "inst_p": "{label}：基线时平均 {mean}（95% 置信区间 {ci}），{share} 的受访者大于 0。",
        "evaluation": "四、工作坊评估",
        "evaluation_none": "工作坊评估需要同一批村庄的前后两轮调查；{reason}",
        "attrition_h": "样本流失",
        "attrition_p": "受访者总体流失率 {overall}，工作坊村与对照村相差 {diff} 个百分点；按 WWC "
        "谨慎边界为{verdict}流失。",
        "verdict_low": "低",
        "verdict_high": "高",
        "equivalence_h": "基线等同性",
        "equivalence_p": "基线差异（WWC 效应量，工作坊村减对照村）：{items}。",
        "effects_h": "工作坊效应",
        "effects_p": "{outcome}：{model} 估计的工作坊效应为 {est}（95% 置信区间 {ci}，CR2，p {p}；"
        "野聚类自助法 p {pb}；多重比较校正后 p {padj}）。",
        "change_p": "{outcome}：前后变化 {est}（95% 置信区间 {ci}，CR2，p {p}）。",
        "expansion_h": "差序格局的外扩",
        "expansion_p": "双重差分（工作坊村减对照村的前后变化）：{items}。波纹是否外扩看远圈层的"
        "效应是否大于近圈层。",
        "rci_h": "可靠变化",
        "rci_p": "{scale}：工作坊村 {t} 的受访者可靠提高，对照村 {c}（Jacobson-Truax 可靠变化指数）。",
        "methods": "五、方法",
        "ledger": "六、数据台账",
        "ledger_p": "每一条输入记录都有去向：读入 {n_read} = 纳入分析 {n_analysed} + 剔除 {n_excluded}。"
        "逐条记录见 ledger.csv。",
        "problems_p": "数据校验问题：{items}。",
        "no_problems": "数据校验未发现问题。",
        "missing_p": "缺失码（如 98 不知道、99 拒答）共出现 {n} 次，明细见 tables/missing_codes.csv。",
        "privacy_p": "标记为个人信息（pii = true）或经检测含个人信息（姓名、手机号、身份证号、IP "
        "地址等）的列不进入任何输出；已发布表格中小于 {k} 的人数（及由其计算的比例、"
        "均值与区间）被隐去（空白单元格，suppressed = True）。",
        "notes_h": "说明",
        "table": "表",
        "figure": "图",
        "csv": "完整表格：",
        "suppressed": "（已隐去）",
        "and": "，",
        "semicolon": "；",
        "none": "无",
        "groups_sep": "，",
        "list_sep": "、",
        "space": "",
    },
    "en": {
        "default_title": "Rural mutual-aid elderly care survey: analysis report",
        "toc": "Contents",
        "generated": "Generated by mutualaid_analysis {version} (mutualaid run). Tables are in "
        "tables/, figures in figures/; input hashes, software versions and the "
        "configuration as run are in provenance.json.",
        "overview": "Overview",
        "overview_p": "This report analyses {n_resp} respondents in {n_villages} villages"
        "{waves_text}. {n_read} rows were read: {n_analysed} analysed and "
        "{n_excluded} excluded (see the data ledger).",
        "waves_text": "; waves: {waves}",
        "arms_text": "{n_treated} villages ran the workshop and {n_control} are comparison "
        "villages.",
        "community": "1. Community level: awareness and use of the village platform",
        "community_none": "The configuration names no community-level variables "
        "(analysis.community); section left out.",
        "community_p": "{label}: at baseline {est} of all respondents (95% CI {ci}, n = {n}).",
        "community_last": "At {wave}: {groups}.",
        "subject": "2. Subject level: the willingness gradient, ability and self-efficacy",
        "gradient_h": "The differential mode of association",
        "gradient_p": "At baseline, mean willingness to help {circles} was {means}; the share "
        "willing (answer >= {thr}) was {shares}. Willingness falls from the "
        "nearest circle outward, like ripples from a stone dropped in water "
        "(Fei Xiaotong's differential mode of association, 差序格局).",
        "ordering_p": "Page's trend test for the predicted order {order}: L = {L}, p {p}; "
        "Friedman test chi-square = {chi}, Kendall's W = {W}.",
        "profiles_p": "Individual profiles: strictly decreasing {strict}, weakly decreasing "
        "{weak}, flat {flat}, inverted {inverted}, mixed {mixed} (n = {n}).",
        "scal_p": "Dichotomised at willing (>= {thr}), the circles form a cumulative (Guttman) "
        "scale with Loevinger's H = {H} (95% CI {ci}; H >= 0.5 strong, 0.4-0.5 "
        "medium, 0.3-0.4 weak).",
        "ordinal_p": "In the cumulative logit model (village-cluster-robust SEs), compared with "
        "{ref}, {ors}.",
        "or_item": "the odds ratio of higher willingness toward {circle} is {or} (95% CI {ci})",
        "ordinal_mixed_p": "Cumulative logit mixed model with random intercepts: {ors}.",
        "ability_h": "Ability and self-efficacy",
        "reliability_p": "{scale}: Cronbach's alpha = {alpha} (Feldt 95% CI {ci}), McDonald's "
        "omega = {omega}, n = {n} complete.",
        "score_p": "{scale}, mean score: {base} at baseline{last}.",
        "score_last": "; at {wave}: {groups}",
        "institutional": "3. Institutional level: participation, volunteer hours, points",
        "institutional_none": "The configuration names no institutional-level variables "
        "(analysis.institutional); section left out.",
        "inst_p": "{label}: mean {mean} at baseline (95% CI {ci}); {share} above zero.",
        "evaluation": "4. Workshop evaluation",
        "evaluation_none": "The workshop evaluation needs two waves of the same villages; {reason}",
        "attrition_h": "Attrition",
        "attrition_p": "Overall respondent attrition was {overall}, and the arms differ by "
        "{diff} percentage points: {verdict} attrition under the WWC cautious "
        "boundary.",
        "verdict_low": "low",
        "verdict_high": "high",
        "equivalence_h": "Baseline equivalence",
        "equivalence_p": "Baseline differences (WWC effect sizes, workshop minus comparison): "
        "{items}.",
        "effects_h": "Workshop effects",
        "effects_p": "{outcome}: the {model} workshop effect is {est} (95% CI {ci}, CR2, p {p}; "
        "wild cluster bootstrap p {pb}; adjusted for multiplicity p {padj}).",
        "change_p": "{outcome}: change {est} (95% CI {ci}, CR2, p {p}).",
        "expansion_h": "Does the ripple widen?",
        "expansion_p": "Difference in differences (change in workshop villages minus change in "
        "comparison villages): {items}. The ripple widens when the effect is "
        "larger for the far circles than for the near ones.",
        "rci_h": "Reliable change",
        "rci_p": "{scale}: {t} of respondents in workshop villages improved reliably, {c} in "
        "comparison villages (Jacobson-Truax reliable change index).",
        "methods": "5. Methods",
        "ledger": "6. Data ledger",
        "ledger_p": "Every input row is accounted for: {n_read} read = {n_analysed} analysed + "
        "{n_excluded} excluded. ledger.csv lists every row.",
        "problems_p": "Validation problems: {items}.",
        "no_problems": "Validation found no problems.",
        "missing_p": "Missing codes (e.g. 98 don't know, 99 refused) occurred {n} times; see "
        "tables/missing_codes.csv.",
        "privacy_p": "Columns marked as personal data (pii = true) or detected as such (names, "
        "phone numbers, resident ID numbers, IP addresses, ...) appear in no "
        "output; in the published tables, counts of people below {k} (and the "
        "shares, means and intervals computed from them) are blanked "
        "(empty cells, suppressed = True).",
        "notes_h": "Notes",
        "table": "Table",
        "figure": "Figure",
        "csv": "Full table: ",
        "suppressed": " (suppressed)",
        "and": ", ",
        "semicolon": "; ",
        "none": "none",
        "groups_sep": ", ",
        "list_sep": ", ",
        "space": " ",
    },
}

#: Captions of the tables shown in the report.
TABLE_CAPTIONS: dict[str, tuple[str, str]] = {
    "sample": ("各轮调查的受访者与村庄数", "Respondents and villages per wave"),
    "platform": (
        "互助养老平台的知晓与使用（比例，村庄聚类 95% 置信区间）",
        "Awareness and use of the village platform (shares, village-cluster 95% CI)",
    ),
    "gradient": ("各社会圈层的帮助意愿（基线）", "Willingness per social circle (baseline)"),
    "ordering": ("意愿顺序检验", "Tests of the ordering of the circles"),
    "profiles": ("个人意愿模式", "Individual willingness profiles"),
    "scalability": ("Guttman 可量表性", "Guttman scalability"),
    "ordinal": ("累积 logit 模型", "Cumulative logit model"),
    "ordinal_mixed": ("累积 logit 混合模型", "Cumulative logit mixed model"),
    "reliability": ("量表信度", "Scale reliability"),
    "scale_scores": ("量表平均分", "Mean scale scores"),
    "participation": ("参与、志愿服务时长与积分", "Participation, volunteer hours and points"),
    "attrition": ("样本流失", "Attrition"),
    "baseline_equivalence": ("基线等同性", "Baseline equivalence"),
    "effects": ("工作坊效应", "Workshop effects"),
    "circle_expansion": ("各圈层意愿的变化", "Change in willingness per circle"),
    "reliable_change": ("可靠变化", "Reliable change"),
    "ledger_summary": ("记录去向", "What happened to every row"),
}

#: Captions of the figures (by name).
FIGURE_CAPTIONS: dict[str, tuple[str, str]] = {
    "ripple": (
        "差序格局：各圈层的平均帮助意愿（基线）",
        "The ripple: mean willingness per circle (baseline)",
    ),
    "gradient_lines": ("各圈层的帮助意愿，按组别", "Willingness per circle, by group"),
    "profile_shares": ("个人意愿模式的构成", "Individual willingness profiles"),
    "likert_bars": ("各圈层意愿的回答分布", "Answers per circle"),
    "predicted_probabilities": (
        "累积 logit 模型的预测概率",
        "Predicted probabilities of the cumulative logit model",
    ),
    "platform_means": ("平台知晓与使用：前后测", "Platform awareness and use, before and after"),
    "participation_means": ("参与：前后测", "Participation, before and after"),
    "scale_means": ("量表平均分：前后测", "Mean scale scores, before and after"),
    "flow_diagram": ("样本流程图", "Flow of respondents"),
    "forest": ("工作坊效应（95% 置信区间）", "Workshop effects (95% CI)"),
    "slope": (
        "量表得分的前后变化（每条细线为一个村庄）",
        "Scale score before and after (one thin line per village)",
    ),
    "circle_means": ("各圈层意愿：前后测", "Willingness per circle, before and after"),
}

#: Column headers of the displayed tables.
HEADERS: dict[str, tuple[str, str]] = {
    "variable": ("变量", "variable"),
    "wave": ("轮次", "wave"),
    "group": ("组别", "group"),
    "measure": ("指标", "measure"),
    "estimate": ("估计值", "estimate"),
    "ci": ("95% 置信区间", "95% CI"),
    "n": ("n", "n"),
    "circle": ("圈层", "circle"),
    "test": ("检验", "test"),
    "term": ("项", "term"),
    "statistic": ("统计量", "statistic"),
    "p": ("p", "p"),
    "p_adj": ("校正 p", "adj. p"),
    "count": ("人数", "count"),
    "scale": ("量表", "scale"),
    "outcome": ("结局", "outcome"),
    "model": ("模型", "model"),
    "inference": ("推断", "inference"),
    "arm": ("组别", "arm"),
    "band": ("等级", "band"),
    "odds_ratio": ("优势比", "odds ratio"),
    "level": ("层级", "level"),
    "status": ("去向", "status"),
    "reason": ("原因", "reason"),
    "kind": ("类别", "kind"),
    "n_villages": ("村庄数", "villages"),
    "estimand": ("估计目标", "estimand"),
    "percent": ("%", "%"),
    "n_lost": ("流失", "lost"),
    "df": ("df", "df"),
    "service": ("服务", "service"),
}

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
        self.t = TEXT[lang]
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
        return self.t[key].format(**kw)

    # ------------------------------------------------------------ blocks
    def h(self, level: int, text: str, anchor: str = "") -> None:
        self.blocks.append(Block(f"h{level}", text=text, anchor=anchor))

    def p(self, text: str) -> None:
        if text:
            self.blocks.append(Block("p", text=text))

    def bullets(self, items: Sequence[str]) -> None:
        if items:
            self.blocks.append(Block("list", items=tuple(items)))

    def table(self, name: str, frame: pd.DataFrame) -> None:
        if frame is None or frame.empty:
            return
        self.n_table += 1
        cap = TABLE_CAPTIONS.get(name, (name, name))[0 if self.lang == "zh" else 1]
        text = f"{self.t['table']} {self.n_table}. {cap}"
        self.blocks.append(Block("table", text=text, frame=frame, name=name))

    def figure(self, name: str) -> None:
        names = {f.name for f in self.result.figures}
        if name not in names or name in self.shown_figures:
            return
        self.shown_figures.add(name)
        self.n_figure += 1
        cap = FIGURE_CAPTIONS.get(name, (name, name))[0 if self.lang == "zh" else 1]
        self.blocks.append(
            Block("figure", text=f"{self.t['figure']} {self.n_figure}. {cap}", name=name)
        )

    def section_figures(self, section: str) -> None:
        for f in self.result.figures:
            if f.section == section:
                self.figure(f.name)

    # ------------------------------------------------------------ display tables
    def display(self, frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
        """Build a display table: header key -> function(row) -> str."""
        i = 0 if self.lang == "zh" else 1
        out = {
            HEADERS.get(k, (k, k))[i]: [f(r) for _, r in frame.iterrows()]
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
        or ((cb.survey.title if lang == "zh" else cb.survey.title_en) or cb.survey.title)
        or w.t["default_title"]
    )
    w.h(1, title)
    if cb.survey.description:
        w.p(cb.survey.description)
    w.p(w.tr("generated", version=version))

    # -- overview
    w.h(2, w.t["overview"], "overview")
    waves_text = (
        w.tr("waves_text", waves=w.t["groups_sep"].join(w.wave(x) for x in s["waves"]))
        if s["waves"]
        else ""
    )
    w.p(
        w.tr(
            "overview_p",
            n_villages=s["n_villages"],
            n_resp=survey.n_respondents,
            waves_text=waves_text,
            n_read=survey.n_read,
            n_analysed=survey.n_analysed,
            n_excluded=survey.n_excluded,
        )
    )
    if s["arms"] and cb.survey.cluster:
        d = survey.data
        treated = d[d[cb.survey.group].astype(str) == str(cb.survey.treated)]
        n_t = int(treated[cb.survey.cluster].nunique())
        w.p(w.tr("arms_text", n_treated=n_t, n_control=s["n_villages"] - n_t))
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


def _first_wave(s: dict[str, Any]) -> Any:
    return s["waves"][0] if s["waves"] else None


def _describe_text(
    w: _Writer, s: dict[str, Any], table: pd.DataFrame, var: str, measure: str, pct: bool
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
    if len(s["waves"]) >= 2 and s["by"]:
        lw = s["waves"][-1]
        parts = []
        for _, r in _rows(table, variable=var, wave=lw, measure=measure).iterrows():
            if str(r["group"]) == "all":
                continue
            val = fpct(r["estimate"]) if pct else fnum(r["estimate"])
            parts.append(f"{w.group(r['group'])} {val}")
        if parts:
            last = w.tr("community_last", wave=w.wave(lw), groups=w.t["groups_sep"].join(parts))
    return (est, ci, n), last


def _desc_display(w: _Writer, table: pd.DataFrame, key: str = "variable") -> pd.DataFrame:
    def est(r: pd.Series) -> str:
        return fnum(r["estimate"]) if r["measure"] == "mean" else fpct(r["estimate"])

    def ci(r: pd.Series) -> str:
        return fci(r["conf_low"], r["conf_high"], pct=r["measure"] != "mean")

    measure_names = {
        "share": ("比例", "share"),
        "mean": ("均值", "mean"),
        "share_positive": ("> 0 的比例", "share > 0"),
    }
    i = 0 if w.lang == "zh" else 1
    return w.display(
        table,
        {
            key: lambda r: w.var(r[key]),
            "wave": lambda r: w.wave(r["wave"]),
            "group": lambda r: w.group(r["group"]),
            "measure": lambda r: measure_names.get(r["measure"], (r["measure"],) * 2)[i],
            "estimate": est,
            "ci": ci,
            "n": lambda r: fnum(r["n"], 0),
        },
    )


def _community(w: _Writer, s: dict[str, Any], t: dict[str, pd.DataFrame]) -> None:
    w.h(2, w.t["community"], "community")
    if "platform" not in t:
        w.p(w.t["community_none"])
        return
    for var in s["community"]:
        (est, ci, n), last = _describe_text(w, s, t["platform"], var, "share", pct=True)
        w.p(w.tr("community_p", label=w.var(var), est=est, ci=ci, n=n) + w.t["space"] + last)
    w.section_figures("community")
    w.table("platform", _desc_display(w, t["platform"]))


def _subject(
    w: _Writer, s: dict[str, Any], t: dict[str, pd.DataFrame], result: PipelineResult
) -> None:
    w.h(2, w.t["subject"], "subject")
    w.h(3, w.t["gradient_h"], "gradient")
    circles = list(w.cb.circles)
    g = t.get("gradient")
    means, shares = [], []
    for c in circles:
        r = _row(g, group="all", circle=c, measure="mean")
        means.append(fnum(r["estimate"]) if r is not None else "—")
        r = _row(g, group="all", circle=c, measure="share_willing")
        shares.append(fpct(r["estimate"], 0) if r is not None else "—")
    thr = f"{s['threshold']:g}"
    lsep = w.t["list_sep"]
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
                "measure": lambda r: (
                    ("平均意愿" if w.lang == "zh" else "mean")
                    if r["measure"] == "mean"
                    else (f"愿意比例（≥ {thr}）" if w.lang == "zh" else f"share >= {thr}")
                ),
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
        if ors and circles:
            w.p(w.tr("ordinal_p", ref=w.circle(circles[0]), ors=w.t["semicolon"].join(ors)))
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
        w.p(w.tr("ordinal_mixed_p", ors=w.t["semicolon"].join(ors)))
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
    if s["scales"]:
        w.h(3, w.t["ability_h"], "ability")
        rel = t.get("reliability")
        base = _first_wave(s)
        for scale in s["scales"]:
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
            if len(s["waves"]) >= 2 and s["by"]:
                lw = s["waves"][-1]
                parts = [
                    f"{w.group(r['group'])} {fnum(r['estimate'])}"
                    for _, r in _rows(ss, scale=scale, wave=lw).iterrows()
                    if str(r["group"]) != "all"
                ]
                if parts:
                    last = w.tr("score_last", wave=w.wave(lw), groups=w.t["groups_sep"].join(parts))
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


def _institutional(w: _Writer, s: dict[str, Any], t: dict[str, pd.DataFrame]) -> None:
    w.h(2, w.t["institutional"], "institutional")
    if "participation" not in t:
        w.p(w.t["institutional_none"])
        return
    table = t["participation"]
    base = _first_wave(s)
    for var in s["institutional"]:
        vtype = w.cb.variables[var].type
        if vtype == "binary":
            (est, ci, n), last = _describe_text(w, s, table, var, "share", pct=True)
            w.p(w.tr("community_p", label=w.var(var), est=est, ci=ci, n=n) + w.t["space"] + last)
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
                + w.t["space"]
                + last
            )
    w.section_figures("institutional")
    w.table("participation", _desc_display(w, table))


_BANDS_ZH = {
    "satisfied": "满足",
    "requires statistical adjustment": "需统计调整",
    "not satisfied": "不满足",
}
_DESIGN_ZH = {
    "prepost": "单组前后测",
    "comparison": "工作坊村与对照村比较",
    "randomized": "村庄随机分配",
}


def _band(w: _Writer, band: Any) -> str:
    return _BANDS_ZH.get(str(band), str(band)) if w.lang == "zh" else str(band)


def _effect_outcome_label(w: _Writer, outcome: str) -> str:
    return w.circle(outcome) if outcome in w.cb.circles else w.var(outcome)


def _evaluation(
    w: _Writer, s: dict[str, Any], t: dict[str, pd.DataFrame], result: PipelineResult
) -> None:
    w.h(2, w.t["evaluation"], "evaluation")
    if not s["evaluation"]:
        n_waves = len(s["waves"])
        if w.lang == "zh":
            reason = (
                f"这些数据只有 {n_waves} 轮调查。" if w.cb.survey.cluster else "数据没有村庄列。"
            )
        else:
            reason = (
                f"these data have {n_waves} wave(s)."
                if w.cb.survey.cluster
                else "the data have no village column."
            )
        w.p(w.tr("evaluation_none", reason=reason))
        return
    at = t.get("attrition")
    if at is not None:
        w.h(3, w.t["attrition_h"], "attrition")
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
                    verdict=w.t["verdict_low" if v["verdict"] == "low" else "verdict_high"],
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
        w.h(3, w.t["equivalence_h"], "equivalence")
        items = [
            f"{w.var(r['term'])} {fnum(r['estimate'])}（{_band(w, r['band'])}）"
            if w.lang == "zh"
            else f"{w.var(r['term'])} {fnum(r['estimate'])} ({r['band']})"
            for _, r in be.iterrows()
        ]
        w.p(w.tr("equivalence_p", items=w.t["semicolon"].join(items)))
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
        w.h(3, w.t["effects_h"], "effects")
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
                            model="ANCOVA",
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
        w.h(3, w.t["expansion_h"], "expansion")
        did = _rows(ce, estimand="between-arm effect", inference="CR2")
        if not did.empty:
            items = [
                f"{w.circle(r['circle'])} {fnum(r['estimate'])} "
                f"{fci(r['conf_low'], r['conf_high'])}, p {fp_eq(r['p_value'])}"
                for _, r in did.iterrows()
            ]
            w.p(w.tr("expansion_p", items=w.t["semicolon"].join(items)))
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
    if rc is not None and s["arms"]:
        w.h(3, w.t["rci_h"], "reliable_change")
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


def _bootstrap_text(info: Any, zh: bool) -> str:
    """How the evaluation's wild bootstraps ran, from the result's ``info["bootstrap"]``.

    One phrase per distinct way (enumerated over G villages, or B draws of some
    weights), in the order first met; empty when no bootstrap ran.
    """
    seed = info.get("seed")
    phrases: list[str] = []
    for b in info.get("bootstrap", ()):
        G, B = int(b["n_clusters"]), int(b["B"])
        if b["enumerated"]:
            phrase = (
                f"枚举全部 2^{G} = {B} 个 {b['weights']} 符号向量"
                if zh
                else f"all 2^{G} = {B} {b['weights']} sign vectors enumerated"
            )
        else:
            phrase = (
                f"B = {B} 次 {b['weights']} 权重抽样，种子 {seed}"
                if zh
                else f"B = {B} draws of {b['weights']} weights, seed {seed}"
            )
        if phrase not in phrases:
            phrases.append(phrase)
    return ("；" if zh else "; ").join(phrases)


def _methods(
    w: _Writer, s: dict[str, Any], result: PipelineResult, config: Config, version: str
) -> None:
    """The methods section, written from what actually ran."""
    w.h(2, w.t["methods"], "methods")
    zh = w.lang == "zh"
    ran = set(result.ran)
    g = s["n_villages"]
    refs = ["fei"]
    items: list[str] = []
    vcov = s["vcov"]
    if zh:
        items.append(
            f"受访者嵌套于 {g} 个村庄；所有可按村庄聚类的标准误均已聚类。均值与比例的区间用 "
            f"{vcov} 聚类稳健方差"
            + (
                "（Bell-McCaffrey / Pustejovsky-Tipton）与 Satterthwaite 自由度"
                if vcov == "CR2"
                else "（CR1S）与 t(G−1)"
            )
            + "；村庄少时不使用正态近似。"
        )
    else:
        items.append(
            f"Respondents are clustered in {g} villages; every standard error that can "
            f"be clustered is. Means and shares have {vcov} cluster-robust intervals"
            + (
                " (Bell-McCaffrey / Pustejovsky-Tipton) with Satterthwaite degrees of freedom"
                if vcov == "CR2"
                else " (CR1S) with t(G-1)"
            )
            + "; no normal approximation is used with few villages."
        )
    refs += ["cr2", "bm"]
    ordinal = result.results.get("ordinal")
    odf = ordinal.info.get("df") if ordinal is not None else g - 1
    # the df the model used (its villages with baseline answers), not the survey's G - 1
    ot = f"t({odf:g})" if odf is not None and math.isfinite(odf) else "N(0, 1)"
    svc = s["service"]
    svc_text = w.lab.service(svc) if svc else ("各项服务合并" if zh else "services pooled")
    if zh:
        items.append(
            f"差序格局（基线，{svc_text}）：各圈层均值与愿意比例（≥ {s['threshold']:g}）；"
            "Friedman 检验与 Kendall's W、Page 趋势检验（预测由近及远递减）、"
            "相邻与首末圈层的配对 Wilcoxon 符号秩检验（Holm 校正）；个人意愿模式分类；"
            "Loevinger H（Mokken 可量表性，村庄聚类 delta 法标准误）。"
        )
        items.append(
            "累积 logit 模型（最大似然）：圈层"
            + ("与服务" if not svc else "")
            + "效应"
            + (f"，协变量 {', '.join(s['covariates'])}" if s["covariates"] else "")
            + (f"，调节变量 {', '.join(s['moderators'])}" if s["moderators"] else "")
            + f"；村庄聚类稳健标准误（CR1）与 {ot} 分布。"
        )
    else:
        items.append(
            f"Willingness gradient (baseline, {svc_text}): means and shares willing "
            f"(>= {s['threshold']:g}) per circle; Friedman test with Kendall's W, Page's "
            "L trend test (predicted: decreasing from the nearest circle), paired "
            "Wilcoxon signed-rank tests (Holm-adjusted); individual profiles; "
            "Loevinger's H (Mokken scalability, village-cluster delta-method SEs)."
        )
        items.append(
            "Cumulative logit model (maximum likelihood) with circle"
            + (" and service" if not svc else "")
            + " effects"
            + (f", covariates {', '.join(s['covariates'])}" if s["covariates"] else "")
            + (f", moderators {', '.join(s['moderators'])}" if s["moderators"] else "")
            + f"; village-cluster-robust SEs (CR1) with {ot}."
        )
    refs += ["friedman", "page", "holm", "mokken", "clm"]
    if "ordinal_mixed" in ran:
        items.append(
            "累积 logit 混合模型（受访者随机截距，自适应 Gauss-Hermite 积分）。"
            if zh
            else "Cumulative logit mixed model (respondent random intercepts, adaptive "
            "Gauss-Hermite quadrature)."
        )
    if "reliability" in ran:
        names = ", ".join(w.var(x) for x in s["scales"])
        items.append(
            f"量表（{names}）：总分；Cronbach α（Feldt 置信区间）与 McDonald ω。"
            if zh
            else f"Scales ({names}): sum scores; Cronbach's alpha (Feldt CI) and McDonald's omega."
        )
        refs.append("alpha")
        if "gses" in s["scales"]:
            refs.append("gses")
    if "effects" in ran:
        design = result.results["effects"].info.get("design", s["design"])
        boot_text = _bootstrap_text(result.results["effects"].info, zh)
        if zh:
            text = (
                f"工作坊评估（设计：{_DESIGN_ZH.get(design, design)}）：各组前后变化"
                "（配对，CR2）；组间效应用 ANCOVA（后测对组别与前测）和双重差分，分别报告 CR2（Satterthwaite 自由度）、CR1S 与 "
                f"t(G−1)"
            )
            if boot_text:
                text += "，以及野聚类限制性自助法（" + boot_text + "，检验反演置信区间）"
            if design == "randomized":
                text += "，以及随机化推断（村庄层面重新分配）"
            text += (
                f"。结局：{'、'.join(_effect_outcome_label(w, o) for o in s['outcomes'])}，"
                "作为一族做 Holm 校正；标准化效应为 WWC Hedges' g。"
            )
        else:
            text = (
                f"Workshop evaluation (design: {design}): change within each arm (paired, "
                "CR2); the between-arm effect by ANCOVA (follow-up on arm and baseline) and "
                "difference in differences, each with CR2 (Satterthwaite df), CR1S with "
                "t(G-1)"
            )
            if boot_text:
                text += ", and the wild cluster restricted bootstrap (" + boot_text + ", CI by test inversion)"
            if design == "randomized":
                text += ", and randomisation inference (re-assigning villages)"
            text += (
                f". Outcomes: {', '.join(_effect_outcome_label(w, o) for o in s['outcomes'])}"
                ", one family for Holm's adjustment; standardised effects are WWC Hedges' "
                "g."
            )
        items.append(text)
        refs += ["wild", "webb", "lakens", "wwc"]
        if design == "randomized":
            refs.append("ri")
    if "attrition" in ran:
        items.append(
            "样本流失与基线等同性按 WWC 标准（手册 5.0 版）判定。"
            if zh
            else "Attrition and baseline equivalence follow the WWC standards (Handbook v5.0)."
        )
    if "reliable_change" in ran:
        items.append(
            "可靠变化：Jacobson-Truax 可靠变化指数（|RCI| > 1.96）。"
            if zh
            else "Reliable change: the Jacobson-Truax reliable change index (|RCI| > 1.96)."
        )
        refs.append("rci")
    k = config.report.suppress_below
    items.append(w.tr("privacy_p", k=k))
    refs.append("sdc")
    if zh:
        items.append(
            f"软件：mutualaid_analysis {version}；随机种子 {s['seed']}。同一配置与种子"
            "两次运行得到逐字节相同的表格、图与报告。"
        )
    else:
        items.append(
            f"Software: mutualaid_analysis {version}; seed {s['seed']}. The same "
            "configuration and seed give byte-identical tables, figures and report."
        )
    w.bullets(items)
    w.h(3, "参考文献" if zh else "References", "references")
    w.bullets([REFERENCES[r] for r in dict.fromkeys(refs)])


def _ledger(
    w: _Writer,
    s: dict[str, Any],
    t: dict[str, pd.DataFrame],
    result: PipelineResult,
    config: Config,
) -> None:
    survey = result.survey
    w.h(2, w.t["ledger"], "ledger")
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
        items = [f"{rule} ({sev}) ×{n}" for (sev, rule), n in zip(by.index, by, strict=True)]
        w.p(w.tr("problems_p", items=w.t["semicolon"].join(items)))
    else:
        w.p(w.t["no_problems"])
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
        w.h(3, w.t["notes_h"], "notes")
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
                label = TEXT.get(lang, TEXT["en"])["toc"]
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
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc("zh-CN" if lang == "zh" else "en")}">\n<head>\n'
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
