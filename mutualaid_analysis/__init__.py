"""mutualaid_analysis: survey analysis for rural mutual-aid elderly care (互助养老).

The data layer (:mod:`mutualaid_analysis.data`) reads village surveys with
their codebook, validates them and accounts for every row; the analyses of
the differential mode of association (差序格局) and of workshop evaluations
build on the :class:`Survey` it returns.

>>> import mutualaid_analysis as ma
>>> survey = ma.load_sample()  # doctest: +SKIP
>>> survey.ledger["status"].value_counts()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from ._version import __version__
from .data.codebook import Codebook, Variable, read_codebook
from .data.draft import draft_codebook
from .data.privacy import check_publishable, pseudonymise, suppress_small_counts
from .data.survey import Survey, from_frame, read_survey
from .exceptions import (
    AnalysisError,
    BoundaryWarning,
    CodebookDraftWarning,
    CodebookError,
    ConfigError,
    ConvergenceError,
    ConvergenceWarning,
    DataFileError,
    FontWarning,
    HessianWarning,
    InsufficientDataError,
    MutualAidError,
    MutualAidWarning,
    PersonalDataError,
    PrivacyWarning,
    SurveyValidationError,
    TextEncodingWarning,
    UsageError,
)
from .sample import load_sample, sample_truth
from .simulate import Simulation, simulate_survey, write_simulation

# The analyses (models, gradient, evaluation) import scipy, which was most of
# the time ``import mutualaid_analysis`` took.  They are imported on first use
# instead, by ``__getattr__`` below (PEP 562); type checkers and editors read
# their names here.  ``_LAZY`` says where each one lives at run time
# (tests/test_import.py keeps the two lists equal).
if TYPE_CHECKING:
    from .evaluation import (
        AttritionResult,
        EquivalenceResult,
        EvaluationResult,
        ExpansionResult,
        FlowResult,
        ReliabilityResult,
        ReliableChangeResult,
        WaveMeansResult,
        attrition,
        baseline_equivalence,
        circle_expansion,
        evaluate,
        participant_flow,
        reliability,
        reliable_change,
        score_scale,
        wave_means,
    )
    from .gradient import (
        DescribeResult,
        GradientResult,
        LikertResult,
        SampleSizesResult,
        classify_profiles,
        describe,
        gradient,
        likert_table,
        plot_ripples,
        sample_sizes,
        scalability,
        test_ordering,
    )
    from .models import (
        OrdinalMixedResult,
        OrdinalResult,
        compare_models,
        fit_ordinal,
        fit_ordinal_mixed,
    )

_LAZY: dict[str, str] = {
    **dict.fromkeys(
        [
            "AttritionResult",
            "EquivalenceResult",
            "EvaluationResult",
            "ExpansionResult",
            "FlowResult",
            "ReliabilityResult",
            "ReliableChangeResult",
            "WaveMeansResult",
            "attrition",
            "baseline_equivalence",
            "circle_expansion",
            "evaluate",
            "participant_flow",
            "reliability",
            "reliable_change",
            "score_scale",
            "wave_means",
        ],
        "evaluation",
    ),
    **dict.fromkeys(
        [
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
        ],
        "gradient",
    ),
    **dict.fromkeys(
        [
            "OrdinalMixedResult",
            "OrdinalResult",
            "compare_models",
            "fit_ordinal",
            "fit_ordinal_mixed",
        ],
        "models",
    ),
}

#: The modules that an eager import used to leave reachable as attributes
#: (``ma.inference.share_conf_int``), imported on first use as well.
_MODULES = frozenset({"evaluation", "inference", "models", "results"})


def __getattr__(name: str) -> object:
    """Import an analysis when one of its names is first used (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package's module: ``gradient`` stays the function, never the subpackage.

    Importing a subpackage binds its module to the package under the
    subpackage's name, once, when it is first loaded.  The eager import used
    to load ``gradient/`` before binding the function over it; loaded lazily
    (by ``ma.evaluate``, by ``from mutualaid_analysis.gradient import ...``),
    the subpackage would arrive later and hide ``ma.gradient``.  The
    subpackage stays reachable by its module name (``importlib.import_module``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name == "gradient" and isinstance(value, types.ModuleType):
            value = value.gradient
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "AnalysisError",
    "AttritionResult",
    "BoundaryWarning",
    "Codebook",
    "CodebookDraftWarning",
    "CodebookError",
    "ConfigError",
    "ConvergenceError",
    "ConvergenceWarning",
    "DataFileError",
    "DescribeResult",
    "EquivalenceResult",
    "EvaluationResult",
    "ExpansionResult",
    "FlowResult",
    "FontWarning",
    "GradientResult",
    "HessianWarning",
    "InsufficientDataError",
    "LikertResult",
    "MutualAidError",
    "MutualAidWarning",
    "OrdinalMixedResult",
    "OrdinalResult",
    "PersonalDataError",
    "PrivacyWarning",
    "ReliabilityResult",
    "ReliableChangeResult",
    "SampleSizesResult",
    "Simulation",
    "Survey",
    "SurveyValidationError",
    "TextEncodingWarning",
    "UsageError",
    "Variable",
    "WaveMeansResult",
    "__version__",
    "attrition",
    "baseline_equivalence",
    "check_publishable",
    "circle_expansion",
    "classify_profiles",
    "compare_models",
    "describe",
    "draft_codebook",
    "evaluate",
    "fit_ordinal",
    "fit_ordinal_mixed",
    "from_frame",
    "gradient",
    "likert_table",
    "load_sample",
    "participant_flow",
    "plot_ripples",
    "pseudonymise",
    "read_codebook",
    "read_survey",
    "reliability",
    "reliable_change",
    "sample_sizes",
    "sample_truth",
    "scalability",
    "score_scale",
    "simulate_survey",
    "suppress_small_counts",
    "test_ordering",
    "wave_means",
    "write_simulation",
]
