"""The GAN's condition c per clip (dacssGAN 3.2), one registry entry per kind.

Each entry maps what the calibrate stage knows about a clip (true label, f_S's softmax, ICP
p-values) to the condition matrix (N, width) fed to G and D, and the class Q learns for each clip.
The semi-supervised conditions never read the true labels: Q learns the condition's argmax.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..variants import GAN_CONDITIONS, implemented


@dataclass(frozen=True)
class ConditionInputs:
    labels: np.ndarray | None  # (N,) true classes: only supervised conditions read them (None: unknown)
    softmax: np.ndarray | None  # (N, C) face classifier f_S
    pvalues: np.ndarray | None  # (N, C) ICP p-values
    n_classes: int


@dataclass(frozen=True)
class Condition:
    matrix: np.ndarray  # (N, width) float32: c for G and D
    klass: np.ndarray  # (N,) int64: the class Q learns
    trains_q: bool  # False when c carries no class (Q is then not built)

    @property
    def width(self) -> int:
        return self.matrix.shape[1]


def label_condition(c: ConditionInputs) -> Condition:
    """Supervised dacssGAN: the one-hot true label."""
    if c.labels is None:
        raise ValueError("the label condition needs true labels; these clips have none (use classifier or conformal)")
    return Condition(np.eye(c.n_classes, dtype=np.float32)[c.labels], c.labels.astype(np.int64), True)


def classifier_condition(c: ConditionInputs) -> Condition:
    """Semi-supervised: f_S's softmax."""
    m = c.softmax.astype(np.float32)
    return Condition(m, m.argmax(1), True)


def conformal_condition(c: ConditionInputs) -> Condition:
    """Semi-supervised: the C inductive-conformal p-values."""
    m = c.pvalues.astype(np.float32)
    return Condition(m, m.argmax(1), True)


def no_condition(c: ConditionInputs) -> Condition:
    """Unconditional (and progressive pre-training): zeros, no class for Q."""
    return Condition(np.zeros((len(c.labels), c.n_classes), np.float32), np.zeros(len(c.labels), np.int64), False)


# what each condition reads is its kind in avemo.variants.GAN_CONDITIONS
CONDITIONS: dict[str, Callable[[ConditionInputs], Condition]] = implemented(
    GAN_CONDITIONS, label=label_condition, classifier=classifier_condition, conformal=conformal_condition,
    none=no_condition)
