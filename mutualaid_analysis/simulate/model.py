"""The generative model: draws a survey and computes its truth.

See :mod:`mutualaid_analysis.simulate` for the model as formulas.  Everything
is vectorised over respondents; the random numbers come from eight
independent streams spawned from ``numpy.random.default_rng(seed)``, one per
part of the model, each drawn in a fixed order and always for both waves, so
that

* the same seed gives the same survey on every platform and numpy version
  that keeps numpy's stream-compatibility policy for these generators;
* changing one part of the design (say the attrition rates) leaves the draws
  of every other part unchanged (common random numbers), and a one-wave
  survey is exactly the baseline of the two-wave one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .design import CIRCLES, COVARIATES, PARTICIPATION, SERVICES, SimulationDesign
from .layout import ARMS, WAVES, gses_columns, village_names, willingness_columns

__all__ = ["MODEL_VERSION", "Generated", "generate"]

#: Version of the generative model; bumped whenever the same seed and design
#: would give different data.  Recorded in ``truth["model"]["version"]``.
MODEL_VERSION = 1

#: Decimals of the computed (not given) numbers in ``truth``: enough for any
#: check, few enough to be identical on every platform.
TRUTH_DECIMALS = 6

_STREAMS = (
    "villages",
    "covariates",
    "efficacy",
    "willingness",
    "gses",
    "participation",
    "attrition",
    "missing",
)

# Fixed parts of the covariate model (documented in the package docstring).
_AGE_BETA = (1.6, 3.4)
_HEALTH_CUTS = np.array([-1.8, -0.8, 0.3, 1.4])


@dataclass(frozen=True)
class Generated:
    """What :func:`generate` returns.

    Attributes
    ----------
    frame : pandas.DataFrame
        The survey as a data file holds it: long form (one row per
        respondent and wave, "pre" rows first), codes including 98/99.
    truth : dict
        Every parameter and the realised sample facts (JSON-serialisable).
    """

    frame: pd.DataFrame
    truth: dict[str, Any]


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _expected_ordinal(eta: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """E[Y | eta] for Y = 1 + #{k: eta + e > cut_k}, e standard logistic."""
    out = np.ones_like(eta)
    for c in cuts:
        out += _expit(eta - c)
    return out


