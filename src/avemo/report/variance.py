"""Power of a fold study: where the variance of a per-clip paired difference lies (folds, actors,
clips) and how many folds of the same design an interval of a given width needs. Kept with the
report (not in ``evaluation.stats``) because only ``avemo report`` uses it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class VarianceComponents:
    """Where the variance of a per-clip quantity (e.g. a paired correctness difference) lies when
    clips are nested in actors and actors in folds (each fold trains its own models): ``fold`` is
    what a fold's training adds to every one of its clips, ``actor`` what an actor adds to all their
    clips, ``clip`` the rest (for a paired difference of two models: mostly clips on which the two
    disagree by chance of training, which averaging over ``eval.seeds`` reduces)."""
    fold: float
    actor: float
    clip: float
    folds: int
    actors_per_fold: float
    clips_per_actor: float

    def half_width(self, folds: int, actors_per_fold: float | None = None, clips_per_actor: float | None = None,
                   z: float = 1.96) -> float:
        """Normal-approximation 95% half-width of the mean over ``folds`` folds of this design."""
        n = actors_per_fold or self.actors_per_fold
        m = clips_per_actor or self.clips_per_actor
        return float(z * np.sqrt(self.fold / folds + self.actor / (folds * n) + self.clip / (folds * n * m)))

    def folds_for(self, target: float, z: float = 1.96) -> int:
        """Folds of this design (actors per fold, clips per actor) a +-``target`` half-width needs."""
        return int(np.ceil((self.half_width(1, z=z) / target) ** 2))  # half-widths shrink as 1/sqrt(folds)


def variance_components(values: np.ndarray, folds: np.ndarray, actors: np.ndarray) -> VarianceComponents:
    """Method-of-moments (nested ANOVA) estimates of the fold, actor and clip variance of ``values``
    (N,), clips grouped by ``actors`` (N,) within ``folds`` (N,). Unbalanced groups use their mean
    sizes; an estimate below zero (sampling noise) is set to zero."""
    table = pd.DataFrame({"v": np.asarray(values, float), "fold": np.asarray(folds), "actor": np.asarray(actors)})
    by_actor = table.groupby(["fold", "actor"])["v"]
    sizes = by_actor.size()
    clip = float((by_actor.var(ddof=1) * (sizes - 1)).sum() / (sizes - 1).sum())
    m = float(sizes.mean())
    actor_means = by_actor.mean().reset_index()
    per_fold = actor_means.groupby("fold")["v"]
    n = float(per_fold.size().mean())
    between_actors = float(per_fold.var(ddof=1).mean())  # = actor + clip / m
    actor = max(between_actors - clip / m, 0.0)
    fold_means = per_fold.mean()
    fold = max(float(fold_means.var(ddof=1)) - between_actors / n, 0.0) if len(fold_means) > 1 else 0.0
    return VarianceComponents(fold, actor, clip, int(len(fold_means)), n, m)
