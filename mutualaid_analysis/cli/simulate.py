"""``mutualaid simulate``: write a simulated survey, its codebook and its truth."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _set_value(text: str) -> tuple[str, Any]:
    """Parse ``NAME=VALUE`` (VALUE as JSON, e.g. ``[0, -0.5, -1]``; bare text as a string)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    if isinstance(parsed, list):
        parsed = tuple(parsed)
    return name.strip().replace("-", "_"), parsed


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand."""
    p = sub.add_parser(
        "simulate",
        help="write a simulated village survey with known truth",
        description=(
            "Simulate a two-wave survey of older villagers (workshop and comparison "
            "villages) from the documented model of mutualaid_analysis.simulate, and write "
            "village_survey.<ext> (long form, codes with 98/99), codebook.toml and "
            "truth.json to OUT. The same seed gives byte-identical CSV, TOML and JSON "
            "files on every platform. Exit 0 ok, 2 usage error."
        ),
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default 0)")
    p.add_argument("--villages", type=int, metavar="N", help="number of villages (default 12)")
    p.add_argument(
        "--per-village",
        type=int,
        metavar="N",
        help="respondents per village, the mean with --village-size poisson (default 40)",
    )
    p.add_argument(
        "--village-size",
        choices=("fixed", "poisson"),
        help="fixed village sizes or Poisson around --per-village (default fixed)",
    )
    p.add_argument(
        "--treated-share", type=float, metavar="P", help="share of workshop villages (default 0.5)"
    )
    p.add_argument("--waves", type=int, choices=(1, 2), help="1 (pre) or 2 (pre, post)")
    p.add_argument(
        "--set",
        dest="params",
        action="append",
        type=_set_value,
        default=[],
        metavar="NAME=VALUE",
        help="any other design parameter, VALUE as JSON, e.g. "
        "--set 'circle_effects=[0,-0.5,-1]' --set attrition_comparison=0.2; "
        "repeatable",
    )
    p.add_argument(
        "--format",
        default="csv",
        choices=("csv", "xlsx", "sav", "dta"),
        help="data file format (default csv; only csv is byte-reproducible)",
    )
    p.add_argument(
        "--export",
        action="store_true",
        help="also write village_export_gb18030.csv (a GB18030 platform export "
        "with Chinese headers and text answers) and export_codebook.toml",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write into an existing non-empty folder, replacing files of the same names",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``mutualaid simulate``; return the exit code."""
    from ..exceptions import UsageError
    from ..simulate import write_simulation

    design: dict[str, Any] = {}
    for name, value in args.params:
        if name in design:
            raise UsageError(f"--set {name} is given twice.")
        design[name] = value
    for opt, name in (
        ("villages", "n_villages"),
        ("per_village", "per_village"),
        ("village_size", "village_size"),
        ("treated_share", "treated_share"),
        ("waves", "waves"),
    ):
        value = getattr(args, opt)
        if value is not None:
            if name in design:
                raise UsageError(f"{name} is given both as an option and with --set.")
            design[name] = value
    paths = write_simulation(
        args.out, seed=args.seed, format=args.format, export=args.export, force=args.force, **design
    )
    for role, path in paths.items():
        print(f"{role}: {path}")
    print(f"Simulated with seed {args.seed}; the truth is in {paths['truth']}.", file=sys.stderr)
    return 0
