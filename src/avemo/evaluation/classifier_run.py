"""Train an emotion CNN on one set and test it on another (the face and audio classifier stages)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..models.classifier import ClassifierConfig
from ..training.classifier import FitConfig, predict_proba, train_emotion_cnn
from ..training.distributed import SINGLE, World
from .reports import classification_metrics


def fit_and_test(train: tuple[torch.Tensor, torch.Tensor], test: tuple[torch.Tensor, torch.Tensor],
                 cfg: ClassifierConfig, fit: FitConfig, val_fraction: float, classes: tuple, device: str = "cpu",
                 augment: Callable | None = None, on_epoch: Callable | None = None, world: World = SINGLE):
    """(model, history, test predictions (N,), metrics: accuracy, balanced accuracy, recall per class);
    with several ranks (``world``) the training is data-parallel."""
    model, history = train_emotion_cnn(*train, cfg, fit, val_fraction, device, augment, on_epoch, world)
    return (model, history, *score_classifier(model, test, classes, device))


def score_classifier(model, test: tuple[torch.Tensor, torch.Tensor], classes: tuple, device: str = "cpu"):
    """(test predictions (N,), metrics: accuracy, balanced accuracy, recall per class)."""
    pred = predict_proba(model, test[0], device).argmax(1)
    return pred, classification_metrics(np.asarray(test[1]), pred, classes)
