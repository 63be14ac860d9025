"""``classifier``: the emotion CNN (the papers' classifier Q) for faces and audio, and its training."""
from __future__ import annotations

from ..variants import CLASSIFIER_DEPTHS, CLASSIFIER_FINETUNE, CLASSIFIER_INITS, CLASSIFIER_PRECISIONS
from .core import bounded, choice, section


@section("classifier")
class ClassifierParams:
    depth: str = choice(CLASSIFIER_DEPTHS)  # ~6 conv layers, or the 16-layer variant
    width: int = bounded(4, 512)  # face CNN f_S: channels of the first block (paper scale: 64)
    audio_width: int = bounded(4, 512)  # audio CNN: a 28x112 input costs 4x a face
    feature_dim: int = bounded(8, 2048)  # penultimate layer; also the FID feature size
    dropout: float = bounded(0.0, 0.9)
    epochs: int = bounded(1, 1000)
    batch_size: int = bounded(1, 4096)
    lr: float = bounded(1e-6, 1.0)
    weight_decay: float = bounded(0.0, 1.0)
    patience: int = bounded(1, 1000)  # early stopping on the validation slice
    min_epochs: int = bounded(0, 1000)  # the kept weights come from this epoch on (small audio budgets need it)
    val_fraction: float = bounded(0.05, 0.5)
    augment: bool  # light augmentation (face flips, spectrogram SpecAugment)
    init: str = choice(CLASSIFIER_INITS)  # f_S from scratch, or pre-trained on the identity of every non-S4 actor (thesis 4.3)
    finetune: str = choice(CLASSIFIER_FINETUNE)  # with init identity: every layer trains on emotion, or the new head only
    precision: str = choice(CLASSIFIER_PRECISIONS)  # bf16: training passes under bf16 autocast, channels_last (faster on CPUs with bf16 units)
