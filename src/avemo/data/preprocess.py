"""Per-clip preprocessing (faces + audio) streamed into memory-mapped arrays (docs/design.md, "Preprocessing").

``process_clip`` turns one manifest row into arrays or a rejection reason; ``preprocess`` runs it
over a process pool in manifest order (so outputs are identical for any worker count) and writes
each result straight into ``.npy`` memmaps, so memory does not grow with the dataset.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..workers import one_thread_per_worker
from .faces import FaceModels, aligned_track
from .manifests import REJECT_COLUMNS
from .media import MediaError, read_audio, read_video
from .spectrograms import SpectrogramSpec, centre_crop, gan_spectrogram, log_mel


@dataclass(frozen=True)
class PreprocessSpec:
    face_size: int
    sequence_frames: int  # middle frames kept (temporal windows and MRPN sequences)
    fps: float  # their rate: a clip recorded at another rate is resampled in time to it
    detect_max_side: int
    redetect_every: int
    gan: SpectrogramSpec
    stft: SpectrogramSpec  # MRPN features; ``frames`` = fixed stored length
    min_rms: float  # below this (after removing the mean) the audio is silent
    max_duration_gap: float  # seconds audio and video may differ before the pair is rejected
    max_faceless_share: float  # share of kept frames without a face before the clip is rejected
    min_face_similarity: float  # a tracked face less like the middle frame's is detected afresh

    def shapes(self) -> dict[str, tuple]:
        s = self.face_size
        return {
            "faces": ((s, s, 3), np.uint8),
            "face_frames": ((self.sequence_frames, s, s, 3), np.uint8),
            "spectrograms": ((1, self.gan.n_mels, self.gan.frames), np.float32),
            "stft": ((self.stft.n_mels, self.stft.frames), np.float16),
        }


@dataclass(frozen=True)
class Rejection:
    """Why a clip was left out: the file that failed, the kind of problem, and the full reason."""

    path: str
    kind: str
    reason: str


def fill_missing(aligned: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Frames without a face take the nearest frame that has one (earlier on ties), not black."""
    have = np.flatnonzero(found)
    nearest = have[np.abs(np.arange(len(found))[:, None] - have[None, :]).argmin(axis=1)]
    return aligned[nearest]


