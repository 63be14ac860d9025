"""GAN losses as small pure functions, chosen by name (DESIGN.md 5).

BCE GAN (dacssGAN eq. 7): D maximises log D(y) + log(1 - D(G(x|c,z))); G uses the non-saturating
form -log D(G(.)). Wasserstein (tc-wGAN, WGAN-GP): critic loss E[D(G)] - E[D(y)] + lambda *
E[(||grad D(y_hat)||_2 - 1)^2] on random interpolates y_hat; G minimises -E[D(G)].
G's extra terms for every loss: lambda_L1 * ||y - G||_1 and lambda_Q * CE(Q(G), class).
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def real_targets(n: int, soft: float, flip: float, generator: torch.Generator | None = None,
                 device: str | torch.device = "cpu") -> torch.Tensor:
    """D's targets for real samples: soft labels 1 - u * soft (u ~ U(0, 1)), and a share ``flip``
    of noisy labels set to 0 (Salimans et al. 2016's remedies, as used by dacssGAN)."""
    # drawn on ``device``: no host-device copy per step on a GPU
    u = torch.rand(n, generator=generator, device=device)
    target = 1.0 - u * soft
    flipped = torch.rand(n, generator=generator, device=device) < flip
    return torch.where(flipped, torch.zeros_like(target), target)


def d_bce(real_logit: torch.Tensor, fake_logit: torch.Tensor, real_target: torch.Tensor | float = 1.0) -> torch.Tensor:
    """-[log D(y) + log(1 - D(G))], with D(.) = sigmoid(logit) and optional soft real targets."""
    target = torch.as_tensor(real_target, dtype=real_logit.dtype, device=real_logit.device).expand_as(real_logit)
    return (F.binary_cross_entropy_with_logits(real_logit, target)
            + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))


def g_bce(fake_logit: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss -log D(G)."""
    return F.binary_cross_entropy_with_logits(fake_logit, torch.ones_like(fake_logit))


def d_wasserstein(real_score: torch.Tensor, fake_score: torch.Tensor, real_target=None) -> torch.Tensor:
    """Critic loss E[D(G)] - E[D(y)] (the gradient penalty is added separately)."""
    return fake_score.mean() - real_score.mean()


def g_wasserstein(fake_score: torch.Tensor) -> torch.Tensor:
    return -fake_score.mean()


def gradient_penalty(critic: Callable, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """E[(||grad_y D(y_hat, c)||_2 - 1)^2], y_hat = eps * y + (1 - eps) * G, eps ~ U(0, 1) per sample."""
    eps = torch.rand(len(real), *([1] * (real.dim() - 1)), generator=generator, device=real.device, dtype=real.dtype)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    score = critic(mixed, cond)
    (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def l1_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute error ||y - G(x|c,z)||_1 (per element)."""
    return (fake - real).abs().mean()


def q_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CE(Q(G(x|c,z)), class)."""
    return F.cross_entropy(logits, target)


LOSSES: dict[str, tuple[Callable, Callable]] = {"bce": (d_bce, g_bce), "wasserstein": (d_wasserstein, g_wasserstein)}
