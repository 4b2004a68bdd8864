"""``mutualaid run``: the whole analysis from one configuration file."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

DEFAULT_OUT = "mutualaid-report"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run the whole analysis of a configuration and write the report folder",
        description=(
            "Run every analysis a configuration (TOML) asks for and write the report folder: "
            "report.html (self-contained), report.md, tables/*.csv, figures/, ledger.csv and "
            "provenance.json. Without CONFIG, the bundled sample is analysed with the default "
            "configuration. Exit 0 ok, 1 the data failed validation or could not be analysed, "
            "2 usage error (bad arguments or configuration, existing output folder)."
        ),
    )
    p.add_argument(
        "config",
        nargs="?",
        metavar="CONFIG",
        help="the analysis configuration (TOML; see docs/config.md). "
        "Default: the bundled sample with the default configuration.",
    )
    p.add_argument(
        "--out",
        "-o",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output folder (default ./{DEFAULT_OUT})",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing output folder written by mutualaid run",
    )
    p.add_argument(
        "--lang", choices=("zh", "en"), help="report language (overrides [report] lang; default zh)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # the command never opens a window

    from ..exceptions import SurveyValidationError
    from ..report.config import default_config, load_config
    from ..report.writer import write_report

    # Every problem of the file and of the names it uses at once, before anything runs.
    config = load_config(args.config, check_codebook=True) if args.config else default_config()
    if args.lang:
        config = replace(config, report=replace(config.report, lang=args.lang))
    if not args.quiet and not args.config:
        print(
            "mutualaid: analysing the bundled sample (synthetic data) with the default "
            "configuration",
            file=sys.stderr,
        )
    try:
        out = write_report(config, args.out, force=args.force, quiet=args.quiet)
    except SurveyValidationError as exc:  # say it in the configuration's terms, not Python's
        where = f" of {args.config}" if args.config else " of the configuration"
        raise exc.for_config(f"the [data] table{where}") from None
    if not args.quiet:
        print(f"mutualaid: report written to {out}/ (open {out}/report.html)", file=sys.stderr)
    return 0
