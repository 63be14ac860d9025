"""``temporal``: tc-wGAN's temporal face encoder (used when ``gan.input: temporal``)."""
from __future__ import annotations

from ..variants import TEMPORAL_ENCODERS
from .core import bounded, choice, section


@section("temporal")
class TemporalParams:
    encoder: str = choice(TEMPORAL_ENCODERS)
    embedding_dim: int = bounded(8, 1024)
    frame_features: int = bounded(8, 2048)
    hidden: int = bounded(8, 2048)
    heads: int = bounded(1, 32)
    epochs: int = bounded(1, 1000)
    batch_size: int = bounded(1, 4096)
    lr: float = bounded(1e-6, 1.0)
    weight_decay: float = bounded(0.0, 1.0)
    val_fraction: float = bounded(0.05, 0.5)
    min_epochs: int = bounded(0, 1000)  # the kept weights come from this epoch on  # S1 clips (whole clips, not windows) held out to pick the best epoch
    specaugment_copies: int = bounded(1, 100)
