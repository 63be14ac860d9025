import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from avemo.data.faces import FaceModels
from avemo.data.manifests import build_manifest
from avemo.data.media import write_video
from avemo.data.preprocess import PreprocessSpec, preprocess, process_clip
from avemo.data.spectrograms import SpectrogramSpec

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
SPEC = PreprocessSpec(
    face_size=28, sequence_frames=55, fps=30.0, detect_max_side=320, redetect_every=0,
    gan=SpectrogramSpec(16000, 512, 128, 28, 112, 80.0), stft=SpectrogramSpec(16000, 512, 64, 64, 500, 80.0),
    min_rms=1e-4, max_duration_gap=0.5, max_faceless_share=0.2, min_face_similarity=0.5,
)


@pytest.fixture(scope="module")
def models():
    return FaceModels.load()


@pytest.fixture(scope="module")
def good_row(tiny_corpus):
    table, _ = build_manifest("synthetic", tiny_corpus, SIX)
    return table.iloc[0].to_dict()


def test_good_clip_gives_all_arrays(models, good_row):
    out = process_clip(models, good_row, SPEC)
    assert out["faces"].shape == (28, 28, 3) and out["faces"].dtype == np.uint8
    assert out["face_frames"].shape == (55, 28, 28, 3)
    assert (out["face_frames"][27] == out["faces"]).all()  # static face = middle frame
    assert out["spectrograms"].shape == (1, 28, 112)
    assert out["stft"].shape == (64, 500) and out["stft"].dtype == np.float16


def test_bad_inputs_are_rejected_with_reasons(models, good_row, tmp_path):
    corrupt = tmp_path / "corrupt.flv"
    corrupt.write_bytes(b"FLV\x01garbage" * 10)
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 16000)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(32000, np.float32), 16000)
    faceless = tmp_path / "faceless.flv"
    rng = np.random.default_rng(0)
    write_video(faceless, rng.integers(0, 255, (60, 96, 96, 3), dtype=np.uint8), 30)
    reasons = {
        "corrupt": process_clip(models, {**good_row, "video_path": str(corrupt)}, SPEC),
        "empty": process_clip(models, {**good_row, "audio_path": str(empty)}, SPEC),
        "silent": process_clip(models, {**good_row, "audio_path": str(silent)}, SPEC),
        "faceless": process_clip(models, {**good_row, "video_path": str(faceless)}, SPEC),
    }
    assert reasons["corrupt"].kind == "corrupt video" and reasons["corrupt"].path == str(corrupt)
    assert reasons["empty"].kind == "empty audio" and reasons["empty"].path == str(empty)
    assert reasons["silent"].reason.startswith("silent audio") and reasons["silent"].path == str(silent)
    assert reasons["faceless"].kind == "no face found" and reasons["faceless"].path == str(faceless)


def test_stereo_48k_wav_is_resampled_to_mono(models, good_row, tmp_path):
    audio, sr = sf.read(good_row["audio_path"], dtype="float32")
    import librosa

    hi = librosa.resample(audio, orig_sr=sr, target_sr=48000)
    stereo = tmp_path / "stereo.wav"
    sf.write(stereo, np.stack([hi, hi], axis=1), 48000)
    a = process_clip(models, good_row, SPEC)["spectrograms"]
    b = process_clip(models, {**good_row, "audio_path": str(stereo)}, SPEC)["spectrograms"]
    assert b.shape == a.shape
    assert np.abs(a - b).mean() < 0.05  # same content after resampling back to 16 kHz


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_stage_keeps_good_clips_lists_rejects_and_is_byte_identical(tiny_corpus, tmp_path):
    table, _ = build_manifest("synthetic", tiny_corpus, SIX)
    table = table.iloc[:6].copy()
    broken = tmp_path / "broken.flv"
    broken.write_bytes(b"")
    table.loc[len(table)] = {**table.iloc[0].to_dict(), "clip": "broken", "video_path": str(broken)}
    digests = []
    for run, workers in enumerate((1, 2)):
        out = tmp_path / f"run{run}"
        out.mkdir()
        kept, rejects, landmarks = preprocess(table, SPEC, out, workers=workers)
        assert kept["clip"].tolist() == table["clip"].tolist()[:6]
        assert landmarks.shape == (6, 68, 2)
        eyes = np.stack([landmarks[:, 36:42].mean(1), landmarks[:, 42:48].mean(1)], 1)  # (6, 2, 2)
        assert np.abs(eyes - [[0.32, 0.36], [0.68, 0.36]]).max() < 0.05  # aligned: on the template's eyes
        assert landmarks[:, :, 0].std(0).max() > 1e-3  # per-clip shapes, not one template copied
        np.save(out / "landmarks.npy", landmarks)
        assert rejects["clip"].tolist() == ["broken"]
        assert np.load(out / "faces.npy").shape == (6, 28, 28, 3)
        kept.to_csv(out / "clips.csv", index=False)
        digests.append(_digest(out))
    assert digests[0] == digests[1]


def test_a_wide_recording_is_found_and_cut_like_a_square_one(models, tmp_path):
    """The corpus at a recording's aspect (CREMA-D: 480 x 360; here 256 x 192): the video is that wide,
    its middle is the square scene, and preprocessing finds the face and gives the same arrays' shapes."""
    from avemo.data.media import read_video
    from avemo.data.synthetic import write_corpus
    from conftest import tiny_spec

    root = tmp_path / "wide"
    write_corpus(tiny_spec(n_actors=4, frame_width=256), root)
    table, _ = build_manifest("synthetic", root, SIX)
    row = table.iloc[0].to_dict()
    assert read_video(row["video_path"]).frames.shape[1:] == (192, 256, 3)
    out = process_clip(models, row, SPEC)
    assert out["faces"].shape == (28, 28, 3) and out["face_frames"].shape == (55, 28, 28, 3)
