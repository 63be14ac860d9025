"""Plain GAN training: d_step / g_step / fit_gan over in-memory tensors (torch + numpy only).

One epoch = one pass over the pairs in shuffled batches. Per batch: ``n_critic`` D steps (with
the gradient penalty for WGAN-GP), one Q step on the real samples' classes, then one G step with
D and Q frozen (``requires_grad`` off). Every epoch starts from a seed derived from
(seed, epoch), so a run resumed from the checkpoint of epoch k reproduces the uninterrupted run
exactly on CPU. The checkpoint (models, optimisers, epoch, history, a key of config + data) is
rewritten atomically after every epoch; a killed run loses at most one epoch.
"""
from __future__ import annotations

import hashlib
import json
import sys
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torch.profiler import record_function

from ..atomic import atomic_path
from ..models.gan import GanModels
from ..variants import GAN_OPTIMIZERS, implemented
from .distributed import SINGLE, World, average_gradients, synchronize_batch_norm
from .losses import LOSSES, l1_loss, mode_seeking_loss, q_loss


@dataclass(frozen=True)
class GanTrainConfig:
    loss: str
    epochs: int
    batch_size: int
    optimizer: str
    lr_g: float
    lr_d: float
    l1_weight: float
    q_weight: float
    gp_weight: float
    gp_every: int  # lazy regularisation: the penalty on every k-th critic step, weighted k times
    n_critic: int
    soft_labels: float
    label_flip: float
    input_noise: float
    noise_dim: int
    seed: int
    bf16: bool  # autocast to bfloat16 on CUDA; metrics are computed in fp32 regardless
    channels_last: bool
    diversity_weight: float  # mode-seeking term (0 = off: one noise draw per G step)
    source_dropout: float  # share of pairs whose source G sees blanked (zeros) in training


@dataclass
class GanData:
    """Aligned pairs: source (N, *src), target (N, *tgt), condition (N, 6), klass (N,) for Q."""

    source: torch.Tensor
    target: torch.Tensor
    condition: torch.Tensor
    klass: torch.Tensor

    def __len__(self) -> int:
        return len(self.target)

    def to(self, device) -> "GanData":
        return GanData(*(t.to(device) for t in (self.source, self.target, self.condition, self.klass)))


def adam(params, lr: float, device) -> torch.optim.Optimizer:
    """DCGAN's Adam (beta1 0.5); the fused kernel on CUDA."""
    fused = {"fused": True} if torch.device(device).type == "cuda" else {}
    return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999), **fused)


def adagrad(params, lr: float, device) -> torch.optim.Optimizer:
    """dacssGAN's choice."""
    return torch.optim.Adagrad(params, lr=lr)


OPTIMIZERS = implemented(GAN_OPTIMIZERS, adam=adam, adagrad=adagrad)


def make_optimizer(name: str, params, lr: float, device) -> torch.optim.Optimizer:
    return OPTIMIZERS[name](params, lr, device)


def _autocast(cfg: GanTrainConfig, device):
    if cfg.bf16 and torch.device(device).type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def global_randn(world: World, n_global: int, shape: tuple, device) -> torch.Tensor:
    """Normal draws for the whole global batch, and this rank's share of them: every rank draws the
    same numbers, so the noise does not depend on how many processes train."""
    z = torch.randn(n_global, *shape, device=device)
    return world.share(z) if world.size > 1 else z


def update(loss: torch.Tensor, optimizer, params, world: World, weight: float) -> None:
    """Backward, gradients averaged over the ranks (weighted to the global batch's mean), step."""
    optimizer.zero_grad(set_to_none=True)
    (loss * weight if world.size > 1 else loss).backward()
    average_gradients(params, world)
    optimizer.step()


def penalty_weight(cfg: GanTrainConfig, critic_step: int) -> float:
    """The gradient penalty's weight on critic step ``critic_step`` (counted from 0 in each epoch):
    lazy regularisation (Karras et al., CVPR 2020, sec. 3.1) computes the penalty only on every
    ``gp_every``-th step and weights it ``gp_every`` times, so over ``gp_every`` steps it pushes D
    about as hard as the penalty on every step."""
    return cfg.gp_weight * cfg.gp_every if critic_step % cfg.gp_every == 0 else 0.0


