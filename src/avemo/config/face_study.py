"""``face_study``: facial emotion recognition from features vs pixels (MRPN thesis 4.1-4.2)."""
from __future__ import annotations

from ..variants import FACE_INPUTS, FACE_MODELS, FACE_TRANSFERS
from .core import bounded, listed, section


@section("face_study")
class FaceStudyParams:
    inputs: tuple = listed(FACE_INPUTS)  # pixels | landmarks | geometry
    models: tuple = listed(FACE_MODELS)  # cnn (f_S, pixels only) | mlp | svm_linear | svm_poly
    cv_folds: int = bounded(2, 10)  # actor-grouped folds that choose C (SVMs) and alpha (MLP) on S1
    transfer: tuple = listed(FACE_TRANSFERS)  # face CNNs pre-trained on actor identity, fine-tuned: all | head layers
    rotation: float = bounded(0.0, 45.0)  # head-pose check: S4 faces turned by +- this many degrees
