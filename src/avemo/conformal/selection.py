"""The face-only pool on the generation side: which pool faces to generate for (conformal
selection), which class each is generated for, and how often that class is right.

The class attached to a pool face is the GAN condition's argmax (f_S's softmax for the classifier
condition, the ICP p-values for the conformal one), so its accuracy is reported for exactly that
class. True labels are read for the report only; nothing trained ever sees them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.conditions import CONDITIONS, ConditionInputs
from ..data.pairs import set_rows
from ..errors import UserError
from .prediction import reliable


@dataclass(frozen=True)
class PoolSelection:
    min_credibility: float
    min_confidence: float
    singleton_eps: float


def attached_classes(softmax: np.ndarray, pvalues: np.ndarray, condition: str) -> np.ndarray:
    """(N,) the class each pool face is generated for under ``condition`` (never the true label)."""
    n_classes = softmax.shape[1]
    return CONDITIONS[condition](ConditionInputs(None, softmax, pvalues, n_classes)).klass


def selection_report(keep: np.ndarray, attached: np.ndarray, truth: np.ndarray) -> dict:
    """Share of pool faces kept and the accuracy of their attached classes, all and kept."""
    right = attached == truth
    return {"pool_faces": int(len(keep)), "pool_selected": int(keep.sum()),
            "pool_selected_share": round(float(keep.mean()), 4),
            "pool_label_accuracy_all": round(float(right.mean()), 4),
            "pool_label_accuracy_selected": round(float(right[keep].mean()), 4) if keep.any() else 0.0}


def select_pool(processed, splits_csv, conformal_npz, classes: tuple, condition: str,
                selection: PoolSelection) -> tuple[np.ndarray, dict]:
    """(keep (N,) bool over the pool's clips in clips.csv order, report) from calibrate's pool outputs."""
    cal = np.load(conformal_npz)
    if "pool_pvalues" not in cal:
        raise UserError("generate.sources uses the pool but split.pool_units = 0: no face-only pool")
    keep = reliable(cal["pool_pvalues"], selection.min_credibility, selection.min_confidence, selection.singleton_eps)
    truth = set_rows(pd.read_csv(f"{processed}/clips.csv"), pd.read_csv(splits_csv), ("POOL",), classes)[1]
    attached = attached_classes(cal["pool_softmax"], cal["pool_pvalues"], condition)
    return keep, selection_report(keep, attached, truth)
