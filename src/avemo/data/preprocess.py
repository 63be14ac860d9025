"""Per-clip preprocessing (faces + audio) streamed into memory-mapped arrays (docs/design.md, "Preprocessing").

``process_clip`` turns one manifest row into arrays or a rejection reason; ``preprocess`` runs it
over a process pool in manifest order (so outputs are identical for any worker count) and writes
each result straight into ``.npy`` memmaps, so memory does not grow with the dataset.
"""
from __future__ import annotations

from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from .faces import FaceModels, align_face, track_landmarks
from .media import MediaError, read_audio, read_video
from .spectrograms import SpectrogramSpec, centre_crop, gan_spectrogram, log_mel


@dataclass(frozen=True)
class PreprocessSpec:
    face_size: int
    sequence_frames: int  # middle frames kept (temporal windows and MRPN sequences)
    detect_max_side: int
    redetect_every: int
    gan: SpectrogramSpec
    stft: SpectrogramSpec  # MRPN features; ``frames`` = fixed stored length
    min_rms: float

    def shapes(self) -> dict[str, tuple]:
        s = self.face_size
        return {
            "faces": ((s, s, 3), np.uint8),
            "face_frames": ((self.sequence_frames, s, s, 3), np.uint8),
            "spectrograms": ((1, self.gan.n_mels, self.gan.frames), np.float32),
            "stft": ((self.stft.n_mels, self.stft.frames), np.float16),
        }


def middle_frames(n: int, keep: int) -> np.ndarray:
    """Indices of the ``keep`` middle frames of ``n``; edge frames repeat when the clip is short."""
    start = (n - keep) // 2
    return np.clip(np.arange(start, start + keep), 0, n - 1)


def process_clip(models: FaceModels, row: dict, spec: PreprocessSpec) -> dict | str:
    """One clip -> {"faces", "face_frames", "spectrograms", "stft"} arrays, or a rejection reason."""
    try:
        audio = read_audio(row["audio_path"], spec.gan.sample_rate)
        frames, _ = read_video(row["video_path"])
    except MediaError as err:
        return str(err)
    if len(audio) < spec.gan.hop_length * spec.gan.frames // 2:
        return f"audio too short: {len(audio) / spec.gan.sample_rate:.2f} s"
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    if rms < spec.min_rms:
        return f"silent audio: rms {rms:.2e} < audio.min_rms {spec.min_rms:.0e}"
    if len(frames) < spec.sequence_frames // 2:
        return f"video too short: {len(frames)} frames"
    keep = frames[middle_frames(len(frames), spec.sequence_frames)]
    marks = track_landmarks(models, keep, spec.detect_max_side, spec.redetect_every)
    if marks is None:
        return "no face found"
    try:
        aligned = np.stack([align_face(f, lm, spec.face_size) for f, lm in zip(keep, marks)])
    except ValueError as err:
        return str(err)
    stft = centre_crop(log_mel(audio, spec.stft), spec.stft.frames)
    return {
        "faces": aligned[len(aligned) // 2],
        "face_frames": aligned,
        "spectrograms": gan_spectrogram(audio, spec.gan),
        "stft": stft.astype(np.float16),
    }


_WORKER: dict = {}


def _init(spec: PreprocessSpec) -> None:
    import torch  # librosa may pull torch in; one thread per worker process

    torch.set_num_threads(1)
    _WORKER["models"], _WORKER["spec"] = FaceModels.load(), spec


def _run(row: dict) -> dict | str:
    return process_clip(_WORKER["models"], row, _WORKER["spec"])


def preprocess(manifest: pd.DataFrame, spec: PreprocessSpec, out_dir: Path, workers: int = 1):
    """Write ``<name>.npy`` memmaps for the kept clips into ``out_dir``.

    Returns (kept manifest with an ``index`` column, rejections table clip/path/reason).
    """
    rows = manifest.to_dict("records")
    n = len(rows)
    staging = {k: np.lib.format.open_memmap(out_dir / f".{k}.staging.npy", "w+", dt, (n, *shape))
               for k, (shape, dt) in spec.shapes().items()}
    kept, rejects = [], []
    if workers > 1:
        pool = get_context("spawn").Pool(workers, _init, (spec,))
        results = pool.imap(_run, rows, chunksize=2)
    else:
        pool = None
        _init(spec)
        results = map(_run, rows)
    try:
        for row, result in tqdm(zip(rows, results), total=n, desc="preprocess"):
            if isinstance(result, str):
                rejects.append({"clip": row["clip"], "path": row["video_path"], "reason": result})
                continue
            for key, arr in result.items():
                staging[key][len(kept)] = arr
            kept.append(row)
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
    table = pd.DataFrame(kept, columns=manifest.columns)
    table.insert(0, "index", np.arange(len(kept)))
    return table, pd.DataFrame(rejects, columns=["clip", "path", "reason"])
