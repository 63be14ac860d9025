"""Preprocessed arrays -> torch tensors for one set (S1-S4)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch


def face_tensor(faces: np.ndarray) -> torch.Tensor:
    """(N, S, S, 3) uint8 -> (N, 3, S, S) float in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(faces)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def load_set(processed: str | Path, splits_csv: str | Path, name: str, classes: tuple, kind: str):
    """(x, y, clips) of set ``name``; ``kind`` = faces (B, 3, S, S) in [-1, 1] | spectrograms (B, 1, F, T)."""
    processed = Path(processed)
    clips = pd.read_csv(processed / "clips.csv").merge(pd.read_csv(splits_csv)[["clip", "set"]], on="clip")
    part = clips[clips["set"] == name]
    arr = np.load(processed / f"{kind}.npy", mmap_mode="r")[part["index"].to_numpy()]
    if kind == "faces":
        x = face_tensor(arr)
    else:
        x = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    y = torch.tensor([classes.index(e) for e in part["emotion"]], dtype=torch.long)
    return x, y, part.reset_index(drop=True)


def stratified_holdout(y: torch.Tensor, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, val) with ``fraction`` of each class held out for early stopping."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    n_classes = len(np.unique(y.numpy()))
    n_val = max(int(round(fraction * len(y))), n_classes)  # at least one per class
    if len(y) - n_val < n_classes:  # too few to stratify (one actor's clips): plain random slice
        if n_val >= len(y):  # never the whole set: half of it still trains
            n_val = len(y) // 2
        return train_test_split(idx, test_size=n_val, random_state=seed)
    return train_test_split(idx, test_size=n_val, stratify=y.numpy(), random_state=seed)
