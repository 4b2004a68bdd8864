"""A light ``import mutualaid_analysis``: scipy and matplotlib load when an analysis needs them.

The analyses (``models``, ``gradient``, ``evaluation``) are imported on first
use by the package's ``__getattr__`` (PEP 562); their names are listed for
type checkers in an ``if TYPE_CHECKING:`` block and, for the run time, in
``_LAZY``.  Each check of what a fresh import loads runs in a fresh process.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from fresh import fresh_python

import mutualaid_analysis as ma

PACKAGE = Path(ma.__file__).resolve().parent
DATA = Path(__file__).parent / "data"

#: What a plain import must not load (scipy: about 0.75 s of the 1.4 s an eager import took).
HEAVY = ("scipy.stats", "scipy.optimize", "scipy.linalg", "scipy.sparse", "scipy.special",
         "statsmodels", "matplotlib")


def _loaded(prefixes: tuple[str, ...] = HEAVY) -> str:
    """Code that prints the loaded modules among ``prefixes`` as a Python list."""
    return (
        "import sys\n"
        f"print(sorted(p for p in {prefixes!r}\n"
        "             if any(m == p or m.startswith(p + '.') for m in sys.modules)))\n"
    )


def test_a_plain_import_loads_neither_scipy_nor_matplotlib():
    done = fresh_python(
        "import mutualaid_analysis\nimport sys\n"
        "assert 'scipy.stats' not in sys.modules\n"
        "assert not any(m.split('.')[0] == 'matplotlib' for m in sys.modules)\n"
        + _loaded()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_reading_an_export_loads_no_analysis():
    # the data layer alone: a GBK long export with its codebook, validated, ledger and all
    done = fresh_python(
        "import warnings\nwarnings.simplefilter('ignore')\n"
        "import mutualaid_analysis as ma\n"
        f"s = ma.read_survey({str(DATA / 'export_long_gbk.csv')!r},\n"
        f"                   codebook={str(DATA / 'export_codebook.toml')!r})\n"
        "assert len(s.ledger) > 0\n"
        "ma.Codebook, ma.load_sample, ma.simulate_survey, ma.UsageError\n"
        + _loaded()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_analysis_loads_scipy_when_it_is_used():
    done = fresh_python(
        "import mutualaid_analysis as ma\nimport sys\n"
        "assert 'scipy.stats' not in sys.modules\n"
        "ma.evaluate\n"
        "assert 'scipy.stats' in sys.modules\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "first",
    [
        "ma.evaluate",
        "from mutualaid_analysis.evaluation import evaluate",
        "import mutualaid_analysis.gradient.describe",
        "from mutualaid_analysis.gradient import test_ordering",
        "ma.gradient",
    ],
)
def test_ma_gradient_stays_the_function_whatever_loads_the_subpackage(first):
    done = fresh_python(
        "import mutualaid_analysis as ma\n"
        f"{first}\n"
        "import importlib\n"
        "sub = importlib.import_module('mutualaid_analysis.gradient')\n"
        "assert callable(ma.gradient) and ma.gradient is sub.gradient, ma.gradient\n"
        "from mutualaid_analysis import gradient\n"
        "assert gradient is sub.gradient\n"
    )
    assert done.returncode == 0, done.stderr


def _type_checking_names() -> dict[str, str]:
    """The names of ``__init__.py``'s ``if TYPE_CHECKING:`` block, and their subpackage."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.level == 1, ast.unparse(stmt)
                names.update(dict.fromkeys((a.asname or a.name for a in stmt.names),
                                           stmt.module or ""))
    return names


def test_the_type_checking_block_and_the_lazy_table_agree():
    names = _type_checking_names()
    assert names, "no TYPE_CHECKING block in __init__.py"
    assert names == ma._LAZY
    assert set(names) <= set(ma.__all__)


@pytest.mark.parametrize("name", sorted(ma._LAZY))
def test_every_lazy_name_is_its_home_object(name):
    home = importlib.import_module(f"mutualaid_analysis.{ma._LAZY[name]}")
    assert getattr(ma, name) is getattr(home, name)


def test_every_public_name_is_in_dir_and_star_import():
    assert set(ma.__all__) <= set(dir(ma))
    namespace: dict[str, object] = {}
    exec("from mutualaid_analysis import *", namespace)
    assert set(ma.__all__) <= set(namespace)
    assert namespace["evaluate"] is ma.evaluate
    assert namespace["gradient"] is ma.gradient and callable(ma.gradient)


def test_the_modules_an_eager_import_left_reachable_still_are():
    from mutualaid_analysis.inference import share_conf_int

    assert ma.inference.share_conf_int is share_conf_int
    assert ma.models.fit_ordinal is ma.fit_ordinal
    assert ma.evaluation.evaluate is ma.evaluate
    assert ma.results.Result is importlib.import_module("mutualaid_analysis.results").Result


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'fit_ordinall'"):
        ma.fit_ordinall  # noqa: B018
    assert not hasattr(ma, "plot_everything")
