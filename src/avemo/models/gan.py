"""Assemble G, D and Q for one GAN variant from a typed setup (no params reading here)."""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from .classifier import ClassifierConfig, EmotionCNN
from .discriminator import Discriminator, DiscriminatorConfig
from .generator import GeneratorConfig, build_generator


@dataclass(frozen=True)
class GanSetup:
    source_shape: tuple  # (3, 28, 28) face | (1, F, T) spectrogram | (64,) temporal embedding
    target_shape: tuple  # (1, F, T) spectrogram | (3, 28, 28) face
    n_classes: int = 6
    generator: str = "encdec"  # encdec | unet
    loss: str = "bce"  # bce | wasserstein (critic without batch norm)
    noise_dim: int = 32
    width: int = 32
    bottleneck: int = 256
    use_source: bool = True
    with_q: bool = True
    upsample: str = "transpose"  # transpose | resize (generator's upsampling layers)


@dataclass
class GanModels:
    generator: nn.Module
    discriminator: nn.Module
    q: nn.Module | None = None  # the auxiliary emotion classifier Q; None when q_weight = 0


def generator_config(s: GanSetup) -> GeneratorConfig:
    return GeneratorConfig(tuple(s.source_shape), tuple(s.target_shape), s.n_classes, s.noise_dim, s.width,
                           s.bottleneck, s.use_source, s.upsample)


def build_gan(s: GanSetup) -> GanModels:
    g = build_generator(s.generator, generator_config(s))
    d = Discriminator(DiscriminatorConfig(tuple(s.target_shape), s.n_classes, s.width, batch_norm=s.loss == "bce"))
    q = EmotionCNN(ClassifierConfig(s.target_shape[0], s.n_classes, "small", max(8, s.width // 2))) if s.with_q else None
    return GanModels(g, d, q)
