"""Shared tiny inputs, made by the tests themselves."""
from pathlib import Path

import pytest

from avemo.config.all import ALL_SECTIONS
from avemo.config.core import build, load_params
from avemo.data.synthetic import CorpusSpec, write_corpus

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT / "params.yaml", *ALL_SECTIONS)


def from_params(cls, *sections: str, **given):
    """Library config ``cls`` built by field name from params.yaml's ``sections`` (the first that has
    a field wins; ``given`` first): library configs have no defaults of their own."""
    return build(cls, *(PARAMS[name] for name in sections), **given)


def gan_setup(source_shape: tuple, target_shape: tuple, **given):
    """A GanSetup from the gan section; what the data decide (classes, condition width) and the loss
    decides (critic batch norm) default to six classes, a six-wide condition, BCE, with Q."""
    from avemo.models.gan import GanSetup

    fixed = {"n_classes": 6, "cond_dim": 6, "critic_batch_norm": True, "with_q": True}
    return from_params(GanSetup, "gan", source_shape=source_shape, target_shape=target_shape, **{**fixed, **given})


def gan_train_config(**given):
    """A GanTrainConfig from the gan and train sections (channels_last off: a CPU option)."""
    from avemo.training.gan import GanTrainConfig

    return from_params(GanTrainConfig, "gan", "train", **{"channels_last": False, **given})


def tiny_spec(**overrides) -> CorpusSpec:
    base = dict(seed=3, n_actors=4, sentences=("TIE",), clip_seconds=2.0, fps=30, frame_size=192, frame_width=0,
                sample_rate=16000, expression_gain=1.0, face_confusion=0.6, voice_confusion=0.6, image_noise=6.0,
                levels=("LO", "MD", "HI"), speaker_spread=0.0, channel_spread=0.0, face_voice_link=0.0)
    base.update(overrides)
    return CorpusSpec(**base)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """4 actors x 1 sentence x 6 emotions = 24 synthetic clips in the CREMA-D layout."""
    root = tmp_path_factory.mktemp("corpus") / "corpus"
    write_corpus(tiny_spec(), root, workers=1)
    return root


# `make test` deals whole files to two workers in collection order (loadfile with
# --no-loadscope-reorder, which keeps this order instead of xdist's most-tests-first): the files that
# take longest go first, so that the end-to-end run starts at once on one worker while the other
# works through the rest, instead of starting last (`pytest --durations` gives the order).
LONGEST_FIRST = ("test_pipeline.py", "test_other_cpu_kernels.py", "test_tracking.py", "test_benchmarks.py", "test_distributed.py", "test_runs.py",
                 "test_gan_condition.py", "test_user_dataset.py", "test_bad_media.py", "test_gan_training.py")


def pytest_collection_modifyitems(items):
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
