"""Bad media: each is rejected with a readable reason naming the file that failed, and the rest of
the run goes on; memory does not grow with the clip's length; a stage that fails keeps its table."""
import os
import shutil
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import soundfile as sf
import yaml

from avemo.data.faces import FaceModels
from avemo.data.manifests import build_manifest
from avemo.data.media import read_video, write_video
from avemo.data.preprocess import PreprocessSpec, Rejection, process_clip
from avemo.data.spectrograms import SpectrogramSpec
from conftest import ROOT

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
SPEC = PreprocessSpec(face_size=28, sequence_frames=55, fps=30.0, detect_max_side=320, redetect_every=0,
                      gan=SpectrogramSpec(16000, 512, 128, 28, 112, 80.0),
                      stft=SpectrogramSpec(16000, 512, 64, 64, 500, 80.0), min_rms=1e-4, max_duration_gap=0.5,
                      max_faceless_share=0.2, min_face_similarity=0.5)
LFS = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 40844\n"


@pytest.fixture(scope="module")
def models():
    return FaceModels.load()


@pytest.fixture(scope="module")
def row(tiny_corpus):
    return build_manifest("synthetic", tiny_corpus, SIX)[0].iloc[0].to_dict()


def reject(models, row, **paths) -> Rejection:
    out = process_clip(models, {**row, **{k: str(v) for k, v in paths.items()}}, SPEC)
    assert isinstance(out, Rejection), "accepted"
    return out


def test_float_wav_with_nan_or_inf_is_rejected(models, row, tmp_path):
    audio, sr = sf.read(row["audio_path"], dtype="float32")
    for bad in (np.nan, np.inf):
        damaged = audio.copy()
        damaged[1000] = bad
        path = tmp_path / f"bad{bad}.wav"
        sf.write(path, damaged, sr, subtype="FLOAT")
        out = reject(models, row, audio_path=path)
        assert out.kind == "non-finite audio" and out.path == str(path)


