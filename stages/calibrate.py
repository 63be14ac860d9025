"""DVC stage: inductive conformal calibration of f_S on S2; p-values for S3 (the GAN's conformal
condition) and S4 (validity). Saves S3 softmax (classifier condition), p-values and labels.

    python stages/calibrate.py PARAMS PROCESSED SPLITS FACE_MODEL OUT_NPZ METRICS PLOT_DIR
"""
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from avemo.atomic import atomic_path, write_json
from avemo.config import load_params
from avemo.conformal import (calibration_scores, credibility_confidence, full_conformal_pvalues, nonconformity,
                             pvalues, validity)
from avemo.data.arrays import load_set
from avemo.evaluation.conformal_plots import save_calibration_plot
from avemo.runinfo import seed_everything
from avemo.training.classifier import load_emotion_cnn, predict_proba

EPSILONS = (0.05, 0.1, 0.2)


def embed(model, x) -> np.ndarray:
    with torch.no_grad():
        model.eval()
        return model.features(x).numpy()


def logistic_head(seed: int):
    """The underlying model refitted by full CP: logistic regression on f_S's penultimate features."""

    def fit_predict(x, y):
        # the S1 subset holds every class, so predict_proba's columns are the class indices
        return LogisticRegression(max_iter=300, random_state=seed).fit(x, y).predict_proba(x)

    return fit_predict


def main(params_path, processed, splits, face_model, out_npz, metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "conformal", "train")
    classes, cp, seed = p["data"].classes, p["conformal"], p["train"].seed
    seed_everything(seed)
    model = load_emotion_cnn(face_model)
    proba, labels, clips, feats = {}, {}, {}, {}
    for name in ("S2", "S3", "S4"):
        x, y, part = load_set(processed, splits, name, classes, "faces")
        proba[name], labels[name], clips[name] = predict_proba(model, x), y.numpy(), part["clip"].to_numpy()
        feats[name] = embed(model, x)
    cal = calibration_scores(proba["S2"], labels["S2"])
    if cp.method == "inductive":
        mondrian = labels["S2"] if cp.mondrian else None
        rng = np.random.default_rng(seed) if cp.smoothing else None
        pv = {name: pvalues(cal, nonconformity(proba[name]), mondrian, rng) for name in ("S3", "S4")}
    else:  # full CP (Algorithm 1): refit a head on f_S features for every (sample, class). Its
        # training set is drawn from S2: f_S's features were fitted on S1, so S1 points would not be
        # exchangeable with new ones (measured: error 0.79 at eps 0.1 with S1).
        train = np.random.default_rng(seed).permutation(len(labels["S2"]))[: cp.full_subset]
        fit_predict = logistic_head(seed)
        pv = {name: full_conformal_pvalues(fit_predict, feats["S2"][train], labels["S2"][train], feats[name],
                                           len(classes)) for name in ("S3", "S4")}
    cred, conf = credibility_confidence(pv["S4"])
    metrics = {"accuracy": float((pv["S4"].argmax(1) == labels["S4"]).mean()),
               "mean_credibility": float(cred.mean()), "mean_confidence": float(conf.mean()),
               "calibration_size": int(len(cal)), "method": cp.method}
    curve = []
    for eps in np.round(np.linspace(0.01, 0.5, 50), 2):
        err, size = validity(pv["S4"], labels["S4"], eps)
        curve.append((eps, err, size))
        if eps in EPSILONS:
            metrics[f"error_eps_{eps:g}"], metrics[f"set_size_eps_{eps:g}"] = err, size
    save_calibration_plot(curve, Path(plot_dir))
    with atomic_path(out_npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, s3_pvalues=pv["S3"], s3_softmax=proba["S3"], s3_labels=labels["S3"], s3_clips=np.asarray(clips["S3"], dtype=str),
                     s4_pvalues=pv["S4"], s4_labels=labels["S4"])
    write_json(metrics_path, {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
