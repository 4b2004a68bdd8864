"""Columns, labels and codebooks of the simulated survey and of its "real export" form.

The simulated survey has one codebook (:func:`survey_codebook`): English
column names, Chinese labels with English labels beside them.  The export
form (:func:`export_frame`, :func:`export_codebook`) is what a platform such
as 问卷星 hands a researcher: Chinese headers, answers as text, written in
GB18030.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.codebook import Codebook
from .design import CIRCLES, SERVICES

__all__ = [
    "CIRCLE_PREFIX",
    "GSES_ITEMS",
    "SERVICE_SUFFIX",
    "export_codebook",
    "export_frame",
    "gses_columns",
    "survey_codebook",
    "village_names",
    "willingness_columns",
]

CIRCLE_LABELS = {"relatives": "亲属", "friends": "朋友", "villagers": "其他村民"}
CIRCLE_LABELS_EN = {"relatives": "relatives", "friends": "friends", "villagers": "other villagers"}
SERVICE_LABELS = {"daily_care": "生活照料", "emotional_support": "精神慰藉", "chores": "家务帮助"}
SERVICE_LABELS_EN = {
    "daily_care": "daily care",
    "emotional_support": "emotional support",
    "chores": "help with chores",
}
CIRCLE_PREFIX = {"relatives": "rel", "friends": "fri", "villagers": "vil"}
SERVICE_SUFFIX = {"daily_care": "care", "emotional_support": "emo", "chores": "chore"}

WILLING5 = {1: "非常不愿意", 2: "不太愿意", 3: "一般", 4: "比较愿意", 5: "非常愿意"}
WILLING5_EN = {
    1: "very unwilling",
    2: "rather unwilling",
    3: "neutral",
    4: "rather willing",
    5: "very willing",
}
GSES4 = {1: "完全不正确", 2: "有点正确", 3: "多数正确", 4: "完全正确"}
GSES4_EN = {1: "not at all true", 2: "hardly true", 3: "moderately true", 4: "exactly true"}
YESNO = {0: "否", 1: "是"}
YESNO_EN = {0: "no", 1: "yes"}
HEALTH5 = {1: "很差", 2: "较差", 3: "一般", 4: "较好", 5: "很好"}
HEALTH5_EN = {1: "very poor", 2: "poor", 3: "fair", 4: "good", 5: "very good"}
SEX = {0: "男", 1: "女"}
SEX_EN = {0: "male", 1: "female"}
MISSING = {98: "不知道", 99: "拒答"}

#: The ten GSES items: Chinese version (Zhang & Schwarzer 1995) and the English original.
GSES_ITEMS: tuple[tuple[str, str], ...] = (
    (
        "如果我尽力去做的话，我总是能够解决问题的",
        "I can always manage to solve difficult problems if I try hard enough",
    ),
    (
        "即使别人反对我，我仍有办法取得我所要的",
        "If someone opposes me, I can find the means and ways to get what I want",
    ),
    (
        "对我来说，坚持理想和达成目标是轻而易举的",
        "It is easy for me to stick to my aims and accomplish my goals",
    ),
    (
        "我自信能有效地应付任何突如其来的事情",
        "I am confident that I could deal efficiently with unexpected events",
    ),
    (
        "以我的才智，我定能应付意料之外的情况",
        "Thanks to my resourcefulness, I know how to handle unforeseen situations",
    ),
    (
        "如果我付出必要的努力，我一定能解决大多数的难题",
        "I can solve most problems if I invest the necessary effort",
    ),
    (
        "我能冷静地面对困难，因为我信赖自己处理问题的能力",
        "I can remain calm when facing difficulties because I can rely on my coping abilities",
    ),
    (
        "面对一个难题时，我通常能找到几个解决方法",
        "When I am confronted with a problem, I can usually find several solutions",
    ),
    (
        "有麻烦的时候，我通常能想到一些应付的方法",
        "If I am in trouble, I can usually think of a solution",
    ),
    ("无论什么事在我身上发生，我都能够应付自如", "I can usually handle whatever comes my way"),
)

# Fictitious village names (common place-name patterns; no real survey site is meant).
_VILLAGES: tuple[tuple[str, str], ...] = (
    ("青山村", "Qingshan"),
    ("柳树村", "Liushu"),
    ("东河村", "Donghe"),
    ("石桥村", "Shiqiao"),
    ("杏花村", "Xinghua"),
    ("南坪村", "Nanping"),
    ("枣林村", "Zaolin"),
    ("白塔村", "Baita"),
    ("王家庄", "Wangjiazhuang"),
    ("李家湾", "Lijiawan"),
    ("松岭村", "Songling"),
    ("清水村", "Qingshui"),
    ("桃园村", "Taoyuan"),
    ("上坝村", "Shangba"),
    ("下河村", "Xiahe"),
    ("龙泉村", "Longquan"),
    ("新庄村", "Xinzhuang"),
    ("西沟村", "Xigou"),
    ("北岭村", "Beiling"),
    ("槐树村", "Huaishu"),
    ("梨园村", "Liyuan"),
    ("三合村", "Sanhe"),
    ("大营村", "Daying"),
    ("孙家寨", "Sunjiazhai"),
    ("赵家沟", "Zhaojiagou"),
    ("刘家堡", "Liujiabu"),
    ("张家店", "Zhangjiadian"),
    ("陈家岭", "Chenjialing"),
    ("团结村", "Tuanjie"),
    ("和平村", "Heping"),
    ("兴隆村", "Xinglong"),
    ("永安村", "Yong'an"),
    ("长乐村", "Changle"),
    ("福田村", "Futian"),
    ("金山村", "Jinshan"),
    ("黄土坡村", "Huangtupo"),
    ("马鞍山村", "Ma'anshan"),
    ("红星村", "Hongxing"),
    ("丰收村", "Fengshou"),
    ("太平村", "Taiping"),
)

ARMS = ("workshop", "comparison")
WAVES = ("pre", "post")


def willingness_columns() -> list[tuple[str, str, str]]:
    """``(column, circle, service)`` for the nine willingness items, circle-major."""
    return [
        (f"will_{CIRCLE_PREFIX[c]}_{SERVICE_SUFFIX[s]}", c, s) for c in CIRCLES for s in SERVICES
    ]


def gses_columns() -> list[str]:
    """The ten GSES item columns ``gses_01`` ... ``gses_10``."""
    return [f"gses_{j:02d}" for j in range(1, 11)]


def village_names(n: int) -> list[tuple[str, str]]:
    """Chinese and English names of villages 1..n (fictitious; numbered past the list)."""
    out = list(_VILLAGES[:n])
    out.extend((f"第{v}村", f"Village {v}") for v in range(len(out) + 1, n + 1))
    return out


def _circles_and_services() -> dict[str, Any]:
    """The ``[circles]`` and ``[services]`` tables shared by both sample codebooks."""
    return {
        "circles": {
            "order": list(CIRCLES),
            "labels": dict(CIRCLE_LABELS),
            "labels_en": dict(CIRCLE_LABELS_EN),
        },
        "services": {
            "order": list(SERVICES),
            "labels": dict(SERVICE_LABELS),
            "labels_en": dict(SERVICE_LABELS_EN),
        },
    }


def _var(name: str, type_: str, label: str, label_en: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "label_en": label_en, "type": type_, **extra}


def survey_codebook(n_villages: int, waves: int, seed: int) -> Codebook:
    """The codebook of a simulated survey.

    Parameters
    ----------
    n_villages : int
        Villages (their codes 1..n get Chinese names as value labels).
    waves : int
        1 or 2; the codebook lists the waves present.
    seed : int
        Recorded in the description.
    """
    names = village_names(n_villages)
    variables: list[dict[str, Any]] = [
        _var("resp_id", "id", "受访者编号", "Respondent ID (village-number)"),
        _var(
            "village",
            "category",
            "村庄",
            "Village",
            values={str(v): zh for v, (zh, _) in enumerate(names, start=1)},
            values_en={str(v): en for v, (_, en) in enumerate(names, start=1)},
            missing=[],
        ),
        _var(
            "arm",
            "text",
            "组别（workshop = 工作坊村，comparison = 对照村）",
            "Arm: workshop village or comparison village",
        ),
        _var(
            "wave",
            "text",
            "调查轮次（pre = 前测，post = 后测）",
            "Survey wave: pre (baseline) or post (follow-up)",
        ),
        _var("age", "integer", "年龄（岁）", "Age (years)", min=60, max=95),
        _var(
            "sex",
            "binary",
            "性别",
            "Sex",
            values={"0": SEX[0], "1": SEX[1]},
            values_en={"0": SEX_EN[0], "1": SEX_EN[1]},
        ),
        _var("schooling", "integer", "受教育年限（年）", "Years of schooling", min=0, max=16),
        _var("lives_alone", "binary", "是否独居", "Lives alone", responses="yesno"),
        _var(
            "n_migrated", "integer", "外出务工子女数", "Number of migrated children", min=0, max=10
        ),
        _var("health", "ordinal", "自评健康", "Self-rated health", responses="health5"),
        _var(
            "adl",
            "binary",
            "日常生活活动能力（ADL）受限",
            "Limitation in activities of daily living (ADL)",
            responses="yesno",
        ),
    ]
    for col, circle, service in willingness_columns():
        variables.append(
            _var(
                col,
                "ordinal",
                f"愿意为{CIRCLE_LABELS[circle]}提供{SERVICE_LABELS[service]}",
                f"Willing to give {SERVICE_LABELS_EN[service]} to {CIRCLE_LABELS_EN[circle]}",
                responses="willing5",
                circle=circle,
                service=service,
            )
        )
    for j, (zh, en) in enumerate(GSES_ITEMS, start=1):
        variables.append(
            _var(
                f"gses_{j:02d}",
                "ordinal",
                f"GSES {j}：{zh}",
                f"GSES {j}: {en}",
                responses="gses4",
                scale="gses",
                reverse=False,
            )
        )
    variables += [
        _var(
            "knows_platform",
            "binary",
            "知道本村互助养老服务平台",
            "Knows the village mutual-aid care platform",
            responses="yesno",
        ),
        _var(
            "used_platform",
            "binary",
            "使用过本村互助养老服务平台",
            "Has used the village mutual-aid care platform",
            responses="yesno",
        ),
        _var(
            "volunteer_hours",
            "integer",
            "上个月参加互助志愿服务的时长（小时）",
            "Hours of mutual-aid volunteering last month",
            min=0,
            max=744,
            missing=[],
        ),
        _var(
            "timebank_points",
            "integer",
            "上个月获得的时间银行积分",
            "Time-bank points earned last month",
            min=0,
            missing=[],
        ),
    ]
    wave_list = list(WAVES[:waves])
    raw: dict[str, Any] = {
        "survey": {
            "id": "resp_id",
            "cluster": "village",
            "wave": "wave",
            "waves": wave_list,
            "group": "arm",
            "treated": "workshop",
            "missing": {"98": MISSING[98], "99": MISSING[99]},
            "title": "农村互助养老意愿调查（模拟数据）",
            "title_en": "Rural mutual-aid elderly care survey (simulated data)",
            "description": (
                f"Synthetic data from mutualaid_analysis.simulate_survey(seed={seed}); "
                "no real person is described. 模拟数据，不涉及真实个人。"
            ),
        },
        **_circles_and_services(),
        "scales": {
            "gses": {
                "label": "一般自我效能感量表",
                "label_en": "General Self-Efficacy Scale (GSES)",
                "description": "Schwarzer & Jerusalem; Chinese version Zhang & Schwarzer "
                "(1995). 10 items, 1-4, none reverse-keyed.",
            }
        },
        "responses": {
            "willing5": {
                "label": "意愿（五点量表）",
                "label_en": "Willingness (5-point)",
                "values": _str_keys(WILLING5),
                "values_en": _str_keys(WILLING5_EN),
            },
            "gses4": {
                "label": "GSES 回答",
                "label_en": "GSES answer",
                "values": _str_keys(GSES4),
                "values_en": _str_keys(GSES4_EN),
            },
            "yesno": {"values": _str_keys(YESNO), "values_en": _str_keys(YESNO_EN)},
            "health5": {
                "label": "自评健康",
                "label_en": "Self-rated health",
                "values": _str_keys(HEALTH5),
                "values_en": _str_keys(HEALTH5_EN),
            },
        },
        "variable": variables,
    }
    return Codebook.from_dict(raw)


def _str_keys(d: dict[int, str]) -> dict[str, str]:
    return {str(k): v for k, v in d.items()}


# --------------------------------------------------------------------------- export form

#: Export header for each survey column the export carries (in export order).
EXPORT_HEADERS: dict[str, str] = {
    "resp_id": "问卷编号",
    "village": "村庄",
    "arm": "组别",
    "age": "年龄",
    "sex": "性别",
    "lives_alone": "是否独居",
    "health": "自评健康状况",
    **{
        col: f"您是否愿意为{CIRCLE_LABELS[c]}提供{SERVICE_LABELS[s]}"
        for col, c, s in willingness_columns()
    },
    **{f"gses_{j:02d}": zh for j, (zh, _) in enumerate(GSES_ITEMS, start=1)},
}
EXPORT_ARMS = {"workshop": "工作坊村", "comparison": "对照村"}


def export_frame(raw: pd.DataFrame, villages: tuple[int, ...] = (1, 2)) -> pd.DataFrame:
    """The baseline rows of ``villages`` as a platform export: Chinese headers, text answers.

    Parameters
    ----------
    raw : pandas.DataFrame
        The simulated survey with codes (98/99 included), as written to CSV.
    villages : tuple of int
        Village codes to keep.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EXPORT_HEADERS`; coded answers replaced by their
        Chinese labels, missing codes by 不知道 / 拒答, the village by its
        name and the arm by 工作坊村 / 对照村.
    """
    rows = raw[(raw["wave"] == "pre") & raw["village"].isin(villages)]
    n_vil = int(raw["village"].max())
    names = {v: zh for v, (zh, _) in enumerate(village_names(n_vil), start=1)}
    out = pd.DataFrame(index=rows.index)
    for col, header in EXPORT_HEADERS.items():
        src = rows[col]
        if col == "resp_id" or col == "age":
            out[header] = src.to_numpy()
            continue
        if col == "village":
            labels: dict[Any, str] = names
        elif col == "arm":
            labels = EXPORT_ARMS
        elif col == "sex":
            labels = SEX
        elif col == "lives_alone":
            labels = YESNO
        elif col == "health":
            labels = HEALTH5
        elif col.startswith("will_"):
            labels = {**WILLING5, **MISSING}
        else:
            labels = {**GSES4, **MISSING}
        out[header] = np.array([labels[v] for v in src.tolist()], dtype=object)
    return out.reset_index(drop=True)


def export_codebook(n_villages: int, seed: int, villages: tuple[int, ...] = (1, 2)) -> Codebook:
    """The codebook of :func:`export_frame`'s file (variables named by the Chinese headers)."""
    names = village_names(n_villages)
    h = EXPORT_HEADERS
    variables: list[dict[str, Any]] = [
        _var(h["resp_id"], "id", "问卷编号", "Questionnaire number (respondent ID)"),
        _var(
            h["village"],
            "category",
            "村庄",
            "Village",
            values={str(v): zh for v, (zh, _) in enumerate(names, start=1)},
            values_en={str(v): en for v, (_, en) in enumerate(names, start=1)},
            missing=[],
        ),
        _var(
            h["arm"],
            "text",
            "组别（工作坊村 / 对照村）",
            "Arm: 工作坊村 = workshop village, 对照村 = comparison village",
        ),
        _var(h["age"], "integer", "年龄（岁）", "Age (years)", min=60, max=95),
        _var(h["sex"], "binary", "性别", "Sex", values=_str_keys(SEX), values_en=_str_keys(SEX_EN)),
        _var(h["lives_alone"], "binary", "是否独居", "Lives alone", responses="yesno"),
        _var(h["health"], "ordinal", "自评健康状况", "Self-rated health", responses="health5"),
    ]
    for col, circle, service in willingness_columns():
        variables.append(
            _var(
                h[col],
                "ordinal",
                h[col],
                f"Willing to give {SERVICE_LABELS_EN[service]} to {CIRCLE_LABELS_EN[circle]}",
                responses="willing5",
                circle=circle,
                service=service,
            )
        )
    for j, (zh, en) in enumerate(GSES_ITEMS, start=1):
        variables.append(
            _var(
                zh,
                "ordinal",
                f"GSES {j}：{zh}",
                f"GSES {j}: {en}",
                responses="gses4",
                scale="gses",
                reverse=False,
            )
        )
    raw: dict[str, Any] = {
        "survey": {
            "id": h["resp_id"],
            "cluster": h["village"],
            "group": h["arm"],
            "treated": EXPORT_ARMS["workshop"],
            "missing": {"98": MISSING[98], "99": MISSING[99]},
            "title": "农村互助养老意愿调查·平台导出（模拟数据）",
            "title_en": "Rural mutual-aid elderly care survey, platform export (simulated data)",
            "description": (
                f"Baseline rows of villages {', '.join(map(str, villages))} of simulate_survey(seed={seed}) in the form of "
                "a survey-platform export: GB18030, Chinese headers, answers as text. "
                "模拟数据，不涉及真实个人。"
            ),
        },
        **_circles_and_services(),
        "scales": {
            "gses": {
                "label": "一般自我效能感量表",
                "label_en": "General Self-Efficacy Scale (GSES)",
            }
        },
        "responses": {
            "willing5": {"values": _str_keys(WILLING5), "values_en": _str_keys(WILLING5_EN)},
            "gses4": {"values": _str_keys(GSES4), "values_en": _str_keys(GSES4_EN)},
            "yesno": {"values": _str_keys(YESNO), "values_en": _str_keys(YESNO_EN)},
            "health5": {"values": _str_keys(HEALTH5), "values_en": _str_keys(HEALTH5_EN)},
        },
        "variable": variables,
    }
    return Codebook.from_dict(raw)
