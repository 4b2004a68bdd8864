"""The analysis settings of a run, as they will run: one typed, frozen record.

:func:`resolve_settings` fills in what the configuration leaves to the
codebook (the scales, the community and institutional variables, the groups
of the tables, the outcomes) and reads what the data show (the waves, the
arms, the number of villages).  It is the one place these decisions are
made: the pipeline, the report text and ``provenance.json`` read the same
:class:`ReportSettings`, by attribute, so that a misspelt name fails where it
is written instead of reading ``None``.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from ..data.privacy import check_publishable
from ..exceptions import UsageError
from .config import DEFAULT_COMMUNITY, DEFAULT_INSTITUTIONAL, Config, OrdinalVcov, Vcov

if TYPE_CHECKING:  # pragma: no cover
    from ..data.survey import Survey
    from ..evaluation.design import Design

__all__ = ["ReportSettings", "resolve_settings"]

#: The names that ``settings[...]`` used before :class:`ReportSettings` had attributes,
#: where they differ from the attribute (also the keys of :meth:`ReportSettings.as_dict`).
_LEGACY_KEYS: dict[str, str] = {"B": "n_boot"}


@dataclass(frozen=True)
class ReportSettings:
    """The analysis settings as they ran: configuration, codebook defaults and data facts.

    Built by :func:`resolve_settings`; read by attribute.  Each field is fixed
    once for the run.

    Attributes
    ----------
    scales : tuple of str
        The scales scored and analysed (``analysis.scales``, default: every
        scale of the codebook).
    community : tuple of str
        The community-level variables (``analysis.community``, default: those
        of the usual platform variables present in the data).
    institutional : tuple of str
        The institutional-level variables (``analysis.institutional``, default
        likewise).
    by : str or None
        The column whose values are the groups of the descriptive tables
        (``analysis.by``, default: the codebook's ``[survey] group`` when the
        data have it); ``None``: no groups.
    outcomes : tuple of str
        The workshop evaluation's outcomes (``analysis.outcomes``, default:
        the scales, then the community and institutional variables).
    covariates : tuple of str
        ``analysis.covariates``.
    moderators : tuple of str
        ``analysis.moderators``.
    service : str or None
        The service whose willingness items are analysed; ``None``: every
        service pooled.
    threshold : float
        The answer from which a respondent counts as willing.
    mixed_model : bool
        Whether the cumulative link mixed model is fitted.
    waves : tuple
        The waves present in the analysed data, in codebook order.
    arms : bool
        Whether the data have workshop and comparison villages.
    evaluation : bool
        Whether the workshop evaluation runs (two waves, village clusters).
    design : str
        The evaluation design asked for: ``"randomized"`` or ``"auto"``.
    vcov : str
        The covariance of the descriptive intervals and the gradient
        (``inference.vcov``).
    n_boot : int
        Wild cluster bootstrap replications (``inference.bootstrap_B``).
    seed : int
        The random seed (``inference.seed``).
    suppress_below : int
        Counts of people below this are blanked (``report.suppress_below``).
    n_villages : int
        Villages in the analysed data (0 without a village column).
    ordinal_vcov : str
        The cumulative link model's covariance asked for
        (``inference.ordinal_vcov``: ``"cluster"``, ``"respondent"`` or
        ``"model"``); the model's ``info["vcov"]`` says which it used.
    """

    scales: tuple[str, ...]
    community: tuple[str, ...]
    institutional: tuple[str, ...]
    by: str | None
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    moderators: tuple[str, ...]
    service: str | None
    threshold: float
    mixed_model: bool
    waves: tuple[Any, ...]
    arms: bool
    evaluation: bool
    design: Design
    vcov: Vcov
    n_boot: int
    seed: int
    suppress_below: int
    n_villages: int
    ordinal_vcov: OrdinalVcov = "cluster"

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data (lists, not tuples), under their published names.

        These are the keys of ``provenance.json``'s ``"settings"`` (the
        bootstrap replications stay ``"B"``).

        Returns
        -------
        dict
        """
        names = {v: k for k, v in _LEGACY_KEYS.items()}
        return {
            names.get(k, k): list(v) if isinstance(v, tuple) else v
            for k, v in asdict(self).items()
        }

    def __getitem__(self, key: str) -> Any:
        """Deprecated: ``settings["vcov"]``; read ``settings.vcov``.

        The settings were a dict before; the old keys still read, with a
        :class:`DeprecationWarning`.  An unknown key raises ``KeyError``.
        """
        name = _LEGACY_KEYS.get(key, key)
        if name not in {f.name for f in fields(self)}:
            raise KeyError(key)
        warnings.warn(
            f"PipelineResult.settings is a ReportSettings now: read settings.{name} "
            f"instead of settings[{key!r}]",
            DeprecationWarning,
            stacklevel=2,
        )
        value = getattr(self, name)
        return list(value) if isinstance(value, tuple) else value


