"""Tidy output: the package's table contract for every inference result.

One row per estimate, columns (docs/design.md, "Output tables")::

    term, estimate, std_error, statistic, df, p_value, conf_low, conf_high,
    n, n_clusters, method

plus any identifying columns the caller passes (``circle``, ``outcome``,
``wave`` ...), which come first.  ``df`` is the t (or F denominator) degrees
of freedom that produced ``p_value``; it is never infinite for a
cluster-robust statistic, because this package never reports a normal p-value
from a cluster-robust covariance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..exceptions import UsageError

__all__ = ["TABLE_COLUMNS", "TidyResult", "make_table", "tidy"]

TABLE_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "df",
    "p_value",
    "conf_low",
    "conf_high",
    "n",
    "n_clusters",
    "method",
)


@runtime_checkable
class TidyResult(Protocol):
    """Anything with a tidy ``.table`` (every result in :mod:`~mutualaid_analysis.inference`)."""

    @property
    def table(self) -> pd.DataFrame: ...  # pragma: no cover


def make_table(rows: Mapping[str, Any], ids: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Build a contract table from column arrays (missing contract columns become NA).

    Parameters
    ----------
    rows : mapping
        Column name -> scalar or array; every key must be a contract column.
    ids : mapping, optional
        Identifying columns (scalars or arrays), placed first.

    Returns
    -------
    pandas.DataFrame
        Columns: the ``ids`` keys, then :data:`TABLE_COLUMNS` in that order.
    """
    unknown = set(rows) - set(TABLE_COLUMNS)
    if unknown:
        raise UsageError(
            f"Unknown table columns {sorted(unknown)}; allowed: {list(TABLE_COLUMNS)}."
        )
    n_rows = max((np.size(v) for v in rows.values() if not isinstance(v, str)), default=1)
    data: dict[str, Any] = {}
    for key, value in (ids or {}).items():
        if key in TABLE_COLUMNS:
            raise UsageError(f"Identifying column {key!r} clashes with a contract column.")
        data[key] = value if np.ndim(value) else [value] * n_rows
    for col in TABLE_COLUMNS:
        value = rows.get(col, np.nan)
        data[col] = value if np.ndim(value) and not isinstance(value, str) else [value] * n_rows
    frame = pd.DataFrame(data)
    for col in ("n", "n_clusters"):
        if frame[col].notna().all():
            frame[col] = frame[col].astype("int64")
    return frame


def tidy(results: TidyResult | Iterable[TidyResult], **ids: Any) -> pd.DataFrame:
    """Stack the ``.table`` of one or several results, adding identifying columns.

    Parameters
    ----------
    results : result or iterable of results
        Objects with a ``.table`` in the contract form
        (:class:`~mutualaid_analysis.inference.ClusterOLSResult`,
        :class:`~mutualaid_analysis.inference.BootstrapResult`, ...).
    **ids
        Identifying columns.  A scalar is repeated on every row; a list (one
        entry per result) labels each result's rows.

    Returns
    -------
    pandas.DataFrame
        The identifying columns, then the contract columns
        ``term, estimate, std_error, statistic, df, p_value, conf_low,
        conf_high, n, n_clusters, method``.

    Examples
    --------
    >>> from mutualaid_analysis.inference import cluster_mean, tidy
    >>> fits = [cluster_mean(y, village) for y in (y_rel, y_fri)]  # doctest: +SKIP
    >>> tidy(fits, circle=["relatives", "friends"])  # doctest: +SKIP
    """
    items = [results] if isinstance(results, TidyResult) else list(results)
    if not items:
        raise UsageError("tidy() needs at least one result.")
    frames = []
    for i, res in enumerate(items):
        frame = res.table.copy()
        extra = {}
        for key, value in ids.items():
            if isinstance(value, list | tuple | np.ndarray | pd.Series):
                if len(value) != len(items):
                    raise UsageError(
                        f"Identifying column {key!r} has {len(value)} entries for {len(items)} results."
                    )
                extra[key] = value[i]
            else:
                extra[key] = value
        for pos, (key, value) in enumerate(extra.items()):
            if key in frame.columns:
                frame[key] = value
            else:
                frame.insert(pos, key, value)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
