"""Every variant a params key can name, and what callers need to know about each: the one source of
the choices ``params.yaml`` accepts.

A registry here maps a name to its *kind* (whether a GAN condition reads the true labels, whether a
loss has a critic penalty, which streams an MRPN model reads). The code of each variant lives with
its layer (a loss in ``training/losses.py``, a model in ``models/``) in a table built with
:func:`implemented`, which refuses a table whose names differ from the registry's. So the config
validates choices, and the report and the stages ask what kind a variant is, without importing any
model code, and no module names variants one by one.

Adding a variant: its entry here (name and kind) and its implementation in the table of its layer
(docs/extending.md); ``params.yaml`` needs at most a comment.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, TypeVar

T = TypeVar("T")


def implemented(registry: Mapping[str, object], **implementations: T) -> dict[str, T]:
    """The implementation table of ``registry``, in the registry's order; an implementation missing
    for a registered name, or one for a name the registry lacks, is an error at import time."""
    missing = [name for name in registry if name not in implementations]
    extra = [name for name in implementations if name not in registry]
    if missing or extra:
        raise TypeError(f"implementations do not match the registry: missing {missing}, not registered {extra}")
    return {name: implementations[name] for name in registry}


# ---- data ----------------------------------------------------------------------------------------

# data.dataset -> reader (data/manifests.py: READERS)
DATASETS = ("synthetic", "crema_d", "ravdess")


@dataclass(frozen=True)
class ConditionKind:
    """A GAN condition (``gan.condition``). ``class_from``: where the class Q learns comes from:
    ``labels`` (the true labels: supervised, cannot be used for unlabelled faces), ``face_classifier``
    (f_S's output: usable for the face-only pool) or ``None`` (no class: Q is not built)."""
    class_from: str | None


# gan.condition -> condition matrix (data/conditions.py: CONDITIONS)
GAN_CONDITIONS: dict[str, ConditionKind] = {
    "label": ConditionKind(class_from="labels"),
    "classifier": ConditionKind(class_from="face_classifier"),
    "conformal": ConditionKind(class_from="face_classifier"),
    "none": ConditionKind(class_from=None),
}


def labels_unlabelled_faces(condition: str) -> bool:
    """Whether ``condition`` gives a face without a label a class (pool generation needs it)."""
    return GAN_CONDITIONS[condition].class_from == "face_classifier"


@dataclass(frozen=True)
class Direction:
    source: str  # processed array the generator reads: faces | spectrograms
    target: str  # processed array it writes


# gan.direction: plain data, no implementation table
GAN_DIRECTIONS: dict[str, Direction] = {"face2audio": Direction("faces", "spectrograms"),
                                        "audio2face": Direction("spectrograms", "faces")}

# gan.input -> how sources become pairs (data/pairs.py: PAIR_BUILDERS)
GAN_INPUTS = ("image", "temporal")

# gan.pretrain_pool -> sets whose clips pre-train the GAN ("" = clips in no set)
GAN_PRETRAIN_POOLS: dict[str, tuple[str, ...]] = {"unused_s3": ("", "S3"), "s1_s3": ("S1", "S3"),
                                                  "all_but_s4": ("", "S1", "S2", "S3")}

# generate.sources -> sets whose faces the trained generator turns into labelled audio
# (S3U: the faces of S3's actors without audio under an audio budget, split.audio_share < 1)
GENERATE_SOURCES: dict[str, tuple[str, ...]] = {"s3": ("S3",), "pool": ("POOL",), "s3_pool": ("S3", "POOL"),
                                                "unlabelled": ("S3U", "POOL"), "all": ("S3", "S3U", "POOL")}

# mrpn.corruptions: a stream x a corruption kind (data/corruptions.py: CORRUPTION_KINDS)
CORRUPTION_KINDS = ("missing", "noise", "shift")
CORRUPTED_STREAMS = ("audio", "video")
TEST_CORRUPTIONS = tuple(f"{stream}_{kind}" for stream in CORRUPTED_STREAMS for kind in CORRUPTION_KINDS)

# face_study.inputs -> features of a face (data/face_features.py: FACE_INPUT_FEATURES)
FACE_INPUTS = ("pixels", "landmarks", "geometry")

# ---- models --------------------------------------------------------------------------------------

# classifier.depth -> conv layers per stage (models/classifier.py: DEPTHS)
CLASSIFIER_DEPTHS = ("small", "deep")
# gan.generator, gan.upsample (models/generator.py: GENERATORS, UPSAMPLERS)
GAN_GENERATORS = ("encdec", "unet")
GAN_UPSAMPLERS = ("resize", "transpose")
# gan.critic_condition: how D reads the condition (models/discriminator.py: CRITIC_CONDITIONS)
GAN_CRITIC_CONDITIONS = ("concat", "projection")
# temporal.encoder (models/temporal.py: ENCODERS)
TEMPORAL_ENCODERS = ("3dcnn", "lstm", "transformer")
# mrpn.backbone, mrpn.aggregator (models/mrpn.py: BACKBONES, AGGREGATORS)
MRPN_BACKBONES = ("cnn", "resnet18")
MRPN_AGGREGATORS = ("lstm", "transformer")


@dataclass(frozen=True)
class MrpnKind:
    """An MRPN model (``mrpn.variants``): the streams its ``forward`` takes (``video``, ``audio`` or
    ``both``) and the variants that must train before it in the same fold (listed earlier here)."""
    streams: str
    needs: tuple[str, ...] = ()

    @property
    def fusion(self) -> bool:
        return self.streams == "both"


# mrpn.variants -> model builder (models/mrpn.py: VARIANT_BUILDERS)
MRPN_VARIANTS: dict[str, MrpnKind] = {
    "video_only": MrpnKind("video"),
    "audio_only": MrpnKind("audio"),
    "n0_late_fusion": MrpnKind("both", needs=("video_only", "audio_only")),
    "n0_end_to_end": MrpnKind("both"),
    "n1": MrpnKind("both"),
    "n2": MrpnKind("both"),
}

# face_study.models (models/feature_classifiers.py: FACE_MODELS; cnn = f_S on pixels)
FACE_MODELS = ("cnn", "mlp", "svm_linear", "svm_poly")

# ---- training ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossKind:
    """A GAN loss (``gan.loss``): whether its critic loss has a gradient penalty (the only loss
    ``gan.gp_every`` applies to)."""
    gradient_penalty: bool


# gan.loss -> D and G losses (training/losses.py: LOSSES)
GAN_LOSSES: dict[str, LossKind] = {"bce": LossKind(gradient_penalty=False),
                                   "wasserstein": LossKind(gradient_penalty=True)}
# gan.optimizer (training/gan.py: OPTIMIZERS)
GAN_OPTIMIZERS = ("adam", "adagrad")
# classifier.init, classifier.finetune, face_study.transfer (training/transfer.py)
CLASSIFIER_INITS = ("scratch", "identity")
CLASSIFIER_FINETUNE = ("all", "head")
# classifier.precision -> the arithmetic of the emotion CNN's training passes (training/classifier.py: PRECISIONS)
CLASSIFIER_PRECISIONS = ("fp32", "bf16")
FACE_TRANSFERS: dict[str, str] = {"identity_all": "all", "identity_head": "head"}  # -> the finetune it uses

# ---- conformal prediction ------------------------------------------------------------------------

# conformal.method (conformal/prediction.py: CONFORMAL_METHODS)
CONFORMAL_METHODS = ("inductive", "full")
