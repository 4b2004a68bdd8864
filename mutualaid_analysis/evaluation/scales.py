"""Multi-item scales: scores (reverse keying, prorating) and reliability.

:func:`score_scale` turns the items of a codebook scale (``scale = "gses"``)
into one score per respondent and wave; :func:`reliability` reports
Cronbach's alpha (with Feldt's confidence interval, as ``psych::alpha``
does), the standardised alpha, McDonald's omega from a one-factor model and
the item statistics (item-rest correlation, alpha if the item is dropped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._params import (
    Seed,
    check_conf_level,
    check_count,
    check_seed,
    describe_seed,
    recorded_seed,
    renamed_arguments,
)
from ..data.scales import (
    SCORE_METHODS,
    ScoreMethod,
    default_min_answered,
    item_range,
    keyed_items,
    reverse_item,
    scale_items,
    score_scale,
    wave_rows,
)
from ..data.survey import Survey
from ..data.waves import resolve_wave
from ..exceptions import UsageError
from ..results import Result, contract_frame

__all__ = [
    "SCORE_METHODS",
    "ReliabilityResult",
    "ScoreMethod",
    "cronbach_alpha",
    "default_min_answered",
    "feldt_ci",
    "item_range",
    "omega_total",
    "one_factor_minres",
    "reliability",
    "reverse_item",
    "score_scale",
]

# --------------------------------------------------------------------------- reliability


def cronbach_alpha(x: np.ndarray) -> float:
    r"""Cronbach's alpha of complete data ``x`` (n × k), from the covariance matrix.

    :math:`\alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr} C}{\mathbf 1' C \mathbf 1}\right)`.
    """
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    if k < 2 or x.shape[0] < 2:
        return math.nan
    c = np.cov(x, rowvar=False)
    total = c.sum()
    if not total > 0:
        return math.nan
    return float(k / (k - 1) * (1 - np.trace(c) / total))


def _standardised_alpha(r: np.ndarray) -> tuple[float, float]:
    k = r.shape[0]
    rbar = (r.sum() - k) / (k * (k - 1))
    return float(k * rbar / (1 + (k - 1) * rbar)), float(rbar)


@renamed_arguments("level")
def feldt_ci(alpha: float, n: int, k: int, *, conf_level: float = 0.95) -> tuple[float, float]:
    r"""Feldt's (1965) F-based confidence interval for Cronbach's alpha.

    :math:`1 - (1 - \alpha) F_{1-p/2}` to :math:`1 - (1 - \alpha) F_{p/2}`,
    with :math:`F \sim F(n - 1, (n - 1)(k - 1))` and :math:`p = 1 -`
    ``conf_level`` (``psych::alpha.ci``).  ``alpha`` is Cronbach's alpha
    (not a significance level); ``level=`` is the deprecated old name of
    ``conf_level``.
    """
    p = 1 - check_conf_level(conf_level)
    d1, d2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(1 - p / 2, d1, d2)
    high = 1 - (1 - alpha) * stats.f.ppf(p / 2, d1, d2)
    return float(low), float(high)


def one_factor_minres(r: np.ndarray) -> np.ndarray:
    """Loadings of a one-factor minimum-residual (unweighted least squares) fit to ``r``.

    Minimises the sum of squared off-diagonal residuals
    :math:`\\sum_{i<j} (r_{ij} - \\lambda_i \\lambda_j)^2`, the criterion of
    ``psych::fa(fm = "minres")``; the sign is chosen so that the loadings sum
    to a positive number.
    """
    r = np.asarray(r, dtype=float)
    k = r.shape[0]
    off = ~np.eye(k, dtype=bool)

    def fun(lam: np.ndarray) -> tuple[float, np.ndarray]:
        resid = np.where(off, r - np.outer(lam, lam), 0.0)
        return float((resid**2).sum() / 2), -2 * resid @ lam

    vals, vecs = np.linalg.eigh(r)
    start = vecs[:, -1] * math.sqrt(max(vals[-1], 1e-6)) * 0.9
    res = optimize.minimize(
        fun,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000},
    )
    lam = res.x
    return -lam if lam.sum() < 0 else lam


def omega_total(loadings: np.ndarray) -> float:
    r"""McDonald's omega total of standardised one-factor loadings.

    :math:`\omega = (\sum\lambda)^2 / ((\sum\lambda)^2 + \sum(1 - \lambda^2))`.
    """
    lam = np.asarray(loadings, dtype=float)
    s = lam.sum() ** 2
    return float(s / (s + (1 - lam**2).sum()))


@dataclass(frozen=True, eq=False)
class ReliabilityResult(Result):
    """Result of :func:`reliability`.

    ``table``: one row per coefficient (``raw_alpha``, ``std_alpha``,
    ``omega_total``, ``average_r``, and the village-bootstrap alpha when asked
    for).  ``tables["items"]``: one row per item.  ``info``: scale, wave,
    items, n complete cases, n with any missing item, villages.
    """

    @property
    def alpha(self) -> float:
        """Cronbach's (raw) alpha."""
        t = self.table
        return float(t.loc[t["term"] == "raw_alpha", "estimate"].iloc[0])

    @property
    def omega(self) -> float:
        """McDonald's omega total (one-factor minres model)."""
        t = self.table
        return float(t.loc[t["term"] == "omega_total", "estimate"].iloc[0])

    @property
    def items(self) -> pd.DataFrame:
        """The item statistics."""
        return self.tables["items"]


