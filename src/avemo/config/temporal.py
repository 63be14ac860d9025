"""``temporal``: tc-wGAN's temporal face encoder (used when ``gan.input: temporal``)."""
from __future__ import annotations

from .core import bounded, choice, section


@section("temporal")
class TemporalParams:
    encoder: str = choice("3dcnn", "lstm", "transformer")
    embedding_dim: int = bounded(8, 1024)
    frame_features: int = bounded(8, 2048)
    hidden: int = bounded(8, 2048)
    heads: int = bounded(1, 32)
    epochs: int = bounded(1, 1000)
    batch_size: int = bounded(1, 4096)
    lr: float = bounded(1e-6, 1.0)
    specaugment_copies: int = bounded(1, 100)
