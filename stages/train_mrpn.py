"""DVC stage: MRPN audio-video fusion on rotating actor-disjoint folds: every variant in
``mrpn.variants`` (audio-only, video-only, N0 late fusion, N0 end-to-end, N1, N2), each trained from
scratch on the same folds."""
from pathlib import Path

import numpy as np
import pandas as pd

from avemo.atomic import atomic_path
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.mrpn import MrpnParams
from avemo.config.train import TrainParams
from avemo.data.sequences import SequenceSpec
from avemo.data.splits import actor_folds
from avemo.evaluation.mrpn_report import mrpn_metrics, save_fold_table, save_fused_pca, save_robustness
from avemo.evaluation.reports import save_confusion
from avemo.models.mrpn import MrpnConfig
from avemo.stage import run, start_parallel, write_results
from avemo.tracking import log_results, mlflow_run
from avemo.training.mrpn import ClipArrays, MrpnFit, cross_validate

INPUTS = {"processed": "preprocessed arrays (face_frames.npy, stft.npy, clips.csv)"}
OUTPUTS = {"results": "folder: results.json (accuracy per variant over folds, inferior folds, paired comparisons, "
                      "robustness), folds.csv, robustness.csv, clips.csv",
           "metrics": "headline: N2's accuracy and its difference to the best unimodal model (JSON)",
           "plots": "figure folder (confusion/<variant>.png, robustness.png, PCA of fused features)",
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
    with mlflow_run("mrpn", "train_mrpn", {**vars(m), "seed": train.seed}, environment=env,
                    enabled=world.main) as mlflow:
        folds = list(actor_folds(clips, m.folds, train.seed))  # the same folds for every training seed
        studies = []
        for k in range(m.seeds):
            log_fold = lambda row: mlflow.log_metrics({f"seed{k}_fold{row['fold']}_{v}": row[v] for v in m.variants})  # noqa: E731
            fit = build(MrpnFit, m, train, precision="fp32", seed=train.seed + k)
            studies.append(cross_validate(data, folds, cfg, fit, build(SequenceSpec, m), m.variants, m.corruptions,
                                          device, world, log_fold))
        if not world.main:  # rank 0 writes the outputs
            return
        study = studies[-1]
        truth, actors = labels[study.order], clips["actor"].to_numpy()[study.order]
        metrics, correct, corrupted = mrpn_metrics(studies, truth, actors, m.variants, train.seed)
        plots, results = Path(args.plots), Path(args.results)
        save_fold_table([{**row, "seed": k} for k, s in enumerate(studies) for row in s.folds], plots / "folds.csv")
        save_robustness(correct, corrupted, results, plots)
        for v in m.variants:
            save_confusion(np.tile(truth, len(studies)), np.concatenate([s.predicted[v] for s in studies]), classes,
                           f"{v} (all folds and seeds)", plots / "confusion" / f"{v}.png")
        with atomic_path(results / "clips.csv") as tmp:
            pd.DataFrame({"clip": clips["clip"].to_numpy()[study.order], "actor": actors, "label": truth,
                          **correct}).to_csv(tmp, index=False)
        if study.fused is not None:
            save_fused_pca(study.fused, study.fused_labels, classes, plots / "fused_pca.png")
        write_results(args, "train_mrpn", metrics)
        log_results(mlflow, metrics, plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
