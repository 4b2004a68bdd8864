"""The Reliable Change Index (mutualaid_analysis.evaluation.reliable_change).

Reference values are hand-computed (Jacobson & Truax 1991 with the sqrt(2)
correction); the arithmetic is beside each check.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mutualaid_analysis as ma
from mutualaid_analysis.evaluation import reliability, reliable_change, score_scale
from mutualaid_analysis.evaluation.change import CATEGORIES, rci
from mutualaid_analysis.exceptions import UsageError


def codebook() -> ma.Codebook:
    return ma.Codebook.from_dict(
        {
            "survey": {
                "id": "resp_id",
                "cluster": "village",
                "wave": "wave",
                "waves": ["pre", "post"],
                "group": "arm",
                "treated": "workshop",
            },
            "variable": [
                {"name": "resp_id", "type": "id"},
                {
                    "name": "village",
                    "type": "category",
                    "values": {str(i): f"v{i}" for i in range(1, 5)},
                },
                {"name": "wave", "type": "text"},
                {"name": "arm", "type": "text"},
                {"name": "x", "type": "number"},
            ],
        }
    )


# (id, village, arm, pre, post)
PEOPLE = [
    ("T1", 1, "workshop", 20, 30),  # +10
    ("T2", 1, "workshop", 20, 25),  # +5
    ("T3", 2, "workshop", 20, 13),  # -7
    ("T4", 2, "workshop", 20, 27),  # +7
    ("C1", 3, "comparison", 20, 20),  # 0
    ("C2", 3, "comparison", 20, 20),  # 0
    ("C3", 4, "comparison", 20, 10),  # -10
    ("C4", 4, "comparison", 20, 21),  # +1
    ("C5", 4, "comparison", 20, None),  # lost at post: not classified
]


def survey() -> ma.Survey:
    rows = []
    for rid, v, arm, pre, post in PEOPLE:
        rows.append((rid, v, "pre", arm, pre))
        if post is not None:
            rows.append((rid, v, "post", arm, post))
    frame = pd.DataFrame(rows, columns=["resp_id", "village", "wave", "arm", "x"])
    return ma.from_frame(frame, codebook())


def test_rci_formula_by_hand():
    # S_diff = sqrt(2) * 5 * sqrt(1 - 0.8) = sqrt(2 * 25 * 0.2) = sqrt(10) = 3.1623
    assert rci([10], [20], sd=5, reliability=0.8)[0] == pytest.approx(10 / math.sqrt(10))
    assert rci([20], [10], sd=5, reliability=0.8)[0] == pytest.approx(-3.16227766)
    with pytest.raises(UsageError, match="SD"):
        rci([1], [2], sd=0, reliability=0.8)
    with pytest.raises(UsageError, match="reliability"):
        rci([1], [2], sd=1, reliability=1.0)


def test_reliable_change_by_hand():
    # reliable difference = 1.96 * sqrt(10) = 6.198: |change| > 6.198 is reliable.
    # workshop: +10, +7 improved; +5 unchanged; -7 deteriorated -> 2/4, 1/4, 1/4
    # comparison: 0, 0, +1 unchanged; -10 deteriorated -> 0/4, 3/4, 1/4
    res = reliable_change(survey(), "x", reliability=0.8, sd=5.0)
    s = res.shares()
    assert s.loc["workshop"].tolist() == [0.5, 0.25, 0.25]
    assert s.loc["comparison"].tolist() == [0.0, 0.75, 0.25]
    assert res.info["s_diff"] == pytest.approx(math.sqrt(10))
    assert res.info["reliable_difference"] == pytest.approx(1.959963985 * math.sqrt(10))
    t = res.table.set_index(["group", "term"])
    assert t.at[("workshop", "improved"), "count"] == 2
    assert t.at[("workshop", "improved"), "n"] == 4
    assert t.at[("comparison", "deteriorated"), "n"] == 4  # C5 was lost
    people = res.tables["respondents"].set_index("id")
    assert "C5" not in people.index
    assert people.at["T4", "category"] == "improved"
    assert people.at["T4", "rci"] == pytest.approx(7 / math.sqrt(10))
    # a share of 0 gets the Clopper-Pearson interval on its 4 respondents:
    # [0, 1 - 0.025 ** (1 / 4)] = [0, 0.6024]
    zero = t.loc[("comparison", "improved")]
    assert zero["conf_low"] == 0.0
    assert zero["conf_high"] == pytest.approx(1 - 0.025 ** 0.25, rel=1e-12)
    assert zero["conf_high"] == pytest.approx(0.6024, abs=1e-4)
    assert "Clopper-Pearson" in zero["method"]
    # 2 villages per arm: the CR2 interval exists for the mixed shares
    ci = t.loc[("workshop", "unchanged")]
    assert 0 <= ci["conf_low"] <= 0.25 <= ci["conf_high"] <= 1
    assert "sqrt(10)" not in res.summary() and "S_diff" in res.summary()


def test_lower_is_better_swaps_the_labels():
    up = reliable_change(survey(), "x", reliability=0.8, sd=5.0).tables["respondents"]
    down = reliable_change(survey(), "x", reliability=0.8, sd=5.0, higher_is_better=False).tables[
        "respondents"
    ]
    swap = {"improved": "deteriorated", "deteriorated": "improved", "unchanged": "unchanged"}
    assert down["category"].tolist() == up["category"].map(swap).tolist()


def test_a_single_variable_needs_its_reliability():
    with pytest.raises(UsageError, match="reliability"):
        reliable_change(survey(), "x")
    with pytest.raises(UsageError, match="conf_level"):
        reliable_change(survey(), "x", reliability=0.8, conf_level=2)


def test_default_sd_is_the_baseline_sd():
    with pytest.raises(UsageError, match="SD"):
        reliable_change(survey(), "x", reliability=0.8)  # every baseline is 20: SD 0


def test_reliable_change_of_the_sample_scale():
    sample = ma.load_sample()
    res = reliable_change(sample, "gses")
    alpha = reliability(sample, "gses").alpha
    assert res.info["reliability"] == pytest.approx(alpha)
    base = score_scale(sample, "gses", wave="baseline")["score"]
    assert res.info["sd"] == pytest.approx(base.std(ddof=1))
    shares = res.shares()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert list(shares.columns) == list(CATEGORIES)
    # the workshop raised self-efficacy (truth: +0.4 latent): more improve there
    assert shares.at["workshop", "improved"] > shares.at["comparison", "improved"]
    assert set(res.table.columns) >= {
        "term",
        "estimate",
        "std_error",
        "df",
        "conf_low",
        "conf_high",
        "n",
        "method",
        "group",
        "outcome",
    }
    assert "<table" in res._repr_html_()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 40), st.floats(0, 40)), min_size=1, max_size=30),
    st.floats(0.5, 10),
    st.floats(0, 0.95),
)
def test_rci_is_antisymmetric_and_scales_with_s_diff(pairs, sd, r):
    pre = np.array([p for p, _ in pairs])
    post = np.array([q for _, q in pairs])
    forward = rci(pre, post, sd, r)
    np.testing.assert_allclose(rci(post, pre, sd, r), -forward, atol=1e-12)
    np.testing.assert_allclose(
        forward * math.sqrt(2) * sd * math.sqrt(1 - r), post - pre, atol=1e-9
    )
