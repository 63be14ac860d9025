"""Intervals and tests for comparisons whose test clips are clustered by actor.

Clips of one actor are not independent (an actor's clips are easy or hard together), so paired
differences between two models on the same test clips are resampled by actor: a cluster bootstrap
for the 95% interval of the mean difference, and a sign-flip permutation test over actors for its
p-value (under the null the two models are exchangeable, so each actor's mean difference is as
likely to have either sign). Error rates of a conformal predictor get Clopper-Pearson intervals.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class PairedDelta:
    delta: float  # mean over clips of (a - b)
    low: float  # 95% cluster-bootstrap interval
    high: float
    p_value: float  # two-sided sign-flip permutation test over clusters
    clusters: int

    def flat(self, name: str) -> dict:
        """Flat metrics keys: ``name``, ``name_ci95_low``, ``name_ci95_high``, ``name_p_value``."""
        return {name: round(self.delta, 4), f"{name}_ci95_low": round(self.low, 4),
                f"{name}_ci95_high": round(self.high, 4), f"{name}_p_value": round(self.p_value, 4)}


def cluster_sums(values: np.ndarray, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster sums and sizes of ``values`` (N,) grouped by ``clusters`` (N,)."""
    _, index = np.unique(clusters, return_inverse=True)
    return np.bincount(index, weights=values), np.bincount(index).astype(float)


def cluster_bootstrap(values: np.ndarray, clusters: np.ndarray, n_boot: int = 4000, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): percentile interval of the clip mean when whole clusters are resampled."""
    sums, sizes = cluster_sums(np.asarray(values, float), clusters)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(sums), size=(n_boot, len(sums)))
    means = sums[draws].sum(1) / sizes[draws].sum(1)
    alpha = (1 - level) / 2
    return float(sums.sum() / sizes.sum()), float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def sign_flip_p(values: np.ndarray, clusters: np.ndarray, n_perm: int = 4000, seed: int = 0) -> float:
    """Two-sided p-value of mean(values) = 0, flipping the sign of whole clusters at random."""
    sums, sizes = cluster_sums(np.asarray(values, float), clusters)
    observed = abs(sums.sum()) / sizes.sum()
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(n_perm, len(sums)))
    null = np.abs(signs @ sums) / sizes.sum()
    return float((1 + (null >= observed - 1e-12).sum()) / (1 + n_perm))


def paired_delta(a: np.ndarray, b: np.ndarray, clusters: np.ndarray, seed: int = 0) -> PairedDelta:
    """Mean of a - b over paired clips (e.g. per-clip correctness of two models), with its 95%
    cluster-bootstrap interval and sign-flip p-value."""
    diff = np.asarray(a, float) - np.asarray(b, float)
    mean, low, high = cluster_bootstrap(diff, clusters, seed=seed)
    return PairedDelta(mean, low, high, sign_flip_p(diff, clusters, seed=seed), len(np.unique(clusters)))


def clopper_pearson(errors: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval of an error rate."""
    ci = stats.binomtest(int(errors), int(n)).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) over independent runs (e.g. actor folds): Student t interval."""
    v = np.asarray(values, float)
    if len(v) < 2:
        return float(v.mean()), float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half)


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
        per_fold = self.fold + self.actor / self.actors_per_fold + self.clip / (self.actors_per_fold * self.clips_per_actor)
        return int(np.ceil((z / target) ** 2 * per_fold))


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
