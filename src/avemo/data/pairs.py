"""Source-target pairs for the GAN stages: sources, targets, conditions and Q's classes as tensors.

The GAN's training set is S3 (dacssGAN's semi-supervised set); its condition per clip comes from
the calibrate stage through the condition registry (``conditions.py``). Progressive pre-training
draws unlabeled pairs from a pool of sets (``avemo.variants.GAN_PRETRAIN_POOLS``) with no condition.

A direction names the source and target arrays; an input kind says how sources become pairs:
``image`` = one pair per clip; ``temporal`` = each of the clip's W face-window embeddings paired
with ``copies`` SpecAugment copies of its spectrogram (tc-wGAN: W x copies pairs per clip).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from .arrays import face_tensor
from .augment import specaugment_copies
from ..variants import GAN_DIRECTIONS, GAN_INPUTS, GAN_PRETRAIN_POOLS, Direction, implemented
from .conditions import CONDITIONS, Condition, ConditionInputs


@dataclass(frozen=True)
class PairSpec:
    direction: str  # a key of avemo.variants.GAN_DIRECTIONS
    input: str  # a key of avemo.variants.GAN_INPUTS
    condition: str  # a key of avemo.variants.GAN_CONDITIONS
    data_fraction: float  # share of each class kept (the sparsity study)
    copies: int  # temporal input: SpecAugment copies per window
    seed: int


def window_frames(frames: np.ndarray, window: int, stride: int) -> torch.Tensor:
    """(N, F, S, S, 3) uint8 frame sequences -> (N, W, window, 3, S, S) uint8, W = (F - window) // stride + 1."""
    starts = range(0, frames.shape[1] - window + 1, stride)
    w = np.stack([frames[:, s : s + window] for s in starts], 1)
    return torch.from_numpy(np.ascontiguousarray(w)).permute(0, 1, 2, 5, 3, 4)


def unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> float32 in [-1, 1] (elementwise: a batch at a time gives the same values)."""
    return pixels.float() / 127.5 - 1.0


def face_windows(frames: np.ndarray, window: int, stride: int) -> torch.Tensor:
    """(N, F, S, S, 3) uint8 frame sequences -> (N, W, window, 3, S, S) in [-1, 1], W = (F - window) // stride + 1."""
    return unit_range(window_frames(frames, window, stride))


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
    trains_q: bool = True  # the condition carries a class for Q

    def shapes(self) -> dict:
        """What a GanSetup needs to know about these pairs."""
        return {"source_shape": tuple(self.source.shape[1:]), "target_shape": tuple(self.target.shape[1:]),
                "cond_dim": int(self.condition.shape[1])}


def clip_tensors(arrays: dict, rows: np.ndarray) -> dict[str, torch.Tensor]:
    """The clips at ``rows`` as model inputs: faces (N, 3, S, S), spectrograms (N, 1, F, T)."""
    return {"faces": face_tensor(arrays["faces"][rows]),
            "spectrograms": torch.from_numpy(np.ascontiguousarray(arrays["spectrograms"][rows], dtype=np.float32))}


def image_pairs(tensors: dict, direction: Direction, cond: torch.Tensor, klass: torch.Tensor, labels, rows,
                spec: PairSpec, embeddings) -> PairSet:
    return PairSet(tensors[direction.source], tensors[direction.target], cond, klass, labels, rows)


def temporal_pairs(tensors: dict, direction: Direction, cond: torch.Tensor, klass: torch.Tensor, labels, rows,
                   spec: PairSpec, embeddings: np.ndarray) -> PairSet:
    """Pair (clip i, window j, copy k): source = window embedding (i, j), target = copy k of i's target."""
    target = tensors[direction.target]
    emb = torch.from_numpy(embeddings[rows]).float()  # (N, W, D)
    n, w = emb.shape[:2]
    # (N, copies, *target): copy k of target i at [i, k]
    copies = specaugment_copies(target, spec.copies, spec.seed).view(spec.copies, n, *target.shape[1:]).transpose(0, 1)
    source = emb[:, :, None].expand(n, w, spec.copies, emb.shape[2]).reshape(-1, emb.shape[2])
    paired = copies[:, None].expand(n, w, *copies.shape[1:])
    rep = lambda t: t.repeat_interleave(w * spec.copies, 0)  # noqa: E731
    return PairSet(source, paired.reshape(-1, *target.shape[1:]), rep(cond), rep(klass),
                   np.repeat(labels, w * spec.copies), np.repeat(rows, w * spec.copies))


PAIR_BUILDERS: dict[str, Callable[..., PairSet]] = implemented(GAN_INPUTS, image=image_pairs, temporal=temporal_pairs)


