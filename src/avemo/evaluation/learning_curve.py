"""The budget curve: how the audio CNN does with the real audio of more and more actors, from a few
(where it learns at all) to every actor outside S4, each tested on the same S4 clips. Generated
audio can only help where the curve still rises; on the papers' regime (scarce audio, plentiful
faces) the audio budget (``split.audio_share``) sits on its rising part.

Actors join in one order: the audio budget's S3 actors, then S3's actors without audio, S1, S2 and
the pool, each set's actors alternating between the sexes in a seeded order (``splits.budget_actors``).
So the curve's point at the budget's size is the audio CNN of the GAN's study, and its point at all
actors the most real audio could give.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..data.arrays import load_set
from ..data.splits import budget_actors
from ..models.classifier import ClassifierConfig
from ..training.classifier import FitConfig, predict_proba, train_emotion_cnn
from .stats import cluster_bootstrap, paired_delta

ORDER = ("S3", "S3U", "S1", "S2", "POOL")  # the sets whose actors join the curve, in this order


def actor_order(splits: pd.DataFrame, seed: int) -> list:
    """Every actor of ``ORDER``'s sets, in the order they join the curve."""
    out = []
    for name in ORDER:
        part = splits[splits["set"] == name].drop_duplicates("actor")
        if len(part):
            out += budget_actors(part, 1.0, seed)
    return out


def curve_points(wanted: tuple[int, ...], budget: int, total: int) -> list[int]:
    """The actor counts of the curve: those asked for (up to ``total``), the budget's and all."""
    return sorted({min(k, total) for k in wanted} | {budget, total})


def learning_curve(processed, splits_csv, classes: tuple, cfg: ClassifierConfig, fit: FitConfig, val_fraction: float,
                   wanted: tuple[int, ...], device: str = "cpu") -> dict[int, dict]:
    """{actors: {"clips", "correct" (per S4 clip, 0/1)}} for each point of the curve; the audio CNN
    of each point trains on the real audio of the first ``actors`` actors of ``actor_order``."""
    splits = pd.read_csv(splits_csv)
    order = actor_order(splits, fit.seed)
    budget = splits.loc[splits["set"] == "S3", "actor"].nunique()
    x4, y4, _ = load_set(processed, splits_csv, "S4", classes, "spectrograms")
    parts = {name: load_set(processed, splits_csv, name, classes, "spectrograms") for name in ORDER}
    x = torch.cat([p[0] for p in parts.values()])
    y = torch.cat([p[1] for p in parts.values()])
    actors = np.concatenate([p[2]["actor"].to_numpy() for p in parts.values()])
    out = {}
    for k in curve_points(wanted, budget, len(order)):
        rows = torch.from_numpy(np.flatnonzero(np.isin(actors, order[:k])))
        model, _ = train_emotion_cnn(x[rows], y[rows], cfg, fit, val_fraction, device)
        correct = (predict_proba(model, x4, device).argmax(1) == y4.numpy()).astype(float)
        out[k] = {"clips": int(len(rows)), "correct": correct}
    return out


def curve_metrics(curve: dict[int, dict], actors: np.ndarray, budget: int, seed: int) -> tuple[dict, list[dict]]:
    """(flat results: each point's S4 accuracy with a 95% cluster-bootstrap interval over the S4
    ``actors`` and its clips, and the gain of all actors over the budget as a paired difference;
    one row per point for the curve's table)."""
    metrics, rows = {"budget_actors": budget, "all_actors": max(curve)}, []
    for k, point in curve.items():
        mean, low, high = cluster_bootstrap(point["correct"], actors, seed=seed)
        metrics.update({f"actors_{k}_accuracy": round(mean, 4), f"actors_{k}_ci95_low": round(low, 4),
                        f"actors_{k}_ci95_high": round(high, 4), f"actors_{k}_clips": point["clips"]})
        rows.append({"actors": k, "clips": point["clips"], "accuracy": round(mean, 4), "ci95_low": round(low, 4),
                     "ci95_high": round(high, 4)})
    metrics.update(paired_delta(curve[max(curve)]["correct"], curve[budget]["correct"], actors, seed)
                   .flat("all_vs_budget_delta"))
    return metrics, rows
