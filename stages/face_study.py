"""DVC stage: facial emotion recognition from features vs pixels (MRPN thesis 4.1-4.2) and transfer
from face identity (thesis 4.3): each face input x classifier pair and each identity-pre-trained CNN
trained on S1 and tested on S4, also with the test faces turned in-plane (head-pose check)."""
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from avemo.atomic import atomic_path
from avemo.config.classifier import ClassifierParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.face_study import FaceStudyParams
from avemo.config.train import TrainParams
from avemo.data.arrays import face_tensor, load_set
from avemo.evaluation.face_study import FaceSet, FaceStudyConfig, actor_share, identity_source, run_study
from avemo.evaluation.figures import save_face_study_figure
from avemo.models.checkpoints import load_emotion_cnn
from avemo.models.classifier import ClassifierConfig
from avemo.stage import run, start, write_results
from avemo.training.classifier import FitConfig, predict_proba
from avemo.training.transfer import fine_tune, pretrain_identity
from avemo.variants import FACE_TRANSFERS

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "landmarks": "aligned landmarks per clip (CSV)", "face_model": "f_S checkpoint (the pixels_cnn row)"}
OUTPUTS = {"results": "folder: results.json (S4 accuracy of each row, upright and turned, intervals over actors), "
                      "clips.csv (per-clip correctness)",
           "plots": "figure folder (accuracy.png)",
           "environment": "package versions, machine, device (JSON)"}
SETS = ("S1", "S2", "S3", "POOL", "S4")


def face_set(processed: str, splits: str, landmarks: pd.DataFrame, name: str, classes: tuple) -> FaceSet:
    _, y, part = load_set(processed, splits, name, classes, "faces")
    faces = np.load(Path(processed) / "faces.npy", mmap_mode="r")[part["index"].to_numpy()]
    marks = landmarks.set_index("clip").loc[part["clip"]].to_numpy(np.float32).reshape(-1, 68, 2)
    return FaceSet(np.ascontiguousarray(faces), marks, y.numpy(), part["actor"].to_numpy(), part["clip"].to_numpy())


def labeller(model, device):
    return lambda faces: predict_proba(model, face_tensor(faces), device).argmax(1)


@torch.no_grad()
def features_actor_share(model, faces: FaceSet, device) -> float:
    """How much of a CNN's embedding of S1's faces (penultimate layer) separates actors, not clips."""
    model.eval()
    return actor_share(model.features(face_tensor(faces.faces).to(device)).float().cpu().numpy(), faces.actors)


def main(args) -> None:
    p = load_params(args.params, DataParams, FaceStudyParams, ClassifierParams, TrainParams)
    classes, f, c, t = p["data"].classes, p["face_study"], p["classifier"], p["train"]
    device, _ = start(t.seed, t.device, args.environment)
    landmarks = pd.read_csv(args.landmarks)
    sets = {name: face_set(args.processed, args.splits, landmarks, name, classes) for name in SETS}
    sets = {name: s for name, s in sets.items() if len(s.labels)}  # no pool on some splits
    train, test = sets["S1"], sets["S4"]
    f_s = load_emotion_cnn(args.face_model).to(device)
    image_models = {"pixels_cnn": labeller(f_s, device)} if "cnn" in f.models else {}
    shares = {"pixels_cnn_features_actor_share": features_actor_share(f_s, train, device)}
    if f.transfer:
        cfg, fit = build(ClassifierConfig, c, in_channels=3, n_classes=len(classes)), build(FitConfig, c, t)
        source = identity_source(sets)
        identity = pretrain_identity(face_tensor(source.faces), source.actors, cfg, fit, c.val_fraction, device)
        shares["identity_features_actor_share"] = features_actor_share(identity, train, device)
        for name in f.transfer:
            tuned, _ = fine_tune(identity, face_tensor(train.faces), torch.as_tensor(train.labels), len(classes), FACE_TRANSFERS[name],
                              fit, c.val_fraction, device)
            image_models[f"pixels_cnn_{name}"] = labeller(tuned, device)
    table, metrics = run_study(train, test, build(FaceStudyConfig, f, seed=t.seed), image_models)
    metrics["identity_actors"] = int(len(np.unique(source.actors))) if f.transfer else 0
    metrics.update({k: round(v, 4) for k, v in shares.items()})
    with atomic_path(Path(args.results) / "clips.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.4g")
    save_face_study_figure(metrics, Path(args.plots) / "accuracy.png")
    write_results(args, "face_study", metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
