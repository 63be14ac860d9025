"""Inductive (and full) conformal prediction for classification (dacssGAN 3.1).

Nonconformity of sample i for class p: a_i^p = max_{j != p} s_i^j - s_i^p on the softmax s.
p-value: p(x, p) = (#{i in cal : a_i >= a_x^p} + 1) / (|cal| + 1); smoothed p-values break ties with
a uniform draw; Mondrian p-values calibrate each class on its own calibration samples.

``CONFORMAL_METHODS`` names the two ways the calibrate stage turns f_S's outputs into p-values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..variants import CONFORMAL_METHODS as METHOD_NAMES, implemented


def nonconformity(softmax: np.ndarray) -> np.ndarray:
    """Margin nonconformity: (N, C) probabilities -> (N, C) scores a^p = max_{j!=p} s^j - s^p."""
    s = np.asarray(softmax, dtype=np.float64)
    order = np.sort(s, axis=1)
    top, second = order[:, -1:], order[:, -2:-1]
    best_other = np.where(s == top, second, top)  # for the argmax class the best other is the 2nd
    return best_other - s


def calibration_scores(softmax: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Scores of the calibration samples for their true class: (N, C), (N,) -> (N,)."""
    return nonconformity(softmax)[np.arange(len(labels)), labels]


def pvalues(
    cal_scores: np.ndarray,
    test_scores: np.ndarray,
    cal_labels: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """p-values (N, C) of every test sample and class.

    ``cal_labels`` given = Mondrian (class p compared only with calibration samples of class p);
    ``rng`` given = smoothed p-values (ties counted with a uniform weight).
    """
    n_test, n_classes = test_scores.shape
    out = np.empty((n_test, n_classes))
    tau = rng.uniform(size=(n_test, n_classes)) if rng is not None else None
    for p in range(n_classes):
        cal = np.sort(cal_scores if cal_labels is None else cal_scores[cal_labels == p])
        a = test_scores[:, p]
        greater = len(cal) - np.searchsorted(cal, a, side="right")
        ties = np.searchsorted(cal, a, side="right") - np.searchsorted(cal, a, side="left")
        if tau is None:
            out[:, p] = (greater + ties + 1) / (len(cal) + 1)
        else:
            out[:, p] = (greater + tau[:, p] * (ties + 1)) / (len(cal) + 1)
    return out


def credibility_confidence(pv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Credibility = largest p-value; confidence = 1 - second largest."""
    s = np.sort(pv, axis=1)
    return s[:, -1], 1.0 - s[:, -2]


def reliable(pv: np.ndarray, min_credibility: float = 0.0, min_confidence: float = 0.0,
             singleton_eps: float = 0.0) -> np.ndarray:
    """(N,) bool: the samples whose conformal prediction is trusted: credibility (largest p-value) at
    least ``min_credibility``, confidence (1 - second largest) at least ``min_confidence``, and, when
    ``singleton_eps`` > 0, a prediction set {p : p-value > eps} of exactly one class."""
    credibility, confidence = credibility_confidence(pv)
    keep = (credibility >= min_credibility) & (confidence >= min_confidence)
    if singleton_eps > 0:
        keep &= (pv > singleton_eps).sum(axis=1) == 1
    return keep


def validity(pv: np.ndarray, labels: np.ndarray, eps: float) -> tuple[float, float]:
    """(error rate, mean set size) of the prediction sets {p : p-value > eps}."""
    sets = pv > eps
    return float(1.0 - sets[np.arange(len(labels)), labels].mean()), float(sets.sum(axis=1).mean())


def full_conformal_pvalues(
    fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    n_classes: int,
) -> np.ndarray:
    """Full (transductive) CP, dacssGAN Algorithm 1: for each test x and each class p, refit on the
    training set plus (x, p) and rank x's nonconformity among all n+1 samples. ``fit_predict(X, y)``
    fits a model on (X, y) and returns its softmax on X. Cost: n_test * n_classes fits."""
    out = np.empty((len(x_test), n_classes))
    for i, x in enumerate(x_test):
        for p in range(n_classes):
            xs = np.concatenate([x_train, x[None]])
            ys = np.concatenate([y_train, [p]])
            scores = calibration_scores(fit_predict(xs, ys), ys)
            out[i, p] = np.mean(scores >= scores[-1])
    return out


@dataclass(frozen=True)
class ScoredSet:
    """What the face classifier f_S says about a set of clips."""

    softmax: np.ndarray  # (N, C)
    features: np.ndarray  # (N, D) penultimate layer
    labels: np.ndarray  # (N,) true classes (read for the calibration set only)


@dataclass(frozen=True)
class ConformalConfig:
    mondrian: bool  # per-class calibration (inductive)
    smoothing: bool  # random tie-breaking (inductive)
    full_subset: int  # calibration clips the full method refits on
    seed: int


def logistic_head(seed: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The underlying model full CP refits: logistic regression on f_S's penultimate features."""
    from sklearn.linear_model import LogisticRegression

    def fit_predict(x, y):
        # the subset holds every class, so predict_proba's columns are the class indices
        return LogisticRegression(max_iter=300, random_state=seed).fit(x, y).predict_proba(x)

    return fit_predict


def inductive_pvalues(calibration: ScoredSet, targets: list[ScoredSet], cfg: ConformalConfig) -> list[np.ndarray]:
    """ICP: margin scores of the calibration set for its true classes rank each target's scores."""
    cal = calibration_scores(calibration.softmax, calibration.labels)
    mondrian = calibration.labels if cfg.mondrian else None
    rng = np.random.default_rng(cfg.seed) if cfg.smoothing else None
    return [pvalues(cal, nonconformity(t.softmax), mondrian, rng) for t in targets]


def full_pvalues(calibration: ScoredSet, targets: list[ScoredSet], cfg: ConformalConfig) -> list[np.ndarray]:
    """Full CP (dacssGAN Algorithm 1) with a logistic head refitted on f_S's features for every
    (sample, class). Its training set is drawn from the calibration set: f_S was fitted on S1, so S1
    points would not be exchangeable with new ones (measured: error 0.79 at eps 0.1 with S1)."""
    train = np.random.default_rng(cfg.seed).permutation(len(calibration.labels))[: cfg.full_subset]
    fit_predict = logistic_head(cfg.seed)
    n_classes = calibration.softmax.shape[1]
    return [full_conformal_pvalues(fit_predict, calibration.features[train], calibration.labels[train], t.features,
                                   n_classes) for t in targets]


CONFORMAL_METHODS: dict[str, Callable[[ScoredSet, list[ScoredSet], ConformalConfig], list[np.ndarray]]] = implemented(
    METHOD_NAMES, inductive=inductive_pvalues, full=full_pvalues)