def _has_arms(survey: Survey) -> bool:
    """Workshop and comparison arms at baseline (the evaluation's rule; one wave: all rows)."""
    from ..evaluation.design import study_design

    try:
        return study_design(survey).two_arms
    except UsageError:  # fewer than two waves: every row is the baseline
        cb = survey.codebook
        g, treated = cb.survey.group, cb.survey.treated
        if not g or treated is None or g not in survey.data.columns:
            return False
        values = set(survey.data[g].dropna().astype(str))
        return str(treated) in values and len(values) >= 2


def resolve_settings(config: Config, survey: Survey) -> ReportSettings:
    """The analysis settings as they will run: codebook defaults filled in.

    Parameters
    ----------
    config : Config
    survey : Survey
        The data the settings are resolved for.

    Returns
    -------
    ReportSettings

    Raises
    ------
    UsageError
        ``inference.randomized = true`` without workshop and comparison
        villages.
    PersonalDataError
        ``analysis.by`` names a column of personal data.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis.report import default_config
    >>> s = resolve_settings(default_config(), ma.load_sample())
    >>> s.vcov, s.n_villages
    ('CR2', 12)
    """
    cb = survey.codebook
    a = config.analysis
    present = set(survey.data.columns)
    scales_all = list(dict.fromkeys(v.scale for v in cb.variables.values() if v.scale))
    scales = list(a.scales) if a.scales is not None else scales_all
    community = (
        list(a.community)
        if a.community is not None
        else [v for v in DEFAULT_COMMUNITY if v in present]
    )
    institutional = (
        list(a.institutional)
        if a.institutional is not None
        else [v for v in DEFAULT_INSTITUTIONAL if v in present]
    )
    if a.by is False:
        by = None
    elif isinstance(a.by, str):
        by = a.by
    else:
        by = cb.survey.group if cb.survey.group in present else None
    if by:  # a column of names or phone numbers never becomes the groups of a table
        check_publishable(survey, by, role="analysis.by")
    outcomes = list(a.outcomes) if a.outcomes is not None else [*scales, *community, *institutional]
    waves = survey.waves
    arms = _has_arms(survey)
    evaluation = len(waves) >= 2 and bool(cb.survey.cluster)
    if config.inference.randomized and not arms:
        raise UsageError(
            "inference.randomized = true needs workshop and comparison villages "
            "(the codebook's [survey] group and treated)."
        )
    return ReportSettings(
        scales=tuple(scales),
        community=tuple(community),
        institutional=tuple(institutional),
        by=by,
        outcomes=tuple(outcomes),
        covariates=tuple(a.covariates),
        moderators=tuple(a.moderators),
        service=a.service,
        threshold=a.threshold,
        mixed_model=a.mixed_model,
        waves=tuple(waves),
        arms=arms,
        evaluation=evaluation,
        design="randomized" if config.inference.randomized else "auto",
        vcov=config.inference.vcov,
        n_boot=config.inference.bootstrap_B,
        seed=config.inference.seed,
        suppress_below=config.report.suppress_below,
        n_villages=int(survey.data[cb.survey.cluster].nunique()) if cb.survey.cluster else 0,
        ordinal_vcov=config.inference.ordinal_vcov,
    )
