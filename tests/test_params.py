"""One name per parameter, one seed policy, keyword-only arguments after the survey.

* ``conf_level`` is the one confidence-level name and ``n_boot`` the one
  bootstrap-replications name; the old ``alpha=`` (``alpha=a`` is
  ``conf_level=1-a``), ``level=`` and ``B=`` work for one release with a
  FutureWarning and give the same numbers; old and new together is an error.
* ``seed=None`` draws a fresh seed and the result records it, so that the
  run can be repeated; the same integer gives the same numbers.
* The package root's functions take the survey and what is analysed
  positionally, everything else by keyword.
"""

from __future__ import annotations

import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mutualaid_analysis as ma
from mutualaid_analysis import _params
from mutualaid_analysis._params import (
    ALIASES,
    alpha_of,
    check_conf_level,
    check_count,
    check_seed,
    describe_seed,
    fresh_seed,
    recorded_seed,
    renamed_arguments,
    seed_int,
)
from mutualaid_analysis.evaluation.effects import paired_effect_sizes
from mutualaid_analysis.evaluation.scales import feldt_ci
from mutualaid_analysis.exceptions import UsageError
from mutualaid_analysis.inference import (
    bootstrap_weight_matrix,
    cluster_ols,
    cluster_share,
    did_randomization_test,
    randomization_test,
    share_conf_int,
    wild_cluster_bootstrap,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def export() -> ma.Survey:
    """The hand-written long GBK export: 2 waves, 2 + 2 villages, text arms."""
    return ma.read_survey(DATA / "export_long_gbk.csv", codebook=DATA / "export_codebook.toml")


@pytest.fixture(scope="module")
def sample() -> ma.Survey:
    return ma.load_sample()


def _arrays(G: int = 12, per: int = 4, seed: int = 5):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), per)
    d = (g < G // 2).astype(float)
    y = 0.3 * d + rng.normal(size=G)[g] + rng.normal(size=g.size)
    return y, np.column_stack([np.ones(g.size), d]), g


def _old(call, *, match: str):
    """Run ``call`` expecting exactly the deprecation FutureWarning."""
    with pytest.warns(FutureWarning) as record:
        out = call()
    assert all(issubclass(w.category, FutureWarning) for w in record)
    assert any(re.search(match, str(w.message)) for w in record), [str(w.message) for w in record]
    return out


# --------------------------------------------------------------------------- the helpers


def test_check_conf_level():
    assert check_conf_level(0.9) == 0.9 and isinstance(check_conf_level(np.float64(0.5)), float)
    for bad in (0, 1, 1.5, -0.1, True, "0.95", None):
        with pytest.raises(UsageError, match="conf_level must be strictly between 0 and 1"):
            check_conf_level(bad)
    with pytest.raises(UsageError, match=r"for 95% write conf_level=0.95"):
        check_conf_level(95)


def test_alpha_of_gives_the_former_alpha_exactly():
    assert alpha_of(0.95) == 0.05 and alpha_of(0.9) == 0.1 and alpha_of(1 - 0.05) == 0.05
    with pytest.raises(UsageError):
        alpha_of(0)


def test_check_count():
    assert check_count(np.int64(9), "n_boot") == 9
    assert check_count(0, "n_boot", minimum=0) == 0
    for bad in (0, -3, 9999.0, True, "99", None):
        with pytest.raises(UsageError, match="n_boot must be a positive integer"):
            check_count(bad, "n_boot")
    with pytest.raises(UsageError, match="n_boot must be an integer >= 2"):
        check_count(1, "n_boot", minimum=2)


def test_check_seed():
    assert check_seed(7) == 7 and check_seed(np.int32(7)) == 7 and check_seed(np.array(7)) == 7
    gen = np.random.default_rng(1)
    assert check_seed(gen) is gen
    drawn = check_seed(None)
    assert isinstance(drawn, int) and 0 <= drawn < 2**63
    for bad in (-1, 1.5, "1", True):
        with pytest.raises(UsageError, match="seed must be a non-negative whole number"):
            check_seed(bad)
    with pytest.raises(UsageError, match=r"whole number; got None"):
        check_seed(None, integer_only=True)
    with pytest.raises(UsageError):
        check_seed(gen, integer_only=True)


def test_fresh_seeds_differ_and_seed_int_draws_from_a_generator():
    assert len({fresh_seed() for _ in range(20)}) == 20
    a = seed_int(np.random.default_rng(3))
    assert a == seed_int(np.random.default_rng(3)) and 0 <= a < 2**63
    assert seed_int(11) == 11
    assert isinstance(seed_int(np.random.SeedSequence(4)), int)
    assert recorded_seed(5) == 5 and recorded_seed(np.random.default_rng()) is None
    assert describe_seed(5) == "5" and "Generator" in describe_seed(np.random.default_rng())


def test_the_decorator_keeps_the_signature_and_converts():
    @renamed_arguments("alpha", "B")
    def f(x, *, conf_level=0.95, n_boot=10):
        """Doc."""
        return x, conf_level, n_boot

    assert list(inspect.signature(f).parameters) == ["x", "conf_level", "n_boot"]
    assert f.__doc__ == "Doc." and f(1, conf_level=0.8) == (1, 0.8, 10)
    with pytest.warns(FutureWarning, match=r"f\(alpha=\.\.\.\) is deprecated.*use conf_level="):
        assert f(1, alpha=0.1) == (1, 0.9, 10)
    with pytest.warns(FutureWarning, match="use n_boot="):
        assert f(1, B=5) == (1, 0.95, 5)
    with pytest.raises(UsageError, match="got both alpha= and conf_level="):
        f(1, alpha=0.1, conf_level=0.9)
    with pytest.raises(UsageError, match="alpha must be a number"), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        f(1, alpha="5%")


def test_the_decorator_refuses_what_it_cannot_rename():
    with pytest.raises(ValueError, match="no alias"):
        renamed_arguments("ci")
    with pytest.raises(ValueError, match="has no parameter 'conf_level'"):
        renamed_arguments("alpha")(lambda x: x)
    with pytest.raises(ValueError, match="still has the old parameter"):
        renamed_arguments("B")(lambda n_boot=1, B=2: None)
    assert set(ALIASES) == {"alpha", "level", "B"}


# --------------------------------------------------------------------------- old names work


def test_evaluate_old_names_warn_and_give_the_same_numbers(export):
    kw = dict(outcome="relatives", seed=3, inference=["CR2", "wild bootstrap"])
    new = ma.evaluate(export, **kw, n_boot=9, conf_level=0.9).table
    old = _old(lambda: ma.evaluate(export, **kw, B=9, alpha=0.1), match="evaluate").table
    pd.testing.assert_frame_equal(new, old)
    with pytest.raises(UsageError, match="got both B= and n_boot="):
        ma.evaluate(export, **kw, B=9, n_boot=9)
    with pytest.raises(UsageError, match="got both alpha= and conf_level="):
        ma.evaluate(export, **kw, alpha=0.1, conf_level=0.9)


def test_the_default_level_keeps_the_former_numbers(export):
    kw = dict(outcome="relatives", seed=3, inference=["CR2"])
    new = ma.evaluate(export, **kw).table
    old = _old(lambda: ma.evaluate(export, **kw, alpha=0.05), match="alpha").table
    pd.testing.assert_frame_equal(new, old)
    res = ma.evaluate(export, **kw)
    assert res.info["conf_level"] == 0.95 and res.info["alpha"] == 0.05
    assert res.info["n_boot"] == res.info["B"] == 9999


def test_circle_expansion_old_names(export):
    new = ma.circle_expansion(export, seed=2, n_boot=9, conf_level=0.9).table
    old = _old(
        lambda: ma.circle_expansion(export, seed=2, B=9, alpha=0.1), match="circle_expansion"
    ).table
    pd.testing.assert_frame_equal(new, old)


def test_scale_and_change_old_level(sample):
    new = ma.reliability(sample, "gses", conf_level=0.9).table
    old = _old(lambda: ma.reliability(sample, "gses", level=0.9), match="use conf_level=").table
    pd.testing.assert_frame_equal(new, old)
    new = ma.reliable_change(sample, "gses", conf_level=0.9).table
    old = _old(lambda: ma.reliable_change(sample, "gses", level=0.9), match="reliable_change").table
    pd.testing.assert_frame_equal(new, old)
    assert _old(lambda: feldt_ci(0.8, 100, 5, level=0.9), match="feldt_ci") == feldt_ci(
        0.8, 100, 5, conf_level=0.9
    )
    with pytest.raises(UsageError, match="got both level= and conf_level="):
        ma.reliability(sample, "gses", level=0.9, conf_level=0.9)


def test_inference_old_names():
    y, X, g = _arrays()
    new = wild_cluster_bootstrap(y, X, g, 1, n_boot=199, seed=4, conf_level=0.9)
    old = _old(
        lambda: wild_cluster_bootstrap(y, X, g, 1, B=199, seed=4, alpha=0.1), match="deprecated"
    )
    assert new.conf_int == old.conf_int and new.p_value == old.p_value and new.B == 199
    new = randomization_test(y, X, g, 1, max_enumerate=10, n_draws=99, seed=4, conf_level=0.9)
    old = _old(
        lambda: randomization_test(y, X, g, 1, max_enumerate=10, n_draws=99, seed=4, alpha=0.1),
        match="randomization_test",
    )
    assert new.conf_int == old.conf_int and new.p_value == old.p_value
    V_new = bootstrap_weight_matrix(20, 50, "webb", seed=1)[0]
    V_old = _old(lambda: bootstrap_weight_matrix(20, B=50, kind="webb", seed=1)[0], match="B=")
    np.testing.assert_array_equal(V_new, V_old)
    fit = cluster_ols(y, X, g)
    pd.testing.assert_frame_equal(
        fit.conf_int(conf_level=0.9), _old(lambda: fit.conf_int(alpha=0.1), match="conf_int")
    )
    assert fit.contrast([0, 1], conf_level=0.9) == _old(
        lambda: fit.contrast([0, 1], alpha=0.1), match="contrast"
    )
    assert fit.conf_int().equals(fit.conf_int(conf_level=0.95))
    share = share_conf_int(0.3, 0.05, 10.0, 50, conf_level=0.9)
    assert share == _old(lambda: share_conf_int(0.3, 0.05, 10.0, 50, level=0.9), match="level=")
    ones = (y > 0).astype(float)
    pd.testing.assert_frame_equal(
        cluster_share(ones, g, conf_level=0.9),
        _old(lambda: cluster_share(ones, g, level=0.9), match="cluster_share"),
    )
    pre, post = y[:20], y[:20] + np.linspace(0, 1, 20)
    pd.testing.assert_frame_equal(
        paired_effect_sizes(pre, post, conf_level=0.9),
        _old(lambda: paired_effect_sizes(pre, post, alpha=0.1), match="paired_effect_sizes"),
    )


def test_did_randomization_old_name_and_seed():
    rng = np.random.default_rng(2)
    G = 12
    g = np.tile(np.repeat(np.arange(G), 3), 2)
    post = np.repeat([0.0, 1.0], G * 3)
    y = rng.normal(size=g.size) + 0.5 * post * (g < 6)
    Z = np.column_stack([np.ones(g.size), post])
    kw = dict(max_enumerate=10, n_draws=99)
    new = did_randomization_test(y, Z, post, g, range(6), seed=8, conf_level=0.9, **kw)
    old = _old(lambda: did_randomization_test(y, Z, post, g, range(6), seed=8, alpha=0.1, **kw),
               match="did_randomization_test")
    assert new == old and new["seed"] == 8
    fresh = did_randomization_test(y, Z, post, g, range(6), **kw)
    again = did_randomization_test(y, Z, post, g, range(6), seed=fresh["seed"], **kw)
    assert isinstance(fresh["seed"], int) and again["p_value"] == fresh["p_value"]


# --------------------------------------------------------------------------- the seed rule


def test_evaluate_records_a_fresh_seed_that_repeats_the_run(export):
    kw = dict(outcome="relatives", n_boot=9, inference=["wild bootstrap"])  # 16 > 9: drawn
    first = ma.evaluate(export, **kw)
    seed = first.info["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**63
    again = ma.evaluate(export, **kw, seed=seed)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert "B = 9 draws" in first.table.loc[
        first.table["inference"] == "wild bootstrap", "method"
    ].iloc[0]
    # a Generator gives an integer drawn from it, recorded the same way
    gen = ma.evaluate(export, **kw, seed=np.random.default_rng(1))
    assert gen.info["seed"] == seed_int(np.random.default_rng(1))
    pd.testing.assert_frame_equal(gen.table, ma.evaluate(export, **kw, seed=gen.info["seed"]).table)


def test_same_int_same_numbers_different_int_different_numbers(export):
    kw = dict(outcome="relatives", n_boot=9, inference=["wild bootstrap"])
    a, b, c = (ma.evaluate(export, **kw, seed=s).table for s in (5, 5, 6))
    pd.testing.assert_frame_equal(a, b)
    assert not a["p_value"].equals(c["p_value"]) or not a["conf_low"].equals(c["conf_low"])


def test_circle_expansion_records_its_seed(export):
    res = ma.circle_expansion(export, n_boot=9)
    again = ma.circle_expansion(export, n_boot=9, seed=res.info["seed"])
    pd.testing.assert_frame_equal(res.table, again.table)


def test_scalability_seed_is_drawn_and_recorded(export):
    res = ma.scalability(export, se="bootstrap", n_boot=20)
    seed = res.info["seed"]
    assert isinstance(seed, int) and f"seed {seed}" in res.table["method"].iloc[0]
    again = ma.scalability(export, se="bootstrap", n_boot=20, seed=seed)
    pd.testing.assert_frame_equal(res.table, again.table)
    assert ma.scalability(export).info["seed"] is None  # no bootstrap, nothing drawn


def test_reliability_seed_is_drawn_and_recorded(sample):
    res = ma.reliability(sample, "gses", n_boot=30)
    seed = res.info["seed"]
    assert isinstance(seed, int) and f"seed {seed}" in res.table["method"].iloc[-1]
    pd.testing.assert_frame_equal(
        res.table, ma.reliability(sample, "gses", n_boot=30, seed=seed).table
    )
    assert ma.reliability(sample, "gses").info["seed"] is None


def test_inference_results_record_the_seed():
    y, X, g = _arrays()
    wb = wild_cluster_bootstrap(y, X, g, 1, n_boot=99)
    assert isinstance(wb.seed, int)
    assert wild_cluster_bootstrap(y, X, g, 1, n_boot=99, seed=wb.seed).p_value == wb.p_value
    ri = randomization_test(y, X, g, 1, max_enumerate=10, n_draws=99)
    assert isinstance(ri.seed, int)
    same = randomization_test(y, X, g, 1, max_enumerate=10, n_draws=99, seed=ri.seed)
    assert same.p_value == ri.p_value
    y4, X4, g4 = _arrays(G=4)
    assert wild_cluster_bootstrap(y4, X4, g4, 1, n_boot=99).seed is None  # enumerated


def test_simulations_keep_their_named_seed():
    assert inspect.signature(ma.simulate_survey).parameters["seed"].default == 0
    with pytest.raises(UsageError, match="seed must be a non-negative whole number"):
        ma.simulate_survey(seed=None)


# --------------------------------------------------------------------------- the public API

#: The arguments a root function may take positionally: the survey (or what
#: stands in for it) and the one or two arguments that say what is analysed.
POSITIONAL: dict[str, tuple[str, ...]] = {
    "attrition": ("survey",),
    "baseline_equivalence": ("survey", "variables"),
    "check_publishable": ("survey", "column"),
    "circle_expansion": ("survey",),
    "classify_profiles": ("survey", "service"),
    "compare_models": ("models",),
    "describe": ("survey", "variables"),
    "draft_codebook": ("path",),
    "evaluate": ("survey", "outcome"),
    "fit_ordinal": ("survey", "covariates", "moderators"),
    "fit_ordinal_mixed": ("survey", "covariates", "moderators"),
    "from_frame": ("frame", "codebook"),
    "gradient": ("survey",),
    "likert_table": ("survey",),
    "load_sample": ("kind",),
    "participant_flow": ("survey",),
    "plot_ripples": ("survey",),
    "pseudonymise": ("ids", "key"),
    "read_codebook": ("path",),
    "read_survey": ("path", "codebook"),
    "reliability": ("survey", "scale"),
    "reliable_change": ("survey", "outcome"),
    "sample_sizes": ("survey",),
    "sample_truth": (),
    "scalability": ("survey",),
    "score_scale": ("survey", "scale"),
    "simulate_survey": (),
    "suppress_small_counts": ("table", "count_columns"),
    "test_ordering": ("survey", "service"),
    "wave_means": ("survey", "outcome"),
    "write_simulation": ("out",),
}

#: Parameters named like an old alias that mean something else, with the reason.
OTHER_MEANING: dict[str, str] = {
    # the level of the analysis (respondent or village), not a confidence level
    "AttritionResult.verdict.level": "attrition's level: respondent or village",
}

OLD_NAMES = {"alpha", "level", "B"}


def _root_functions():
    for name in ma.__all__:
        obj = getattr(ma, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj) and not issubclass(obj, BaseException):
            for meth, fn in inspect.getmembers(obj, inspect.isfunction):
                if not meth.startswith("_"):
                    yield f"{name}.{meth}", fn


def test_no_public_parameter_has_an_old_name():
    found = [
        f"{name}.{p}"
        for name, fn in _root_functions()
        for p in inspect.signature(fn).parameters
        if p in OLD_NAMES and f"{name}.{p}" not in OTHER_MEANING
    ]
    assert not found, f"rename to conf_level / n_boot (old names live in _params): {found}"
    assert set(OTHER_MEANING) <= {
        f"{name}.{p}" for name, fn in _root_functions() for p in inspect.signature(fn).parameters
    }


def test_only_the_survey_and_what_is_analysed_are_positional():
    functions = {n: f for n, f in _root_functions() if "." not in n}
    assert set(functions) == set(POSITIONAL), "add the new function to POSITIONAL"
    wrong = {}
    for name, fn in functions.items():
        positional = tuple(
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        )
        if positional != POSITIONAL[name]:
            wrong[name] = positional
    assert not wrong, f"make these keyword-only after the allowed ones: {wrong}"


def test_every_function_that_draws_takes_a_keyword_only_seed_defaulting_to_none():
    draws = ["evaluate", "circle_expansion", "scalability", "reliability"]
    for name in draws:
        p = inspect.signature(getattr(ma, name)).parameters["seed"]
        assert p.kind is p.KEYWORD_ONLY and p.default is None, name
    for fn in (wild_cluster_bootstrap, randomization_test, did_randomization_test):
        p = inspect.signature(fn).parameters["seed"]
        assert p.kind is p.KEYWORD_ONLY and p.default is None, fn.__name__
    for name in ("conf_level",):
        for fn_name in ("evaluate", "circle_expansion", "reliability", "reliable_change",
                        "scalability", "classify_profiles", "fit_ordinal", "fit_ordinal_mixed"):
            assert inspect.signature(getattr(ma, fn_name)).parameters[name].default == 0.95


def test_the_one_seed_check_lives_in_params():
    # no module of the package keeps a seed checker of its own
    package = Path(ma.__file__).resolve().parent
    own = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "_params.py" and "def check_seed" in p.read_text(encoding="utf-8")
        or "def _check_seed" in p.read_text(encoding="utf-8")
    ]
    assert not own, own
    assert _params.__name__ == "mutualaid_analysis._params"
