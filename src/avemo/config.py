"""Typed, validated views of ``params.yaml``.

Each stage loads only the sections it declares in ``dvc.yaml`` into frozen dataclasses. A key that
the dataclass does not know, a value of the wrong type, or a value outside its allowed set stops the
stage before any work with one line naming the key, the value and what is allowed (DESIGN.md 6).

Library code never reads params itself: stages build these dataclasses and pass them down.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ParamsError(ValueError):
    """A params.yaml key or value that the pipeline cannot accept."""


def choice(default: str, *allowed: str) -> Any:
    """A string field restricted to ``allowed`` (the default must be one of them)."""
    assert default in allowed, (default, allowed)
    return field(default=default, metadata={"choices": allowed})


def bounded(default: float, lo: float | None = None, hi: float | None = None) -> Any:
    """A numeric field with inclusive bounds."""
    return field(default=default, metadata={"min": lo, "max": hi})


def listed(default: list, *allowed: str) -> Any:
    """A list field (stored as a tuple so the dataclass stays hashable and frozen)."""
    meta = {"choices": allowed} if allowed else {}
    return field(default_factory=lambda: tuple(default), metadata=meta)


EMOTIONS_CREMA = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
EMOTIONS_ALL = EMOTIONS_CREMA + ("CAL", "SUR")
SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")


@dataclass(frozen=True)
class DataParams:
    dataset: str = choice("synthetic", "synthetic", "crema_d", "ravdess")
    root: str = "data/corpus"
    classes: tuple = listed(list(EMOTIONS_CREMA), *EMOTIONS_ALL)


@dataclass(frozen=True)
class CorpusParams:
    seed: int = 0
    n_actors: int = bounded(24, 4, 91)
    sentences: tuple = listed(list(SENTENCES[:6]), *SENTENCES)
    levels: tuple = listed(["LO", "MD", "HI"], "LO", "MD", "HI")  # levels of the sentence IEO
    clip_seconds: float = bounded(2.0, 1.0, 10.0)
    fps: int = bounded(30, 10, 60)
    frame_size: int = bounded(192, 128, 720)
    sample_rate: int = bounded(16000, 8000, 48000)
    expression_gain: float = bounded(1.0, 0.0, 5.0)  # pixels of landmark motion per unit of template
    face_confusion: float = bounded(0.6, 0.0, 5.0)  # weight of random other-emotion templates
    voice_confusion: float = bounded(0.6, 0.0, 5.0)  # spread of per-clip prosody around the emotion's
    image_noise: float = bounded(6.0, 0.0, 50.0)  # std of per-frame pixel noise (0-255 scale)
    workers: int = bounded(2, 1, 64)


@dataclass(frozen=True)
class FaceParams:
    size: int = bounded(28, 16, 256)
    sequence_frames: int = bounded(55, 10, 300)  # middle frames kept for temporal models
    window: int = bounded(10, 2, 60)
    window_stride: int = bounded(5, 1, 60)
    detect_max_side: int = bounded(320, 80, 2000)  # detect on a copy downscaled to this side
    redetect_every: int = bounded(0, 0, 1000)  # 0 = detect once, then track by landmarks


@dataclass(frozen=True)
class AudioParams:
    sample_rate: int = bounded(16000, 8000, 48000)
    n_fft: int = bounded(512, 64, 8192)
    hop_length: int = bounded(128, 16, 4096)
    n_mels: int = bounded(28, 8, 256)
    frames: int = bounded(112, 8, 2048)
    top_db: float = bounded(80.0, 10.0, 200.0)
    stft_n_fft: int = bounded(512, 64, 8192)  # MRPN features: Hann 512, hop 64 (thesis 4.5)
    stft_hop_length: int = bounded(64, 16, 4096)
    stft_n_mels: int = bounded(64, 8, 512)
    stft_frames: int = bounded(500, 16, 100000)  # stored length (2 s at hop 64), centred
    min_rms: float = bounded(1e-4, 0.0, 1.0)  # below this a clip is rejected as silent


@dataclass(frozen=True)
class PreprocessParams:
    max_reject_fraction: float = bounded(0.05, 0.0, 1.0)
    workers: int = bounded(2, 1, 64)


@dataclass(frozen=True)
class SplitParams:
    """Actors are grouped into ``units`` sex-balanced groups; each set takes whole units."""

    seed: int = 0
    units: int = bounded(10, 4, 100)  # actor groups; each set is a whole number of units
    s1_units: int = bounded(3, 1, 100)
    s2_units: int = bounded(2, 1, 100)
    s3_units: int = bounded(3, 1, 100)
    s4_units: int = bounded(2, 1, 100)
    fold: int = bounded(0, 0, 99)

    def validate(self) -> None:
        total = self.s1_units + self.s2_units + self.s3_units + self.s4_units
        if total != self.units:
            raise ParamsError(
                f"params.yaml: split.s1_units+s2_units+s3_units+s4_units = {total} must equal split.units = {self.units}"
            )


@dataclass(frozen=True)
class TrainParams:
    seed: int = 0
    device: str = choice("auto", "auto", "cpu", "cuda")
    bf16: bool = False
    data_fraction: float = bounded(1.0, 0.01, 1.0)


@dataclass(frozen=True)
class ClassifierParams:
    """Emotion CNN (the papers' classifier Q) and its training, shared by the face and audio stages."""

    depth: str = choice("small", "small", "deep")  # ~6 conv layers, or the 16-layer variant
    width: int = bounded(32, 4, 512)  # face CNN f_S: channels of the first block (paper scale: 64)
    # audio CNN (baseline, FID/IS network, augmented evaluation): a 28x112 input costs 4x a face
    audio_width: int = bounded(16, 4, 512)
    feature_dim: int = bounded(64, 8, 2048)  # penultimate layer; also the FID feature size
    dropout: float = bounded(0.3, 0.0, 0.9)
    epochs: int = bounded(30, 1, 1000)
    batch_size: int = bounded(64, 1, 4096)
    lr: float = bounded(1e-3, 1e-6, 1.0)
    weight_decay: float = bounded(1e-4, 0.0, 1.0)
    patience: int = bounded(8, 1, 1000)  # early stopping on the validation slice
    val_fraction: float = bounded(0.15, 0.05, 0.5)
    augment: bool = True  # light augmentation (face flips/shifts, spectrogram SpecAugment)


@dataclass(frozen=True)
class ConformalParams:
    method: str = choice("inductive", "inductive", "full")
    mondrian: bool = False  # per-class calibration
    smoothing: bool = False  # uniform random tie-breaking (smoothed p-values)
    full_subset: int = bounded(120, 10, 5000)  # training samples used by full (transductive) CP
    full_epochs: int = bounded(3, 1, 100)


@dataclass(frozen=True)
class GanParams:
    loss: str = choice("bce", "bce", "wasserstein")
    generator: str = choice("encdec", "encdec", "unet")
    upsample: str = choice("transpose", "transpose", "resize")  # G's upsampling: transposed conv | resize + conv
    condition: str = choice("label", "label", "classifier", "conformal", "none")
    input: str = choice("image", "image", "temporal")
    direction: str = choice("face2audio", "face2audio", "audio2face")
    use_source: bool = True
    progressive: bool = False
    # unused_s3 = clips outside S1-S4 plus S3 (labels hidden); s1_s3 / all_but_s4 = bigger pools
    pretrain_pool: str = choice("unused_s3", "unused_s3", "s1_s3", "all_but_s4")
    pretrain_epochs: int = bounded(10, 0, 1000)
    epochs: int = bounded(30, 1, 1000)
    batch_size: int = bounded(32, 1, 4096)
    width: int = bounded(32, 4, 1024)
    noise_dim: int = bounded(32, 1, 512)
    bottleneck: int = bounded(256, 8, 8192)
    optimizer: str = choice("adam", "adam", "adagrad")
    lr_g: float = bounded(2e-4, 1e-7, 1.0)
    lr_d: float = bounded(2e-4, 1e-7, 1.0)
    l1_weight: float = bounded(10.0, 0.0, 1000.0)
    q_weight: float = bounded(1.0, 0.0, 1000.0)
    gp_weight: float = bounded(10.0, 0.0, 1000.0)
    n_critic: int = bounded(1, 1, 20)
    soft_labels: float = bounded(0.1, 0.0, 0.5)  # real target 1 - u*soft, u ~ U(0,1)
    label_flip: float = bounded(0.0, 0.0, 0.5)  # noisy labels: share of D targets flipped
    input_noise: float = bounded(0.05, 0.0, 1.0)  # std of noise added to D inputs
    eval_every: int = bounded(5, 0, 1000)  # FID/IS every k epochs (0 = only at the end)
    n_generate: int = bounded(1, 1, 100)  # generated samples per S3 pair (different noise z)

    def validate(self) -> None:
        if self.input == "temporal" and self.direction != "face2audio":
            raise ParamsError("params.yaml: gan.input = 'temporal' needs gan.direction = 'face2audio' "
                              f"(got {self.direction!r}): the temporal encoder embeds face windows")


@dataclass(frozen=True)
class TemporalParams:
    encoder: str = choice("3dcnn", "3dcnn", "lstm", "transformer")
    embedding_dim: int = bounded(64, 8, 1024)
    frame_features: int = bounded(128, 8, 2048)
    hidden: int = bounded(64, 8, 2048)
    heads: int = bounded(4, 1, 32)
    epochs: int = bounded(15, 1, 1000)
    batch_size: int = bounded(64, 1, 4096)
    lr: float = bounded(1e-3, 1e-6, 1.0)
    specaugment_copies: int = bounded(10, 1, 100)


@dataclass(frozen=True)
class MrpnParams:
    backbone: str = choice("cnn", "cnn", "resnet18")
    aggregator: str = choice("lstm", "lstm", "transformer")
    variants: tuple = listed(
        ["audio_only", "video_only", "n0_late_fusion", "n0_end_to_end", "n1", "n2"],
        "audio_only", "video_only", "n0_late_fusion", "n0_end_to_end", "n1", "n2",
    )
    frames: int = bounded(8, 2, 64)  # face frames per clip
    face_size: int = bounded(28, 16, 224)  # frames are resized from face.size when different
    segment_frames: int = bounded(64, 8, 1024)  # STFT frames per audio segment
    segment_hop: int = bounded(32, 4, 1024)
    segments: int = bounded(8, 1, 64)
    time_augment: bool = True
    feature_dim: int = bounded(64, 8, 2048)
    epochs: int = bounded(12, 1, 1000)
    batch_size: int = bounded(32, 1, 4096)
    lr: float = bounded(5e-5, 1e-7, 1.0)
    weight_decay: float = bounded(1e-2, 0.0, 1.0)
    patience: int = bounded(10, 1, 1000)  # epochs without validation improvement before lr halves
    folds: int = bounded(3, 2, 20)  # rotating actor-disjoint test units


@dataclass(frozen=True)
class EvalParams:
    folds: int = bounded(3, 1, 20)  # repeated trainings (seed, validation slice) of both classifiers
    is_splits: int = bounded(1, 1, 20)
    kid_subset: int = bounded(100, 2, 10000)
    kid_subsets: int = bounded(50, 1, 1000)


SECTIONS: dict[str, type] = {
    "data": DataParams,
    "corpus": CorpusParams,
    "face": FaceParams,
    "audio": AudioParams,
    "preprocess": PreprocessParams,
    "split": SplitParams,
    "train": TrainParams,
    "classifier": ClassifierParams,
    "conformal": ConformalParams,
    "gan": GanParams,
    "temporal": TemporalParams,
    "mrpn": MrpnParams,
    "eval": EvalParams,
}


def _check_value(section: str, f: dataclasses.Field, value: Any) -> Any:
    key = f"{section}.{f.name}"
    kind = {"int": int, "float": float, "bool": bool, "str": str, "tuple": tuple}[f.type]
    if kind is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed; use true or false")
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed; use an integer")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed; use a number")
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed; use a string")
    elif kind is tuple:
        if not isinstance(value, (list, tuple)):
            raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed; use a list")
        if not value:
            raise ParamsError(f"params.yaml: {key} is empty; list at least one value")
        value = tuple(value)
    choices = f.metadata.get("choices")
    if choices:
        bad = [v for v in (value if kind is tuple else (value,)) if v not in choices]
        if bad:
            raise ParamsError(
                f"params.yaml: {key} = {bad[0]!r} is not allowed; choose from: {', '.join(map(str, choices))}"
            )
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    if lo is not None and value < lo or hi is not None and value > hi:
        raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed; use a value in [{lo}, {hi}]")
    return value


def parse_section(name: str, raw: dict | None):
    """Build the dataclass of section ``name`` from its raw mapping, validating every key."""
    cls = SECTIONS.get(name)
    if cls is None:
        raise ParamsError(f"params.yaml: unknown section {name!r}; known: {', '.join(sorted(SECTIONS))}")
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ParamsError(f"params.yaml: section {name!r} must be a mapping, got {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            raise ParamsError(
                f"params.yaml: unknown key {name}.{key}; allowed keys: {', '.join(fields)}"
            )
    values = {k: _check_value(name, fields[k], v) for k, v in raw.items()}
    obj = cls(**values)
    check = getattr(obj, "validate", None)
    if check is not None:
        check()
    return obj


def load_params(path: str | Path, *sections: str) -> dict[str, Any]:
    """Load and validate the named sections of a params file: ``{"gan": GanParams(...), ...}``."""
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"params file not found: {path}")
    raw = yaml.safe_load(path.read_text()) or {}
    for name in raw:
        if name not in SECTIONS:
            raise ParamsError(f"params.yaml: unknown section {name!r}; known: {', '.join(sorted(SECTIONS))}")
    return {name: parse_section(name, raw.get(name)) for name in sections}
