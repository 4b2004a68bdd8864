"""The simulator: determinism, structure, validation, files, and recovery of the truth.

Recovery tests draw from the model and check that simple estimators land
near the truth.  Each tolerance is justified beside it from the estimator's
sampling error (measured over seeds while writing the test and/or derived
from a standard error), with a margin of about 4 standard errors, so that a
failure means a bug and not bad luck.  Seeds are fixed, so the tests are
deterministic anyway.
"""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pandas as pd
import pytest

from mutualaid_analysis.cli.main import main
from mutualaid_analysis.data.codebook import read_codebook
from mutualaid_analysis.data.survey import read_survey
from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.simulate import (
    Simulation,
    SimulationDesign,
    _simulate,
    simulate_survey,
    write_simulation,
)
from mutualaid_analysis.simulate.design import COVARIATES
from mutualaid_analysis.simulate.layout import gses_columns, willingness_columns

CIRCLES = ["relatives", "friends", "villagers"]
ITEMS = [c for c, _, _ in willingness_columns()] + gses_columns()
NO_COVARIATES = {k: 0.0 for k in COVARIATES}


def _circle_means(data: pd.DataFrame) -> dict[str, float]:
    out = {}
    for circle in CIRCLES:
        cols = [c for c, cc, _ in willingness_columns() if cc == circle]
        out[circle] = float(data[cols].astype(float).stack().mean())
    return out


def _did(data: pd.DataFrame, col: str) -> float:
    """Difference-in-differences of arm means: (workshop post - pre) - (comparison post - pre)."""
    m = data.groupby(["arm", "wave"])[col].mean()
    return float(
        (m["workshop", "post"] - m["workshop", "pre"])
        - (m["comparison", "post"] - m["comparison", "pre"])
    )


def _cronbach_alpha(items: pd.DataFrame) -> float:
    items = items.astype(float).dropna()
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


# --------------------------------------------------------------------------- basics


def test_returns_survey_and_json_truth():
    result = simulate_survey(seed=1, n_villages=4, per_village=10)
    assert isinstance(result, Simulation)
    survey, truth = result
    assert survey.problems.empty
    assert survey.n_read == survey.n_analysed
    json.dumps(truth, allow_nan=False)  # plain JSON, no NaN
    assert truth["willingness"]["circle_effects"] == {
        "relatives": 0.0,
        "friends": -1.0,
        "villagers": -2.0,
    }
    assert truth["model"]["seed"] == 1
    assert truth["design"] == SimulationDesign(n_villages=4, per_village=10).to_dict()
    # Typed as the survey layer promises: coded columns Int64 with 98/99 turned into <NA>.
    assert str(survey.data["will_rel_care"].dtype) == "Int64"
    assert not survey.data[ITEMS].isin([98, 99]).any().any()


def test_deterministic_for_a_seed_and_different_across_seeds():
    f1, cb1, t1 = _simulate(7, {"n_villages": 5, "per_village": 20})
    f2, cb2, t2 = _simulate(7, {"n_villages": 5, "per_village": 20})
    pd.testing.assert_frame_equal(f1, f2)
    assert t1 == t2
    assert cb1.to_toml() == cb2.to_toml()
    f3, _, t3 = _simulate(8, {"n_villages": 5, "per_village": 20})
    assert not f1[ITEMS].equals(f3[ITEMS])
    assert t1["sample"] != t3["sample"]
    # Through the Survey as well.
    s1, _ = simulate_survey(seed=7, n_villages=5, per_village=20)
    s2, _ = simulate_survey(seed=7, n_villages=5, per_village=20)
    pd.testing.assert_frame_equal(s1.data, s2.data)


