"""MRPN audio-video fusion (thesis 5.2; docs/design.md, "Models").

Per modality m: a feature extractor F_m applied to every frame / segment, an aggregator A_m over
the sequence, giving f_m (B, D). FeatureNorm = batch norm; Scoring = Dense-ReLU-FeatureNorm-Dense.

- N0: fusion logits = Scoring(FeatureNorm(concat(FeatureNorm(f_v), FeatureNorm(f_a)))); loss L_va.
- N1: N0 plus a Scoring head per modality; L = L_v + L_a + L_va.
- N2 (MRPN): N1 with a Residual Perceptron per modality before fusion and side heads:
  f'_m = f^_m + FeatureNorm(Sigmoid(Dense(f^_m))), f^_m = FeatureNorm(f_m).
Side heads only train; ``forward`` in eval mode returns the fusion logits alone.

``VARIANT_BUILDERS`` builds every model of ``avemo.variants.MRPN_VARIANTS`` (whose entries say which
streams it reads and which trained variants it needs first: late fusion reuses the unimodal encoders).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from ..variants import MRPN_AGGREGATORS, MRPN_BACKBONES, MRPN_VARIANTS, implemented
from .temporal import sinusoidal_positions


@dataclass(frozen=True)
class MrpnConfig:
    n_classes: int
    backbone: str  # cnn | resnet18
    aggregator: str  # lstm | transformer
    feature_dim: int
    max_steps: int  # longest sequence (positional encoding table)


def small_cnn(in_channels: int, dim: int) -> nn.Module:
    """(B, C, H, W) -> (B, dim): three stride-2 convs (cheap enough for 2 CPU cores)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, dim, 3, 2, 1), nn.BatchNorm2d(dim), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


def resnet18(in_channels: int, dim: int) -> nn.Module:
    """torchvision's ResNet-18 with random weights (nothing downloaded); first conv takes ``in_channels``."""
    from torchvision.models import resnet18 as tv_resnet18

    net = tv_resnet18(weights=None)
    net.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
    net.fc = nn.Linear(512, dim)
    return net


BACKBONES = implemented(MRPN_BACKBONES, cnn=small_cnn, resnet18=resnet18)


class LastLstmState(nn.Module):
    """(B, T, D) -> (B, D): the LSTM's last hidden state."""

    def __init__(self, d: int, max_steps: int):
        super().__init__()
        self.lstm = nn.LSTM(d, d, batch_first=True)

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(steps)
        return h[-1]


class MeanTransformer(nn.Module):
    """(B, T, D) -> (B, D): one self-attention layer over positions-encoded steps, outputs averaged."""

    def __init__(self, d: int, max_steps: int):
        super().__init__()
        self.register_buffer("positions", sinusoidal_positions(max_steps, d), persistent=False)
        layer = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        return self.encoder(steps + self.positions[: steps.shape[1]]).mean(1)


AGGREGATORS = implemented(MRPN_AGGREGATORS, lstm=LastLstmState, transformer=MeanTransformer)


class SequenceEncoder(nn.Module):
    """(B, T, C, H, W) -> f (B, D): F applied per step, then the aggregator A."""

    def __init__(self, in_channels: int, cfg: MrpnConfig):
        super().__init__()
        d = cfg.feature_dim
        self.extract = BACKBONES[cfg.backbone](in_channels, d)
        self.aggregate = AGGREGATORS[cfg.aggregator](d, cfg.max_steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.shape[:2]
        steps = self.extract(x.flatten(0, 1)).view(b, t, -1)  # (B, T, D)
        return self.aggregate(steps)


def scoring(d_in: int, n_classes: int, hidden: int = 64) -> nn.Sequential:
    """Dense -> ReLU -> FeatureNorm -> Dense."""
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.BatchNorm1d(hidden), nn.Linear(hidden, n_classes))


class ResidualPerceptron(nn.Module):
    """f' = f + FeatureNorm(Sigmoid(Dense(f)))."""

    def __init__(self, d: int):
        super().__init__()
        self.dense, self.norm = nn.Linear(d, d), nn.BatchNorm1d(d)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return f + self.norm(torch.sigmoid(self.dense(f)))


