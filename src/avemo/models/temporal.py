"""Temporal face encoders of tc-wGAN (docs/design.md, "Models"): a 10-frame window -> 64-d embedding.

Each encoder is trained on facial emotion recognition (``forward`` gives class logits); its last
hidden layer (``embed``) is the embedding fed to G. Input windows are (B, T, 3, S, S) in [-1, 1].

- ``3dcnn``: 3D convolutions over (time, height, width);
- ``lstm``: per-frame 2D-CNN features (128-d) -> LSTM (hidden 64) -> last state;
- ``transformer``: per-frame features + sinusoidal positions -> multi-head self-attention encoder
  (4 heads, feed-forward) -> LSTM -> last state.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..variants import TEMPORAL_ENCODERS, implemented


@dataclass(frozen=True)
class TemporalConfig:
    encoder: str
    n_classes: int
    frames: int
    embedding_dim: int
    frame_features: int
    hidden: int
    heads: int


class FrameCNN(nn.Module):
    """(B, 3, S, S) -> (B, features): the per-frame 2D CNN (widths features/4, /2, 1; two stride-2
    convs first, so a 10-frame window costs ~12M MACs at features=64 and trains on 2 CPU cores)."""

    def __init__(self, features: int):
        super().__init__()
        c1, c2 = max(4, features // 4), max(8, features // 2)
        self.net = nn.Sequential(
            nn.Conv2d(3, c1, 3, 2, 1), nn.BatchNorm2d(c1), nn.LeakyReLU(0.2),
            nn.Conv2d(c1, c2, 3, 2, 1), nn.BatchNorm2d(c2), nn.LeakyReLU(0.2),
            nn.Conv2d(c2, features, 3, padding=1), nn.BatchNorm2d(features), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def per_frame(cnn: nn.Module, windows: torch.Tensor) -> torch.Tensor:
    """(B, T, 3, S, S) -> (B, T, features)."""
    b, t = windows.shape[:2]
    return cnn(windows.flatten(0, 1)).view(b, t, -1)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """(length, dim) positional encoding of Vaswani et al. 2017."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return pe


class Conv3dEncoder(nn.Module):
    def __init__(self, cfg: TemporalConfig):
        super().__init__()
        f = cfg.frame_features
        c1, c2 = max(4, f // 4), max(8, f // 2)
        self.net = nn.Sequential(  # (B, 3, 10, S, S) -> (B, c1, 10, S/2, S/2) -> (B, c2, 5, S/4, S/4)
            nn.Conv3d(3, c1, 3, (1, 2, 2), 1), nn.BatchNorm3d(c1), nn.LeakyReLU(0.2),
            nn.Conv3d(c1, c2, 3, 2, 1), nn.BatchNorm3d(c2), nn.LeakyReLU(0.2),
            nn.Conv3d(c2, f, 3, padding=1), nn.BatchNorm3d(f), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(f, cfg.embedding_dim))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        return self.net(windows.transpose(1, 2))  # (B, 3, T, S, S)


class LSTMEncoder(nn.Module):
    def __init__(self, cfg: TemporalConfig):
        super().__init__()
        self.frames = FrameCNN(cfg.frame_features)
        self.lstm = nn.LSTM(cfg.frame_features, cfg.hidden, batch_first=True)
        self.out = nn.Linear(cfg.hidden, cfg.embedding_dim)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(per_frame(self.frames, windows))
        return self.out(h[-1])


class TransformerLSTMEncoder(nn.Module):
    def __init__(self, cfg: TemporalConfig):
        super().__init__()
        self.frames = FrameCNN(cfg.frame_features)
        self.register_buffer("positions", sinusoidal_positions(cfg.frames, cfg.frame_features), persistent=False)
        layer = nn.TransformerEncoderLayer(cfg.frame_features, cfg.heads, dim_feedforward=2 * cfg.frame_features,
                                           dropout=0.1, batch_first=True)
        self.attention = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.lstm = nn.LSTM(cfg.frame_features, cfg.hidden, batch_first=True)
        self.out = nn.Linear(cfg.hidden, cfg.embedding_dim)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        f = per_frame(self.frames, windows)
        f = self.attention(f + self.positions[: f.shape[1]])
        _, (h, _) = self.lstm(f)
        return self.out(h[-1])


ENCODERS = implemented(TEMPORAL_ENCODERS, **{"3dcnn": Conv3dEncoder, "lstm": LSTMEncoder, "transformer": TransformerLSTMEncoder})


class TemporalEmotionNet(nn.Module):
    """(B, T, 3, S, S) -> (B, n_classes) logits; ``embed`` -> (B, embedding_dim)."""

    def __init__(self, cfg: TemporalConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = ENCODERS[cfg.encoder](cfg)
        self.act = nn.LeakyReLU(0.2)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(cfg.embedding_dim, cfg.n_classes))

    def embed(self, windows: torch.Tensor) -> torch.Tensor:
        return self.act(self.encoder(windows))

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(windows))
