"""Spectrogram images for the GANs and STFT features for MRPN (docs/design.md, "Preprocessing"), with librosa.

The same bytes on every x86-64 CPU: librosa's mel projection is a matrix product, and OpenBLAS (numpy's
BLAS) picks its kernels by CPU, which changed the spectrograms from one machine to the next. Here the
STFT and the mel filters come from librosa, the power is re^2 + im^2 in float64, and the projection
is a weighted sum over each band's bins in a fixed order, with no BLAS call; the result is rounded
to float32 once, at the end (tests/test_cross_cpu.py runs it under several CPU settings).
"""
from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np


@dataclass(frozen=True)
class SpectrogramSpec:
    sample_rate: int
    n_fft: int
    hop_length: int
    n_mels: int
    frames: int
    top_db: float


def project(basis: np.ndarray, power: np.ndarray) -> np.ndarray:
    """``basis @ power`` without BLAS: (M, F) filters, (F, T) power -> (M, T) float64, each band the
    sum over its non-zero bins in bin order (the same additions in the same order on any CPU)."""
    out = np.zeros((basis.shape[0], power.shape[1]))
    for m, weights in enumerate(basis):
        bins = np.flatnonzero(weights)
        out[m] = (weights[bins, None].astype(np.float64) * power[bins]).sum(axis=0)
    return out


def without_dc(audio: np.ndarray) -> np.ndarray:
    """The recording less its mean: a DC offset (cheap microphones, some sound cards) is no part of
    the voice, and left in, its energy leaks into the lowest bands through the window."""
    return audio - np.asarray(audio.mean(dtype=np.float64), dtype=audio.dtype)


def mel_power(audio: np.ndarray, spec: SpectrogramSpec) -> np.ndarray:
    """(N,) -> (n_mels, T) mel power spectrogram, float64, of the audio less its mean: librosa's STFT
    (Hann, centred) and filters."""
    stft = librosa.stft(y=without_dc(audio), n_fft=spec.n_fft, hop_length=spec.hop_length, window="hann")
    power = stft.real.astype(np.float64) ** 2 + stft.imag.astype(np.float64) ** 2
    return project(librosa.filters.mel(sr=spec.sample_rate, n_fft=spec.n_fft, n_mels=spec.n_mels), power)


def log_mel(audio: np.ndarray, spec: SpectrogramSpec) -> np.ndarray:
    """(N,) -> (n_mels, T) log-mel in [-1, 1]: x = 2 dB / top_db + 1, dB relative to the clip's peak
    and floored at -top_db, so the quietest bins (silence) are exactly -1."""
    db = librosa.power_to_db(mel_power(audio, spec), ref=np.max, top_db=spec.top_db)  # in [-top_db, 0]
    return (2.0 * db / spec.top_db + 1.0).astype(np.float32)


def centre_crop(image: np.ndarray, frames: int, fill: float = -1.0) -> np.ndarray:
    """Crop (F, T) to ``frames`` time frames around the middle; pad with ``fill`` if shorter."""
    t = image.shape[1]
    if t >= frames:
        start = (t - frames) // 2
        return image[:, start : start + frames]
    out = np.full((image.shape[0], frames), fill, dtype=image.dtype)
    start = (frames - t) // 2
    out[:, start : start + t] = image
    return out


def gan_spectrogram(audio: np.ndarray, spec: SpectrogramSpec) -> np.ndarray:
    """The GAN papers' spectrogram image: (N,) -> (1, n_mels, frames) in [-1, 1], centred."""
    return centre_crop(log_mel(audio, spec), spec.frames)[None]
