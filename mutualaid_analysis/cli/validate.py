"""``mutualaid validate``: check a data file against its codebook."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..problems import format_problems


def _limit(text: str) -> int:
    """``--limit``: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (all) or more, got {value}")
    return value


def _check_output_file(option: str, path: str) -> None:
    """Refuse an output file that exists or whose folder does not exist, before reading."""
    from ..exceptions import UsageError

    p = Path(path)
    if p.exists():
        raise FileExistsError(f"{option} {path} exists; not overwriting it.")
    folder = p.parent
    if not folder.is_dir():
        raise UsageError(
            f"{option} {path}: the folder {folder} does not exist; create it first "
            "or name a file in an existing folder."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: cannot write in the folder {folder}.")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a data file against its codebook and print every problem",
        description=(
            "Read DATA with its CODEBOOK, print every validation problem and the ledger "
            "summary (rows read = analysed + excluded). Without DATA, the bundled sample "
            "is validated. Exit 0 when there is no error, 1 when the data has problems, "
            "2 for a usage error."
        ),
    )
    p.add_argument("data", nargs="*", metavar="DATA",
                   help="data file (CSV, XLSX, SAV, DTA); give one file per wave in the "
                        "codebook's wave order. Default: the bundled sample.")
    p.add_argument("--codebook", "-c", metavar="TOML", help="the codebook (TOML)")
    p.add_argument("--encoding", help="CSV encoding (default: detected)")
    p.add_argument("--sheet", help="Excel sheet (default: the first)")
    p.add_argument("--ledger", metavar="CSV", help="also write the ledger to this CSV file")
    p.add_argument("--problems", metavar="CSV", help="also write all problems to this CSV file")
    p.add_argument("--limit", type=_limit, default=50,
                   help="print at most this many problems (default 50; 0 for all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data.survey import read_survey
    from ..exceptions import UsageError
    from ..output import write_csv

    data: Path | str | list[str]  # the bundled sample's path, or the files as given
    if args.data and not args.codebook:
        raise UsageError("--codebook is required when a data file is given.")
    if not args.data:
        if args.codebook:
            raise UsageError("give the data file(s) to validate with --codebook.")
        from ..sample import sample_paths

        paths = sample_paths()
        data, codebook = paths["survey"], paths["codebook"]
        print(f"Validating the bundled sample: {Path(data).name}", file=sys.stderr)
    else:
        for path in [*args.data, args.codebook]:
            if not Path(path).is_file():
                raise UsageError(f"{path}: no such file.")
        data = args.data[0] if len(args.data) == 1 else list(args.data)
        codebook = args.codebook
    for option, out in (("--ledger", args.ledger), ("--problems", args.problems)):
        if out:
            _check_output_file(option, out)
    sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
    survey = read_survey(data, codebook, on_invalid="exclude", encoding=args.encoding,
                         sheet=sheet)
    problems = survey.problem_list
    errors = [p for p in problems if p.severity == "error"]
    print(survey.summary())
    if problems:
        limit = len(problems) if args.limit == 0 else args.limit
        print(f"\n{len(errors)} error(s), {len(problems) - len(errors)} warning(s):")
        print(format_problems(problems[:limit]))
        if len(problems) > limit:
            rest = len(problems) - limit
            where = f"; all are in {args.problems}" if args.problems else ""
            print(
                f"  ... and {rest} more (--limit 0 prints all; --problems FILE.csv "
                f"writes all to a CSV file{where})"
            )
    # Written with the package's CSV writer: whole or not at all, formulas escaped.
    if args.ledger:
        write_csv(survey.ledger, args.ledger)
    if args.problems:
        write_csv(survey.problems, args.problems)
    if errors:
        print(f"\nThe data failed validation: {len(errors)} error(s); "
              f"{survey.n_excluded} of {survey.n_read} rows would be excluded.",
              file=sys.stderr)
        return 1
    print("\nOK: the data passed validation.")
    return 0
