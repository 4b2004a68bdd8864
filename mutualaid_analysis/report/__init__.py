"""The whole analysis from one configuration: ``mutualaid run`` as a library.

* :mod:`.config` -- the TOML configuration (:func:`load_config`,
  :func:`default_config`, :class:`Config`, :func:`init_template`);
* :mod:`.settings` -- the analysis settings as they run
  (:func:`~.settings.resolve_settings`, :class:`ReportSettings`);
* :mod:`.pipeline` -- every analysis, in the order of the report
  (:func:`run_pipeline`), with small counts suppressed and personal data
  kept out of the published tables;
* :mod:`.render` -- the report as Markdown and self-contained HTML;
* :mod:`.writer` -- the output folder, written whole or not at all, with
  ``provenance.json`` (:func:`write_report`).

Examples
--------
>>> from mutualaid_analysis.report import default_config, write_report
>>> write_report(default_config(), "mutualaid-report")  # doctest: +SKIP
"""

from __future__ import annotations

from .config import (
    Config,
    ConfigError,
    check_against_codebook,
    default_config,
    init_template,
    load_config,
)
from .pipeline import PUBLISHED_TABLES, PipelineResult, run_pipeline
from .settings import ReportSettings
from .writer import write_report

__all__ = [
    "PUBLISHED_TABLES",
    "Config",
    "ConfigError",
    "PipelineResult",
    "ReportSettings",
    "check_against_codebook",
    "default_config",
    "init_template",
    "load_config",
    "run_pipeline",
    "write_report",
]
