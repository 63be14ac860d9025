"""Facial emotion recognition from features vs pixels (MRPN thesis 4.1-4.2, Tables 4.1-4.2): every
face input x classifier pair trained on the same clips and tested on the same S4 clips, each also
on S4 faces turned in-plane by +-``rotation`` degrees (the thesis' head-pose check)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ..data.face_features import FACE_INPUTS, rotate_faces, rotate_landmarks
from ..errors import UserError
from ..models.feature_classifiers import FACE_MODELS
from ..training.transfer import identity_sets
from .stats import cluster_bootstrap, paired_delta

IMAGE_ONLY = {"cnn"}  # models that take pixels only


@dataclass(frozen=True)
class FaceSet:
    faces: np.ndarray  # (N, S, S, 3) uint8, aligned
    landmarks: np.ndarray  # (N, 68, 2) in crop units
    labels: np.ndarray  # (N,) int
    actors: np.ndarray  # (N,) actor ids (CV groups on training, bootstrap clusters on test)
    clips: np.ndarray  # (N,) clip names

    def turned(self, degrees: float) -> "FaceSet":
        return FaceSet(rotate_faces(self.faces, degrees), rotate_landmarks(self.landmarks, degrees),
                       self.labels, self.actors, self.clips)


@dataclass(frozen=True)
class FaceStudyConfig:
    inputs: tuple
    models: tuple
    cv_folds: int
    rotation: float  # degrees of in-plane head rotation for the robustness check
    seed: int



def identity_source(sets: dict[str, FaceSet], test: str = "S4") -> FaceSet:
    """Faces of every actor outside the test set, for the identity pre-training (its labels are the
    actors, so the emotion labels of S2, S3 and the pool are not used)."""
    parts = [sets[name] for name in identity_sets({n: s.actors for n, s in sets.items()}, test)]
    return FaceSet(*(np.concatenate([getattr(s, f) for s in parts]) for f in
                     ("faces", "landmarks", "labels", "actors", "clips")))


def pairs(inputs: tuple, models: tuple) -> list[tuple[str, str]]:
    """Every input x model pair that exists (the CNN takes images only)."""
    return [(i, m) for i in inputs for m in models if m not in IMAGE_ONLY or i == "pixels"]


def actor_share(features: np.ndarray, actors: np.ndarray) -> float:
    """Share of the total variance of ``features`` (N, D) that lies between actors' means: near 1 for
    a network that sees who a face is and not how it looks now (what a head on top can still learn)."""
    total = ((features - features.mean(0)) ** 2).sum()
    means = pd.DataFrame(features).groupby(actors).transform("mean").to_numpy()
    return float(((means - features.mean(0)) ** 2).sum() / max(total, 1e-12))


def fit_predict(face_input: str, model: str, train: FaceSet, tests: list[FaceSet], cfg: FaceStudyConfig
                ) -> list[np.ndarray]:
    """Predicted labels (N,) for each test set of a scikit-learn model fitted on ``train``."""
    features = FACE_INPUTS[face_input]
    groups = len(np.unique(train.actors))
    if groups < 2:
        raise UserError(f"face_study: S1 has {groups} actor; choosing C by actor-grouped CV needs two or more")
    estimator = FACE_MODELS[model](cfg.seed, min(cfg.cv_folds, groups))  # tiny corpora: fewer folds
    estimator.fit(features(train.faces, train.landmarks), train.labels, groups=train.actors)
    return [estimator.predict(features(t.faces, t.landmarks)) for t in tests]


def run_study(train: FaceSet, test: FaceSet, cfg: FaceStudyConfig,
              image_models: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None) -> tuple[pd.DataFrame, dict]:
    """Per-clip correctness of every row (column ``<input>_<model>``; ``..._turned`` = mean over the
    +-rotation copies) and flat metrics: accuracy with a 95% cluster bootstrap over test actors, the
    accuracy under rotation, the rotation's paired drop, and each row vs pixels_cnn when it ran.
    ``image_models``: trained CNN rows, name -> (faces uint8 (N, S, S, 3) -> labels (N,)); the
    scikit-learn rows are fitted here, one per input x model pair of ``cfg``."""
    turned = [test.turned(cfg.rotation), test.turned(-cfg.rotation)]
    table = pd.DataFrame({"clip": test.clips, "actor": test.actors, "label": test.labels})
    metrics: dict = {"train_clips": len(train.labels), "test_clips": len(test.labels),
                     "test_actors": int(len(np.unique(test.actors))), "rotation_degrees": cfg.rotation}
    rows = {name: (lambda sets, f=f: [f(s.faces) for s in sets]) for name, f in (image_models or {}).items()}
    rows.update({f"{i}_{m}": (lambda sets, i=i, m=m: fit_predict(i, m, train, sets, cfg))
                 for i, m in pairs(cfg.inputs, cfg.models) if m not in IMAGE_ONLY})
    for name, predict in rows.items():
        plain, plus, minus = predict([test, *turned])
        table[name] = (plain == test.labels).astype(float)
        table[f"{name}_turned"] = ((plus == test.labels).astype(float) + (minus == test.labels)) / 2
        for column, key in ((name, name), (f"{name}_turned", f"{name}_turned")):
            mean, low, high = cluster_bootstrap(table[column], test.actors, seed=cfg.seed)
            metrics.update({key: round(mean, 4), f"{key}_ci95_low": round(low, 4), f"{key}_ci95_high": round(high, 4)})
        metrics.update(paired_delta(table[f"{name}_turned"], table[name], test.actors, cfg.seed).flat(f"{name}_turned_delta"))
    if "pixels_cnn" in table:
        for name in rows:
            if name != "pixels_cnn":
                metrics.update(paired_delta(table[name], table["pixels_cnn"], test.actors, cfg.seed)
                               .flat(f"{name}_vs_pixels_cnn_delta"))
    return table, metrics
