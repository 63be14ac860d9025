"""``train``: seed, device and precision shared by every training stage."""
from __future__ import annotations

from .core import bounded, choice, section


@section("train")
class TrainParams:
    seed: int = bounded(0)
    device: str = choice("auto", "cpu", "cuda")
    bf16: bool
    data_fraction: float = bounded(0.01, 1.0)
    processes: int = bounded(1, 64)  # > 1: data-parallel training under torchrun (one process per GPU or CPU worker)
