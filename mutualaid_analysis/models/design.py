"""Long data and design matrices for the ordinal models of willingness.

One row per respondent × circle (× service): the answer, the circle, the
covariates and the circle × moderator interactions, with the respondent and
village each row belongs to.  :func:`ordinal_design` is shared by the
cumulative link model and the cumulative link mixed model, so both name their
terms the same way.

Term names
----------
- ``circle[friends]``, ``circle[villagers]``: circle effects relative to the
  nearest circle (the first in ``[circles].order``).
- ``service[emotional_support]``: service effects relative to the first
  service, when the model pools several services.
- numeric covariates by name (``age``); categorical ones (``category`` and
  ``binary`` types, or any listed in ``categorical=``) as one dummy per level
  except the lowest code, named ``var[label]`` (``sex[女]``).
- interactions ``circle[friends]:lives_alone[是]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.survey import Survey
from ..data.waves import Wave, WaveChoice, resolve_wave
from ..exceptions import UsageError

__all__ = ["OrdinalDesign", "ordinal_design", "resolve_wave"]


@dataclass(frozen=True)
class OrdinalDesign:
    """Everything an ordinal model of willingness needs.

    Attributes
    ----------
    y : numpy.ndarray of int
        Answers as category indices 0..K-1 (ordered).
    X : numpy.ndarray of float
        Design matrix without intercept (thresholds play its part).
    terms : list of str
        Column names of ``X``.
    categories : list
        The response codes, in order (``categories[y]`` is the answer).
    category_labels : list of str
        Value labels of the codes.
    respondent, cluster : numpy.ndarray of int
        Group indices (0..n_groups-1) per row.
    respondent_ids, cluster_ids : numpy.ndarray
        The id of each group index.
    data : pandas.DataFrame
        The long data used (one row per answer), with the original values.
    n_excluded : int
        Answers dropped because the answer or a covariate was missing.
    excluded : pandas.DataFrame
        Which respondents lost answers, and why.
    wave, service : optional
        What was modelled.
    term_kinds : dict
        term -> "circle", "service", "covariate" or "interaction".
    """

    y: np.ndarray
    X: np.ndarray
    terms: list[str]
    categories: list[Any]
    category_labels: list[str]
    respondent: np.ndarray
    cluster: np.ndarray
    respondent_ids: np.ndarray
    cluster_ids: np.ndarray
    data: pd.DataFrame
    n_excluded: int
    excluded: pd.DataFrame
    wave: Wave | None = None
    service: str | None = None
    term_kinds: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Answers modelled."""
        return len(self.y)

    @property
    def n_respondents(self) -> int:
        return len(self.respondent_ids)

    @property
    def n_clusters(self) -> int:
        return len(self.cluster_ids)


def as_names(names: str | Sequence[str]) -> list[str]:
    """A list of variable names, once each: a single name is one name, not its letters."""
    return list(dict.fromkeys([names] if isinstance(names, str) else names))


def check_columns(survey: Survey, names: Sequence[str], what: str) -> None:
    """Raise UsageError unless every name is a codebook variable present in the data."""
    cb = survey.codebook
    for name in names:
        if name not in cb.variables:
            raise UsageError(f"{what} {name!r} is not a variable of the codebook.")
        if name not in survey.data.columns:
            raise UsageError(f"{what} {name!r} is not in the analysis data (personal data, "
                             "or absent from the file).")
        if not cb.variables[name].is_numeric:
            raise UsageError(f"{what} {name!r} is {cb.variables[name].type}; a {what} must "
                             "be numeric, ordinal, binary or category.")


