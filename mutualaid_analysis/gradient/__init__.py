"""The willingness gradient across social circles (差序格局).

- :func:`gradient`: willingness per circle and within-respondent contrasts,
  with village-clustered intervals;

- :func:`test_ordering`: Friedman (Kendall's W), Page's L for the predicted
  order, pairwise Wilcoxon signed-rank tests with Holm's adjustment;
- :func:`classify_profiles`: each respondent's pattern across the circles
  (strict, weak, flat, inverted, mixed), gradient index and radius;
- :func:`scalability`: Guttman errors and Loevinger's H of willingness
  dichotomised at a threshold;
- :func:`plot_ripples`: the gradient per wave (and arm) of a survey, drawn
  as ripples (matplotlib is imported only when it draws);
- :func:`likert_table`: the answer distribution of the willingness items
  per circle; beside it the survey's descriptions, :func:`sample_sizes`
  (respondents and villages per wave and group) and :func:`describe`
  (village-cluster means and shares of variables per wave and group).
"""

from __future__ import annotations

from .describe import GradientResult, gradient
from .ordering import test_ordering
from .profiles import PROFILES, classify_profiles
from .ripples import plot_ripples
from .scalability import scalability
from .summaries import (
    DescribeResult,
    LikertResult,
    SampleSizesResult,
    describe,
    likert_table,
    sample_sizes,
)

__all__ = [
    "PROFILES",
    "DescribeResult",
    "GradientResult",
    "LikertResult",
    "SampleSizesResult",
    "classify_profiles",
    "describe",
    "gradient",
    "likert_table",
    "plot_ripples",
    "sample_sizes",
    "scalability",
    "test_ordering",
]
