"""Scale scores and reliability (mutualaid_analysis.evaluation.scales).

Reference values: ``tests/reference/psych_alpha_values.json``, produced by
``tests/reference/psych_alpha.R`` (R 4.2.2, psych 2.2.9: ``psych::alpha`` and
``psych::fa(nfactors = 1, fm = "minres")``) from
``tests/reference/psych_alpha_data.csv`` (the bundled sample's 361 baseline
respondents with all ten GSES items, written by
``tests/reference/make_psych_alpha_data.py``).

Tolerances: alpha, standardised alpha, the Feldt interval, alpha if dropped,
item-rest correlations and item means/SDs are closed forms of the same data:
1e-10.  The minres loadings come from two different optimisers (R's
``optim`` on the uniquenesses, ours L-BFGS-B on the loadings) of the same
criterion: they agree to 2e-8 per loading and 5e-10 on omega; the tests
allow 1e-6 and 1e-8 (psych's optimiser stops at a looser tolerance than
ours, and a different BLAS may move its last digits).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mutualaid_analysis as ma
from mutualaid_analysis.evaluation import reliability, score_scale
from mutualaid_analysis.evaluation.scales import (
    ReliabilityResult,
    cronbach_alpha,
    default_min_answered,
    feldt_ci,
    item_range,
    omega_total,
    one_factor_minres,
    reverse_item,
)
from mutualaid_analysis.exceptions import UsageError

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "psych_alpha_values.json").read_text(encoding="utf-8"))

FIVE = {str(i): str(i) for i in range(1, 6)}


def toy_codebook() -> ma.Codebook:
    """Three 1-5 items of scale "toy"; s3 is reverse-keyed; s2's range is min/max."""
    return ma.Codebook.from_dict(
        {
            "survey": {
                "id": "resp_id",
                "cluster": "village",
                "wave": "wave",
                "waves": ["pre", "post"],
                "group": "arm",
                "treated": "workshop",
                "missing": {"98": "不知道"},
            },
            "scales": {"toy": {"label": "玩具量表", "label_en": "Toy scale"}},
            "variable": [
                {"name": "resp_id", "type": "id"},
                {"name": "village", "type": "category", "values": {"1": "a", "2": "b"}},
                {"name": "wave", "type": "text"},
                {"name": "arm", "type": "text"},
                {"name": "s1", "type": "ordinal", "values": FIVE, "scale": "toy"},
                {"name": "s2", "type": "ordinal", "min": 1, "max": 5, "scale": "toy"},
                {"name": "s3", "type": "ordinal", "values": FIVE, "scale": "toy", "reverse": True},
            ],
        }
    )


def toy_survey(rows: list[tuple]) -> ma.Survey:
    frame = pd.DataFrame(rows, columns=["resp_id", "village", "wave", "arm", "s1", "s2", "s3"])
    return ma.from_frame(frame, toy_codebook())


@pytest.fixture(scope="module")
def sample() -> ma.Survey:
    return ma.load_sample()


@pytest.fixture(scope="module")
def rel(sample) -> ReliabilityResult:
    return reliability(sample, "gses")


# ----------------------------------------------------------------------------- the reference data


def test_reference_data_is_the_sample_baseline():
    sys.path.insert(0, str(REF_DIR))
    try:
        from make_psych_alpha_data import make
    finally:
        sys.path.remove(str(REF_DIR))
    ref = pd.read_csv(REF_DIR / "psych_alpha_data.csv")
    pd.testing.assert_frame_equal(make(), ref, check_dtype=False)
    assert len(ref) == REF["n"] == 361


# ----------------------------------------------------------------------------- against psych::alpha


def test_alpha_matches_psych(rel):
    raw = rel.table[rel.table["term"] == "raw_alpha"].iloc[0]
    assert_allclose(raw["estimate"], REF["raw_alpha"], rtol=0, atol=1e-10)
    assert_allclose(raw["conf_low"], REF["feldt_lower"], rtol=0, atol=1e-10)
    assert_allclose(raw["conf_high"], REF["feldt_upper"], rtol=0, atol=1e-10)
    std = rel.table[rel.table["term"] == "std_alpha"]["estimate"].iloc[0]
    assert_allclose(std, REF["std_alpha"], rtol=0, atol=1e-10)
    avg = rel.table[rel.table["term"] == "average_r"]["estimate"].iloc[0]
    assert_allclose(avg, REF["average_r"], rtol=0, atol=1e-10)
    assert rel.info["n_complete"] == REF["n"]
    assert rel.info["n_complete"] + rel.info["n_incomplete"] == 492
    assert len(rel.table) == 4
    assert rel.alpha == raw["estimate"]


def test_item_statistics_match_psych(rel):
    items = rel.items
    assert items["item"].tolist() == REF["items"]
    assert_allclose(items["alpha_if_dropped"], REF["alpha_drop"], rtol=0, atol=1e-10)
    assert_allclose(items["r_drop"], REF["r_drop"], rtol=0, atol=1e-10)
    assert_allclose(items["mean"], REF["item_mean"], rtol=0, atol=1e-10)
    assert_allclose(items["sd"], REF["item_sd"], rtol=0, atol=1e-10)


def test_omega_matches_psych_fa_minres(rel):
    assert_allclose(rel.items["loading"], REF["fa_minres_loadings"], rtol=0, atol=1e-6)
    assert_allclose(rel.omega, REF["omega_total"], rtol=0, atol=1e-8)


def test_feldt_level_matches_psych_alpha_ci():
    low, high = feldt_ci(REF["raw_alpha"], REF["n"], 10, conf_level=0.90)
    assert_allclose([low, high], [REF["feldt90_lower"], REF["feldt90_upper"]], rtol=0, atol=1e-12)


