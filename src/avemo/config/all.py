"""Every params section's dataclass, in params.yaml's order (for checking the whole file at once),
and the checks that involve more than one section."""
from pathlib import Path

from ..variants import GAN_CONDITIONS, GENERATE_SOURCES, labels_unlabelled_faces
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

ALL_SECTIONS = (DataParams, CorpusParams, FaceParams, AudioParams, PreprocessParams, SplitParams, TrainParams,
                ClassifierParams, ConformalParams, TemporalParams, GanParams, GenerateParams, EvalParams, MrpnParams,
                FaceStudyParams)


def params_warnings(p: dict, project: Path) -> list[str]:
    """What is valid but will surprise: a dataset root outside the project, where DVC cannot apply the
    project's .dvcignore, so a hidden file added there (a macOS fork) makes preprocess stale."""
    root = Path(p["data"].root)
    resolved = (root if root.is_absolute() else project / root).resolve()
    if p["data"].dataset != "synthetic" and not resolved.is_relative_to(project.resolve()):
        return [f"data.root {root} is outside the project: DVC cannot skip its hidden files (.dvcignore); "
                f"link it in (ln -s {resolved} data/{p['data'].dataset}) and set data.root: data/{p['data'].dataset}"]
    return []


def check_across_sections(p: dict) -> None:
    """What no single section can check: generation from faces without audio needs such faces (the
    face-only pool, or S3's actors beyond an audio budget) and a condition that labels a face from the
    face classifier, not from the true label."""
    sources, condition, split = p["generate"].sources, p["gan"].condition, p["split"]
    wants = set(GENERATE_SOURCES[sources])
    if "POOL" in wants and split.pool_units == 0 and not ("S3U" in wants and split.audio_share < 1):
        raise ParamsError(f"generate.sources = {sources!r} needs a face-only pool: set split.pool_units > 0")
    if sources != "s3" and not labels_unlabelled_faces(condition):
        usable = ", ".join(name for name in GAN_CONDITIONS if labels_unlabelled_faces(name))
        raise ParamsError(f"generate.sources = {sources!r} needs a gan.condition that labels faces without labels "
                          f"({usable}; got {condition!r}): the pool's faces have no labels")

