"""Assemble G, D and Q for one GAN variant from a typed setup (no params reading here)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .classifier import ClassifierConfig, EmotionCNN
from .discriminator import Discriminator, DiscriminatorConfig
from .generator import GENERATORS, GeneratorConfig


@dataclass(frozen=True)
class GanSetup:
    source_shape: tuple  # (3, 28, 28) face | (1, F, T) spectrogram | (64,) temporal embedding
    target_shape: tuple  # (1, F, T) spectrogram | (3, 28, 28) face
    n_classes: int = 6  # classes Q predicts
    cond_dim: int = 6  # width of the condition c (the condition registry's matrix width)
    generator: str = "encdec"  # a key of GENERATORS
    critic_batch_norm: bool = True  # False for the Wasserstein critic (the loss registry says which)
    noise_dim: int = 32
    width: int = 32
    bottleneck: int = 256
    use_source: bool = True
    with_q: bool = True
    upsample: str = "resize"  # a key of generator.UPSAMPLERS


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


def build_gan(s: GanSetup) -> GanModels:
    g = build_generator(s)
    d = Discriminator(DiscriminatorConfig(tuple(s.target_shape), s.cond_dim, s.width, batch_norm=s.critic_batch_norm))
    q = EmotionCNN(ClassifierConfig(s.target_shape[0], s.n_classes, "small", max(8, s.width // 2))) if s.with_q else None
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