def _draw_ordinal(eta: np.ndarray, noise: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    latent = eta + noise
    out = np.ones(latent.shape, dtype=np.int64)
    for c in cuts:
        out += latent > c
    return out


def _r(x: float) -> float:
    """Round a computed number for the truth file (and turn -0.0 into 0.0)."""
    return round(float(x), TRUTH_DECIMALS) + 0.0


def generate(design: SimulationDesign, seed: int) -> Generated:
    """Draw one survey from the model.

    Parameters
    ----------
    design : SimulationDesign
    seed : int
        Non-negative integer.

    Returns
    -------
    Generated
    """
    d = design
    streams = dict(zip(_STREAMS, np.random.default_rng(seed).spawn(len(_STREAMS)), strict=True))
    n_v = d.n_villages

    # ---------------------------------------------------------------- villages
    g = streams["villages"]
    order = g.permutation(n_v)
    treated_v = np.zeros(n_v, dtype=bool)
    treated_v[order[: d.n_treated]] = True
    if d.village_size == "fixed":
        sizes = np.full(n_v, d.per_village, dtype=np.int64)
        g.poisson(d.per_village, n_v)  # drawn and unused: keeps the stream aligned
    else:
        sizes = np.maximum(1, g.poisson(d.per_village, n_v)).astype(np.int64)
    u_v = g.normal(0.0, 1.0, n_v) * d.sd_village
    w_v = g.normal(0.0, 1.0, n_v) * d.efficacy_sd_village
    p_v = g.normal(0.0, 1.0, n_v) * d.participation_sd_village

    vid = np.repeat(np.arange(n_v), sizes)  # 0-based village index per respondent
    n = int(vid.size)
    number_in_village = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    treated = treated_v[vid]
    a = treated.astype(float)

    # ---------------------------------------------------------------- covariates
    g = streams["covariates"]
    age = 60 + np.floor(36.0 * g.beta(*_AGE_BETA, n)).astype(np.int64)
    age = np.minimum(age, 95)
    age_c = age - COVARIATES["age"]
    sex = (g.random(n) < 0.52).astype(np.int64)
    school_mu = 7.0 - 0.12 * age_c - 2.0 * sex
    schooling = np.clip(np.rint(school_mu + 3.5 * g.normal(size=n)), 0, 16).astype(np.int64)
    lives_alone = (g.random(n) < _expit(-1.6 + 0.05 * age_c)).astype(np.int64)
    n_migrated = np.minimum(g.poisson(1.3, n), 6).astype(np.int64)
    health_latent = -0.03 * age_c + g.normal(size=n)
    health = 1 + (health_latent[:, None] > _HEALTH_CUTS).sum(axis=1).astype(np.int64)
    adl = (g.random(n) < _expit(-2.2 + 0.07 * age_c - 0.6 * health_latent)).astype(np.int64)
    covs = {
        "age": age,
        "sex": sex,
        "schooling": schooling,
        "lives_alone": lives_alone,
        "n_migrated": n_migrated,
        "health": health,
        "adl": adl,
    }
    xb = np.zeros(n)
    for name, centre in COVARIATES.items():
        xb += d.covariate_effects[name] * (covs[name] - centre)

    # ---------------------------------------------------------------- self-efficacy
    g = streams["efficacy"]
    rho = d.efficacy_health_corr
    theta0 = w_v[vid] + rho * health_latent + math.sqrt(1.0 - rho * rho) * g.normal(size=n)
    change = g.normal(size=n) * d.efficacy_change_sd
    theta1 = theta0 + d.efficacy_trend + d.workshop_efficacy * a + change

    # ---------------------------------------------------------------- willingness
    g = streams["willingness"]
    b_i = g.normal(size=n) * d.sd_respondent
    w_noise = g.logistic(size=(2, n, len(CIRCLES), len(SERVICES)))
    alpha = np.asarray(d.circle_effects)
    gamma = np.asarray(d.service_effects)
    m_eff = np.asarray(d.circle_by_efficacy)
    m_alone = np.asarray(d.circle_by_alone)
    base = xb + d.efficacy_effect * theta0 + u_v[vid] + b_i  # (n,)
    eta0 = (
        base[:, None, None]
        + alpha[None, :, None]
        + gamma[None, None, :]
        + (m_eff[None, :] * theta0[:, None] + m_alone[None, :] * lives_alone[:, None])[:, :, None]
    )  # (n, circle, service)
    delta_w = np.asarray(d.workshop_willingness)
    shift1 = d.willingness_trend + delta_w[None, :] * a[:, None]  # (n, circle)
    eta1 = eta0 + shift1[:, :, None]
    cuts_w = np.asarray(d.thresholds)
    will = np.stack(
        [_draw_ordinal(eta0, w_noise[0], cuts_w), _draw_ordinal(eta1, w_noise[1], cuts_w)]
    ).reshape(2, n, len(CIRCLES) * len(SERVICES))

    # ---------------------------------------------------------------- GSES
    g = streams["gses"]
    g_noise = g.logistic(size=(2, n, 10))
    lam = np.asarray(d.gses_loadings)
    cuts_g = np.asarray(d.gses_thresholds)
    gses = np.stack(
        [
            _draw_ordinal(theta0[:, None] * lam[None, :], g_noise[0], cuts_g),
            _draw_ordinal(theta1[:, None] * lam[None, :], g_noise[1], cuts_g),
        ]
    )

    # ---------------------------------------------------------------- participation
    g = streams["participation"]
    p_u = g.random((2, n, len(PARTICIPATION)))
    p_gamma = g.gamma(d.hours_shape, (d.hours_mean - 1.0) / d.hours_shape, size=(2, n))
    p_hours = g.poisson(p_gamma)
    pc = d.participation_covariates
    lin = (
        d.participation_efficacy * theta0
        + pc["age"] * age_c
        + pc["schooling"] * (schooling - COVARIATES["schooling"])
        + pc["adl"] * adl
        + p_v[vid]
    )
    logits = {}  # outcome -> (2, n) log-odds
    for k in PARTICIPATION:
        l0 = d.participation_intercepts[k] + lin
        l1 = l0 + d.participation_trend + d.workshop_participation[k] * a
        logits[k] = np.stack([l0, l1])
    knows = (p_u[:, :, 0] < _expit(logits["knows_platform"])).astype(np.int64)
    used = knows * (p_u[:, :, 1] < _expit(logits["used_platform"])).astype(np.int64)
    volunteer = p_u[:, :, 2] < _expit(logits["volunteer"])
    hours = np.where(volunteer, np.minimum(1 + p_hours, 744), 0).astype(np.int64)
    points = hours * d.points_per_hour

    # ---------------------------------------------------------------- attrition
    g = streams["attrition"]
    rate = np.where(treated, d.attrition_workshop, d.attrition_comparison)
    lost = g.random(n) < rate
    if d.waves == 1:
        lost[:] = False  # nobody can be lost without a second wave

    # ---------------------------------------------------------------- missing codes
    g = streams["missing"]
    item_cols = [c for c, _, _ in willingness_columns()] + gses_columns()
    m_u = g.random((2, n, len(item_cols)))
    items = np.concatenate([will, gses], axis=2)
    dk = m_u < d.missing_dont_know
    refused = (m_u >= d.missing_dont_know) & (m_u < d.missing_dont_know + d.missing_refused)
    items = np.where(dk, 98, np.where(refused, 99, items))

    # ---------------------------------------------------------------- the frame
    width_v = max(2, len(str(n_v)))
    width_r = max(3, len(str(int(sizes.max()) if n else 1)))
    ids = np.array(
        [
            f"V{v + 1:0{width_v}d}-{r:0{width_r}d}"
            for v, r in zip(vid.tolist(), number_in_village.tolist(), strict=True)
        ],
        dtype=object,
    )
    arm = np.where(treated, ARMS[0], ARMS[1]).astype(object)
    frames = []
    for t in range(d.waves):
        keep = np.ones(n, dtype=bool) if t == 0 else ~lost
        cols: dict[str, Any] = {
            "resp_id": ids[keep],
            "village": (vid + 1)[keep],
            "arm": arm[keep],
            "wave": np.full(int(keep.sum()), WAVES[t], dtype=object),
        }
        for name in COVARIATES:
            cols[name] = covs[name][keep]
        for j, col in enumerate(item_cols):
            cols[col] = items[t, keep, j]
        cols["knows_platform"] = knows[t, keep]
        cols["used_platform"] = used[t, keep]
        cols["volunteer_hours"] = hours[t, keep]
        cols["timebank_points"] = points[t, keep]
        frames.append(pd.DataFrame(cols))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = frame[col].astype(np.int64)

    # ---------------------------------------------------------------- truth
    truth = _truth(
        d,
        seed,
        n=n,
        sizes=sizes,
        treated_v=treated_v,
        u_v=u_v,
        w_v=w_v,
        p_v=p_v,
        treated=treated,
        lost=lost,
        eta0=eta0,
        eta1=eta1,
        theta1=theta1,
        logits=logits,
        items=items,
        frame=frame,
    )
    return Generated(frame=frame, truth=truth)


def _truth(
    d: SimulationDesign,
    seed: int,
    *,
    n: int,
    sizes: np.ndarray,
    treated_v: np.ndarray,
    u_v: np.ndarray,
    w_v: np.ndarray,
    p_v: np.ndarray,
    treated: np.ndarray,
    lost: np.ndarray,
    eta0: np.ndarray,
    eta1: np.ndarray,
    theta1: np.ndarray,
    logits: dict[str, np.ndarray],
    items: np.ndarray,
    frame: pd.DataFrame,
) -> dict[str, Any]:
    cuts_w = np.asarray(d.thresholds)
    cuts_g = np.asarray(d.gses_thresholds)
    lam = np.asarray(d.gses_loadings)
    circles = list(CIRCLES)
    two = d.waves == 2 and treated.any()

    # Expected willingness means per circle (over respondents and services).
    ew0 = _expected_ordinal(eta0, cuts_w)  # (n, circle, service)
    expected_pre = {c: _r(ew0[:, k, :].mean()) for k, c in enumerate(circles)}
    expected_pre_service = {
        c: {s: _r(ew0[:, k, j].mean()) for j, s in enumerate(SERVICES)}
        for k, c in enumerate(circles)
    }

    # Workshop effects on the scales analyses report (average over the workshop
    # villages' respondents of the expected outcome at "post" with the effect
    # minus without it: the expected average treatment effect on the treated).
    workshop: dict[str, Any] = {
        "efficacy": {"latent": d.workshop_efficacy},
        "willingness": {c: {"latent": d.workshop_willingness[k]} for k, c in enumerate(circles)},
        "participation": {k: {"logit": d.workshop_participation[k]} for k in PARTICIPATION},
    }
    if two:
        tr = treated
        delta_w = np.asarray(d.workshop_willingness)
        e1 = _expected_ordinal(eta1[tr], cuts_w)
        e1_0 = _expected_ordinal(eta1[tr] - delta_w[None, :, None], cuts_w)
        for k, c in enumerate(circles):
            workshop["willingness"][c]["att_mean"] = _r((e1 - e1_0)[:, k, :].mean())
        th = theta1[tr][:, None] * lam[None, :]
        th_0 = (theta1[tr] - d.workshop_efficacy)[:, None] * lam[None, :]
        att_item = (_expected_ordinal(th, cuts_g) - _expected_ordinal(th_0, cuts_g)).mean(axis=1)
        workshop["efficacy"]["att_mean_score"] = _r(att_item.mean())
        workshop["efficacy"]["att_sum_score"] = _r(10 * att_item.mean())
        pk1 = _expit(logits["knows_platform"][1][tr])
        pk0 = _expit(logits["knows_platform"][1][tr] - d.workshop_participation["knows_platform"])
        pu1 = _expit(logits["used_platform"][1][tr])
        pu0 = _expit(logits["used_platform"][1][tr] - d.workshop_participation["used_platform"])
        pv1 = _expit(logits["volunteer"][1][tr])
        pv0 = _expit(logits["volunteer"][1][tr] - d.workshop_participation["volunteer"])
        workshop["participation"]["knows_platform"]["att_risk_difference"] = _r((pk1 - pk0).mean())
        workshop["participation"]["used_platform"]["att_risk_difference"] = _r(
            (pk1 * pu1 - pk0 * pu0).mean()
        )
        workshop["participation"]["volunteer"]["att_risk_difference"] = _r((pv1 - pv0).mean())
        workshop["ripple_widening"] = {
            "latent": _r(d.workshop_willingness[2] - d.workshop_willingness[0]),
            "att_mean": _r(
                workshop["willingness"]["villagers"]["att_mean"]
                - workshop["willingness"]["relatives"]["att_mean"]
            ),
        }

    # Attrition: parameters and what happened.
    realised_attr: dict[str, Any] = {}
    for arm_name, mask in (("workshop", treated), ("comparison", ~treated)):
        n_arm = int(mask.sum())
        n_lost = int((lost & mask).sum())
        realised_attr[arm_name] = {
            "n_baseline": n_arm,
            "n_lost": n_lost,
            "rate": _r(n_lost / n_arm) if n_arm else None,
        }

    # Missing codes: parameters and realised shares among the rows in the data.
    item_cols = [c for c, _, _ in willingness_columns()] + gses_columns()
    block = frame[item_cols].to_numpy()
    n_cells = block.size
    realised_missing = {
        "98": _r((block == 98).sum() / n_cells) if n_cells else None,
        "99": _r((block == 99).sum() / n_cells) if n_cells else None,
    }

    names = village_names(d.n_villages)
    villages = [
        {
            "code": v + 1,
            "name": names[v][0],
            "name_en": names[v][1],
            "arm": ARMS[0] if treated_v[v] else ARMS[1],
            "size": int(sizes[v]),
            "u_willingness": _r(u_v[v]),
            "u_efficacy": _r(w_v[v]),
            "u_participation": _r(p_v[v]),
        }
        for v in range(d.n_villages)
    ]
    logistic_var = math.pi**2 / 3.0
    icc_den = d.sd_village**2 + d.sd_respondent**2 + logistic_var
    return {
        "model": {
            "name": "mutualaid_analysis.simulate_survey",
            "version": MODEL_VERSION,
            "seed": int(seed),
            "description": "See the docstring of mutualaid_analysis.simulate for the formulas.",
        },
        "design": d.to_dict(),
        "willingness": {
            "scale": "latent cumulative-logit scale (P(Y<=k) = logistic(threshold_k - eta))",
            "circle_effects": {c: d.circle_effects[k] for k, c in enumerate(circles)},
            "service_effects": {s: d.service_effects[j] for j, s in enumerate(SERVICES)},
            "thresholds": list(d.thresholds),
            "covariate_effects": dict(d.covariate_effects),
            "covariate_centring": dict(COVARIATES),
            "efficacy_effect": d.efficacy_effect,
            "moderators": {
                "efficacy": {c: d.circle_by_efficacy[k] for k, c in enumerate(circles)},
                "lives_alone": {c: d.circle_by_alone[k] for k, c in enumerate(circles)},
            },
            "sd_village": d.sd_village,
            "sd_respondent": d.sd_respondent,
            "icc_village_latent": _r(d.sd_village**2 / icc_den),
            "icc_respondent_latent": _r((d.sd_village**2 + d.sd_respondent**2) / icc_den),
            "trend": d.willingness_trend,
            "expected_mean_pre": expected_pre,
            "expected_mean_pre_by_service": expected_pre_service,
            "expected_gradient_pre": _r(expected_pre["relatives"] - expected_pre["villagers"]),
        },
        "gses": {
            "scale": "graded response (cumulative logit) on latent self-efficacy theta",
            "items": gses_columns(),
            "loadings": list(d.gses_loadings),
            "thresholds": list(d.gses_thresholds),
            "sd_village": d.efficacy_sd_village,
            "health_weight": d.efficacy_health_corr,
            "trend": d.efficacy_trend,
            "change_sd": d.efficacy_change_sd,
        },
        "participation": {
            "scale": "log-odds",
            "intercepts": dict(d.participation_intercepts),
            "efficacy": d.participation_efficacy,
            "covariates": dict(d.participation_covariates),
            "sd_village": d.participation_sd_village,
            "trend": d.participation_trend,
            "hours_mean_if_volunteer": d.hours_mean,
            "hours_shape": d.hours_shape,
            "points_per_hour": d.points_per_hour,
        },
        "workshop": workshop,
        "attrition": {
            "rate": {"workshop": d.attrition_workshop, "comparison": d.attrition_comparison},
            "realised": realised_attr,
        },
        "missing": {
            "rate": {"98": d.missing_dont_know, "99": d.missing_refused},
            "labels": {"98": "不知道", "99": "拒答"},
            "items": item_cols,
            "realised": realised_missing,
        },
        "sample": {
            "n_villages": d.n_villages,
            "n_workshop_villages": int(treated_v.sum()),
            "n_respondents": n,
            "n_rows": len(frame),
            "waves": list(WAVES[: d.waves]),
            "villages": villages,
        },
    }