def process_clip(models: FaceModels, row: dict, spec: PreprocessSpec) -> dict | Rejection:
    """One clip -> {"faces", "face_frames", "spectrograms", "stft", "faceless_share", "landmarks", "fps"},
    or a Rejection. ``landmarks``: the middle frame's 68 points in the aligned crop (the face of
    ``faces``); ``fps``: the video's own frame rate (its frames are taken at ``spec.fps``)."""
    audio_path, video_path = row["audio_path"], row["video_path"]
    try:
        audio = read_audio(audio_path, spec.gan.sample_rate)
    except MediaError as err:
        return Rejection(audio_path, err.kind, str(err))
    try:
        video = read_video(video_path, spec.sequence_frames, spec.fps)
    except MediaError as err:
        return Rejection(video_path, err.kind, str(err))
    seconds = len(audio) / spec.gan.sample_rate
    if len(audio) < spec.gan.hop_length * spec.gan.frames // 2:
        return Rejection(audio_path, "audio too short", f"audio too short: {seconds:.2f} s")
    # loudness around the mean: a constant (DC offset) is silence too, and is removed from the features
    rms = float(np.sqrt(np.mean((audio.astype(np.float64) - audio.mean(dtype=np.float64)) ** 2)))
    if rms < spec.min_rms:
        return Rejection(audio_path, "silent audio", f"silent audio: rms {rms:.2e} < audio.min_rms {spec.min_rms:.0e}")
    if video.seconds * spec.fps < spec.sequence_frames // 2:
        return Rejection(video_path, "video too short", f"video too short: {video.total} frames ({video.seconds:.2f} s)")
    if abs(video.seconds - seconds) > spec.max_duration_gap:
        return Rejection(video_path, "durations differ",
                         f"durations differ: video {video.seconds:.2f} s, audio {seconds:.2f} s "
                         f"(> preprocess.max_duration_gap {spec.max_duration_gap} s)")
    try:
        tracked = aligned_track(models, video.frames, spec.face_size, spec.detect_max_side, spec.redetect_every,
                                spec.min_face_similarity)
    except ValueError as err:
        return Rejection(video_path, "degenerate landmarks", str(err))
    if tracked is None:
        return Rejection(video_path, "no face found", "no face found")
    aligned, found, middle_landmarks = tracked
    faceless = 1.0 - float(found.mean())
    if faceless > spec.max_faceless_share:
        return Rejection(video_path, "face leaves the frame",
                         f"no face in {faceless:.0%} of the kept frames "
                         f"(> preprocess.max_faceless_share {spec.max_faceless_share})")
    stft = centre_crop(log_mel(audio, spec.stft), spec.stft.frames)
    filled = fill_missing(aligned, found)
    return {
        "faces": filled[len(filled) // 2],  # the middle frame's face, or its nearest neighbour's
        "face_frames": filled,
        "spectrograms": gan_spectrogram(audio, spec.gan),
        "stft": stft.astype(np.float16),
        "faceless_share": faceless,
        "landmarks": middle_landmarks,
        "fps": video.fps,
    }


def other_file(row: dict, failed: str) -> str:
    """The clip's file that did not fail (left out with the one that did), or "" when audio and video
    are one file (RAVDESS)."""
    other = row["video_path"] if failed == row["audio_path"] else row["audio_path"]
    return "" if other == failed else other


_WORKER: dict = {}


def _init(spec: PreprocessSpec) -> None:
    import torch  # librosa may pull torch in; one thread per worker process

    torch.set_num_threads(1)
    _WORKER["models"], _WORKER["spec"] = FaceModels.load(), spec


def _init_pool_worker(spec: PreprocessSpec) -> None:
    one_thread_per_worker()
    _init(spec)


def _run(row: dict) -> dict | str:
    return process_clip(_WORKER["models"], row, _WORKER["spec"])


def preprocess(manifest: pd.DataFrame, spec: PreprocessSpec, out_dir: Path, workers: int = 1):
    """Write ``<name>.npy`` memmaps for the kept clips into ``out_dir``.

    Returns (kept manifest with ``index``, ``faceless_share`` and ``fps`` (the video's own rate) columns, rejections table
    clip/path/kind/reason naming the file that failed, the kept clips' aligned landmarks (K, 68, 2)).
    The landmarks are returned, not written with the arrays, so the arrays' folder (and every stage
    after it) does not change with them.
    """
    rows = manifest.to_dict("records")
    n = len(rows)
    staging = {k: np.lib.format.open_memmap(out_dir / f".{k}.staging.npy", "w+", dt, (n, *shape))
               for k, (shape, dt) in spec.shapes().items()}
    kept, rejects, marks = [], [], []
    if workers > 1:
        pool = get_context("spawn").Pool(workers, _init_pool_worker, (spec,))
        results = pool.imap(_run, rows, chunksize=2)
    else:
        pool = None
        _init(spec)
        results = map(_run, rows)
    try:
        for row, result in tqdm(zip(rows, results), total=n, desc="preprocess"):
            if isinstance(result, Rejection):
                rejects.append({"clip": row["clip"], **asdict(result), "other_file": other_file(row, result.path)})
                continue
            for key in staging:
                staging[key][len(kept)] = result[key]
            kept.append({**row, "faceless_share": round(result["faceless_share"], 4), "fps": round(result["fps"], 3)})
            marks.append(result["landmarks"])
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    # Compact the staging arrays to the kept rows, chunk by chunk (bounded memory).
    for key, arr in staging.items():
        final = np.lib.format.open_memmap(out_dir / f"{key}.npy", "w+", arr.dtype, (len(kept), *arr.shape[1:]))
        for i in range(0, len(kept), 256):
            j = min(i + 256, len(kept))
            final[i:j] = arr[i:j]
        final.flush()
        del final
        (out_dir / f".{key}.staging.npy").unlink()
    table = pd.DataFrame(kept, columns=[*manifest.columns, "faceless_share", "fps"])
    table.insert(0, "index", np.arange(len(kept)))
    landmarks = np.stack(marks) if marks else np.zeros((0, 68, 2), np.float32)
    return table, pd.DataFrame(rejects, columns=REJECT_COLUMNS), landmarks


def too_many_rejections(rejects: pd.DataFrame, total: int, limit: float, table_path: Path) -> str:
    """The one-line failure message: the share, every kind of rejection with its count (most common
    first), and where the table with every clip and reason is."""
    kinds = ", ".join(f"{kind} ({n})" for kind, n in rejects["kind"].value_counts().items())
    return (f"preprocess: rejected {len(rejects)}/{total} clips ({len(rejects) / total:.1%}) > "
            f"preprocess.max_reject_fraction = {limit}; by kind: {kinds}; every clip and reason: {table_path}")
