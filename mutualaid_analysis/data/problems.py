"""Old address of :mod:`mutualaid_analysis.problems` (the problems' one home)."""

from __future__ import annotations

from ..problems import PROBLEM_COLUMNS, Problem, Severity, format_problems, problems_frame

__all__ = ["PROBLEM_COLUMNS", "Problem", "Severity", "format_problems", "problems_frame"]
