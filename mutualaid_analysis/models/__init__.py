"""Models of willingness: cumulative link models (fixed and mixed) and their design."""

from ..exceptions import ConvergenceError, ConvergenceWarning
from .clm import fit_ordinal
from .clmm import BoundaryWarning, HessianWarning, fit_ordinal_mixed
from .clmm_results import OrdinalMixedResult
from .compare import compare_models
from .design import OrdinalDesign, ordinal_design, resolve_wave
from .results import OrdinalResult

__all__ = [
    "BoundaryWarning",
    "ConvergenceError",
    "ConvergenceWarning",
    "HessianWarning",
    "OrdinalDesign",
    "OrdinalMixedResult",
    "OrdinalResult",
    "compare_models",
    "fit_ordinal",
    "fit_ordinal_mixed",
    "ordinal_design",
    "resolve_wave",
]
