"""GAN losses as small pure functions, and the registry that names them.

BCE GAN (dacssGAN eq. 7): D maximises log D(y) + log(1 - D(G(x|c,z))); G uses the non-saturating
form -log D(G(.)). Wasserstein (tc-wGAN, WGAN-GP, Gulrajani et al. 2017): critic loss
E[D(G)] - E[D(y)] + lambda * E[(||grad D(y_hat)||_2 - 1)^2] on random interpolates y_hat; G
minimises -E[D(G)]. G's extra terms for every loss: lambda_L1 * ||y - G||_1 and lambda_Q * CE(Q(G), class).

Every registry entry has the same two signatures, so the training step never branches on the loss:
``d(critic, real, fake, cond, cfg, uniforms=None) -> loss`` and ``g(fake_score) -> loss``; ``cfg``
supplies the loss's own knobs (``soft_labels``, ``label_flip``, ``gp_weight``). A D loss that draws
random numbers takes ``GanLoss.uniforms`` U(0, 1) rows of the batch size; the caller may pass them
(data-parallel training draws them for the global batch), else the loss draws them itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ..variants import GAN_LOSSES, implemented


def real_targets(n: int, soft: float, flip: float, generator: torch.Generator | None = None,
                 device: str | torch.device = "cpu", uniforms: torch.Tensor | None = None) -> torch.Tensor:
    """D's targets for real samples: soft labels 1 - u * soft (u ~ U(0, 1)), and a share ``flip``
    of noisy labels set to 0 (Salimans et al. 2016's remedies, as used by dacssGAN). ``uniforms``
    (2, n), when given, are the two draws."""
    # drawn on ``device``: no host-device copy per step on a GPU
    u = torch.rand(n, generator=generator, device=device) if uniforms is None else uniforms[0]
    target = 1.0 - u * soft
    flipped = (torch.rand(n, generator=generator, device=device) if uniforms is None else uniforms[1]) < flip
    return torch.where(flipped, torch.zeros_like(target), target)


def bce_discriminator(real_logit: torch.Tensor, fake_logit: torch.Tensor,
                      real_target: torch.Tensor | float = 1.0) -> torch.Tensor:
    """-[log D(y) + log(1 - D(G))], with D(.) = sigmoid(logit) and optional soft real targets."""
    target = torch.as_tensor(real_target, dtype=real_logit.dtype, device=real_logit.device).expand_as(real_logit)
    return (F.binary_cross_entropy_with_logits(real_logit, target)
            + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))


def wasserstein_critic(real_score: torch.Tensor, fake_score: torch.Tensor) -> torch.Tensor:
    """E[D(G)] - E[D(y)] (without the gradient penalty)."""
    return fake_score.mean() - real_score.mean()


def gradient_penalty(critic: Callable, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor,
                     generator: torch.Generator | None = None, eps: torch.Tensor | None = None) -> torch.Tensor:
    """E[(||grad_y D(y_hat, c)||_2 - 1)^2], y_hat = eps * y + (1 - eps) * G, eps ~ U(0, 1) per sample
    (drawn here unless given, (N,))."""
    shape = (len(real), *([1] * (real.dim() - 1)))
    eps = (torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype) if eps is None
           else eps.to(real.dtype).view(shape))
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    score = critic(mixed, cond)
    (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def d_bce(critic: Callable, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor, cfg,
          uniforms: torch.Tensor | None = None) -> torch.Tensor:
    """D's BCE loss on one batch, with soft and flipped real targets (``cfg.soft_labels``, ``cfg.label_flip``)."""
    real_logit, fake_logit = critic(real, cond).float(), critic(fake, cond).float()
    target = real_targets(len(real), cfg.soft_labels, cfg.label_flip, device=real.device, uniforms=uniforms)
    return bce_discriminator(real_logit, fake_logit, target)


def d_wasserstein(critic: Callable, real: torch.Tensor, fake: torch.Tensor, cond: torch.Tensor, cfg,
                  uniforms: torch.Tensor | None = None) -> torch.Tensor:
    """The WGAN-GP critic loss on one batch; the penalty in fp32 (it differentiates through D's gradient).
    With ``cfg.gp_weight`` 0 the penalty is not computed at all (the lazy steps of ``gp_every``)."""
    real_score, fake_score = critic(real, cond).float(), critic(fake, cond).float()
    loss = wasserstein_critic(real_score, fake_score)
    if cfg.gp_weight == 0:
        return loss
    with torch.autocast(real.device.type, enabled=False), torch.profiler.record_function("gan.gradient_penalty"):
        penalty = gradient_penalty(critic, real.float(), fake.float(), cond,
                                   eps=None if uniforms is None else uniforms[0])
    return loss + cfg.gp_weight * penalty


def g_bce(fake_score: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss -log D(G)."""
    return F.binary_cross_entropy_with_logits(fake_score, torch.ones_like(fake_score))


def g_wasserstein(fake_score: torch.Tensor) -> torch.Tensor:
    """-E[D(G)]."""
    return -fake_score.mean()


def l1_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute error ||y - G(x|c,z)||_1 (per element)."""
    return (fake - real).abs().mean()


def q_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CE(Q(G(x|c,z)), class)."""
    return F.cross_entropy(logits, target)


def mode_seeking_loss(fake_a: torch.Tensor, fake_b: torch.Tensor, z_a: torch.Tensor, z_b: torch.Tensor,
                      eps: float = 1e-5) -> torch.Tensor:
    """Mode seeking (Mao et al., CVPR 2019, eq. 3): 1 / (mean|G(z_a) - G(z_b)| / mean|z_a - z_b| + eps),
    each mean per sample and then over the batch. Minimising it pushes two noise draws for the same
    source and condition to different outputs, so z is not ignored."""
    ratio = (fake_a - fake_b).abs().flatten(1).mean(1) / (z_a - z_b).abs().flatten(1).mean(1)
    return 1.0 / (ratio.mean() + eps)


@dataclass(frozen=True)
class GanLoss:
    d: Callable  # (critic, real, fake, cond, cfg, uniforms=None) -> D's loss on a batch
    g: Callable  # (fake_score) -> G's adversarial term
    critic_batch_norm: bool  # WGAN-GP's penalty is per sample: batch norm would couple the samples
    uniforms: int  # U(0, 1) draws per sample that ``d`` uses


# whether a loss has a critic penalty is its kind in avemo.variants.GAN_LOSSES
LOSSES: dict[str, GanLoss] = implemented(
    GAN_LOSSES,
    bce=GanLoss(d_bce, g_bce, critic_batch_norm=True, uniforms=2),
    wasserstein=GanLoss(d_wasserstein, g_wasserstein, critic_batch_norm=False, uniforms=1),
)
