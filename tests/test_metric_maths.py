"""The metrics against formulas written here independently, on inputs that vary per sample, so each
deliberate slip (a dropped +1, a shared epsilon, N for N - 1, mean of exp for exp of mean, a [0, 1]
scale) changes the answer and fails a test."""
import numpy as np
import pytest
import torch

from avemo.data.spectrograms import SpectrogramSpec, gan_spectrogram
from avemo.conformal.prediction import pvalues
from avemo.evaluation.generation import fid_from_features, inception_score
from avemo.training.losses import gradient_penalty

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def test_smoothed_pvalues_follow_the_formula_with_the_same_draws():
    """p = (#{a_i > a} + tau * (#{a_i = a} + 1)) / (n + 1), tau ~ U(0, 1) per test sample and class."""
    rng = np.random.default_rng(0)
    cal = rng.integers(-4, 5, size=150) / 4.0  # ties on purpose
    test = rng.integers(-4, 5, size=(30, 4)) / 4.0
    tau = np.random.default_rng(7).uniform(size=test.shape)
    expected = np.array([[((cal > a).sum() + t * ((cal == a).sum() + 1)) / (len(cal) + 1) for a, t in zip(row, trow)]
                         for row, trow in zip(test, tau)])
    assert pvalues(cal, test, rng=np.random.default_rng(7)) == pytest.approx(expected, rel=1e-12)


def test_gradient_penalty_draws_one_epsilon_per_sample():
    """Critic sum(y^2) has gradient 2 y_hat; with per-sample eps the penalty is the mean over samples
    of (||2 (eps_i y_i + (1 - eps_i) g_i)|| - 1)^2."""
    torch.manual_seed(0)
    real, fake = torch.randn(6, 1, 3, 4, dtype=torch.float64), torch.randn(6, 1, 3, 4, dtype=torch.float64)
    critic = lambda y, c: (y ** 2).flatten(1).sum(1)  # noqa: E731
    gp = gradient_penalty(critic, real, fake, None, generator=torch.Generator().manual_seed(3))
    eps = torch.rand(6, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    expected = np.mean([((2 * (e * r + (1 - e) * f)).norm().item() - 1) ** 2 for e, r, f in zip(eps, real, fake)])
    assert gp.item() == pytest.approx(expected, rel=1e-10)


def test_fid_uses_the_unbiased_covariance():
    """||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)), S with the N - 1 normaliser; the trace of
    the square root from the eigenvalues of S_r S_g (real, non-negative for covariances)."""
    rng = np.random.default_rng(2)
    real = rng.normal(size=(12, 4)) * [1.0, 2.0, 0.5, 1.5]
    fake = rng.normal(0.4, 1.3, size=(15, 4))

    def cov(x):
        c = x - x.mean(0)
        return c.T @ c / (len(x) - 1)

    s_r, s_g = cov(real), cov(fake)
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(s_r @ s_g).real, 0, None)).sum()
    expected = ((real.mean(0) - fake.mean(0)) ** 2).sum() + np.trace(s_r) + np.trace(s_g) - 2 * root_trace
    assert fid_from_features(real, fake) == pytest.approx(expected, rel=1e-8)


def test_inception_score_is_exp_of_the_mean_kl():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.full(6, 0.7), size=40)  # every sample a different prediction
    marginal = p.mean(0)
    kl = (p * (np.log(p) - np.log(marginal))).sum(1)
    assert inception_score(p) == pytest.approx(np.exp(kl.mean()), rel=1e-9)
    assert np.exp(kl).mean() != pytest.approx(np.exp(kl.mean()), rel=1e-3)  # the slip would be visible


def test_spectrogram_spans_minus_one_to_one_with_silence_at_minus_one():
    sr = 16000
    t = np.arange(2 * sr) / sr
    audio = np.where(t < 1.0, 0.5 * np.sin(2 * np.pi * 440 * t) * np.sin(np.pi * t), 0.0).astype(np.float32)
    image = gan_spectrogram(audio, SpectrogramSpec(sr, 512, 128, 28, 250, 80.0))
    assert image.max() == pytest.approx(1.0) and image.min() == -1.0
    assert (image[0, :, -40:] == -1.0).all()  # the silent second is the floor, not 0
