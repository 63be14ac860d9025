"""``mrpn``: MRPN audio-video fusion, its variants and training."""
from __future__ import annotations

from ..variants import MRPN_AGGREGATORS, MRPN_BACKBONES, MRPN_VARIANTS, TEST_CORRUPTIONS
from .core import bounded, choice, listed, section


@section("mrpn")
class MrpnParams:
    backbone: str = choice(MRPN_BACKBONES)
    aggregator: str = choice(MRPN_AGGREGATORS)
    variants: tuple = listed(MRPN_VARIANTS)  # any subset of the registry; a new entry is a choice at once
    frames: int = bounded(2, 64)  # face frames per clip
    face_size: int = bounded(16, 224)  # frames are resized from face.size when different
    segments: int = bounded(1, 64)
    segment_frames: int = bounded(8, 1024)  # STFT frames per audio segment
    segment_hop: int = bounded(4, 1024)
    time_augment: bool  # thesis "VA"
    image_augment: bool  # thesis "IA"
    max_stretch: float = bounded(0.0, 0.9)  # time augmentation: hop scaled by a factor in [1 - s, 1 + s]
    feature_dim: int = bounded(8, 2048)
    epochs: int = bounded(1, 1000)
    batch_size: int = bounded(2, 4096)  # batch norm needs two samples
    lr: float = bounded(1e-7, 1.0)
    weight_decay: float = bounded(0.0, 1.0)
    patience: int = bounded(1, 1000)  # epochs without validation improvement before lr halves
    min_epochs: int = bounded(0, 1000)  # the kept weights come from this epoch on
    folds: int = bounded(2, 20)  # rotating actor-disjoint test units
    seeds: int = bounded(1, 100)  # training seeds per fold; each clip's correctness is its share of seeds right
    modality_dropout: float = bounded(0.0, 1.0)  # fusion variants: share of training clips losing one stream
    corruptions: tuple = listed(TEST_CORRUPTIONS)  # test-time conditions each trained model is also tested under
