r"""Simulated village surveys whose truth is known.

:func:`simulate_survey` draws a survey of older villagers from the
generative model below and returns it as a validated
:class:`~mutualaid_analysis.data.survey.Survey` together with its ``truth``;
:func:`write_simulation` (and ``mutualaid simulate``) writes the data file,
the codebook and ``truth.json``.  Every parameter has a default
(:class:`SimulationDesign`); the same seed gives the same survey, byte for
byte in the CSV, on every platform.

The model
---------
Indices: village :math:`v = 1..V`, respondent :math:`i` (in village
:math:`v(i)`), wave :math:`t \in \{0 = \text{pre}, 1 = \text{post}\}`, circle
:math:`c` (relatives 亲属, friends 朋友, other villagers 其他村民), service
:math:`s` (daily care 生活照料, emotional support 精神慰藉, chores 家务帮助),
GSES item :math:`j = 1..10`.  :math:`\operatorname{logistic}(x) = 1/(1+e^{-x})`;
:math:`\varepsilon` is a standard logistic error, independent everywhere.

**Villages.**  ``round(treated_share * V)`` villages, chosen at random, run the
workshop (:math:`A_v = 1`, arm ``"workshop"``); the others are comparison
villages (``"comparison"``).  Sizes :math:`n_v` = ``per_village`` or
:math:`\max(1, \text{Poisson}(\text{per\_village}))`.  Village effects
:math:`u_v \sim N(0, \sigma_u^2)` (willingness, ``sd_village``),
:math:`w_v \sim N(0, \sigma_w^2)` (self-efficacy, ``efficacy_sd_village``),
:math:`p_v \sim N(0, \sigma_p^2)` (participation, ``participation_sd_village``).

**Covariates** (time-constant, fixed by the model):

* age :math:`= 60 + \lfloor 36 B \rfloor`, :math:`B \sim \text{Beta}(1.6, 3.4)`
  (60-95, mean about 71.5);
* sex (1 = female) :math:`\sim \text{Bernoulli}(0.52)`;
* schooling :math:`= \text{clip}(\text{round}(7 - 0.12(\text{age}-70) - 2\,\text{sex}
  + 3.5 Z), 0, 16)` years;
* lives alone :math:`\sim \text{Bernoulli}(\operatorname{logistic}(-1.6 + 0.05(\text{age}-70)))`;
* migrated children :math:`= \min(\text{Poisson}(1.3), 6)`;
* latent health :math:`h_i = -0.03(\text{age}-70) + Z`; self-rated health
  (1 很差 .. 5 很好) :math:`= 1 + \#\{k: h_i > (-1.8, -0.8, 0.3, 1.4)_k\}`;
* ADL limitation :math:`\sim \text{Bernoulli}(\operatorname{logistic}(-2.2 + 0.07(\text{age}-70) - 0.6 h_i))`.

:math:`x_i` denotes the centred covariates (age - 70, sex, schooling - 6,
lives alone, migrated - 1, health - 3, ADL) and :math:`\beta` their
``covariate_effects``.

**Self-efficacy** (latent trait, unit variance within a village at baseline
up to the age gradient of health; :math:`\rho` = ``efficacy_health_corr``):

.. math::

   \theta_{i0} = w_{v} + \rho h_i + \sqrt{1-\rho^2}\, Z_i, \qquad
   \theta_{i1} = \theta_{i0} + \tau_\theta + \delta_\theta A_v + \sigma_\Delta Z'_i

with trend :math:`\tau_\theta` (``efficacy_trend``), workshop effect
:math:`\delta_\theta` (``workshop_efficacy``), change SD :math:`\sigma_\Delta`.

**GSES items** (1 完全不正确 .. 4 完全正确; graded response model with
loadings :math:`\lambda_j` = ``gses_loadings`` and cut-points :math:`\kappa`
= ``gses_thresholds``):
:math:`Y^{G}_{ijt} = 1 + \#\{k: \lambda_j \theta_{it} + \varepsilon_{ijt} > \kappa_k\}`.

**Willingness** (1 非常不愿意 .. 5 非常愿意, cumulative logit with
cut-points :math:`\tau_1<\dots<\tau_4` = ``thresholds``):

.. math::

   \eta_{icst} = \alpha_c + \gamma_s + x_i'\beta + \kappa\,\theta_{i0}
     + \mu^{\theta}_c \theta_{i0} + \mu^{\text{alone}}_c \text{alone}_i
     + u_v + b_i + t\,(\tau_W + \delta_c A_v),

   P(Y_{icst} \le k) = \operatorname{logistic}(\tau_k - \eta_{icst}),

with circle effects :math:`\alpha` (``circle_effects``, relatives = 0),
service effects :math:`\gamma` (``service_effects``, daily care = 0),
:math:`\kappa` = ``efficacy_effect``, the moderators :math:`\mu^\theta`
(``circle_by_efficacy``) and :math:`\mu^\text{alone}` (``circle_by_alone``;
both relatives = 0, positive values flatten the gradient), the respondent
effect :math:`b_i \sim N(0, \sigma_b^2)` (``sd_respondent``, shared by all
items and waves), trend :math:`\tau_W` and the workshop effect per circle
:math:`\delta_c` (``workshop_willingness``; larger for far circles = a wider
ripple).  Willingness depends on *baseline* self-efficacy, so the workshop's
effect on willingness is :math:`\delta_c` alone (not mediated).

**Participation** (binary, log-odds; :math:`\pi` = ``participation_efficacy``,
:math:`\beta^P` = ``participation_covariates`` on centred age, schooling, ADL):

.. math::

   \ell_{ikt} = a_k + \pi\,\theta_{i0} + x_i^{P\prime}\beta^P + p_v
     + t\,(\tau_P + \delta^P_k A_v),\quad k \in \{\text{knows}, \text{used}, \text{volunteer}\}

knows the platform :math:`\sim \text{Bernoulli}(\operatorname{logistic}(\ell_{\text{knows}}))`;
has used it = knows × Bernoulli(logistic(:math:`\ell_\text{used}`));
volunteered = Bernoulli(logistic(:math:`\ell_\text{volunteer}`)); volunteer
hours last month = 0, or :math:`1 + \text{Poisson}(G)`,
:math:`G \sim \text{Gamma}(\text{hours\_shape}, (\text{hours\_mean}-1)/\text{hours\_shape})`
(capped at 744) for volunteers; time-bank points = ``points_per_hour`` × hours.

**Attrition and missing codes.**  A baseline respondent is lost before
"post" with probability ``attrition_workshop`` or ``attrition_comparison``
by arm (missing completely at random within the arm); lost respondents
appear at "pre" only.  Every willingness and GSES answer is replaced by 98
(不知道) with probability ``missing_dont_know`` and by 99 (拒答) with
probability ``missing_refused``.

The truth
---------
``truth`` (also ``truth.json``) holds every parameter on the scale an
analysis reports: latent (cumulative-logit) circle, service, covariate and
moderator effects, thresholds, random-effect SDs and latent ICCs; the
expected mean willingness per circle at baseline (over this sample's
respondents); the workshop effects both as parameters and as expected
average effects on the treated on the observed scales (Likert mean per
circle, GSES mean and sum score, risk differences of participation), which a
difference-in-differences of means estimates; attrition and missing-code
rates (given and realised); GSES loadings and thresholds; and the villages
with their arms, sizes and random effects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .._params import check_seed
from .design import CIRCLES, SERVICES, SimulationDesign, design_from_kwargs
from .model import MODEL_VERSION, generate

if TYPE_CHECKING:  # pragma: no cover
    from ..data.survey import Survey

__all__ = [
    "CIRCLES",
    "MODEL_VERSION",
    "SERVICES",
    "Simulation",
    "SimulationDesign",
    "simulate_survey",
    "write_simulation",
]


class Simulation(NamedTuple):
    """A simulated survey and its truth: ``survey, truth = simulate_survey(seed=1)``.

    Attributes
    ----------
    survey : Survey
        The validated survey (data, codebook, ledger, ...).
    truth : dict
        Every parameter and realised sample fact, JSON-serialisable.
    """

    survey: Survey
    truth: dict[str, Any]


def _simulate(seed: Any, design: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """(raw frame with codes, codebook, truth) -- shared by the function and the files."""
    from .layout import survey_codebook

    seed = check_seed(seed, integer_only=True)
    d = design_from_kwargs(design)
    gen = generate(d, seed)
    cb = survey_codebook(d.n_villages, d.waves, seed)
    return gen.frame, cb, gen.truth


def simulate_survey(*, seed: int = 0, **design: Any) -> Simulation:
    """Draw a village survey from the documented model; return it with its truth.

    Parameters
    ----------
    seed : int, default 0
        Non-negative integer; the same seed and design give the same survey
        on every platform.
    **design
        Any parameter of :class:`SimulationDesign` (all have defaults):
        ``n_villages=12``, ``per_village=40``, ``village_size="fixed"``,
        ``treated_share=0.5``, ``waves=2``, ``circle_effects=(0, -1, -2)``,
        ``workshop_willingness=(0.1, 0.3, 0.5)``, ``attrition_workshop=0.08``,
        ``attrition_comparison=0.12``, ``missing_dont_know=0.02``,
        ``missing_refused=0.01``, ... (see its docstring and the model in
        :mod:`mutualaid_analysis.simulate`).

    Returns
    -------
    Simulation
        ``(survey, truth)``: the validated
        :class:`~mutualaid_analysis.data.survey.Survey` (missing codes 98/99
        are ``<NA>`` in ``survey.data`` and counted in
        ``survey.missing_counts``) and the truth dict.

    Raises
    ------
    UsageError
        For an unknown parameter or an invalid value (all listed at once).

    Examples
    --------
    >>> from mutualaid_analysis.simulate import simulate_survey
    >>> survey, truth = simulate_survey(seed=1, n_villages=4, per_village=10)
    >>> sorted(survey.data["arm"].unique())
    ['comparison', 'workshop']
    >>> truth["willingness"]["circle_effects"]
    {'relatives': 0.0, 'friends': -1.0, 'villagers': -2.0}
    """
    from ..data.survey import from_frame

    frame, cb, truth = _simulate(seed, design)
    survey = from_frame(frame, cb, name=f"simulate_survey(seed={truth['model']['seed']})")
    return Simulation(survey, truth)


def write_simulation(
    out: Any,
    *,
    seed: int = 0,
    format: str = "csv",
    export: bool = False,
    force: bool = False,
    **design: Any,
) -> dict[str, Any]:
    """Simulate a survey and write its files (what ``mutualaid simulate`` does).

    Parameters
    ----------
    out : str or path
        Output folder.  Created if absent; an existing non-empty folder is
        refused unless ``force``.
    seed : int, default 0
    format : {"csv", "xlsx", "sav", "dta"}, default "csv"
        Format of the data file ``village_survey.<ext>`` (long form, one row
        per respondent and wave, codes with 98/99).  Only CSV is byte-for-byte
        reproducible (the others embed timestamps).
    export : bool, default False
        Also write ``village_export_gb18030.csv`` (baseline of villages 1-2 as a
        survey platform exports it: GB18030, Chinese headers, text answers)
        and its ``export_codebook.toml``.
    force : bool, default False
        Write into an existing non-empty folder, replacing files of the
        same names (other files are left alone).
    **design
        Parameters of :class:`SimulationDesign`.

    Returns
    -------
    dict
        File role (``"survey"``, ``"codebook"``, ``"truth"``, and with
        ``export`` also ``"export"``, ``"export_codebook"``) -> path.

    Notes
    -----
    All files are written to a temporary folder beside ``out`` first and
    moved into place only when every one is complete, so a failure leaves
    no partial output: a new folder appears whole (one rename); with
    ``force`` each file is replaced whole (one rename per file).
    """
    from .files import check_format, write_files

    check_format(format)
    frame, cb, truth = _simulate(seed, design)
    return write_files(out, frame, cb, truth, fmt=format, export=export, force=force)
