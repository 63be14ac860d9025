"""Seeding, device choice, and the environment facts each stage records beside its metrics."""
from __future__ import annotations

import hashlib
import platform
import random
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from .errors import UserError

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
    # Deterministic mode also fills every new tensor's memory with NaN, which only matters to code
    # that reads memory it never wrote. The fill costs time (train_gan about 6% on 2 cores) and the
    # pages it writes stay with the allocator (embedding a CREMA-D-sized corpus's face windows on
    # their own: 5.5 GB with it, 1.6 without; docs/benchmarks.md).
    torch.utils.deterministic.fill_uninitialized_memory = False


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
    """``auto`` -> cuda when available, else cpu; ``cuda`` without a GPU is refused at once."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("train.device = 'cuda' but torch finds no CUDA GPU on this machine; use auto or cpu")
    return name


def code_digest(package: str = "avemo") -> str:
    """Digest of the source of every loaded module of ``package`` and of the running script: a
    checkpoint keyed on it is not resumed by code that changed since (a loss, a layer)."""
    modules = [m for name, m in list(sys.modules.items()) if name == package or name.startswith(package + ".")]
    files = sorted({m.__file__ for m in modules if getattr(m, "__file__", None)})
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    h = hashlib.sha256()
    for f in files + ([script] if script else []):
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:16]

