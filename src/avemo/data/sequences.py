"""MRPN inputs: per clip, a sequence of face frames and of overlapping STFT segments covering the
same stretch of time, with the thesis' time augmentation.

A clip has F face frames (``face.sequence_frames``) and A STFT frames (16 kHz, Hann 512, hop 64;
log-mel here). The audio view is ``segments`` segments of ``segment_frames`` frames, ``segment_hop``
apart; the video view is ``frames`` face frames spread over the same span. Without augmentation the
span is centred. With time augmentation (training only) each clip draws one random start and one
random stretch of the hop, and that single slice is applied to every frame and every segment of the
clip, so audio and video stay aligned.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF


@dataclass(frozen=True)
class SequenceSpec:
    frames: int
    segments: int
    segment_frames: int
    segment_hop: int
    max_stretch: float  # time augmentation: hop scaled by a factor in [1 - s, 1 + s]
    face_size: int | None  # resize face frames (None = as stored)


@dataclass(frozen=True)
class ClipSlice:
    frame_index: np.ndarray  # (frames,) indices into the face frame sequence
    segment_start: np.ndarray  # (segments,) first STFT frame of each segment


def clip_slice(spec: SequenceSpec, n_video: int, n_audio: int, start: float = 0.5, stretch: float = 1.0) -> ClipSlice:
    """One slice of a clip. ``start`` in [0, 1] places the span (0.5 = centred); ``stretch`` scales the hop."""
    hop = spec.segment_hop * stretch
    span = min(spec.segment_frames + hop * (spec.segments - 1), n_audio)
    hop = (span - spec.segment_frames) / max(1, spec.segments - 1)
    first = start * (n_audio - span)
    seg = np.round(first + hop * np.arange(spec.segments)).astype(np.int64)
    seg = np.clip(seg, 0, n_audio - spec.segment_frames)
    t0, t1 = first / n_audio, (first + span) / n_audio  # the same time span in video frames
    frames = np.round(np.linspace(t0 * (n_video - 1), t1 * (n_video - 1), spec.frames)).astype(np.int64)
    return ClipSlice(frames, seg)


def draw_slices(spec: SequenceSpec, n: int, n_video: int, n_audio: int, rng: np.random.Generator | None) -> list[ClipSlice]:
    """Centred slices (rng None), or one random (start, stretch) per clip."""
    if rng is None:
        return [clip_slice(spec, n_video, n_audio)] * n
    starts = rng.uniform(0, 1, n)
    stretches = rng.uniform(1 - spec.max_stretch, 1 + spec.max_stretch, n)
    return [clip_slice(spec, n_video, n_audio, s, r) for s, r in zip(starts, stretches)]


def gather(face_frames: np.ndarray, stft: np.ndarray, slices: list[ClipSlice], segment_frames: int,
           face_size: int | None = None):
    """(N, F, S, S, 3) uint8 and (N, M, A) -> video (N, frames, 3, S', S') and audio (N, segments, 1, M, L)
    in [-1, 1]; S' = ``face_size`` (bilinear resize) or S."""
    video = np.stack([face_frames[i][s.frame_index] for i, s in enumerate(slices)])
    audio = np.stack([np.stack([stft[i][:, a : a + segment_frames] for a in s.segment_start])
                      for i, s in enumerate(slices)])
    v = torch.from_numpy(video).permute(0, 1, 4, 2, 3).float() / 127.5 - 1.0
    if face_size and face_size != v.shape[-1]:
        n, t = v.shape[:2]
        v = torch.nn.functional.interpolate(v.flatten(0, 1), size=(face_size, face_size), mode="bilinear",
                                            align_corners=False).view(n, t, 3, face_size, face_size)
    return v, torch.from_numpy(audio.astype(np.float32))[:, :, None]


def clip_image_augment(video: torch.Tensor, g: torch.Generator, jitter: float = 0.2) -> torch.Tensor:
    """The thesis' image augmentation ("IA"): video (N, T, 3, S, S) in [-1, 1] -> same shape. Per
    clip, one horizontal flip (p 0.5) and one brightness and one contrast factor in
    [1 - jitter, 1 + jitter] (torchvision), the same for all its frames: a clip shows one expression
    over time, so its frames must stay alike. No shifts: faces are aligned, and at 28 px expression
    cues are one-pixel moves (see ``augment.face_augment``)."""
    n = video.shape[0]
    flip = torch.rand(n, generator=g) < 0.5
    brightness = 1 + (torch.rand(n, generator=g) * 2 - 1) * jitter
    contrast = 1 + (torch.rand(n, generator=g) * 2 - 1) * jitter
    unit = ((torch.where(flip.view(-1, 1, 1, 1, 1), video.flip(-1), video) + 1) / 2).clamp(0, 1)
    out = [TF.adjust_contrast(TF.adjust_brightness(clip, float(b)), float(c))
           for clip, b, c in zip(unit, brightness, contrast)]
    return torch.stack(out) * 2 - 1
