"""Transfer from face identity (MRPN thesis 4.3): pre-train the face CNN on which actor a face
belongs to, then fine-tune it on emotion, every layer or the new head only (thesis 4.3.7)."""
from __future__ import annotations

import copy
from dataclasses import replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..data.arrays import stratified_holdout
from ..errors import UserError
from ..models.classifier import ClassifierConfig, EmotionCNN
from ..variants import CLASSIFIER_FINETUNE, CLASSIFIER_INITS, implemented
from .classifier import FitConfig, fit_classifier, train_emotion_cnn

# identity transfer name -> the layers fine-tuned on emotion (thesis 4.3.7), for face_study's rows
class HeadOnly(nn.Module):
    """A pre-trained EmotionCNN whose convolutions and embedding stay as they are (frozen layers):
    no gradients, and batch-norm statistics kept in eval mode while the head trains."""

    def __init__(self, model: EmotionCNN):
        super().__init__()
        self.model = model
        for part in (model.body, model.embed):
            part.requires_grad_(False)

    def train(self, mode: bool = True) -> "HeadOnly":
        super().train(mode)
        self.model.body.eval()
        self.model.embed.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# which layers of the pre-trained network train on emotion -> how the network is wrapped for it
FINETUNE = implemented(CLASSIFIER_FINETUNE, all=lambda model: model, head=HeadOnly)


def identity_sets(actors_by_set: dict[str, np.ndarray], test: str = "S4") -> list[str]:
    """The sets whose faces the identity pre-training may use: every set but ``test``, refused when
    one shares an actor with it (the source task must never see a test actor)."""
    test_actors = set(np.asarray(actors_by_set[test]).tolist())
    names = [name for name in actors_by_set if name != test]
    leak = sorted(test_actors & {a for name in names for a in np.asarray(actors_by_set[name]).tolist()})
    if leak:
        raise UserError(f"identity pre-training would see test actors {leak[:5]}")
    return names


def pretrain_identity(x: torch.Tensor, actors: np.ndarray, cfg: ClassifierConfig, fit: FitConfig,
                      val_fraction: float, device: str = "cpu") -> EmotionCNN:
    """The source task: which of the given actors a face (N, 3, S, S) belongs to. The caller passes
    only actors it may use (never the test actors)."""
    ids = torch.as_tensor(np.unique(actors, return_inverse=True)[1], dtype=torch.long)
    model, _ = train_emotion_cnn(x, ids, replace(cfg, n_classes=int(ids.max()) + 1), fit, val_fraction, device)
    return model.cpu()


def fine_tune(source: EmotionCNN, x: torch.Tensor, y: torch.Tensor, n_classes: int, layers: str, fit: FitConfig,
              val_fraction: float, device: str = "cpu", augment: Callable | None = None,
              on_epoch: Callable | None = None) -> tuple[EmotionCNN, list[dict]]:
    """Emotion from a pre-trained network: a copy with a new head for ``n_classes``, then ``layers``
    (FINETUNE) = "all" (every weight trains) or "head" (only the new head; HeadOnly). Returns the
    fine-tuned EmotionCNN (config: ``n_classes`` outputs) and its training history."""
    model = copy.deepcopy(source)
    torch.manual_seed(fit.seed)
    model.cfg = replace(source.cfg, n_classes=n_classes)
    model.head = nn.Sequential(nn.Dropout(source.cfg.dropout), nn.Linear(source.cfg.feature_dim, n_classes))
    tr, va = stratified_holdout(y, val_fraction, fit.seed)
    _, history = fit_classifier(FINETUNE[layers](model), (x[tr], y[tr]), (x[va], y[va]), fit, device, augment, on_epoch)
    return model, history  # trained in place inside the wrapper


# how the face CNN f_S starts (classifier.init): no pre-training, or the identity source task
INITS = implemented(CLASSIFIER_INITS, scratch=None, identity=pretrain_identity)
