"""DVC stage: does augmentation help? The target-modality classifier trained on real S3 + generated
samples, and the shuffled-label control, against the fair baseline (real S3 + as many SpecAugment
copies) and the oracle (real S3 + as many real clips of actors outside S3 and S4), which
``evaluate_references`` trained; all tested on real S4 over ``eval.seeds`` seeds; paired differences
with 95% cluster-bootstrap intervals over S4 actors."""
from pathlib import Path

import numpy as np
import pandas as pd

from avemo.atomic import atomic_path
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.eval import EvalParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.evaluation.augmented import POOL_ARMS, SAMPLE_ARMS, arm_sources, compare_arms, merge_arms, score_arms
from avemo.evaluation.augmented_plots import save_seed_bars
from avemo.errors import UserError
from avemo.evaluation.reports import save_confusion
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start, write_results
from avemo.tracking import log_results, mlflow_run
from avemo.training.classifier import FitConfig
from avemo.variants import GAN_DIRECTIONS

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table", "generated": "generate's samples (NPZ)",
          "references": "evaluate_references' folder (predictions.npz of the fair baseline and the oracle)"}
OUTPUTS = {"results": "folder: results.json (accuracy per arm, paired deltas with 95% intervals and p-values), "
                      "arms.csv (accuracy per arm and seed), clips.csv (per-clip share of seeds right)",
           "metrics": "headline: the augmented-vs-baseline delta with its interval, both accuracies (JSON)",
           "plots": "figure folder (seed bars, confusion matrices)",
           "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, EvalParams, TrainParams)
    classes, c, train = p["data"].classes, p["classifier"], p["train"]
    device, env = start(train.seed, train.device, args.environment)
    generated = dict(np.load(args.generated))
    condition, kind = str(generated["condition"]), GAN_DIRECTIONS[str(generated["direction"])].target
    src = arm_sources(args.processed, args.splits, generated, classes, kind)
    x4, y4, part4 = load_set(args.processed, args.splits, "S4", classes, kind)
    width = {"spectrograms": c.audio_width, "faces": c.width}[kind]
    cfg = build(ClassifierConfig, c, in_channels=src.real_x.shape[1], n_classes=len(classes), width=width)
    with mlflow_run("augmented", "evaluate_augmented", {"condition": condition, "seeds": p["eval"].seeds},
                    environment=env) as mlflow:
        references = dict(np.load(Path(args.references) / "predictions.npz"))
        if any(pred.shape != (p["eval"].seeds, len(y4)) for pred in references.values()):
            raise UserError(f"{args.references} holds predictions of another design than eval.seeds = "
                            f"{p['eval'].seeds} on {len(y4)} S4 clips: re-run evaluate_references")
        preds = merge_arms(references, compare_arms(src, x4, kind, cfg, build(FitConfig, c, train), p["eval"].seeds,
                                                    c.val_fraction, device, SAMPLE_ARMS + POOL_ARMS))
        truth, actors = y4.numpy(), part4["actor"].to_numpy()
        scored = score_arms(preds, truth, actors, src, classes, condition, train.seed)
        plots = Path(args.plots)
        for arm in ("baseline", "augmented"):
            save_confusion(np.tile(truth, len(preds[arm])), preds[arm].ravel(), classes, f"{arm} on S4 (all seeds)",
                           plots / f"confusion_{arm}.png")
        save_seed_bars(scored.per_seed, plots)
        with atomic_path(Path(args.results) / "clips.csv") as tmp:
            pd.DataFrame({"clip": part4["clip"], "actor": actors, "label": truth,
                          **scored.per_clip}).to_csv(tmp, index=False, float_format="%.4f")
        write_results(args, "evaluate_augmented", scored.metrics)
        log_results(mlflow, scored.metrics, plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
