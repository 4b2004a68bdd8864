"""Workshop effects from before/after survey data, with few-village-valid inference.

:func:`evaluate` answers "did the workshop (工作坊) change the outcome?" for one
outcome or a family of outcomes:

* the change within each arm (paired t, Wilcoxon signed-rank, the mean
  change with a village-cluster CR2 interval, and the standardised mean
  change d_z, d_av, d_rm with Hedges-corrected versions);
* the between-arm effect by ANCOVA and by difference-in-differences, each
  with CR2/Satterthwaite (the default answer), CR1S with t(G-1), the wild
  cluster restricted bootstrap and, when villages were randomly assigned,
  randomisation inference;
* the standardised between-arm effect on the WWC's Hedges' g scale;
* Holm or Benjamini-Hochberg adjustment across a family of outcomes.

With 6-20 villages a cluster-robust statistic referred to the normal
distribution rejects a true null far too often; no row of these tables uses
it.  The building blocks are :mod:`mutualaid_analysis.inference`.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._params import Seed, alpha_of, check_count, renamed_arguments, seed_int
from ..data.survey import Survey
from ..exceptions import InsufficientDataError, UsageError
from ..inference import (
    ADJUSTMENTS,
    MAX_ENUMERATE,
    Adjustment,
    adjust_p,
    cluster_mean,
    cluster_ols,
    did_randomization_test,
    randomization_test,
    wild_cluster_bootstrap,
)
from ..models.design import check_columns, covariate_block
from ..results import Result, contract_frame
from .design import DESIGNS, Design, StudyDesign, resolve_outcome, study_design

__all__ = [
    "ADJUSTMENTS",
    "DESIGNS",
    "Adjustment",
    "Design",
    "EvaluationResult",
    "INFERENCE_METHODS",
    "InferenceMethod",
    "evaluate",
    "paired_effect_sizes",
]

InferenceMethod = Literal["CR2", "CR1", "wild bootstrap", "randomization"]
"""Inference methods of the between-arm effect (the ``inference`` column)."""
INFERENCE_METHODS: tuple[str, ...] = get_args(InferenceMethod)

#: Identifying columns of the evaluation table, in order.
ID_COLUMNS = ["outcome", "design", "estimand", "model", "arm", "inference"]
#: Columns after the contract columns.
EXTRA_COLUMNS = ["n_clusters", "family", "p_adjusted"]

_CR2_TEXT = "CR2 (Pustejovsky-Tipton), Satterthwaite df"
_IGNORES = "respondents treated as independent: ignores village clustering"


def _choice(value: Any, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise UsageError(f"{what} must be one of {list(allowed)}; got {value!r}.")


# --------------------------------------------------------------------------- the panel


@dataclass(frozen=True)
class _Panel:
    """One outcome's analysis data.

    ``resp``: one row per respondent with ``cluster, arm, treat, pre, post``
    and the covariate columns; ``long``: one row per respondent and wave
    with an observed outcome and complete covariates (``cluster, treat,
    post, y`` and covariates).
    """

    resp: pd.DataFrame
    long: pd.DataFrame
    cov_names: tuple[str, ...]
    sample: pd.DataFrame


def build_panel(
    survey: Survey, values: pd.Series, covariates: Sequence[str], spec: StudyDesign
) -> _Panel:
    """The estimation data of one outcome: one row per respondent, and per respondent and wave.

    ``values`` is the outcome per analysed row (:attr:`Outcome.values`);
    ``spec`` the study design (:func:`~mutualaid_analysis.evaluation.design.study_design`).
    """
    cb = survey.codebook
    s = cb.survey
    data = survey.data
    wave = data[s.wave].astype("string").to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs refuse na_value=None
    keep = np.isin(wave.astype(str), [spec.baseline, spec.followup])
    if spec.group:
        arm = data[spec.group].astype("string").to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs refuse na_value=None
    else:
        arm = np.full(len(data), spec.treated_label, dtype=object)
    frame = pd.DataFrame(
        {
            "id": data[s.id].to_numpy(dtype=object, na_value=None),  # type: ignore[call-overload]  # stubs refuse na_value=None
            "cluster": data[s.cluster].to_numpy(dtype=object, na_value=None),  # type: ignore[call-overload]  # stubs refuse na_value=None
            "wave": wave,
            "arm": arm,
            "y": values.to_numpy(dtype=float),
        }
    )
    cov_names: list[str] = []
    if covariates:
        categorical = {n for n in covariates if cb.variables[n].type in ("category", "binary")}
        for name in covariates:
            names, block = covariate_block(survey, data, name, name in categorical)
            for j, col in enumerate(names):
                frame[col] = block[:, j]
            cov_names.extend(names)
    frame = frame.loc[keep].reset_index(drop=True)
    # One row per respondent: role columns and (time-constant) covariates from the
    # first wave that has them, the outcome at each wave.
    frame["_order"] = np.where(frame["wave"].astype(str) == spec.baseline, 0, 1)
    ordered = frame.sort_values(["_order"], kind="stable")
    first = ordered.groupby("id", sort=False)[["cluster", "arm", *cov_names]].first()
    resp = first.reindex(pd.unique(frame["id"]))
    for col, w in (("pre", spec.baseline), ("post", spec.followup)):
        part = frame.loc[frame["wave"].astype(str) == w].set_index("id")["y"]
        resp[col] = part.reindex(resp.index).to_numpy(dtype=float)
    resp["treat"] = (resp["arm"].astype(str) == spec.treated_label).astype(float)
    resp.index.name = "id"

    long = frame.drop(columns=["_order", *cov_names]).join(resp[[*cov_names, "treat"]], on="id")
    long["post"] = (long["wave"].astype(str) == spec.followup).astype(float)
    cov_ok_long = long[cov_names].notna().all(axis=1) if cov_names else True
    use_long = long["y"].notna() & cov_ok_long
    long = long.loc[use_long].reset_index(drop=True)

    # Sample accounting: every respondent and every row of the two waves.
    has_pre, has_post = resp["pre"].notna(), resp["post"].notna()
    cov_ok = resp[cov_names].notna().all(axis=1) if cov_names else pd.Series(True, resp.index)
    status = np.select(
        [has_pre & has_post & cov_ok, has_pre & has_post, has_pre, has_post],
        [
            "analysed",
            "covariate missing (ANCOVA only)",
            "no follow-up value (attrition or missing answer)",
            "no baseline value",
        ],
        "no value at either wave",
    )
    sample = (
        pd.DataFrame({"arm": resp["arm"].astype(str), "status": status})
        .groupby(["arm", "status"], sort=True)
        .size()
        .rename("respondents")
        .reset_index()
    )
    sample.insert(0, "analysis", "matched pairs (paired tests, ANCOVA)")
    n_rows = int(keep.sum())
    did = pd.DataFrame(
        {
            "analysis": ["long panel (DiD)", "long panel (DiD)"],
            "arm": ["all", "all"],
            "status": ["analysed rows", "rows without outcome or covariate"],
            "respondents": [len(long), n_rows - len(long)],
        }
    )
    sample = pd.concat([sample, did], ignore_index=True)
    return _Panel(resp=resp, long=long, cov_names=tuple(cov_names), sample=sample)


def _villages(n: int) -> str:
    return f"{n} village{'s' * (n != 1)}"


def _id_matching(survey: Survey, spec: StudyDesign) -> str:
    """How many follow-up respondents' ids are found at baseline (for messages)."""
    s = survey.codebook.survey
    data = survey.data
    wave = data[s.wave].astype(str)
    ids = data[s.id].astype(str)
    pre, post = set(ids[wave == spec.baseline]), set(ids[wave == spec.followup])
    return f"{len(post & pre)} of the {len(post)} respondents of the follow-up matched a baseline id"


