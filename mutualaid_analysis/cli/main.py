"""Entry point of the ``mutualaid`` command.

Exit codes (a contract, see DESIGN.md): 0 ok; 1 the data failed validation or
an analysis could not be run on it; 2 usage error (bad arguments, a missing
file, an invalid codebook or configuration).  A user's mistake never ends in
a traceback: each subcommand raises the package's own exceptions and this
module turns them into one message on stderr and the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from ..exceptions import (
    CodebookError,
    ConvergenceError,
    DataFileError,
    MutualAidError,
    SurveyValidationError,
    UsageError,
)

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message short."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from . import commands

    parser = _Parser(
        prog="mutualaid",
        description="Analyse rural mutual-aid elderly care (互助养老) surveys.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 data, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except SurveyValidationError as exc:
        print(f"mutualaid: {exc}", file=sys.stderr)
        return EXIT_DATA
    except (CodebookError, UsageError, FileNotFoundError, FileExistsError) as exc:
        print(f"mutualaid: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DataFileError, ConvergenceError) as exc:
        print(f"mutualaid: {exc}", file=sys.stderr)
        return EXIT_DATA
    except MutualAidError as exc:
        print(f"mutualaid: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:  # pragma: no cover
        print("mutualaid: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
