r"""Likelihood-ratio comparison of nested ordinal models (fixed or mixed).

:func:`compare_models` takes fitted cumulative link models
(:func:`~mutualaid_analysis.models.fit_ordinal_mixed`, and the fixed-effects
``fit_ordinal`` when its result reports a log-likelihood) and tests each
against the next smaller one, as R's ``anova(m1, m2)`` does for ``clm`` and
``clmm`` fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import UsageError
from ..results import Result, contract_frame

__all__ = ["compare_models"]

_NON_EFFECT_KINDS = {"threshold", "random"}


def _get(res: Any, key: str) -> Any:
    """A fact of a fit from outside the package: attribute first, then ``info[key]``.

    A result of this package is read through its typed facts instead
    (``loglik``, ``nobs``: :class:`~mutualaid_analysis.results.Result`).
    """
    val = getattr(res, key, None)
    if val is None:
        val = (getattr(res, "info", None) or {}).get(key)
    return val


def _describe(res: Any, i: int) -> dict[str, Any]:
    table = getattr(res, "table", None)
    if not isinstance(table, pd.DataFrame) or "term" not in table.columns:
        raise UsageError(
            f"model {i + 1} is not a fitted ordinal model with a .table (got {type(res).__name__})."
        )
    # a result of this package states its log-likelihood as ``loglik``; a fit from
    # outside the package may use the same name or statsmodels' ``llf``
    if isinstance(res, Result):
        ll = res.loglik
    else:
        ll = next((v for v in (_get(res, "loglik"), _get(res, "llf")) if v is not None), None)
    if ll is None or not np.isfinite(float(ll)):
        raise UsageError(
            f"model {i + 1} ({type(res).__name__}) reports no log-likelihood; "
            "a likelihood-ratio test needs one."
        )
    kind = table["kind"] if "kind" in table.columns else pd.Series("effect", index=table.index)
    effects = set(table.loc[~kind.isin(_NON_EFFECT_KINDS), "term"])
    random = set(table.loc[kind == "random", "term"])
    npar = _get(res, "n_parameters")
    if npar is None:
        npar = len(table)
    if isinstance(res, Result):
        nobs = res.nobs  # the typed fact (answers modelled)
    else:
        nobs = _get(res, "nobs")
        if nobs is None:
            nobs = _get(res, "n_answers")
    info = getattr(res, "info", None) or {}
    return {
        "loglik": float(ll),
        "n_parameters": int(npar),
        "nobs": nobs,
        "effects": effects,
        "random": random,
        "link": info.get("link"),
        "approximation": info.get("approximation"),
        "result": res,
    }


def compare_models(*models: Any, names: Sequence[str] | None = None) -> Result:
    r"""Likelihood-ratio tests of nested cumulative link (mixed) models.

    Parameters
    ----------
    *models
        Two or more fits of the same answers, each nested in the next
        larger one (their effects and random effects a subset of its own),
        e.g. with and without a circle x moderator interaction, or with and
        without the village random effect.  Order does not matter: they are
        sorted by their number of parameters.
    names : sequence of str, optional
        Labels for the models (default ``"model 1"``, ...; in the order given).

    Returns
    -------
    Result
        ``.table``, one row per model (smallest first), columns ``model,
        term, estimate, std_error, statistic, df, p_value, conf_low,
        conf_high, n, method, n_parameters, loglik, aic, bic,
        p_value_boundary``: for every model after the first, ``term`` names
        the comparison (``"<model> vs <smaller model>"``), ``statistic`` is
        the likelihood-ratio statistic :math:`2(\ell_1 - \ell_0)`, ``df``
        the difference in parameters and ``p_value`` its chi-squared
        p-value; ``p_value_boundary`` is the p-value from the 50:50 mixture
        of chi-squared distributions with ``df - 1`` and ``df`` degrees of
        freedom, reported when the larger model adds exactly one random
        effect (see Notes).  ``n`` is the number of answers.

    Raises
    ------
    UsageError
        Fewer than two models, models fitted to different numbers of
        answers, models that are not nested, or a fit without a
        log-likelihood.

    Notes
    -----
    :math:`LR = 2(\ell_{\text{larger}} - \ell_{\text{smaller}})` is
    compared with :math:`\chi^2_{d}`, :math:`d` the difference in the
    number of parameters.  When the larger model adds a random-effect
    variance, the null value :math:`\sigma^2 = 0` lies on the boundary of
    the parameter space and the :math:`\chi^2_d` reference is conservative;
    for one added variance component the null distribution is the mixture
    :math:`\tfrac12\chi^2_{d-1} + \tfrac12\chi^2_d` (Self & Liang 1987;
    Stram & Lee 1994), given as ``p_value_boundary``.  Log-likelihoods of
    mixed models are approximations (adaptive Gauss-Hermite or Laplace);
    models compared should use the same approximation where possible.

    References
    ----------
    Self, S. G. & Liang, K.-Y. (1987). Asymptotic properties of maximum
    likelihood estimators and likelihood ratio tests under nonstandard
    conditions. *JASA* 82, 605-610.
    Stram, D. O. & Lee, J. W. (1994). Variance components testing in the
    longitudinal mixed effects model. *Biometrics* 50, 1171-1177.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis.models import compare_models, fit_ordinal_mixed
    >>> survey = ma.load_sample()
    >>> main = fit_ordinal_mixed(survey, ["age", "lives_alone"])  # doctest: +SKIP
    >>> inter = fit_ordinal_mixed(survey, ["age"], ["lives_alone"])  # doctest: +SKIP
    >>> compare_models(main, inter, names=["main", "interaction"]).table  # doctest: +SKIP
    """
    if len(models) < 2:
        raise UsageError(f"compare_models needs at least two fitted models; got {len(models)}.")
    if names is None:
        names = [f"model {i + 1}" for i in range(len(models))]
    names = [str(n) for n in names]
    if len(names) != len(models) or len(set(names)) != len(names):
        raise UsageError(f"names must give {len(models)} distinct labels; got {names!r}.")
    desc = [
        _describe(m, i) | {"name": n} for i, (m, n) in enumerate(zip(models, names, strict=True))
    ]
    nobs = {d["nobs"] for d in desc}
    if len(nobs) > 1:
        raise UsageError(
            f"the models were fitted to different numbers of answers ({sorted(nobs)}); "
            "a likelihood-ratio test needs the same answers in every model."
        )
    links = {d["link"] for d in desc if d["link"] is not None}
    if len(links) > 1:
        raise UsageError(f"the models use different links ({sorted(links)}); they are not nested.")
    desc.sort(key=lambda d: d["n_parameters"])
    notes: list[str] = []
    rows = []
    for j, d in enumerate(desc):
        row: dict[str, Any] = {
            "model": d["name"],
            "n": d["nobs"],
            "n_parameters": d["n_parameters"],
            "loglik": d["loglik"],
            "aic": -2 * d["loglik"] + 2 * d["n_parameters"],
            "bic": (
                -2 * d["loglik"] + math.log(d["nobs"]) * d["n_parameters"] if d["nobs"] else np.nan
            ),
            "p_value_boundary": np.nan,
        }
        if j > 0:
            s = desc[j - 1]
            if d["n_parameters"] == s["n_parameters"]:
                raise UsageError(
                    f"{s['name']} and {d['name']} have the same number of "
                    "parameters; they are not nested."
                )
            missing = (s["effects"] - d["effects"]) | (s["random"] - d["random"])
            if missing:
                raise UsageError(
                    f"{s['name']} is not nested in {d['name']}: {sorted(missing)} "
                    f"are in {s['name']} but not in {d['name']}."
                )
            lr = 2.0 * (d["loglik"] - s["loglik"])
            df = d["n_parameters"] - s["n_parameters"]
            if lr < 0:
                notes.append(
                    f"{d['name']} has a lower log-likelihood than the smaller "
                    f"{s['name']} (LR = {lr:.3g}): one of the fits did not reach its "
                    "maximum; the test is set to LR = 0."
                )
                lr = 0.0
            row.update(
                {
                    "term": f"{d['name']} vs {s['name']}",
                    "statistic": lr,
                    "df": df,
                    "p_value": float(stats.chi2.sf(lr, df)),
                    "method": "likelihood-ratio test, chi-squared with df = difference "
                    "in parameters",
                }
            )
            added_random = d["random"] - s["random"]
            if added_random:
                if len(added_random) == 1:
                    p_mix = 0.5 * float(stats.chi2.sf(lr, df)) + (
                        0.5 * float(stats.chi2.sf(lr, df - 1)) if df > 1 else 0.5 * float(lr <= 0)
                    )
                    row["p_value_boundary"] = p_mix
                notes.append(
                    f"{d['name']} adds the random effect(s) {sorted(added_random)}: "
                    "the null value SD = 0 is on the boundary of the parameter space, "
                    "so the chi-squared p-value is conservative (too large); "
                    "p_value_boundary uses the 50:50 chi-squared mixture "
                    "(Self & Liang 1987) when one variance component is added."
                )
            if None not in (s["approximation"], d["approximation"]) and (
                s["approximation"] != d["approximation"]
            ):
                notes.append(
                    f"{s['name']} and {d['name']} approximate the likelihood "
                    f"differently ({s['approximation']}; {d['approximation']}): the "
                    "LR statistic mixes the two approximations."
                )
        rows.append(row)
    table = contract_frame(
        rows,
        id_columns=["model"],
        extra=["n_parameters", "loglik", "aic", "bic", "p_value_boundary"],
    )
    return Result(
        table=table,
        title="Likelihood-ratio tests of nested ordinal models",
        notes=tuple(dict.fromkeys(notes)),
        info={"n_models": len(desc)},
    )
