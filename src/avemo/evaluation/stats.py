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
from scipy import stats

# Monte Carlo sizes of every interval and p-value the pipeline reports (the docs quote these names)
BOOTSTRAP_RESAMPLES = 4000  # cluster-bootstrap draws of the test actors
SIGN_FLIPS = 4000  # random sign flips of the sign-flip test


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


def cluster_bootstrap(values: np.ndarray, clusters: np.ndarray, n_boot: int = BOOTSTRAP_RESAMPLES, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): percentile interval of the clip mean when whole clusters are resampled."""
    sums, sizes = cluster_sums(np.asarray(values, float), clusters)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(sums), size=(n_boot, len(sums)))
    means = sums[draws].sum(1) / sizes[draws].sum(1)
    alpha = (1 - level) / 2
    return float(sums.sum() / sizes.sum()), float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def sign_flip_p(values: np.ndarray, clusters: np.ndarray, n_perm: int = SIGN_FLIPS, seed: int = 0) -> float:
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
