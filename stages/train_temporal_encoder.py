"""DVC stage: tc-wGAN's temporal face encoder (3dcnn | lstm | transformer) trained on facial emotion
recognition over S1's 10-frame windows; writes every clip's window embeddings (the GAN's
``gan.input: temporal`` source) and its S4 accuracy (window probabilities averaged per clip).

    python stages/train_temporal_encoder.py PARAMS PROCESSED SPLITS MODEL EMBEDDINGS METRICS
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from avemo.atomic import atomic_path, write_json
from avemo.config import load_params
from avemo.data.arrays import stratified_holdout
from avemo.data.pairs import set_rows
from avemo.models.temporal import TemporalConfig
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.tracking import mlflow_run
from avemo.training.classifier import FitConfig, save_checkpoint
from avemo.training.temporal import embed_clips, fit_temporal_encoder, window_dataset


def main(params_path, processed, splits, model_path, embeddings_path, metrics_path) -> None:
    p = load_params(params_path, "data", "face", "temporal", "train")
    classes, face, t, tr = p["data"].classes, p["face"], p["temporal"], p["train"]
    seed_everything(tr.seed)
    device = resolve_device(tr.device)
    frames = np.load(Path(processed) / "face_frames.npy", mmap_mode="r")
    clips, split_table = pd.read_csv(Path(processed) / "clips.csv"), pd.read_csv(splits)
    rows, labels, _ = set_rows(clips, split_table, ("S1",), classes)
    # hold out whole clips (not windows) for early stopping: a clip's windows overlap
    fit_idx, val_idx = (np.sort(i) for i in stratified_holdout(torch.from_numpy(labels), 0.15, tr.seed))
    train = window_dataset(frames[rows[fit_idx]], labels[fit_idx], face.window, face.window_stride)
    val = window_dataset(frames[rows[val_idx]], labels[val_idx], face.window, face.window_stride)
    cfg = TemporalConfig(t.encoder, len(classes), face.window, t.embedding_dim, t.frame_features, t.hidden, t.heads)
    fit = FitConfig(t.epochs, t.batch_size, t.lr, 1e-4, t.epochs, tr.seed)  # keep the best epoch, no early stop
    with mlflow_run("temporal_encoder", t.encoder, {**vars(t), "seed": tr.seed}) as mlflow:
        model, history = fit_temporal_encoder(train, val, cfg, fit, device, lambda e, r: mlflow.log_metrics(r, step=e))
        embeddings, proba = embed_clips(model, frames, face.window, face.window_stride, device)
        rows4, labels4, _ = set_rows(clips, split_table, ("S4",), classes)
        accuracy = float((proba[rows4].argmax(1) == labels4).mean())
        mlflow.log_metric("s4_accuracy", accuracy)
    save_checkpoint(model_path, model.cpu(), cfg, len(history))
    with atomic_path(embeddings_path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, embeddings.astype(np.float32))
    write_json(metrics_path, {"accuracy": round(accuracy, 4), "encoder": t.encoder, "epochs_run": len(history),
                              "train_windows": len(train[1]), "embedding_dim": int(embeddings.shape[2]),
                              **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
