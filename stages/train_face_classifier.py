"""DVC stage: face classifier f_S on S1 faces, tested on S4; from scratch, or pre-trained on the
identity of every actor outside S4 and fine-tuned on emotion (``classifier.init``, thesis 4.3)."""
from pathlib import Path

import numpy as np
import torch

from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.data.augment import AUGMENTATIONS
from avemo.errors import UserError
from avemo.evaluation.classifier_run import fit_and_test, score_classifier
from avemo.evaluation.reports import save_confusion
from avemo.models.checkpoints import save_checkpoint
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start_parallel, write_results
from avemo.tracking import epoch_logger, log_results, mlflow_run
from avemo.training.classifier import FitConfig
from avemo.training.transfer import INITS, fine_tune, identity_sets

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table"}
OUTPUTS = {"model": "f_S checkpoint", "results": "folder: results.json (S4 accuracy, balanced accuracy, recall per class)",
           "metrics": "headline: f_S's S4 accuracy (JSON)",
           "plots": "figure folder (confusion matrix)", "environment": "package versions, machine, device (JSON)"}

SETS = ("S1", "S2", "S3", "POOL", "S4")


def identity_faces(processed: str, splits: str, classes: tuple):
    """Faces (N, 3, S, S) and actors of every set but S4, for the identity source task."""
    sets = {name: load_set(processed, splits, name, classes, "faces") for name in SETS}
    names = identity_sets({name: part["actor"].to_numpy() for name, (_, _, part) in sets.items()}, "S4")
    return (torch.cat([sets[n][0] for n in names]),
            np.concatenate([sets[n][2]["actor"].to_numpy() for n in names]))


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, TrainParams)
    classes, c, t = p["data"].classes, p["classifier"], p["train"]
    started = start_parallel(t.seed, t.device, t.processes, args.environment)
    if started is None:  # ran as train.processes workers under torchrun
        return
    device, env, world = started
    train = load_set(args.processed, args.splits, "S1", classes, "faces")[:2]
    test = load_set(args.processed, args.splits, "S4", classes, "faces")[:2]
    cfg, fit = build(ClassifierConfig, c, in_channels=3, n_classes=len(classes)), build(FitConfig, c, t)
    augment = AUGMENTATIONS["faces"] if c.augment else None
    with mlflow_run("face_classifier", "train_face_classifier", {**vars(c), "seed": t.seed}, environment=env,
                    enabled=world.main) as mlflow:
        if c.init == "scratch":
            model, history, pred, metrics = fit_and_test(train, test, cfg, fit, c.val_fraction, classes, device,
                                                         augment, epoch_logger(mlflow), world)
        else:
            if world.size > 1:
                raise UserError("classifier.init = identity trains in one process: set train.processes: 1")
            source_x, source_actors = identity_faces(args.processed, args.splits, classes)
            source = INITS[c.init](source_x, source_actors, cfg, fit, c.val_fraction, device)
            model, history = fine_tune(source, *train, len(classes), c.finetune, fit, c.val_fraction, device,
                                       augment, epoch_logger(mlflow))
            pred, metrics = score_classifier(model, test, classes, device)
            metrics["identity_actors"] = int(len(np.unique(source_actors)))
        if not world.main:
            return
        save_checkpoint(args.model, model.cpu(), cfg, len(history))
        save_confusion(test[1].numpy(), pred, classes, "face classifier f_S on S4", Path(args.plots) / "confusion.png")
        metrics.update(epochs_run=len(history), train_clips=len(train[1]), test_clips=len(test[1]))
        write_results(args, "train_face_classifier", metrics)
        log_results(mlflow, metrics, args.plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
