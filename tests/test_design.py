"""Survey.willingness and the ordinal design shared by the ordinal models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mutualaid_analysis as ma
from mutualaid_analysis.models import ordinal_design, resolve_wave


@pytest.fixture(scope="module")
def sample():
    return ma.load_sample()


def test_willingness_pooled_is_mean_of_answered_items(sample):
    wide = sample.willingness()
    assert list(wide.columns[-3:]) == ["relatives", "friends", "villagers"]
    data = sample.data
    items = ["will_rel_care", "will_rel_emo", "will_rel_chore"]
    expected = data[items].astype("Float64").mean(axis=1, skipna=True)
    np.testing.assert_allclose(wide["relatives"].to_numpy(),
                               expected.to_numpy(dtype=float, na_value=np.nan))


def test_willingness_one_service_and_long(sample):
    wide = sample.willingness("chores")
    assert wide["friends"].tolist()[:5] == pytest.approx(
        sample.data["will_fri_chore"].astype(float).tolist()[:5], nan_ok=True)
    long = sample.willingness("chores", long=True)
    assert len(long) == 3 * len(sample.data)
    assert long.groupby("circle")["circle_rank"].first().to_dict() == {
        "relatives": 0, "friends": 1, "villagers": 2}
    with pytest.raises(ma.UsageError, match="daily_care"):
        sample.willingness("cooking")


def test_design_terms_and_baselines(sample):
    d = ordinal_design(sample, ["age", "sex"], ["lives_alone"])
    assert d.terms[:4] == ["circle[friends]", "circle[villagers]",
                           "service[emotional_support]", "service[chores]"]
    assert "sex[女]" in d.terms  # lowest code (0 男) is the baseline
    assert "circle[villagers]:lives_alone[是]" in d.terms
    assert d.term_kinds["circle[villagers]:lives_alone[是]"] == "interaction"
    assert d.categories == [1, 2, 3, 4, 5]
    assert d.category_labels[3] == "比较愿意"
    assert d.wave == "pre" and d.n_clusters == 12
    # every answered item of the baseline wave is modelled, the rest accounted for
    base = sample.wave("pre")
    n_items = 9
    assert d.n + d.n_excluded == len(base) * n_items
    assert len(d.excluded) == d.n_excluded


def test_design_interaction_is_product(sample):
    d = ordinal_design(sample, [], ["lives_alone"], service="daily_care")
    X = pd.DataFrame(d.X, columns=d.terms)
    np.testing.assert_array_equal(
        X["circle[friends]:lives_alone[是]"], X["circle[friends]"] * X["lives_alone[是]"])


def test_design_errors(sample):
    with pytest.raises(ma.UsageError, match="not a variable"):
        ordinal_design(sample, ["agee"])
    with pytest.raises(ma.UsageError, match="text"):
        ordinal_design(sample, ["arm"])
    with pytest.raises(ma.UsageError, match="no wave 'mid'"):
        resolve_wave(sample, "mid")
    assert resolve_wave(sample) == "pre" and resolve_wave(sample, None) is None


def test_one_wave_rule_for_every_analysis(sample, tmp_path):
    # One home (data/waves.py): the gradient tests refuse None, the rest may pool.
    from mutualaid_analysis.data.waves import resolve_wave as home

    assert resolve_wave is home
    with pytest.raises(ma.UsageError, match="needs one wave"):
        home(sample, None, pool=False)
    with pytest.raises(ma.UsageError, match="needs one wave"):
        ma.test_ordering(sample, wave=None)
    assert home(sample, "post", pool=False) == "post"
    # A wave is named as text or as the codebook's value; the codebook's value comes back.
    text = ('[survey]\nid = "编号"\ncluster = "村"\nwave = "轮次"\nwaves = [1, 2]\n'
            '[[variable]]\nname = "编号"\ntype = "id"\n'
            '[[variable]]\nname = "村"\ntype = "category"\n'
            '[[variable]]\nname = "轮次"\ntype = "integer"\n'
            '[[variable]]\nname = "年龄"\ntype = "integer"\n')
    (tmp_path / "cb.toml").write_text(text, encoding="utf-8")
    (tmp_path / "d.csv").write_bytes(
        "编号,村,轮次,年龄\r\n0101,东村,1,70\r\n0101,东村,2,71\r\n0201,西村,1,65\r\n".encode("gbk"))
    s = ma.read_survey(tmp_path / "d.csv", codebook=tmp_path / "cb.toml")
    assert home(s, "2") == 2 and home(s, 2) == 2 and home(s) == 1
    with pytest.raises(ma.UsageError, match=r"no wave '3' in the analysed data; the waves are \['1', '2'\]"):
        home(s, "3")
