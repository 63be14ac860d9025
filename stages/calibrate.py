"""DVC stage: conformal calibration of f_S on S2 (``conformal.method``: inductive or full); p-values
for S3 (the GAN's conformal condition), S4 (validity) and the faces without audio, the face-only pool
and, under an audio budget, S3's actors without audio (conditions for generation from faces without
audio). Saves the softmax (classifier condition) and p-values; the labels of the faces without audio
are never saved."""
from pathlib import Path

import numpy as np
import torch

from avemo.atomic import atomic_path
from avemo.config.conformal import ConformalParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.conformal.prediction import CONFORMAL_METHODS, ConformalConfig, ScoredSet, credibility_confidence, validity
from avemo.evaluation.conformal_plots import save_calibration_plot
from avemo.evaluation.stats import clopper_pearson
from avemo.models.checkpoints import load_emotion_cnn
from avemo.runinfo import seed_everything
from avemo.stage import run, write_results
from avemo.training.classifier import predict_proba

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table", "face_model": "f_S checkpoint"}
OUTPUTS = {"conformal": "S3/S4 p-values, S3 softmax, labels and clip ids (NPZ)",
           "results": "folder: results.json (validity on S4: error and set size per eps, credibility, confidence), "
                      "calibration.csv (the curve)",
           "metrics": "headline: the S4 error at eps 0.1 (JSON)", "plots": "figure folder (calibration.png)"}
EPSILONS = (0.05, 0.1, 0.2)


def score(model, x: torch.Tensor, y: torch.Tensor) -> ScoredSet:
    with torch.no_grad():
        features = model.eval().features(x).numpy()
    return ScoredSet(predict_proba(model, x), features, y.numpy())


def main(args) -> None:
    p = load_params(args.params, DataParams, ConformalParams, TrainParams)
    classes, cp, seed = p["data"].classes, p["conformal"], p["train"].seed
    seed_everything(seed)
    model = load_emotion_cnn(args.face_model)
    sets, clips = {}, {}
    for name in ("S2", "S3", "S4", "POOL", "S3U"):
        x, y, part = load_set(args.processed, args.splits, name, classes, "faces")
        if len(part):
            sets[name], clips[name] = score(model, x, y), part["clip"].to_numpy()
    targets = [name for name in ("S3", "S4", "POOL", "S3U") if name in sets]
    cfg = build(ConformalConfig, cp, seed=seed)
    pv = dict(zip(targets, CONFORMAL_METHODS[cp.method](sets["S2"], [sets[t] for t in targets], cfg)))
    unlabelled = {f"{name.lower()}_{key}": value for name in ("POOL", "S3U") if name in sets
                  for key, value in (("pvalues", pv[name]), ("softmax", sets[name].softmax),
                                     ("clips", np.asarray(clips[name], dtype=str)))}
    labels4 = sets["S4"].labels
    cred, conf = credibility_confidence(pv["S4"])
    metrics = {"accuracy": float((pv["S4"].argmax(1) == labels4).mean()), "mean_credibility": float(cred.mean()),
               "mean_confidence": float(conf.mean()), "calibration_size": int(len(sets["S2"].labels)),
               "method": cp.method}
    curve = []
    for eps in np.round(np.linspace(0.01, 0.5, 50), 2):
        err, size = validity(pv["S4"], labels4, eps)
        curve.append((eps, err, size))
        if eps in EPSILONS:
            low, high = clopper_pearson(round(err * len(labels4)), len(labels4))
            metrics.update({f"error_eps_{eps:g}": err, f"set_size_eps_{eps:g}": size,
                            f"error_eps_{eps:g}_ci95_low": low, f"error_eps_{eps:g}_ci95_high": high})
    save_calibration_plot(curve, Path(args.plots))
    with atomic_path(args.conformal) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, s3_pvalues=pv["S3"], s3_softmax=sets["S3"].softmax, s3_labels=sets["S3"].labels,
                 s3_clips=np.asarray(clips["S3"], dtype=str), s4_pvalues=pv["S4"], s4_labels=labels4, **unlabelled)
    write_results(args, "calibrate", {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()})


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
