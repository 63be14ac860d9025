"""Reading and writing clips: video with PyAV, audio with soundfile / PyAV and librosa.

Every read problem is a ``MediaError`` whose ``kind`` groups it (corrupt video, Git LFS pointer,
...) and whose message says what the file is and, where there is one, how to fix it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import av
import librosa
import numpy as np
import soundfile as sf

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"


class MediaError(ValueError):
    """A file that cannot be used (corrupt, empty, not media); ``kind`` names the class of problem."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def check_media_path(path: str | Path) -> None:
    """Say plainly what a path is when it cannot be media: missing, a directory, a broken or
    looping symlink, an empty file, or a Git LFS pointer left by a clone without the media."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise MediaError("broken symlink", f"{path} points to a missing file or loops ({os.readlink(path)})")
    if not path.exists():
        raise MediaError("missing file", str(path))
    if path.is_dir():
        raise MediaError("not a file", f"{path} is a directory")
    if path.stat().st_size == 0:
        raise MediaError("empty file", str(path))
    with open(path, "rb") as fh:
        head = fh.read(len(LFS_POINTER))
    if head == LFS_POINTER:
        raise MediaError("Git LFS pointer", f"{path} is a pointer file, not media: run `git lfs pull` in the "
                                            "dataset's clone (CREMA-D keeps its media in Git LFS)")


def write_video(path: str | Path, frames: np.ndarray, fps: int, bit_rate: int = 600_000) -> None:
    """Write (T, H, W, 3) uint8 frames; the container (FLV, MP4) follows the suffix."""
    path = Path(path)
    with av.open(str(path), mode="w") as container:
        codec = "flv" if path.suffix.lower() == ".flv" else "mpeg4"
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bit_rate
        stream.thread_count = 1  # deterministic bytes
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@dataclass(frozen=True)
class VideoClip:
    frames: np.ndarray  # (K, H, W, 3) uint8: the requested frames only
    fps: float  # the file's own frame rate
    total: int  # frames in the file

    @property
    def seconds(self) -> float:
        return self.total / self.fps


# Frame rates within this share of the wanted rate are taken frame for frame (RAVDESS' 29.97 fps as 30):
# over a sequence of 55 frames the drift stays under a frame.
SAME_RATE = 0.01


def frame_step(fps: float, wanted: float | None) -> float:
    """Source frames per wanted frame: 1 when ``wanted`` is None or within SAME_RATE of ``fps``."""
    if wanted is None or abs(fps / wanted - 1) <= SAME_RATE:
        return 1.0
    return fps / wanted


def middle_frames(n: int, keep: int, step: float = 1.0) -> np.ndarray:
    """Indices of the ``keep`` middle frames of ``n``, ``step`` source frames apart: with step 1 the
    consecutive middle frames; otherwise the frames nearest to instants one wanted frame apart (time
    resampled to the wanted rate, nearest frame), so a sequence spans the same seconds at any rate.
    Edge frames repeat when the clip is short."""
    centre = (n - keep) // 2 + (keep - 1) / 2  # at step 1, start + k exactly
    instants = centre + (np.arange(keep) - (keep - 1) / 2) * step
    return np.clip(np.floor(instants + 0.5).astype(int), 0, n - 1)


# A container whose frames cover less than this share of the duration its header states was cut
# short (a truncated download or copy), not recorded short; the slack absorbs headers that round.
TRUNCATED_SHARE = 0.9


def _stream_rate(stream) -> float:
    return float(stream.average_rate or stream.guessed_rate or 30)


def _count_frames(path: str | Path) -> tuple[int, float | None, float]:
    """(video frames of a file counted from its packets, demuxing only; the duration in seconds its
    header states, or None when it states none; the frame rate)."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise MediaError("no video stream", str(path))
        stream = container.streams.video[0]
        stated = container.duration / 1e6 if container.duration else None
        return sum(1 for packet in container.demux(stream) if packet.size), stated, _stream_rate(stream)


def check_complete(path: str | Path, frames: int, fps: float, stated: float | None) -> None:
    """A MediaError ("corrupt video") when ``frames`` at ``fps`` fall short of the stated duration."""
    if stated and frames + 1 < TRUNCATED_SHARE * stated * fps:
        raise MediaError("corrupt video", f"{path}: truncated: its header states {stated:.2f} s, "
                                          f"{frames} frames ({frames / fps:.2f} s) decode")


