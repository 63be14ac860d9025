"""The emotion CNN family (the papers' classifier Q): face classifier f_S, real-only audio baseline,
Q inside the GAN, and the feature/probability network for FID and IS (docs/design.md, "Models").

``small`` = 6 conv layers (paper scale ~1.4M params at width 64); ``deep`` = 16 conv layers.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..variants import CLASSIFIER_DEPTHS, implemented

DEPTHS = implemented(CLASSIFIER_DEPTHS, small=(2, 2, 2), deep=(4, 4, 4, 4))  # conv layers per stage; 2x pooling between


@dataclass(frozen=True)
class ClassifierConfig:
    in_channels: int  # 3 for faces, 1 for spectrograms
    n_classes: int
    depth: str
    width: int
    feature_dim: int
    dropout: float


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))


class EmotionCNN(nn.Module):
    """(B, C, H, W) -> (B, n_classes) logits; ``features`` gives the penultimate (B, feature_dim)."""

    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        self.cfg = cfg
        layers, c = [], cfg.in_channels
        for stage, n_convs in enumerate(DEPTHS[cfg.depth]):
            width = cfg.width * 2 ** min(stage, 2)
            for _ in range(n_convs):
                layers.append(conv_block(c, width))
                c = width
            if stage < len(DEPTHS[cfg.depth]) - 1:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embed = nn.Sequential(nn.Linear(c, cfg.feature_dim), nn.LeakyReLU(0.2))
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.feature_dim, cfg.n_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
