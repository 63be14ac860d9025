"""Every params section's dataclass, in params.yaml's order (for checking the whole file at once)."""
from .audio import AudioParams
from .classifier import ClassifierParams
from .conformal import ConformalParams
from .corpus import CorpusParams
from .data import DataParams
from .eval import EvalParams
from .face import FaceParams
from .gan import GanParams
from .generate import GenerateParams
from .mrpn import MrpnParams
from .preprocess import PreprocessParams
from .split import SplitParams
from .temporal import TemporalParams
from .train import TrainParams

ALL_SECTIONS = (DataParams, CorpusParams, FaceParams, AudioParams, PreprocessParams, SplitParams, TrainParams,
                ClassifierParams, ConformalParams, TemporalParams, GanParams, GenerateParams, EvalParams, MrpnParams)