def check_support(
    survey: Survey, panel: _Panel, spec: StudyDesign, what: str, *, paired: bool
) -> list[str]:
    """Refuse, with the cause, a panel whose villages cannot support clustered inference.

    ``paired``: the analysis's main answer uses matched respondents (paired
    changes, ANCOVA); otherwise (DiD on the long panel) every observation
    counts, and too few matched villages only leave the within-arm rows
    empty, which the returned notes say.
    """
    resp = panel.resp
    matched = resp.loc[resp["pre"].notna() & resp["post"].notna()]
    why = (
        "only respondents observed at both waves are used; "
        f"{_id_matching(survey, spec)}, {len(matched)} with the outcome at both waves"
    )
    hint = (
        " Check that the respondent id column holds the same ids at both waves "
        "(leading zeros, prefixes)."
        if len(matched) == 0
        else ""
    )
    g_matched = matched["cluster"].nunique()
    notes: list[str] = []
    if spec.kind == "prepost" or not spec.two_arms:
        if g_matched < 2:
            raise InsufficientDataError(
                f"{what}: the analytic panel has {_villages(g_matched)} ({why}); a "
                "before/after change with village-clustered inference needs at least 2 "
                "villages." + hint
            )
        return notes
    if paired:
        frame, unit = matched, f"the analytic panel ({why}) has"
    else:
        frame = panel.long
        unit = "the data (respondents with the outcome at either wave) have"
    treated = (frame["arm"].astype(str) == spec.treated_label).to_numpy()
    per_arm = {
        spec.treated_label: frame.loc[treated, "cluster"].nunique(),
        spec.comparison_label: frame.loc[~treated, "cluster"].nunique(),
    }
    if min(per_arm.values()) < 2:
        have = " and ".join(f"{_villages(n)} in {a!r}" for a, n in per_arm.items())
        raise InsufficientDataError(
            f"{what}: a between-arm effect with village-clustered inference needs at least "
            f"2 villages in each arm; {unit} {have}."
            + (
                "  With one village in an arm the workshop cannot be told apart from "
                "that village."
                if 1 in per_arm.values()
                else ""
            )
            + hint
        )
    if g_matched < 2:
        notes.append(f"The within-arm changes are not estimable: {why}." + hint)
    return notes


# --------------------------------------------------------------------------- within arm


def _nct_ncp_bound(t: float, df: float, q: float) -> float:
    """The noncentrality ``ncp`` with ``P(T <= t; df, ncp) = q`` (decreasing in ncp).

    The root lies within a few standard deviations, ``sqrt(1 + t^2 / (2 df))``,
    of ``t``; far outside, scipy's noncentral t CDF can return NaN, which is
    then read as the tail it lies in (1 below ``t``, 0 above).
    """

    def f(ncp: float) -> float:
        value = float(stats.nct.cdf(t, df, ncp))
        if not math.isfinite(value):
            value = 1.0 if ncp < t else 0.0
        return value - q

    width = 2.0 * math.sqrt(1.0 + t * t / (2.0 * df)) + 1.0
    lo, hi = t - width, t + width
    for _ in range(60):
        if f(lo) > 0 > f(hi):
            break
        lo, hi = lo - width, hi + width
    return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12))


_ES_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "n", "method"]


