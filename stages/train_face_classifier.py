"""DVC stage: face classifier f_S on S1 faces, tested on S4.

    python stages/train_face_classifier.py PARAMS PROCESSED SPLITS MODEL METRICS PLOT_DIR
"""
import sys
from pathlib import Path

from avemo.atomic import write_json
from avemo.config import load_params
from avemo.data.arrays import load_set
from avemo.evaluation.reports import classification_metrics, save_confusion
from avemo.models.classifier import ClassifierConfig
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.tracking import mlflow_run
from avemo.training.augment import face_augment
from avemo.training.classifier import FitConfig, predict_proba, save_checkpoint, train_emotion_cnn


def main(params_path, processed, splits, model_path, metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "classifier", "train")
    classes, c, t = p["data"].classes, p["classifier"], p["train"]
    seed_everything(t.seed)
    device = resolve_device(t.device)
    x, y, _ = load_set(processed, splits, "S1", classes, "faces")
    x4, y4, _ = load_set(processed, splits, "S4", classes, "faces")
    cfg = ClassifierConfig(3, len(classes), c.depth, c.width, c.feature_dim, c.dropout)
    fit = FitConfig(c.epochs, c.batch_size, c.lr, c.weight_decay, c.patience, t.seed)
    with mlflow_run("face_classifier", "f_S", {**vars(c), "seed": t.seed}) as mlflow:
        model, history = train_emotion_cnn(x, y, cfg, fit, c.val_fraction, device,
                                           face_augment if c.augment else None,
                                           lambda e, row: mlflow.log_metrics(row, step=e))
        pred = predict_proba(model, x4, device).argmax(1)
        metrics = classification_metrics(y4.numpy(), pred, classes)
        mlflow.log_metrics(metrics)
    save_checkpoint(model_path, model.cpu(), cfg, len(history))
    save_confusion(y4.numpy(), pred, classes, "face classifier f_S on S4", Path(plot_dir) / "confusion.png")
    write_json(metrics_path, {**metrics, "epochs_run": len(history), "train_clips": len(y), "test_clips": len(y4),
                              **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
