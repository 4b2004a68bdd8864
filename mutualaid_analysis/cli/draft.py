"""``mutualaid draft-codebook``: draft a TOML codebook from a data file or a spreadsheet codebook."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``draft-codebook`` subcommand."""
    p = sub.add_parser(
        "draft-codebook",
        help="draft a TOML codebook from a data file (.sav/.dta/.csv/.xlsx) or a spreadsheet "
        "codebook",
        description=(
            "Draft a codebook from FILE: an SPSS .sav or Stata .dta data file (its variable "
            "and value labels, missing codes and measure levels), a plain .csv/.xlsx data "
            "export (one row per respondent: types, answer text as value labels, Likert "
            "scales, missing codes, circles and services from the headers), or a spreadsheet "
            "codebook (.csv/.xlsx, one row per variable with columns name, type, label, "
            "values, ...). A .csv/.xlsx file is taken for a spreadsheet codebook when its "
            "header has the name and type columns, else for data (--kind sets it). "
            "Every guess made is printed to stderr: check them before using the codebook. "
            "Exit 0 when written, 1 for a file that cannot be read, 2 for a usage error or "
            "a spreadsheet codebook with mistakes."
        ),
    )
    p.add_argument("file", metavar="FILE", help="the .sav, .dta, .csv or .xlsx file")
    p.add_argument(
        "--kind",
        choices=("data", "codebook"),
        help="what a .csv/.xlsx FILE holds (default: told by its header)",
    )
    p.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="TOML",
        help="the codebook to write (not overwritten without --force)",
    )
    p.add_argument("--id", metavar="COL", help="respondent id column (default: guessed)")
    p.add_argument("--cluster", metavar="COL", help="village column (default: guessed)")
    p.add_argument("--wave", metavar="COL", help="wave column (default: guessed)")
    p.add_argument(
        "--waves",
        metavar="LIST",
        help="wave order, baseline first, comma-separated (e.g. pre,post)",
    )
    p.add_argument("--group", metavar="COL", help="arm column (default: guessed)")
    p.add_argument(
        "--treated",
        metavar="VALUE",
        help="value (or value label) of the arm column for the workshop arm",
    )
    p.add_argument(
        "--missing",
        metavar="LIST",
        help="survey-wide missing codes, with labels or without: 98=不知道,99=拒答 or 98,99 "
        "(default: drafted from the file)",
    )
    p.add_argument(
        "--circles", metavar="LIST", help="social circles, nearest first, comma-separated"
    )
    p.add_argument("--sheet", help="Excel sheet with the variables (default: the first)")
    p.add_argument("--encoding", help="CSV encoding (default: detected)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(func=run)


def _list_arg(text: str | None) -> list[str | int] | None:
    if text is None:
        return None
    items = [x.strip() for x in text.split(",") if x.strip()]
    return [int(x) if x.lstrip("-").isdigit() else x for x in items]


def _missing_arg(text: str | None) -> dict[int | float, str] | list[int | float] | None:
    """``98=不知道,99=拒答`` -> {98: "不知道", 99: "拒答"}; ``98,99`` -> [98, 99]."""
    from ..exceptions import UsageError

    if text is None:
        return None
    labelled: dict[int | float, str] = {}
    bare: list[int | float] = []
    for part in (x.strip() for x in text.replace("，", ",").split(",")):
        if not part:
            continue
        code, sep, label = part.partition("=")
        try:
            num = float(code.strip())
        except ValueError:
            raise UsageError(
                f"--missing: {code.strip()!r} is not a number; write codes like "
                "98=不知道,99=拒答 or 98,99."
            ) from None
        value = int(num) if num.is_integer() else num
        if sep and label.strip():
            labelled[value] = label.strip()
        else:
            bare.append(value)
    if labelled and bare:
        raise UsageError("--missing: give every code a label (98=不知道,99=拒答) or none (98,99).")
    if not labelled and not bare:
        raise UsageError("--missing: no codes given; write 98=不知道,99=拒答 or 98,99.")
    return labelled or bare


def run(args: argparse.Namespace) -> int:
    """Draft the codebook, write it whole, print the guesses; return the exit code."""
    from ..data.draft import CodebookDraftWarning, draft_codebook, draft_kind
    from ..output import write_bytes_atomic

    if not Path(args.file).is_file():
        raise FileNotFoundError(f"{args.file}: no such file.")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise FileExistsError(f"{out} exists; not overwriting it (pass --force to replace it).")
    if out.exists() and out.is_dir():
        raise FileExistsError(f"{out} is a folder; --out names the codebook file to write.")
    sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
    circles = _list_arg(args.circles)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CodebookDraftWarning)
        codebook = draft_codebook(
            args.file,
            id=args.id,
            cluster=args.cluster,
            wave=args.wave,
            waves=_list_arg(args.waves),
            group=args.group,
            treated=args.treated,
            circles=[str(c) for c in circles] if circles else None,
            missing=_missing_arg(args.missing),
            sheet=sheet,
            encoding=args.encoding,
            kind=args.kind,
        )
    for w in caught:
        if isinstance(w.message, CodebookDraftWarning):
            print(str(w.message), file=sys.stderr)
        else:  # pragma: no cover - pass other warnings on
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    text = codebook.to_toml()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written whole or not at all (a temporary file renamed), readable as the umask allows.
    write_bytes_atomic(out, text.encode("utf-8"))
    n = len(codebook)
    source = draft_kind(args.file, sheet=sheet, encoding=args.encoding, kind=args.kind)
    print(f"Wrote {out} ({n} variable{'s' * (n != 1)}, from a {source}); check it before use.")
    return 0
