"""MRPN training: plain loops over clip batches, AdamW, learning rate halved when the validation
loss stalls (thesis: patience 10), best-validation weights kept; one function per fold that trains
every requested variant (``avemo.variants.MRPN_VARIANTS``) on the same actor-disjoint split, and the
loop over MRPN's rotating folds that tests every clip once."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F

from ..data.corruptions import corrupt, drop_modality
from ..data.sequences import SequenceSpec, clip_image_augment, draw_slices, gather
from ..models.mrpn import VARIANT_BUILDERS, FusionNet, MrpnConfig
from ..variants import MRPN_VARIANTS
from .classifier import FitConfig
from .distributed import SINGLE, World, synchronize_batch_norm

# the arguments of a model's forward, by the streams it takes (MrpnKind.streams)
STREAM_INPUTS = {"video": lambda v, a: (v,), "audio": lambda v, a: (a,), "both": lambda v, a: (v, a)}


@dataclass(frozen=True)
class MrpnFit(FitConfig):
    """A classifier's fit (``patience``: epochs of stalled validation loss before the lr halves) and
    MRPN's augmentations. MRPN's loop trains in fp32 whatever ``precision`` says (train_mrpn passes fp32)."""
    time_augment: bool  # thesis "VA": random start and pace of the frame/segment slices
    image_augment: bool  # thesis "IA": per-clip flip, brightness and contrast of the face frames
    modality_dropout: float  # fusion variants: share of training clips that lose one stream


@dataclass
class ClipArrays:
    """Per-clip arrays of one set: face frames (N, F, S, S, 3) uint8, STFT (N, M, A), labels (N,)."""

    face_frames: np.ndarray
    stft: np.ndarray
    labels: np.ndarray

    def take(self, idx: np.ndarray) -> "ClipArrays":
        return ClipArrays(self.face_frames[idx], self.stft[idx], self.labels[idx])


def multi_term_loss(outputs: dict[str, torch.Tensor], y: torch.Tensor) -> torch.Tensor:
    """L = L_va (+ L_v + L_a for N1/N2): the sum of the heads' cross-entropies."""
    return sum(F.cross_entropy(logits, y) for logits in outputs.values())


def forward(model, kind: str, video: torch.Tensor, audio: torch.Tensor):
    """Logits (eval) or {head: logits} (training) for variant ``kind``."""
    out = model(*STREAM_INPUTS[MRPN_VARIANTS[kind].streams](video, audio))
    return {"fusion": out} if (model.training and torch.is_tensor(out)) else out


def batches(data: ClipArrays, spec: SequenceSpec, batch_size: int, rng: np.random.Generator | None, shuffle: bool):
    order = rng.permutation(len(data.labels)) if shuffle else np.arange(len(data.labels))
    for start in range(0, len(order), batch_size):
        idx = np.sort(order[start : start + batch_size])
        slices = draw_slices(spec, len(idx), data.face_frames.shape[1], data.stft.shape[2], rng)
        video, audio = gather(data.face_frames[idx], data.stft[idx], slices, spec.segment_frames, spec.face_size)
        yield video, audio, torch.from_numpy(data.labels[idx]).long()


@torch.no_grad()
def predict_proba(model, kind: str, data: ClipArrays, spec: SequenceSpec, device="cpu", batch_size: int = 64,
                  condition: str | None = None):
    """Fusion-branch softmax (N, C) on centred slices, eval mode; with ``condition`` (e.g.
    "audio_missing", ``avemo.variants.TEST_CORRUPTIONS``) one stream corrupted first (fixed noise seed)."""
    model.eval()
    g = torch.Generator().manual_seed(0)
    out = []
    for v, a, _ in batches(data, spec, batch_size, None, shuffle=False):
        if condition is not None:
            v, a = corrupt(condition, v, a, g)
        out.append(torch.softmax(forward(model, kind, v.to(device), a.to(device)), 1).cpu())
    return torch.cat(out).numpy()


