"""Seeding and the environment facts every metrics file records (DESIGN.md 6)."""
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
    """Flat ``env_*`` keys: package versions, Python, machine and device."""
    out = {"env_python": platform.python_version(), "env_machine": platform.machine(), "env_device": device}
    for name in PACKAGES:
        try:
            out[f"env_{name}"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[f"env_{name}"] = "absent"
    return out


def resolve_device(name: str) -> str:
    """``auto`` -> cuda when available, else cpu."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
