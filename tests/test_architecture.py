"""The package's layering (docs/design.md, *Architecture*), checked on its source.

Every module is parsed with :mod:`ast`; every import of the package by the
package (relative, or absolute ``mutualaid_analysis...``) becomes an edge
between two *units*: a subpackage (``data``, ``plots``...) or a top-level
module (``exceptions``, ``labels``...), ``(root)`` being ``__init__.py``.
Imports under ``if TYPE_CHECKING:`` are not edges (they never run).  The
tests fail on an import circle between units and on an import that goes up
the layers, naming the file and line.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fresh import fresh_python

import mutualaid_analysis as ma

PACKAGE = Path(ma.__file__).resolve().parent
ROOT_UNIT = "(root)"

#: The layers, bottom first: a unit may import units of *lower* rank only
#: (the table "What may import what" of docs/design.md).
RANK: dict[str, int] = {
    "_version": 0,
    "masking": 0,
    "problems": 1,
    "exceptions": 2,
    "results": 3,
    "labels": 3,
    "output": 3,
    "_params": 3,
    "data": 4,
    "inference": 4,
    "models": 5,
    "simulate": 5,
    "sample": 5,
    "gradient": 6,
    "evaluation": 7,
    "plots": 8,
    ROOT_UNIT: 9,
    "report": 10,
    "cli": 11,
    "__main__": 12,
}

#: The analyses, whose results' ``.plot()`` may import the plots inside the method.
ANALYSES = frozenset({"models", "gradient", "evaluation"})

#: Known debts (docs/design.md, *Known debts*): edges that break the rules today.
#: An entry that no longer occurs fails the test, so the list only shrinks.
KNOWN_DEBTS: frozenset[tuple[str, str]] = frozenset()

#: Deprecated calls, kept for one release: the plots files whose deprecated
#: Survey-taking branch (``likert_bars``, ``likert_counts``, ``slope``, ``wave_means``,
#: ``arm_wave_means``, ``outcome_values`` given a Survey) runs the analysis that now
#: owns the numbers (``ma.likert_table``, ``ma.wave_means``), inside the function only.
#: Those imports are neither layer violations nor circles; a file that no longer makes
#: one fails the test, so the list only shrinks.
DEPRECATED_CALLS: frozenset[str] = frozenset(
    {
        "mutualaid_analysis/plots/evaluation.py",
        "mutualaid_analysis/plots/likert.py",
    }
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str  # "path:line"
    in_function: bool


def _unit_of(parts: list[str]) -> str:
    """The unit of a dotted module path below the package (``[]`` is the root)."""
    if not parts:
        return ROOT_UNIT
    return parts[0]


def _module_parts(path: Path, package_dir: Path = PACKAGE) -> tuple[list[str], list[str]]:
    """(module's dotted parts below the package, the package it sits in)."""
    rel = list(path.relative_to(package_dir).with_suffix("").parts)
    if rel[-1] == "__init__":
        return rel[:-1], rel[:-1]
    return rel, rel[:-1]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                skip.update(id(sub) for sub in ast.walk(stmt))
    return skip


def _function_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inside.update(id(sub) for sub in ast.walk(node) if sub is not node)
    return inside


def _targets(
    node: ast.Import | ast.ImportFrom, package: list[str], package_dir: Path = PACKAGE
) -> Iterator[list[str]]:
    """The imported modules' dotted parts below the package (skipping other packages)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            names = alias.name.split(".")
            if names[0] == PACKAGE.name:
                yield names[1:]
        return
    if node.level == 0:
        names = (node.module or "").split(".")
        if names[0] != PACKAGE.name:
            return
        base = names[1:]
    else:
        up = node.level - 1
        base = package[: len(package) - up] if up else list(package)
        base = base + (node.module.split(".") if node.module else [])
    if base:
        yield base
        return
    # "from .. import x" at the root: x may be a module of the root
    for alias in node.names:
        is_module = (package_dir / alias.name).is_dir() or (
            package_dir / f"{alias.name}.py"
        ).exists()
        yield [alias.name] if is_module else []


def import_edges(package_dir: Path = PACKAGE) -> list[Edge]:
    """Every run-time import between two units of the package."""
    edges: list[Edge] = []
    for path in sorted(package_dir.rglob("*.py")):
        parts, package = _module_parts(path, package_dir)
        source = _unit_of(parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_nodes(tree)
        inside = _function_nodes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in skip:
                continue
            for target_parts in _targets(node, package, package_dir):
                target = _unit_of(target_parts)
                if target != source:
                    where = f"{path.relative_to(package_dir.parent).as_posix()}:{node.lineno}"
                    edges.append(Edge(source, target, where, id(node) in inside))
    return edges


def find_cycles(pairs: set[tuple[str, str]]) -> list[list[str]]:
    """The import circles of a directed graph: one path per strongly connected component."""
    graph: dict[str, set[str]] = {}
    for a, b in pairs:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def deprecated_call(e: Edge) -> bool:
    """Whether an edge is a deprecated call's import of an analysis (see DEPRECATED_CALLS)."""
    return (
        e.source == "plots"
        and e.target in ANALYSES
        and e.in_function
        and e.where.rsplit(":", 1)[0] in DEPRECATED_CALLS
    )


def layer_violations(edges: list[Edge]) -> list[str]:
    """Imports that break the layering, one message each (file:line, edge, rule)."""
    out = []
    for e in edges:
        if (e.source, e.target) in KNOWN_DEBTS or deprecated_call(e):
            continue
        if e.source not in RANK or e.target not in RANK:
            out.append(f"{e.where}: {e.source} -> {e.target}: a unit missing from the layer table")
            continue
        if e.source == "plots" and e.target in ANALYSES:
            out.append(
                f"{e.where}: plots -> {e.target}: the plots draw results and import no "
                "analysis (move the computation to the analysis that owns it)"
            )
        elif e.target == "plots" and e.source in ANALYSES:
            if not e.in_function:
                out.append(
                    f"{e.where}: {e.source} -> plots at module level: a result's .plot() "
                    "imports the plots inside the method"
                )
        elif RANK[e.target] >= RANK[e.source]:
            out.append(
                f"{e.where}: {e.source} -> {e.target}: imports a unit of the same or a "
                "higher layer"
            )
    return out


# --------------------------------------------------------------------------- the package


def test_the_package_has_no_import_circle():
    edges = [e for e in import_edges() if not deprecated_call(e)]
    pairs = {(e.source, e.target) for e in edges} - KNOWN_DEBTS
    cycles = find_cycles(pairs)
    detail = [
        f"{' <-> '.join(c)}: "
        + ", ".join(f"{e.where} ({e.source} -> {e.target})" for e in edges
                    if e.source in c and e.target in c)
        for c in cycles
    ]
    assert not cycles, "import circles:\n" + "\n".join(detail)


def test_every_import_follows_the_layers():
    problems = layer_violations(import_edges())
    assert not problems, "imports against the layering:\n" + "\n".join(problems)


def test_every_unit_has_a_layer():
    units = {_unit_of(_module_parts(p)[0]) for p in PACKAGE.rglob("*.py")}
    assert units <= set(RANK), f"give these a layer in RANK and docs/design.md: {units - set(RANK)}"


def test_known_debts_are_still_debts():
    # a debt paid off leaves the list (and docs/design.md's *Known debts*)
    present = {(e.source, e.target) for e in import_edges()}
    assert present >= KNOWN_DEBTS, f"no longer occurs, remove: {KNOWN_DEBTS - present}"


def test_deprecated_calls_are_still_there():
    # a deprecated call removed leaves the list
    present = {e.where.rsplit(":", 1)[0] for e in import_edges() if deprecated_call(e)}
    assert present == DEPRECATED_CALLS, f"no longer occurs, remove: {DEPRECATED_CALLS - present}"


def test_the_layer_table_is_the_one_in_the_design_page():
    design = (PACKAGE.parent / "docs" / "design.md").read_text(encoding="utf-8")
    section = design.split("### What may import what", 1)[1].split("\n### ", 1)[0]
    for unit in RANK:
        if unit in (ROOT_UNIT, "__main__"):
            continue
        assert f"`{unit}`" in section, f"docs/design.md's layer table does not name {unit!r}"


# --------------------------------------------------------------------------- the checker


def _write_package(tmp_path: Path, files: dict[str, str]) -> Path:
    pkg = tmp_path / PACKAGE.name
    for name, text in files.items():
        f = pkg / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    return pkg


def test_the_checker_finds_a_circle_and_an_upward_import(tmp_path):
    # a checker that cannot fail checks nothing: a small package with the two faults
    pkg = _write_package(
        tmp_path,
        {
            "__init__.py": "from .data.survey import Survey\n",
            "data/__init__.py": "",
            "data/survey.py": "from ..plots import draw\nSurvey = 1\n",
            "plots/__init__.py": (
                "def draw():\n"
                "    from ..gradient import gradient\n"
                "    return gradient\n"
            ),
            "gradient/__init__.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from ..report import x\n"
                "def plot():\n"
                "    from ..plots import draw\n"
                "    return draw\n"
                "import mutualaid_analysis.data.survey\n"
            ),
        },
    )
    edges = import_edges(pkg)
    pairs = {(e.source, e.target) for e in edges}
    assert ("gradient", "report") not in pairs  # type checking only
    assert ("gradient", "data") in pairs  # absolute import
    # data -> plots -> gradient -> data, and gradient <-> plots: one component
    assert find_cycles(pairs) == [["data", "gradient", "plots"]]
    problems = layer_violations(edges)
    assert any("data/survey.py:1: data -> plots" in p for p in problems)
    assert any("plots -> gradient" in p and "import no analysis" in p for p in problems)
    # the .plot() hook, inside the method, is allowed
    assert not any("gradient -> plots" in p for p in problems)


