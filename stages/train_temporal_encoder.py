"""DVC stage: tc-wGAN's temporal face encoder (3dcnn | lstm | transformer) trained on facial emotion
recognition over S1's 10-frame windows; writes every clip's window embeddings (the GAN's
``gan.input: temporal`` source) and its S4 accuracy (window probabilities averaged per clip)."""
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from avemo.atomic import atomic_path
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.face import FaceParams
from avemo.config.temporal import TemporalParams
from avemo.config.train import TrainParams
from avemo.data.arrays import stratified_holdout
from avemo.data.pairs import set_rows
from avemo.models.checkpoints import save_checkpoint
from avemo.models.temporal import TemporalConfig
from avemo.stage import run, start, write_results
from avemo.tracking import epoch_logger, log_results, mlflow_run
from avemo.training.classifier import FitConfig
from avemo.training.temporal import embed_clips, fit_temporal_encoder, window_dataset

INPUTS = {"processed": "preprocessed arrays (face_frames.npy is read)", "splits": "clip -> set table"}
OUTPUTS = {"model": "temporal encoder checkpoint", "embeddings": "(clips, windows, dim) embeddings (NPY)",
           "results": "folder: results.json (S4 accuracy, epochs, windows)",
           "metrics": "headline: the encoder's S4 accuracy (JSON)", "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, FaceParams, TemporalParams, TrainParams)
    classes, face, t, tr = p["data"].classes, p["face"], p["temporal"], p["train"]
    device, env = start(tr.seed, tr.device, args.environment)
    frames = np.load(Path(args.processed) / "face_frames.npy", mmap_mode="r")
    clips, split_table = pd.read_csv(Path(args.processed) / "clips.csv"), pd.read_csv(args.splits)
    rows, labels, _ = set_rows(clips, split_table, ("S1",), classes)
    # hold out whole clips (not windows) for early stopping: a clip's windows overlap
    fit_idx, val_idx = (np.sort(i) for i in stratified_holdout(torch.from_numpy(labels), t.val_fraction, tr.seed))
    train = window_dataset(frames[rows[fit_idx]], labels[fit_idx], face.window, face.window_stride)
    val = window_dataset(frames[rows[val_idx]], labels[val_idx], face.window, face.window_stride)
    cfg = build(TemporalConfig, t, n_classes=len(classes), frames=face.window)
    fit = build(FitConfig, t, tr, patience=t.epochs, precision="fp32")  # keep the best epoch, no early stop
    with mlflow_run("temporal_encoder", "train_temporal_encoder", {**vars(t), "seed": tr.seed}, environment=env) as mlflow:
        model, history = fit_temporal_encoder(train, val, cfg, fit, device, epoch_logger(mlflow))
        embeddings, proba = embed_clips(model, frames, face.window, face.window_stride, device)
        rows4, labels4, _ = set_rows(clips, split_table, ("S4",), classes)
        accuracy = float((proba[rows4].argmax(1) == labels4).mean())
        save_checkpoint(args.model, model.cpu(), cfg, len(history))
        with atomic_path(args.embeddings) as tmp, open(tmp, "wb") as fh:
            np.save(fh, embeddings.astype(np.float32))
        metrics = {"accuracy": round(accuracy, 4), "encoder": t.encoder, "epochs_run": len(history),
                   "train_windows": len(train[1]), "embedding_dim": int(embeddings.shape[2])}
        write_results(args, "train_temporal_encoder", metrics)
        log_results(mlflow, metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
