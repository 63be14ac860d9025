"""DVC stage: the audio CNN trained on the real audio of S3's actors (1x), S3 and S1 (2x) and every
actor outside S4, tested on S4: does more real audio help (headroom for generated audio)?"""
from pathlib import Path

import pandas as pd

from avemo.atomic import atomic_path
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.evaluation.learning_curve import curve_metrics, learning_curve
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start, write_results
from avemo.tracking import log_results, mlflow_run
from avemo.training.classifier import FitConfig

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table"}
OUTPUTS = {"results": "folder: results.json (S4 accuracy per training size with 95% intervals over S4 actors), "
                      "curve.csv, clips.csv (per-clip correctness)",
           "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, TrainParams)
    classes, c, t = p["data"].classes, p["classifier"], p["train"]
    device, env = start(t.seed, t.device, args.environment)
    cfg = build(ClassifierConfig, c, in_channels=1, n_classes=len(classes), width=c.audio_width)
    part4 = load_set(args.processed, args.splits, "S4", classes, "spectrograms")[2]
    with mlflow_run("learning_curve", "audio", {**vars(c), "seed": t.seed}, environment=env) as mlflow:
        curve = learning_curve(args.processed, args.splits, classes, cfg, build(FitConfig, c, t), c.val_fraction, device)
        actors = part4["actor"].to_numpy()
        metrics, rows = curve_metrics(curve, actors, t.seed)
        results = Path(args.results)
        with atomic_path(results / "curve.csv") as tmp:
            pd.DataFrame(rows).to_csv(tmp, index=False)
        with atomic_path(results / "clips.csv") as tmp:
            pd.DataFrame({"clip": part4["clip"], "actor": actors, **{k: v["correct"] for k, v in curve.items()}}).to_csv(
                tmp, index=False)
        write_results(args, "learning_curve", metrics)
        log_results(mlflow, metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
