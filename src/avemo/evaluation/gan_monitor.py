"""FID/KID/IS of the generator while it trains: the stage builds this evaluator and hands it to
``training.gan.fit_gan``, so the training loop never imports evaluation code."""
from __future__ import annotations

import numpy as np

from ..models.gan import generate
from .generation import generation_metrics


def training_evaluator(metric_net, pairs, noise_dim: int, seed: int, device, eval_cfg, limit: int = 2000):
    """``evaluate(G, epoch) -> {"fid", "kid", "is"}`` on G's samples for up to ``limit`` of the
    training pairs, with the real-data classifier ``metric_net``, in fp32."""
    idx = np.random.default_rng(seed).permutation(len(pairs.target))[:limit]
    source, cond, real = pairs.source[idx], pairs.condition[idx], pairs.target[idx]

    def evaluate(generator, epoch: int) -> dict:
        fake = generate(generator, source, cond, noise_dim, seed, device)
        generator.train()
        m = generation_metrics(metric_net, fake, real, eval_cfg, seed, ssim=False)
        return {"fid": m["fid"], "kid": m["kid"], "is": m["is"]}

    return evaluate