def test_a_truncated_video_is_corrupt_and_a_whole_short_one_too_short(models, row, tmp_path):
    """Cut short (half the file, or its first 3,000 bytes): fewer frames decode than the header states,
    so the file is corrupt; a file recorded short (whole, 10 frames) is "video too short"."""
    whole = open(row["video_path"], "rb").read()
    for name, size in (("half", len(whole) // 2), ("3000", 3000)):
        path = tmp_path / f"{name}.flv"
        path.write_bytes(whole[:size])
        out = reject(models, row, video_path=path)
        assert out.kind == "corrupt video" and "truncated" in out.reason and out.path == str(path)
    short = tmp_path / "short.flv"
    write_video(short, read_video(row["video_path"]).frames[:10], 30)
    out = reject(models, row, video_path=short)
    assert out.kind == "video too short", out


def test_a_constant_wav_is_silent(models, row, tmp_path):
    path = tmp_path / "dc.wav"
    sf.write(path, np.full(32000, 0.3, np.float32), 16000)  # rms 0.3 around zero, 0 around its mean
    out = reject(models, row, audio_path=path)
    assert out.kind == "silent audio"


def test_git_lfs_pointers_say_so_and_how_to_fetch(models, row, tmp_path):
    for name, key in (("clip.wav", "audio_path"), ("clip.flv", "video_path")):
        (tmp_path / name).write_bytes(LFS)
        out = reject(models, row, **{key: tmp_path / name})
        assert out.kind == "Git LFS pointer" and "git lfs pull" in out.reason and out.path == str(tmp_path / name)


def test_a_directory_and_a_symlink_loop_are_named(models, row, tmp_path):
    (tmp_path / "dir.flv").mkdir()
    out = reject(models, row, video_path=tmp_path / "dir.flv")
    assert out.kind == "not a file" and "is a directory" in out.reason
    loop = tmp_path / "loop.wav"
    os.symlink(loop, loop)
    out = reject(models, row, audio_path=loop)
    assert out.kind == "broken symlink" and str(loop) in out.reason


def test_audio_and_video_of_different_lengths_are_not_a_pair(models, row, tmp_path):
    audio, sr = sf.read(row["audio_path"], dtype="float32")
    short = tmp_path / "short.wav"
    sf.write(short, audio[: sr // 2], sr)  # 0.5 s against a 2 s video
    out = reject(models, row, audio_path=short)
    assert out.kind == "durations differ" and out.path == row["video_path"]
    long = tmp_path / "long.wav"
    sf.write(long, np.concatenate([audio] * 3), sr)
    assert reject(models, row, audio_path=long).kind == "durations differ"


def sliding_out(row, tmp_path, share: float):
    """The clip's video with the picture sliding right, off the frame, over the last ``share``."""
    clip = read_video(row["video_path"])
    frames = clip.frames.copy()
    n, w = len(frames), frames.shape[2]
    start = int(n * (1 - share))
    for t in range(start, n):
        shift = min(w, int(w * 1.2 * (t - start + 1) / (n - start)))
        frames[t] = 0
        frames[t, :, shift:] = clip.frames[t, :, : w - shift]
    path = tmp_path / f"out{share}.flv"
    write_video(path, frames, int(round(clip.fps)))
    return path


def test_a_face_that_leaves_the_frame(models, row, tmp_path):
    gone = sliding_out(row, tmp_path, 0.45)
    out = reject(models, row, video_path=gone)
    assert out.kind == "face leaves the frame" and "preprocess.max_faceless_share" in out.reason
    lenient = PreprocessSpec(**{**SPEC.__dict__, "max_faceless_share": 0.6})
    kept = process_clip(models, {**row, "video_path": str(gone)}, lenient)
    assert 0.2 < kept["faceless_share"] <= 0.6
    seq = kept["face_frames"]
    assert seq.reshape(len(seq), -1).mean(axis=1).min() > 20  # missing frames hold a face, not black
    assert process_clip(models, row, SPEC)["faceless_share"] == 0.0


def test_memory_does_not_grow_with_clip_length(tmp_path):
    rng = np.random.default_rng(0)
    peaks = []
    for seconds in (2, 20):
        path = tmp_path / f"{seconds}.flv"
        write_video(path, rng.integers(0, 255, (30 * seconds, 192, 192, 3), dtype=np.uint8), 30)
        tracemalloc.start()
        clip = read_video(path, keep=10)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert clip.frames.shape == (10, 192, 192, 3) and clip.total == 30 * seconds
    assert peaks[1] < 1.5 * peaks[0]  # ten times the frames, about the same memory


def test_failing_stage_keeps_the_table_and_groups_reasons_by_kind(tiny_corpus, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(tiny_corpus, root)
    for wav in sorted((root / "AudioWAV").iterdir())[:6]:
        wav.write_bytes(LFS)
    wavs, videos = sorted((root / "AudioWAV").iterdir()), sorted((root / "VideoFlash").iterdir())
    videos[-1].write_bytes(videos[-1].read_bytes()[:3000])  # six more kinds of one clip each
    wavs[-2].write_bytes(b"")
    wavs[-3].unlink()
    sf.write(wavs[-5], np.full(32000, 0.2, np.float32), 16000)  # silent
    (root / "AudioWAV" / "notaclip.wav").write_bytes(b"x")
    (root / "VideoFlash" / "1099_TIE_ANG_XX.flv").mkdir()
    (root / "AudioWAV" / "1099_TIE_ANG_XX.wav").write_bytes(wavs[-4].read_bytes())
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["preprocess"]["workers"] = 1
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    command = [sys.executable, str(ROOT / "stages/preprocess.py"), "--params", str(tmp_path / "params.yaml"),
               "--corpus", str(root), "--processed", str(tmp_path / "processed"), "--metrics", str(tmp_path / "m.json"),
               "--results", str(tmp_path / "results"),
               "--plots", str(tmp_path / "plots"), "--landmarks", str(tmp_path / "landmarks.csv"),
               "--environment", str(tmp_path / "e.json")]
    out = subprocess.run(command, capture_output=True, text=True)
    message = out.stderr.strip().splitlines()[-1]
    assert out.returncode != 0 and "Git LFS pointer (6)" in message

    table = tmp_path / "processed_rejections.csv"
    assert str(table) in message and table.exists() and not (tmp_path / "processed").exists()
    import pandas as pd

    counts = pd.read_csv(table)["kind"].value_counts()
    assert counts["Git LFS pointer"] == 6 and len(counts) >= 6
    for kind, n in counts.items():  # every kind with its count, not the most common few
        assert f"{kind} ({n})" in message, (kind, message)
    # the next successful run removes the failed run's table, so it is not mistaken for the current one
    for wav in wavs[:6]:
        wav.write_bytes((tiny_corpus / "AudioWAV" / wav.name).read_bytes())
    params["preprocess"]["max_reject_fraction"] = 0.9
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not table.exists() and (tmp_path / "processed" / "rejections.csv").exists()


@pytest.mark.parametrize("share, stated, read", [(0.85, "2.00", "1.70"), (0.5, "2.00", "1.00")])
def test_a_wav_cut_short_is_truncated_audio_naming_the_wav(models, row, tmp_path, share, stated, read):
    """A copy cut short keeps its header's sample count: the WAV is named, with both durations."""
    whole = open(row["audio_path"], "rb").read()
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[: 44 + int((len(whole) - 44) * share)])
    out = reject(models, row, audio_path=path)
    assert out.kind == "truncated audio" and out.path == str(path), out
    assert f"header states {stated} s, {read} s read" in out.reason, out.reason


def test_a_whole_wav_with_its_own_header_is_not_truncated(models, row, tmp_path):
    """Short audio written whole (its header states what it holds) is no truncation: durations differ."""
    audio, sr = sf.read(row["audio_path"], dtype="float32")
    path = tmp_path / "whole.wav"
    sf.write(path, audio[: int(0.7 * len(audio))], sr)
    assert reject(models, row, audio_path=path).kind == "durations differ"


def test_48k_stereo_with_dc_on_one_channel_gives_the_clean_features(models, row, tmp_path):
    """Recorded at 48 kHz in stereo with a 0.2 offset on one channel: the offset goes per channel before
    resampling, so no step rings at the clip's edges and both feature sets stay the clean clip's (up to
    the resampler's round trip; removing the offset after resampling left 0.46 in the STFT's edge frames)."""
    import librosa

    audio, sr = sf.read(row["audio_path"], dtype="float32")
    up = librosa.resample(audio, orig_sr=sr, target_sr=48000)
    path = tmp_path / "stereo48k.wav"
    sf.write(path, np.stack([up + 0.2, up], axis=1), 48000, subtype="FLOAT")
    clean_twin = tmp_path / "clean48k.wav"
    sf.write(clean_twin, np.stack([up, up], axis=1), 48000, subtype="FLOAT")
    clean = process_clip(models, {**row, "audio_path": str(clean_twin)}, SPEC)
    offset = process_clip(models, {**row, "audio_path": str(path)}, SPEC)
    for key in ("spectrograms", "stft"):
        diff = np.abs(offset[key].astype(np.float32) - clean[key].astype(np.float32))
        assert diff.max() < 0.01, (key, diff.max(), np.unravel_index(diff.argmax(), diff.shape))


def frames_numbered(n: int) -> np.ndarray:
    """(n, 96, 96, 3) frames whose grey level says their index (4 levels apart: the codec keeps them apart)."""
    return np.repeat((np.arange(n) * 4 % 256).astype(np.uint8), 96 * 96 * 3).reshape(n, 96, 96, 3)


def frame_index(frames: np.ndarray) -> np.ndarray:
    return np.round(frames.reshape(len(frames), -1).mean(axis=1) / 4).astype(int)


def test_the_video_reader_keeps_the_middle_frames(tmp_path):
    path = tmp_path / "numbered.flv"
    write_video(path, frames_numbered(60), 30)
    assert frame_index(read_video(path, keep=10).frames).tolist() == list(range(25, 35))
    assert frame_index(read_video(path, keep=55, fps=30.0).frames).tolist() == list(range(2, 57))
    assert frame_index(read_video(path).frames).tolist() == list(range(60))


def test_a_25_fps_clip_is_resampled_in_time_to_the_sequence_rate(models, row, tmp_path):
    """50 frames at 25 fps, kept as 55 frames at 30 fps: each kept frame is the source frame nearest to
    its instant, so the sequence spans the same 1.8 s around the middle as a 30 fps clip's (not 2.2 s)."""
    path = tmp_path / "numbered25.flv"
    write_video(path, frames_numbered(50), 25)
    clip = read_video(path, keep=55, fps=30.0)
    instants = 24 + (np.arange(55) - 27) * 25 / 30  # in source frames, 1/30 s apart around the middle
    got = frame_index(clip.frames)
    assert clip.fps == 25 and np.abs(got - instants).max() <= 0.5, got
    assert (got[-1] - got[0]) / 25 == pytest.approx(54 / 30, abs=1 / 25)
    # through the stage: the clip is kept and its own rate recorded
    clip25 = tmp_path / "clip25.flv"
    frames = read_video(row["video_path"]).frames
    write_video(clip25, frames[np.round(np.arange(50) * 30 / 25).astype(int)], 25)
    kept = process_clip(models, {**row, "video_path": str(clip25)}, SPEC)
    assert not isinstance(kept, Rejection) and kept["fps"] == 25 and kept["face_frames"].shape[0] == 55


def test_a_middle_frame_without_a_face_takes_the_nearest_one_with_a_face(models, row, tmp_path):
    """A blink or blur at the middle frame (here two blank frames) does not lose the clip: detection
    starts from the nearest frame with a face, and the clip's face is that frame's."""
    clip = read_video(row["video_path"])
    frames = clip.frames.copy()
    mid = len(frames) // 2
    frames[mid - 1 : mid + 1] = 128
    path = tmp_path / "blank_middle.flv"
    write_video(path, frames, int(round(clip.fps)))
    kept = process_clip(models, {**row, "video_path": str(path)}, SPEC)
    assert not isinstance(kept, Rejection), kept
    assert kept["faces"].std() > 20  # a face, not the grey frame
    assert 0 < kept["faceless_share"] <= 0.1


def test_an_unparsable_name_is_rejected_with_both_its_files(tiny_corpus, tmp_path):
    """A clip named outside CREMA-D's scheme: rejected by name, its video named beside its WAV, and
    every clean clip kept."""
    root = tmp_path / "copy"
    shutil.copytree(tiny_corpus, root)
    for folder, suffix in (("AudioWAV", "wav"), ("VideoFlash", "flv")):
        first = sorted((root / folder).glob(f"*.{suffix}"))[0]
        shutil.copy(first, root / folder / f"take2_of_1001.{suffix}")
    table, rejects = build_manifest("synthetic", root, SIX)
    (row,) = rejects.itertuples()
    assert row.kind == "name does not parse" and row.path.endswith("take2_of_1001.wav")
    assert row.other_file.endswith("take2_of_1001.flv") and "does not match" in row.reason
    assert len(table) == len(build_manifest("synthetic", tiny_corpus, SIX)[0])
