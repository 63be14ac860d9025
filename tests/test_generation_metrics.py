"""FID, KID, IS and SSIM against hand cases and independent implementations (torchmetrics, skimage)."""
import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity
from torchmetrics.image.fid import _compute_fid
from torchmetrics.image.kid import poly_mmd

from avemo.evaluation.generation import (fid_from_features, frechet_distance, gaussian_stats, inception_score,
                                         kernel_inception_distance, mean_ssim, polynomial_mmd)

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def test_frechet_distance_of_identical_statistics_is_zero():
    f = np.random.default_rng(0).normal(size=(200, 8))
    mu, sigma = gaussian_stats(f)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_of_shifted_isotropic_gaussians():
    d = 5  # identical covariances: FID = ||mu1 - mu2||^2
    assert frechet_distance(np.zeros(d), np.eye(d), np.full(d, 2.0), np.eye(d)) == pytest.approx(4.0 * d)
    # variances a^2 and b^2 per dim: trace term = d (a - b)^2
    assert frechet_distance(np.zeros(d), 4 * np.eye(d), np.zeros(d), np.eye(d)) == pytest.approx(d * 1.0)


def test_fid_matches_torchmetrics_on_random_features():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(300, 16)), rng.normal(0.3, 1.2, size=(300, 16)) @ rng.normal(size=(16, 16)) * 0.5
    ours = fid_from_features(a, b)
    (m1, s1), (m2, s2) = gaussian_stats(a), gaussian_stats(b)
    ref = _compute_fid(*(torch.from_numpy(v).double() for v in (m1, s1, m2, s2))).item()
    assert ours == pytest.approx(ref, rel=1e-6)


def test_kid_subset_matches_torchmetrics_poly_mmd():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(50, 12)), rng.normal(0.5, 1.0, size=(50, 12))  # torchmetrics assumes equal sizes
    ref = poly_mmd(torch.from_numpy(a), torch.from_numpy(b)).item()
    assert polynomial_mmd(a, b) == pytest.approx(ref, rel=1e-8)


def test_kid_is_near_zero_for_same_distribution_and_positive_for_shift():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    same, _ = kernel_inception_distance(a, b, 100, 50, seed=0)
    shifted, _ = kernel_inception_distance(a, b + 1.0, 100, 50, seed=0)
    assert abs(same) < 0.05 and shifted > 0.5


def test_inception_score_bounds():
    assert inception_score(np.full((60, 6), 1 / 6)) == pytest.approx(1.0)
    confident = np.eye(6)[np.arange(72) % 6]  # certain and balanced: IS = number of classes
    assert inception_score(confident) == pytest.approx(6.0, rel=1e-6)
    assert inception_score(confident, splits=3) == pytest.approx(6.0, rel=1e-6)  # 24 rows per split, balanced
    collapsed = np.eye(6)[np.zeros(60, int)]  # certain but one class: IS = 1
    assert inception_score(collapsed) == pytest.approx(1.0, rel=1e-6)


def test_mean_ssim_against_scikit_image():
    rng = np.random.default_rng(4)
    real = rng.uniform(-1, 1, (5, 1, 28, 112)).astype(np.float32)
    fake = np.clip(real + rng.normal(0, 0.3, real.shape), -1, 1).astype(np.float32)
    ref = np.mean([structural_similarity(real[i, 0], fake[i, 0], data_range=2.0, gaussian_weights=True, sigma=1.5,
                                         use_sample_covariance=False) for i in range(5)])
    assert mean_ssim(fake, real) == pytest.approx(ref, rel=1e-6)
    assert mean_ssim(real, real) == pytest.approx(1.0)
    assert mean_ssim(fake, real) < mean_ssim(np.clip(real + 0.05, -1, 1), real)
    faces = rng.uniform(-1, 1, (2, 3, 28, 28)).astype(np.float32)
    assert mean_ssim(faces, faces) == pytest.approx(1.0)


def test_gan_test_accuracy_counts_agreement_with_the_generated_class():
    from types import SimpleNamespace

    from avemo.evaluation.generation import generation_metrics
    from avemo.models.classifier import ClassifierConfig, EmotionCNN

    torch.manual_seed(0)
    net = EmotionCNN(ClassifierConfig(1, 6, "small", 8, 16, 0.3)).eval()
    x = torch.randn(40, 1, 28, 112)
    with torch.no_grad():
        pred = net(x).argmax(1).numpy()
    labels = pred.copy()
    labels[:10] = (labels[:10] + 1) % 6  # 10 of 40 disagree with the network
    cfg = SimpleNamespace(kid_subset=20, kid_subsets=5, is_splits=1)
    m = generation_metrics(net, x, x, cfg, 0, ssim=False, labels=labels)
    assert m["gan_test"] == pytest.approx(0.75) and m["gan_test_real"] == pytest.approx(0.75)
    m = generation_metrics(net, x, torch.randn(40, 1, 28, 112), cfg, 0, ssim=False, labels=pred)
    assert m["gan_test"] == 1.0


def test_copy_metrics_tell_a_copying_generator_from_one_that_makes_other_audio():
    """A generator that returns each face's own training target is a copier (share 1, distance ratio
    0); one that returns a real clip it was not trained on is not (share 0, ratio near 1, the spacing
    of real clips); samples of faces outside training count in the ratio only."""
    from avemo.evaluation.generation import copy_metrics

    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, size=(40, 1, 8, 16))
    train, train_rows = real[:30], np.arange(100, 130)
    held_out = real[30:]
    copies = copy_metrics(train.copy(), train_rows, train, train_rows)
    assert copies["copy_own_target_share"] == 1.0 and copies["copy_distance_ratio"] == 0.0
    assert copies["copy_samples_of_training_faces"] == 30
    others = copy_metrics(held_out, train_rows[:10], train, train_rows)  # training faces, unseen audio
    assert others["copy_own_target_share"] == 0.0
    expected = np.abs(held_out[:, None] - train[None]).mean(axis=(2, 3, 4)).min(1).mean()
    assert others["copy_nearest_l1"] == pytest.approx(expected, rel=1e-12)
    assert 0.8 < others["copy_distance_ratio"] < 1.2
    pool = copy_metrics(held_out, np.arange(10), train, train_rows)  # faces outside training
    assert pool["copy_own_target_share"] is None and pool["copy_samples_of_training_faces"] == 0
    shuffled = copy_metrics(train[::-1].copy(), train_rows, train, train_rows)  # another training clip's audio
    assert shuffled["copy_own_target_share"] == 0.0 and shuffled["copy_distance_ratio"] == 0.0
