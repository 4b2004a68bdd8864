"""Bilingual display labels (Chinese and English): one home for plots and the report.

:class:`Labels` names circles, services, arms, waves, variables and answers in
one language, from the codebook first, then the package's :data:`GLOSSARY`;
:data:`TEXT` holds the sentences of the figure furniture.  The figures
(:mod:`mutualaid_analysis.plots`) and the report
(:mod:`mutualaid_analysis.report`) both label through it, so a circle is
called the same in a figure and in the sentence that describes it.  It
imports nothing of the package at run time (no matplotlib either).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:  # pragma: no cover
    from .data.codebook import Codebook

__all__ = ["GLOSSARY", "LANGS", "TEXT", "Labels", "Lang"]

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = get_args(Lang)

#: Labels of the package's own terms, used when the codebook has none.
GLOSSARY: dict[str, tuple[str, str]] = {
    # circles and services (the sample codebook's names)
    "relatives": ("亲属", "relatives"),
    "friends": ("朋友", "friends"),
    "villagers": ("其他村民", "other villagers"),
    "daily_care": ("生活照料", "daily care"),
    "emotional_support": ("精神慰藉", "emotional support"),
    "chores": ("家务帮助", "help with chores"),
    "pooled": ("各项服务合并", "services pooled"),
    # arms and waves
    "workshop": ("工作坊村", "workshop"),
    "comparison": ("对照村", "comparison"),
    "all": ("全体", "all"),
    "overall": ("合计", "overall"),
    "pre": ("前测", "before"),
    "post": ("后测", "after"),
    "baseline": ("基线", "baseline"),
    # gradient profiles
    "strict": ("严格递减", "strict"),
    "weak": ("弱递减", "weak"),
    "flat": ("无差别", "flat"),
    "inverted": ("倒置", "inverted"),
    "mixed": ("混合", "mixed"),
    "other": ("其他", "other"),
    # measures and axis titles
    "mean": ("平均意愿", "mean willingness"),
    "share_willing": ("愿意比例", "share willing"),
    "willingness": ("帮助意愿", "willingness to help"),
    "circle": ("社会圈层", "social circle"),
    "self": ("己", "self"),
    "share": ("比例", "share"),
    "percent": ("百分比", "percent"),
    "expected": ("预测平均回答", "expected answer"),
    "probability": ("预测概率", "predicted probability"),
    "effect": ("效应", "effect"),
    "wave": ("调查轮次", "wave"),
    "gses": ("一般自我效能感", "general self-efficacy"),
    "ANCOVA": ("协方差分析", "ANCOVA"),
    "between-arm effect": ("组间效应", "between-arm effect"),
    "standardised between-arm effect": ("标准化组间效应", "standardised between-arm effect"),
    "within-arm change": ("组内变化", "within-arm change"),
    "gap effect": ("圈层差距效应", "gap effect"),
    "DiD": ("双重差分", "DiD"),
}

#: Sentences used in figures, per language.
TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "ci": "95% 置信区间",
        "ci_short": "CI",
        "n": "样本量",
        "reach": "意愿范围",
        "profile_axis": "受访者比例",
        "likert_axis": "回答比例（%）",
        "unwilling": "不愿意",
        "willing": "愿意",
        "respondents": "受访者",
        "villages": "村庄",
        "mean_of_arm": "组均值",
        "adjust": "多重比较校正",
        "method": "方法",
        "p_adj": "校正 p",
        "no_effect": "无效应",
        "rows_read": "读入记录",
        "rows_excluded": "剔除记录",
        "baseline_surveyed": "基线调查",
        "lost": "失访",
        "analysed": "纳入分析",
        "not_surveyed": "后测未调查",
        "followup_excluded": "后测记录被剔除",
        "outcome_missing": "结局变量缺失",
        "baseline_missing": "基线结局缺失",
        "enrolment": "基线",
        "follow_up": "随访",
        "analysis": "分析",
        "allocated": "分组",
        "villages_not_drawn": "{k} 个村庄匹配受访者少于 {m} 人，未画出",
    },
    "en": {
        "ci": "95% confidence interval",
        "ci_short": "CI",
        "n": "n",
        "reach": "reach",
        "profile_axis": "share of respondents",
        "likert_axis": "answers (%)",
        "unwilling": "unwilling",
        "willing": "willing",
        "respondents": "respondents",
        "villages": "villages",
        "mean_of_arm": "arm mean",
        "adjust": "multiplicity adjustment",
        "method": "method",
        "p_adj": "adj. p",
        "no_effect": "no effect",
        "rows_read": "Rows read",
        "rows_excluded": "Rows excluded",
        "baseline_surveyed": "Surveyed at baseline",
        "lost": "Lost to follow-up",
        "analysed": "Analysed",
        "not_surveyed": "not surveyed at follow-up",
        "followup_excluded": "follow-up row excluded",
        "outcome_missing": "outcome missing",
        "baseline_missing": "baseline outcome missing",
        "enrolment": "Baseline",
        "follow_up": "Follow-up",
        "analysis": "Analysis",
        "allocated": "Arm",
        "villages_not_drawn": "{k} village(s) with fewer than {m} matched respondents not drawn",
    },
}


class Labels:
    """Labels in one language, from the codebook first, then :data:`GLOSSARY`.

    Parameters
    ----------
    lang : {"zh", "en"}
        Already resolved (see :func:`mutualaid_analysis.plots.resolve_lang`).
    codebook : Codebook, optional
        Supplies circle, service, scale, variable and value labels.
    extra : mapping, optional
        The caller's own labels ``{code: label}``; they win over everything.
    """

    def __init__(
        self, lang: Lang, codebook: Codebook | None = None, extra: Mapping[Any, str] | None = None
    ) -> None:
        self.lang = lang
        self.codebook = codebook
        self.extra = dict(extra or {})

    def text(self, key: str) -> str:
        """A sentence of the figure furniture (:data:`TEXT`)."""
        return TEXT[self.lang][key]

    def term(self, code: Any) -> str:
        """A term of the package (glossary), or the code itself."""
        if code in self.extra:
            return str(self.extra[code])
        key = str(code)
        if key in GLOSSARY:
            return GLOSSARY[key][0 if self.lang == "zh" else 1]
        return key

    def circle(self, code: Any) -> str:
        """A circle's label (``"亲属"`` / ``"relatives"``)."""
        cb = self.codebook
        if code in self.extra:
            return str(self.extra[code])
        if cb is not None and code in cb.circles:
            lab = (cb.circle_labels if self.lang == "zh" else cb.circle_labels_en).get(code)
            if lab:
                return lab
            if str(code) not in GLOSSARY and code not in self.extra:
                return cb.circle_label(code, self.lang)
        if isinstance(code, str) and " - " in code:  # a contrast "relatives - villagers"
            return " − ".join(self.circle(c) for c in code.split(" - "))
        return self.term(code)

    def service(self, code: Any) -> str:
        """A service's label (``"生活照料"`` / ``"daily care"``)."""
        cb = self.codebook
        if code in self.extra:
            return str(self.extra[code])
        if cb is not None and code in cb.services:
            lab = (cb.service_labels if self.lang == "zh" else cb.service_labels_en).get(code)
            if lab:
                return lab
        return self.term(code)

    def variable(self, name: Any) -> str:
        """A variable's or scale's label; the English label falls back to the name."""
        cb = self.codebook
        if name in self.extra:
            return str(self.extra[name])
        if cb is not None:
            if name in cb.scales:
                sc = cb.scales[name]
                lab = sc.get("label") if self.lang == "zh" else sc.get("label_en")
                if lab:
                    return str(lab)
            if name in cb.variables:
                v = cb.variables[name]
                lab = v.label if self.lang == "zh" else v.label_en
                if lab:
                    return lab
        return self.term(name)

    def value(self, variable: str | None, code: Any) -> str:
        """The label of one value of ``variable`` (an answer, an arm, a wave...).

        Accepts the code (``1``) or either language's label (``"否"``), so
        tables whose rows already hold Chinese labels translate to English.
        """
        if code in self.extra:
            return str(self.extra[code])
        cb = self.codebook
        if cb is not None and variable and variable in cb.variables:
            v = cb.variables[variable]
            zh, en = v.values or {}, v.values_en or {}
            target = zh if self.lang == "zh" else en
            for c in zh.keys() | en.keys():
                if code == c or str(code) == str(c) or code in (zh.get(c), en.get(c)):
                    if target.get(c):
                        return target[c]
                    break
        return self.term(code)

    def answer(self, code: Any, scale: Mapping[Any, Mapping[Any, str]] | None = None) -> str:
        """An answer category's label from a response scale ``{"values":..., "values_en":...}``."""
        if scale:
            values = scale.get("values" if self.lang == "zh" else "values_en") or {}
            for c, lab in values.items():
                if str(c) == str(code):
                    return str(lab)
        return str(code)

    def group(self, code: Any) -> str:
        """An arm or group level (the codebook's group variable first)."""
        cb = self.codebook
        var = cb.survey.group if cb is not None else None
        return self.value(var, code)

    def wave(self, code: Any) -> str:
        """A wave's label (``"前测"`` / ``"before (pre)"``)."""
        cb = self.codebook
        var = cb.survey.wave if cb is not None else None
        return self.value(var, code)