def test_reliability_result_shape(rel):
    assert {"term", "estimate", "conf_low", "conf_high", "n", "method", "scale", "wave"} <= set(
        rel.table.columns
    )
    assert (rel.table["wave"] == "pre").all()
    assert "361 complete cases" in rel.summary()
    assert "<table" in rel._repr_html_()


def test_village_bootstrap_is_reproducible(sample):
    a = reliability(sample, "gses", n_boot=50, seed=3).table
    b = reliability(sample, "gses", n_boot=50, seed=3).table
    pd.testing.assert_frame_equal(a, b)
    boot = a[a["method"].str.contains("bootstrap")].iloc[0]
    assert boot["conf_low"] < boot["estimate"] < boot["conf_high"]
    assert boot["std_error"] > 0


def test_reliability_errors(sample):
    with pytest.raises(UsageError, match="scale"):
        reliability(sample, "nope")
    with pytest.raises(UsageError, match="conf_level"):
        reliability(sample, "gses", conf_level=1.5)
    with pytest.raises(UsageError, match="n_boot"):
        reliability(sample, "gses", n_boot=-1)


# ----------------------------------------------------------------------------- scores


def test_score_scale_reverses_and_prorates_by_hand():
    survey = toy_survey(
        [
            # id, village, wave, arm, s1, s2, s3 (s3 reverse: 6 - x)
            ("r1", 1, "pre", "workshop", 1, 2, 5),  # 1 + 2 + 1 = 4
            ("r2", 2, "pre", "comparison", 98, 3, 1),  # s1 missing: mean(3, 5) = 4 -> sum 12
            ("r3", 2, "pre", "comparison", 98, 98, 2),  # 1 of 3 answered: missing
            ("r1", 1, "post", "workshop", 4, 4, 2),  # 4 + 4 + 4 = 12
        ]
    )
    s = score_scale(survey, "toy")  # min_answered = ceil(0.8 * 3) = 3
    assert default_min_answered(3) == 3
    assert s["score"].tolist()[0] == 4 and s["score"].tolist()[3] == 12
    assert np.isnan(s["score"].iloc[1]) and np.isnan(s["score"].iloc[2])
    assert s["n_answered"].tolist() == [3, 2, 1, 3]
    s2 = score_scale(survey, "toy", min_answered=2)
    assert s2["score"].iloc[1] == 12  # (3 + 5) / 2 * 3
    m = score_scale(survey, "toy", method="mean", min_answered=2)
    assert m["score"].iloc[1] == 4 and m["score"].iloc[0] == pytest.approx(4 / 3)
    pre = score_scale(survey, "toy", wave="baseline")
    assert pre["wave"].tolist() == ["pre"] * 3
    assert list(pre.columns) == [
        "resp_id",
        "village",
        "wave",
        "arm",
        "score",
        "n_answered",
        "n_items",
    ]


def test_score_scale_on_the_sample(sample):
    s = score_scale(sample, "gses")
    assert len(s) == len(sample.data)
    assert s["score"].dropna().between(10, 40).all()
    assert default_min_answered(10) == 8
    assert (s.loc[s["n_answered"] < 8, "score"].isna()).all()
    assert s.loc[s["n_answered"] >= 8, "score"].notna().all()


def test_score_scale_errors(sample):
    with pytest.raises(UsageError, match="method"):
        score_scale(sample, "gses", method="median")
    with pytest.raises(UsageError, match="min_answered"):
        score_scale(sample, "gses", min_answered=11)
    with pytest.raises(UsageError, match="min_answered"):
        score_scale(sample, "gses", min_answered=0)
    with pytest.raises(UsageError):
        score_scale(sample, "no_such_scale")


def test_item_range_from_labels_or_min_max():
    cb = toy_codebook()
    assert item_range(cb["s1"]) == (1.0, 5.0)
    assert item_range(cb["s2"]) == (1.0, 5.0)


# ----------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 3), st.integers(1, 6), st.lists(st.integers(0, 9), min_size=1, max_size=20))
def test_reversing_twice_is_identity(low, width, offsets):
    high = low + width
    x = np.array([low + (o % (width + 1)) for o in offsets], dtype=float)
    once = reverse_item(x, low, high)
    assert once.min() >= low and once.max() <= high
    assert_allclose(reverse_item(once, low, high), x)


@st.composite
def item_matrices(draw):
    n = draw(st.integers(8, 30))
    k = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    x = np.clip(np.round(2.5 + latent + rng.normal(size=(n, k))), 1, 4)
    x[0, :] = 1  # guarantee variance in every item
    x[1, :] = 4
    return x


@settings(max_examples=50, deadline=None)
@given(item_matrices(), st.randoms(use_true_random=False), st.floats(0.1, 10), st.floats(-5, 5))
def test_alpha_invariant_to_item_order_and_common_rescaling(x, rnd, a, b):
    alpha = cronbach_alpha(x)
    perm = list(range(x.shape[1]))
    rnd.shuffle(perm)
    assert_allclose(cronbach_alpha(x[:, perm]), alpha, rtol=1e-9, atol=1e-12)
    assert_allclose(cronbach_alpha(a * x + b), alpha, rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.1, 0.95), min_size=3, max_size=8))
def test_minres_recovers_exact_one_factor_loadings(lam):
    lam = np.array(lam)
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    assert_allclose(one_factor_minres(r), lam, atol=1e-5)
    s = lam.sum() ** 2
    assert_allclose(omega_total(lam), s / (s + (1 - lam**2).sum()))