def _decode(path: str | Path, wanted: set[int]) -> tuple[dict[int, np.ndarray], int, float]:
    """(RGB frames at the ``wanted`` indices, frames decoded, fps); the others are never converted."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise MediaError("no video stream", str(path))
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = _stream_rate(stream)
        frames, count = {}, 0
        for count, frame in enumerate(container.decode(stream), start=1):
            if count - 1 in wanted:
                frames[count - 1] = frame.to_ndarray(format="rgb24")
    return frames, count, fps


def read_video(path: str | Path, keep: int | None = None, fps: float | None = None) -> VideoClip:
    """Decode a video, keeping only the ``keep`` middle frames as RGB (all frames when None), so
    memory does not grow with the clip's length; with ``fps``, the kept frames are resampled in time
    to that rate (``middle_frames``) when the file's own rate differs. Raises MediaError with the reason."""
    check_media_path(path)
    try:
        total, stated, native = _count_frames(path)
        step = frame_step(native, fps)
        select = (lambda n: middle_frames(n, keep, step)) if keep is not None else np.arange
        wanted = select(total)
        frames, decoded, native = _decode(path, set(wanted.tolist()))
        if decoded != total and decoded:  # packets and frames disagree (rare): select by decoded frames
            total, wanted = decoded, select(decoded)
            frames, _, native = _decode(path, set(wanted.tolist()))
        check_complete(path, total, native, stated)
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as err:
        raise MediaError("corrupt video", f"{path}: {type(err).__name__}: {err}") from None
    if not frames:
        raise MediaError("video has no frames", str(path))
    return VideoClip(np.stack([frames[i] for i in wanted]), native, total)


def write_wav(path: str | Path, audio: np.ndarray, sr: int) -> None:
    sf.write(str(path), audio, sr, subtype="PCM_16")


# A WAV that decodes to less than its header states by more than this was cut short (a truncated copy);
# the slack absorbs headers that count a pad byte or round.
AUDIO_SLACK_SECONDS = 0.01


def wav_stated_frames(path: str | Path) -> int | None:
    """The sample frames a WAV's header states: its data chunk's length over the block size, as
    libsndfile's header log reads them (libsndfile itself reads only what the file holds). None when
    the log states no length (a streamed WAV's placeholder)."""
    log = sf.info(str(path)).extra_info
    length = re.search(r"^data\s*:\s*(\d+)", log, re.M)
    block = re.search(r"Block Align\s*:\s*(\d+)", log)
    if not length or not block or int(block.group(1)) == 0 or int(length.group(1)) in (0, 0xFFFFFFFF):
        return None
    return int(length.group(1)) // int(block.group(1))


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(channels, samples) float32 and the rate; a MediaError ("truncated audio") when fewer samples
    decode than the header states."""
    data, native = sf.read(str(path), dtype="float32", always_2d=True)
    stated = wav_stated_frames(path)
    if stated is not None and len(data) < stated - AUDIO_SLACK_SECONDS * native:
        raise MediaError("truncated audio", f"{path}: header states {stated / native:.2f} s, "
                                            f"{len(data) / native:.2f} s read")
    return data.T, native


def read_audio(path: str | Path, sr: int) -> np.ndarray:
    """Mono float32 at ``sr`` from a WAV (soundfile) or any container with audio (PyAV)."""
    check_media_path(path)
    path = Path(path)
    try:
        if path.suffix.lower() == ".wav":
            data, native = _read_wav(path)
        else:
            data, native = _decode_audio_stream(path)
    except MediaError:
        raise
    except (sf.LibsndfileError, av.error.FFmpegError, OSError, RuntimeError) as err:
        raise MediaError("corrupt audio", f"{path}: {type(err).__name__}: {err}") from None
    if data.size == 0:
        raise MediaError("empty audio", str(path))
    if not np.isfinite(data).all():  # librosa refuses them half-way through the stage
        raise MediaError("non-finite audio", f"{path} has NaN or infinite samples")
    if data.shape[0] > 1 or native != sr:
        # Each channel's DC offset goes first: resampled, an offset is a step at the clip's edges and
        # rings there. (Mono audio at the rate needs nothing here: the spectrograms remove the mean.)
        data = data - data.mean(axis=1, keepdims=True, dtype=np.float64).astype(np.float32)
    mono = librosa.to_mono(data) if data.shape[0] > 1 else data[0]
    if native != sr:
        mono = librosa.resample(mono, orig_sr=native, target_sr=sr)
    return np.ascontiguousarray(mono, dtype=np.float32)


def _decode_audio_stream(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise MediaError("no audio stream", str(path))
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp")
        chunks = [r.to_ndarray() for f in container.decode(stream) for r in resampler.resample(f)]
        native = stream.rate
    if not chunks:
        raise MediaError("empty audio", str(path))
    return np.concatenate(chunks, axis=1), native
