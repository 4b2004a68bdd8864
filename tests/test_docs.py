"""The documents name what exists: the README's commands are the CLI's, and citations of the
design document point at the file that holds it (docs/design.md)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from mutualaid_analysis.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
CITING = ("mutualaid_analysis", "tests", "notebooks", "data", "docs", "examples", "benchmarks")


def _cli_commands() -> set[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return set(actions[0].choices)


def _readme_commands() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Command line"):]
    section = section[: section.index("\n## ", 1)]
    return set(re.findall(r"^\| `mutualaid ([a-z][a-z-]*)", section, re.M))


def test_readme_lists_every_cli_command_and_no_other():
    cli, readme = _cli_commands(), _readme_commands()
    assert cli, "the parser has no subcommands"
    assert readme - cli == set(), f"README lists commands the CLI lacks: {sorted(readme - cli)}"
    assert cli - readme == set(), f"README misses commands: {sorted(cli - readme)}"


def _cites_old_design(line: str) -> bool:
    """A citation of the design document by its old top-level name (DESIGN.md)."""
    return re.search(r"(?<![A-Za-z0-9_/])DESIGN\.md", line) is not None


def test_design_citations_name_docs_design():
    bad = []
    files = [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "SECURITY.md"]
    for top in CITING:
        files += [p for p in (ROOT / top).rglob("*") if p.is_file()
                  and p.suffix in {".py", ".md", ".ipynb", ".toml", ".R"}]
    for path in files:
        if path.name == "test_docs.py":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        bad += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(text.splitlines(), 1)
                if _cites_old_design(line)]
    assert bad == [], f"cite docs/design.md, not DESIGN.md: {bad}"


def test_the_checks_can_fail():
    assert _cites_old_design("(see DESIGN.md)")
    assert not _cites_old_design("(see docs/design.md)")
    parser_commands = _cli_commands()
    assert "run" in parser_commands and "draft-codebook" in parser_commands
