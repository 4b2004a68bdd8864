"""Running code in a fresh interpreter, for tests of what an import loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mutualaid_analysis as ma

#: The project folder: the fresh interpreter imports the copy under test from it.
PROJECT = Path(ma.__file__).resolve().parent.parent


def fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``python -c`` in a new process, importing this checkout."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
        timeout=120,
    )
