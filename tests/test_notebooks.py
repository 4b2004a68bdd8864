"""The worked-analysis notebooks (notebooks/*.ipynb) run top to bottom without an error.

Each notebook is executed with nbclient on a fresh ``python3`` kernel (the
ipykernel installed in this environment, so the kernel imports the same
``mutualaid_analysis``), with ``notebooks/`` as its working folder, the way a
student opens it.  Any cell that raises fails the test, and so does output on
stderr (a warning printed in the kernel).  The committed files must carry no
outputs and no execution counts, so that diffs show code and text only.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat  # the test extra: pip install -e ".[test]" (with nbclient and ipykernel)
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = [
    "01_data_and_codebook.ipynb",
    "02_differential_mode_pattern.ipynb",
    "03_workshop_evaluation.ipynb",
    "04_from_an_excel_export.ipynb",
]
#: Seconds a notebook may take (the issue asks for under a minute on 2 cores).
NOTEBOOK_BUDGET = 60
CELL_TIMEOUT = 120


def _paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_there():
    assert [p.name for p in _paths()] == EXPECTED


@pytest.mark.parametrize("path", _paths(), ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    assert book.metadata.get("kernelspec", {}).get("name") == "python3"
    dirty = [
        i
        for i, cell in enumerate(book.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} carry outputs or execution counts; clear them before "
        "committing (jupyter nbconvert --clear-output --inplace NOTEBOOK)"
    )


@pytest.mark.parametrize("path", _paths(), ids=lambda p: p.stem)
def test_opens_with_what_it_reproduces(path: Path):
    book = nbformat.read(path, as_version=4)
    first = book.cells[0]
    assert first.cell_type == "markdown"
    assert "What it reproduces" in first.source


@pytest.mark.parametrize("path", _paths(), ids=lambda p: p.stem)
def test_notebook_runs(path: Path):
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}")
    took = time.perf_counter() - start
    stderr = [
        (i, out.text)
        for i, cell in enumerate(book.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stderr"
    ]
    assert not stderr, f"{path.name} printed to stderr (a warning?): {stderr}"
    assert took < NOTEBOOK_BUDGET, f"{path.name} took {took:.0f} s (budget {NOTEBOOK_BUDGET} s)"
