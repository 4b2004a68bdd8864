"""Attrition and baseline equivalence, judged by the What Works Clearinghouse standards.

:func:`attrition` counts who was surveyed at baseline and who is in the
analytic sample (observed at baseline and follow-up), per arm, for
respondents and for villages, and applies the WWC attrition boundary;
:func:`baseline_equivalence` compares the arms at baseline on the analytic
sample (Hedges' g, or the Cox index for binary variables) and gives each
variable its WWC band.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from ..data.survey import Survey
from ..exceptions import UsageError
from ..results import Result, contract_frame
from .design import analytic_panel, resolve_outcome, study_design
from .wwc import (
    BOUNDARIES,
    attrition_verdict,
    boundary_table,
    cox_index,
    equivalence_band,
    hedges_g,
)

__all__ = [
    "AttritionResult",
    "EquivalenceResult",
    "Sample",
    "FLOW_COLUMNS",
    "FlowResult",
    "attrition",
    "baseline_equivalence",
    "participant_flow",
]

Sample = Literal["analytic", "baseline"]
SAMPLES: tuple[str, ...] = get_args(Sample)

_WWC_SOURCE = (
    "WWC Standards Handbook (v4.0/4.1 Table II.1; same standard in v5.0), values "
    "from two public transcriptions of the table (see boundary_table())"
)


# --------------------------------------------------------------------------- attrition


@dataclass(frozen=True, eq=False)
class AttritionResult(Result):
    """Result of :func:`attrition`.

    ``table``: attrition per arm, overall and differential, per level
    (respondents, villages).  ``tables["wwc"]``: the verdicts against the
    cautious and optimistic boundaries.  ``tables["villages"]``: baseline and
    analytic counts per village.
    """

    def verdict(self, boundary: str = "cautious", level: str = "respondent") -> str:
        """``"low"`` or ``"high"`` attrition at one level under one boundary."""
        w = self.tables["wwc"]
        row = w[(w["boundary"] == boundary) & (w["level"] == level)]
        if row.empty:
            raise UsageError(
                f"no verdict for boundary={boundary!r}, level={level!r}; "
                f"levels are {sorted(set(w['level']))}."
            )
        return str(row["verdict"].iloc[0])


def _rates(frame: pd.DataFrame, key: str) -> dict[str, Any]:
    """Baseline/analytic counts per arm for units ``key`` (``analytic`` = any analytic row)."""
    units = frame.groupby(key, sort=True).agg(
        treated=("treated", "first"), analytic=("analytic", "any")
    )
    out: dict[str, Any] = {}
    for arm, flag in (("treated", True), ("comparison", False)):
        u = units[units["treated"] == flag]
        nb, na = len(u), int(u["analytic"].sum())
        out[arm] = (nb, na, (nb - na) / nb if nb else np.nan)
    nb = len(units)
    na = int(units["analytic"].sum())
    out["overall"] = (nb, na, (nb - na) / nb if nb else np.nan)
    return out


def attrition(
    survey: Survey, *, outcome: str | None = None, followup: Any = None
) -> AttritionResult:
    """Overall and differential attrition per arm, and the WWC verdict.

    Parameters
    ----------
    survey : Survey
        A panel survey with waves and two arms (``[survey] group`` and
        ``treated`` in the codebook).
    outcome : str, optional
        A variable or scale: the analytic sample then also needs the outcome
        observed at both waves (the WWC counts attrition per outcome).
        Default: observed at both waves.
    followup : optional
        The follow-up wave (default: the last wave).

    Returns
    -------
    AttritionResult
        ``table``: one row per ``level`` (``"respondent"``, ``"village"``,
        and ``"respondent in retained villages"`` when a village was lost
        entirely and each arm kept at least one) and ``group`` (the treated arm, the comparison arm,
        ``"overall"``, ``"differential"``): ``term`` (``attrition``,
        ``overall_attrition``, ``differential_attrition``), ``estimate``
        (a proportion; for the differential the absolute difference of the
        arms' rates), ``percent`` (the same in percent / percentage points),
        ``n`` (units at baseline), ``n_baseline``, ``n_analytic``,
        ``n_lost``, ``method``.
        ``tables["wwc"]``: ``level, boundary, overall_pct, differential_pp,
        max_differential_pp, verdict`` (``"low"``/``"high"``), ``note``.
        ``tables["villages"]``: per village ``cluster, group, n_baseline,
        n_analytic, attrition``.  ``info``: the arms, waves, villages lost.

    Notes
    -----
    Respondent level: baseline :math:`n_b` = respondents analysed at the
    baseline wave; analytic :math:`n_a` = those observed at both waves.
    Attrition of an arm is :math:`1 - n_a/n_b`; overall attrition pools the
    arms; differential attrition is :math:`|a_T - a_C|`.  Village level: a
    village is lost when none of its respondents is in the analytic sample
    (WWC cluster-level attrition); for cluster designs the WWC assesses
    cluster-level attrition first, then individual attrition within the
    retained clusters, both against the same boundary.

    The boundary (:func:`~mutualaid_analysis.evaluation.wwc.boundary_table`)
    is tabulated at whole percents of overall attrition; a rate between two
    rows gets the smaller boundary of the two.  The cautious boundary is for
    interventions that may themselves affect who stays in the study; the
    optimistic one for those unlikely to.  Which applies is set by the
    review protocol, not chosen after seeing the data.

    References
    ----------
    What Works Clearinghouse (2022). *What Works Clearinghouse Procedures and
    Standards Handbook, Version 5.0*. U.S. Department of Education, Institute
    of Education Sciences. (Attrition boundary: Standards Handbook v4.0/4.1,
    Table II.1.)
    Deke, J., & Chiang, H. (2017). The WWC attrition standard: Sensitivity
    to assumptions and opportunities for refining and adapting to new
    contexts. Evaluation Review, 41(2), 130-154.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> att = ma.attrition(ma.load_sample())  # doctest: +SKIP
    >>> att.tables["wwc"]  # doctest: +SKIP
    """
    d = study_design(
        survey, arms="two", followup=followup, empty_followup=True, what="attrition"
    )
    panel = analytic_panel(survey, outcome=outcome, study=d)
    arm_names = {"treated": str(d.treated), "comparison": str(d.comparison)}
    levels: list[tuple[str, pd.DataFrame, str]] = [("respondent", panel, "id")]
    lost_villages: list[Any] = []
    village_table = pd.DataFrame(
        columns=["cluster", "group", "n_baseline", "n_analytic", "attrition"]
    )
    if d.cluster:
        levels.append(("village", panel, "cluster"))
        village_table = (
            panel.groupby("cluster", sort=True)
            .agg(
                group=("group", "first"), n_baseline=("id", "size"), n_analytic=("analytic", "sum")
            )
            .reset_index()
        )
        village_table["n_analytic"] = village_table["n_analytic"].astype(int)
        village_table["attrition"] = 1 - village_table["n_analytic"] / village_table["n_baseline"]
        lost_villages = village_table.loc[village_table["n_analytic"] == 0, "cluster"].tolist()
        kept = panel[~panel["cluster"].isin(lost_villages)]
        if lost_villages and kept["treated"].any() and (~kept["treated"]).any():
            levels.append(("respondent in retained villages", kept, "id"))

    rows: list[dict[str, Any]] = []
    wwc_rows: list[dict[str, Any]] = []
    for level, frame, key in levels:
        r = _rates(frame, key)
        unit = "villages" if key == "cluster" else "respondents"
        for arm in ("treated", "comparison", "overall"):
            nb, na, rate = r[arm]
            rows.append(
                {
                    "level": level,
                    "group": arm_names.get(arm, "overall"),
                    "term": "attrition" if arm != "overall" else "overall_attrition",
                    "estimate": rate,
                    "percent": 100 * rate,
                    "n": nb,
                    "n_baseline": nb,
                    "n_analytic": na,
                    "n_lost": nb - na,
                    "method": f"1 - analytic/baseline {unit} ({d.baseline} to {d.followup})",
                }
            )
        diff = abs(r["treated"][2] - r["comparison"][2])
        rows.append(
            {
                "level": level,
                "group": "differential",
                "term": "differential_attrition",
                "estimate": diff,
                "percent": 100 * diff,
                "n": r["overall"][0],
                "n_baseline": r["overall"][0],
                "n_analytic": r["overall"][1],
                "n_lost": r["overall"][0] - r["overall"][1],
                "method": f"|attrition {arm_names['treated']} - attrition "
                f"{arm_names['comparison']}|",
            }
        )
        overall = r["overall"][2]
        for boundary in BOUNDARIES:
            if not np.isfinite(overall) or not np.isfinite(diff):
                verdict, limit, note = "not assessed", np.nan, "an arm has no baseline units"
            else:
                verdict, limit = attrition_verdict(overall, 100 * diff, boundary)
                note = _boundary_note(overall, 100 * diff, boundary, limit)
            wwc_rows.append(
                {
                    "level": level,
                    "boundary": boundary,
                    "overall_pct": 100 * overall,
                    "differential_pp": 100 * diff,
                    "max_differential_pp": limit,
                    "verdict": verdict,
                    "note": note,
                }
            )
    table = contract_frame(
        rows, id_columns=["level", "group"], extra=["percent", "n_baseline", "n_analytic", "n_lost"]
    )
    wwc = pd.DataFrame(wwc_rows)
    resp = wwc[wwc["level"] == "respondent"].set_index("boundary")["verdict"]
    what = "observed at both waves" + (f" with {outcome!r} at both" if outcome else "")
    notes = [
        f"Analytic sample: baseline respondents {what}; rows the reader excluded count as "
        "not observed (see survey.ledger).",
        f"Respondent-level attrition is {resp['cautious']} under the cautious and "
        f"{resp['optimistic']} under the optimistic WWC boundary.",
        f"Boundary table: {_WWC_SOURCE}.",
    ]
    base_ids = set(survey.wave(d.baseline)[d.id].astype(str))
    follow_ids = set(survey.wave(d.followup)[d.id].astype(str))
    if follow_ids and not base_ids & follow_ids:
        notes.insert(
            0,
            f"None of the {len(follow_ids)} respondents of the follow-up {d.followup!r} "
            f"matched a baseline id, so attrition is 100%: check that the respondent id "
            "column holds the same ids at both waves (leading zeros, prefixes).",
        )
    if not d.followup_observed:
        notes.insert(
            0,
            f"No analysed row holds the follow-up wave {d.followup!r} (the codebook lists it), "
            "so every baseline respondent counts as lost.",
        )
    if d.cluster:
        notes.append(
            f"Villages lost entirely: {len(lost_villages)}"
            + (f" ({', '.join(map(str, lost_villages))})." if lost_villages else ".")
        )
    return AttritionResult(
        table=table,
        title=f"Attrition from {d.baseline} to {d.followup} (WWC standard)",
        notes=tuple(notes),
        tables={"wwc": wwc, "villages": village_table},
        info={
            # the facts: baseline respondents and their villages (the denominators)
            "nobs": len(panel),
            "n_clusters": int(panel["cluster"].nunique()) if d.cluster else None,
            "treated": d.treated,
            "comparison": d.comparison,
            "baseline": d.baseline,
            "followup": d.followup,
            "outcome": outcome,
            "villages_lost": lost_villages,
        },
    )


def _boundary_note(overall: float, diff_pp: float, boundary: str, limit: float) -> str:
    """Flag a verdict that rests on the rows where the table's two readings differ."""
    if not np.isfinite(limit):
        return "overall attrition beyond the boundary table: high for any differential"
    if boundary == "optimistic":
        t = boundary_table().set_index("overall_pct")
        pct = round(overall * 100, 9)
        rows = [r for r in {math.floor(pct), math.ceil(pct)} if r in t.index]
        alt = t.loc[rows, "optimistic_alt_pp"].fillna(t.loc[rows, "optimistic_pp"]).min()
        if alt > limit and limit < diff_pp <= alt + 1e-9:
            return (
                "high by the lower of the two public readings of the table "
                f"({limit:.1f}), low by the other ({alt:.1f}): check the Handbook"
            )
    return ""


# --------------------------------------------------------------------------- baseline equivalence


def _binary_coding(var: Any, values: np.ndarray) -> tuple[tuple[float, float, str] | None, str]:
    """The (no, yes, yes label) codes of a binary variable, or None and the reason why not.

    The codebook's ``levels`` (codes or their labels) order the two levels
    when present; otherwise the two value-label codes, or the two values
    found, in ascending order.  The second level is "yes".
    """
    labels = dict(var.values or {})
    by_label = {str(v): k for k, v in labels.items()}
    found = sorted(set(np.unique(values).tolist()))
    levels = getattr(var, "levels", None)
    if levels:
        codes = []
        for lev in levels:
            code = by_label.get(str(lev), lev)
            try:
                codes.append(float(code))
            except (TypeError, ValueError):
                return None, (f"level {lev!r} of {var.name!r} in the codebook's levels is "
                              "neither a code nor a value label")
    elif len(labels) == 2:
        codes = sorted(float(k) for k in labels)
    else:
        codes = found
    if len(codes) != 2:
        shown = ", ".join(f"{c:g}" for c in codes)
        return None, (f"binary {var.name!r} has {len(codes)} level(s) ({shown}); a Cox index "
                      "needs exactly two")
    stray = [v for v in found if v not in codes]
    if stray:
        return None, (f"binary {var.name!r} takes values {', '.join(f'{v:g}' for v in stray)} "
                      f"besides its two levels {codes[0]:g} and {codes[1]:g}")
    yes = codes[1]
    key = int(yes) if float(yes).is_integer() else yes
    return (codes[0], yes, str(labels.get(key, f"{yes:g}"))), ""


@dataclass(frozen=True, eq=False)
class EquivalenceResult(Result):
    """Result of :func:`baseline_equivalence`: one row per variable with its WWC band."""


def baseline_equivalence(
    survey: Survey,
    variables: Sequence[str],
    *,
    sample: Sample = "analytic",
    outcome: str | None = None,
    followup: Any = None,
) -> EquivalenceResult:
    """Baseline differences between the arms as WWC effect sizes, with their bands.

    Parameters
    ----------
    survey : Survey
    variables : list of str
        Variables (numeric, ordinal or binary) or scales (their baseline
        score, :func:`~mutualaid_analysis.evaluation.score_scale` with its
        defaults).
    sample : {"analytic", "baseline"}, default "analytic"
        ``"analytic"``: respondents observed at both waves (the WWC
        assesses equivalence on the analytic sample); ``"baseline"``: every
        baseline respondent.
    outcome : str, optional
        Passed to the analytic-sample definition (see :func:`attrition`).
    followup : optional
        The follow-up wave (default: the last).

    Returns
    -------
    EquivalenceResult
        ``table``: one row per variable: ``term`` (the variable), ``estimate``
        (Hedges' g, or the Cox index for binary variables; treated minus
        comparison), ``n`` (respondents with the variable), ``method``,
        ``band`` (``"satisfied"``, ``"requires statistical adjustment"``,
        ``"not satisfied"``, ``"not assessed"``), ``reason`` (why a row is
        ``"not assessed"``; empty otherwise), ``mean_treated``,
        ``mean_comparison`` (proportions for binary variables),
        ``sd_treated``, ``sd_comparison``, ``n_treated``, ``n_comparison``.

    Notes
    -----
    Hedges' g with the pooled SD and the small-sample correction,
    :math:`g = \\omega (\\bar y_T - \\bar y_C)/s_p`,
    :math:`s_p^2 = ((n_T-1)s_T^2 + (n_C-1)s_C^2)/(n_T+n_C-2)`,
    :math:`\\omega = 1 - 3/(4N-9)`; the Cox index
    :math:`d_{Cox} = \\omega\\,\\ln(OR)/1.65` for binary variables (missing
    when an arm's proportion is 0 or 1).  A binary variable need not be
    coded 0/1 (1 = 男, 2 = 女 is common): its two codes are ordered by the
    codebook's ``levels`` when it has them, else by value, and the
    proportions are those of the second ("yes") level, named in ``method``.
    Bands (WWC): :math:`|es| \\le 0.05`
    satisfied; :math:`0.05 < |es| \\le 0.25` satisfied only with statistical
    adjustment for the variable in the impact model; :math:`> 0.25` not
    satisfied.  Effect sizes are computed at the respondent level, as the
    WWC does; villages do not enter.

    References
    ----------
    What Works Clearinghouse (2022). *What Works Clearinghouse Procedures and
    Standards Handbook, Version 5.0*. U.S. Department of Education, Institute
    of Education Sciences.
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect
    size and related estimators. Journal of Educational Statistics, 6(2),
    107-128.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> ma.baseline_equivalence(ma.load_sample(), ["gses", "age", "sex"]).table  # doctest: +SKIP
    """
    if sample not in SAMPLES:
        raise UsageError(f"sample must be one of {', '.join(map(repr, SAMPLES))}; got {sample!r}.")
    if isinstance(variables, str):
        variables = [variables]
    if not variables:
        raise UsageError("give at least one variable or scale in variables=[...].")
    d = study_design(
        survey, arms="two", followup=followup, empty_followup=True, what="baseline_equivalence"
    )
    panel = analytic_panel(survey, outcome=outcome, study=d)
    if sample == "analytic":
        panel = panel[panel["analytic"]]
    ids = panel["id"].to_numpy()
    treated = panel["treated"].to_numpy()
    cb = survey.codebook
    rows = []
    for name in variables:
        x = resolve_outcome(survey, name).at_wave(d.baseline).reindex(ids).to_numpy(dtype=float)
        ok = ~np.isnan(x)
        xt, xc = x[ok & treated], x[ok & ~treated]
        nt, nc = len(xt), len(xc)
        is_binary = name in cb.variables and cb.variables[name].type == "binary"
        row: dict[str, Any] = {"term": name, "n": nt + nc, "n_treated": nt, "n_comparison": nc}
        reason = ""
        if is_binary:
            coding, reason = _binary_coding(cb.variables[name], x[ok])
            if coding is not None:
                no, yes, yes_label = coding
                xt, xc = (xt == yes).astype(float), (xc == yes).astype(float)
        mt = float(xt.mean()) if nt else np.nan
        mc = float(xc.mean()) if nc else np.nan
        row.update(mean_treated=mt, mean_comparison=mc)
        arms = ((d.treated, nt, mt), (d.comparison, nc, mc))
        if is_binary:
            es = np.nan
            row["method"] = "Cox index ln(OR)/1.65 with small-sample correction (WWC)"
            if not reason:
                var = cb.variables[name]
                raw = next((r for r, a in (var.recode or {}).items() if a == yes), yes)
                row["method"] += f"; proportions of {yes_label!r} (code {raw:g})"
                empty = [str(a) for a, n_arm, _ in arms if n_arm == 0]
                edge = [(str(a), m) for a, n_arm, m in arms if n_arm and m in (0.0, 1.0)]
                if empty:
                    reason = f"no respondent of {' or '.join(empty)} has {name!r}"
                elif edge:
                    reason = "; ".join(f"the proportion of {yes_label!r} is {m:g} in {a}"
                                       for a, m in edge)
                    reason += (": the log odds ratio is infinite, so the Cox index is "
                               "undefined (judge the difference in proportions otherwise)")
                else:
                    es = cox_index(mt, mc, nt, nc)
        else:
            st = float(xt.std(ddof=1)) if nt > 1 else np.nan
            sc = float(xc.std(ddof=1)) if nc > 1 else np.nan
            row.update(sd_treated=st, sd_comparison=sc)
            es = hedges_g(mt, mc, st, sc, nt, nc) if nt > 1 and nc > 1 else np.nan
            row["method"] = "Hedges' g, pooled SD, small-sample correction (WWC)"
            few = [f"{a} has {n_arm}" for a, n_arm, _ in arms if n_arm < 2]
            if few:
                reason = (f"Hedges' g needs at least 2 values of {name!r} per arm; "
                          + ", ".join(few))
            elif not np.isfinite(es):
                reason = f"{name!r} does not vary in either arm (pooled SD 0)"
        row["estimate"] = es
        row["band"] = equivalence_band(es)
        row["reason"] = reason
        rows.append(row)
    table = contract_frame(
        rows,
        extra=[
            "band",
            "reason",
            "mean_treated",
            "mean_comparison",
            "sd_treated",
            "sd_comparison",
            "n_treated",
            "n_comparison",
        ],
    )
    n_units = len(panel)
    notes = [
        f"{'Analytic' if sample == 'analytic' else 'Baseline'} sample: {n_units} respondents "
        f"({int(treated.sum())} {d.treated}, {int((~treated).sum())} {d.comparison}); values "
        f"from the baseline wave {d.baseline!r}; differences are {d.treated} minus "
        f"{d.comparison}.",
        "Bands (WWC): |es| <= 0.05 satisfied; 0.05-0.25 requires statistical adjustment; "
        "> 0.25 not satisfied.",
    ]
    return EquivalenceResult(
        table=table,
        title=f"Baseline equivalence ({sample} sample, WWC)",
        notes=tuple(notes),
        info={
            # the facts: respondents compared and their villages
            "nobs": n_units,
            "n_clusters": int(panel["cluster"].nunique()) if d.cluster else None,
            "sample": sample,
            "n": n_units,
            "treated": d.treated,
            "comparison": d.comparison,
            "baseline": d.baseline,
        },
    )


# --------------------------------------------------------------------------- the flow

#: Columns of :func:`participant_flow`'s table.
FLOW_COLUMNS = ("stage", "arm", "reason", "respondents", "villages")


@dataclass(frozen=True, eq=False)
class FlowResult(Result):
    """Result of :func:`participant_flow`: the numbers of the flow diagram.

    ``table``: one row per box and reason (see :func:`participant_flow`);
    ``codebook``: the survey's, for the arms' labels when drawn.
    """

    codebook: Any = None

    def plot(self, ax: Any = None, lang: str = "zh", **kwargs: Any) -> Any:
        """The flow diagram (see :func:`mutualaid_analysis.plots.flow_diagram`)."""
        from ..plots import flow_diagram

        return flow_diagram(self, ax=ax, lang=lang, **kwargs)


def participant_flow(
    survey: Survey, *, outcome: str | None = None, followup: Any = None
) -> FlowResult:
    """The participant flow (CONSORT): read, excluded, baseline, lost and analysed, per arm.

    The numbers of the flow diagram (``.plot()`` draws it with
    :func:`mutualaid_analysis.plots.flow_diagram`); they equal
    :func:`attrition`'s ``n_baseline``, ``n_lost`` and ``n_analytic``.

    Parameters
    ----------
    survey : Survey
        A panel survey with two arms (``[survey] group`` and ``treated``).
    outcome : str, optional
        Analysed = observed at both waves *with this outcome* (as in
        :func:`mutualaid_analysis.attrition`); default observed at both waves.
    followup : optional
        The follow-up wave (default the last).

    Returns
    -------
    FlowResult
        ``table`` has the columns ``stage, arm, reason, respondents, villages``.  Stages:
        ``read`` and ``excluded`` (input rows, per wave in ``arm`` = the wave,
        and per ledger reason), ``baseline``, ``lost`` (one row per arm with
        ``reason`` empty for the total, then one per reason: ``not_surveyed``,
        ``followup_excluded: <ledger reason>``, ``outcome_missing``,
        ``baseline_missing``) and ``analysed``.  ``villages`` is filled for
        ``baseline`` and ``analysed``.
    """
    d = study_design(
        survey, arms="two", followup=followup, empty_followup=True, what="participant_flow"
    )
    panel = analytic_panel(survey, outcome=outcome, study=d)
    ledger = survey.ledger
    rows: list[dict[str, Any]] = [
        {"stage": "read", "arm": "", "reason": "", "respondents": len(ledger), "villages": np.nan}
    ]
    excluded = ledger[ledger["status"] != "analysed"]
    for reason, n in (
        excluded["reason"].fillna("").astype(str).value_counts(sort=False).sort_index().items()
    ):
        rows.append(
            {
                "stage": "excluded",
                "arm": "",
                "reason": reason,
                "respondents": int(n),
                "villages": np.nan,
            }
        )
    follow_ledger = ledger[ledger["wave"].astype(str) == str(d.followup)]
    analysed_follow = set(
        follow_ledger.loc[follow_ledger["status"] == "analysed", "respondent"].astype(str)
    )
    ex = follow_ledger[follow_ledger["status"] != "analysed"]
    excluded_follow = (
        ex.assign(respondent=ex["respondent"].astype(str))
        .drop_duplicates("respondent")
        .set_index("respondent")["reason"]
        .fillna("")
        .astype(str)
    )
    base_values = None
    if outcome is not None:
        base_values = resolve_outcome(survey, outcome).at_wave(d.baseline)
    arms = [str(d.treated), str(d.comparison)]
    for arm in arms:
        sub = panel[panel["group"].astype(str) == arm]
        rows.append(
            {
                "stage": "baseline",
                "arm": arm,
                "reason": "",
                "respondents": len(sub),
                "villages": sub["cluster"].nunique(),
            }
        )
        lost = sub[~sub["analytic"]]
        rows.append(
            {
                "stage": "lost",
                "arm": arm,
                "reason": "",
                "respondents": len(lost),
                "villages": np.nan,
            }
        )
        reasons: dict[str, int] = {}
        for rid in lost["id"].astype(str):
            if rid in analysed_follow:
                pre_ok = base_values is not None and pd.notna(base_values.get(rid, np.nan))
                why = "outcome_missing" if pre_ok else "baseline_missing"
            elif rid in excluded_follow.index:
                why = f"followup_excluded: {excluded_follow[rid]}"
            else:
                why = "not_surveyed"
            reasons[why] = reasons.get(why, 0) + 1
        for why in sorted(reasons, key=lambda r: (r != "not_surveyed", r)):
            rows.append(
                {
                    "stage": "lost",
                    "arm": arm,
                    "reason": why,
                    "respondents": reasons[why],
                    "villages": np.nan,
                }
            )
        kept = sub[sub["analytic"]]
        rows.append(
            {
                "stage": "analysed",
                "arm": arm,
                "reason": "",
                "respondents": len(kept),
                "villages": kept["cluster"].nunique(),
            }
        )
    return FlowResult(
        table=pd.DataFrame(rows, columns=list(FLOW_COLUMNS)),
        title="Participant flow",
        info={
            # the facts: baseline respondents and their villages (the flow's top boxes)
            "nobs": len(panel),
            "n_clusters": int(panel["cluster"].nunique()) if d.cluster else None,
            "baseline": d.baseline,
            "followup": d.followup,
            "outcome": outcome,
        },
        codebook=survey.codebook,
    )
