"""DVC stage: inductive conformal calibration of f_S on S2; p-values for S3 (the GAN's conformal
condition) and S4 (validity). Saves S3 softmax (classifier condition), p-values and labels.

    python stages/calibrate.py PARAMS PROCESSED SPLITS FACE_MODEL OUT_NPZ METRICS PLOT_DIR
"""
import sys
from pathlib import Path

import numpy as np

from avemo.atomic import atomic_path, write_json
from avemo.config import load_params
from avemo.conformal import calibration_scores, credibility_confidence, nonconformity, pvalues, validity
from avemo.data.arrays import load_set
from avemo.evaluation.conformal_plots import save_calibration_plot
from avemo.models.classifier import ClassifierConfig, EmotionCNN
from avemo.runinfo import seed_everything
from avemo.training.classifier import load_checkpoint, predict_proba

EPSILONS = (0.05, 0.1, 0.2)


def main(params_path, processed, splits, face_model, out_npz, metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "conformal", "train")
    classes, cp, seed = p["data"].classes, p["conformal"], p["train"].seed
    seed_everything(seed)
    ckpt = load_checkpoint(face_model)
    model = EmotionCNN(ClassifierConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    proba, labels, clips = {}, {}, {}
    for name in ("S2", "S3", "S4"):
        x, y, part = load_set(processed, splits, name, classes, "faces")
        proba[name], labels[name], clips[name] = predict_proba(model, x), y.numpy(), part["clip"].to_numpy()
    cal = calibration_scores(proba["S2"], labels["S2"])
    mondrian = labels["S2"] if cp.mondrian else None
    rng = np.random.default_rng(seed) if cp.smoothing else None
    pv = {name: pvalues(cal, nonconformity(proba[name]), mondrian, rng) for name in ("S3", "S4")}
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
            np.savez(fh, s3_pvalues=pv["S3"], s3_softmax=proba["S3"], s3_labels=labels["S3"], s3_clips=clips["S3"],
                     s4_pvalues=pv["S4"], s4_labels=labels["S4"])
    write_json(metrics_path, {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
