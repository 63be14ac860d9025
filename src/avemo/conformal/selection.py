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


def selection_report(keep: np.ndarray, attached: np.ndarray, truth: np.ndarray, prefix: str = "pool") -> dict:
    """Share of the set's faces kept and the accuracy of their attached classes, all and kept (keys
    ``<prefix>_...``: ``pool_`` for the face-only pool, ``s3u_`` for S3's faces without audio)."""
    right = attached == truth
    return {f"{prefix}_faces": int(len(keep)), f"{prefix}_selected": int(keep.sum()),
            f"{prefix}_selected_share": round(float(keep.mean()), 4),
            f"{prefix}_label_accuracy_all": round(float(right.mean()), 4),
            f"{prefix}_label_accuracy_selected": round(float(right[keep].mean()), 4) if keep.any() else 0.0}


# the faces without audio generate may use, and why a split may have none
WHY_NONE = {"POOL": "split.pool_units = 0: no face-only pool", "S3U": "split.audio_share = 1: every S3 actor has audio"}


def select_pool(processed, splits_csv, conformal_npz, classes: tuple, condition: str,
                selection: PoolSelection, set_name: str = "POOL") -> tuple[np.ndarray, dict]:
    """(keep (N,) bool over the clips of unlabelled set ``set_name`` (the pool, or S3's faces without
    audio) in clips.csv order, report) from calibrate's outputs for that set."""
    cal, prefix = np.load(conformal_npz), set_name.lower()
    if f"{prefix}_pvalues" not in cal:
        raise UserError(f"generate.sources uses {set_name} but {WHY_NONE[set_name]}")
    keep = reliable(cal[f"{prefix}_pvalues"], selection.min_credibility, selection.min_confidence,
                    selection.singleton_eps)
    truth = set_rows(pd.read_csv(f"{processed}/clips.csv"), pd.read_csv(splits_csv), (set_name,), classes)[1]
    attached = attached_classes(cal[f"{prefix}_softmax"], cal[f"{prefix}_pvalues"], condition)
    return keep, selection_report(keep, attached, truth, prefix)
