"""``conformal``: inductive or full conformal prediction on the face classifier."""
from __future__ import annotations

from ..variants import CONFORMAL_METHODS
from .core import bounded, choice, section


@section("conformal")
class ConformalParams:
    method: str = choice(CONFORMAL_METHODS)
    mondrian: bool  # per-class calibration
    smoothing: bool  # uniform random tie-breaking (smoothed p-values)
    full_subset: int = bounded(10, 5000)  # training samples used by full (transductive) CP
