"""DVC stage: face classifier f_S on S1 faces, tested on S4."""
from pathlib import Path

from avemo.atomic import write_json
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.data.augment import AUGMENTATIONS
from avemo.evaluation.classifier_run import fit_and_test
from avemo.evaluation.reports import save_confusion
from avemo.models.checkpoints import save_checkpoint
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start_parallel
from avemo.tracking import epoch_logger, log_results, mlflow_run
from avemo.training.classifier import FitConfig

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table"}
OUTPUTS = {"model": "f_S checkpoint", "metrics": "S4 accuracy, balanced accuracy, recall per class (JSON)",
           "plots": "figure folder (confusion matrix)", "environment": "package versions, machine, device (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, ClassifierParams, TrainParams)
    classes, c, t = p["data"].classes, p["classifier"], p["train"]
    started = start_parallel(t.seed, t.device, t.processes, args.environment)
    if started is None:  # ran as train.processes workers under torchrun
        return
    device, env, world = started
    train = load_set(args.processed, args.splits, "S1", classes, "faces")[:2]
    test = load_set(args.processed, args.splits, "S4", classes, "faces")[:2]
    cfg = build(ClassifierConfig, c, in_channels=3, n_classes=len(classes))
    augment = AUGMENTATIONS["faces"] if c.augment else None
    with mlflow_run("face_classifier", "f_S", {**vars(c), "seed": t.seed}, environment=env,
                    enabled=world.main) as mlflow:
        model, history, pred, metrics = fit_and_test(train, test, cfg, build(FitConfig, c, t), c.val_fraction,
                                                     classes, device, augment, epoch_logger(mlflow), world)
        if not world.main:
            return
        save_checkpoint(args.model, model.cpu(), cfg, len(history))
        save_confusion(test[1].numpy(), pred, classes, "face classifier f_S on S4", Path(args.plots) / "confusion.png")
        metrics.update(epochs_run=len(history), train_clips=len(train[1]), test_clips=len(test[1]))
        write_json(args.metrics, metrics)
        log_results(mlflow, metrics, args.plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
