"""DVC stage: the reference arms of the augmented evaluation, computed from the generation plan alone:
the fair baseline (real S3 + as many SpecAugment copies as there are generated samples) and the
oracle (real S3 + as many real clips of actors outside S3 and S4, or the pool faces' own audio), each
trained ``eval.seeds`` times and tested on real S4. Every GAN variant of a fold that generates from
the same faces has the same plan, so DVC's run cache restores this stage instead of training again."""
import json
from pathlib import Path

import numpy as np

from avemo.atomic import atomic_path
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.eval import EvalParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.evaluation.augmented import REFERENCE_ARMS, arm_sources, compare_arms
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start, write_results
from avemo.training.classifier import FitConfig
from avemo.variants import GAN_DIRECTIONS

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "plan": "generate's plan: direction, set and row of each sample's face (JSON)"}
OUTPUTS = {"results": "folder: predictions.npz (S4 predictions per arm and seed), results.json (accuracy per arm)",
           "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, EvalParams, TrainParams)
    classes, c, train = p["data"].classes, p["classifier"], p["train"]
    device, _ = start(train.seed, train.device, args.environment)
    plan = json.loads(Path(args.plan).read_text())
    kind = GAN_DIRECTIONS[plan["direction"]].target
    src = arm_sources(args.processed, args.splits, plan, classes, kind)
    x4, y4, _ = load_set(args.processed, args.splits, "S4", classes, kind)
    width = {"spectrograms": c.audio_width, "faces": c.width}[kind]
    cfg = build(ClassifierConfig, c, in_channels=src.real_x.shape[1], n_classes=len(classes), width=width)
    preds = compare_arms(src, x4, kind, cfg, build(FitConfig, c, train), p["eval"].seeds, c.val_fraction, device,
                         REFERENCE_ARMS)
    with atomic_path(Path(args.results) / "predictions.npz") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **preds)
    truth = y4.numpy()
    write_results(args, "evaluate_references", {
        "seeds": p["eval"].seeds, "samples": len(plan["rows"]),
        **{f"{arm}_accuracy": round(float((pred == truth).mean()), 4) for arm, pred in preds.items()}})


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
