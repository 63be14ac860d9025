"""DVC stage: the budget curve. The audio CNN trained on the real audio of more and more actors (the
points of ``eval.curve_actors``, the audio budget's size and every actor outside S4), tested on S4:
where does more real audio help (the headroom generated audio can aim at)?"""
from pathlib import Path

import pandas as pd

from avemo.atomic import atomic_path
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.eval import EvalParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.evaluation.learning_curve import curve_metrics, learning_curve
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start, write_results
from avemo.tracking import log_results, mlflow_run
from avemo.training.classifier import FitConfig

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table"}
OUTPUTS = {"results": "folder: results.json (S4 accuracy per number of actors with 95% intervals over S4 actors), "
                      "clips.csv (per-clip correctness; a column per point, actors_<k>)",
           "plots": "folder: curve.csv (accuracy per number of actors; a DVC plot, kept in git)",
           "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, EvalParams, TrainParams)
    classes, c, t, e = p["data"].classes, p["classifier"], p["train"], p["eval"]
    device, env = start(t.seed, t.device, args.environment)
    cfg = build(ClassifierConfig, c, in_channels=1, n_classes=len(classes), width=c.audio_width)
    part4 = load_set(args.processed, args.splits, "S4", classes, "spectrograms")[2]
    with mlflow_run("learning_curve", "learning_curve", {**vars(c), "seed": t.seed}, environment=env) as mlflow:
        fit = build(FitConfig, c, t, min_epochs=max(c.min_epochs, e.curve_min_epochs))
        curve = learning_curve(args.processed, args.splits, classes, cfg, fit, c.val_fraction, e.curve_actors, device)
        actors = part4["actor"].to_numpy()
        budget = int(pd.read_csv(args.splits).query("set == 'S3'")["actor"].nunique())
        metrics, rows = curve_metrics(curve, actors, budget, t.seed)
        results = Path(args.results)
        with atomic_path(Path(args.plots) / "curve.csv") as tmp:
            pd.DataFrame(rows).to_csv(tmp, index=False)
        with atomic_path(results / "clips.csv") as tmp:
            pd.DataFrame({"clip": part4["clip"], "actor": actors,
                          **{f"actors_{k}": v["correct"] for k, v in curve.items()}}).to_csv(tmp, index=False)
        write_results(args, "learning_curve", metrics)
        log_results(mlflow, metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
