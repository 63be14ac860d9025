"""Spectrogram images for the GANs and STFT features for MRPN (docs/design.md, "Preprocessing"), with librosa."""
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


def log_mel(audio: np.ndarray, spec: SpectrogramSpec) -> np.ndarray:
    """(N,) -> (n_mels, T) log-mel in [-1, 1]: dB relative to the clip's peak, top_db range."""
    power = librosa.feature.melspectrogram(
        y=audio, sr=spec.sample_rate, n_fft=spec.n_fft, hop_length=spec.hop_length,
        n_mels=spec.n_mels, window="hann", power=2.0,
    )
    db = librosa.power_to_db(power, ref=np.max, top_db=spec.top_db)  # in [-top_db, 0]
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
