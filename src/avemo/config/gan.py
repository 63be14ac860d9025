"""``gan``: the GAN variant (loss, generator, condition, input, direction) and its training."""
from __future__ import annotations

from ..variants import (GAN_CONDITIONS, GAN_CRITIC_CONDITIONS, GAN_DIRECTIONS, GAN_GENERATORS, GAN_INPUTS, GAN_LOSSES, GAN_OPTIMIZERS,
                        GAN_PRETRAIN_POOLS, GAN_UPSAMPLERS)
from .core import ParamsError, bounded, choice, section


@section("gan")
class GanParams:
    loss: str = choice(GAN_LOSSES)
    generator: str = choice(GAN_GENERATORS)
    upsample: str = choice(GAN_UPSAMPLERS)  # G's upsampling: transposed conv | resize + conv
    critic_condition: str = choice(GAN_CRITIC_CONDITIONS)  # D reads c as input channels | by projection
    condition: str = choice(GAN_CONDITIONS)
    input: str = choice(GAN_INPUTS)
    direction: str = choice(GAN_DIRECTIONS)
    use_source: bool
    progressive: bool
    # unused_s3 = clips outside S1-S4 plus S3 (labels hidden); s1_s3 / all_but_s4 = bigger pools
    pretrain_pool: str = choice(GAN_PRETRAIN_POOLS)
    pretrain_epochs: int = bounded(0, 1000)
    epochs: int = bounded(1, 1000)
    batch_size: int = bounded(2, 4096)  # batch norm needs two samples
    width: int = bounded(4, 1024)
    noise_dim: int = bounded(1, 512)
    bottleneck: int = bounded(8, 8192)
    optimizer: str = choice(GAN_OPTIMIZERS)
    lr_g: float = bounded(1e-7, 1.0)
    lr_d: float = bounded(1e-7, 1.0)
    l1_weight: float = bounded(0.0, 1000.0)
    q_weight: float = bounded(0.0, 1000.0)
    gp_weight: float = bounded(0.0, 1000.0)
    gp_every: int = bounded(1, 100)  # lazy regularisation: penalty on every k-th critic step (x k)
    n_critic: int = bounded(1, 20)
    soft_labels: float = bounded(0.0, 0.5)  # real target 1 - u*soft, u ~ U(0,1)
    label_flip: float = bounded(0.0, 0.5)  # noisy labels: share of D targets flipped
    input_noise: float = bounded(0.0, 1.0)  # std of noise added to D inputs
    eval_every: int = bounded(0, 1000)  # FID/IS every k epochs (0 = only at the end)
    n_generate: int = bounded(1, 100)  # generated samples per source face (different noise z)
    diversity_weight: float = bounded(0.0, 1000.0)  # mode-seeking term (Mao et al. 2019); 0 = off
    source_dropout: float = bounded(0.0, 0.95)  # share of pairs whose source G sees blanked, so the condition must carry the class

    def validate(self) -> None:
        if self.input == "temporal" and self.direction != "face2audio":
            raise ParamsError("gan.input = 'temporal' needs gan.direction = 'face2audio' "
                              f"(got {self.direction!r}): the temporal encoder embeds face windows")
        if self.gp_every > 1 and not GAN_LOSSES[self.loss].gradient_penalty:
            with_penalty = ", ".join(name for name, kind in GAN_LOSSES.items() if kind.gradient_penalty)
            raise ParamsError(f"gan.gp_every = {self.gp_every} needs a gan.loss with a gradient penalty ({with_penalty}; "
                              f"got {self.loss!r})")
