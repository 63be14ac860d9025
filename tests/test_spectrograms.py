import numpy as np

from avemo.data.spectrograms import SpectrogramSpec, centre_crop, gan_spectrogram

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
