"""Discriminator / critic D(y | c) (docs/design.md, "Models"): a CNN like Q with one output.

For ``bce`` the output is a logit (D's probability is its sigmoid); for ``wasserstein`` it is an
unbounded critic score, and the critic has no batch norm: the gradient penalty is defined per
sample, and batch norm would couple the samples of a batch (Gulrajani et al. 2017).
The condition c enters as constant extra input channels, so D judges (sample, condition) pairs.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class DiscriminatorConfig:
    input_shape: tuple  # (C, H, W) of the target modality
    cond_dim: int
    width: int
    batch_norm: bool  # False for the Wasserstein critic


class Discriminator(nn.Module):
    """(B, C, H, W), (B, cond) -> (B,) logit or critic score."""

    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        self.cfg = cfg
        c = cfg.input_shape[0] + cfg.cond_dim
        layers = []
        for i, width in enumerate((cfg.width, 2 * cfg.width, 4 * cfg.width)):
            layers.append(nn.Conv2d(c, width, 4 if i < 2 else 3, 2 if i < 2 else 1, 1, bias=not cfg.batch_norm))
            if cfg.batch_norm and i > 0:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(0.2))
            c = width
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out = nn.Linear(c, 1)

    def forward(self, y: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        cond = c[:, :, None, None].expand(-1, -1, *y.shape[2:])
        return self.out(self.body(torch.cat([y, cond], 1))).squeeze(1)
