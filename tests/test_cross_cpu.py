"""Preprocess outputs are byte-identical across CPU feature sets: the same clips are processed in
subprocesses under different OpenBLAS kernels and numpy SIMD levels (what differs between CPUs)."""
import hashlib
import os
import subprocess
import sys

import librosa
import numpy as np
import pytest

from avemo.data.spectrograms import SpectrogramSpec, log_mel, project

AVX512 = "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
SETTINGS = {  # name -> environment
    "default": {},
    "openblas Prescott (SSE3)": {"OPENBLAS_CORETYPE": "Prescott"},
    "openblas Haswell (AVX2)": {"OPENBLAS_CORETYPE": "Haswell"},
    "numpy without AVX-512": {"NPY_DISABLE_CPU_FEATURES": AVX512},
}

DIGEST = """
import hashlib, sys
from avemo.data.faces import FaceModels
from avemo.data.manifests import build_manifest
from avemo.data.preprocess import PreprocessSpec, process_clip
from avemo.data.spectrograms import SpectrogramSpec
spec = PreprocessSpec(face_size=28, sequence_frames=55, fps=30.0, detect_max_side=320, redetect_every=0,
                      gan=SpectrogramSpec(16000, 512, 128, 28, 112, 80.0),
                      stft=SpectrogramSpec(16000, 512, 64, 64, 500, 80.0), min_rms=1e-4, max_duration_gap=0.5,
                      max_faceless_share=0.2, min_face_similarity=0.5)
table = build_manifest("synthetic", sys.argv[1], ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD"))[0]
models, out = FaceModels.load(), {}
for row in table.iloc[:2].to_dict("records"):
    for key, value in process_clip(models, row, spec).items():
        out.setdefault(key, hashlib.sha256()).update(getattr(value, "tobytes", lambda: repr(value).encode())())
print(" ".join(f"{k}={h.hexdigest()[:12]}" for k, h in sorted(out.items())))
"""


def test_preprocess_is_byte_identical_under_every_cpu_setting(tiny_corpus):
    digests = {}
    for name, extra in SETTINGS.items():
        out = subprocess.run([sys.executable, "-c", DIGEST, str(tiny_corpus)], capture_output=True, text=True,
                             env={**os.environ, **extra})
        assert out.returncode == 0, out.stderr[-2000:]
        digests[name] = out.stdout.strip()
    assert len(set(digests.values())) == 1, digests


def test_blas_free_projection_is_the_matrix_product():
    rng = np.random.default_rng(0)
    basis = librosa.filters.mel(sr=16000, n_fft=512, n_mels=28)
    power = rng.gamma(0.5, size=(257, 40)) ** 2
    assert project(basis, power) == pytest.approx(basis.astype(np.float64) @ power, rel=1e-12, abs=1e-300)


def test_log_mel_matches_librosas_melspectrogram():
    rng = np.random.default_rng(1)
    audio = (rng.normal(size=16000) * np.hanning(16000)).astype(np.float32)
    spec = SpectrogramSpec(16000, 512, 128, 28, 112, 80.0)
    audio += np.float32(0.05)  # a DC offset: log_mel is librosa's log-mel of the audio less its mean
    reference = librosa.power_to_db(librosa.feature.melspectrogram(y=audio - audio.mean(), sr=16000, n_fft=512,
                                                                   hop_length=128, n_mels=28), ref=np.max, top_db=80.0)
    assert log_mel(audio, spec) == pytest.approx(2 * reference / 80.0 + 1, abs=1e-4)
