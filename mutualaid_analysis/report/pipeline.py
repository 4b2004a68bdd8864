"""Run every analysis a configuration asks for: named tables, figures and facts.

:func:`run_pipeline` reads the survey, checks the configuration against its
codebook, and runs the analyses in the order of the report -- the three
levels of the mutual-aid system (community: the village platform; subject:
the willingness gradient, ability and self-efficacy; institutional:
participation, volunteer hours, points), then the workshop evaluation -- and
returns a :class:`PipelineResult`: the tables to publish (small counts
suppressed, personal data kept out), the figures, the analysis results
themselves (for the report text) and what actually ran (for the methods
section).  Nothing here writes files: :mod:`.writer` does.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import AnalysisError, MutualAidError, UsageError
from .config import Config, ConfigError
from .settings import ReportSettings, resolve_settings

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..data.survey import Survey
    from ..inference import VcovType

__all__ = [
    "ANALYSES",
    "PUBLISHED_TABLES",
    "PipelineResult",
    "Progress",
    "ReportSettings",
    "resolve_settings",
    "run_pipeline",
]

#: Every table ``mutualaid run`` can write (``tables/<name>.csv``), in report order,
#: with what one row is.  Tables whose analysis does not apply (no second wave,
#: no arms, mixed model switched off) are left out of a run.
PUBLISHED_TABLES: dict[str, str] = {
    "sample": "wave x group: respondents and villages",
    "platform": "community variable x wave x group x measure",
    "gradient": "as ma.gradient (baseline; by group)",
    "ordering": "as ma.test_ordering",
    "profiles": "as ma.classify_profiles",
    "scalability": "as ma.scalability",
    "ordinal": "as fit_ordinal",
    "ordinal_predicted": "fit_ordinal .tables['predicted']",
    "ordinal_mixed": "as fit_ordinal_mixed (analysis.mixed_model = true)",
    "reliability": "as ma.reliability, every scale",
    "reliability_items": "ma.reliability .tables['items'], every scale",
    "scale_scores": "scale x wave x group: mean score",
    "participation": "institutional variable x wave x group x measure",
    "attrition": "as ma.attrition",
    "baseline_equivalence": "as ma.baseline_equivalence",
    "effects": "as ma.evaluate (every outcome, one family)",
    "effects_means": "ma.evaluate .tables['means']",
    "circle_expansion": "as ma.circle_expansion",
    "reliable_change": "as ma.reliable_change, every scale",
    "missing_codes": "as Survey.missing_counts",
    "ledger_summary": "wave x status x reason: rows",
}

#: Count columns (of people) that small-count suppression looks at.
COUNT_COLUMNS = (
    "n",
    "count",
    "n_lost",
    "n_analytic",
    "n_baseline",
    "n_treated",
    "n_comparison",
    "n_respondents",
)
#: Numeric columns never blanked with a suppressed count (not computed from it).
_NOT_DEPENDENT = {"df", "n_clusters", "n_villages", "threshold", "code", "line"}
#: Tables not suppressed: the ledger's own accounting (ledger.csv lists every row anyway).
_UNSUPPRESSED = {"ledger_summary"}


_EVALUATION_HINT = (
    "the workshop evaluation needs two waves and, for between-arm effects, workshop and "
    "comparison villages (at least two of each); check [survey] wave, waves, group and "
    "treated in the codebook, and analysis.outcomes and analysis.covariates."
)
_GRADIENT_HINT = (
    "the willingness items (variables with a circle) need answers in every circle; check "
    "[circles] and the items' circle/service in the codebook, and analysis.service and "
    "analysis.threshold."
)
_SCALE_HINT = (
    "check analysis.scales and the codebook's scale items: each scale needs at least two "
    "items answered by several respondents."
)
#: Every step of the pipeline: what it is, and what to change when it cannot run.
ANALYSES: dict[str, tuple[str, str]] = {
    "settings": (
        "analysis settings",
        "set inference.randomized = false unless villages were randomly assigned to "
        "workshop and comparison arms, and check [survey] group and treated.",
    ),
    "sample": ("sample sizes", "check [survey] id, cluster and wave in the codebook."),
    "platform": (
        "community level: the village platform",
        "check analysis.community: binary or count variables answered in the data.",
    ),
    "gradient": ("willingness gradient across the circles", _GRADIENT_HINT),
    "ordering": ("tests of the ordering of the circles", _GRADIENT_HINT),
    "profiles": ("gradient profiles", _GRADIENT_HINT),
    "scalability": ("scalability of the circles", _GRADIENT_HINT),
    "ordinal": (
        "cumulative link model",
        "check analysis.covariates and analysis.moderators: each needs at least two "
        "distinct values among the respondents analysed, and none may repeat another.",
    ),
    "ordinal_mixed": (
        "cumulative link mixed model",
        "set analysis.mixed_model = false, or check analysis.covariates and moderators.",
    ),
    "reliability": ("scale reliability", _SCALE_HINT),
    "scale_scores": ("scale scores", _SCALE_HINT),
    "participation": (
        "institutional level: participation, hours, points",
        "check analysis.institutional: binary or count variables answered in the data.",
    ),
    "attrition": ("attrition", _EVALUATION_HINT),
    "baseline_equivalence": ("baseline equivalence", _EVALUATION_HINT),
    "effects": ("workshop effects", _EVALUATION_HINT),
    "circle_expansion": ("circle expansion", _EVALUATION_HINT),
    "reliable_change": ("reliable change", _SCALE_HINT),
    "ledger": ("data ledger", "check [survey] wave and waves in the codebook."),
    "figures": (
        "figures",
        "check the analysis the figure draws; the tables of the other analyses are fine.",
    ),
}


def panel_hint(survey: Survey) -> str | None:
    """Advice when no respondent id appears in two waves (the panel cannot be matched)."""
    cb = survey.codebook
    wcol, idcol = cb.survey.wave, cb.survey.id
    data = survey.data
    if not wcol or len(survey.waves) < 2 or wcol not in data.columns or idcol not in data.columns:
        return None
    ids = [set(g[idcol].astype(str)) for _, g in data.groupby(wcol, observed=True, sort=False)]
    if len(ids) < 2 or set.intersection(*ids):
        return None
    return (
        f"no respondent id (column {idcol!r}) appears in more than one wave, so the panel "
        "cannot be matched. Check that each wave writes the ids the same way (ids that lost "
        "their leading zeros in one file, 0101001 against 101001: keep them as text)."
    )


@contextlib.contextmanager
def analysis_step(
    name: str,
    n_villages: int | None = None,
    cluster: str | None = None,
    hint: str | None = None,
) -> Iterator[None]:
    """Run one analysis of the pipeline; turn its data errors into an :class:`AnalysisError`.

    The analysis's own errors about these data -- the package's errors
    (:class:`UsageError`, :class:`ConvergenceError`, ...) and ``ValueError``
    (numpy's ``LinAlgError`` among them), Python's way of saying a value
    cannot be used -- become an :class:`AnalysisError` naming the analysis,
    the cause and what to change.  Anything else (``KeyError``,
    ``TypeError``...) is a bug: it is re-raised as it is, with a note naming
    the analysis (``exc.mutualaid_analysis``), never dressed up as a data problem.
    ``hint`` replaces the analysis's usual advice when the data show the cause.
    """
    what, usual = ANALYSES.get(name, ("", None))
    hint = hint or usual
    try:
        yield
    except AnalysisError:
        raise
    except (MutualAidError, ValueError) as exc:
        if cluster and n_villages is not None and n_villages < 2:
            hint = (
                f"the data have {n_villages} village(s) in the column "
                f"{cluster!r} ([survey] cluster): village-clustered inference needs "
                "at least 2. Check that this column holds each respondent's village "
                "(not a constant, not a column misread)."
            )
        raise AnalysisError(name, exc, hint, what) from exc
    except Exception as exc:
        if not hasattr(exc, "mutualaid_analysis"):
            exc.mutualaid_analysis = name  # type: ignore[attr-defined]
            exc.add_note(f"(raised in the analysis {name!r} of the report pipeline)")
        raise


class Progress:
    """Progress lines on stderr for the slow steps; silent when ``quiet``."""

    def __init__(self, quiet: bool = False, stream: Any = None) -> None:
        self.quiet = quiet
        self.stream = stream

    def message(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream or sys.stderr, flush=True)

    @contextlib.contextmanager
    def step(self, text: str, slow: bool = False) -> Iterator[None]:
        """Time a step; announce it first when ``slow`` and report it when it took > 1 s."""
        if slow:
            self.message(f"mutualaid: {text} ...")
        start = time.perf_counter()
        yield
        took = time.perf_counter() - start
        if slow or took > 1.0:
            self.message(f"mutualaid: {text}: done in {took:.1f} s")


@dataclass
class FigureSpec:
    """A figure of the report: its name (file stem), caption key and the figure itself."""

    name: str
    section: str
    figure: Figure


@dataclass
class PipelineResult:
    """Everything the report is made of.

    Attributes
    ----------
    tables : dict of str to DataFrame
        The published tables (``tables/<name>.csv``), in report order.
    figures : list of FigureSpec
    results : dict
        The analysis results by name (unpublished; for the report text).
    survey : Survey
    settings : ReportSettings
        The resolved analysis settings (what actually ran), read by attribute
        (``result.settings.vcov``).
    ledger : DataFrame
        The published ledger (``ledger.csv``).
    notes : list of str
        Things the reader must know (skipped analyses, suppression, privacy).
    ran : list of str
        The analyses that ran, in order (for the methods section).
    """

    tables: dict[str, pd.DataFrame]
    figures: list[FigureSpec]
    results: dict[str, Any]
    survey: Survey
    settings: ReportSettings
    ledger: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading
def read_study(config: Config) -> Survey:
    """Read the codebook, check the configuration against it, then read the data.

    Raises
    ------
    CodebookError
        The codebook is invalid.
    ConfigError
        The configuration names variables, scales or services the codebook lacks.
    SurveyValidationError
        The data failed validation (with ``on_invalid = "raise"``).
    """
    from ..data.codebook import read_codebook
    from ..data.survey import read_survey

    codebook = read_codebook(config.codebook_path)
    problems = check_against_codebook_and_roles(config, codebook)
    if problems:
        raise ConfigError(problems, str(config.source) if config.source else None)
    paths = config.data_paths
    data: Any = paths.get("", paths)
    return read_survey(
        data,
        codebook,
        on_invalid=config.data.on_invalid,
        encoding=config.data.encoding,
        sheet=config.data.sheet,
    )


def check_against_codebook_and_roles(config: Config, codebook: Any) -> list[str]:
    from .config import check_against_codebook

    return check_against_codebook(config, codebook)  # the waves are checked there too


# --------------------------------------------------------------------------- descriptives
def _by_column(survey: Survey, by: str | None) -> str | None:
    """``by`` when the analysis data hold it (the descriptive tables then split by it)."""
    return by if by and by in survey.data.columns else None


def ledger_summary(survey: Survey) -> pd.DataFrame:
    """Rows read by wave, status and reason (the ledger identity, in numbers)."""
    led = survey.ledger.copy()
    led["wave"] = led["wave"].astype("string").fillna("")
    led["reason"] = led["reason"].astype("string").fillna("")
    out = (
        led.groupby(["wave", "status", "reason"], sort=False, dropna=False)
        .size()
        .reset_index(name="n")
    )
    order = {w: i for i, w in enumerate([*map(str, survey.codebook.survey.waves or ()), ""])}
    out["_w"] = out["wave"].map(lambda w: order.get(w, len(order)))
    out["_s"] = (out["status"] != "analysed").astype(int)
    out = out.sort_values(["_w", "_s", "reason"], kind="stable").drop(columns=["_w", "_s"])
    out["n"] = out["n"].astype("Int64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- publishing
def publish(table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Suppress small counts of people (and what is computed from them) in a table."""
    from ..data.privacy import suppress_small_counts

    counts = [c for c in COUNT_COLUMNS if c in table.columns]
    if not counts or table.empty:  # an empty table (no missing code used) has nothing to hide
        return table.reset_index(drop=True)
    dependent = [
        c
        for c in table.columns
        if c not in counts
        and c not in _NOT_DEPENDENT
        and pd.api.types.is_numeric_dtype(table[c].dtype)
        and not pd.api.types.is_bool_dtype(table[c].dtype)
    ]
    return suppress_small_counts(
        table, counts, threshold=threshold, dependent_columns=dependent
    ).reset_index(drop=True)


def privacy_gate(name: str, table: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Blank any column of an output table in which personal data is detected by content.

    The data layer already keeps ``pii = true`` columns and detected personal
    data out of ``survey.data``; this is the last check before anything is
    written (ids that are phone numbers, free text quoted in a table...).
    """
    from ..data.privacy import find_personal_data

    text_cols = [
        c
        for c in table.columns
        if table[c].dtype == object or pd.api.types.is_string_dtype(table[c].dtype)
    ]
    if not text_cols or table.empty:
        return table
    found = find_personal_data(table[text_cols].astype("string"))
    bad = sorted({p.column for p in found if p.rule == "undeclared_personal_data" and p.column})
    if not bad:
        return table
    out = table.copy()
    for col in bad:
        out[col] = pd.Series(pd.NA, index=out.index, dtype="string")
        notes.append(f"privacy: column {col!r} of {name} held personal data and was blanked.")
    return out


# --------------------------------------------------------------------------- the pipeline
def run_pipeline(
    config: Config,
    survey: Survey | None = None,
    progress: Progress | None = None,
    *,
    figures: bool = True,
) -> PipelineResult:
    """Run every analysis of ``config``; return the tables, figures and facts of the report.

    Parameters
    ----------
    config : Config
    survey : Survey, optional
        Already read (default: read with :func:`read_study`).
    progress : Progress, optional
        Where progress lines go (default: stderr).
    figures : bool, default True
        Also draw the figures (needs matplotlib's non-interactive backend).

    Returns
    -------
    PipelineResult

    Raises
    ------
    ConfigError, CodebookError, SurveyValidationError
        Before any analysis runs.
    UsageError, ConvergenceError
        An analysis cannot be run on these data.
    """
    import mutualaid_analysis as ma

    from ..models import fit_ordinal

    progress = progress or Progress()
    if survey is None:
        with progress.step("reading and validating the data"):
            survey = read_study(config)
    cb = survey.codebook
    with analysis_step("settings"):
        s = resolve_settings(config, survey)

    unmatched = panel_hint(survey) if s.evaluation else None
    evaluation_steps = {
        "attrition",
        "baseline_equivalence",
        "effects",
        "circle_expansion",
        "reliable_change",
    }

    def step(name: str) -> contextlib.AbstractContextManager[None]:
        hint = unmatched if name in evaluation_steps else None
        return analysis_step(name, s.n_villages, cb.survey.cluster, hint)

    results: dict[str, Any] = {}
    raw: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    ran: list[str] = []
    by, service, thr = s.by, s.service, s.threshold

    with step("sample"):
        raw["sample"] = ma.sample_sizes(survey, by=_by_column(survey, by)).table

    # -- community level: the village platform
    if s.community:
        with step("platform"):
            raw["platform"] = ma.describe(
                survey, s.community, by=_by_column(survey, by), vcov=s.vcov
            ).table
        ran.append("platform")

    # -- subject level: the willingness gradient
    # Each gradient analysis runs on all respondents (group "all") and, with `by`, per group.
    splits: list[str | None] = [None, by] if by else [None]
    with progress.step("willingness gradient"):
        for split in splits:
            key = "" if split is None else "_by"
            with step("gradient"):
                results["gradient" + key] = ma.gradient(
                    survey, by=split, service=service, threshold=thr, vcov=s.vcov
                )
            with step("ordering"):
                results["ordering" + key] = ma.test_ordering(survey, service=service, by=split)
            with step("profiles"):
                results["profiles" + key] = ma.classify_profiles(
                    survey, service=service, by=split, threshold=thr
                )
            with step("scalability"):
                results["scalability" + key] = ma.scalability(
                    survey, threshold=thr, service=service, by=split, seed=s.seed
                )
    ran += ["gradient", "ordering", "profiles", "scalability"]
    for name in ("gradient", "ordering", "profiles", "scalability"):
        table = results[name].table
        if by:
            by_table = results[name + "_by"].table
            has_all = (by_table["group"].astype(str) == "all").any()
            table = by_table if has_all else pd.concat([table, by_table], ignore_index=True)
        raw[name] = table
    with progress.step("cumulative link model"), step("ordinal"):
        results["ordinal"] = fit_ordinal(
            survey, s.covariates, s.moderators, service=service, vcov=s.ordinal_vcov
        )
    raw["ordinal"] = results["ordinal"].table
    raw["ordinal_predicted"] = results["ordinal"].tables["predicted"]
    ran.append("ordinal")
    if s.mixed_model:
        try:
            from ..models import fit_ordinal_mixed
        except ImportError as exc:  # the mixed model is optional
            raise UsageError(
                "analysis.mixed_model = true, but the cumulative link mixed model is not "
                f"available in this installation ({exc}); set mixed_model = false."
            ) from exc

        with (
            progress.step("cumulative link mixed model (adaptive quadrature)", slow=True),
            step("ordinal_mixed"),
        ):
            results["ordinal_mixed"] = fit_ordinal_mixed(
                survey, s.covariates, s.moderators, service=service
            )
        raw["ordinal_mixed"] = results["ordinal_mixed"].table
        ran.append("ordinal_mixed")

    # -- subject level: ability and self-efficacy
    if s.scales:
        with step("reliability"):
            rel = [ma.reliability(survey, sc) for sc in s.scales]
        results["reliability"] = rel
        raw["reliability"] = pd.concat([r.table for r in rel], ignore_index=True)
        raw["reliability_items"] = pd.concat(
            [r.tables["items"].assign(scale=sc) for r, sc in zip(rel, s.scales, strict=True)],
            ignore_index=True,
        )
        cols = ["scale", *[c for c in raw["reliability_items"].columns if c != "scale"]]
        raw["reliability_items"] = raw["reliability_items"][cols]
        with step("scale_scores"):
            raw["scale_scores"] = _scale_scores(survey, s.scales, by, s.vcov)
        ran += ["reliability", "scale_scores"]

    # -- institutional level: participation, hours, points
    if s.institutional:
        with step("participation"):
            raw["participation"] = ma.describe(
                survey, s.institutional, by=_by_column(survey, by), vcov=s.vcov
            ).table
        ran.append("participation")

    # -- workshop evaluation
    if s.evaluation:
        if s.arms:
            with step("attrition"):
                results["attrition"] = ma.attrition(survey)
            raw["attrition"] = results["attrition"].table
            ran.append("attrition")
            numeric = [
                v
                for v in s.covariates
                if v in cb.variables
                and cb.variables[v].type in ("integer", "number", "binary", "ordinal")
            ]
            equiv = [*numeric, *s.scales]
            if equiv:
                with step("baseline_equivalence"):
                    results["baseline_equivalence"] = ma.baseline_equivalence(survey, equiv)
                raw["baseline_equivalence"] = results["baseline_equivalence"].table
                ran.append("baseline_equivalence")
        else:
            notes.append(
                "attrition and baseline equivalence need workshop and comparison "
                "villages; the data have one arm."
            )
        if s.outcomes:
            label = f"B = {s.n_boot}" if s.arms else ""
            with (
                progress.step(
                    f"workshop effects (wild cluster bootstrap, {label})".replace(", )", ")"),
                    slow=s.arms,
                ),
                step("effects"),
            ):
                results["effects"] = ma.evaluate(
                    survey,
                    outcomes=s.outcomes,
                    covariates=s.covariates,
                    design=s.design,
                    seed=s.seed,
                    n_boot=s.n_boot,
                )
            raw["effects"] = results["effects"].table
            raw["effects_means"] = results["effects"].tables["means"]
            ran.append("effects")
        with (
            progress.step("circle expansion (wild cluster bootstrap)", slow=s.arms),
            step("circle_expansion"),
        ):
            results["circle_expansion"] = ma.circle_expansion(
                survey,
                service=service,
                covariates=s.covariates,
                design=s.design,
                seed=s.seed,
                n_boot=s.n_boot,
            )
        raw["circle_expansion"] = results["circle_expansion"].table
        ran.append("circle_expansion")
        if s.scales:
            with step("reliable_change"):
                rc = [ma.reliable_change(survey, sc) for sc in s.scales]
            results["reliable_change"] = rc
            raw["reliable_change"] = pd.concat([r.table for r in rc], ignore_index=True)
            ran.append("reliable_change")
    else:
        notes.append(
            "the workshop evaluation needs two waves in village clusters; "
            "these data have "
            + (f"{len(s.waves)} wave(s)." if cb.survey.cluster else "no village column.")
        )

    # -- the data ledger
    with step("ledger"):
        raw["missing_codes"] = survey.missing_counts
        raw["ledger_summary"] = ledger_summary(survey)

    threshold = config.report.suppress_below
    tables: dict[str, pd.DataFrame] = {}
    for name in PUBLISHED_TABLES:
        if name not in raw:
            continue
        table = raw[name]
        if name not in _UNSUPPRESSED:
            table = publish(table, threshold)
        tables[name] = privacy_gate(name, table, notes)
    ledger = privacy_gate("ledger.csv", survey.ledger.copy(), notes)

    figs: list[FigureSpec] = []
    if figures:
        with progress.step("figures", slow=False), step("figures"):
            figs = make_figures(survey, results, tables, s.as_dict(), config.report.lang)
    return PipelineResult(
        tables=tables,
        figures=figs,
        results=results,
        survey=survey,
        settings=s,
        ledger=ledger,
        notes=notes,
        ran=ran,
    )


def _scale_scores(
    survey: Survey, scales: Sequence[str], by: str | None, vcov: VcovType
) -> pd.DataFrame:
    """Mean scale score per wave and group, village-cluster interval."""
    import mutualaid_analysis as ma

    from ..inference import cluster_mean

    cb = survey.codebook
    cluster, wcol = cb.survey.cluster, cb.survey.wave
    rows = []
    for sc in scales:
        scores = ma.score_scale(survey, sc)
        waves: list[Any] = survey.waves or [None]
        groups: list[Any] = ["all"]
        if by and by in scores.columns:
            groups += [g for g in pd.unique(scores[by].dropna().astype(str))]
        for wave in waves:
            dw = scores if wave is None else scores[scores[wcol].astype(str) == str(wave)]
            for group in groups:
                dg = dw if group == "all" else dw[dw[by].astype(str) == group]
                y = dg["score"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                ok = ~np.isnan(y)
                y, cl = y[ok], dg[cluster].to_numpy()[ok]
                row: dict[str, Any] = {
                    "scale": sc,
                    "wave": wave,
                    "group": group,
                    "term": "mean score",
                }
                if len(y) >= 2 and len(pd.unique(cl)) >= 2:
                    t = cluster_mean(y, cl, vcov=vcov, name="mean score").table.iloc[0]
                    row.update(
                        estimate=t["estimate"],
                        std_error=t["std_error"],
                        df=t["df"],
                        conf_low=t["conf_low"],
                        conf_high=t["conf_high"],
                        method=f"mean scale score (intercept-only {t['method']}), village clusters",
                    )
                else:
                    row.update(
                        estimate=float(np.mean(y)) if len(y) else np.nan,
                        method="mean scale score (too few villages for an interval)",
                    )
                row.update(n=len(y), n_clusters=len(pd.unique(cl)))
                rows.append(row)
    cols = [
        "scale",
        "wave",
        "group",
        "term",
        "estimate",
        "std_error",
        "statistic",
        "df",
        "p_value",
        "conf_low",
        "conf_high",
        "n",
        "method",
        "n_clusters",
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"n": "Int64", "n_clusters": "Int64"})


# --------------------------------------------------------------------------- figures
def make_figures(
    survey: Survey,
    results: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    s: dict[str, Any],
    lang: str,
) -> list[FigureSpec]:
    """Draw the report's figures with :mod:`mutualaid_analysis.plots`.

    A figure whose plot function is not available in the installed
    :mod:`~mutualaid_analysis.plots` is left out (never drawn as a stub).
    Figures show aggregates only (means, shares, counts of the flow
    diagram), never a respondent's data.
    """
    import matplotlib.pyplot as plt

    from .. import plots
    from ..evaluation.attrition import participant_flow
    from ..evaluation.means import wave_means
    from ..gradient.summaries import likert_table

    cb = survey.codebook
    two_arm_panel = s["evaluation"] and s["arms"]
    service = s["service"]
    specs: list[tuple[str, str, Any]] = []

    def have(name: str) -> bool:
        return callable(getattr(plots, name, None))

    def multi(fn_name: str, variables: list[str]) -> Any:
        def draw(lang_used: str) -> Any:
            fn = getattr(plots, fn_name)
            k = len(variables)
            fig, axes = plt.subplots(1, k, figsize=(3.4 * k, 3.2), squeeze=False)
            for ax, var in zip(axes[0], variables, strict=True):
                fn(wave_means(survey, var), ax=ax, lang=lang_used)
            fig.tight_layout()
            return fig

        return draw

    def one(fn_name: str, *args: Any, **kwargs: Any) -> Any:
        def draw(lang_used: str) -> Any:
            ax = getattr(plots, fn_name)(*args, lang=lang_used, **kwargs)
            return ax.figure

        return draw

    if two_arm_panel and s["community"] and have("wave_means"):
        specs.append(("platform_means", "community", multi("wave_means", s["community"])))
    gradient = results["gradient"]
    if have("ripple"):
        specs.append(("ripple", "gradient", one("ripple", gradient, codebook=cb)))
    if have("gradient_lines"):
        specs.append(
            (
                "gradient_lines",
                "gradient",
                one("gradient_lines", results.get("gradient_by", gradient), codebook=cb),
            )
        )
    if have("likert_bars"):
        specs.append(("likert_bars", "gradient", one("likert_bars", likert_table(survey, service=service))))
    if have("profile_shares"):
        specs.append(
            (
                "profile_shares",
                "gradient",
                one("profile_shares", results.get("profiles_by", results["profiles"]), codebook=cb),
            )
        )
    if have("predicted_probabilities"):
        specs.append(
            (
                "predicted_probabilities",
                "ordinal",
                one("predicted_probabilities", results["ordinal"]),
            )
        )
    if two_arm_panel and s["scales"] and have("slope"):
        specs.append(
            (
                "slope",
                "ability",
                one("slope", wave_means(survey, s["scales"][0]), min_count=s["suppress_below"]),
            )
        )
    if two_arm_panel and s["institutional"] and have("wave_means"):
        specs.append(
            ("participation_means", "institutional", multi("wave_means", s["institutional"]))
        )
    if two_arm_panel and "attrition" in results and have("flow_diagram"):
        flow = participant_flow(survey)
        specs.append(("flow_diagram", "attrition", one("flow_diagram", flow, codebook=cb, min_count=s["suppress_below"])))
    if "effects" in results and have("forest"):
        estimand = "between-arm effect" if s["arms"] else "within-arm change"
        specs.append(
            ("forest", "effects", one("forest", results["effects"], codebook=cb, estimand=estimand))
        )
    if two_arm_panel and have("wave_means"):
        specs.append(("circle_means", "expansion", multi("wave_means", list(cb.circles))))

    out: list[FigureSpec] = []
    try:
        for name, section, draw in specs:
            with plots.use_style(lang) as used:
                fig = draw(used)
            out.append(FigureSpec(name=name, section=section, figure=fig))
    except BaseException:
        for spec in out:
            plt.close(spec.figure)
        raise
    return out
