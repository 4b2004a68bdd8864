"""Entry point of the ``mutualaid`` command.

Exit codes (a contract, see docs/design.md): 0 ok; 1 the data failed validation or
an analysis could not be run on it; 2 usage error (bad arguments, a missing
file, an invalid codebook or configuration).  A user's mistake never ends in
a traceback: each subcommand raises the package's own exceptions and this
module turns them into one message on stderr and the exit code.

An analysis that cannot be run on the data (:class:`AnalysisError`) exits
with 1, naming the analysis, the cause and what to change.  Any other
exception is a bug of the package, not of the data: it exits with 1 too
(the code an uncaught exception gives, so no script sees a new code) with one
line saying where it happened and asking for a report.  Its traceback, which
may quote the data's values, is printed only with ``--debug`` or the
environment variable ``MUTUALAID_DEBUG=1``.  Python warnings are printed as
one line each (``warning: <Category>: message``), never with a source line,
and SIGTERM is handled like Ctrl-C: the output being written is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from .._version import __version__
from ..exceptions import (
    AnalysisError,
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
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
#: Environment variable that, set to 1, prints the traceback of every error.
DEBUG_ENV = "MUTUALAID_DEBUG"


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that outputs in progress are cleaned up."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    """A warning as one line: ``warning: <Category>: message`` (no source path or code line).

    Installed as :func:`warnings.formatwarning` while a command runs, so every
    warning printed on stderr takes this form, while anything that records
    warnings (``pytest.warns``, ``catch_warnings(record=True)``) still sees them.
    """
    text = " ".join(str(message).split())
    return f"warning: {category.__name__}: {text}\n"


@contextlib.contextmanager
def _command_environment() -> Iterator[None]:
    """One-line warnings and SIGTERM handled like Ctrl-C, for the duration of a command."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous_format = warnings.formatwarning
    previous_handler = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    warnings.formatwarning = format_warning
    try:
        yield
    finally:
        warnings.formatwarning = previous_format
        if main_thread:
            signal.signal(signal.SIGTERM, previous_handler)


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
    parser.add_argument(
        "--debug",
        action="store_true",
        help=f"print the traceback of any error (also: {DEBUG_ENV}=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    for command in sub.choices.values():  # also accepted after the command's name
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
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
    debug = bool(args.debug) or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        with _command_environment():
            return int(args.func(args))
    except BaseException as exc:  # every outcome becomes a message and an exit code
        return _report(exc, debug)


def _report(exc: BaseException, debug: bool) -> int:
    """Print the message for ``exc`` (a traceback only when ``debug``); return the exit code."""
    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        terminated = isinstance(exc, _Terminated)
        print(f"mutualaid: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, (SurveyValidationError, AnalysisError)):
        code = EXIT_DATA
    elif isinstance(exc, (CodebookError, UsageError, FileNotFoundError, FileExistsError)):
        code = EXIT_USAGE
    elif isinstance(exc, (DataFileError, ConvergenceError, MutualAidError)):
        code = EXIT_DATA
    elif isinstance(exc, OSError) and exc.filename is not None:
        # the file system refused (permissions, disk full): a message, not a traceback
        print(f"mutualaid: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    else:
        where = getattr(exc, "mutualaid_analysis", None)
        place = f" in the analysis {where!r}" if where else ""
        hint = "" if debug else f" Run again with --debug (or {DEBUG_ENV}=1) to see the traceback."
        print(
            f"mutualaid: internal error{place} ({type(exc).__name__}): this is a bug of "
            f"mutualaid_analysis, not a problem of your data; please report it.{hint}",
            file=sys.stderr,
        )
        return EXIT_DATA
    print(f"mutualaid: {exc}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