@renamed_arguments("alpha")
def paired_effect_sizes(pre: Any, post: Any, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Standardised mean change of paired data: d_z, d_av, d_rm and Hedges' g versions.

    Parameters
    ----------
    pre, post : array-like, shape (n,)
        Paired values (no missing values).
    conf_level : float, default 0.95
        Level of the confidence intervals.  ``alpha=a`` (deprecated) is
        ``conf_level=1-a``.

    Returns
    -------
    pandas.DataFrame
        One row per effect size: ``term`` (``d_z, g_z, d_av, g_av, d_rm,
        g_rm``), ``estimate``, ``std_error`` (of the normal approximation;
        empty for d_z, g_z whose interval is exact), ``conf_low``,
        ``conf_high``, ``n`` and ``method``.

    Notes
    -----
    With ``D = post - pre``, mean change ``M``, ``s_D`` its SD, ``s_1, s_2``
    the SDs at the two waves, ``r`` their correlation and ``n`` pairs
    (Lakens 2013, eqs. 6-10):

    * ``d_z = M / s_D``.  CI exact under normality: ``sqrt(n) d_z`` is
      noncentral t with ``n - 1`` df and noncentrality ``sqrt(n) delta_z``;
      the bounds invert that distribution (Cumming & Finch 2001).
    * ``d_av = M / ((s_1 + s_2) / 2)``.  CI ``d_av +/- z_{1-alpha/2} SE``
      with the delta-method variance under bivariate normality
      ``SE^2 = s_D^2 / (n s_av^2) + d_av^2 (s_1^2 + s_2^2 + 2 r^2 s_1 s_2)
      / (8 (n - 1) s_av^2)`` (sample SDs have asymptotic variance
      ``sigma^2 / (2(n-1))`` and covariance ``rho^2 sigma_1 sigma_2 /
      (2(n-1))``).
    * ``d_rm = M / sqrt(s_1^2 + s_2^2 - 2 r s_1 s_2) * sqrt(2 (1 - r))
      = d_z sqrt(2 (1 - r))``.  CI ``d_rm +/- z SE`` with ``SE^2 = (1/n +
      d_rm^2 / (2n)) 2 (1 - r)`` (Borenstein et al. 2009, eq. 4.28).
    * Hedges' correction ``J = 1 - 3 / (4 (n - 1) - 1)`` (Hedges 1981, the
      usual approximation to the exact gamma-function factor, df = n - 1);
      ``g = J d`` and its interval is the d interval times J.

    Every interval treats respondents as independent; with village
    clustering they are too narrow (the clustered mean change is in the
    ``CR2`` row of :func:`evaluate`).

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate
    cumulative science: a practical primer for t-tests and ANOVAs. Frontiers
    in Psychology, 4, 863.

    Cumming, G., & Finch, S. (2001). A primer on the understanding, use, and
    calculation of confidence intervals that are based on central and
    noncentral distributions. Educational and Psychological Measurement,
    61(4), 532-574.

    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R.
    (2009). Introduction to Meta-Analysis. Wiley, ch. 4.

    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect
    size and related estimators. Journal of Educational Statistics, 6(2),
    107-128.
    """
    x0 = np.asarray(pre, dtype=float).reshape(-1)
    x1 = np.asarray(post, dtype=float).reshape(-1)
    if x0.shape != x1.shape or not (np.isfinite(x0).all() and np.isfinite(x1).all()):
        raise UsageError("pre and post must be finite arrays of the same length.")
    n = x0.size
    alpha = alpha_of(conf_level)
    z = float(stats.norm.ppf(1 - alpha / 2))
    terms = ["d_z", "g_z", "d_av", "g_av", "d_rm", "g_rm"]
    rows: dict[str, dict[str, Any]] = {t: {"term": t, "n": n} for t in terms}
    d = x1 - x0
    s1, s2 = (float(np.std(x, ddof=1)) if n > 1 else np.nan for x in (x0, x1))
    sd_d = float(np.std(d, ddof=1)) if n > 1 else np.nan
    level = f"{100 * (1 - alpha):g}% CI"
    methods = {
        "d_z": f"d_z = mean change / SD of change; {level} exact (noncentral t)",
        "d_av": f"d_av = mean change / mean of the two SDs; {level} delta method, normal",
        "d_rm": f"d_rm = d_z * sqrt(2(1 - r)); {level} Borenstein et al. (2009) eq. 4.28",
    }
    for t in ("d_z", "d_av", "d_rm"):
        rows[t]["method"] = f"{methods[t]} ({_IGNORES})"
        rows["g" + t[1:]]["method"] = f"Hedges' correction J = 1 - 3/(4(n-1)-1) of {t}"
    if n < 3 or not (sd_d > 0 and s1 > 0 and s2 > 0):
        for t in terms:
            rows[t]["method"] += " (not estimable: fewer than 3 pairs or no variation)"
        return pd.DataFrame(list(rows.values())).reindex(columns=_ES_COLUMNS)
    m = float(d.mean())
    r = float(np.corrcoef(x0, x1)[0, 1])
    J = 1.0 - 3.0 / (4.0 * (n - 1) - 1.0)
    df = n - 1.0
    sq = math.sqrt(n)
    # d_z
    dz = m / sd_d
    t_obs = dz * sq
    lo = _nct_ncp_bound(t_obs, df, 1 - alpha / 2) / sq
    hi = _nct_ncp_bound(t_obs, df, alpha / 2) / sq
    rows["d_z"].update(estimate=dz, conf_low=lo, conf_high=hi)
    # d_av
    s_av = (s1 + s2) / 2.0
    dav = m / s_av
    var_sav = (s1**2 + s2**2 + 2.0 * r * r * s1 * s2) / (8.0 * (n - 1))
    se_av = math.sqrt(sd_d**2 / (n * s_av**2) + dav**2 * var_sav / s_av**2)
    rows["d_av"].update(
        estimate=dav, std_error=se_av, conf_low=dav - z * se_av, conf_high=dav + z * se_av
    )
    # d_rm
    drm = dz * math.sqrt(2.0 * (1.0 - r))
    se_rm = math.sqrt((1.0 / n + drm**2 / (2.0 * n)) * 2.0 * (1.0 - r))
    rows["d_rm"].update(
        estimate=drm, std_error=se_rm, conf_low=drm - z * se_rm, conf_high=drm + z * se_rm
    )
    for t in ("d_z", "d_av", "d_rm"):
        g = "g" + t[1:]
        src = rows[t]
        rows[g].update(
            estimate=J * src["estimate"],
            conf_low=J * src["conf_low"],
            conf_high=J * src["conf_high"],
        )
        if "std_error" in src:
            rows[g]["std_error"] = J * src["std_error"]
    return pd.DataFrame(list(rows.values())).reindex(columns=_ES_COLUMNS)


def within_rows(
    resp: pd.DataFrame, arm_label: str, spec: StudyDesign, alpha: float
) -> list[dict[str, Any]]:
    """Rows for the within-arm change: CR2 cluster mean, paired t, Wilcoxon signed-rank."""
    sub = resp.loc[resp["pre"].notna() & resp["post"].notna()]
    pre = sub["pre"].to_numpy(dtype=float)
    post = sub["post"].to_numpy(dtype=float)
    d = post - pre
    n = d.size
    clusters = sub["cluster"].to_numpy(dtype=object)
    G = len(pd.unique(clusters))
    term = f"{spec.followup} - {spec.baseline}"
    base = {"estimand": "within-arm change", "model": "paired", "arm": arm_label}
    rows: list[dict[str, Any]] = []
    # Clustered mean change (the valid interval).
    row = {
        **base,
        "inference": "CR2",
        "term": term,
        "n": n,
        "n_clusters": G,
        "method": f"mean change, village-cluster {_CR2_TEXT}",
    }
    if G >= 2 and n > 1 and np.ptp(d) > 0:
        fit = cluster_mean(d, clusters, vcov="CR2", name=term)
        c = fit.contrast(term, conf_level=1 - alpha)
        row.update(
            estimate=c.estimate,
            std_error=c.std_error,
            statistic=c.statistic,
            df=c.df,
            p_value=c.p_value,
            conf_low=c.conf_low,
            conf_high=c.conf_high,
        )
    else:
        row.update(estimate=float(d.mean()) if n else np.nan)
        row["method"] += " (not estimable: fewer than 2 villages or no variation)"
    rows.append(row)
    # Paired t test.
    row = {
        **base,
        "inference": "paired t",
        "term": term,
        "n": n,
        "n_clusters": G,
        "method": f"paired t test ({_IGNORES})",
    }
    if n > 1 and np.std(d) > 0:
        res = stats.ttest_rel(post, pre)
        ci = res.confidence_interval(confidence_level=1 - alpha)
        row.update(
            estimate=float(d.mean()),
            std_error=float(np.std(d, ddof=1) / math.sqrt(n)),
            statistic=float(res.statistic),
            df=float(res.df),
            p_value=float(res.pvalue),
            conf_low=float(ci.low),
            conf_high=float(ci.high),
        )
    else:
        row["estimate"] = float(d.mean()) if n else np.nan
    rows.append(row)
    # Wilcoxon signed-rank (R's wilcox.test(paired = TRUE) conventions).
    row = {**base, "inference": "Wilcoxon signed-rank", "term": term, "n": n, "n_clusters": G}
    nz = d[d != 0]
    if nz.size >= 1:
        # R's rule: exact below 50 changes without ties or zeros, else the normal
        # approximation (scipy's "auto" would permute for n <= 13 with ties).
        exact = n < 50 and nz.size == n and np.unique(np.abs(nz)).size == n
        # scipy-stubs take "asymptotic" only with keepdims=True; scipy takes it always
        res = stats.wilcoxon(  # type: ignore[call-overload]
            nz, zero_method="wilcox", correction=True, method="exact" if exact else "asymptotic"
        )
        ranks = stats.rankdata(np.abs(nz))
        how = "exact" if exact else "normal approximation with continuity and tie correction"
        row.update(statistic=float(ranks[nz > 0].sum()), p_value=float(res.pvalue))
    else:
        how = "not estimable: every change is zero"
    row["method"] = (
        f"Wilcoxon signed-rank test, V = sum of positive ranks, zero changes dropped "
        f"({nz.size} non-zero), {how} ({_IGNORES})"
    )
    rows.append(row)
    # Standardised mean change.
    es = paired_effect_sizes(pre, post, conf_level=1 - alpha)
    for rec in es.to_dict("records"):
        # (to_dict's keys are the table's column names)
        rows.append({**base, "inference": "effect size", "n_clusters": G, **cast(dict[str, Any], rec)})
    return rows


# --------------------------------------------------------------------------- between arms


def _child_seed(seed: int | None, *keys: int) -> np.random.SeedSequence | None:
    """An independent, reproducible stream per (outcome, model, method)."""
    if seed is None:
        return None
    return np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in keys))


def _design_matrix(
    frame: pd.DataFrame, first: list[tuple[str, np.ndarray]], cov_names: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    names = ["(Intercept)", *(n for n, _ in first), *cov_names]
    for n in cov_names:
        if n in ("(Intercept)", "treated", "baseline", "post", "treated:post"):
            raise UsageError(f"covariate column {n!r} clashes with a model term; rename it.")
    cols = [np.ones(len(frame)), *(c for _, c in first)]
    cols.extend(frame[n].to_numpy(dtype=float) for n in cov_names)
    return np.column_stack(cols), names


def between_rows(
    panel: _Panel,
    spec: StudyDesign,
    *,
    models: Sequence[str],
    B: int,
    seed: int | None,
    seed_key: int,
    alpha: float,
    max_enumerate: int,
    n_draws: int,
    inference: Sequence[str] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows for the between-arm effect (ANCOVA and/or DiD); info for the standardised effect.

    ``inference`` lists the methods to run (default: all that apply, see
    :func:`evaluate`); the CR2 fit is always made, for the standardised effect.
    """
    if inference is None:
        inference = [m for m in INFERENCE_METHODS if m != "randomization"]
        if spec.kind == "randomized":
            inference.append("randomization")
    arm = f"{spec.treated_label} - {spec.comparison_label}"
    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for mi, model in enumerate(models):
        if model == "ANCOVA":
            resp = panel.resp
            ok = resp["pre"].notna() & resp["post"].notna()
            if panel.cov_names:
                ok &= resp[list(panel.cov_names)].notna().all(axis=1)
            frame = resp.loc[ok]
            y = frame["post"].to_numpy(dtype=float)
            X, names = _design_matrix(
                frame,
                [
                    ("treated", frame["treat"].to_numpy(dtype=float)),
                    ("baseline", frame["pre"].to_numpy(dtype=float)),
                ],
                panel.cov_names,
            )
            term = "treated"
        else:
            frame = panel.long
            y = frame["y"].to_numpy(dtype=float)
            treat = frame["treat"].to_numpy(dtype=float)
            post = frame["post"].to_numpy(dtype=float)
            X, names = _design_matrix(
                frame,
                [("treated", treat), ("post", post), ("treated:post", treat * post)],
                panel.cov_names,
            )
            term = "treated:post"
        cl = frame["cluster"].to_numpy(dtype=object)
        G = len(pd.unique(cl))
        if spec.kind == "randomized":
            arms_in = frame.groupby("cluster", sort=True)["treat"].nunique()
            mixed = [str(v) for v in arms_in.index[arms_in > 1]]
            if mixed:
                raise UsageError(
                    f"design='randomized' assumes whole villages were assigned, but villages "
                    f"{mixed[:10]} have respondents in both arms. Check the arm column, or use "
                    "design='comparison'."
                )
        n = len(frame)
        base = {
            "estimand": "between-arm effect",
            "model": model,
            "arm": arm,
            "term": term,
            "n": n,
            "n_clusters": G,
        }
        desc = "post on arm + baseline" if model == "ANCOVA" else "long panel: arm x wave"
        if panel.cov_names:
            desc += " + covariates"
        fits = {}
        for vcov in ("CR2", "CR1"):
            fit = cluster_ols(y, X, cl, vcov=vcov, names=names)
            fits[vcov] = fit
            if vcov not in inference:
                continue
            c = fit.contrast(term, conf_level=1 - alpha)
            rows.append(
                {
                    **base,
                    "inference": vcov,
                    "estimate": c.estimate,
                    "std_error": c.std_error,
                    "statistic": c.statistic,
                    "df": c.df,
                    "p_value": c.p_value,
                    "conf_low": c.conf_low,
                    "conf_high": c.conf_high,
                    "method": f"{model} ({desc}), {c.method}",
                }
            )
        if "wild bootstrap" in inference:
            wb = wild_cluster_bootstrap(
                y,
                X,
                cl,
                term,
                n_boot=B,
                seed=_child_seed(seed, seed_key, mi, 0),
                conf_level=1 - alpha,
                names=names,
            )
            rows.append(
                {
                    **base,
                    "inference": "wild bootstrap",
                    "estimate": wb.estimate,
                    "std_error": wb.std_error,
                    "statistic": wb.statistic,
                    "p_value": wb.p_value,
                    "conf_low": wb.conf_int[0],
                    "conf_high": wb.conf_int[1],
                    "method": f"{model} ({desc}), {wb.method}; CI by test inversion",
                    # not a table column: collected into info["bootstrap"] for the report
                    "_bootstrap": {
                        "model": model,
                        "n_clusters": int(wb.n_clusters),
                        "B": int(wb.B),
                        "enumerated": bool(wb.enumerated),
                        "weights": wb.weights,
                        "seed": wb.seed,
                    },
                }
            )
        if "randomization" in inference:
            ri_seed = _child_seed(seed, seed_key, mi, 1)
            if model == "ANCOVA":
                ri = randomization_test(
                    y,
                    X,
                    cl,
                    term,
                    statistic="coef",
                    max_enumerate=max_enumerate,
                    n_draws=n_draws,
                    seed=ri_seed,
                    conf_level=1 - alpha,
                    names=names,
                )
                rec = {
                    "estimate": ri.estimate,
                    "statistic": ri.statistic,
                    "p_value": ri.p_value,
                    "conf_low": ri.conf_int[0],
                    "conf_high": ri.conf_int[1],
                    "method": ri.method,
                }
            else:
                treated_clusters = pd.unique(frame.loc[frame["treat"] == 1, "cluster"])
                Z = X[:, [0, 2, *range(4, X.shape[1])]]
                rec = did_randomization_test(
                    y,
                    Z,
                    X[:, 2],
                    cl,
                    treated_clusters,
                    max_enumerate=max_enumerate,
                    n_draws=n_draws,
                    seed=ri_seed,
                    conf_level=1 - alpha,
                )
                rec = {
                    k: rec[k]
                    for k in ("estimate", "statistic", "p_value", "conf_low", "conf_high", "method")
                }
            rec["method"] = f"{model} ({desc}), {rec['method']}; CI: constant additive effect"
            rows.append({**base, "inference": "randomization", **rec})
        if model == "ANCOVA":
            extra["ancova_frame"] = frame
            extra["ancova_cr2"] = fits["CR2"].contrast(term, conf_level=1 - alpha)
    return rows, extra


