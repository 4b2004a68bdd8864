"""Does the ripple widen?  Per-circle workshop effects on willingness and the gap between circles.

Fei Xiaotong's differential mode of association (差序格局) pictures
willingness to help as ripples from a stone dropped in water: strongest
toward relatives, weaker toward friends, weakest toward other villagers.
A workshop that *widens the ripple* raises willingness toward the far
circles more than toward the near ones, so the gap between the nearest and
the farthest circle shrinks in workshop villages relative to comparison
villages.  :func:`circle_expansion` estimates exactly that, with the same
few-village inference as :func:`~mutualaid_analysis.evaluation.evaluate`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._params import Seed, alpha_of, check_count, renamed_arguments, seed_int
from ..data.survey import Survey
from ..exceptions import UsageError
from ..gradient.describe import empty_circle_note
from ..inference import MAX_ENUMERATE
from ..models.design import check_columns
from ..results import Result, contract_frame
from .design import Design, resolve_outcome, study_design
from .effects import (
    between_rows,
    build_panel,
    check_support,
    within_rows,
)

__all__ = ["ExpansionResult", "circle_expansion"]

ID_COLUMNS = ["circle", "design", "estimand", "model", "arm", "inference"]
EXTRA_COLUMNS = ["n_clusters"]


@dataclass(frozen=True, eq=False)
class ExpansionResult(Result):
    """Result of :func:`circle_expansion`.

    ``info["gap"]`` names the gap (``"relatives - villagers"``) and
    ``info["gap_effect"]`` holds its CR2 row as a dict;
    ``tables["means"]`` has mean willingness per circle, arm and wave.
    """

    def plot(self, ax: Any = None, lang: str = "zh", **kwargs: Any) -> Any:
        """Forest plot of the per-circle effects (see :func:`mutualaid_analysis.plots.forest`)."""
        from ..plots import forest

        return forest(self, ax=ax, lang=lang, **kwargs)


    def gap_effect(self, inference: str | None = "CR2") -> pd.DataFrame:
        """The between-arm DiD rows of the gap (one inference method; ``None`` for all)."""
        t = self.table
        mask = (t["circle"] == self.info["gap"]) & (t["estimand"] == "between-arm effect")
        if inference is not None:
            mask &= t["inference"] == inference
        return t.loc[mask].reset_index(drop=True)


@renamed_arguments("alpha", "B")
def circle_expansion(
    survey: Survey,
    *,
    service: str | None = None,
    covariates: Sequence[str] = (),
    design: Design = "auto",
    seed: Seed = None,
    waves: Sequence[Any] | None = None,
    n_boot: int = 9999,
    max_enumerate: int = MAX_ENUMERATE,
    n_draws: int = 9999,
    conf_level: float = 0.95,
) -> ExpansionResult:
    """Per-circle workshop effects on willingness and the change in the near-far gap.

    Parameters
    ----------
    survey : Survey
        Two waves, willingness items per circle, workshop and comparison
        villages.
    service : str, optional
        One service; ``None`` pools: a respondent's willingness toward a
        circle is the mean of the items answered for it
        (:meth:`Survey.willingness`).
    covariates : sequence of str, default ()
        Respondent variables adjusted for (time-constant; see
        :func:`~mutualaid_analysis.evaluation.evaluate`).
    design : {"auto", "prepost", "comparison", "randomized"}, default "auto"
        As in :func:`~mutualaid_analysis.evaluation.evaluate`; "randomized"
        adds randomisation inference.  With one arm ("prepost") only the
        within-arm changes are reported.
    seed : int, numpy Generator or None, default None
        For the wild bootstrap (Webb draws) and Monte Carlo randomisation.
        None draws a fresh seed, recorded in ``info["seed"]`` (as in
        :func:`~mutualaid_analysis.evaluation.evaluate`).
    waves : pair of wave names, optional
        Baseline and follow-up (default: first and last present).
    n_boot, max_enumerate, n_draws, conf_level
        As in :func:`~mutualaid_analysis.evaluation.evaluate` (``B=`` and
        ``alpha=`` are the deprecated old names of ``n_boot`` and
        ``conf_level``: ``alpha=a`` is ``conf_level=1-a``).

    Returns
    -------
    ExpansionResult
        ``.table`` columns: ``circle`` (each circle, nearest first, then the
        gap ``"relatives - villagers"``: nearest minus farthest), ``design``,
        ``estimand`` (``"within-arm change"`` or ``"between-arm effect"``),
        ``model`` (``"paired"`` or ``"DiD"``), ``arm``, ``inference``
        (``"CR2"``, ``"CR1"``, ``"wild bootstrap"``, ``"randomization"``),
        the contract columns ``term, estimate, std_error, statistic, df,
        p_value, conf_low, conf_high, n, method`` and ``n_clusters``.

    Raises
    ------
    InsufficientDataError
        With two arms, fewer than 2 villages in an arm answered about a
        circle; with one arm, fewer than 2 villages have respondents
        observed at both waves.  (With two arms and no matched respondents
        the DiD still runs; the within-arm rows are empty and a note says
        why.)

    Notes
    -----
    For circle ``c`` the willingness ``W_ict`` (1-5) is modelled by the DiD
    regression ``W_ict = a + b A_v + d post_t + tau_c A_v post_t + e`` on
    the long panel, with CR2/Satterthwaite, CR1S t(G-1), the wild cluster
    restricted bootstrap and (randomised designs) randomisation inference
    exactly as in :func:`~mutualaid_analysis.evaluation.evaluate`.  The gap
    ``W_i,near - W_i,far`` (respondents who answered both) gets the same
    DiD; its coefficient ``tau_gap`` is the change in the gap in workshop
    villages minus that in comparison villages.  **A widening ripple is
    ``tau_gap < 0``**: after the workshop the far circle is less far behind
    the near one.  (With the same respondents in every circle ``tau_gap =
    tau_near - tau_far``.)  Within-arm rows give each arm's mean change
    with a village-cluster CR2 interval.

    References
    ----------
    Fei, X. (1947/1992). From the Soil (乡土中国), ch. 4.

    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed
    effects models. Journal of Business & Economic Statistics, 36(4), 672-683.

    Examples
    --------
    >>> import mutualaid_analysis as ma
    >>> res = ma.circle_expansion(ma.load_sample(), seed=1)  # doctest: +SKIP
    >>> res.gap_effect()  # doctest: +SKIP
    """
    if not isinstance(survey, Survey):
        raise UsageError(f"survey must be a Survey; got {type(survey).__name__}.")
    B = check_count(n_boot, "n_boot")
    max_enumerate = check_count(max_enumerate, "max_enumerate")
    n_draws = check_count(n_draws, "n_draws")
    seed = seed_int(seed)
    alpha = alpha_of(conf_level)
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(dict.fromkeys(covariates))
    check_columns(survey, covariates, "covariate")
    spec = study_design(survey, design, waves=waves, clustered=True, what="circle_expansion()")
    wide = survey.willingness(service)
    cb = survey.codebook
    circles = [c for c in cb.circles if c in wide.columns]
    if len(circles) < 2:
        raise UsageError(
            f"circle_expansion needs willingness for at least two circles; the data have {circles}."
        )
    near, far = circles[0], circles[-1]
    gap = f"{near} - {far}"
    series = {c: resolve_outcome(survey, c, service=service).values for c in circles}
    series[gap] = series[near] - series[far]

    rows: list[dict[str, Any]] = []
    means = []
    support_notes: list[str] = []
    for label, values in series.items():
        panel = build_panel(survey, values, covariates, spec)
        support_notes.extend(
            check_support(
                survey, panel, spec, f"circle_expansion: willingness {label!r}", paired=False
            )
        )
        # the arms at baseline, the treated arm first (an arm seen only later has no change)
        for arm in [str(a) for a in spec.arms] or [spec.treated_label]:
            sub = panel.resp.loc[panel.resp["arm"].astype(str) == arm]
            rows.extend(r for r in within_rows(sub, arm, spec, alpha) if r["inference"] == "CR2")
            for w, col in ((spec.baseline, "pre"), (spec.followup, "post")):
                v = sub[col].dropna().to_numpy(dtype=float)
                means.append(
                    {
                        "circle": label,
                        "arm": arm,
                        "wave": w,
                        "mean": v.mean() if v.size else np.nan,
                        "n": v.size,
                    }
                )
        if spec.kind in ("comparison", "randomized"):
            between, _ = between_rows(
                panel,
                spec,
                models=("DiD",),
                B=B,
                seed=seed,
                seed_key=zlib.crc32(f"circle:{label}".encode()),
                alpha=alpha,
                max_enumerate=max_enumerate,
                n_draws=n_draws,
            )
            rows.extend(between)
        for r in rows:
            r.setdefault("circle", label)
    for r in rows:
        r["design"] = spec.kind
    table = contract_frame(rows, ID_COLUMNS, EXTRA_COLUMNS)
    table["n"] = table["n"].astype("Int64")
    table["n_clusters"] = table["n_clusters"].astype("Int64")

    notes = [
        spec.reason,
        f"Waves: {spec.baseline} (baseline) and {spec.followup} (follow-up).",
        f"Willingness: {'pooled over services' if service is None else service}; "
        f"gap = {near} - {far} (nearest minus farthest circle).",
        *filter(None, [empty_circle_note(cb, service)]),
        *dict.fromkeys(support_notes),
    ]
    gap_info: dict[str, Any] | None = None
    if spec.kind in ("comparison", "randomized"):
        cr2 = table.loc[
            (table["circle"] == gap)
            & (table["estimand"] == "between-arm effect")
            & (table["inference"] == "CR2")
        ].iloc[0]
        gap_info = {
            k: cr2[k] for k in ("estimate", "std_error", "df", "p_value", "conf_low", "conf_high")
        }
        direction = (
            "narrowed (the ripple widened)"
            if cr2["estimate"] < 0
            else "widened (the ripple narrowed)"
        )
        notes.append(
            f"Relative to comparison villages, the {gap} gap {direction} by "
            f"{abs(cr2['estimate']):.3g} points in workshop villages (CR2 "
            f"{100 * (1 - alpha):g}% CI {cr2['conf_low']:.3g} to {cr2['conf_high']:.3g}, "
            f"p = {cr2['p_value']:.3g}). A widening ripple is a negative gap effect."
        )
    title = f"Does the ripple widen? Willingness by circle ({spec.kind})"
    return ExpansionResult(
        table=table,
        title=title,
        notes=tuple(notes),
        tables={"means": pd.DataFrame(means)},
        info={
            # the facts, for the gap (the last panel): respondents with it at both
            # waves, and villages with analysed answers
            "nobs": int((panel.resp["pre"].notna() & panel.resp["post"].notna()).sum()),
            "n_clusters": int(panel.long["cluster"].nunique()),
            "design": spec.kind,
            "design_reason": spec.reason,
            "gap": gap,
            "near": near,
            "far": far,
            "service": service,
            "gap_effect": gap_info,
            "covariates": covariates,
            "waves": (spec.baseline, spec.followup),
            "seed": seed,
            "n_boot": B,
            "B": B,  # the former name, kept for one release
            "conf_level": float(conf_level),
            "alpha": alpha,  # 1 - conf_level, kept for one release
        },
    )
