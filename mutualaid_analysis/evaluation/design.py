"""The study design of the evaluation: arms, waves, design kind, outcomes and the analytic panel.

Every evaluation analysis (:func:`~mutualaid_analysis.evaluation.evaluate`,
:func:`~mutualaid_analysis.evaluation.circle_expansion`,
:func:`~mutualaid_analysis.evaluation.attrition`,
:func:`~mutualaid_analysis.evaluation.baseline_equivalence`,
:func:`~mutualaid_analysis.evaluation.participant_flow`,
:func:`~mutualaid_analysis.evaluation.reliable_change`) reads its study
design here, by one set of rules:

* **Waves** are the waves *present in the analysed data*, in the codebook's
  order (:attr:`Survey.waves`).  The baseline is the first of them (or the
  first of ``waves=``) and the default follow-up the last of them.  A wave
  the codebook's ``waves`` lists but no analysed row holds (a follow-up not
  yet collected) is not chosen by default, and the estimating analyses
  refuse it by name.  The counting analyses (attrition, equivalence, the
  flow, reliable change) may name it (``followup=``): nobody was seen at it,
  so everyone is lost; and when the data hold the baseline alone their
  default follow-up is the codebook's last wave (everyone lost), which is
  what the counts are for.
* **Arms** are the values of the group column among the *baseline* wave's
  analysed rows: a village's arm is its assignment, which is fixed at
  baseline.  An arm that appears only at a later wave has no before/after
  comparison: ``design="auto"`` then chooses ``"prepost"`` and says why, and
  ``design="comparison"`` (or an analysis that compares two arms) refuses,
  naming the arm.
* **Arm order**: the treated arm (``[survey] treated``) first, then the other
  arms sorted by their text, never by the order of the rows.  Values are
  compared as text (``1`` and ``"1"`` are the same arm).
* **Two arms**: the treated arm and at least one other arm at baseline.
  :func:`evaluate` pools several other arms as ``"comparison"``; the WWC
  analyses (attrition, equivalence, the flow, reliable change) need exactly
  one comparison arm.
* **Outcomes** (:func:`resolve_outcome`) are a multi-item scale (its sum
  score, prorated as :func:`~mutualaid_analysis.data.scales.score_scale`
  does by default), an ordinal, integer, number or binary variable, or a
  circle (willingness toward it, the mean over the services asked).  They
  have two views: per analysed row (``values``) and per respondent id at one
  wave (:meth:`Outcome.at_wave`).
* **The analytic panel** (:func:`analytic_panel`): one row per baseline
  respondent, analytic when seen at the follow-up wave too (and, with an
  outcome, with it at both waves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..data.scales import score_scale
from ..data.survey import Survey
from ..exceptions import UsageError
from ..gradient.describe import circles_without_items

__all__ = [
    "DESIGNS",
    "KINDS",
    "OUTCOME_TYPES",
    "PANEL_COLUMNS",
    "Design",
    "Outcome",
    "StudyDesign",
    "analytic_panel",
    "outcome_at_wave",
    "resolve_outcome",
    "study_design",
]

Design = Literal["auto", "prepost", "comparison", "randomized"]
"""Evaluation designs (one source for the type hint and the check)."""
DESIGNS: tuple[str, ...] = get_args(Design)
#: The designs a study resolves to (``"auto"`` chooses one of them).
KINDS: tuple[str, ...] = ("prepost", "comparison", "randomized")
#: Variable types that can be an outcome (besides scales and circles).
OUTCOME_TYPES: tuple[str, ...] = ("ordinal", "integer", "number", "binary")
#: Columns of :func:`analytic_panel`.
PANEL_COLUMNS: tuple[str, ...] = ("id", "cluster", "group", "treated", "analytic")


# --------------------------------------------------------------------------- the design


@dataclass(frozen=True)
class StudyDesign:
    """The study design of an evaluation, resolved from the codebook and the data.

    Parameters
    ----------
    kind : {"prepost", "comparison", "randomized"}
        The design: one group before/after, workshop and comparison
        villages, or villages randomly assigned.
    id, wave : str
        The respondent id and wave columns.
    baseline, followup : str
        The two waves compared (as text).
    cluster, group : str or None
        The village and arm columns (None when the data have none).
    reason : str
        Why this design (what ``design="auto"`` chose, or "as requested").
    waves : tuple of str
        Every wave present in the analysed data, in the codebook's order.
    arms : tuple
        The arms at the baseline wave, as the data hold them: the treated
        arm first, then the others sorted by their text.
    treated : optional
        The treated arm as the data hold it (the codebook's value when the
        baseline does not have it; None without ``[survey] treated``).
    comparison : optional
        The comparison arm when there is exactly one; else None.
    two_arms : bool
        Whether the baseline has the treated arm and at least one other.
    """

    kind: str
    id: str
    wave: str
    baseline: str
    followup: str
    cluster: str | None = None
    group: str | None = None
    reason: str = ""
    waves: tuple[str, ...] = ()
    arms: tuple[Any, ...] = ()
    treated: Any = None
    comparison: Any = None
    two_arms: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"kind must be one of {list(KINDS)}; got {self.kind!r}.")

    @property
    def treated_label(self) -> str:
        """The treated arm as text (``"all"`` without ``[survey] treated``)."""
        return "all" if self.treated is None else str(self.treated)

    @property
    def comparison_label(self) -> str:
        """The comparison arm as text (``"comparison"`` when several arms are pooled)."""
        return "comparison" if self.comparison is None else str(self.comparison)

    @property
    def followup_observed(self) -> bool:
        """Whether any analysed row holds the follow-up wave."""
        return self.followup in self.waves

    @property
    def between_arms(self) -> bool:
        """Whether the design compares arms (``"comparison"`` or ``"randomized"``)."""
        return self.kind in ("comparison", "randomized")


def _later_arms(survey: Survey, group: str, wave: str, baseline: str, arms: list[Any]) -> list:
    """Arms that appear at some wave other than the baseline but not at the baseline."""
    data = survey.data
    rows = data[data[wave].astype(str) != baseline]
    held = {str(a) for a in arms}
    return sorted({str(v) for v in rows[group].dropna()} - held)


def study_design(
    survey: Survey,
    design: str = "auto",
    *,
    waves: Sequence[Any] | None = None,
    followup: Any = None,
    arms: Literal["any", "two"] = "any",
    clustered: bool = False,
    empty_followup: bool = False,
    what: str = "evaluate()",
) -> StudyDesign:
    """The study design of the evaluation: waves, arms and design, from the codebook.

    Parameters
    ----------
    survey : Survey
    design : {"auto", "prepost", "comparison", "randomized"}, default "auto"
        ``"auto"`` chooses ``"comparison"`` when the baseline has both arms,
        else ``"prepost"`` (``StudyDesign.reason`` says which and why).
    waves : pair of wave names, optional
        Baseline and follow-up; default the first and last wave present.
    followup : optional
        The follow-up wave alone (the baseline is then the first wave
        present); give ``waves`` or ``followup``, not both.
    arms : {"any", "two"}, default "any"
        ``"two"``: the analysis compares the treated arm with exactly one
        comparison arm (attrition, equivalence, the flow, reliable change) and
        needs ``[survey] group`` and ``treated``.
    clustered : bool, default False
        Whether the analysis needs the village column (clustered inference).
    empty_followup : bool, default False
        Whether the follow-up may be a wave of the codebook's ``waves`` that
        no analysed row holds (everyone lost): for the analyses that count
        who was lost (attrition, the flow).  The default follow-up is still
        the last wave present; only when the data hold the baseline alone is
        it the codebook's last wave.
    what : str, default "evaluate()"
        The analysis, named in the messages.

    Returns
    -------
    StudyDesign

    Raises
    ------
    UsageError
        What to set in the codebook (wave, group, treated, cluster), or which
        waves and arms the data have, when the design cannot be resolved.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis.evaluation.design import study_design
    >>> study_design(ma.load_sample()).kind  # doctest: +SKIP
    'comparison'
    """
    if design not in DESIGNS:
        raise UsageError(f"design must be one of {list(DESIGNS)}; got {design!r}.")
    if arms not in ("any", "two"):
        raise UsageError(f"arms must be 'any' or 'two'; got {arms!r}.")
    s = survey.codebook.survey
    data = survey.data
    if not s.wave or s.wave not in data.columns:
        raise UsageError(
            f"{what} needs waves: the data have no wave column; set [survey] wave (and "
            "waves) in the codebook."
        )
    if arms == "two":
        if not s.group or s.group not in data.columns:
            raise UsageError(
                f"{what} needs the arms: set [survey] group and treated in the codebook."
            )
        if s.treated is None:
            raise UsageError(
                'set [survey] treated = "<value of the group column>" in the '
                "codebook: the arm that received the workshop."
            )
    if clustered and (not s.cluster or s.cluster not in data.columns):
        raise UsageError(
            f'{what} needs the village column: set [survey] cluster = "<column>" in the '
            "codebook (inference is clustered by village)."
        )
    present = [str(w) for w in survey.waves]
    listed = [str(w) for w in (s.waves or [])]
    order = listed if present and set(present) <= set(listed) else present
    baseline = present[0] if present else ""
    later_present = present[1:]
    later_listed = order[order.index(baseline) + 1 :] if present else []
    if len(present) < 2 and not (empty_followup and later_listed):
        raise UsageError(
            f"{what} compares two waves, but the data have {len(present)} "
            f"({present or 'no wave column'}): it needs a baseline and a follow-up wave. Give "
            "the codebook [survey] wave and waves, and data from before and after the workshop."
        )

    def no_rows(w: str) -> str:
        return (
            f" (wave {w!r} is listed in the codebook's waves but no analysed row holds it)"
            if w in listed and w not in present
            else ""
        )

    if waves is not None and followup is not None:
        raise UsageError("give waves=(baseline, follow-up) or followup=, not both.")
    if waves is not None:
        if isinstance(waves, str) or len(waves) != 2:
            raise UsageError(f"waves must be two wave names (baseline, follow-up); got {waves!r}.")
        baseline, post = (str(w) for w in waves)
        for w in (baseline, post):
            if w not in present:
                raise UsageError(f"no wave {w!r} in the data; the waves are {present}{no_rows(w)}.")
        if baseline == post:
            raise UsageError("waves must name two different waves.")
    else:
        later = later_listed if empty_followup else later_present
        if followup is None:
            # the last wave the data hold; a counting analysis whose data hold only the
            # baseline counts everyone lost at the codebook's last wave
            post = later_present[-1] if later_present else later[-1]
        elif str(followup) not in later:
            raise UsageError(
                f"followup must be one of the later waves {later}; got {followup!r}"
                f"{no_rows(str(followup))}."
            )
        else:
            post = str(followup)

    # The arms: assigned at baseline; the treated arm first, the others by their text.
    found: list[Any] = []
    if s.group and s.group in data.columns:
        at_base = data.loc[data[s.wave].astype(str) == baseline, s.group].dropna()
        found = list(pd.unique(at_base))
    treated_text = None if s.treated is None else str(s.treated)
    treated_found = [a for a in found if str(a) == treated_text]
    others = sorted((a for a in found if str(a) != treated_text), key=str)
    arm_values = tuple(treated_found[:1] + others)
    two_arms = bool(treated_found) and bool(others)
    later = (
        _later_arms(survey, s.group, s.wave, baseline, found)
        if s.group and s.group in data.columns
        else []
    )
    later_txt = (
        f"; {', '.join(map(repr, later))} appear{'s' * (len(later) == 1)} only at later "
        f"waves, and an arm needs respondents at the baseline wave {baseline!r}"
        if later
        else ""
    )
    shown = [str(a) for a in arm_values]
    if arms == "two" and (not treated_found or len(others) != 1):
        raise UsageError(
            f"{what} compares two arms: the treated arm {s.treated!r} and "
            f"one comparison arm; the baseline has arms {shown}{later_txt}."
        )
    kind = design
    if design == "auto":
        if two_arms:
            kind = "comparison"
            reason = (
                f"design='auto' chose 'comparison': two waves and both arms "
                f"({treated_text!r} and {', '.join(repr(str(a)) for a in others)}). "
                "Randomisation inference needs design='randomized' (only if villages were "
                "randomly assigned)."
            )
        else:
            kind = "prepost"
            reason = "design='auto' chose 'prepost': two waves and one arm" + (
                f" at baseline{later_txt}." if later else "."
            )
    elif design in ("comparison", "randomized"):
        if not two_arms:
            arm_txt = (
                f"the arm values at the baseline wave {baseline!r} are {shown}{later_txt}"
                if found or later
                else "there is no arm column"
            )
            raise UsageError(
                f"design={design!r} needs workshop and comparison villages, but {arm_txt} "
                f"(codebook: group = {s.group!r}, treated = {s.treated!r}). Use "
                "design='prepost' for a one-group before/after evaluation."
            )
        reason = f"design={design!r} as requested."
    else:
        reason = "design='prepost' as requested."
    treated: Any = treated_found[0] if treated_found else s.treated
    return StudyDesign(
        kind=kind,
        id=s.id,
        wave=s.wave,
        baseline=baseline,
        followup=post,
        cluster=s.cluster if s.cluster and s.cluster in data.columns else None,
        group=s.group if s.group and s.group in data.columns else None,
        reason=reason,
        waves=tuple(present),
        arms=arm_values,
        treated=treated,
        comparison=others[0] if len(others) == 1 else None,
        two_arms=two_arms,
    )


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """An outcome resolved from the codebook, with its values per analysed row.

    Parameters
    ----------
    name : str
        The scale, variable or circle.
    kind : {"scale", "variable", "circle"}
    description : str
        What the values are (for the notes: ``"gses sum score (10 items)"``).
    values : pandas.Series
        One value per analysed row (the index of ``survey.data``), NaN where
        missing.
    ids : numpy.ndarray
        The respondent id of each row, as text.
    waves : numpy.ndarray
        The wave of each row, as text (empty text without a wave column).
    """

    name: str
    kind: str
    description: str
    values: pd.Series
    ids: np.ndarray
    waves: np.ndarray

    def at_wave(self, wave: Any) -> pd.Series:
        """The values at one wave, one per respondent id (the first row of an id).

        Parameters
        ----------
        wave : wave name
            Compared as text.

        Returns
        -------
        pandas.Series
            Indexed by the respondent id (text), named after the outcome.
        """
        mask = self.waves == str(wave)
        out = pd.Series(
            self.values.to_numpy(dtype=float)[mask], index=self.ids[mask], name=self.name
        )
        return out[~out.index.duplicated()]


def _numeric_names(survey: Survey) -> list[str]:
    cb = survey.codebook
    return [
        n for n, v in cb.variables.items() if v.type in OUTCOME_TYPES and n in survey.data.columns
    ]


def resolve_outcome(survey: Survey, outcome: str, *, service: str | None = None) -> Outcome:
    """An outcome's values per analysed row: a scale score, a variable or a circle.

    Parameters
    ----------
    survey : Survey
    outcome : str
        A multi-item scale of the codebook (its sum score, prorated as
        :func:`~mutualaid_analysis.data.scales.score_scale` does by
        default: at most 20% of the items missing), an ordinal, integer,
        number or binary variable, or a circle of ``[circles]`` (willingness
        toward it, the mean over the services asked).
    service : str, optional
        For a circle: willingness for this one service instead of the mean
        over the services (:meth:`Survey.willingness`).

    Returns
    -------
    Outcome
        ``values`` per analysed row; :meth:`Outcome.at_wave` per respondent
        id at one wave.

    Raises
    ------
    UsageError
        An unknown name (the message lists the scales, circles and numeric
        variables), a text or category variable, a variable not in the
        analysis data, a circle without willingness items.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> from mutualaid_analysis.evaluation.design import resolve_outcome
    >>> resolve_outcome(ma.load_sample(), "gses").at_wave("baseline")  # doctest: +SKIP
    """
    cb = survey.codebook
    data = survey.data
    if not isinstance(outcome, str):
        raise UsageError(f"outcome must be a name (str); got {outcome!r}.")
    s = cb.survey
    ids = (
        data[s.id].astype(str).to_numpy(dtype=object)
        if s.id and s.id in data.columns
        else np.full(len(data), "", dtype=object)
    )
    waves = (
        data[s.wave].astype(str).to_numpy(dtype=object)
        if s.wave and s.wave in data.columns
        else np.full(len(data), "", dtype=object)
    )
    if outcome in cb.scale_names():
        scored = score_scale(survey, outcome, method="sum")
        values = pd.Series(scored["score"].to_numpy(dtype=float), index=data.index, name=outcome)
        n_items = len(cb.scale_items(outcome))
        return Outcome(outcome, "scale", f"{outcome} sum score ({n_items} items)", values,
                       ids, waves)
    if outcome in cb.variables:
        var = cb.variables[outcome]
        if outcome not in data.columns:
            raise UsageError(f"outcome {outcome!r} is not in the analysis data.")
        if var.type not in OUTCOME_TYPES:
            raise UsageError(
                f"outcome {outcome!r} is {var.type}; an outcome must be a scale, a circle or an "
                "ordinal, integer, number or binary variable."
            )
        x = data[outcome].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        values = pd.Series(x, index=data.index, name=outcome)
        return Outcome(outcome, "variable", var.display_label("en"), values, ids, waves)
    if outcome in cb.circles:
        if outcome in circles_without_items(cb):
            raise UsageError(
                f"outcome {outcome!r} is a circle of the codebook's [circles] order, but no "
                f'willingness item is marked circle = "{outcome}", so there is no willingness '
                "toward it to evaluate."
            )
        wide = survey.willingness(service)
        if outcome not in wide.columns:
            raise UsageError(
                f"no willingness item asks about {outcome!r} for the service {service!r}; "
                f"the circles asked about for it are {list(wide.columns)}."
            )
        values = pd.Series(wide[outcome].to_numpy(dtype=float), index=data.index, name=outcome)
        how = "mean over services" if service is None else f"service {service}"
        return Outcome(
            outcome,
            "circle",
            f"willingness toward {cb.circle_label(outcome, 'en')} ({how})",
            values,
            ids,
            waves,
        )
    numeric = _numeric_names(survey)
    raise UsageError(
        f"Unknown outcome {outcome!r}. Outcomes are the codebook's scales "
        f"{cb.scale_names()}, its circles {list(cb.circles)}, or a numeric variable "
        f"({', '.join(numeric[:12])}{' ...' if len(numeric) > 12 else ''}); {outcome!r} is "
        "neither a scale, a circle nor a variable of the analysis data."
    )


def outcome_at_wave(survey: Survey, outcome: str, wave: Any) -> pd.Series:
    """The outcome per respondent id at one wave (see :func:`resolve_outcome`).

    Parameters
    ----------
    survey : Survey
    outcome : str
        A scale, a numeric or binary variable, or a circle.
    wave : wave name
        Compared as text.

    Returns
    -------
    pandas.Series
        Indexed by the respondent id (text), one value per id.
    """
    return resolve_outcome(survey, outcome).at_wave(wave)


# --------------------------------------------------------------------------- the panel


def analytic_panel(
    survey: Survey,
    *,
    outcome: str | None = None,
    followup: Any = None,
    study: StudyDesign | None = None,
) -> pd.DataFrame:
    """One row per baseline respondent: id, village, arm, ``treated`` and ``analytic``.

    Parameters
    ----------
    survey : Survey
        A panel survey with two arms (``[survey] group`` and ``treated``).
    outcome : str, optional
        A scale, variable or circle (:func:`resolve_outcome`): analytic then
        also needs the outcome at both waves.
    followup : optional
        The follow-up wave (default: the last wave present).
    study : StudyDesign, optional
        An already resolved design (then ``followup`` is not used).

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (text), ``cluster`` (None without a village column),
        ``group``, ``treated`` (bool) and ``analytic`` (bool): True when the
        respondent is an analysed row at the follow-up wave too (and, with
        ``outcome``, has it at both waves).  Rows the reader excluded (see
        ``survey.ledger``) count as not observed.
    """
    d = study or study_design(
        survey, arms="two", followup=followup, empty_followup=True, what="analytic_panel"
    )
    base = survey.wave(d.baseline)
    follow = survey.wave(d.followup)
    ids = base[d.id].astype(str)
    out = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "cluster": base[d.cluster].to_numpy() if d.cluster else np.full(len(base), None),
            "group": base[d.group].to_numpy() if d.group else np.full(len(base), None),
        }
    )
    out["treated"] = out["group"].astype(str) == d.treated_label
    analytic = np.array(ids.isin(set(follow[d.id].astype(str))), dtype=bool)
    if outcome is not None:
        resolved = resolve_outcome(survey, outcome)
        pre_ok = resolved.at_wave(d.baseline).reindex(ids.to_numpy()).notna().to_numpy()
        post_ok = resolved.at_wave(d.followup).reindex(ids.to_numpy()).notna().to_numpy()
        analytic &= pre_ok & post_ok
    out["analytic"] = analytic
    return out
