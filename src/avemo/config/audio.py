"""``audio``: the GAN spectrogram images and MRPN's STFT features."""
from __future__ import annotations

from .core import bounded, section


@section("audio")
class AudioParams:
    sample_rate: int = bounded(8000, 48000)
    n_fft: int = bounded(64, 8192)
    hop_length: int = bounded(16, 4096)
    n_mels: int = bounded(8, 256)
    frames: int = bounded(8, 2048)
    top_db: float = bounded(10.0, 200.0)
    stft_n_fft: int = bounded(64, 8192)  # MRPN features: Hann 512, hop 64 (thesis 4.5)
    stft_hop_length: int = bounded(16, 4096)
    stft_n_mels: int = bounded(8, 512)
    stft_frames: int = bounded(16, 100000)  # stored length (2 s at hop 64), centred
    min_rms: float = bounded(0.0, 1.0)  # below this a clip is rejected as silent
