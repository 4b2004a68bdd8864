"""``mutualaid init``: write a commented starter configuration for a study."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="write a commented starter configuration for a data file and its codebook",
        description=(
            "Write a starter analysis configuration (TOML) for DATA and CODEBOOK, with every "
            "key commented and the codebook's scales, services and candidate variables filled "
            "in; edit it, then run it with `mutualaid run CONFIG`. Paths are written relative "
            "to the configuration's folder."
        ),
    )
    p.add_argument(
        "data",
        nargs="+",
        metavar="DATA",
        help="data file, or one file per wave in the codebook's wave order",
    )
    p.add_argument("--codebook", "-c", required=True, metavar="TOML", help="the codebook")
    p.add_argument(
        "--out",
        "-o",
        default="analysis.toml",
        metavar="TOML",
        help="configuration file to write (default analysis.toml)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..exceptions import UsageError
    from ..output import write_text_atomic
    from ..report.config import init_template

    for path in [*args.data, args.codebook]:
        if not Path(path).is_file():
            raise UsageError(f"{path}: no such file.")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise FileExistsError(f"{out} exists; pass --force to overwrite it.")
    text = init_template(args.data, args.codebook, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, text)  # a unique temporary name: two inits never share it
    print(f"mutualaid: wrote {out}; edit it, then run: mutualaid run {out}", file=sys.stderr)
    return 0
