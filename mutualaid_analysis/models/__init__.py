"""Models of willingness: cumulative link models (fixed and mixed) and their design."""

from .design import OrdinalDesign, ordinal_design, resolve_wave

__all__ = ["OrdinalDesign", "ordinal_design", "resolve_wave"]