class UnimodalNet(nn.Module):
    """One modality: (B, T, C, H, W) -> logits (B, C); ``features`` -> f (B, D)."""

    def __init__(self, in_channels: int, cfg: MrpnConfig):
        super().__init__()
        self.encoder = SequenceEncoder(in_channels, cfg)
        self.norm = nn.BatchNorm1d(cfg.feature_dim)
        self.head = scoring(cfg.feature_dim, cfg.n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(self.features(x)))


class FusionNet(nn.Module):
    """(video (B, T, 3, S, S), audio (B, K, 1, M, L)) -> {"fusion", ["video", "audio"]} logits in training,
    fusion logits (B, C) in eval mode. N0: neither option; N1: ``side_heads``; N2: both.
    Encoders may be given (late fusion: trained, then frozen)."""

    def __init__(self, cfg: MrpnConfig, residual: bool, side_heads: bool, video: nn.Module | None = None,
                 audio: nn.Module | None = None):
        super().__init__()
        d = cfg.feature_dim
        self.video = video if video is not None else SequenceEncoder(3, cfg)
        self.audio = audio if audio is not None else SequenceEncoder(1, cfg)
        self.norm_v, self.norm_a = nn.BatchNorm1d(d), nn.BatchNorm1d(d)
        self.residual_v = ResidualPerceptron(d) if residual else nn.Identity()
        self.residual_a = ResidualPerceptron(d) if residual else nn.Identity()
        self.fusion_norm = nn.BatchNorm1d(2 * d)
        self.fusion = scoring(2 * d, cfg.n_classes)
        self.side = side_heads
        if self.side:
            self.head_v, self.head_a = scoring(d, cfg.n_classes), scoring(d, cfg.n_classes)

    def fused_features(self, video: torch.Tensor, audio: torch.Tensor):
        fv = self.residual_v(self.norm_v(self.video(video)))
        fa = self.residual_a(self.norm_a(self.audio(audio)))
        return fv, fa, self.fusion_norm(torch.cat([fv, fa], 1))

    def forward(self, video: torch.Tensor, audio: torch.Tensor):
        fv, fa, fused = self.fused_features(video, audio)
        logits = self.fusion(fused)
        if not self.training:
            return logits
        out = {"fusion": logits}
        if self.side:
            out["video"], out["audio"] = self.head_v(fv), self.head_a(fa)
        return out


class Frozen(nn.Module):
    """Late fusion: a trained unimodal encoder, fixed (no gradients, batch-norm statistics kept
    even while the fusion head around it trains)."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner.requires_grad_(False).eval()

    def train(self, mode: bool = True) -> "Frozen":
        super().train(mode)
        self.inner.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def late_fusion(cfg: MrpnConfig, trained: dict) -> FusionNet:
    """N0 on the separately trained, frozen unimodal encoders; only the fusion head trains."""
    return FusionNet(cfg, residual=False, side_heads=False, video=Frozen(trained["video_only"].encoder),
                     audio=Frozen(trained["audio_only"].encoder))


# (config, trained variants of the fold so far) -> a fresh model. Which streams each takes and what
# it needs trained first is its kind in avemo.variants.MRPN_VARIANTS (whose order is training order).
VARIANT_BUILDERS: dict[str, Callable[[MrpnConfig, dict], nn.Module]] = implemented(
    MRPN_VARIANTS,
    video_only=lambda cfg, trained: UnimodalNet(3, cfg),
    audio_only=lambda cfg, trained: UnimodalNet(1, cfg),
    n0_late_fusion=late_fusion,
    n0_end_to_end=lambda cfg, trained: FusionNet(cfg, residual=False, side_heads=False),
    n1=lambda cfg, trained: FusionNet(cfg, residual=False, side_heads=True),
    n2=lambda cfg, trained: FusionNet(cfg, residual=True, side_heads=True),
)
