"""DVC stage: real-only audio baseline on S3 spectrograms, tested on S4, plus tc-wGAN's fair
baseline (same sample count reached with SpecAugment copies). The real-only model is the
feature/probability network for FID and IS.

    python stages/train_audio_classifier.py PARAMS PROCESSED SPLITS MODEL METRICS PLOT_DIR
"""
import sys
from pathlib import Path

import torch

from avemo.atomic import write_json
from avemo.config import load_params
from avemo.data.arrays import load_set
from avemo.evaluation.reports import classification_metrics, save_confusion
from avemo.models.classifier import ClassifierConfig
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.tracking import mlflow_run
from avemo.training.augment import SpecAugment, specaugment_copies
from avemo.training.classifier import FitConfig, predict_proba, save_checkpoint, train_emotion_cnn


def main(params_path, processed, splits, model_path, metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "classifier", "train")
    classes, c, t = p["data"].classes, p["classifier"], p["train"]
    seed_everything(t.seed)
    device = resolve_device(t.device)
    x, y, _ = load_set(processed, splits, "S3", classes, "spectrograms")
    x4, y4, _ = load_set(processed, splits, "S4", classes, "spectrograms")
    cfg = ClassifierConfig(1, len(classes), c.depth, c.audio_width, c.feature_dim, c.dropout)
    fit = FitConfig(c.epochs, c.batch_size, c.lr, c.weight_decay, c.patience, t.seed)
    augment = SpecAugment() if c.augment else None
    with mlflow_run("audio_classifier", "real_only", {**vars(c), "seed": t.seed}) as mlflow:
        model, history = train_emotion_cnn(x, y, cfg, fit, c.val_fraction, device, augment,
                                           lambda e, row: mlflow.log_metrics(row, step=e))
        pred = predict_proba(model, x4, device).argmax(1)
        metrics = classification_metrics(y4.numpy(), pred, classes)
        # Fair baseline: as many samples as real + one generated per S3 clip, made by SpecAugment.
        x_fair = torch.cat([x, specaugment_copies(x, 1, t.seed)])
        y_fair = torch.cat([y, y])
        fair, _ = train_emotion_cnn(x_fair, y_fair, cfg, fit, c.val_fraction, device, augment)
        fair_pred = predict_proba(fair, x4, device).argmax(1)
        metrics["accuracy_specaugment"] = classification_metrics(y4.numpy(), fair_pred, classes)["accuracy"]
        mlflow.log_metrics(metrics)
    save_checkpoint(model_path, model.cpu(), cfg, len(history))
    save_confusion(y4.numpy(), pred, classes, "audio baseline (real only) on S4", Path(plot_dir) / "confusion.png")
    write_json(metrics_path, {**metrics, "epochs_run": len(history), "train_clips": len(y), "test_clips": len(y4),
                              **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
