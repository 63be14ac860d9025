"""Plain supervised training for the emotion CNN: explicit model, loss, optimiser, loader, device.

Early stopping keeps the weights of the best validation epoch (checkpoint files: models/checkpoints.py).
"""
from __future__ import annotations

import copy
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..data.arrays import stratified_holdout
from ..models.classifier import ClassifierConfig, EmotionCNN
from ..variants import CLASSIFIER_PRECISIONS, implemented
from .distributed import SINGLE, World, synchronize_batch_norm


@dataclass(frozen=True)
class FitConfig:
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    patience: int
    seed: int
    min_epochs: int  # the weights kept come from this epoch on: a small training set must not keep an untrained model
    precision: str = field(default="fp32", kw_only=True)  # PRECISIONS: the arithmetic of the training passes


@dataclass(frozen=True)
class Precision:
    """How the training passes compute: under ``autocast`` to that dtype (None: plain fp32), with the
    model's weights and each batch in ``memory_format`` (oneDNN's bf16 convolutions want channels_last;
    in NCHW they reorder every tensor). Weights, optimiser state, validation and every prediction stay
    fp32 either way, and the trained model is handed back in the default layout."""
    autocast: torch.dtype | None
    memory_format: torch.memory_format


# classifier.precision -> Precision. bf16 roughly halves a training epoch on a CPU with bf16 units
# (benchmarks/classifier_epoch.py) but rounds every activation to 8 bits of mantissa: its effect on
# results is measured by a study (docs/studies.md), not assumed.
PRECISIONS = implemented(CLASSIFIER_PRECISIONS, fp32=Precision(None, torch.contiguous_format),
                         bf16=Precision(torch.bfloat16, torch.channels_last))


def in_format(x: torch.Tensor, precision: Precision) -> torch.Tensor:
    """``x`` in the precision's memory format where it has one (4-D image batches); as is otherwise."""
    return x.contiguous(memory_format=precision.memory_format) if x.dim() == 4 else x


def autocast(precision: Precision, device) -> object:
    if precision.autocast is None:
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=precision.autocast)


def train_one_epoch(model, loss_fn, optimizer, loader, device, augment: Callable | None = None,
                    world: World = SINGLE, precision: Precision = PRECISIONS["fp32"]) -> float:
    """One pass; with several ranks each takes its share of every global batch, and its loss is
    weighted so the averaged gradient is the global batch's."""
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        if world.size > 1:
            share = world.share(torch.arange(len(y)))
            x, y, weight = x[share], y[share], world.weight(len(share), len(y))
        x, y = x.to(device), y.to(device)
        if augment is not None:
            x = augment(x)
        optimizer.zero_grad(set_to_none=True)
        with autocast(precision, device):
            loss = loss_fn(model(in_format(x, precision)), y)
        if world.size > 1:
            loss = loss * weight
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / max(1, count)


class DeviceBatches:
    """The shuffled mini-batches a DataLoader with ``shuffle=True`` and ``generator`` gives (the same
    permutation per epoch), taken as index slices of tensors that stay on the device: on a GPU no
    host-to-device copy per batch."""

    def __init__(self, tensors: tuple[torch.Tensor, ...], batch_size: int, generator: torch.Generator, device):
        self.tensors = tuple(t.to(device) for t in tensors)
        self.batch_size, self.generator = batch_size, generator

    def __iter__(self):
        n = len(self.tensors[0])
        # the draws a DataLoader makes from its generator each epoch: its iterator's base seed, then
        # RandomSampler's permutation and its (empty) remainder permutation
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        order = torch.randperm(n, generator=self.generator).to(self.tensors[0].device)
        torch.randperm(n, generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            yield tuple(t[idx] for t in self.tensors)


@torch.no_grad()
def predict_proba(model: nn.Module, x: torch.Tensor, device: str = "cpu", batch_size: int = 256) -> np.ndarray:
    """Softmax (N, C) in fp32, model in eval mode."""
    model.eval()
    out = [torch.softmax(model(x[i : i + batch_size].to(device)).float(), 1).cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


def fit_classifier(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    cfg: FitConfig,
    device: str = "cpu",
    augment: Callable | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    world: World = SINGLE,
    resident: bool | None = None,
) -> tuple[nn.Module, list[dict]]:
    """Adam + cross-entropy; keep the weights of the best validation loss among the epochs from
    ``min_epochs`` on, and stop after ``patience`` such epochs without a better one. (On a few actors
    the validation loss can be lowest before the model has learnt anything; without a minimum, early
    stopping kept that model and scored chance.)
    With several ranks (``world``): DistributedDataParallel over shares of the same global batches
    and batch norm over the global batch; every rank validates on the whole slice, so all stop together.
    ``resident`` (default: on CUDA) keeps the training set on the device (the same batches)."""
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    if resident if resident is not None else torch.device(device).type == "cuda":
        loader = DeviceBatches(train, cfg.batch_size, gen, device)
    else:
        loader = DataLoader(TensorDataset(*train), batch_size=cfg.batch_size, shuffle=True, generator=gen)
    precision = PRECISIONS[cfg.precision]
    model = synchronize_batch_norm(model, world, str(device)).to(device, memory_format=precision.memory_format)
    net = nn.parallel.DistributedDataParallel(model) if world.size > 1 else model
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    best, best_loss, stale, history = None, float("inf"), 0, []
    for epoch in range(cfg.epochs):
        train_loss = train_one_epoch(net, loss_fn, optimizer, loader, device, augment, world, precision)
        proba = predict_proba(model, val[0], device)
        val_loss = float(nn.functional.nll_loss(torch.log(torch.from_numpy(proba) + 1e-9), val[1]))
        row = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
               "val_accuracy": float((proba.argmax(1) == val[1].numpy()).mean())}
        history.append(row)
        if on_epoch is not None:
            on_epoch(epoch, row)
        if epoch + 1 < cfg.min_epochs:
            continue
        if val_loss < best_loss - 1e-4:
            best, best_loss, stale = copy.deepcopy(model.state_dict()), val_loss, 0
        else:
            stale += 1
            if stale >= cfg.patience:
                break
    if best is not None:
        model.load_state_dict(best)
    return model.to(memory_format=torch.contiguous_format), history


def train_emotion_cnn(x: torch.Tensor, y: torch.Tensor, cfg: ClassifierConfig, fit: FitConfig, val_fraction: float,
                      device: str = "cpu", augment: Callable | None = None, on_epoch=None, world: World = SINGLE):
    """Build an EmotionCNN from ``cfg`` and fit it on (x, y) with a stratified validation slice for
    early stopping. Returns (model, history)."""
    tr, va = stratified_holdout(y, val_fraction, fit.seed)
    torch.manual_seed(fit.seed)
    model = EmotionCNN(cfg)
    return fit_classifier(model, (x[tr], y[tr]), (x[va], y[va]), fit, device, augment, on_epoch, world)
