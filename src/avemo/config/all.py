"""Every params section's dataclass, in params.yaml's order (for checking the whole file at once),
and the checks that involve more than one section."""
from .audio import AudioParams
from .classifier import ClassifierParams
from .core import ParamsError
from .conformal import ConformalParams
from .corpus import CorpusParams
from .data import DataParams
from .eval import EvalParams
from .face import FaceParams
from .face_study import FaceStudyParams
from .gan import GanParams
from .generate import GenerateParams
from .mrpn import MrpnParams
from .preprocess import PreprocessParams
from .split import SplitParams
from .temporal import TemporalParams
from .train import TrainParams
from ..variants import GAN_CONDITIONS, labels_unlabelled_faces

ALL_SECTIONS = (DataParams, CorpusParams, FaceParams, AudioParams, PreprocessParams, SplitParams, TrainParams,
                ClassifierParams, ConformalParams, TemporalParams, GanParams, GenerateParams, EvalParams, MrpnParams,
                FaceStudyParams)


def check_across_sections(p: dict) -> None:
    """What no single section can check: generation from the face-only pool needs a pool and a
    condition that labels a face from the face classifier, not from the true label."""
    sources, condition = p["generate"].sources, p["gan"].condition
    if sources != "s3" and p["split"].pool_units == 0:
        raise ParamsError(f"generate.sources = {sources!r} needs a face-only pool: set split.pool_units > 0")
    if sources != "s3" and not labels_unlabelled_faces(condition):
        usable = ", ".join(name for name in GAN_CONDITIONS if labels_unlabelled_faces(name))
        raise ParamsError(f"generate.sources = {sources!r} needs a gan.condition that labels faces without labels "
                          f"({usable}; got {condition!r}): the pool's faces have no labels")

