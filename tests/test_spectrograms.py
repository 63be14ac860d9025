import numpy as np
import pytest

from avemo.data.spectrograms import SpectrogramSpec, centre_crop, gan_spectrogram

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels

SPEC = SpectrogramSpec(sample_rate=16000, n_fft=512, hop_length=128, n_mels=28, frames=112, top_db=80.0)


def test_shape_and_range():
    rng = np.random.default_rng(0)
    s = gan_spectrogram(rng.normal(0, 0.1, 32000).astype(np.float32), SPEC)
    assert s.shape == (1, 28, 112) and s.dtype == np.float32
    assert 0.9 < s.max() <= 1.0 and s.min() >= -1.0


def test_crop_is_centred_on_the_middle_of_the_clip():
    sr = 16000
    t = np.arange(3 * sr) / sr
    audio = np.where(np.abs(t - 1.5) < 0.1, np.sin(2 * np.pi * 1000 * t), 1e-4 * np.sin(2 * np.pi * 300 * t))
    s = gan_spectrogram(audio.astype(np.float32), SPEC)[0]
    energy = s.mean(axis=0)
    loud = np.nonzero(energy > energy.min() + 0.5 * np.ptp(energy))[0]
    assert (loud.min() + loud.max()) / 2 == __import__("pytest").approx(55.5, abs=2)


def test_short_input_is_padded_with_floor_value():
    out = centre_crop(np.zeros((4, 10), np.float32), 20)
    assert out.shape == (4, 20)
    assert (out[:, :5] == -1).all() and (out[:, 5:15] == 0).all() and (out[:, 15:] == -1).all()


def test_a_dc_offset_does_not_change_the_spectrograms(tiny_corpus):
    """Speech plus a constant gives the speech's GAN spectrogram and MRPN features (the offset used to
    lift the lowest band from about -0.9 to near 1 and push the others down)."""
    from avemo.data.media import read_audio
    from avemo.data.spectrograms import log_mel

    speech = read_audio(sorted((tiny_corpus / "AudioWAV").iterdir())[0], 16000)
    stft_spec = SpectrogramSpec(sample_rate=16000, n_fft=512, hop_length=64, n_mels=64, frames=500, top_db=80.0)
    for offset in (0.4, -0.25):
        shifted = (speech + np.float32(offset)).astype(np.float32)
        assert np.abs(gan_spectrogram(shifted, SPEC) - gan_spectrogram(speech, SPEC)).max() < 1e-3
        assert np.abs(log_mel(shifted, stft_spec) - log_mel(speech, stft_spec)).max() < 1e-3