def fit_variant(model, kind: str, train: ClipArrays, val: ClipArrays, spec: SequenceSpec, fit: MrpnFit, device="cpu",
                world: World = SINGLE):
    """Train one model; returns it with its best-validation-loss weights, and the history. With
    several ranks (``world``): DistributedDataParallel, each rank taking its share of every batch."""
    torch.manual_seed(fit.seed)
    rng = np.random.default_rng(fit.seed)
    model = synchronize_batch_norm(model, world, str(device)).to(device)
    net = torch.nn.parallel.DistributedDataParallel(model) if world.size > 1 else model
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=fit.lr, weight_decay=fit.weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=fit.patience)
    best, best_loss, history = None, float("inf"), []
    dropout_draws = torch.Generator().manual_seed(fit.seed + 1)
    image_draws = torch.Generator().manual_seed(fit.seed + 2)
    drops = fit.modality_dropout > 0 and MRPN_VARIANTS[kind].fusion
    sees_faces = fit.image_augment and MRPN_VARIANTS[kind].streams != "audio"
    for epoch in range(fit.epochs):
        model.train()
        total = 0.0
        for v, a, y in batches(train, spec, fit.batch_size, rng if fit.time_augment else None, shuffle=True):
            if len(y) < 2:  # batch norm needs two samples
                continue
            if sees_faces:  # drawn for the global batch, before each rank takes its share
                v = clip_image_augment(v, image_draws)
            if drops:
                v, a = drop_modality(v, a, fit.modality_dropout, dropout_draws)
            weight = 1.0
            if world.size > 1:
                share = world.share(torch.arange(len(y)))
                v, a, y, weight = v[share], a[share], y[share], world.weight(len(share), len(y))
            loss = multi_term_loss(forward(net, kind, v.to(device), a.to(device)), y.to(device))
            if world.size > 1:
                loss = loss * weight
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
        proba = predict_proba(model, kind, val, spec, device)
        val_loss = float(F.nll_loss(torch.log(torch.from_numpy(proba) + 1e-9), torch.from_numpy(val.labels)))
        sched.step(val_loss)
        history.append({"epoch": epoch, "train_loss": total / len(train.labels), "val_loss": val_loss,
                        "lr": opt.param_groups[0]["lr"]})
        if val_loss < best_loss and epoch + 1 >= fit.min_epochs:
            best, best_loss = copy.deepcopy(model.state_dict()), val_loss
    model.load_state_dict(best)
    return model, history


def run_fold(train: ClipArrays, val: ClipArrays, test: ClipArrays, cfg: MrpnConfig, fit: MrpnFit,
             spec: SequenceSpec, variants: tuple, device="cpu", world: World = SINGLE,
             conditions: tuple = ()) -> tuple[dict, np.ndarray | None, dict]:
    """Test-set class probabilities per variant, the fused test features of the last fusion model,
    and {variant: {condition: probabilities}} with one stream corrupted at test time (the same
    trained model; ``conditions`` from ``avemo.variants.TEST_CORRUPTIONS``). Variants train in registry
    order; one that another needs trains even when not requested."""
    wanted = set(variants) | {need for v in variants for need in MRPN_VARIANTS[v].needs}
    out, trained, fused, robust = {}, {}, None, {}
    for kind, variant in MRPN_VARIANTS.items():
        if kind not in wanted:
            continue
        model = VARIANT_BUILDERS[kind](cfg, trained)
        trained[kind], _ = fit_variant(model, kind, train, val, spec, fit, device, world)
        if kind in variants:
            out[kind] = predict_proba(trained[kind], kind, test, spec, device)
            robust[kind] = {c: predict_proba(trained[kind], kind, test, spec, device, condition=c) for c in conditions}
            if variant.fusion:
                fused = fused_features(trained[kind], test, spec, device)
    return out, fused, robust


@torch.no_grad()
def fused_features(model: FusionNet, data: ClipArrays, spec: SequenceSpec, device="cpu") -> np.ndarray:
    model.eval()
    return torch.cat([model.fused_features(v.to(device), a.to(device))[2].cpu()
                      for v, a, _ in batches(data, spec, 64, None, shuffle=False)]).numpy()


@dataclass
class FoldStudy:
    """Every variant over MRPN's folds, each clip tested once: ``order`` (N,) clip positions in test
    order; ``predicted`` {variant: (N,) class}; ``corrupted`` {variant: {condition: (N,) class}};
    ``folds`` one row per fold {"fold": k, variant: accuracy}; the last fold's fused test features
    (of the last fusion variant) with their labels."""
    order: np.ndarray
    predicted: dict[str, np.ndarray]
    corrupted: dict[str, dict[str, np.ndarray]]
    folds: list[dict] = field(default_factory=list)
    fused: np.ndarray | None = None
    fused_labels: np.ndarray | None = None


def cross_validate(data: ClipArrays, folds: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], cfg: MrpnConfig,
                   fit: MrpnFit, spec: SequenceSpec, variants: tuple, conditions: tuple = (), device="cpu",
                   world: World = SINGLE, on_fold: Callable[[dict], None] | None = None) -> FoldStudy:
    """``run_fold`` on each (train, val, test) of ``folds`` (clip positions into ``data``);
    ``on_fold`` sees each fold's accuracy row as it finishes (e.g. to log it)."""
    rows, order = [], []
    predicted = {v: [] for v in variants}
    corrupted = {v: {c: [] for c in conditions} for v in variants}
    fused, fused_labels = None, None
    for k, (train, val, test) in enumerate(folds):
        proba, fused, robust = run_fold(data.take(train), data.take(val), data.take(test), cfg, fit, spec, variants,
                                        device, world, conditions)
        labels = data.labels[test]
        row = {"fold": k, **{v: float((proba[v].argmax(1) == labels).mean()) for v in variants}}
        rows.append(row)
        if on_fold is not None:
            on_fold(row)
        for v in variants:
            predicted[v].append(proba[v].argmax(1))
            for c in conditions:
                corrupted[v][c].append(robust[v][c].argmax(1))
        order.append(test)
        fused_labels = labels
    return FoldStudy(np.concatenate(order), {v: np.concatenate(p) for v, p in predicted.items()},
                     {v: {c: np.concatenate(p) for c, p in by_c.items()} for v, by_c in corrupted.items()},
                     rows, fused, fused_labels)
