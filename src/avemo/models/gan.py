"""Assemble G, D and Q for one GAN variant from a typed setup (no params reading here)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .classifier import ClassifierConfig, EmotionCNN
from .discriminator import DISCRIMINATORS, DiscriminatorConfig
from .generator import GENERATORS, GeneratorConfig


@dataclass(frozen=True)
class GanSetup:
    source_shape: tuple  # (3, 28, 28) face | (1, F, T) spectrogram | (64,) temporal embedding
    target_shape: tuple  # (1, F, T) spectrogram | (3, 28, 28) face
    n_classes: int  # classes Q predicts
    cond_dim: int  # width of the condition c (the condition registry's matrix width)
    generator: str  # a key of GENERATORS
    critic_batch_norm: bool  # False for the Wasserstein critic (the loss registry says which)
    noise_dim: int
    width: int
    bottleneck: int
    use_source: bool
    with_q: bool
    upsample: str  # a key of generator.UPSAMPLERS
    critic_condition: str = "concat"  # a key of discriminator.DISCRIMINATORS


@dataclass
class GanModels:
    generator: nn.Module
    discriminator: nn.Module
    q: nn.Module | None = None  # the auxiliary emotion classifier Q; None when it does not train


def generator_config(s: GanSetup) -> GeneratorConfig:
    return GeneratorConfig(source_shape=tuple(s.source_shape), target_shape=tuple(s.target_shape),
                           cond_dim=s.cond_dim, noise_dim=s.noise_dim, width=s.width, bottleneck=s.bottleneck,
                           use_source=s.use_source, upsample=s.upsample)


def build_generator(s: GanSetup) -> nn.Module:
    return GENERATORS[s.generator](generator_config(s))


# Q is the papers' small emotion CNN at half the GAN's width; its embedding and dropout are those of
# the classifiers' defaults when the GAN papers were reproduced (not params: no study varies them).
Q_FEATURE_DIM, Q_DROPOUT = 64, 0.3


def build_gan(s: GanSetup) -> GanModels:
    g = build_generator(s)
    d = DISCRIMINATORS[s.critic_condition](DiscriminatorConfig(tuple(s.target_shape), s.cond_dim, s.width,
                                                               batch_norm=s.critic_batch_norm))
    q = (EmotionCNN(ClassifierConfig(in_channels=s.target_shape[0], n_classes=s.n_classes, depth="small",
                                     width=max(8, s.width // 2), feature_dim=Q_FEATURE_DIM, dropout=Q_DROPOUT))
         if s.with_q else None)
    return GanModels(g, d, q)


@torch.no_grad()
def generate(generator: nn.Module, source: torch.Tensor, condition: torch.Tensor, noise_dim: int, seed: int,
             device="cpu", batch_size: int = 256) -> torch.Tensor:
    """G's samples in fp32 on CPU, eval mode, noise from ``seed``: (N, *src) -> (N, *tgt)."""
    generator.eval().to(device)
    z = torch.randn(len(source), noise_dim, generator=torch.Generator().manual_seed(seed))
    out = [generator(source[i : i + batch_size].to(device), z[i : i + batch_size].to(device),
                     condition[i : i + batch_size].to(device)).float().cpu()
           for i in range(0, len(source), batch_size)]
    return torch.cat(out)
