"""Seeding, device choice, and the environment facts each stage records beside its metrics."""
from __future__ import annotations

import platform
import random
from importlib import metadata

import numpy as np

PACKAGES = ("torch", "numpy", "librosa", "dlib-bin", "av", "scikit-learn", "scikit-image")


def seed_everything(seed: int) -> None:
    """One seed for Python's random, numpy and torch; deterministic torch kernels."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def environment(device: str = "cpu") -> dict:
    """Package versions, Python, machine and device."""
    out = {"python": platform.python_version(), "machine": platform.machine(), "device": device}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def resolve_device(name: str) -> str:
    """``auto`` -> cuda when available, else cpu."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
