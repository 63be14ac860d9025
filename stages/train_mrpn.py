"""DVC stage: MRPN audio-video fusion on rotating actor-disjoint folds: audio-only, video-only, N0
late fusion, N0 end-to-end, N1 and N2 (MRPN), each trained from scratch on the same folds.

    python stages/train_mrpn.py PARAMS PROCESSED METRICS PLOT_DIR
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from avemo.atomic import write_json
from avemo.config import load_params
from avemo.data.sequences import SequenceSpec
from avemo.data.splits import actor_folds
from avemo.evaluation.mrpn_report import fold_summary, save_fold_table, save_fused_pca
from avemo.evaluation.reports import save_confusion
from avemo.models.mrpn import MrpnConfig
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.tracking import mlflow_run
from avemo.training.mrpn import ClipArrays, MrpnFit, run_fold


def main(params_path, processed, metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "mrpn", "train")
    classes, m, train = p["data"].classes, p["mrpn"], p["train"]
    seed_everything(train.seed)
    device = resolve_device(train.device)
    clips = pd.read_csv(Path(processed) / "clips.csv")
    labels = np.array([classes.index(e) for e in clips["emotion"]])
    data = ClipArrays(np.load(Path(processed) / "face_frames.npy"), np.load(Path(processed) / "stft.npy"), labels)
    cfg = MrpnConfig(len(classes), m.backbone, m.aggregator, m.feature_dim)
    fit = MrpnFit(m.epochs, m.batch_size, m.lr, m.weight_decay, m.patience, train.seed, m.time_augment)
    spec = SequenceSpec(m.frames, m.segments, m.segment_frames, m.segment_hop, face_size=m.face_size)
    folds, preds, truth = [], {v: [] for v in m.variants}, []
    with mlflow_run("mrpn", f"{m.backbone}-{m.aggregator}", {**vars(m), "seed": train.seed}) as mlflow:
        for k, (tr, va, te) in enumerate(actor_folds(clips, m.folds, train.seed)):
            proba, fused = run_fold(data.take(tr), data.take(va), data.take(te), cfg, fit, spec, m.variants, device)
            row = {v: float((proba[v].argmax(1) == labels[te]).mean()) for v in m.variants}
            mlflow.log_metrics({f"fold{k}_{v}": a for v, a in row.items()})
            folds.append({"fold": k, **row})
            for v in m.variants:
                preds[v].append(proba[v].argmax(1))
            truth.append(labels[te])
        metrics = fold_summary(folds, m.variants)
        mlflow.log_metrics({k: v for k, v in metrics.items() if isinstance(v, float)})
    plots = Path(plot_dir)
    save_fold_table(folds, plots / "folds.csv")
    for v in m.variants:
        save_confusion(np.concatenate(truth), np.concatenate(preds[v]), classes, f"{v} (all folds)",
                       plots / f"confusion_{v}.png")
    if fused is not None:
        save_fused_pca(fused, labels[te], classes, plots / "fused_pca.png")
    write_json(metrics_path, {**metrics, "folds": m.folds, "clips": int(len(labels)), **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
