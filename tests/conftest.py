"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import settings

# The property tests draw the same examples on every run ("ci", the default),
# so that a run of the suite is repeatable and a failure can be rerun as it
# was. To explore new random examples, as when looking for bugs:
#     HYPOTHESIS_PROFILE=explore python -m pytest tests/test_fuzz.py
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