def covariate_block(survey: Survey, values: pd.DataFrame, name: str,
                     categorical: bool, what: str = "covariate") -> tuple[list[str], np.ndarray]:
    """Columns for one covariate: itself if numeric, dummies (lowest code baseline) if not.

    ``what`` names the variable's role in error messages ("covariate" or "moderator").
    """
    var = survey.codebook.variables[name]
    col = values[name].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if not categorical:
        return [name], col[:, None]
    present = np.unique(col[~np.isnan(col)])
    codes = sorted(set(present) | set(var.values or {}))
    codes = [c for c in codes if c in set(present)]
    if len(codes) < 2:
        raise UsageError(f"{what} {name!r} takes a single value in the data modelled; "
                         "it cannot be estimated.")
    labels = var.values or {}
    names, cols = [], []
    for code in codes[1:]:
        key = int(code) if float(code).is_integer() else code
        lab = labels.get(key, str(key))
        names.append(f"{name}[{lab}]")
        d = (col == code).astype(float)
        d[np.isnan(col)] = np.nan
        cols.append(d)
    return names, np.column_stack(cols)


def ordinal_design(
    survey: Survey,
    covariates: Sequence[str] = (),
    moderators: Sequence[str] = (),
    *,
    service: str | None = None,
    wave: WaveChoice = "baseline",
    categorical: Sequence[str] | None = None,
) -> OrdinalDesign:
    """Build the long data and design matrix of an ordinal willingness model.

    Parameters
    ----------
    survey : Survey
    covariates : sequence of str
        Respondent-level variables (numeric as they are; categorical ones as
        dummies with the lowest code as baseline).
    moderators : sequence of str
        Variables whose interaction with the circle effects is estimated
        (each moderator is also a main effect).
    service : str, optional
        One service; ``None`` models every willingness item, with service
        effects when the survey asks about several services.
    wave : default "baseline"
        Which wave (see :func:`resolve_wave`).
    categorical : sequence of str, optional
        Variables to treat as categorical; default: those of type
        ``category`` or ``binary``.  Ordinal covariates (e.g. self-rated
        health) enter as numbers unless listed here.

    Returns
    -------
    OrdinalDesign
    """
    cb = survey.codebook
    items = cb.willingness_items()
    if not cb.circles or items.empty:
        raise UsageError("the codebook marks no willingness items (circle = ...).")
    services = [s for s in dict.fromkeys(items["service"]) if s is not None]
    if service is not None:
        if service not in services:
            raise UsageError(f"no willingness items for service {service!r}; the services "
                             f"are {services or '(none named)'}.")
        items = items[items["service"] == service]
    covariates, moderators = as_names(covariates), as_names(moderators)
    all_cov = list(dict.fromkeys([*covariates, *moderators]))
    check_columns(survey, [c for c in all_cov if c not in moderators], "covariate")
    check_columns(survey, moderators, "moderator")
    if categorical is None:
        categorical = [n for n in all_cov if cb.variables[n].type in ("category", "binary")]
    categorical_set = set(categorical)
    for var_name in items["variable"]:
        var = cb.variables[var_name]
        if var.type != "ordinal" and var.type != "binary":
            raise UsageError(f"willingness item {var_name!r} is {var.type}; an ordinal model "
                             "needs ordinal items.")

    wave_value = resolve_wave(survey, wave)
    s = cb.survey
    data = survey.data
    if wave_value is not None:
        data = data[data[s.wave].astype(str) == str(wave_value)]
    data = data.reset_index(drop=True)

    # Long form: one row per respondent x item.
    keep = [c for c in (s.id, s.cluster) if c] + all_cov
    long_parts = []
    row: Any  # an itertuples row: its fields are the items table's columns
    for row in items.itertuples(index=False):
        part = data[keep].copy()
        part["circle"] = row.circle
        part["circle_rank"] = row.circle_rank
        part["service"] = row.service
        part["item"] = row.variable
        part["answer"] = data[row.variable].to_numpy(dtype=float, na_value=np.nan)
        long_parts.append(part)
    long = pd.concat(long_parts, ignore_index=True)

    # Blocks of the design matrix.
    names: list[str] = []
    blocks: list[np.ndarray] = []
    kinds: dict[str, str] = {}
    circles_in_data = set(long["circle"])
    circles_present = [c for c in cb.circles if c in circles_in_data]
    circle_cols = []
    for c in circles_present[1:]:
        term = f"circle[{c}]"
        names.append(term)
        kinds[term] = "circle"
        circle_cols.append((long["circle"] == c).to_numpy(dtype=float))
    if circle_cols:
        blocks.append(np.column_stack(circle_cols))
    services_in_data = set(long["service"])
    used_services = [sv for sv in services if sv in services_in_data]
    if service is None and len(used_services) > 1:
        svc = [(long["service"] == sv).to_numpy(dtype=float) for sv in used_services[1:]]
        for sv in used_services[1:]:
            names.append(f"service[{sv}]")
            kinds[f"service[{sv}]"] = "service"
        blocks.append(np.column_stack(svc))
    cov_cols: dict[str, tuple[list[str], np.ndarray]] = {}
    for name in all_cov:
        cov_cols[name] = covariate_block(survey, long, name, name in categorical_set,
                                          "moderator" if name in moderators else "covariate")
        names.extend(cov_cols[name][0])
        kinds.update({t: "covariate" for t in cov_cols[name][0]})
        blocks.append(cov_cols[name][1])
    for name in moderators:
        mnames, mcols = cov_cols[name]
        for ci, c in enumerate(circles_present[1:]):
            for mi, mname in enumerate(mnames):
                term = f"circle[{c}]:{mname}"
                names.append(term)
                kinds[term] = "interaction"
                blocks.append((circle_cols[ci] * mcols[:, mi])[:, None])
    X = np.column_stack(blocks) if blocks else np.zeros((len(long), 0))

    # Complete cases.
    ok = ~np.isnan(long["answer"].to_numpy()) & ~np.isnan(X).any(axis=1)
    if s.cluster:
        ok &= long[s.cluster].notna().to_numpy()
    dropped = long.loc[~ok]
    excluded = pd.DataFrame({
        "respondent": dropped[s.id].to_numpy(dtype=object),
        "item": dropped["item"].to_numpy(dtype=object),
        "reason": np.where(dropped["answer"].isna(), "answer missing", "covariate missing"),
    })
    long = long.loc[ok].reset_index(drop=True)
    X = X[ok]
    if len(long) == 0:
        raise UsageError("no complete answers to model (every row lacks the answer or a "
                         "covariate).")

    answers = long["answer"].to_numpy()
    cats = np.unique(answers)
    if len(cats) < 2:
        raise UsageError("the answers take a single value; an ordinal model needs at least two.")
    y = np.searchsorted(cats, answers)
    first_item = cb.variables[items["variable"].iloc[0]]
    labels = [str((first_item.values or {}).get(int(c) if float(c).is_integer() else c, c))
              for c in cats]
    resp_codes, resp_ids = pd.factorize(long[s.id])
    if s.cluster:
        clu_codes, clu_ids = pd.factorize(long[s.cluster])
    else:
        clu_codes, clu_ids = np.zeros(len(long), dtype=np.int64), np.array([None])

    # Terms that do not vary cannot be estimated: say which.
    const = [t for t, col in zip(names, X.T, strict=True) if np.ptp(col) == 0]
    if const:
        raise UsageError(f"terms {const} do not vary in the data modelled; drop them.")
    return OrdinalDesign(
        y=y.astype(np.int64),
        X=X,
        terms=names,
        categories=[int(c) if float(c).is_integer() else c for c in cats],
        category_labels=labels,
        respondent=np.asarray(resp_codes, dtype=np.int64),
        cluster=np.asarray(clu_codes, dtype=np.int64),
        respondent_ids=np.asarray(resp_ids, dtype=object),
        cluster_ids=np.asarray(clu_ids, dtype=object),
        data=long,
        n_excluded=int((~ok).sum()),
        excluded=excluded,
        wave=wave_value,
        service=service,
        term_kinds=kinds,
    )
