"""The design of a simulated survey: every parameter, its default and its check.

:class:`SimulationDesign` holds the arguments of
:func:`~mutualaid_analysis.simulate.simulate_survey` other than the seed.  The
model they enter is written out as formulas in :mod:`mutualaid_analysis.simulate`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..exceptions import UsageError

__all__ = [
    "CIRCLES",
    "COVARIATES",
    "MAX_RESPONDENTS",
    "PARTICIPATION",
    "SERVICES",
    "SimulationDesign",
    "design_from_kwargs",
]

#: Social circles, nearest first (the order of every per-circle parameter).
CIRCLES: tuple[str, ...] = ("relatives", "friends", "villagers")
#: Services, the first is the reference (the order of ``service_effects``).
SERVICES: tuple[str, ...] = ("daily_care", "emotional_support", "chores")
#: Covariates of the willingness model, with the value they are centred at.
COVARIATES: dict[str, float] = {
    "age": 70.0,
    "sex": 0.0,
    "schooling": 6.0,
    "lives_alone": 0.0,
    "n_migrated": 1.0,
    "health": 3.0,
    "adl": 0.0,
}
#: Participation outcomes (binary, logit scale), in the order they are drawn.
PARTICIPATION: tuple[str, ...] = ("knows_platform", "used_platform", "volunteer")
#: Participation covariates (same centring as :data:`COVARIATES`).
PARTICIPATION_COVARIATES: tuple[str, ...] = ("age", "schooling", "adl")
#: Largest number of respondents a simulation may have (memory guard).
MAX_RESPONDENTS = 2_000_000


def _default_covariates() -> dict[str, float]:
    return {
        "age": -0.02,
        "sex": 0.10,
        "schooling": 0.03,
        "lives_alone": -0.20,
        "n_migrated": -0.05,
        "health": 0.15,
        "adl": -0.40,
    }


def _default_participation_intercepts() -> dict[str, float]:
    return {"knows_platform": 0.0, "used_platform": -0.5, "volunteer": -1.0}


def _default_participation_covariates() -> dict[str, float]:
    return {"age": -0.02, "schooling": 0.05, "adl": -0.60}


def _default_workshop_participation() -> dict[str, float]:
    return {"knows_platform": 1.0, "used_platform": 0.6, "volunteer": 0.6}


@dataclass(frozen=True)
class SimulationDesign:
    """Parameters of the generative model (all have defaults).

    Latent-scale parameters are on the logit scale of a cumulative logit
    model (the latent error is standard logistic, variance pi^2/3).  Tuples
    "per circle" are in the order relatives (亲属), friends (朋友), other
    villagers (其他村民); their first entry is the reference and must be 0
    where noted.  Covariates are centred (age at 70, schooling at 6 years,
    health at 3, migrated children at 1; binary ones at 0) so that the
    thresholds describe a 70-year-old man with 6 years of schooling, fair
    health, one migrated child, not living alone and without ADL limitation.

    Parameters
    ----------
    n_villages : int, default 12
        Number of villages (clusters).
    per_village : int, default 40
        Respondents per village (the mean when ``village_size="poisson"``).
    village_size : {"fixed", "poisson"}, default "fixed"
        ``"fixed"``: every village has ``per_village`` respondents;
        ``"poisson"``: each has ``max(1, Poisson(per_village))``.
    treated_share : float, default 0.5
        Share of villages that run the workshop (rounded half up to a whole
        number of villages, assigned at random).
    waves : {1, 2}, default 2
        1: a cross-section ("pre" only); 2: a panel "pre" and "post".
    circle_effects : tuple of 3 float, default (0.0, -1.0, -2.0)
        Latent willingness of each circle relative to relatives (first 0).
        Decreasing values are the differential mode of association.
    service_effects : tuple of 3 float, default (0.0, 0.4, 0.2)
        Latent willingness of daily care, emotional support and chores,
        relative to daily care (first 0).
    thresholds : tuple of 4 float, default (-3.5, -2.5, -1.0, 0.5)
        Cut-points of the 5-point willingness items (increasing):
        ``P(Y <= k) = logistic(thresholds[k-1] - eta)``.
    covariate_effects : dict, optional
        Latent effects of the (centred) covariates ``age`` (per year),
        ``sex`` (female), ``schooling`` (per year), ``lives_alone``,
        ``n_migrated`` (per child), ``health`` (per point of the 1-5 self
        rating) and ``adl`` (limitation).  Keys given replace the defaults
        (-0.02, 0.10, 0.03, -0.20, -0.05, 0.15, -0.40); keys left out keep them.
    efficacy_effect : float, default 0.3
        Latent effect of baseline self-efficacy (per unit of the trait) on
        willingness toward every circle.
    circle_by_efficacy : tuple of 3 float, default (0.0, 0.15, 0.30)
        Moderator: extra effect of self-efficacy on each circle (first 0).
        Positive values flatten the gradient for villagers with higher
        self-efficacy (their ripple reaches further).
    circle_by_alone : tuple of 3 float, default (0.0, 0.25, 0.50)
        Moderator: extra effect of living alone on each circle (first 0).
        Positive values flatten the gradient for those living alone.
    sd_village : float, default 0.4
        SD of the village random intercept in willingness (latent scale).
    sd_respondent : float, default 1.0
        SD of the respondent random intercept in willingness, shared by all
        items and both waves.
    willingness_trend : float, default 0.1
        Latent change in willingness from "pre" to "post" in every village.
    workshop_willingness : tuple of 3 float, default (0.1, 0.3, 0.5)
        Workshop effect on latent willingness at "post", per circle.  A
        larger effect on far circles widens the ripple.
    gses_loadings : tuple of 10 float, default (1.6, 1.9, 1.7, 2.1, 1.8, 1.5, 2.0, 1.9, 1.7, 1.8)
        Discriminations (loadings on the latent trait) of GSES items 1-10.
    gses_thresholds : tuple of 3 float, default (-2.0, 0.0, 2.0)
        Cut-points of the 4-point GSES items (increasing).
    efficacy_sd_village : float, default 0.3
        SD of the village effect in self-efficacy.
    efficacy_health_corr : float, default 0.3
        Weight of latent health in self-efficacy (its correlation with latent
        health within a village, up to the age gradient of health).
    efficacy_trend : float, default 0.05
        Change of self-efficacy from "pre" to "post" in every village.
    efficacy_change_sd : float, default 0.3
        SD of individual change in self-efficacy between waves.
    workshop_efficacy : float, default 0.4
        Workshop effect on latent self-efficacy at "post".
    participation_intercepts : dict, optional
        Baseline log-odds of ``knows_platform``, ``used_platform`` (among
        those who know the platform) and ``volunteer`` (any volunteer hours
        last month); defaults 0.0, -0.5, -1.0.
    participation_efficacy : float, default 0.5
        Log-odds effect of baseline self-efficacy on every participation outcome.
    participation_covariates : dict, optional
        Log-odds effects of centred ``age``, ``schooling`` and ``adl`` on every
        participation outcome; defaults -0.02, 0.05, -0.60.
    participation_sd_village : float, default 0.5
        SD of the village effect in participation (log-odds).
    participation_trend : float, default 0.1
        Change in the log-odds of every participation outcome at "post".
    workshop_participation : dict, optional
        Workshop effect on the log-odds of ``knows_platform``,
        ``used_platform`` and ``volunteer`` at "post"; defaults 1.0, 0.6, 0.6.
    hours_mean : float, default 8.0
        Mean volunteer hours last month among volunteers (at least 1).
    hours_shape : float, default 2.0
        Gamma shape of the hours' heterogeneity (smaller = more skewed).
    points_per_hour : int, default 10
        Time-bank points credited per volunteer hour.
    attrition_workshop, attrition_comparison : float, default 0.08, 0.12
        Probability that a respondent of a workshop / comparison village is
        lost between "pre" and "post" (at random within the arm).
    missing_dont_know, missing_refused : float, default 0.02, 0.01
        Probability that a willingness or GSES answer is recorded as 98
        (不知道, don't know) / 99 (拒答, refused), independently per cell.
    """

    n_villages: int = 12
    per_village: int = 40
    village_size: Literal["fixed", "poisson"] = "fixed"
    treated_share: float = 0.5
    waves: int = 2
    circle_effects: tuple[float, ...] = (0.0, -1.0, -2.0)
    service_effects: tuple[float, ...] = (0.0, 0.4, 0.2)
    thresholds: tuple[float, ...] = (-3.5, -2.5, -1.0, 0.5)
    covariate_effects: Mapping[str, float] = field(default_factory=_default_covariates)
    efficacy_effect: float = 0.3
    circle_by_efficacy: tuple[float, ...] = (0.0, 0.15, 0.30)
    circle_by_alone: tuple[float, ...] = (0.0, 0.25, 0.50)
    sd_village: float = 0.4
    sd_respondent: float = 1.0
    willingness_trend: float = 0.1
    workshop_willingness: tuple[float, ...] = (0.1, 0.3, 0.5)
    gses_loadings: tuple[float, ...] = (1.6, 1.9, 1.7, 2.1, 1.8, 1.5, 2.0, 1.9, 1.7, 1.8)
    gses_thresholds: tuple[float, ...] = (-2.0, 0.0, 2.0)
    efficacy_sd_village: float = 0.3
    efficacy_health_corr: float = 0.3
    efficacy_trend: float = 0.05
    efficacy_change_sd: float = 0.3
    workshop_efficacy: float = 0.4
    participation_intercepts: Mapping[str, float] = field(
        default_factory=_default_participation_intercepts
    )
    participation_efficacy: float = 0.5
    participation_covariates: Mapping[str, float] = field(
        default_factory=_default_participation_covariates
    )
    participation_sd_village: float = 0.5
    participation_trend: float = 0.1
    workshop_participation: Mapping[str, float] = field(
        default_factory=_default_workshop_participation
    )
    hours_mean: float = 8.0
    hours_shape: float = 2.0
    points_per_hour: int = 10
    attrition_workshop: float = 0.08
    attrition_comparison: float = 0.12
    missing_dont_know: float = 0.02
    missing_refused: float = 0.01

    def __post_init__(self) -> None:
        _validate(self)

    # ------------------------------------------------------------ helpers
    @property
    def n_treated(self) -> int:
        """Number of workshop villages: ``treated_share * n_villages`` rounded half up."""
        return int(math.floor(self.treated_share * self.n_villages + 0.5))

    def to_dict(self) -> dict[str, Any]:
        """The design as plain JSON-serialisable values (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            val = getattr(self, f.name)
            if isinstance(val, tuple):
                val = [float(x) for x in val]
            elif isinstance(val, Mapping):
                val = {k: float(v) for k, v in val.items()}
            out[f.name] = val
        return out


# --------------------------------------------------------------------------- checks

_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(SimulationDesign))

_TUPLE_LEN = {
    "circle_effects": 3,
    "service_effects": 3,
    "thresholds": 4,
    "circle_by_efficacy": 3,
    "circle_by_alone": 3,
    "workshop_willingness": 3,
    "gses_loadings": 10,
    "gses_thresholds": 3,
}
_REFERENCE_FIRST = ("circle_effects", "service_effects", "circle_by_efficacy", "circle_by_alone")
_INCREASING = ("thresholds", "gses_thresholds")
_MAPPING_KEYS: dict[str, tuple[str, ...]] = {
    "covariate_effects": tuple(COVARIATES),
    "participation_intercepts": PARTICIPATION,
    "participation_covariates": PARTICIPATION_COVARIATES,
    "workshop_participation": PARTICIPATION,
}
_NON_NEGATIVE = (
    "sd_village",
    "sd_respondent",
    "efficacy_sd_village",
    "efficacy_change_sd",
    "participation_sd_village",
)
_FLOATS = (
    "efficacy_effect",
    "willingness_trend",
    "efficacy_trend",
    "workshop_efficacy",
    "participation_efficacy",
    "participation_trend",
    *_NON_NEGATIVE,
)


def _scalar(x: Any) -> Any:
    """A numpy scalar as the Python scalar (so np.int64(3) counts as a whole number)."""
    if hasattr(x, "dtype") and getattr(x, "ndim", None) == 0:
        return x.item()
    return x


def _is_number(x: Any) -> bool:
    x = _scalar(x)
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _is_int(x: Any) -> bool:
    x = _scalar(x)
    return isinstance(x, int) and not isinstance(x, bool)


def _validate(d: SimulationDesign) -> None:
    """Check every field; raise one UsageError listing every mistake, with converted values."""
    msgs: list[str] = []
    setattr_ = object.__setattr__

    for name in ("n_villages", "per_village"):
        val = getattr(d, name)
        if not _is_int(val) or int(val) < 1:
            msgs.append(f"{name} must be a whole number >= 1; got {val!r}.")
        else:
            setattr_(d, name, int(val))
    if d.village_size not in ("fixed", "poisson"):
        msgs.append(f"village_size must be 'fixed' or 'poisson'; got {d.village_size!r}.")
    if not _is_number(d.treated_share) or not 0.0 <= float(d.treated_share) <= 1.0:
        msgs.append(f"treated_share must be a number in [0, 1]; got {d.treated_share!r}.")
    else:
        setattr_(d, "treated_share", float(d.treated_share))
    if not _is_int(d.waves) or int(d.waves) not in (1, 2):
        msgs.append(f"waves must be 1 (pre only) or 2 (pre and post); got {d.waves!r}.")
    else:
        setattr_(d, "waves", int(d.waves))

    for name, n in _TUPLE_LEN.items():
        val = getattr(d, name)
        if isinstance(val, str | bytes | Mapping) or not hasattr(val, "__iter__"):
            msgs.append(f"{name} must be a sequence of {n} numbers; got {val!r}.")
            continue
        items = list(val)
        if len(items) != n or not all(_is_number(x) for x in items):
            msgs.append(f"{name} must be a sequence of {n} finite numbers; got {val!r}.")
            continue
        tup = tuple(float(x) for x in items)
        if name in _REFERENCE_FIRST and tup[0] != 0.0:
            what = "relatives" if name != "service_effects" else "daily care"
            msgs.append(
                f"{name}[0] is the reference ({what}) and must be 0; got {tup[0]!r}. "
                "Shift all values so that the first is 0."
            )
        if name in _INCREASING and any(b <= a for a, b in zip(tup, tup[1:], strict=False)):
            msgs.append(f"{name} must be strictly increasing; got {list(tup)}.")
        if name == "gses_loadings" and any(x <= 0 for x in tup):
            msgs.append(f"gses_loadings must all be positive; got {list(tup)}.")
        setattr_(d, name, tup)

    defaults = {
        "covariate_effects": _default_covariates(),
        "participation_intercepts": _default_participation_intercepts(),
        "participation_covariates": _default_participation_covariates(),
        "workshop_participation": _default_workshop_participation(),
    }
    for name, keys in _MAPPING_KEYS.items():
        val = getattr(d, name)
        if not isinstance(val, Mapping):
            msgs.append(f"{name} must be a dict with keys among {', '.join(keys)}; got {val!r}.")
            continue
        merged = dict(defaults[name])
        for key, x in val.items():
            if key not in keys:
                near = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                msgs.append(f"{name} has no key {key!r}.{hint} Known: {', '.join(keys)}.")
            elif not _is_number(x):
                msgs.append(f"{name}[{key!r}] must be a finite number; got {x!r}.")
            else:
                merged[key] = float(x)
        setattr_(d, name, {k: merged[k] for k in keys})

    for name in _FLOATS:
        val = getattr(d, name)
        if not _is_number(val):
            msgs.append(f"{name} must be a finite number; got {val!r}.")
            continue
        if name in _NON_NEGATIVE and float(val) < 0:
            msgs.append(f"{name} is a standard deviation and must be >= 0; got {val!r}.")
            continue
        setattr_(d, name, float(val))
    if not _is_number(d.efficacy_health_corr) or not -1.0 < float(d.efficacy_health_corr) < 1.0:
        msgs.append(
            f"efficacy_health_corr must be a number in (-1, 1); got {d.efficacy_health_corr!r}."
        )
    else:
        setattr_(d, "efficacy_health_corr", float(d.efficacy_health_corr))

    if not _is_number(d.hours_mean) or float(d.hours_mean) < 1.0 or float(d.hours_mean) > 200:
        msgs.append(f"hours_mean must be a number in [1, 200]; got {d.hours_mean!r}.")
    else:
        setattr_(d, "hours_mean", float(d.hours_mean))
    if not _is_number(d.hours_shape) or float(d.hours_shape) <= 0:
        msgs.append(f"hours_shape must be a number > 0; got {d.hours_shape!r}.")
    else:
        setattr_(d, "hours_shape", float(d.hours_shape))
    if not _is_int(d.points_per_hour) or not 0 <= int(d.points_per_hour) <= 1000:
        msgs.append(
            f"points_per_hour must be a whole number in [0, 1000]; got {d.points_per_hour!r}."
        )
    else:
        setattr_(d, "points_per_hour", int(d.points_per_hour))

    for name in ("attrition_workshop", "attrition_comparison"):
        val = getattr(d, name)
        if not _is_number(val) or not 0.0 <= float(val) < 1.0:
            msgs.append(f"{name} must be a probability in [0, 1); got {val!r}.")
        else:
            setattr_(d, name, float(val))
    rates_ok = True
    for name in ("missing_dont_know", "missing_refused"):
        val = getattr(d, name)
        if not _is_number(val) or not 0.0 <= float(val) <= 0.5:
            msgs.append(f"{name} must be a probability in [0, 0.5]; got {val!r}.")
            rates_ok = False
        else:
            setattr_(d, name, float(val))
    if rates_ok and d.missing_dont_know + d.missing_refused > 0.5:
        msgs.append(
            "missing_dont_know + missing_refused must be at most 0.5 (at least half of the "
            f"answers observed); got {d.missing_dont_know + d.missing_refused:g}."
        )

    if not msgs and d.village_size == "fixed" and d.n_villages * d.per_village > MAX_RESPONDENTS:
        msgs.append(
            f"n_villages * per_village = {d.n_villages * d.per_village:,} respondents is more "
            f"than the {MAX_RESPONDENTS:,} a simulation may have."
        )
    if (
        not msgs
        and d.village_size == "poisson"
        and d.n_villages * d.per_village > 0.9 * (MAX_RESPONDENTS)
    ):
        msgs.append(
            f"n_villages * per_village = {d.n_villages * d.per_village:,} respondents is too "
            f"close to the {MAX_RESPONDENTS:,} a simulation may have."
        )
    if msgs:
        if len(msgs) == 1:
            raise UsageError(f"Invalid simulation design: {msgs[0]}")
        raise UsageError("Invalid simulation design:\n" + "\n".join(f"  - {m}" for m in msgs))


def design_from_kwargs(design: Mapping[str, Any]) -> SimulationDesign:
    """Build a :class:`SimulationDesign` from keyword arguments, naming unknown ones.

    Raises
    ------
    UsageError
        For an unknown parameter (with the closest known name) or any
        invalid value (all listed at once).
    """
    unknown = [k for k in design if k not in _FIELD_NAMES]
    if unknown:
        parts = []
        for key in unknown:
            near = difflib.get_close_matches(str(key), _FIELD_NAMES, n=1, cutoff=0.6)
            parts.append(f"{key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        raise UsageError(
            f"unknown simulation parameter{'s' * (len(unknown) > 1)} {', '.join(parts)}. "
            f"Known: {', '.join(_FIELD_NAMES)}."
        )
    return SimulationDesign(**design)
