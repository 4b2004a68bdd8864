"""``mutualaid validate``: check a data file against its codebook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..data.problems import format_problems


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
    p.add_argument("--limit", type=int, default=50,
                   help="print at most this many problems (default 50; 0 for all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data.survey import read_survey
    from ..exceptions import UsageError

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
    for out in (args.ledger, args.problems):
        if out and Path(out).exists():
            raise FileExistsError(f"{out} exists; not overwriting it.")
    sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
    survey = read_survey(data, codebook, on_invalid="exclude", encoding=args.encoding,
                         sheet=sheet)
    problems = survey.problem_list
    errors = [p for p in problems if p.severity == "error"]
    print(survey.summary())
    if problems:
        limit = None if args.limit == 0 else args.limit
        print(f"\n{len(errors)} error(s), {len(problems) - len(errors)} warning(s):")
        print(format_problems(problems, limit=limit))
    if args.ledger:
        survey.save_ledger(args.ledger)
    if args.problems:
        survey.problems.to_csv(args.problems, index=False, encoding="utf-8")
    if errors:
        print(f"\nThe data failed validation: {len(errors)} error(s); "
              f"{survey.n_excluded} of {survey.n_read} rows would be excluded.",
              file=sys.stderr)
        return 1
    print("\nOK: the data passed validation.")
    return 0
