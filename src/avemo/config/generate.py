"""``generate``: which faces the trained generator turns into labelled audio, and which pool faces
conformal prediction trusts enough to pseudo-label."""
from __future__ import annotations

from ..variants import GENERATE_SOURCES
from .core import bounded, choice, section


@section("generate")
class GenerateParams:
    sources: str = choice(GENERATE_SOURCES)  # S3 faces, face-only pool faces, or both
    min_credibility: float = bounded(0.0, 1.0)  # pool faces kept: largest ICP p-value at least this
    min_confidence: float = bounded(0.0, 1.0)  # ... and 1 - second largest at least this
    singleton_eps: float = bounded(0.0, 0.99)  # ... and (when > 0) a one-class prediction set at this eps