# --------------------------------------------------------------------------- the version


def test_the_version_has_one_home_and_pyproject_agrees():
    from mutualaid_analysis._version import __version__

    assert ma.__version__ == __version__
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    static = project["project"].get("version")
    if static is None:  # a dynamic version must be read from _version.py
        assert "version" in project["project"].get("dynamic", [])
        attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
        assert attr == "mutualaid_analysis._version.__version__"
    else:
        assert static == __version__


# --------------------------------------------------------------------------- a light import


@pytest.mark.parametrize(
    "statement",
    [
        "import mutualaid_analysis",
        "import mutualaid_analysis as ma; ma.gradient; ma.plot_ripples; ma.participant_flow",
        "from mutualaid_analysis import labels",
    ],
)
def test_importing_the_package_does_not_load_matplotlib(statement):
    done = fresh_python(
        f"{statement}\nimport sys\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')\n"
        "assert not loaded, loaded[:5]\n"
    )
    assert done.returncode == 0, done.stderr


def test_drawing_still_loads_matplotlib_when_asked():
    # the lazy import is lazy, not absent: a figure from ma.plot_ripples still draws
    done = fresh_python(
        "import matplotlib\nmatplotlib.use('Agg')\n"
        "import mutualaid_analysis as ma\n"
        "axes = ma.plot_ripples(ma.load_sample(), lang='en')\n"
        "assert axes.shape == (2, 2), axes.shape\n"
    )
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- one home each