def test_common_random_numbers_across_designs():
    """Each part of the model has its own stream: changing attrition or the number of waves
    leaves the other draws alone, so a one-wave survey is the baseline of the two-wave one."""
    two, _, _ = _simulate(3, {"n_villages": 6, "per_village": 15})
    one, _, _ = _simulate(3, {"n_villages": 6, "per_village": 15, "waves": 1})
    pd.testing.assert_frame_equal(two[two["wave"] == "pre"].reset_index(drop=True), one)
    more_lost, _, _ = _simulate(3, {"n_villages": 6, "per_village": 15, "attrition_workshop": 0.5})
    pre = more_lost[more_lost["wave"] == "pre"].reset_index(drop=True)
    pd.testing.assert_frame_equal(pre, one)
    # The post rows kept in both are identical too.
    ids = set(more_lost.loc[more_lost["wave"] == "post", "resp_id"])
    a = two[(two["wave"] == "post") & two["resp_id"].isin(ids)].reset_index(drop=True)
    b = more_lost[more_lost["wave"] == "post"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_structure_of_the_data():
    survey, truth = simulate_survey(seed=11, village_size="poisson")
    d = survey.data
    cb = survey.codebook
    assert list(d.columns) == cb.analysis_columns
    assert d["resp_id"].str.fullmatch(r"V\d{2}-\d{3}").all()
    assert not d.duplicated(["resp_id", "wave"]).any()
    pre, post = d[d["wave"] == "pre"], d[d["wave"] == "post"]
    assert set(post["resp_id"]) <= set(pre["resp_id"])  # attriters appear at "pre" only
    assert len(pre) == truth["sample"]["n_respondents"]
    assert len(d) == truth["sample"]["n_rows"]
    # One arm per village; half the villages run the workshop.
    arms = d.groupby("village")["arm"].nunique()
    assert (arms == 1).all()
    assert d.drop_duplicates("village")["arm"].value_counts().to_dict() == {
        "workshop": 6,
        "comparison": 6,
    }
    sizes = pre.groupby("village").size()
    assert sizes.to_dict() == {v["code"]: v["size"] for v in truth["sample"]["villages"]}
    assert sizes.nunique() > 1  # Poisson sizes vary
    # Ranges of the covariates and items.
    assert d["age"].between(60, 95).all()
    assert d["schooling"].between(0, 16).all()
    assert set(d["health"].unique()) <= {1, 2, 3, 4, 5}
    for col in ITEMS:
        top = 5 if col.startswith("will_") else 4
        assert d[col].dropna().between(1, top).all()
    # Institutional items: points follow hours; only those who know the platform used it.
    assert (d["timebank_points"] == 10 * d["volunteer_hours"]).all()
    assert not ((d["used_platform"] == 1) & (d["knows_platform"] == 0)).any()
    # Codebook: labelled in both languages, and a TOML round trip changes nothing.
    for var in cb.variables.values():
        assert var.label and var.label_en, var.name
    assert cb.circle_label("villagers") == "其他村民"
    assert cb["village"].values[1] == "青山村"
    assert cb.survey.waves == ("pre", "post")
    assert [w for w in cb.willingness_items()["circle"]] == ["relatives"] * 3 + ["friends"] * 3 + [
        "villagers"
    ] * 3
    assert len(cb.scale_items("gses")) == 10


def test_codebook_round_trips_through_toml(tmp_path):
    _, cb, _ = _simulate(1, {"n_villages": 3, "per_village": 5})
    path = tmp_path / "codebook.toml"
    path.write_text(cb.to_toml(), encoding="utf-8")
    again = read_codebook(path)
    assert again == cb
    assert again.to_toml() == cb.to_toml()


def test_many_villages_get_numbered_names_and_wider_ids():
    survey, _ = simulate_survey(seed=2, n_villages=120, per_village=2, waves=1)
    cb = survey.codebook
    assert cb["village"].values[120] == "第120村"
    assert survey.data["resp_id"].iloc[0] == "V001-001"
    # Village codes 98 and 99 are villages, not missing codes.
    assert {98, 99} <= set(survey.data["village"].dropna().astype(int))


def test_hundred_thousand_respondents_in_a_few_seconds():
    # Measured ~2 s (simulation and validation) on 2 cores; the bound allows a slow CI runner.
    t0 = time.perf_counter()
    survey, truth = simulate_survey(seed=1, n_villages=2500, per_village=40)
    elapsed = time.perf_counter() - t0
    assert truth["sample"]["n_respondents"] == 100_000
    assert survey.n_analysed == truth["sample"]["n_rows"]
    assert elapsed < 30, f"simulating 100k respondents took {elapsed:.1f} s"


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_villages": 0}, "n_villages must be a whole number >= 1"),
        ({"per_village": 2.5}, "per_village must be a whole number"),
        ({"treated_share": 1.5}, r"treated_share must be a number in \[0, 1\]"),
        ({"waves": 3}, "waves must be 1"),
        ({"village_size": "normal"}, "village_size must be 'fixed' or 'poisson'"),
        ({"circle_effects": (1.0, 0.0, -1.0)}, r"circle_effects\[0\] is the reference"),
        ({"circle_effects": (0.0, -1.0)}, "circle_effects must be a sequence of 3"),
        ({"thresholds": (-1.0, -2.0, 0.0, 1.0)}, "thresholds must be strictly increasing"),
        ({"gses_loadings": (1.0,) * 9 + (-1.0,)}, "gses_loadings must all be positive"),
        ({"covariate_effects": {"agee": 0.1}}, "Did you mean 'age'"),
        ({"sd_village": -0.1}, "sd_village is a standard deviation"),
        ({"attrition_workshop": 1.0}, r"attrition_workshop must be a probability in \[0, 1\)"),
        ({"missing_dont_know": 0.3, "missing_refused": 0.3}, "at most 0.5"),
        ({"efficacy_health_corr": 1.0}, "efficacy_health_corr"),
        ({"n_village": 3}, "unknown simulation parameter 'n_village' \\(did you mean 'n_villages'"),
        ({"n_villages": 100_000, "per_village": 100}, "more than the"),
    ],
)
def test_invalid_design_is_a_usage_error(kwargs, message):
    with pytest.raises(UsageError, match=message):
        simulate_survey(seed=1, **kwargs)


