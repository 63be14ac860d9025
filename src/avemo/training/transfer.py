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
from ..models.classifier import ClassifierConfig, EmotionCNN
from .classifier import FitConfig, fit_classifier, train_emotion_cnn

# identity transfer name -> the layers fine-tuned on emotion (thesis 4.3.7)
TRANSFERS = {"identity_all": "all", "identity_head": "head"}


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


def pretrain_identity(x: torch.Tensor, actors: np.ndarray, cfg: ClassifierConfig, fit: FitConfig,
                      val_fraction: float, device: str = "cpu") -> EmotionCNN:
    """The source task: which of the given actors a face (N, 3, S, S) belongs to. The caller passes
    only actors it may use (never the test actors)."""
    ids = torch.as_tensor(np.unique(actors, return_inverse=True)[1], dtype=torch.long)
    model, _ = train_emotion_cnn(x, ids, replace(cfg, n_classes=int(ids.max()) + 1), fit, val_fraction, device)
    return model.cpu()


def fine_tune(source: EmotionCNN, x: torch.Tensor, y: torch.Tensor, n_classes: int, layers: str, fit: FitConfig,
              val_fraction: float, device: str = "cpu", augment: Callable | None = None) -> nn.Module:
    """Emotion from a pre-trained network: a new head for ``n_classes``, then ``layers`` = "all" (every
    weight trains) or "head" (only the new head trains; HeadOnly)."""
    model = copy.deepcopy(source)
    torch.manual_seed(fit.seed)
    model.head = nn.Sequential(nn.Dropout(source.cfg.dropout), nn.Linear(source.cfg.feature_dim, n_classes))
    net = HeadOnly(model) if layers == "head" else model
    tr, va = stratified_holdout(y, val_fraction, fit.seed)
    net, _ = fit_classifier(net, (x[tr], y[tr]), (x[va], y[va]), fit, device, augment)
    return net