def d_step(models: GanModels, opt_d, batch: GanData, cfg: GanTrainConfig, world: World = SINGLE,
           n_global: int | None = None, critic_step: int = 0) -> dict[str, torch.Tensor]:
    """One D update on a batch with the loss named by ``cfg.loss``; returns the detached loss.
    ``batch`` is this rank's share of a global batch of ``n_global`` pairs; ``critic_step`` decides
    whether this step carries the (lazy) gradient penalty."""
    G, D = models.generator, models.discriminator
    n_global = n_global or len(batch)
    z = global_randn(world, n_global, (cfg.noise_dim,), batch.target.device)
    with torch.no_grad(), _autocast(cfg, batch.target.device), record_function("gan.d_step.fakes"):
        fake = G(batch.source, z, batch.condition)
    real = batch.target
    if cfg.input_noise > 0:  # instance noise on D's inputs (a stabiliser the papers used)
        real = real + cfg.input_noise * global_randn(world, n_global, real.shape[1:], real.device)
        fake = fake + cfg.input_noise * global_randn(world, n_global, fake.shape[1:], fake.device)
    loss_fn, uniforms = LOSSES[cfg.loss], None
    if world.size > 1:  # the loss's random draws for the global batch, this rank's share of them
        uniforms = torch.rand(loss_fn.uniforms, n_global, device=real.device).tensor_split(world.size, 1)[world.rank]
    step_cfg = replace(cfg, gp_weight=penalty_weight(cfg, critic_step))
    with _autocast(cfg, real.device), record_function("gan.d_step.loss"):
        d_loss = loss_fn.d(D, real, fake.to(real.dtype), batch.condition, step_cfg, uniforms)
    with record_function("gan.d_step.update"):
        update(d_loss, opt_d, D.parameters(), world, world.weight(len(batch), n_global))
    return {"d_loss": d_loss.detach()}


def q_step(q: nn.Module, opt_q, batch: GanData, cfg: GanTrainConfig, world: World = SINGLE,
           n_global: int | None = None) -> dict[str, torch.Tensor]:
    """One update of Q on the real samples' classes (once per batch, not per critic step)."""
    with _autocast(cfg, batch.target.device):
        loss = q_loss(q(batch.target).float(), batch.klass)
    update(loss, opt_q, q.parameters(), world, world.weight(len(batch), n_global or len(batch)))
    return {"q_loss": loss.detach()}


def g_step(models: GanModels, opt_g, batch: GanData, cfg: GanTrainConfig, world: World = SINGLE,
           n_global: int | None = None) -> dict[str, torch.Tensor]:
    """One G update with D and Q frozen: adversarial + l1_weight * L1 + q_weight * CE(Q(G), class)
    (+ diversity_weight * mode seeking between this draw and a second one)."""
    G, D, Q = models.generator, models.discriminator, models.q
    frozen = [D] + ([Q] if Q is not None else [])
    for net in frozen:
        net.requires_grad_(False)
    n_global = n_global or len(batch)
    z = global_randn(world, n_global, (cfg.noise_dim,), batch.target.device)
    with _autocast(cfg, batch.target.device):
        fake = G(batch.source, z, batch.condition)
        adv = LOSSES[cfg.loss].g(D(fake, batch.condition).float())
        loss = adv
        if cfg.l1_weight > 0:
            loss = loss + cfg.l1_weight * l1_loss(fake.float(), batch.target.float())
        if Q is not None and cfg.q_weight > 0:
            loss = loss + cfg.q_weight * q_loss(Q(fake).float(), batch.klass)
        if cfg.diversity_weight > 0:
            z_b = global_randn(world, n_global, (cfg.noise_dim,), z.device)
            other = G(batch.source, z_b, batch.condition)
            loss = loss + cfg.diversity_weight * mode_seeking_loss(fake.float(), other.float(), z, z_b)
    update(loss, opt_g, G.parameters(), world, world.weight(len(batch), n_global))
    for net in frozen:
        net.requires_grad_(True)
    return {"g_loss": loss.detach(), "g_adv": adv.detach()}


def train_one_epoch(models: GanModels, optims: dict, data: GanData, cfg: GanTrainConfig, epoch: int,
                    world: World = SINGLE) -> dict:
    """One shuffled pass; batches are index slices of on-device tensors (no host round trips). With
    several ranks, each takes its share of every global batch (the same order on every rank)."""
    torch.manual_seed(cfg.seed * 100_003 + epoch)  # resumable: each epoch's randomness is its own
    for net in (models.generator, models.discriminator, models.q):
        if net is not None:
            net.train()
    order = torch.randperm(len(data)).to(data.target.device)
    sums: dict[str, torch.Tensor] = {}
    steps = 0
    for start in range(0, len(data), cfg.batch_size):
        idx = order[start : start + cfg.batch_size]
        if len(idx) < 2 * world.size:  # batch norm needs two samples (per rank, without global statistics)
            continue
        local = world.share(idx)
        batch = GanData(data.source[local], data.target[local], data.condition[local], data.klass[local])
        if cfg.source_dropout > 0:
            batch = drop_sources(batch, cfg.source_dropout, world, len(idx))
        if cfg.channels_last:
            batch = _channels_last(batch)
        for i in range(cfg.n_critic):
            d_out = d_step(models, optims["d"], batch, cfg, world, len(idx), steps * cfg.n_critic + i)
        with record_function("gan.q_step"):
            q_out = q_step(models.q, optims["q"], batch, cfg, world, len(idx)) if models.q is not None else {}
        with record_function("gan.g_step"):
            g_out = g_step(models, optims["g"], batch, cfg, world, len(idx))
        for k, v in {**d_out, **q_out, **g_out}.items():
            sums[k] = sums.get(k, 0) + v
        steps += 1
    return {k: float(v) / max(1, steps) for k, v in sums.items()}  # one sync per epoch


