"""``preprocess``: rejection threshold and worker processes of the preprocess stage."""
from __future__ import annotations

from .core import bounded, section


@section("preprocess")
class PreprocessParams:
    max_reject_fraction: float = bounded(0.0, 1.0)
    workers: int = bounded(1, 64)