def test_all_design_errors_are_listed_at_once():
    with pytest.raises(UsageError) as info:
        simulate_survey(seed=1, n_villages=-1, treated_share=2, waves=0)
    text = str(info.value)
    assert "n_villages" in text and "treated_share" in text and "waves" in text


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True, None])
def test_bad_seed(seed):
    with pytest.raises(UsageError, match="seed must be a non-negative whole number"):
        simulate_survey(seed=seed)


def test_partial_dicts_keep_the_other_defaults():
    d = SimulationDesign(covariate_effects={"age": -0.05})
    assert d.covariate_effects["age"] == -0.05
    assert d.covariate_effects["adl"] == -0.40
    assert SimulationDesign(n_villages=np.int64(3)).n_villages == 3


# --------------------------------------------------------------------------- files and CLI


def test_cli_writes_whole_outputs_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "sim"
    argv = ["simulate", "--out", str(out), "--seed", "4", "--villages", "3", "--per-village", "8"]
    assert main(argv) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == ["codebook.toml", "truth.json", "village_survey.csv"]
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["design"]["n_villages"] == 3 and truth["model"]["seed"] == 4
    survey = read_survey(out / "village_survey.csv", out / "codebook.toml")
    mem, _ = simulate_survey(seed=4, n_villages=3, per_village=8)
    pd.testing.assert_frame_equal(survey.data, mem.data)
    pd.testing.assert_frame_equal(survey.missing_counts, mem.missing_counts)

    # A non-empty folder is refused (usage error, exit 2) and left as it was.
    before = (out / "village_survey.csv").read_bytes()
    assert main([*argv[:-4], "--seed", "5"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "village_survey.csv").read_bytes() == before

    # --force replaces the simulation's files and leaves other files alone.
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main([*argv, "--force", "--seed", "5", "--export"]) == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "village_survey.csv").read_bytes() != before
    assert (out / "village_export_gb18030.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sim.tmp")]


