"""Generators G(x | c, z) of dacssGAN / progressive GAN / tc-wGAN (docs/design.md, "Models").

Source x is an image-like tensor (a 3x28x28 face, or a 1xFxT spectrogram for audio2face) or a
vector (the 64-d temporal face embedding); z is noise (32-d); c is the 6-d condition (one-hot
label, classifier softmax or ICP p-values; zeros for ``none`` and for progressive pre-training).
The output is a target-modality tensor in [-1, 1] (tanh).

``encdec``: encoder -> dense bottleneck (with z and c) -> decoder, the better one in dacssGAN.
``unet``: pix2pix's U-Net built from one recursive skip block; the source is first resized to the
target grid (a face is 28x28, its spectrogram 28x112), and z, c enter at the innermost block.

``upsample``: ``transpose`` = stride-2 transposed convolutions (DCGAN/pix2pix, as in the papers);
``resize`` = nearest-neighbour doubling then a 3x3 convolution, which avoids the checkerboard
pattern transposed convolutions leave when kernel size is not a multiple of the stride (Odena et
al., Distill 2016).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..variants import GAN_GENERATORS, GAN_UPSAMPLERS, implemented


@dataclass(frozen=True)
class GeneratorConfig:
    source_shape: tuple  # (C, H, W) for images, (D,) for a temporal embedding
    target_shape: tuple  # (C, H, W); H and W divisible by 4
    cond_dim: int
    noise_dim: int
    width: int
    bottleneck: int
    use_source: bool
    upsample: str  # transpose | resize


def down(c_in: int, c_out: int, norm: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(c_out))
    return nn.Sequential(*layers, nn.LeakyReLU(0.2))


def resize_conv(c_in: int, c_out: int, bias: bool) -> nn.Module:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1, bias=bias))


def transposed_conv(c_in: int, c_out: int, bias: bool) -> nn.Module:
    return nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias)


UPSAMPLERS = implemented(GAN_UPSAMPLERS, resize=resize_conv, transpose=transposed_conv)


def double(c_in: int, c_out: int, mode: str, bias: bool = False) -> nn.Module:
    """(B, c_in, H, W) -> (B, c_out, 2H, 2W) with the upsampler named ``mode``."""
    return UPSAMPLERS[mode](c_in, c_out, bias)


def up(c_in: int, c_out: int, mode: str = "transpose") -> nn.Sequential:
    return nn.Sequential(double(c_in, c_out, mode), nn.BatchNorm2d(c_out), nn.ReLU())


class SourceEncoder(nn.Module):
    """Source -> (B, bottleneck): two stride-2 convs and a dense layer, or an MLP for vectors."""

    def __init__(self, shape: tuple, width: int, bottleneck: int):
        super().__init__()
        if len(shape) == 1:
            self.net = nn.Sequential(nn.Linear(shape[0], bottleneck), nn.LeakyReLU(0.2))
        else:
            c, h, w = shape
            self.net = nn.Sequential(down(c, width, norm=False), down(width, 2 * width), nn.Flatten(),
                                     nn.Linear(2 * width * (h // 4) * (w // 4), bottleneck), nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class EncDecGenerator(nn.Module):
    """(B, *source), (B, noise), (B, cond) -> (B, *target) in [-1, 1]."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        self.cfg = cfg
        c, h, w = cfg.target_shape
        self.grid = (2 * cfg.width, h // 4, w // 4)
        self.encoder = SourceEncoder(cfg.source_shape, cfg.width, cfg.bottleneck) if cfg.use_source else None
        joint = (cfg.bottleneck if cfg.use_source else 0) + cfg.noise_dim + cfg.cond_dim
        self.project = nn.Sequential(nn.Linear(joint, self.grid[0] * self.grid[1] * self.grid[2]), nn.ReLU())
        self.decoder = nn.Sequential(up(2 * cfg.width, cfg.width, cfg.upsample),
                                     double(cfg.width, c, cfg.upsample, bias=True), nn.Tanh())

    def forward(self, x: torch.Tensor, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        parts = [z, c] if self.encoder is None else [self.encoder(x), z, c]
        h = self.project(torch.cat(parts, 1)).view(-1, *self.grid)  # (B, 2W, H/4, W/4)
        return self.decoder(h)


class SkipBlock(nn.Module):
    """One U-Net level: down -> inner -> up, concatenated with its input (pix2pix's recursion).
    The innermost block receives the (z, c) code as extra channels at the bottleneck."""

    def __init__(self, c_outer: int, c_inner: int, inner: "SkipBlock | None", code_dim: int, upsample: str):
        super().__init__()
        self.down = down(c_outer, c_inner)
        self.inner = inner
        self.code = nn.Linear(code_dim, c_inner) if inner is None else None
        self.up = up(2 * c_inner, c_outer, upsample)  # both branches hand back 2 * c_inner channels

    def forward(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        h = self.down(x)
        if self.inner is None:  # bottleneck: broadcast the (z, c) projection over the grid
            h = torch.cat([h, self.code(code)[:, :, None, None].expand_as(h)], 1)
        else:
            h = self.inner(h, code)
        return torch.cat([x, self.up(h)], 1)


class UNetGenerator(nn.Module):
    """(B, *source), (B, noise), (B, cond) -> (B, *target) in [-1, 1]; two levels (28x112 -> 7x28)."""

    def __init__(self, cfg: GeneratorConfig, levels: int = 2):
        super().__init__()
        self.cfg = cfg
        c, h, w = cfg.target_shape
        if len(cfg.source_shape) == 1:  # a vector source becomes a one-channel map on the target grid
            self.lift = nn.Linear(cfg.source_shape[0], h * w)
            c_src = 1
        else:
            self.lift, c_src = None, cfg.source_shape[0]
        self.stem = nn.Sequential(nn.Conv2d(c_src, cfg.width, 3, padding=1), nn.LeakyReLU(0.2))
        block = None
        for level in reversed(range(levels)):
            block = SkipBlock(cfg.width * 2**level, cfg.width * 2 ** (level + 1), block, cfg.noise_dim + cfg.cond_dim,
                              cfg.upsample)
        self.body = block
        self.out = nn.Sequential(nn.Conv2d(2 * cfg.width, c, 3, padding=1), nn.Tanh())

    def source_map(self, x: torch.Tensor) -> torch.Tensor:
        _, h, w = self.cfg.target_shape
        if not self.cfg.use_source:  # noise + condition only: the skips carry nothing
            return x.new_zeros(len(x), 1 if self.lift is not None else self.cfg.source_shape[0], h, w)
        if self.lift is not None:
            return self.lift(x).view(-1, 1, h, w)
        return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.stem(self.source_map(x))  # (B, W, H, W_t)
        return self.out(self.body(h, torch.cat([z, c], 1)))


GENERATORS = implemented(GAN_GENERATORS, encdec=EncDecGenerator, unet=UNetGenerator)
