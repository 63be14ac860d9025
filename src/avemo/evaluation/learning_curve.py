"""How much more real audio helps: the audio CNN trained on the real spectrograms of more and more
actors (S3's actors, then S3 and S1, then every actor outside S4), each tested on the same S4 clips.
A corpus on which generated audio can help must show a rising curve (headroom in the voice)."""
from __future__ import annotations

import numpy as np
import torch

from ..data.arrays import load_set
from ..models.classifier import ClassifierConfig
from ..training.classifier import FitConfig, predict_proba, train_emotion_cnn

# curve point -> the sets whose real audio it trains on (S3 alone is the GAN's training set: "1x")
SIZES = {"1x": ("S3",), "2x": ("S3", "S1"), "all": ("S1", "S2", "S3", "POOL")}


def training_set(processed, splits_csv, sets: tuple, classes: tuple) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Real spectrograms and labels of ``sets`` (those present), and how many actors they hold."""
    parts = [load_set(processed, splits_csv, s, classes, "spectrograms") for s in sets]
    parts = [p for p in parts if len(p[1])]
    actors = sum(p[2]["actor"].nunique() for p in parts)
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]), int(actors)


def learning_curve(processed, splits_csv, classes: tuple, cfg: ClassifierConfig, fit: FitConfig, val_fraction: float,
                   device: str = "cpu") -> dict[str, dict]:
    """Per size: actors, clips, and the per-clip correctness (0/1) on S4."""
    x4, y4, _ = load_set(processed, splits_csv, "S4", classes, "spectrograms")
    out = {}
    for name, sets in SIZES.items():
        x, y, actors = training_set(processed, splits_csv, sets, classes)
        model, _ = train_emotion_cnn(x, y, cfg, fit, val_fraction, device)
        correct = (predict_proba(model, x4, device).argmax(1) == y4.numpy()).astype(float)
        out[name] = {"actors": actors, "clips": int(len(y)), "correct": correct}
    return out