def _standardised_row(extra: dict[str, Any], spec: StudyDesign) -> dict[str, Any]:
    frame = extra["ancova_frame"]
    c = extra["ancova_cr2"]
    y = frame["post"].to_numpy(dtype=float)
    t = frame["treat"].to_numpy(dtype=float) == 1
    n1, n0 = int(t.sum()), int((~t).sum())
    N = n1 + n0
    s1, s0 = float(np.std(y[t], ddof=1)), float(np.std(y[~t], ddof=1))
    S = math.sqrt(((n1 - 1) * s1**2 + (n0 - 1) * s0**2) / (N - 2))
    omega = 1.0 - 3.0 / (4.0 * N - 9.0)
    k = omega / S
    return {
        "estimand": "standardised between-arm effect",
        "model": "ANCOVA",
        "arm": f"{spec.treated_label} - {spec.comparison_label}",
        "inference": "effect size",
        "term": "g (WWC)",
        "estimate": k * c.estimate,
        "std_error": k * c.std_error,
        "df": c.df,
        "conf_low": k * c.conf_low,
        "conf_high": k * c.conf_high,
        "n": N,
        "n_clusters": c.n_clusters,
        "method": (
            "Hedges' g (WWC): omega * ANCOVA-adjusted difference / pooled unadjusted SD at "
            f"follow-up (S = {S:.4g}, omega = 1 - 3/(4N-9) = {omega:.4f}); CI = CR2 "
            "interval of the difference scaled by omega/S (S treated as fixed)"
        ),
    }


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class EvaluationResult(Result):
    """Result of :func:`evaluate`.

    ``table`` is described in :func:`evaluate`.  ``tables["sample"]`` counts
    respondents (and DiD rows) analysed and left out, by reason;
    ``tables["means"]`` has the outcome's mean, SD and n per arm and wave.
    ``info["design"]`` is the design used and ``info["design_reason"]`` why.

    ``nobs`` is the number of respondents with the outcome at both waves
    (the matched pairs of the paired changes and ANCOVA), when it is the
    same for every outcome, else None; the DiD rows' ``n`` counts answers
    of both waves and stays in the table.  ``n_clusters`` is the number of
    villages with analysed answers (those the between-arm rows are
    clustered on; each within-arm row clusters on its own arm's villages,
    its ``n_clusters`` column says how many), when it is the same for
    every outcome, else None.
    """

    def plot(self, ax: Any = None, lang: str = "zh", **kwargs: Any) -> Any:
        """Forest plot of the between-arm effects (see :func:`mutualaid_analysis.plots.forest`)."""
        from ..plots import forest

        return forest(self, ax=ax, lang=lang, **kwargs)


    @property
    def design(self) -> str:
        """The design analysed ("prepost", "comparison" or "randomized")."""
        return str(self.info["design"])

    def effects(self, inference: str | None = "CR2") -> pd.DataFrame:
        """The between-arm effect rows (of one inference method; ``None`` for all)."""
        t = self.table
        mask = t["estimand"] == "between-arm effect"
        if inference is not None:
            mask &= t["inference"] == inference
        return t.loc[mask].reset_index(drop=True)

    def changes(self) -> pd.DataFrame:
        """The within-arm change rows."""
        t = self.table
        return t.loc[t["estimand"] == "within-arm change"].reset_index(drop=True)

    def summary(self) -> str:
        """A compact text report: the estimates without the long ``method`` texts, the notes."""
        cols = [
            "outcome",
            "model",
            "arm",
            "inference",
            "term",
            "estimate",
            "conf_low",
            "conf_high",
            "df",
            "p_value",
            "p_adjusted",
            "n",
            "n_clusters",
        ]
        if self.table["outcome"].nunique() == 1:
            cols = [c for c in cols if c not in ("outcome", "p_adjusted")]
        parts = [self.title, "=" * len(self.title)]
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            for estimand, grp in self.table.groupby("estimand", sort=False):
                body = grp[cols].to_string(
                    index=False, float_format=lambda v: f"{v:.4g}", na_rep=""
                )
                parts.extend(["", f"{estimand}:", body])
        parts.append("")
        parts.extend(f"Note: {n}" for n in self.notes)
        parts.append("Methods: see the `method` column of .table.")
        return "\n".join(parts)