def drop_sources(batch: GanData, share: float, world: World, n_global: int) -> GanData:
    """The batch with the sources of about ``share`` of its pairs blanked (zeros; drawn for the global
    batch, so any number of ranks blanks the same pairs). Trained only on sources, a generator maps
    each training face to its own target and leaves the condition unused (it then hands back copies
    of its training audio, and for an unseen face draws no class); a pair without a source can be
    matched only through its condition, so the condition must carry the class."""
    keep = torch.rand(n_global, device=batch.source.device) >= share
    keep = world.share(keep) if world.size > 1 else keep
    mask = keep.to(batch.source.dtype).view(-1, *([1] * (batch.source.dim() - 1)))
    return replace(batch, source=batch.source * mask)


def _channels_last(batch: GanData) -> GanData:
    cl = lambda t: t.contiguous(memory_format=torch.channels_last) if t.dim() == 4 else t  # noqa: E731
    return GanData(cl(batch.source), cl(batch.target), batch.condition, batch.klass)


def build_optimizers(models: GanModels, cfg: GanTrainConfig, device) -> dict:
    optims = {"g": make_optimizer(cfg.optimizer, models.generator.parameters(), cfg.lr_g, device),
              "d": make_optimizer(cfg.optimizer, models.discriminator.parameters(), cfg.lr_d, device)}
    if models.q is not None:
        optims["q"] = make_optimizer(cfg.optimizer, models.q.parameters(), cfg.lr_d, device)
    return optims


def run_key(cfg: GanTrainConfig, data: GanData, extra: dict | None = None) -> str:
    """Identifies (config, data, model setup): a checkpoint is resumed only under the same key."""
    h = hashlib.sha256(json.dumps({"cfg": asdict(cfg), "extra": extra or {}}, sort_keys=True).encode())
    for t in (data.source, data.target, data.condition, data.klass):
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def _state(models: GanModels, optims: dict, epoch: int, history: list, key: str) -> dict:
    state = {"epoch": epoch, "history": history, "key": key,
             "generator": models.generator.state_dict(), "discriminator": models.discriminator.state_dict(),
             "optimizers": {k: o.state_dict() for k, o in optims.items()}}
    if models.q is not None:
        state["q"] = models.q.state_dict()
    return state


def save_state(path: Path, state: dict) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_models(models: GanModels, state: dict) -> None:
    models.generator.load_state_dict(state["generator"])
    models.discriminator.load_state_dict(state["discriminator"])
    if models.q is not None and "q" in state:
        models.q.load_state_dict(state["q"])


def fit_gan(models: GanModels, data: GanData, cfg: GanTrainConfig, device="cpu", checkpoint: str | Path | None = None,
            evaluate: Callable[[nn.Module, int], dict] | None = None, eval_every: int = 0,
            on_epoch: Callable[[int, dict], None] | None = None, key_extra: dict | None = None,
            progress: bool = False, world: World = SINGLE) -> list[dict]:
    """Train for ``cfg.epochs`` epochs, resuming from ``checkpoint`` when it holds the same run key.
    ``evaluate(G, epoch)`` (e.g. FID/IS) runs every ``eval_every`` epochs and after the last one.
    With several ranks (``world``) only rank 0 evaluates, reports and writes the checkpoint; the
    losses in the history are rank 0's share of each batch."""
    for net in (models.generator, models.discriminator, models.q):
        if net is not None:
            synchronize_batch_norm(net, world, str(device))
            net.to(device)
            if cfg.channels_last:
                net.to(memory_format=torch.channels_last)
    optims = build_optimizers(models, cfg, device)
    key = run_key(cfg, data, key_extra)
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    history, start = [], 0
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=True)
        if state.get("key") == key:
            load_models(models, state)
            for k, o in optims.items():
                o.load_state_dict(state["optimizers"][k])
            history, start = list(state["history"]), int(state["epoch"]) + 1
            print(f"resuming from epoch {start} ({checkpoint})", file=sys.stderr)
        else:
            print(f"{checkpoint} belongs to another run (config, data or code changed): starting at epoch 0",
                  file=sys.stderr)
    data = data.to(device)
    epochs = range(start, cfg.epochs)
    if progress and world.main:
        from tqdm import tqdm

        epochs = tqdm(epochs, desc="train_gan", unit="epoch", initial=start, total=cfg.epochs)
    for epoch in epochs:
        row = {"epoch": epoch, **train_one_epoch(models, optims, data, cfg, epoch, world)}
        last = epoch == cfg.epochs - 1
        if evaluate is not None and world.main and (last or (eval_every and (epoch + 1) % eval_every == 0)):
            row.update(evaluate(models.generator, epoch))
        history.append(row)
        if on_epoch is not None and world.main:
            on_epoch(epoch, row)
        if checkpoint is not None and world.main:
            save_state(checkpoint, _state(models, optims, epoch, history, key))
    return history