@renamed_arguments("level")
def reliability(
    survey: Survey,
    scale: str,
    *,
    wave: Any = "baseline",
    conf_level: float = 0.95,
    n_boot: int = 0,
    seed: Seed = None,
) -> ReliabilityResult:
    """Internal consistency of a multi-item scale: alpha, omega and item statistics.

    Parameters
    ----------
    survey : Survey
    scale : str
        A scale of the codebook.
    wave : optional, default "baseline"
        The wave analysed (the codebook's first by default); ``None`` pools
        the waves (not recommended: repeated respondents).
    conf_level : float, default 0.95
        Confidence level (``level=`` is its deprecated old name).
    n_boot : int, default 0
        Village (cluster) bootstrap replicates for a percentile interval of
        alpha that respects clustering; 0 skips it.
    seed : int, numpy Generator or None, default None
        Seed of the bootstrap (same seed, same table).  None draws a fresh
        seed, recorded in ``info["seed"]`` and the ``method`` text, so the
        run can be repeated.  (Before this release None meant 0.)

    Returns
    -------
    ReliabilityResult
        ``table`` (contract columns plus ``scale``, ``wave``):

        - ``raw_alpha``: Cronbach's alpha from the covariances, with Feldt's
          interval in ``conf_low``/``conf_high`` (``psych::alpha``'s
          "lower alpha upper" Feldt line);
        - ``std_alpha``: alpha from the correlations;
        - ``omega_total``: McDonald's omega from a one-factor minres model;
        - ``average_r``: mean inter-item correlation;
        - ``raw_alpha`` with method "village cluster bootstrap" when
          ``n_boot > 0``.

        ``tables["items"]``: ``item, mean, sd, r_drop`` (item-rest
        correlation: the item against the sum of the other items),
        ``alpha_if_dropped`` (raw alpha without the item), ``loading``
        (standardised one-factor loading), ``reverse``.

    Notes
    -----
    Complete cases: respondents who answered every item of the wave (the
    count with a missing item is in ``info`` and the notes).  Reverse-keyed
    items are flipped first (see :func:`score_scale`).

    .. math::

       \\alpha = \\frac{k}{k-1}\\Big(1 - \\frac{\\sum_j s_j^2}{s_X^2}\\Big),\\quad
       \\alpha_{std} = \\frac{k \\bar r}{1 + (k-1)\\bar r},\\quad
       \\omega_t = \\frac{(\\sum \\lambda_j)^2}{(\\sum\\lambda_j)^2 + \\sum (1-\\lambda_j^2)}

    Feldt's interval: :math:`1 - (1-\\alpha)F_{1-p/2}` to
    :math:`1 - (1-\\alpha)F_{p/2}`, :math:`F(n-1, (n-1)(k-1))`; it assumes
    independent respondents, which villages are not, so the village
    bootstrap (resampling whole villages) is the honest interval when the
    items cluster by village.  Alpha and omega treat the 1-4 answers as
    interval scores (Pearson correlations).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. Psychometrika, 16(3), 297-334.
    Feldt, L. S. (1965). The approximate sampling distribution of
    Kuder-Richardson reliability coefficient twenty. Psychometrika, 30(3),
    357-370.
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric,
    and Personality Research (R package 2.2.9), ``alpha`` and ``fa``.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> rel = ma.reliability(ma.load_sample(), "gses")  # doctest: +SKIP
    >>> rel.alpha, rel.omega  # doctest: +SKIP
    """
    level = check_conf_level(conf_level)
    n_boot = check_count(n_boot, "n_boot", minimum=0)
    seed = check_seed(seed)
    items = scale_items(survey, scale)
    k = len(items)
    if k < 2:
        raise UsageError(f"scale {scale!r} has {k} item; reliability needs at least 2.")
    wave_value = resolve_wave(survey, wave)
    frame = wave_rows(survey, wave_value).reset_index(drop=True)
    x_all = keyed_items(survey, items, frame)
    complete = ~np.isnan(x_all).any(axis=1)
    x = x_all[complete]
    n = int(x.shape[0])
    n_incomplete = int((~complete).sum())
    if n < 3:
        raise UsageError(
            f"scale {scale!r} has {n} complete cases in wave {wave_value!r}; "
            "reliability needs at least 3."
        )
    sd = x.std(axis=0, ddof=1)
    if np.any(sd == 0):
        const = [items[j].name for j in np.flatnonzero(sd == 0)]
        raise UsageError(
            f"items {const} have no variance among the {n} complete cases; "
            "drop them from the scale before computing reliability."
        )
    alpha = cronbach_alpha(x)
    r = np.corrcoef(x, rowvar=False)
    std_alpha, rbar = _standardised_alpha(r)
    low, high = feldt_ci(alpha, n, k, conf_level=level)
    lam = one_factor_minres(r)
    omega = omega_total(lam)

    total = x.sum(axis=1)
    item_rows = []
    for j, var in enumerate(items):
        rest = total - x[:, j]
        keep = np.delete(x, j, axis=1)
        item_rows.append(
            {
                "item": var.name,
                "mean": float(x[:, j].mean()),
                "sd": float(sd[j]),
                "r_drop": float(np.corrcoef(x[:, j], rest)[0, 1]),
                "alpha_if_dropped": cronbach_alpha(keep),
                "loading": float(lam[j]),
                "reverse": bool(var.reverse),
            }
        )
    items_table = pd.DataFrame(item_rows)

    ccol = survey.codebook.survey.cluster
    clusters = frame[ccol].to_numpy()[complete] if ccol and ccol in frame else None
    n_villages = int(pd.Series(clusters).nunique()) if clusters is not None else None
    pct = f"{level:.0%}"
    rows: list[dict[str, Any]] = [
        {
            "term": "raw_alpha",
            "estimate": alpha,
            "conf_low": low,
            "conf_high": high,
            "n": n,
            "method": f"Cronbach's alpha (covariances); Feldt {pct} CI",
        },
        {
            "term": "std_alpha",
            "estimate": std_alpha,
            "n": n,
            "method": "standardised alpha (correlations)",
        },
        {
            "term": "omega_total",
            "estimate": omega,
            "n": n,
            "method": "McDonald's omega total, one-factor minres loadings",
        },
        {"term": "average_r", "estimate": rbar, "n": n, "method": "mean inter-item correlation"},
    ]
    notes = [
        f"{n} complete cases (every item of {scale!r} answered); {n_incomplete} respondents "
        "with a missing item left out.",
        "Feldt's interval assumes independent respondents; respondents cluster in villages"
        + (
            " (see the village bootstrap row)."
            if n_boot
            else "; pass n_boot= for a village bootstrap interval."
        ),
    ]
    if n_boot:
        if clusters is None:
            raise UsageError("n_boot > 0 needs the village column ([survey] cluster).")
        boot = _cluster_bootstrap_alpha(x, clusters, n_boot, seed)
        ok = boot[np.isfinite(boot)]
        p = (1 - level) / 2
        rows.append(
            {
                "term": "raw_alpha",
                "estimate": alpha,
                "std_error": float(ok.std(ddof=1)),
                "conf_low": float(np.quantile(ok, p)),
                "conf_high": float(np.quantile(ok, 1 - p)),
                "n": n,
                "method": f"village cluster bootstrap percentile {pct} CI "
                f"({n_boot} replicates, seed {describe_seed(seed)})",
            }
        )
    table = contract_frame(rows, id_columns=["scale", "wave"])
    table["scale"] = scale
    table["wave"] = wave_value
    label = survey.codebook.scales.get(scale, {}).get("label_en") or scale
    return ReliabilityResult(
        table=table,
        title=f"Reliability of {label} ({k} items, wave {wave_value}, n = {n})",
        notes=tuple(notes),
        tables={"items": items_table},
        info={
            "scale": scale,
            "wave": wave_value,
            "items": [v.name for v in items],
            "nobs": n,  # respondents who answered every item
            "n_complete": n,
            "n_incomplete": n_incomplete,
            "n_villages": n_villages,
            "seed": recorded_seed(seed) if n_boot else None,
        },
    )


def _cluster_bootstrap_alpha(
    x: np.ndarray, clusters: np.ndarray, n_boot: int, seed: Any
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes, inverse = np.unique(clusters.astype(str), return_inverse=True)
    groups = [np.flatnonzero(inverse == g) for g in range(len(codes))]
    out = np.empty(n_boot)
    for b in range(n_boot):
        pick = rng.integers(0, len(groups), len(groups))
        idx = np.concatenate([groups[g] for g in pick])
        out[b] = cronbach_alpha(x[idx])
    return out
