"""Shared tiny inputs, made by the tests themselves."""
from pathlib import Path

import pytest

from avemo.data.synthetic import CorpusSpec, write_corpus

ROOT = Path(__file__).resolve().parents[1]


def tiny_spec(**overrides) -> CorpusSpec:
    base = dict(seed=3, n_actors=4, sentences=("TIE",), clip_seconds=2.0, fps=30, frame_size=192,
                sample_rate=16000, expression_gain=1.0, face_confusion=0.6, voice_confusion=0.6, image_noise=6.0)
    base.update(overrides)
    return CorpusSpec(**base)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """4 actors x 1 sentence x 6 emotions = 24 synthetic clips in the CREMA-D layout."""
    root = tmp_path_factory.mktemp("corpus") / "corpus"
    write_corpus(tiny_spec(), root, workers=1)
    return root
