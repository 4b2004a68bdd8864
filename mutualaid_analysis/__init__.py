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

from ._version import __version__
from .data.codebook import Codebook, Variable, read_codebook
from .data.draft import draft_codebook
from .data.privacy import check_publishable, pseudonymise, suppress_small_counts
from .data.survey import Survey, from_frame, read_survey
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
from .sample import load_sample, sample_truth
from .simulate import Simulation, simulate_survey, write_simulation

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