def _means_table(panel: _Panel, spec: StudyDesign, outcome: str) -> pd.DataFrame:
    rows = []
    for arm, sub in panel.resp.groupby("arm", sort=True):
        for w, col in ((spec.baseline, "pre"), (spec.followup, "post")):
            v = sub[col].dropna().to_numpy(dtype=float)
            rows.append(
                {
                    "outcome": outcome,
                    "arm": str(arm),
                    "wave": w,
                    "mean": v.mean() if v.size else np.nan,
                    "sd": np.std(v, ddof=1) if v.size > 1 else np.nan,
                    "n": v.size,
                    "n_clusters": sub.loc[sub[col].notna(), "cluster"].nunique(),
                }
            )
    return pd.DataFrame(rows)


@renamed_arguments("alpha", "B")
def evaluate(
    survey: Survey,
    outcome: str | Sequence[str] | None = None,
    *,
    covariates: Sequence[str] = (),
    design: Design = "auto",
    seed: Seed = None,
    outcomes: Sequence[str] | None = None,
    adjust: Adjustment = "holm",
    family: str | None = None,
    waves: Sequence[Any] | None = None,
    n_boot: int = 9999,
    max_enumerate: int = MAX_ENUMERATE,
    n_draws: int = 9999,
    conf_level: float = 0.95,
    inference: Sequence[InferenceMethod] | None = None,
) -> EvaluationResult:
    """Evaluate a workshop from before/after data: change within arms, effect between arms.

    Parameters
    ----------
    survey : Survey
        Two waves (or more: see ``waves``), clustered in villages.
    outcome : str or list of str
        A multi-item scale of the codebook (e.g. ``"gses"``: its sum score),
        a numeric variable (ordinal, integer, number, binary: e.g.
        ``"knows_platform"``, a risk difference), or a circle
        (``"villagers"``: willingness, the mean over services).  A list is a
        family of outcomes (as ``outcomes``).
    covariates : sequence of str, default ()
        Respondent variables adjusted for in the ANCOVA and DiD models
        (taken as time-constant: the baseline value, else the follow-up
        value).  Category and binary variables enter as dummies.
    design : {"auto", "prepost", "comparison", "randomized"}, default "auto"
        "prepost": one group before/after (within-arm change only; with two
        arms each arm is described separately).  "comparison": workshop vs
        comparison villages.  "randomized": as "comparison", plus
        randomisation inference (only if villages were randomly assigned).
        "auto": "comparison" when the data have both arms, else "prepost";
        never "randomized" (the codebook does not record how villages were
        assigned).  The design used is in ``info["design"]``, the ``design``
        column and the notes.
    seed : int, numpy Generator or None, default None
        Seeds the wild bootstrap (Webb weights, drawn when 2^G > n_boot) and
        the Monte Carlo randomisation test; the same seed gives an identical
        table.  Each outcome, model and method gets its own stream
        (``SeedSequence(seed, spawn_key=...)``), so an outcome's numbers do
        not depend on the other outcomes in the family.  None draws a fresh
        seed (a Generator gives one drawn from it); the integer used is in
        ``info["seed"]``, so ``seed=res.info["seed"]`` repeats the run.
        Not needed when every sign vector / assignment is enumerated.
    outcomes : sequence of str, optional
        Several outcomes: one family for multiplicity adjustment.
    adjust : {"holm", "BH"}, default "holm"
        Adjustment across the family: Holm's step-down (family-wise error)
        or Benjamini-Hochberg (false discovery rate).
    family : str, optional
        The family's name in the ``family`` column (default
        ``"outcomes: a, b, ..."``).
    waves : pair of wave names, optional
        Baseline and follow-up (default: the first and last wave present).
    n_boot : int, default 9999
        Wild bootstrap replications (all 2^G sign vectors when 2^G <=
        n_boot).  ``B=`` is its deprecated old name.
    max_enumerate : int, default 200000
        Randomisation inference enumerates every assignment of the same
        number of workshop villages when there are at most this many.
    n_draws : int, default 9999
        Random assignments otherwise.
    conf_level : float, default 0.95
        Level of the intervals.  ``alpha=a`` (deprecated) is
        ``conf_level=1-a``.
    inference : list of {"CR2", "CR1", "wild bootstrap", "randomization"}, optional
        The inference methods of the between-arm effect to run and report
        (the ``inference`` column).  Default: CR2, CR1 and the wild cluster
        bootstrap, plus randomisation inference when ``design="randomized"``.
        Leaving out the bootstrap saves its ``n_boot`` draws; "randomization"
        needs ``design="randomized"``.  The within-arm change and the
        standardised effect are always reported.

    Returns
    -------
    EvaluationResult
        ``.table``, one row per outcome, estimand, model and inference
        method, with columns:

        * ``outcome``, ``design``;
        * ``estimand``: ``"within-arm change"``, ``"between-arm effect"``
          or ``"standardised between-arm effect"``;
        * ``model``: ``"paired"``, ``"ANCOVA"`` or ``"DiD"``;
        * ``arm``: the arm (within-arm rows) or ``"workshop - comparison"``;
        * ``inference``: ``"CR2"``, ``"CR1"``, ``"wild bootstrap"``,
          ``"randomization"``, ``"paired t"``, ``"Wilcoxon signed-rank"``
          or ``"effect size"``;
        * the contract columns ``term, estimate, std_error, statistic, df,
          p_value, conf_low, conf_high, n, method``: ``term`` is
          ``"post - pre"`` (wave names) for a change, ``"treated"`` for the
          ANCOVA arm coefficient, ``"treated:post"`` for the DiD
          interaction, ``d_z, g_z, d_av, g_av, d_rm, g_rm`` for
          standardised changes, ``"g (WWC)"`` for the standardised effect.
          ``df`` is empty where the reference distribution is not a t
          (bootstrap, randomisation, Wilcoxon); the wild bootstrap row's
          ``std_error`` and ``statistic`` are the CR1S ones it bootstraps;
          the randomisation row's ``statistic`` is the coefficient.  ``n``
          counts respondents (ANCOVA, paired) or rows (DiD);
        * ``n_clusters`` (villages), ``family`` and ``p_adjusted`` (the
          p-value adjusted across the family's outcomes, separately for
          each estimand, model, arm, inference and term; equal to
          ``p_value`` for a single outcome).

    Raises
    ------
    UsageError
        Unknown outcome or covariate, fewer than two waves, no village
        column, ``design="comparison"`` or ``"randomized"`` without both
        arms, invalid options (the message lists the valid ones).
    InsufficientDataError
        The analytic panel (respondents observed at both waves) has fewer
        than 2 villages, or, with two arms, fewer than 2 villages in an
        arm: village-clustered inference is impossible.  The message says
        how many follow-up respondents matched a baseline id.

    Notes
    -----
    **Samples.**  Paired analyses and ANCOVA use respondents with the
    outcome at both waves (and, for ANCOVA, every covariate); the DiD uses
    every observed respondent-wave row (respondents lost to follow-up
    contribute their baseline).  ``tables["sample"]`` accounts for every
    respondent and row left out.

    **Within-arm change** (per arm): the mean change with a village-cluster
    CR2 interval and Satterthwaite df (the valid one), the paired t test and
    the Wilcoxon signed-rank test (R's ``wilcox.test(paired = TRUE)``: zero
    changes dropped, exact below 50 changes without ties or zeros, else the
    normal approximation with tie and continuity corrections).  Both
    ignore clustering, which the ``method`` says.  Standardised changes:
    see :func:`paired_effect_sizes` (Lakens 2013; formulas and CIs there).

    **Between-arm effect.**  ANCOVA: ``post_i = a + tau A_v + b pre_i +
    x_i'g + e_i``.  DiD: ``y_it = a + c A_v + d post_t + tau A_v post_t +
    x_i'g + e_it`` on the long panel (with a balanced panel and no
    covariates ``tau`` is the difference of the arms' mean changes).
    Each ``tau`` is reported with

    * ``CR2``: the Bell-McCaffrey CR2 covariance with Satterthwaite df
      (Pustejovsky & Tipton 2018), as clubSandwich's ``coef_test``.
      This is the default answer;
    * ``CR1``: CR1S (factor ``G/(G-1) (N-1)/(N-k)``) with t(G-1);
    * ``wild bootstrap``: the wild cluster restricted bootstrap of the CR1
      t statistic (Rademacher weights, every one of the 2^G sign vectors
      when 2^G <= n_boot, else n_boot draws of Webb's six-point weights), CI by test
      inversion (Cameron, Gelbach & Miller 2008; Webb 2023);
    * ``randomization`` (design "randomized" only): the coefficient under
      every assignment of the same number of workshop villages (or
      ``n_draws`` random ones); Fisher's sharp null, CI of a constant
      additive effect (Imbens & Rubin 2015, ch. 5).  DiD:
      :func:`did_randomization_test`.

    No row refers a cluster-robust statistic to the normal distribution:
    with 8 villages that rejects a true null two to three times as often as
    it should (``tests/test_coverage.py``).

    **Standardised between-arm effect** (WWC 2022, Procedures and Standards
    Handbook v5.0, eq. for Hedges' g with covariate adjustment): ``g = omega
    (ANCOVA-adjusted difference) / S`` with ``S`` the pooled within-arm SD
    of the unadjusted follow-up outcome, ``omega = 1 - 3/(4N - 9)``.  Its
    interval is the CR2 interval of the difference scaled by ``omega / S``.

    **Multiplicity.**  With several outcomes, the p-values of each
    (estimand, model, arm, inference, term) are adjusted across the
    outcomes: Holm (1979) or Benjamini & Hochberg (1995).

    References
    ----------
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. Journal of Business & Economic Statistics, 36(4), 672-683.

    Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based
    improvements for inference with clustered errors. Review of Economics
    and Statistics, 90(3), 414-427.

    Webb, M. D. (2023). Reworking wild bootstrap-based inference for
    clustered errors. Canadian Journal of Economics, 56(3), 839-858.

    Imbens, G. W., & Rubin, D. B. (2015). Causal Inference for Statistics,
    Social, and Biomedical Sciences. Cambridge University Press.

    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate
    cumulative science. Frontiers in Psychology, 4, 863.

    What Works Clearinghouse (2022). Procedures and Standards Handbook,
    Version 5.0. U.S. Department of Education, Institute of Education
    Sciences.

    Holm, S. (1979). A simple sequentially rejective multiple test
    procedure. Scandinavian Journal of Statistics, 6(2), 65-70.

    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery
    rate. Journal of the Royal Statistical Society B, 57(1), 289-300.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> res = ma.evaluate(ma.load_sample(), outcome="gses", seed=1)  # doctest: +SKIP
    >>> res.effects()  # ANCOVA and DiD, CR2 / Satterthwaite  # doctest: +SKIP
    """
    if not isinstance(survey, Survey):
        raise UsageError(f"survey must be a Survey; got {type(survey).__name__}.")
    if outcome is not None and outcomes is not None:
        raise UsageError("Give either outcome or outcomes, not both.")
    if outcomes is None:
        if outcome is None:
            raise UsageError("Name the outcome: evaluate(survey, outcome='gses').")
        outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    else:
        outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if not outcomes:
        raise UsageError("outcomes is empty.")
    if len(set(outcomes)) != len(outcomes):
        raise UsageError(f"outcomes must be distinct; got {outcomes}.")
    _choice(adjust, ADJUSTMENTS, "adjust")
    if inference is not None:
        if isinstance(inference, str):
            inference = [inference]  # type: ignore[list-item]
        inference = list(inference)
        if not inference:
            raise UsageError(f"inference is empty; choose from {list(INFERENCE_METHODS)}.")
        for m in inference:
            _choice(m, INFERENCE_METHODS, "inference")
    B = check_count(n_boot, "n_boot")
    max_enumerate = check_count(max_enumerate, "max_enumerate")
    n_draws = check_count(n_draws, "n_draws")
    seed = seed_int(seed)
    alpha = alpha_of(conf_level)
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(dict.fromkeys(covariates))
    check_columns(survey, covariates, "covariate")
    spec = study_design(survey, design, waves=waves, clustered=True, what="evaluate()")
    if inference is not None and "randomization" in inference and spec.kind != "randomized":
        raise UsageError(
            "inference='randomization' needs design='randomized' (villages randomly assigned); "
            f"the design here is {spec.kind!r}."
        )
    resolved = [resolve_outcome(survey, o) for o in outcomes]
    if family is None:
        family = outcomes[0] if len(outcomes) == 1 else "outcomes: " + ", ".join(outcomes)

    rows: list[dict[str, Any]] = []
    samples, means, descriptions = [], [], {}
    n_matched: set[int] = set()
    n_villages: set[int] = set()
    for outcome_name, resolved_outcome in zip(outcomes, resolved, strict=True):
        descriptions[outcome_name] = resolved_outcome.description
        panel = build_panel(survey, resolved_outcome.values, covariates, spec)
        check_support(survey, panel, spec, f"evaluate(outcome={outcome_name!r})", paired=True)
        samples.append(panel.sample.assign(outcome=outcome_name))
        n_matched.add(int((panel.resp["pre"].notna() & panel.resp["post"].notna()).sum()))
        n_villages.add(int(panel.long["cluster"].nunique()))
        means.append(_means_table(panel, spec, outcome_name))
        out_rows: list[dict[str, Any]] = []
        # the arms at baseline, the treated arm first (an arm seen only later has no change)
        for arm in [str(a) for a in spec.arms] or [spec.treated_label]:
            sub = panel.resp.loc[panel.resp["arm"].astype(str) == arm]
            out_rows.extend(within_rows(sub, arm, spec, alpha))
        if spec.kind in ("comparison", "randomized"):
            key = zlib.crc32(outcome_name.encode("utf-8"))
            between, extra = between_rows(
                panel,
                spec,
                models=("ANCOVA", "DiD"),
                B=B,
                seed=seed,
                seed_key=key,
                alpha=alpha,
                max_enumerate=max_enumerate,
                n_draws=n_draws,
                inference=inference,
            )
            out_rows.extend(between)
            out_rows.append(_standardised_row(extra, spec))
        for r in out_rows:
            r["outcome"] = outcome_name
            r["design"] = spec.kind
        rows.extend(out_rows)

    bootstrap = [
        {"outcome": r["outcome"], **r.pop("_bootstrap")} for r in rows if "_bootstrap" in r
    ]
    table = contract_frame(rows, ID_COLUMNS, EXTRA_COLUMNS)
    table["family"] = family
    keys = ["estimand", "model", "arm", "inference", "term"]
    p_adj = np.full(len(table), np.nan)
    for _, idx in table.groupby(keys, sort=False, dropna=False).groups.items():
        pos = table.index.get_indexer(idx)
        p_adj[pos] = adjust_p(table["p_value"].to_numpy(dtype=float)[pos], adjust)
    table["p_adjusted"] = p_adj
    table["n"] = table["n"].astype("Int64")
    table["n_clusters"] = table["n_clusters"].astype("Int64")

    notes = [spec.reason, f"Waves: {spec.baseline} (baseline) and {spec.followup} (follow-up)."]
    notes.extend(f"Outcome {k}: {v}." for k, v in descriptions.items())
    if covariates:
        notes.append(f"Covariates (time-constant): {', '.join(covariates)}.")
    if spec.kind in ("comparison", "randomized"):
        notes.append(
            "The default answer is the CR2 row (Satterthwaite df); CR1 uses t(G-1); no "
            "cluster-robust p-value here uses the normal distribution."
        )
    if len(outcomes) > 1:
        how = "Holm" if adjust == "holm" else "Benjamini-Hochberg"
        notes.append(
            f"p_adjusted: {how} across the {len(outcomes)} outcomes of family "
            f"{family!r}, within each estimand, model, arm, inference and term."
        )
    notes.append(
        "Paired t, Wilcoxon and the d/g effect-size intervals treat respondents as "
        "independent (they ignore village clustering)."
    )
    title = f"Workshop evaluation ({spec.kind}): {', '.join(outcomes)}"
    info = {
        # the result-level facts, where one number is right (else None): respondents
        # with the outcome at both waves, and villages with analysed answers, each the
        # same for every outcome
        "nobs": n_matched.pop() if len(n_matched) == 1 else None,
        "n_clusters": n_villages.pop() if len(n_villages) == 1 else None,
        "design": spec.kind,
        "design_reason": spec.reason,
        "outcomes": list(outcomes),
        "covariates": list(covariates),
        "waves": (spec.baseline, spec.followup),
        "treated": spec.treated_label,
        "comparison": spec.comparison_label if spec.two_arms else None,
        "adjust": adjust,
        "family": family,
        "seed": seed,
        "n_boot": B,
        "B": B,  # the former name, kept for one release
        "max_enumerate": max_enumerate,
        "n_draws": n_draws,
        "conf_level": float(conf_level),
        "alpha": alpha,  # 1 - conf_level, kept for one release
        # per outcome and model: the wild bootstrap as run (clusters, replications used,
        # enumerated or drawn, weights, seed); the report reads its methods text from here
        "bootstrap": bootstrap,
    }
    return EvaluationResult(
        table=table,
        title=title,
        notes=tuple(notes),
        tables={
            "sample": pd.concat(samples, ignore_index=True)[
                ["outcome", "analysis", "arm", "status", "respondents"]
            ],
            "means": pd.concat(means, ignore_index=True),
        },
        info=info,
    )
