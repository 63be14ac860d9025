"""DVC stage: does augmentation help? The target-modality classifier trained on real S3 + generated
samples vs the fair real-only baseline with the same sample count (SpecAugment copies), both tested
on real S4, over ``eval.folds`` folds (mean and std: the papers' error bars)."""
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from avemo.atomic import write_json
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.eval import EvalParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.data.pairs import DIRECTIONS
from avemo.evaluation.augmented import compare_augmentation
from avemo.evaluation.augmented_plots import save_fold_bars
from avemo.evaluation.reports import classification_metrics, save_confusion
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start
from avemo.training.classifier import FitConfig

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table", "generated": "generate's samples (NPZ)"}
OUTPUTS = {"metrics": "baseline vs augmented accuracy over folds (JSON)",
           "plots": "figure folder (fold table and bars, confusion matrices)",
           "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, EvalParams, TrainParams)
    classes, c, train = p["data"].classes, p["classifier"], p["train"]
    device, _ = start(train.seed, train.device, args.environment)
    g = np.load(args.generated)
    kind = DIRECTIONS[str(g["direction"])].target
    x3, y3, part3 = load_set(args.processed, args.splits, "S3", classes, kind)
    x4, y4, _ = load_set(args.processed, args.splits, "S4", classes, kind)
    position = pd.Series(np.arange(len(part3)), index=part3["index"].to_numpy())
    gen_groups = position.loc[g["rows"]].to_numpy()  # each generated sample's real S3 source
    width = {"spectrograms": c.audio_width, "faces": c.width}[kind]
    cfg = build(ClassifierConfig, c, in_channels=x3.shape[1], n_classes=len(classes), width=width)
    folds = compare_augmentation(x3, y3, torch.from_numpy(g["generated"]), torch.from_numpy(g["klass"]).long(),
                                 gen_groups, x4, kind, cfg, build(FitConfig, c, train), p["eval"].folds,
                                 c.val_fraction, device)
    acc = {k: np.array([float((f[k] == y4.numpy()).mean()) for f in folds]) for k in ("baseline", "augmented")}
    metrics = {"baseline_accuracy": acc["baseline"].mean(), "augmented_accuracy": acc["augmented"].mean(),
               "delta": (acc["augmented"] - acc["baseline"]).mean(), "baseline_std": acc["baseline"].std(),
               "augmented_std": acc["augmented"].std(), "folds": len(folds),
               "folds_augmented_better": int((acc["augmented"] > acc["baseline"]).sum())}
    metrics = {k: round(float(v), 4) if isinstance(v, float | np.floating) else v for k, v in metrics.items()}
    for k in ("baseline", "augmented"):
        pred = np.concatenate([f[k] for f in folds])
        truth = np.tile(y4.numpy(), len(folds))
        metrics.update(classification_metrics(truth, pred, classes, prefix=f"{k}_")
                       | {f"{k}_accuracy": metrics[f"{k}_accuracy"]})
        save_confusion(truth, pred, classes, f"{k} on S4 (all folds)", Path(args.plots) / f"confusion_{k}.png")
    save_fold_bars(acc, Path(args.plots))
    write_json(args.metrics, {**metrics, "generated": int(len(g["generated"])), "real": int(len(y3)),
                              "condition": str(g["condition"])})


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
