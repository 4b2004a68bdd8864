"""Writing a simulation to a folder: data file, codebook, truth, optional export form.

Outputs are whole or absent: everything is written to a temporary folder
beside the target and moved into place at the end.  Text files are written
as bytes with ``\\n`` line ends (``\\r\\n`` for the GB18030 export, as
Windows survey platforms write them), so the CSV, TOML and JSON files are
identical on every platform.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..data.codebook import Codebook
from ..exceptions import UsageError
from ..output import AtomicFolder, csv_text
from .layout import export_codebook, export_frame

__all__ = ["FILE_NAMES", "FORMATS", "check_format", "write_files"]

#: Data file formats ``write_files`` can write.
FORMATS: tuple[str, ...] = ("csv", "xlsx", "sav", "dta")

#: File names by role (the survey's extension follows the format).
FILE_NAMES: dict[str, str] = {
    "survey": "village_survey",
    "codebook": "codebook.toml",
    "truth": "truth.json",
    "export": "village_export_gb18030.csv",
    "export_codebook": "export_codebook.toml",
}


def check_format(fmt: str) -> None:
    """Raise :class:`UsageError` unless ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}.")


def truth_json(truth: dict[str, Any]) -> bytes:
    """``truth`` as the bytes of ``truth.json`` (UTF-8, indented, ``\\n`` line ends)."""
    return (json.dumps(truth, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def _export_villages(frame: pd.DataFrame) -> tuple[int, ...]:
    """One workshop and one comparison village (the lowest codes), else the first two."""
    picks = []
    for arm in ("workshop", "comparison"):
        codes = frame.loc[frame["arm"] == arm, "village"]
        if len(codes):
            picks.append(int(codes.min()))
    if len(picks) < 2:
        picks = sorted(int(v) for v in frame["village"].unique())[:2]
    return tuple(sorted(picks))


def _write_data(frame: pd.DataFrame, cb: Codebook, path: Path, fmt: str) -> None:
    if fmt == "csv":
        path.write_bytes(csv_text(frame).encode("utf-8"))
    elif fmt == "xlsx":
        frame.to_excel(path, index=False, sheet_name="survey")
    else:
        import pyreadstat

        labels = [cb[c].label_en or cb[c].label or c for c in frame.columns]
        if fmt == "dta":  # Stata variable labels hold at most 80 characters
            labels = [lab if len(lab) <= 80 else lab[:77] + "..." for lab in labels]
        value_labels: dict[str, dict[float | int, str]] = {}
        for col in frame.columns:
            var = cb[col]
            if var.values:
                vl: dict[float | int, str] = dict(var.values)
                if cb.missing_codes(col):
                    vl.update({c: cb.missing_label(c) or str(c) for c in cb.missing_codes(col)})
                value_labels[col] = vl
        if fmt == "sav":
            pyreadstat.write_sav(
                frame, str(path), column_labels=list(labels), variable_value_labels=value_labels
            )
        else:
            pyreadstat.write_dta(
                frame, str(path), column_labels=list(labels), variable_value_labels=value_labels
            )


def write_files(
    out: str | os.PathLike[str],
    frame: pd.DataFrame,
    cb: Codebook,
    truth: dict[str, Any],
    *,
    fmt: str = "csv",
    export: bool = False,
    force: bool = False,
) -> dict[str, Path]:
    """Write the simulated survey's files into ``out``; see :func:`write_simulation`.

    Raises
    ------
    UsageError
        For an unknown format, or when ``out`` is a file.
    FileExistsError
        When ``out`` is a non-empty folder and ``force`` is false.
    """
    check_format(fmt)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise FileExistsError(
            f"{out} exists and is not empty; not overwriting it (pass --force, or "
            "force=True, to replace the simulation's files in it)."
        )
    names = {
        "survey": f"{FILE_NAMES['survey']}.{fmt}",
        "codebook": FILE_NAMES["codebook"],
        "truth": FILE_NAMES["truth"],
    }
    if export:
        names["export"] = FILE_NAMES["export"]
        names["export_codebook"] = FILE_NAMES["export_codebook"]
    staging = AtomicFolder(out)  # written whole: a marked temporary folder, then renamed
    with staging as tmp:
        _write_data(frame, cb, tmp / names["survey"], fmt)
        (tmp / names["codebook"]).write_bytes(cb.to_toml().encode("utf-8"))
        (tmp / names["truth"]).write_bytes(truth_json(truth))
        if export:
            villages = _export_villages(frame)
            exp = export_frame(frame, villages)
            (tmp / names["export"]).write_bytes(
                csv_text(exp, lineterminator="\r\n").encode("gb18030")
            )
            ecb = export_codebook(int(frame["village"].max()), truth["model"]["seed"], villages)
            (tmp / names["export_codebook"]).write_bytes(ecb.to_toml().encode("utf-8"))
        merge = list(names.values()) if out.is_dir() and any(out.iterdir()) else None
        staging.commit(merge=merge)
    return {role: out / name for role, name in names.items()}
