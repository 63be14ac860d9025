"""Checkpoint files of the pipeline's models: what each holds, how it is written (atomically) and
read back (``torch.load(..., weights_only=True)``: nothing in a checkpoint is executed).

- emotion CNN / temporal encoder: model, config, epochs run (and optimiser when given);
- GAN generator: the GanSetup, the pair spec it was trained on, the noise size, samples per source
  and G's weights (``generate`` rebuilds G from it).
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ..atomic import atomic_path
from .classifier import ClassifierConfig, EmotionCNN
from .gan import GanSetup, build_generator


def save_torch(path: str | Path, state: dict) -> None:
    """``torch.save`` through a temporary file and a rename."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_torch(path: str | Path, device: str | torch.device = "cpu") -> dict:
    return torch.load(path, map_location=device, weights_only=True)


def save_checkpoint(path: str | Path, model: nn.Module, config, epoch: int, optimizer=None) -> None:
    """A trained network with its config dataclass and the number of epochs it ran."""
    state = {"model": model.state_dict(), "config": asdict(config), "epoch": epoch}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    save_torch(path, state)


def load_checkpoint(path: str | Path) -> dict:
    return load_torch(path)


def load_emotion_cnn(path: str | Path) -> EmotionCNN:
    """An EmotionCNN checkpoint -> the model in eval mode (CPU)."""
    ckpt = load_checkpoint(path)
    model = EmotionCNN(ClassifierConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval()


def save_generator(path: str | Path, setup: GanSetup, generator: nn.Module, **meta) -> None:
    """G's weights with the setup that rebuilds it and ``meta`` (pair spec, noise size, ...)."""
    save_torch(path, {"setup": asdict(setup), **meta, "generator": generator.state_dict()})


def load_generator(path: str | Path) -> tuple[nn.Module, dict]:
    """(G in eval mode on CPU, the checkpoint's other entries)."""
    ckpt = load_torch(path)
    generator = build_generator(GanSetup(**ckpt.pop("setup")))
    generator.load_state_dict(ckpt.pop("generator"))
    return generator.eval(), ckpt
