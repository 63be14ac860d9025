"""``preprocess``: rejection threshold and worker processes of the preprocess stage."""
from __future__ import annotations

from .core import bounded, section


@section("preprocess")
class PreprocessParams:
    max_reject_fraction: float = bounded(0.0, 1.0)
    max_duration_gap: float = bounded(0.0, 3600.0)  # seconds audio and video may differ
    max_faceless_share: float = bounded(0.0, 1.0)  # share of kept frames without a face
    workers: int = bounded(1, 64)
