"""tc-wGAN's temporal face encoder: fit on facial emotion recognition over 10-frame windows, then
embed every clip's windows (the 64-d source fed to G)."""
from __future__ import annotations

import numpy as np
import torch

from ..data.pairs import face_windows, unit_range, window_frames
from ..models.temporal import TemporalConfig, TemporalEmotionNet
from .classifier import FitConfig, fit_classifier


def window_dataset(frames: np.ndarray, labels: np.ndarray, window: int, stride: int):
    """(N, F, S, S, 3) frames, (N,) labels -> uint8 windows (N * W, window, 3, S, S), labels (N * W,).
    The windows stay uint8 (``fit_temporal_encoder`` scales each batch): as float32 they were four
    times the size, about 6 GB for S1 of a CREMA-D-sized corpus."""
    w = window_frames(frames, window, stride)
    return w.flatten(0, 1), torch.from_numpy(np.repeat(labels, w.shape[1])).long()


def fit_temporal_encoder(train, val, cfg: TemporalConfig, fit: FitConfig, device: str = "cpu", on_epoch=None):
    """Early-stopped training of ``TemporalEmotionNet`` on (uint8 windows, labels) pairs, each training
    batch scaled to [-1, 1] as it is drawn (the same values as scaling the whole set first)."""
    torch.manual_seed(fit.seed)
    val = (unit_range(val[0]), val[1])
    return fit_classifier(TemporalEmotionNet(cfg), train, val, fit, device, augment=unit_range, on_epoch=on_epoch)


@torch.no_grad()
def embed_clips(model: TemporalEmotionNet, frames: np.ndarray, window: int, stride: int, device: str = "cpu",
                clips_per_batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (N, W, D) and window-averaged class probabilities (N, C), batch by batch so memory
    stays flat however many clips there are."""
    model.eval().to(device)
    emb, proba = [], []
    for i in range(0, len(frames), clips_per_batch):
        w = face_windows(np.asarray(frames[i : i + clips_per_batch]), window, stride).to(device)
        b, n = w.shape[:2]
        e = model.embed(w.flatten(0, 1))
        emb.append(e.float().cpu().view(b, n, -1))
        proba.append(torch.softmax(model.head(e).float(), 1).cpu().view(b, n, -1).mean(1))
    return torch.cat(emb).numpy(), torch.cat(proba).numpy()
