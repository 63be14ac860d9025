"""Face-audio pairs for the GAN stages: sources, targets, conditions and Q's classes as tensors.

The GAN's training set is S3 (dacssGAN's semi-supervised set); its condition per clip comes from
the calibrate stage: the one-hot true label (``label``), f_S's softmax (``classifier``), the 6 ICP
p-values (``conformal``) or zeros (``none``). Q learns the class of the condition's argmax, so the
semi-supervised variants never see S3's true labels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .arrays import face_tensor

CONDITIONS = ("label", "classifier", "conformal", "none")


@dataclass(frozen=True)
class PairSpec:
    direction: str = "face2audio"  # face2audio | audio2face
    input: str = "image"  # image | temporal (face2audio only)
    condition: str = "label"
    data_fraction: float = 1.0
    copies: int = 10  # temporal input: SpecAugment copies per window (windows x copies pairs per clip)
    seed: int = 0


def face_windows(frames: np.ndarray, window: int, stride: int) -> torch.Tensor:
    """(N, F, S, S, 3) uint8 frame sequences -> (N, W, window, 3, S, S) in [-1, 1], W = (F - window) // stride + 1."""
    starts = range(0, frames.shape[1] - window + 1, stride)
    w = np.stack([frames[:, s : s + window] for s in starts], 1)
    return torch.from_numpy(np.ascontiguousarray(w)).permute(0, 1, 2, 5, 3, 4).float() / 127.5 - 1.0


def condition_matrix(kind: str, labels: np.ndarray, softmax: np.ndarray, pvalues: np.ndarray, n_classes: int) -> np.ndarray:
    """(N, n_classes) condition c for each clip."""
    if kind == "label":
        return np.eye(n_classes, dtype=np.float32)[labels]
    if kind == "classifier":
        return softmax.astype(np.float32)
    if kind == "conformal":
        return pvalues.astype(np.float32)
    if kind == "none":
        return np.zeros((len(labels), n_classes), np.float32)
    raise ValueError(f"unknown condition {kind!r}; choose from {CONDITIONS}")


def stratified_fraction(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted indices of ``fraction`` of each class (at least one per class): the sparsity study."""
    if fraction >= 1.0:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(labels == c))[: max(1, int(round(fraction * (labels == c).sum())))]
            for c in np.unique(labels)]
    return np.sort(np.concatenate(keep))


@dataclass
class PairSet:
    """One row per pair: source, target, condition, klass, clip (the clip's row in clips.csv)."""

    source: torch.Tensor
    target: torch.Tensor
    condition: torch.Tensor
    klass: torch.Tensor
    labels: np.ndarray  # true labels, for evaluation only
    clips: np.ndarray


def build_pairs(arrays: dict, rows: np.ndarray, labels: np.ndarray, cond: np.ndarray, spec: PairSpec,
                embeddings: np.ndarray | None = None, augment_copies=None) -> PairSet:
    """Pairs for the clips at ``rows`` of the processed arrays (``faces``, ``spectrograms``).

    image input: one pair per clip. temporal input: each of the clip's W window embeddings paired with
    ``spec.copies`` SpecAugment copies of its spectrogram (``augment_copies(x, copies, seed)``).
    """
    keep = stratified_fraction(labels, spec.data_fraction, spec.seed)
    rows, labels, cond = rows[keep], labels[keep], cond[keep]
    faces = face_tensor(arrays["faces"][rows])
    specs = torch.from_numpy(np.ascontiguousarray(arrays["spectrograms"][rows], dtype=np.float32))
    klass = torch.from_numpy(cond.argmax(1) if spec.condition != "label" else labels).long()
    cond_t = torch.from_numpy(cond)
    if spec.direction == "audio2face":
        return PairSet(specs, faces, cond_t, klass, labels, rows)
    if spec.input == "image":
        return PairSet(faces, specs, cond_t, klass, labels, rows)
    emb = torch.from_numpy(embeddings[rows]).float()  # (N, W, D)
    n, w = emb.shape[:2]
    # (N, copies, *spec): copy k of spectrogram i at [i, k]
    targets = augment_copies(specs, spec.copies, spec.seed).view(spec.copies, n, *specs.shape[1:]).transpose(0, 1)
    # pair (clip i, window j, copy k): source emb[i, j], target copy k of spectrogram i
    source = emb[:, :, None].expand(n, w, spec.copies, emb.shape[2]).reshape(-1, emb.shape[2])
    target = targets[:, None].expand(n, w, *targets.shape[1:])
    rep = lambda t: t.repeat_interleave(w * spec.copies, 0)  # noqa: E731
    return PairSet(source, target.reshape(-1, *specs.shape[1:]), rep(cond_t), rep(klass),
                   np.repeat(labels, w * spec.copies), np.repeat(rows, w * spec.copies))


def set_rows(processed_clips: pd.DataFrame, splits: pd.DataFrame, sets: tuple, classes: tuple):
    """(rows into the processed arrays, labels, clip ids) of the clips in ``sets``, in clips.csv order."""
    part = processed_clips.merge(splits[["clip", "set"]], on="clip")
    part = part[part["set"].isin(sets)]
    labels = np.array([classes.index(e) for e in part["emotion"]], dtype=np.int64)
    return part["index"].to_numpy(), labels, part["clip"].to_numpy()
