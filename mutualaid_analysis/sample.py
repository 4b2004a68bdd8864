"""The bundled sample survey (synthetic, made by :func:`~mutualaid_analysis.simulate_survey`).

The canonical files live in ``data/sample/`` at the top of the repository
(see its README.md for every file and column and the command that
regenerates them byte for byte).  An identical copy travels inside the
package as package data (``mutualaid_analysis/_sample/``), so that
:func:`load_sample` works from an installed wheel as well as from a source
checkout; a test keeps the two copies identical.

Examples
--------
>>> import mutualaid_analysis as ma
>>> survey = ma.load_sample()  # doctest: +SKIP
>>> survey.data.groupby("wave")["resp_id"].count()  # doctest: +SKIP
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .exceptions import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from .data.survey import Survey

__all__ = ["SAMPLE_FILES", "load_sample", "sample_dir", "sample_paths", "sample_truth"]

#: Files of the sample, by role.
SAMPLE_FILES: dict[str, str] = {
    "survey": "village_survey.csv",
    "codebook": "codebook.toml",
    "truth": "truth.json",
    "export": "village_export_gb18030.csv",
    "export_codebook": "export_codebook.toml",
    "readme": "README.md",
}

#: Seed and command the sample was made with (also in data/sample/README.md).
SAMPLE_SEED = 20240501
SAMPLE_COMMAND = (
    "mutualaid simulate --out data/sample --seed 20240501 --villages 12 --per-village 40 "
    "--village-size poisson --export --force"
)


@cache
def sample_dir() -> Path:
    """The folder holding the sample files.

    The package's own copy (``mutualaid_analysis/_sample``) when it is there
    (an installed wheel, an editable install), else ``data/sample`` of the
    source checkout the package was imported from.

    Raises
    ------
    FileNotFoundError
        If neither holds the sample (a broken installation).
    """
    candidates = []
    try:
        root = resources.files("mutualaid_analysis") / "_sample"
        candidates.append(Path(str(root)))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - zipped or odd installs
        pass
    candidates.append(Path(__file__).resolve().parent.parent / "data" / "sample")
    for folder in candidates:
        if (folder / SAMPLE_FILES["survey"]).is_file():
            return folder
    raise FileNotFoundError(
        "the bundled sample is missing (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); reinstall mutualaid_analysis."
    )


def sample_paths() -> dict[str, Path]:
    """Paths of the sample files by role: ``survey``, ``codebook``, ``truth``, ``export``,
    ``export_codebook``, ``readme``."""
    folder = sample_dir()
    return {role: folder / name for role, name in SAMPLE_FILES.items()}


def load_sample(kind: Literal["survey", "export"] = "survey") -> Survey:
    """Load the bundled synthetic sample as a :class:`~mutualaid_analysis.data.survey.Survey`.

    Parameters
    ----------
    kind : {"survey", "export"}, default "survey"
        ``"survey"``: the main sample, 12 villages (6 workshop, 6 comparison)
        of about 40 respondents, waves "pre" and "post", about 10% attrition,
        missing codes 98/99 in the willingness and GSES items (UTF-8 CSV, long
        form, codebook ``codebook.toml``).  ``"export"``: the baseline of two
        of its villages as a survey platform exports them -- GB18030 CSV,
        Chinese headers, answers as text -- read with ``export_codebook.toml``.

    Returns
    -------
    Survey

    Raises
    ------
    UsageError
        For an unknown ``kind``.

    Notes
    -----
    The data are synthetic: drawn by
    ``simulate_survey(seed=20240501, n_villages=12, per_village=40,
    village_size="poisson")``; :func:`sample_truth` gives the truth they were
    drawn from.  No real person is described.

    Examples
    --------
    >>> from mutualaid_analysis.sample import load_sample
    >>> survey = load_sample()
    >>> survey.waves
    ['pre', 'post']
    >>> load_sample("export").provenance["files"][0]["encoding"]
    'gb18030'
    """
    from .data.survey import read_survey

    if kind not in ("survey", "export"):
        raise UsageError(f"kind must be 'survey' or 'export'; got {kind!r}.")
    paths = sample_paths()
    if kind == "survey":
        return read_survey(paths["survey"], paths["codebook"])
    return read_survey(paths["export"], paths["export_codebook"])


def sample_truth() -> dict[str, Any]:
    """The truth the sample was drawn from (the contents of ``truth.json``)."""
    return json.loads(sample_paths()["truth"].read_text(encoding="utf-8"))
