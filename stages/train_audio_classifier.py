"""DVC stage: real-only audio baseline on S3 spectrograms, tested on S4, plus tc-wGAN's fair
baseline (same sample count reached with SpecAugment copies). The real-only model is the
feature/probability network for FID and IS."""
from pathlib import Path

import torch

from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.data.augment import AUGMENTATIONS, specaugment_copies
from avemo.evaluation.classifier_run import fit_and_test
from avemo.evaluation.reports import save_confusion
from avemo.models.checkpoints import save_checkpoint
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start_parallel, write_results
from avemo.tracking import epoch_logger, log_results, mlflow_run
from avemo.training.classifier import FitConfig

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table"}
OUTPUTS = {"model": "real-only audio CNN checkpoint (the FID/IS network)",
           "results": "folder: results.json (S4 accuracy, real only and with SpecAugment copies, recall per class)",
           "metrics": "headline: the real-only audio CNN's S4 accuracy (JSON)",
           "plots": "figure folder (confusion matrix)", "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, TrainParams)
    classes, c, t = p["data"].classes, p["classifier"], p["train"]
    started = start_parallel(t.seed, t.device, t.processes, args.environment)
    if started is None:  # ran as train.processes workers under torchrun
        return
    device, env, world = started
    x, y, _ = load_set(args.processed, args.splits, "S3", classes, "spectrograms")
    test = load_set(args.processed, args.splits, "S4", classes, "spectrograms")[:2]
    cfg = build(ClassifierConfig, c, in_channels=1, n_classes=len(classes), width=c.audio_width)
    fit = build(FitConfig, c, t)
    augment = AUGMENTATIONS["spectrograms"] if c.augment else None
    with mlflow_run("audio_classifier", "train_audio_classifier", {**vars(c), "seed": t.seed}, environment=env,
                    enabled=world.main) as mlflow:
        model, history, pred, metrics = fit_and_test((x, y), test, cfg, fit, c.val_fraction, classes, device, augment,
                                                     epoch_logger(mlflow), world)
        # Fair baseline: as many samples as real + one generated per S3 clip, made by SpecAugment.
        fair_train = (torch.cat([x, specaugment_copies(x, 1, t.seed)]), torch.cat([y, y]))
        fair = fit_and_test(fair_train, test, cfg, fit, c.val_fraction, classes, device, augment, world=world)[3]
        if not world.main:
            return
        metrics["accuracy_specaugment"] = fair["accuracy"]
        save_checkpoint(args.model, model.cpu(), cfg, len(history))
        save_confusion(test[1].numpy(), pred, classes, "audio baseline (real only) on S4",
                       Path(args.plots) / "confusion.png")
        metrics.update(epochs_run=len(history), train_clips=len(y), test_clips=len(test[1]))
        write_results(args, "train_audio_classifier", metrics)
        log_results(mlflow, metrics, args.plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
