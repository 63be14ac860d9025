"""How much more real audio helps: the audio CNN trained on the real spectrograms of more and more
actors (S3's actors, then S3 and S1, then every actor outside S4), each tested on the same S4 clips.
A corpus on which generated audio can help must show a rising curve (headroom in the voice)."""
from __future__ import annotations

import numpy as np
import torch

from ..data.arrays import load_set
from ..models.classifier import ClassifierConfig
from ..training.classifier import FitConfig, predict_proba, train_emotion_cnn
from .stats import cluster_bootstrap, paired_delta

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


def curve_metrics(curve: dict[str, dict], actors: np.ndarray, seed: int) -> tuple[dict, list[dict]]:
    """(flat results: each size's S4 accuracy with a 95% cluster-bootstrap interval over the S4
    ``actors``, its actors and clips, and all-vs-1x as a paired difference; one row per size for the
    curve's table)."""
    metrics, rows = {}, []
    for name, point in curve.items():
        mean, low, high = cluster_bootstrap(point["correct"], actors, seed=seed)
        metrics.update({f"{name}_accuracy": round(mean, 4), f"{name}_ci95_low": round(low, 4),
                        f"{name}_ci95_high": round(high, 4), f"{name}_actors": point["actors"],
                        f"{name}_clips": point["clips"]})
        rows.append({"size": name, "actors": point["actors"], "clips": point["clips"], "accuracy": round(mean, 4)})
    metrics.update(paired_delta(curve["all"]["correct"], curve["1x"]["correct"], actors, seed).flat("all_vs_1x_delta"))
    return metrics, rows
