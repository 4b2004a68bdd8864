"""Write the report folder whole or not at all, with its provenance.

:func:`write_report` runs the pipeline, writes every output into a temporary
folder beside the destination, and only then moves it into place (a rename
on the same file system): an interrupted or failed run leaves the
destination as it was.  An existing destination is replaced only with
``force=True``, and only if it is empty or a folder this package wrote (it
holds a ``provenance.json`` from ``mutualaid run``) -- so ``--force`` can
never delete a data folder by mistake.

The folder::

    report.html        self-contained (figures embedded, no network needed)
    report.md
    tables/<name>.csv  UTF-8, "." decimals, no index
    figures/<name>.png|svg|pdf
    ledger.csv         every input row: analysed or excluded, and why
    provenance.json    SHA-256 of every input and output, versions, the
                       configuration as run, the seed, the time (sorted keys)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from ..exceptions import UsageError
from ..output import MARKER, AtomicFolder, sha256_file, write_csv
from .config import Config
from .pipeline import PipelineResult, Progress, read_study, run_pipeline

__all__ = ["DEPENDENCIES", "PROVENANCE_TIME_KEY", "write_report"]

#: Distributions whose versions go into provenance.json.
DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "pyreadstat",
    "openpyxl",
    "tomli-w",
)
#: The only key of provenance.json that differs between two runs of one configuration.
PROVENANCE_TIME_KEY = "time"
_GENERATOR = "mutualaid_analysis"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_destination(out: Path, config: Config, force: bool) -> None:
    """Refuse a destination that cannot be written, or is not ours to replace.

    Checked before any analysis runs, so that a mistaken ``--out`` costs nothing.

    Raises
    ------
    FileExistsError
        ``out`` exists and ``force`` is False.
    UsageError
        ``out`` is a file, lies under a system folder (``/proc``...), its folder
        cannot be written, or ``out`` is an input file's folder or holds one, or
        (with ``force``) ``out`` is a non-empty folder that ``mutualaid run`` did
        not write, or a folder holding the current or home folder.
    """
    from ..output import output_problem

    problem = output_problem(out)
    if problem:
        raise UsageError(problem)
    resolved = out.resolve()
    for f in config.input_files():
        with contextlib.suppress(OSError):
            if f.resolve().is_relative_to(resolved):
                raise UsageError(
                    f"{out} holds the input file {f.name}; choose another output folder."
                )
    if not out.exists():
        return
    if not force:
        raise FileExistsError(f"{out} exists; pass --force to replace it, or choose another --out.")
    if (
        Path.cwd().resolve().is_relative_to(resolved)
        or Path.home().resolve().is_relative_to(resolved)
        or resolved.parent == resolved
    ):
        raise UsageError(
            f"refusing to replace {out}: it holds the current or home folder; "
            "choose a dedicated output folder."
        )
    if any(out.iterdir()):
        prov = out / "provenance.json"
        ours = False
        with contextlib.suppress(OSError, ValueError):
            ours = json.loads(prov.read_text(encoding="utf-8")).get("generator") == _GENERATOR
        if not ours:
            raise UsageError(
                f"{out} is not empty and was not written by mutualaid run (no "
                "provenance.json of ours); refusing to replace it with --force."
            )


def write_report(
    config: Config, out: str | os.PathLike[str], *, force: bool = False, quiet: bool = False
) -> Path:
    """Run the analysis of ``config`` and write the report folder ``out``.

    Parameters
    ----------
    config : Config
    out : path
        The output folder.
    force : bool, default False
        Replace an existing folder (one written by ``mutualaid run``, or empty).
    quiet : bool, default False
        No progress lines on stderr.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    FileExistsError
        ``out`` exists and ``force`` is False (checked before anything runs).
    ConfigError, CodebookError, SurveyValidationError
        Before anything is written.
    """
    from .._version import __version__

    out = Path(os.path.abspath(out))  # "..", "." and trailing slashes name a real folder
    check_destination(out, config, force)
    progress = Progress(quiet)
    staging = AtomicFolder(out)
    staging.open()  # before the analysis: an unwritable --out fails at once
    result: PipelineResult | None = None
    try:
        with progress.step("reading and validating the data"):
            survey = read_study(config)
        result = run_pipeline(config, survey, progress)
        tmp = staging.path
        assert tmp is not None
        with progress.step("writing the report"):
            _write_contents(tmp, config, result, __version__)
        check_destination(out, config, force)  # again: something may have appeared meanwhile
        staging.commit(replace=True)
    except BaseException:
        staging.discard()
        raise
    finally:
        if result is not None:
            import matplotlib.pyplot as plt

            for spec in result.figures:
                plt.close(spec.figure)
    return out


def _write_contents(folder: Path, config: Config, result: PipelineResult, version: str) -> None:
    from .render import build_document, to_html, to_markdown

    (folder / "tables").mkdir()
    for name, table in result.tables.items():
        write_csv(table, folder / "tables" / f"{name}.csv")
    write_csv(result.ledger, folder / "ledger.csv")

    formats = config.report.formats
    images: dict[str, tuple[str, bytes]] = {}
    if result.figures:
        from ..plots.style import save_figure

        (folder / "figures").mkdir()
        for spec in result.figures:
            save_figure(
                spec.figure, folder / "figures" / spec.name, formats=formats, dpi=config.report.dpi
            )
            if "png" in formats:
                images[spec.name] = (
                    "image/png",
                    (folder / "figures" / f"{spec.name}.png").read_bytes(),
                )
            else:
                images[spec.name] = (
                    "image/svg+xml",
                    (folder / "figures" / f"{spec.name}.svg").read_bytes(),
                )

    blocks = build_document(result, config, version)
    ext = "png" if "png" in formats else "svg"
    (folder / "report.md").write_text(to_markdown(blocks, ext), encoding="utf-8", newline="\n")
    (folder / "report.html").write_text(
        to_html(blocks, images, config.report.lang), encoding="utf-8", newline="\n"
    )
    provenance = build_provenance(config, result, version, folder)
    (folder / "provenance.json").write_text(
        json.dumps(provenance, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
        newline="\n",
    )


def build_provenance(
    config: Config, result: PipelineResult, version: str, folder: Path
) -> dict[str, Any]:
    """What went in and came out: hashes, versions, the configuration as run, seed, time."""
    from ..masking import mask_personal_strings, mask_personal_text

    inputs = []
    for wave, path in config.data_paths.items():
        entry = {
            "role": "data",
            "file": mask_personal_text(path.name),
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
        }
        if wave:
            entry["wave"] = wave
        inputs.append(entry)
    for role, path in (
        ("codebook", config.codebook_path),
        *((("config", config.source),) if config.source else ()),
    ):
        inputs.append(
            {
                "role": role,
                "file": mask_personal_text(path.name),
                "sha256": sha256_file(path),
                "bytes": path.stat().st_size,
            }
        )
    outputs = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in ("provenance.json", MARKER)
    }
    survey = result.survey
    try:
        from ..plots.style import find_cjk_font

        cjk = find_cjk_font()
    except ImportError:  # pragma: no cover - plots not installed
        cjk = None
    return {
        "generator": _GENERATOR,
        "version": version,
        PROVENANCE_TIME_KEY: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {d: _version(d) for d in DEPENDENCIES},
        "cjk_font": cjk,
        "config": mask_personal_strings(config.as_dict()),
        "config_file": mask_personal_text(config.source.name) if config.source else None,
        "bundled_sample": config.is_sample,
        "seed": config.inference.seed,
        "inputs": inputs,
        "outputs": outputs,
        "analyses": list(result.ran),
        "settings": result.settings.as_dict(),
        "data": {
            "rows_read": survey.n_read,
            "rows_analysed": survey.n_analysed,
            "rows_excluded": survey.n_excluded,
            "respondents": survey.n_respondents,
            "villages": result.settings.n_villages,
            "waves": list(map(str, survey.waves)),
            "on_invalid": config.data.on_invalid,
        },
        "notes": list(result.notes),
    }
