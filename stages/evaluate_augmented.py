"""DVC stage: does augmentation help? The target-modality classifier trained on real S3 + generated
samples vs the fair real-only baseline with the same sample count (SpecAugment copies), both tested
on real S4, over ``eval.folds`` folds (mean and std: the papers' error bars).

    python stages/evaluate_augmented.py PARAMS PROCESSED SPLITS GENERATED METRICS PLOT_DIR
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from avemo.atomic import write_json
from avemo.config import load_params
from avemo.data.arrays import load_set
from avemo.evaluation.augmented import compare_augmentation
from avemo.evaluation.augmented_plots import save_fold_bars
from avemo.evaluation.reports import classification_metrics, save_confusion
from avemo.models.classifier import ClassifierConfig
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.training.classifier import FitConfig


def main(params_path, processed, splits, generated, metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "classifier", "eval", "train")
    classes, c, train = p["data"].classes, p["classifier"], p["train"]
    seed_everything(train.seed)
    device = resolve_device(train.device)
    g = np.load(generated)
    kind = "spectrograms" if str(g["direction"]) == "face2audio" else "faces"
    x3, y3, part3 = load_set(processed, splits, "S3", classes, kind)
    x4, y4, _ = load_set(processed, splits, "S4", classes, kind)
    position = pd.Series(np.arange(len(part3)), index=part3["index"].to_numpy())
    gen_groups = position.loc[g["rows"]].to_numpy()  # each generated sample's real S3 source
    width = c.audio_width if kind == "spectrograms" else c.width
    cfg = ClassifierConfig(x3.shape[1], len(classes), c.depth, width, c.feature_dim, c.dropout)
    fit = FitConfig(c.epochs, c.batch_size, c.lr, c.weight_decay, c.patience, train.seed)
    folds = compare_augmentation(x3, y3, torch.from_numpy(g["generated"]), torch.from_numpy(g["klass"]).long(),
                                 gen_groups, x4, cfg, fit, p["eval"].folds, c.val_fraction, device)
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
        save_confusion(truth, pred, classes, f"{k} on S4 (all folds)", Path(plot_dir) / f"confusion_{k}.png")
    save_fold_bars(acc, Path(plot_dir))
    write_json(metrics_path, {**metrics, "generated": int(len(g["generated"])), "real": int(len(y3)),
                              "condition": str(g["condition"]), **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
