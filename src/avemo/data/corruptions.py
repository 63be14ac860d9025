"""One stream of an MRPN batch made unreliable: missing (zeros, the middle of the [-1, 1] input
range), replaced by noise with the stream's own mean and spread, or shifted in time against the
other stream. Streams are those of ``sequences.gather``: video (N, frames, 3, S, S) and audio
(N, segments, 1, M, L), both in [-1, 1], time on dim 1.

Used at test time to ask how a fusion model behaves when a modality fails, and at training time
(``drop_modality``) as modality dropout."""
from __future__ import annotations

from typing import Callable

import torch

from ..variants import CORRUPTION_KINDS as KIND_NAMES, implemented

Corruption = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def missing(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    return torch.zeros_like(x)


def noise(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Gaussian noise with the batch stream's mean and standard deviation, clipped to [-1, 1]."""
    return (torch.randn(x.shape, generator=g) * x.std() + x.mean()).clamp(-1.0, 1.0)


def shift(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """The stream rotated by half its steps: the same content, out of sync with the other stream."""
    return torch.roll(x, shifts=x.shape[1] // 2, dims=1)


# mrpn.corruptions names a stream and one of these (avemo.variants.TEST_CORRUPTIONS: audio_missing, ...)
CORRUPTIONS: dict[str, Corruption] = implemented(KIND_NAMES, missing=missing, noise=noise, shift=shift)


def corrupt(condition: str, video: torch.Tensor, audio: torch.Tensor, g: torch.Generator):
    """(video, audio) with the stream named by ``condition`` (e.g. "audio_missing") corrupted."""
    stream, kind = condition.split("_", 1)
    if stream == "audio":
        return video, CORRUPTIONS[kind](audio, g)
    return CORRUPTIONS[kind](video, g), audio


def drop_modality(video: torch.Tensor, audio: torch.Tensor, p: float, g: torch.Generator):
    """Modality dropout: each clip, with probability ``p``, loses one of its two streams (zeros),
    audio or video with equal chance; never both."""
    n = video.shape[0]
    dropped = torch.rand(n, generator=g) < p
    audio_side = torch.rand(n, generator=g) < 0.5
    keep_audio = ~(dropped & audio_side)
    keep_video = ~(dropped & ~audio_side)
    return (video * keep_video.view(-1, *[1] * (video.dim() - 1)).to(video.dtype),
            audio * keep_audio.view(-1, *[1] * (audio.dim() - 1)).to(audio.dtype))
