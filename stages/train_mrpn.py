"""DVC stage: MRPN audio-video fusion on rotating actor-disjoint folds: every variant in
``mrpn.variants`` (audio-only, video-only, N0 late fusion, N0 end-to-end, N1, N2), each trained from
scratch on the same folds."""
from pathlib import Path

import numpy as np
import pandas as pd

from avemo.atomic import atomic_path, write_json
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.mrpn import MrpnParams
from avemo.config.train import TrainParams
from avemo.data.sequences import SequenceSpec
from avemo.data.splits import actor_folds
from avemo.evaluation.mrpn_report import (fold_summary, fusion_comparisons, robustness, save_fold_table,
                                         save_fused_pca, save_robustness)
from avemo.evaluation.reports import save_confusion
from avemo.models.mrpn import MrpnConfig
from avemo.stage import run, start_parallel
from avemo.tracking import log_results, mlflow_run
from avemo.training.mrpn import ClipArrays, MrpnFit, run_fold

INPUTS = {"processed": "preprocessed arrays (face_frames.npy, stft.npy, clips.csv)"}
OUTPUTS = {"metrics": "accuracy per variant over folds, inferior folds (JSON)",
           "plots": "figure folder (fold table, confusion/<variant>.png, PCA of fused features)",
           "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, MrpnParams, TrainParams)
    classes, m, train = p["data"].classes, p["mrpn"], p["train"]
    started = start_parallel(train.seed, train.device, train.processes, args.environment)
    if started is None:  # ran as train.processes workers under torchrun
        return
    device, env, world = started
    processed = Path(args.processed)
    clips = pd.read_csv(processed / "clips.csv")
    labels = np.array([classes.index(e) for e in clips["emotion"]])
    data = ClipArrays(np.load(processed / "face_frames.npy"), np.load(processed / "stft.npy"), labels)
    cfg = build(MrpnConfig, m, n_classes=len(classes), max_steps=max(m.frames, m.segments))
    fit = build(MrpnFit, m, train)
    spec = build(SequenceSpec, m)
    folds, preds, truth, tested = [], {v: [] for v in m.variants}, [], []
    corrupted_preds = {v: {c: [] for c in m.corruptions} for v in m.variants}
    with mlflow_run("mrpn", f"{m.backbone}-{m.aggregator}", {**vars(m), "seed": train.seed}, environment=env,
                    enabled=world.main) as mlflow:
        for k, (tr, va, te) in enumerate(actor_folds(clips, m.folds, train.seed)):
            proba, fused, robust = run_fold(data.take(tr), data.take(va), data.take(te), cfg, fit, spec, m.variants,
                                            device, world, m.corruptions)
            row = {v: float((proba[v].argmax(1) == labels[te]).mean()) for v in m.variants}
            mlflow.log_metrics({f"fold{k}_{v}": a for v, a in row.items()})
            folds.append({"fold": k, **row})
            for v in m.variants:
                preds[v].append(proba[v].argmax(1))
                for c in m.corruptions:
                    corrupted_preds[v][c].append(robust[v][c].argmax(1))
            truth.append(labels[te])
            tested.append(te)
        truth, order = np.concatenate(truth), np.concatenate(tested)  # every clip is tested once
        correct = {v: (np.concatenate(preds[v]) == truth).astype(float) for v in m.variants}
        corrupted = {v: {c: (np.concatenate(p) == truth).astype(float) for c, p in by_c.items()}
                     for v, by_c in corrupted_preds.items()}
        actors = clips["actor"].to_numpy()[order]
        if not world.main:  # rank 0 writes the outputs
            return
        metrics = {**fold_summary(folds, m.variants), **fusion_comparisons(correct, actors, train.seed),
                   **robustness(correct, corrupted, actors, train.seed), "folds": m.folds, "clips": int(len(labels))}
        plots = Path(args.plots)
        save_fold_table(folds, plots / "folds.csv")
        save_robustness(correct, corrupted, plots)
        for v in m.variants:
            save_confusion(truth, np.concatenate(preds[v]), classes, f"{v} (all folds)",
                           plots / "confusion" / f"{v}.png")
        with atomic_path(plots / "clips.csv") as tmp:
            pd.DataFrame({"clip": clips["clip"].to_numpy()[order], "actor": actors, "label": truth,
                          **correct}).to_csv(tmp, index=False)
        if fused is not None:
            save_fused_pca(fused, labels[te], classes, plots / "fused_pca.png")
        write_json(args.metrics, metrics)
        log_results(mlflow, metrics, plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