def build_pairs(arrays: dict, rows: np.ndarray, labels: np.ndarray, condition: Condition, spec: PairSpec,
                embeddings: np.ndarray | None = None) -> PairSet:
    """Pairs for the clips at ``rows`` of the processed arrays (``faces``, ``spectrograms``), keeping
    ``spec.data_fraction`` of each class."""
    keep = stratified_fraction(labels, spec.data_fraction, spec.seed)
    rows, labels = rows[keep], labels[keep]
    cond, klass = torch.from_numpy(condition.matrix[keep]), torch.from_numpy(condition.klass[keep]).long()
    pairs = PAIR_BUILDERS[spec.input](clip_tensors(arrays, rows), GAN_DIRECTIONS[spec.direction], cond, klass,
                                      labels, rows, spec, embeddings)
    return replace(pairs, trains_q=condition.trains_q)


def set_rows(processed_clips: pd.DataFrame, splits: pd.DataFrame, sets: tuple, classes: tuple):
    """(rows into the processed arrays, labels, clip ids) of the clips in ``sets``, in clips.csv order."""
    part = processed_clips.merge(splits[["clip", "set"]], on="clip")
    part = part[part["set"].isin(sets)]
    labels = np.array([classes.index(e) for e in part["emotion"]], dtype=np.int64)
    return part["index"].to_numpy(), labels, part["clip"].to_numpy()


def load_arrays(processed: str | Path) -> dict:
    processed = Path(processed)
    return {k: np.load(processed / f"{k}.npy", mmap_mode="r") for k in ("faces", "spectrograms")}


def _embeddings(path: str | Path | None, spec: PairSpec):
    return np.load(path) if spec.input == "temporal" else None


def calibrated_pairs(processed, splits_csv, conformal_npz, set_name: str, classes: tuple, spec: PairSpec,
                     embeddings=None, keep: np.ndarray | None = None) -> PairSet:
    """Conditioned pairs of ``set_name`` from the calibrate stage's outputs: ``S3`` (the GAN's
    training set; its true labels feed the label condition), ``POOL`` or ``S3U`` (faces only: the
    condition comes from the face classifier, and their labels are never given to it). ``keep`` (bool per
    clip of the set) selects clips, e.g. the pool faces conformal prediction trusts."""
    clips = pd.read_csv(Path(processed) / "clips.csv")
    rows, labels, ids = set_rows(clips, pd.read_csv(splits_csv), (set_name,), classes)
    cal, prefix = np.load(conformal_npz), set_name.lower()  # s3, pool, s3u
    if f"{prefix}_clips" not in cal or list(cal[f"{prefix}_clips"]) != list(ids):
        raise ValueError(f"{conformal_npz} does not match the {set_name} clips of {splits_csv}; re-run calibrate")
    known = labels if set_name == "S3" else None
    condition = CONDITIONS[spec.condition](ConditionInputs(known, cal[f"{prefix}_softmax"], cal[f"{prefix}_pvalues"],
                                                           len(classes)))
    if keep is not None:
        rows, labels = rows[keep], labels[keep]
        condition = Condition(condition.matrix[keep], condition.klass[keep], condition.trains_q)
    return build_pairs(load_arrays(processed), rows, labels, condition, spec, _embeddings(embeddings, spec))


def s3_pairs(processed, splits_csv, conformal_npz, classes: tuple, spec: PairSpec, embeddings=None) -> PairSet:
    """The GAN's conditioned training set: S3 with the calibrate stage's conditions."""
    return calibrated_pairs(processed, splits_csv, conformal_npz, "S3", classes, spec, embeddings)


def pool_pairs(processed, splits_csv, pool: str, classes: tuple, spec: PairSpec, embeddings=None) -> PairSet:
    """Unlabeled pairs for progressive pre-training: no condition, labels never used."""
    clips = pd.read_csv(Path(processed) / "clips.csv")
    splits = pd.read_csv(splits_csv)
    unassigned = clips.loc[~clips["clip"].isin(splits["clip"]), "clip"]
    splits = pd.concat([splits, pd.DataFrame({"clip": unassigned, "set": ""})])
    rows, labels, _ = set_rows(clips, splits, GAN_PRETRAIN_POOLS[pool], classes)
    condition = CONDITIONS["none"](ConditionInputs(labels, None, None, len(classes)))
    spec = PairSpec(direction=spec.direction, input=spec.input, condition="none", data_fraction=1.0,
                    copies=spec.copies, seed=spec.seed)
    return build_pairs(load_arrays(processed), rows, labels, condition, spec, _embeddings(embeddings, spec))
