"""Evaluation of before/after workshop (工作坊) data.

Scales and their reliability (:func:`score_scale`, :func:`reliability`),
attrition and baseline equivalence against the What Works Clearinghouse
standards (:func:`attrition`, :func:`baseline_equivalence`), the
participant flow of the diagram (:func:`participant_flow`) and individual
reliable change (:func:`reliable_change`); the means per arm and wave with
village-cluster intervals (:func:`wave_means`); workshop effects with
few-cluster inference (:func:`evaluate`) and whether the ripple widens
(:func:`circle_expansion`).  What every one of them compares -- the waves,
the arms, the design -- is resolved once, by :func:`study_design`.
"""

from __future__ import annotations

from ..inference.randomization import did_randomization_test
from .attrition import (
    AttritionResult,
    EquivalenceResult,
    FlowResult,
    attrition,
    baseline_equivalence,
    participant_flow,
)
from .change import ReliableChangeResult, reliable_change
from .design import Outcome, StudyDesign, resolve_outcome, study_design
from .effects import (
    EvaluationResult,
    evaluate,
    paired_effect_sizes,
)
from .expansion import ExpansionResult, circle_expansion
from .means import WaveMeansResult, wave_means
from .scales import ReliabilityResult, reliability, score_scale
from .wwc import attrition_boundary, boundary_table, cox_index, equivalence_band, hedges_g

__all__ = [
    "AttritionResult",
    "EquivalenceResult",
    "EvaluationResult",
    "ExpansionResult",
    "FlowResult",
    "Outcome",
    "ReliabilityResult",
    "ReliableChangeResult",
    "StudyDesign",
    "WaveMeansResult",
    "attrition",
    "attrition_boundary",
    "baseline_equivalence",
    "boundary_table",
    "circle_expansion",
    "cox_index",
    "did_randomization_test",
    "equivalence_band",
    "evaluate",
    "hedges_g",
    "paired_effect_sizes",
    "participant_flow",
    "reliability",
    "reliable_change",
    "resolve_outcome",
    "score_scale",
    "study_design",
    "wave_means",
]
