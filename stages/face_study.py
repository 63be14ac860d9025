"""DVC stage: facial emotion recognition from features vs pixels (MRPN thesis 4.1-4.2): each face
input x classifier pair trained on S1 and tested on S4, also with the faces turned in-plane."""
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from avemo.atomic import atomic_path, write_json
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.face_study import FaceStudyParams
from avemo.config.train import TrainParams
from avemo.data.arrays import face_tensor, load_set
from avemo.evaluation.face_study import FaceSet, FaceStudyConfig, run_study
from avemo.evaluation.figures import save_face_study_figure
from avemo.models.checkpoints import load_emotion_cnn
from avemo.stage import run, start
from avemo.training.classifier import predict_proba

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "landmarks": "aligned landmarks per clip (CSV)", "face_model": "f_S checkpoint (the cnn row)"}
OUTPUTS = {"metrics": "S4 accuracy of each input x model pair, turned faces, intervals over actors (JSON)",
           "plots": "figure folder (clips.csv per-clip correctness, accuracy.png)",
           "environment": "package versions, machine, device (JSON)"}


def face_set(processed: str, splits: str, landmarks: pd.DataFrame, name: str, classes: tuple) -> FaceSet:
    _, y, part = load_set(processed, splits, name, classes, "faces")
    faces = np.load(Path(processed) / "faces.npy", mmap_mode="r")[part["index"].to_numpy()]
    marks = landmarks.set_index("clip").loc[part["clip"]].to_numpy(np.float32).reshape(-1, 68, 2)
    return FaceSet(np.ascontiguousarray(faces), marks, y.numpy(), part["actor"].to_numpy(), part["clip"].to_numpy())


def main(args) -> None:
    p = load_params(args.params, DataParams, FaceStudyParams, TrainParams)
    classes, f, t = p["data"].classes, p["face_study"], p["train"]
    device, _ = start(t.seed, t.device, args.environment)
    landmarks = pd.read_csv(args.landmarks)
    train, test = (face_set(args.processed, args.splits, landmarks, name, classes) for name in ("S1", "S4"))
    f_s = load_emotion_cnn(args.face_model).to(device)

    def cnn(faces: np.ndarray) -> np.ndarray:
        return predict_proba(f_s, face_tensor(faces), device).argmax(1)

    with torch.no_grad():
        table, metrics = run_study(train, test, build(FaceStudyConfig, f, seed=t.seed), cnn)
    plots = Path(args.plots)
    plots.mkdir(parents=True, exist_ok=True)
    with atomic_path(plots / "clips.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.4g")
    save_face_study_figure(metrics, plots / "accuracy.png")
    write_json(args.metrics, metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