def test_cli_set_and_usage_errors(tmp_path, capsys):
    out = tmp_path / "a"
    argv = [
        "simulate",
        "--out",
        str(out),
        "--villages",
        "2",
        "--per-village",
        "5",
        "--set",
        "circle_effects=[0, -0.5, -1]",
        "--set",
        "attrition_comparison=0.3",
    ]
    assert main(argv) == 0
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["design"]["circle_effects"] == [0.0, -0.5, -1.0]
    assert truth["attrition"]["rate"]["comparison"] == 0.3

    bad = tmp_path / "b"
    assert main(["simulate", "--out", str(bad), "--set", "n_village=3"]) == 2
    assert "did you mean 'n_villages'" in capsys.readouterr().err
    assert not bad.exists()  # nothing written on a usage error
    assert main(["simulate", "--out", str(bad), "--villages", "0"]) == 2
    assert main(["simulate", "--out", str(bad), "--format", "parquet"]) == 2
    assert main(["simulate", "--out", str(bad), "--villages", "3", "--set", "n_villages=4"]) == 2
    assert not bad.exists()


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    from mutualaid_analysis.simulate import files

    def boom(truth):
        raise OSError("disk full")

    monkeypatch.setattr(files, "truth_json", boom)
    out = tmp_path / "sim"
    with pytest.raises(OSError, match="disk full"):
        write_simulation(out, seed=1, n_villages=2, per_village=5)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["xlsx", "sav", "dta"])
def test_other_formats_read_back_to_the_same_data(tmp_path, fmt):
    paths = write_simulation(tmp_path / fmt, seed=9, format=fmt, n_villages=3, per_village=6)
    assert paths["survey"].name == f"village_survey.{fmt}"
    survey = read_survey(paths["survey"], paths["codebook"])
    mem, _ = simulate_survey(seed=9, n_villages=3, per_village=6)
    pd.testing.assert_frame_equal(survey.data, mem.data, check_dtype=False)


def test_export_form_matches_the_survey(tmp_path):
    from mutualaid_analysis.simulate.layout import EXPORT_HEADERS

    paths = write_simulation(tmp_path / "x", seed=6, export=True, n_villages=4, per_village=12)
    raw = paths["export"].read_bytes()
    assert b"\r\n" in raw
    raw.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    export = read_survey(paths["export"], paths["export_codebook"])
    assert export.provenance["files"][0]["encoding"] == "gb18030"
    assert export.problems.empty
    main_survey = read_survey(paths["survey"], paths["codebook"])
    pre = main_survey.wave("pre").set_index("resp_id")
    got = export.data.rename(columns={v: k for k, v in EXPORT_HEADERS.items()})
    got = got.set_index("resp_id")
    assert set(got["arm"]) == {"工作坊村", "对照村"}  # one village of each arm
    cols = [c for c in got.columns if c != "arm"]
    pd.testing.assert_frame_equal(got[cols], pre.loc[got.index, cols], check_dtype=False)


# --------------------------------------------------------------------------- recovery


def test_circle_ordering_over_seeds():
    # Differential mode of association: relatives > friends > villagers in every draw of
    # the default design (480 respondents; the circle differences are ~0.5 on the 1-5
    # scale with a standard error of ~0.03, since village and respondent effects cancel).
    for seed in range(1, 6):
        survey, truth = simulate_survey(seed=seed)
        means = _circle_means(survey.wave("pre"))
        assert means["relatives"] > means["friends"] > means["villagers"], (seed, means)
        # The expected means in the truth are near the observed ones (SE ~0.03).
        for circle in CIRCLES:
            assert abs(means[circle] - truth["willingness"]["expected_mean_pre"][circle]) < 0.12


