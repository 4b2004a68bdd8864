"""The common shape of every analysis result.

Each analysis returns a :class:`Result` (or a subclass): a tidy ``.table``
following the output contract (docs/design.md), a ``summary()`` for a human, a
rich ``_repr_html_`` for Jupyter, and the extra tables and facts the analysis
produces.  Results are immutable: methods return new objects or values and
never change the result in place, and ``info`` and ``tables`` are read-only
mappings (``result.info["x"] = 1`` raises ``TypeError``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["CLUSTER_COLUMN", "CONTRACT_COLUMNS", "Result", "contract_frame"]

#: The tidy columns every estimate table uses wherever they apply, in this order
#: (docs/design.md, "Output tables").  The one definition: the inference tables'
#: ``inference.TABLE_COLUMNS`` are these with :data:`CLUSTER_COLUMN` before ``method``.
CONTRACT_COLUMNS = [
    "term", "estimate", "std_error", "statistic", "df", "p_value", "conf_low", "conf_high",
    "n", "method",
]

#: The contract column added where inference is clustered.
CLUSTER_COLUMN = "n_clusters"


def contract_frame(rows: Sequence[Mapping[str, Any]], id_columns: list[str] | None = None,
                   extra: list[str] | None = None) -> pd.DataFrame:
    """Build a tidy table: identifying columns first, then the contract columns, then extras.

    Contract columns that no row sets are still present (all missing), so that
    scripts which parse the tables can rely on them.
    """
    id_columns = list(id_columns or [])
    extra = list(extra or [])
    cols = [*id_columns, *CONTRACT_COLUMNS, *extra]
    frame = pd.DataFrame(list(rows), columns=cols)
    return frame


@dataclass(frozen=True, eq=False)
class Result:
    """Base class of analysis results.

    Attributes
    ----------
    table : pandas.DataFrame
        The main tidy table (one row per estimate).
    title : str
        What was estimated, for ``summary()`` and display.
    notes : tuple of str
        Things a reader must know (method details, exclusions, warnings).
    tables : mapping
        Further named tables (e.g. per-respondent values); read-only.
    info : mapping
        Facts about the run (n, clusters, service, ...); read-only.

    Notes
    -----
    ``info`` and ``tables`` are copied into read-only mappings
    (:class:`types.MappingProxyType`) when the result is made, so a result
    cannot be changed after the fact; build a new one (for example with
    :func:`dataclasses.replace`) instead.  The typed facts ``nobs``,
    ``n_clusters``, ``df``, ``loglik``, ``enumerated`` and ``method`` mean
    the same on every result and are None where a result does not record
    them.  A subclass whose table follows from its fields declares
    ``table`` with ``init=False`` and defines ``_make_table()``: the table
    is then built on first use and kept.
    """

    table: pd.DataFrame
    title: str = ""
    notes: tuple[str, ...] = ()
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._freeze()

    def _freeze(self) -> None:
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    def __getattr__(self, name: str) -> Any:
        # Called only when ordinary lookup fails: the table of a result that
        # builds it from its fields, made on first use (it is deterministic).
        if name == "table":
            make = getattr(type(self), "_make_table", None)
            if make is not None:
                table = make(self)
                object.__setattr__(self, "table", table)
                return table
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> dict[str, Any]:
        # mapping proxies cannot be pickled (or deep-copied): store plain dicts
        state = dict(self.__dict__)
        state["info"], state["tables"] = dict(self.info), dict(self.tables)
        return state

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self._freeze()

    # ---- typed facts: one name each, read from ``info`` where a subclass holds no field
    def _fact(self, *keys: str) -> Any:
        for key in keys:
            if key in self.info and self.info[key] is not None:
                return self.info[key]
        return None

    @property
    def nobs(self) -> int | None:
        """Observations used (answers for a model of answers), or None if not recorded."""
        v = self._fact("nobs", "n_answers")
        return None if v is None else int(v)

    @property
    def n_clusters(self) -> int | None:
        """Villages the inference was clustered on, or None."""
        v = self._fact("n_clusters", "n_villages")
        return None if v is None else int(v)

    @property
    def df(self) -> float | None:
        """Reference-distribution degrees of freedom, or None."""
        v = self._fact("df")
        return None if v is None else float(v)

    @property
    def loglik(self) -> float | None:
        """Maximised log-likelihood of a model fit, or None."""
        v = self._fact("loglik", "loglike")
        return None if v is None else float(v)

    @property
    def enumerated(self) -> bool | None:
        """Whether a resampling reference distribution was enumerated in full, or None."""
        v = self._fact("enumerated")
        return None if v is None else bool(v)

    @property
    def method(self) -> str | None:
        """The estimator and inference, when one method covers the whole result."""
        v = self._fact("method")
        if v is None and "method" in self.table and self.table["method"].nunique() == 1:
            v = self.table["method"].iloc[0]
        return None if v is None else str(v)

    def summary(self) -> str:
        """Title, the table (without the long ``method`` column), each method once, the notes."""
        short = self.table.drop(columns=["method"], errors="ignore")
        with pd.option_context("display.max_columns", 30, "display.width", 160,
                               "display.max_colwidth", 40):
            body = short.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        parts = [self.title, "=" * len(self.title), body] if self.title else [body]
        if "method" in self.table:
            methods = list(dict.fromkeys(self.table["method"].dropna()))
            parts.append("")
            parts.extend(f"Method: {m}" for m in methods)
        if self.notes:
            parts.append("")
            parts.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.title} ({len(self.table)} rows)>"

    def _repr_html_(self) -> str:
        head = f"<h4>{html.escape(self.title)}</h4>" if self.title else ""
        table = self.table.to_html(index=False, float_format=lambda v: f"{v:.4g}",
                                   na_rep="", border=0)
        notes = "".join(f"<p><em>Note:</em> {html.escape(n)}</p>" for n in self.notes)
        return f"<div>{head}{table}{notes}</div>"