def test_moved_names_have_one_home_and_keep_their_old_addresses():
    import importlib

    from mutualaid_analysis import evaluation, labels, models, plots
    from mutualaid_analysis.data import scales, waves
    from mutualaid_analysis.evaluation import scales as evaluation_scales
    from mutualaid_analysis.plots import style

    assert ma.score_scale is evaluation.score_scale is evaluation_scales.score_scale
    assert ma.score_scale is scales.score_scale
    assert models.resolve_wave is waves.resolve_wave
    # (ma.gradient is the function; the subpackage is reached by its module name)
    gradient = importlib.import_module("mutualaid_analysis.gradient")
    assert ma.plot_ripples is gradient.plot_ripples
    assert not hasattr(plots, "plot_ripples")  # the plots run no analysis
    assert style.Labels is plots.Labels is labels.Labels
    assert ma.participant_flow is evaluation.participant_flow
    # the text masking and the problems sit below the errors (no exceptions <-> data circle)
    from mutualaid_analysis import masking, problems
    from mutualaid_analysis.data import privacy
    from mutualaid_analysis.data import problems as data_problems

    assert privacy.mask_personal_text is masking.mask_personal_text
    assert data_problems.Problem is problems.Problem is ma.exceptions.Problem
    assert data_problems.format_problems is problems.format_problems