def _stacked_items(data: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for col, circle, service in willingness_columns():
        parts.append(
            pd.DataFrame(
                {
                    "y": data[col].astype(float).to_numpy(),
                    "circle": circle,
                    "service": service,
                    "alone": data["lives_alone"].astype(int).to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _cum_logits(y: np.ndarray) -> np.ndarray:
    """logit P(Y <= k), k = 1..4."""
    p = np.array([(y <= k).mean() for k in range(1, 5)])
    return np.log(p / (1 - p))


def test_latent_circle_effects_thresholds_and_moderator_closed_form():
    """Without random effects and with the covariates switched off, the cumulative logits
    of each (circle, service, lives-alone) cell are exactly tau_k - alpha_c - gamma_s -
    (beta_alone + mu_c) * alone, so differences of empirical cumulative logits estimate the
    latent parameters in closed form."""
    design = {
        "n_villages": 30,
        "per_village": 200,
        "waves": 1,
        "sd_village": 0.0,
        "sd_respondent": 0.0,
        "efficacy_effect": 0.0,
        "circle_by_efficacy": (0.0, 0.0, 0.0),
        "covariate_effects": {**NO_COVARIATES, "lives_alone": -0.2},
        "missing_dont_know": 0.0,
        "missing_refused": 0.0,
    }
    survey, truth = simulate_survey(seed=21, **design)
    items = _stacked_items(survey.data)
    w = truth["willingness"]
    L = {}
    for (circle, service, alone), grp in items.groupby(["circle", "service", "alone"]):
        L[circle, service, alone] = _cum_logits(grp["y"].to_numpy())
    services = list(w["service_effects"])
    for circle in CIRCLES[1:]:
        # alpha_c = L(relatives) - L(c), averaged over services, k and the alone=0 cells.
        # 6000 respondents, ~4400 per alone=0 cell: SE of one logit ~0.03-0.05, of the
        # average ~0.03; tolerance 0.12.
        est = np.mean([L["relatives", s, 0] - L[circle, s, 0] for s in services])
        assert abs(est - w["circle_effects"][circle]) < 0.12, (circle, est)
        # Moderator mu_c: the same difference among those living alone minus among the
        # others (~1600 in the alone=1 cells: SE of the average ~0.06; tolerance 0.25).
        est_mu = np.mean(
            [
                (L["relatives", s, 1] - L[circle, s, 1]) - (L["relatives", s, 0] - L[circle, s, 0])
                for s in services
            ]
        )
        assert abs(est_mu - w["moderators"]["lives_alone"][circle]) < 0.25, (circle, est_mu)
    for service in services[1:]:
        est = np.mean([L[c, "daily_care", 0] - L[c, service, 0] for c in CIRCLES])
        assert abs(est - w["service_effects"][service]) < 0.12, (service, est)
    # Thresholds: tau_k = L(relatives, daily care, alone=0)_k (alpha = gamma = 0 there);
    # SE 0.03-0.06 per threshold with ~4400 answers; tolerance 0.25.
    tau = np.mean([L["relatives", "daily_care", 0]], axis=0)
    np.testing.assert_allclose(tau, w["thresholds"], atol=0.25)


def test_latent_effects_recovered_by_statsmodels_ordered_logit():
    """The standard estimator (statsmodels OrderedModel, cumulative logit) recovers the
    circle and service effects and the thresholds within 4 model-based standard errors
    (valid here: no random effects, so the 9 items of a respondent are independent)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    design = {
        "n_villages": 30,
        "per_village": 100,
        "waves": 1,
        "sd_village": 0.0,
        "sd_respondent": 0.0,
        "efficacy_effect": 0.0,
        "circle_by_efficacy": (0.0, 0.0, 0.0),
        "circle_by_alone": (0.0, 0.0, 0.0),
        "covariate_effects": NO_COVARIATES,
        "missing_dont_know": 0.0,
        "missing_refused": 0.0,
    }
    survey, truth = simulate_survey(seed=5, **design)
    items = _stacked_items(survey.data)
    exog = pd.DataFrame(
        {
            "friends": (items["circle"] == "friends").astype(float),
            "villagers": (items["circle"] == "villagers").astype(float),
            "emotional_support": (items["service"] == "emotional_support").astype(float),
            "chores": (items["service"] == "chores").astype(float),
        }
    )
    model = OrderedModel(items["y"].astype(int), exog, distr="logit")
    fit = model.fit(method="bfgs", disp=False, maxiter=500)
    w = truth["willingness"]
    expected = {
        "friends": w["circle_effects"]["friends"],
        "villagers": w["circle_effects"]["villagers"],
        "emotional_support": w["service_effects"]["emotional_support"],
        "chores": w["service_effects"]["chores"],
    }
    for name, value in expected.items():
        assert abs(fit.params[name] - value) < 4 * fit.bse[name], (name, fit.params[name])
    cuts = model.transform_threshold_params(fit.params.to_numpy())[1:-1]
    # Threshold SEs are 0.01-0.04 here (27,000 answers); tolerance 0.15.
    np.testing.assert_allclose(cuts, w["thresholds"], atol=0.15)


def test_attrition_and_missing_code_rates():
    # 100 villages x 100: ~5000 respondents per arm, SE of an attrition rate
    # sqrt(.1 * .9 / 5000) = 0.004; tolerance 0.02.  Missing codes: ~360,000 cells,
    # SE of a 2% rate 0.0002; tolerance 0.002.
    design = {
        "n_villages": 100,
        "per_village": 100,
        "attrition_workshop": 0.05,
        "attrition_comparison": 0.15,
        "missing_dont_know": 0.03,
        "missing_refused": 0.01,
    }
    survey, truth = simulate_survey(seed=31, **design)
    d = survey.data
    pre, post = d[d["wave"] == "pre"], d[d["wave"] == "post"]
    for arm, rate in (("workshop", 0.05), ("comparison", 0.15)):
        n0 = (pre["arm"] == arm).sum()
        n1 = (post["arm"] == arm).sum()
        realised = 1 - n1 / n0
        assert abs(realised - rate) < 0.02, (arm, realised)
        assert truth["attrition"]["realised"][arm]["rate"] == pytest.approx(realised, abs=1e-6)
        assert truth["attrition"]["realised"][arm]["n_lost"] == n0 - n1
    panel = survey.ledger.drop_duplicates("respondent")["panel"].value_counts()
    assert panel["baseline_only"] == len(pre) - len(post)
    counts = survey.missing_counts.groupby("code")["n"].sum()
    cells = len(d) * len(ITEMS)
    assert abs(counts[98] / cells - 0.03) < 0.002
    assert abs(counts[99] / cells - 0.01) < 0.002
    assert truth["missing"]["realised"]["98"] == pytest.approx(counts[98] / cells, abs=1e-6)
    # Missing codes appear only in the willingness and GSES items.
    assert set(survey.missing_counts["variable"]) == set(ITEMS)


def test_gses_reliability_is_high():
    # Cronbach's alpha with the default loadings is ~0.90 (SD ~0.007 at 480 respondents,
    # measured over seeds); the GSES norm is 0.87.  Require > 0.8 in every draw.
    for seed in range(1, 5):
        survey, _ = simulate_survey(seed=seed)
        for wave in ("pre", "post"):
            alpha = _cronbach_alpha(survey.wave(wave)[gses_columns()])
            assert 0.8 < alpha < 0.97, (seed, wave, alpha)


def test_workshop_effects_recovered_by_difference_in_differences():
    """A difference-in-differences of arm means estimates the expected effect on the
    treated that the truth reports (village and respondent effects cancel between waves;
    attrition is at random within arms).  Errors per draw of 40 villages x 60 measured
    over 8 seeds: SD 0.017 (GSES mean score), 0.03-0.045 (willingness per circle), 0.025
    (participation).  Averaging 4 draws of 60 villages x 100 shrinks these by
    sqrt(2.5 * 4) ~ 3.2, so the tolerances below are ~4-5 SD."""
    errors: dict[str, list[float]] = {}
    ripple = []
    for seed in range(41, 45):
        survey, truth = simulate_survey(seed=seed, n_villages=60, per_village=100)
        d = survey.data.copy()
        d["gses_mean"] = d[gses_columns()].astype(float).mean(axis=1)
        d["knows"] = d["knows_platform"].astype(float)
        d["volunteer"] = (d["volunteer_hours"] > 0).astype(float)
        ws = truth["workshop"]
        errors.setdefault("gses", []).append(
            _did(d, "gses_mean") - ws["efficacy"]["att_mean_score"]
        )
        did_circle = {}
        for circle in CIRCLES:
            cols = [c for c, cc, _ in willingness_columns() if cc == circle]
            d[circle] = d[cols].astype(float).mean(axis=1)
            did_circle[circle] = _did(d, circle)
            errors.setdefault(circle, []).append(
                did_circle[circle] - ws["willingness"][circle]["att_mean"]
            )
        ripple.append(did_circle["villagers"] - did_circle["relatives"])
        errors.setdefault("knows", []).append(
            _did(d, "knows") - ws["participation"]["knows_platform"]["att_risk_difference"]
        )
        errors.setdefault("volunteer", []).append(
            _did(d, "volunteer") - ws["participation"]["volunteer"]["att_risk_difference"]
        )
    tolerance = {
        "gses": 0.03,
        "relatives": 0.06,
        "friends": 0.06,
        "villagers": 0.06,
        "knows": 0.04,
        "volunteer": 0.04,
    }
    for name, errs in errors.items():
        assert abs(np.mean(errs)) < tolerance[name], (name, errs)
    # The workshop widens the ripple: a larger effect on other villagers than on relatives
    # (truth ~0.24 on the 1-5 scale; mean of 4 draws has SE ~0.02).
    assert np.mean(ripple) > 0.15, ripple


def test_null_workshop_gives_no_effect_on_the_truth_scales():
    survey, truth = simulate_survey(
        seed=3,
        workshop_willingness=(0.0, 0.0, 0.0),
        workshop_efficacy=0.0,
        workshop_participation={"knows_platform": 0, "used_platform": 0, "volunteer": 0},
    )
    ws = truth["workshop"]
    assert ws["efficacy"]["att_mean_score"] == 0.0
    assert all(ws["willingness"][c]["att_mean"] == 0.0 for c in CIRCLES)
    assert ws["participation"]["volunteer"]["att_risk_difference"] == 0.0
    # One wave: no workshop effects to report, nobody lost.
    _, truth1 = simulate_survey(seed=3, waves=1)
    assert "att_mean" not in truth1["workshop"]["willingness"]["friends"]
    assert truth1["attrition"]["realised"]["workshop"]["n_lost"] == 0


def test_moderators_flatten_the_gradient():
    # Those living alone have a flatter gradient (mu_alone = 0.5 for villagers); with 6000
    # respondents the observed gradient differs by ~0.25 on the 1-5 scale (SE ~0.05).
    survey, _ = simulate_survey(seed=8, n_villages=60, per_village=100, waves=1)
    d = survey.data
    grad = {}
    for alone in (0, 1):
        m = _circle_means(d[d["lives_alone"] == alone])
        grad[alone] = m["relatives"] - m["villagers"]
    assert grad[1] < grad[0] - 0.1, grad
    # Steepen instead: negative moderation gives the opposite.
    survey, _ = simulate_survey(
        seed=8, n_villages=60, per_village=100, waves=1, circle_by_alone=(0.0, -0.3, -0.6)
    )
    d = survey.data
    steep = {}
    for alone in (0, 1):
        m = _circle_means(d[d["lives_alone"] == alone])
        steep[alone] = m["relatives"] - m["villagers"]
    assert steep[1] > steep[0] + 0.1, steep


def test_module_documents_every_parameter():
    import mutualaid_analysis.simulate as sim

    doc = SimulationDesign.__doc__ or ""
    for name in SimulationDesign.__dataclass_fields__:
        assert re.search(rf"\b{name}\b", doc), name
    assert "logistic" in (sim.__doc__ or "")
