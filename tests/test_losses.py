"""Each GAN loss against a hand computation; the gradient penalty on linear critics."""
import math

import pytest
import torch

from avemo.training.losses import (LOSSES, bce_discriminator, d_bce, d_wasserstein, g_bce, g_wasserstein,
                                   gradient_penalty, l1_loss, q_loss, real_targets, wasserstein_critic)

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def test_bce_losses_by_hand():
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    expected_d = (-(math.log(sigmoid(2)) + math.log(0.5)) / 2
                  - (math.log(1 - sigmoid(-1)) + math.log(1 - sigmoid(1))) / 2)
    assert bce_discriminator(real, fake).item() == pytest.approx(expected_d, rel=1e-6)
    expected_g = -(math.log(sigmoid(-1)) + math.log(sigmoid(1))) / 2
    assert g_bce(fake).item() == pytest.approx(expected_g, rel=1e-6)


def test_soft_real_targets_by_hand():
    real, fake = torch.tensor([1.0]), torch.tensor([-30.0])
    t = 0.9  # -[t log s + (1 - t) log(1 - s)] for the real logit; the fake term is ~0
    expected = -(t * math.log(sigmoid(1)) + (1 - t) * math.log(1 - sigmoid(1)))
    assert bce_discriminator(real, fake, torch.tensor([t])).item() == pytest.approx(expected, rel=1e-5)


def test_real_targets_soft_and_flipped():
    g = torch.Generator().manual_seed(0)
    t = real_targets(10_000, 0.2, 0.0, g)
    assert t.min() >= 0.8 and t.max() <= 1.0
    flipped = real_targets(10_000, 0.0, 0.25, g)
    assert (flipped == 0).float().mean().item() == pytest.approx(0.25, abs=0.02)


def test_wasserstein_losses_by_hand():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.5, -0.5])
    assert wasserstein_critic(real, fake).item() == pytest.approx(0.0 - 2.0)
    assert g_wasserstein(fake).item() == pytest.approx(0.0)
    assert g_wasserstein(torch.tensor([2.0, 4.0])).item() == pytest.approx(-3.0)


def linear_critic(w):
    return lambda y, c: (y.flatten(1) * w).sum(1)


def test_gradient_penalty_zero_for_one_lipschitz_linear_critic():
    torch.manual_seed(0)
    w = torch.randn(1 * 4 * 5)
    w = w / w.norm()  # |grad| = 1 everywhere
    real, fake, c = torch.randn(8, 1, 4, 5), torch.randn(8, 1, 4, 5), torch.zeros(8, 6)
    assert gradient_penalty(linear_critic(w), real, fake, c).item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_positive_otherwise():
    torch.manual_seed(0)
    w = torch.randn(20)
    w = 3 * w / w.norm()  # |grad| = 3 -> (3 - 1)^2 = 4
    real, fake, c = torch.randn(8, 1, 4, 5), torch.randn(8, 1, 4, 5), torch.zeros(8, 6)
    assert gradient_penalty(linear_critic(w), real, fake, c).item() == pytest.approx(4.0, rel=1e-5)
    quadratic = lambda y, c: (y.flatten(1) ** 2).sum(1)  # noqa: E731  grad 2y varies with y
    assert gradient_penalty(quadratic, real, fake, c).item() > 0


def test_gradient_penalty_reaches_critic_weights():
    critic = torch.nn.Linear(20, 1)
    real, fake = torch.randn(4, 20), torch.randn(4, 20)
    gp = gradient_penalty(lambda y, c: critic(y).squeeze(1), real, fake, torch.zeros(4, 6))
    gp.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


def test_l1_and_q_loss_by_hand():
    assert l1_loss(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 1.0])).item() == pytest.approx(1.5)
    logits = torch.tensor([[0.0, math.log(3.0)]])  # softmax (1/4, 3/4)
    assert q_loss(logits, torch.tensor([1])).item() == pytest.approx(-math.log(0.75), rel=1e-6)


def test_registry_pairs():
    assert (LOSSES["bce"].d, LOSSES["bce"].g, LOSSES["bce"].critic_batch_norm) == (d_bce, g_bce, True)
    assert (LOSSES["wasserstein"].d, LOSSES["wasserstein"].g) == (d_wasserstein, g_wasserstein)
    assert not LOSSES["wasserstein"].critic_batch_norm


class Knobs:
    soft_labels, label_flip, gp_weight = 0.0, 0.0, 10.0


def test_registry_d_losses_share_one_signature():
    """d(critic, real, fake, cond, cfg): BCE on the critic's logits; WGAN-GP adds gp_weight * penalty."""
    torch.manual_seed(0)
    w = torch.randn(20)
    w = 3 * w / w.norm()  # |grad| = 3 -> penalty (3 - 1)^2 = 4
    critic = linear_critic(w)
    real, fake, c = torch.randn(8, 1, 4, 5), torch.randn(8, 1, 4, 5), torch.zeros(8, 6)
    assert d_bce(critic, real, fake, c, Knobs).item() == pytest.approx(
        bce_discriminator(critic(real, c), critic(fake, c)).item(), rel=1e-6)
    expected = wasserstein_critic(critic(real, c), critic(fake, c)).item() + 10.0 * 4.0
    assert d_wasserstein(critic, real, fake, c, Knobs).item() == pytest.approx(expected, rel=1e-5)


def test_mode_seeking_loss_by_hand():
    """1 / (mean over samples of mean|G_a - G_b| / mean|z_a - z_b| + eps), with per-sample ratios."""
    from avemo.training.losses import mode_seeking_loss

    fake_a = torch.tensor([[0.0, 2.0], [1.0, 1.0]])
    fake_b = torch.tensor([[1.0, 0.0], [1.0, 2.0]])  # |diff| means: 1.5, 0.5
    z_a, z_b = torch.tensor([[0.0], [0.0]]), torch.tensor([[3.0], [1.0]])  # |dz|: 3, 1
    ratio = (1.5 / 3 + 0.5 / 1) / 2
    assert mode_seeking_loss(fake_a, fake_b, z_a, z_b).item() == pytest.approx(1 / (ratio + 1e-5), rel=1e-6)


def test_mode_seeking_loss_by_hand_with_unequal_ratios():
    from avemo.training.losses import mode_seeking_loss
    fake_a = torch.tensor([[0.0, 1.0], [2.0, 2.0]])
    fake_b = torch.tensor([[1.0, 1.0], [0.0, 0.0]])  # per-sample mean |a - b|: 0.5 and 2.0
    z_a = torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    z_b = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, -3.0]])  # per-sample mean |z_a - z_b|: 1.0 and 2.0
    ratios = [0.5 / 1.0, 2.0 / 2.0]
    expected = 1.0 / (sum(ratios) / 2 + 1e-5)
    assert mode_seeking_loss(fake_a, fake_b, z_a, z_b).item() == pytest.approx(expected, rel=1e-6)


def test_within_source_diversity_by_hand():
    import numpy as np

    from avemo.evaluation.generation import within_source_diversity
    draws = np.array([[[0.0, 0.0], [1.0, 3.0]],   # draw 0 for sources 0 and 1
                      [[1.0, 1.0], [1.0, 1.0]],   # draw 1
                      [[2.0, 0.0], [1.0, 3.0]]])  # draw 2
    # pairs (0,1): sources 1.0, 1.0; (0,2): 1.0, 0.0; (1,2): 1.0, 1.0 -> mean 5/6
    assert within_source_diversity(draws) == pytest.approx(5 / 6)
    assert within_source_diversity(draws[:1]) == 0.0
