"""ma.circle_expansion: per-circle DiD of willingness and the change in the near-far gap.

Reference values: ``gap_did`` in ``tests/reference/evaluate_values.json``
(``tests/reference/evaluate.R``: clubSandwich CR2/Satterthwaite, sandwich
vcovCL CR1, a loop over all 2^10 sign vectors, a loop over all 252
assignments).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mutualaid_analysis as ma
from mutualaid_analysis.data.survey import from_frame
from mutualaid_analysis.evaluation import circle_expansion
from mutualaid_analysis.exceptions import UsageError

REF = Path(__file__).parent / "reference"
VALUES = json.loads((REF / "evaluate_values.json").read_text(encoding="utf-8"))
CODEBOOK = REF / "evaluate_codebook.toml"
RTOL = 1e-6


@pytest.fixture(scope="module")
def ref_frame() -> pd.DataFrame:
    return pd.read_csv(REF / "evaluate_data.csv")


@pytest.fixture(scope="module")
def ref_result(ref_frame):
    return circle_expansion(from_frame(ref_frame, CODEBOOK), design="randomized", seed=1)


def _rows(table, **where):
    mask = np.ones(len(table), dtype=bool)
    for key, value in where.items():
        mask &= (table[key] == value).to_numpy()
    return table.loc[mask]


def test_gap_did_matches_r(ref_result):
    ref = VALUES["gap_did"]
    assert ref_result.info["gap"] == "relatives - villagers"
    rows = ref_result.gap_effect(None).set_index("inference")
    assert (rows["n"] == ref["n"]).all()
    cr2 = rows.loc["CR2"]
    assert_allclose(
        [cr2["estimate"], cr2["std_error"], cr2["df"], cr2["statistic"], cr2["p_value"]],
        [ref["estimate"], ref["cr2_se"], ref["cr2_df"], ref["cr2_t"], ref["cr2_p"]],
        rtol=RTOL,
    )
    cr1 = rows.loc["CR1"]
    assert_allclose(
        [cr1["std_error"], cr1["df"], cr1["p_value"]],
        [ref["cr1_se"], ref["cr1_df"], ref["cr1_p"]],
        rtol=RTOL,
    )
    assert rows.loc["wild bootstrap", "p_value"] * 1024 == pytest.approx(
        round(ref["wild_p"] * 1024)
    )
    assert rows.loc["randomization", "p_value"] * 252 == pytest.approx(round(ref["ri_p"] * 252))
    g = ref_result.info["gap_effect"]
    assert_allclose(g["estimate"], ref["estimate"], rtol=RTOL)


def test_table_shape(ref_result):
    t = ref_result.table
    assert list(t.columns[:6]) == ["circle", "design", "estimand", "model", "arm", "inference"]
    assert list(t["circle"].unique()) == [
        "relatives",
        "friends",
        "villagers",
        "relatives - villagers",
    ]
    between = _rows(t, estimand="between-arm effect")
    assert set(between["inference"]) == {"CR2", "CR1", "wild bootstrap", "randomization"}
    assert set(between["term"]) == {"treated:post"}
    within = _rows(t, estimand="within-arm change")
    assert set(within["inference"]) == {"CR2"}
    assert set(within["arm"]) == {"workshop", "comparison"}
    assert np.isfinite(_rows(t, inference="CR2")["df"]).all()
    means = ref_result.tables["means"]
    assert len(means) == 4 * 2 * 2
    assert "A widening ripple is a negative gap effect" in ref_result.notes[-1]


def test_gap_equals_difference_of_circle_effects_with_same_respondents(ref_frame):
    # Keep rows where every circle is answered: then tau_gap = tau_near - tau_far.
    full = ref_frame.dropna(subset=["will_rel", "will_fri", "will_vil"])
    res = circle_expansion(from_frame(full, CODEBOOK), n_boot=255, seed=1)
    cr2 = _rows(res.table, estimand="between-arm effect", inference="CR2").set_index("circle")
    assert_allclose(
        cr2.loc["relatives - villagers", "estimate"],
        cr2.loc["relatives", "estimate"] - cr2.loc["villagers", "estimate"],
    )


def test_recovers_a_widening_ripple():
    survey, truth = ma.simulate_survey(seed=8, n_villages=20, per_village=60)
    res = circle_expansion(survey, seed=3, n_boot=999)
    t = res.table
    for circle in ("relatives", "friends", "villagers"):
        row = _rows(t, circle=circle, estimand="between-arm effect", inference="CR2").iloc[0]
        target = truth["workshop"]["willingness"][circle]["att_mean"]
        assert abs(row["estimate"] - target) < 3 * row["std_error"], circle
    gap = res.gap_effect().iloc[0]
    target = -truth["workshop"]["ripple_widening"]["att_mean"]
    assert target < 0
    assert abs(gap["estimate"] - target) < 3 * gap["std_error"]
    assert gap["estimate"] < 0
    assert "narrowed (the ripple widened)" in res.notes[-1]


def test_no_widening_under_the_null():
    # No workshop effect on any circle.  (An equal *latent* shift is not a null on
    # the 1-5 scale: the near circle is closer to the ceiling, so its mean moves
    # less and the observed gap shrinks; truth["workshop"]["ripple_widening"]
    # ["att_mean"] is the observed-scale target used above.)
    survey, truth = ma.simulate_survey(
        seed=6, n_villages=12, per_village=40, workshop_willingness=(0.0, 0.0, 0.0)
    )
    assert truth["workshop"]["ripple_widening"]["att_mean"] == 0
    gap = circle_expansion(survey, seed=1).gap_effect(None).set_index("inference")
    assert (gap["conf_low"] < 0).all() and (gap["conf_high"] > 0).all()


def test_one_arm_gives_changes_only(ref_frame):
    survey = from_frame(ref_frame[ref_frame["arm"] == "comparison"], CODEBOOK)
    res = circle_expansion(survey)
    assert res.info["design"] == "prepost"
    assert set(res.table["estimand"]) == {"within-arm change"}
    assert res.info["gap_effect"] is None
    with pytest.raises(UsageError, match="design='comparison' needs"):
        circle_expansion(survey, design="comparison")


def test_same_seed_same_table(ref_frame):
    survey = from_frame(ref_frame, CODEBOOK)
    a = circle_expansion(survey, n_boot=99, seed=4)
    b = circle_expansion(survey, n_boot=99, seed=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    with pytest.raises(UsageError, match="seed must be"):
        circle_expansion(survey, seed="x")
