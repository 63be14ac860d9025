"""Discriminator / critic D(y | c) (docs/design.md, "Models"): a CNN like Q with one output.

For ``bce`` the output is a logit (D's probability is its sigmoid); for ``wasserstein`` it is an
unbounded critic score, and the critic has no batch norm: the gradient penalty is defined per
sample, and batch norm would couple the samples of a batch (Gulrajani et al. 2017).
D judges (sample, condition) pairs, with the condition entering one of two ways (``gan.critic_condition``):
``concat``: c as constant extra input channels (the papers' conditional DCGAN); ``projection``: the
inner product of c's embedding with the sample's features added to the score, D(y, c) = w^T phi(y) +
(V^T c)^T phi(y) (Miyato & Koyama, ICLR 2018, eq. 3), which makes "does y look like class c" a term of
the score itself rather than something D may learn to ignore.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..variants import GAN_CRITIC_CONDITIONS, implemented


@dataclass(frozen=True)
class DiscriminatorConfig:
    input_shape: tuple  # (C, H, W) of the target modality
    cond_dim: int
    width: int
    batch_norm: bool  # False for the Wasserstein critic


def critic_body(in_channels: int, width: int, batch_norm: bool) -> nn.Sequential:
    """(B, in_channels, H, W) -> (B, 4 * width) features phi(y): three convs, then the spatial mean."""
    layers, c = [], in_channels
    for i, w in enumerate((width, 2 * width, 4 * width)):
        layers.append(nn.Conv2d(c, w, 4 if i < 2 else 3, 2 if i < 2 else 1, 1, bias=not batch_norm))
        if batch_norm and i > 0:
            layers.append(nn.BatchNorm2d(w))
        layers.append(nn.LeakyReLU(0.2))
        c = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


class Discriminator(nn.Module):
    """(B, C, H, W), (B, cond) -> (B,) logit or critic score; c as constant extra input channels."""

    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        self.cfg = cfg
        self.body = critic_body(cfg.input_shape[0] + cfg.cond_dim, cfg.width, cfg.batch_norm)
        self.out = nn.Linear(4 * cfg.width, 1)

    def forward(self, y: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        cond = c[:, :, None, None].expand(-1, -1, *y.shape[2:])
        return self.out(self.body(torch.cat([y, cond], 1))).squeeze(1)


class ProjectionDiscriminator(nn.Module):
    """(B, C, H, W), (B, cond) -> (B,): w^T phi(y) + b + (V^T c)^T phi(y) (Miyato & Koyama 2018, eq. 3).
    For a one-hot c, V^T c is the class's embedding; for soft conditions (softmax, p-values) the
    mixture of the classes' embeddings they weight."""

    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        self.cfg = cfg
        self.body = critic_body(cfg.input_shape[0], cfg.width, cfg.batch_norm)
        self.out = nn.Linear(4 * cfg.width, 1)
        self.embed = nn.Linear(cfg.cond_dim, 4 * cfg.width, bias=False)  # V

    def forward(self, y: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        features = self.body(y)
        return self.out(features).squeeze(1) + (self.embed(c.to(features.dtype)) * features).sum(1)


DISCRIMINATORS = implemented(GAN_CRITIC_CONDITIONS, concat=Discriminator, projection=ProjectionDiscriminator)
