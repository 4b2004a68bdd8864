"""The README's notebook example runs as written (a README that lies is worse than none)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


def test_readme_notebook_example_runs(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## In a notebook"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    import matplotlib.pyplot as plt

    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    finally:
        plt.close("all")  # the example draws; a notebook user closes nothing, a test does
    assert os.getcwd() == str(ROOT)
