"""Reading and writing clips: video with PyAV, audio with soundfile / PyAV and librosa."""
from __future__ import annotations

from pathlib import Path

import av
import librosa
import numpy as np
import soundfile as sf


class MediaError(ValueError):
    """A file that cannot be decoded (corrupt, empty, unsupported); the message is the reason."""


def write_video(path: str | Path, frames: np.ndarray, fps: int, bit_rate: int = 600_000) -> None:
    """Write (T, H, W, 3) uint8 frames; the container (FLV, MP4) follows the suffix."""
    path = Path(path)
    with av.open(str(path), mode="w") as container:
        codec = "flv" if path.suffix == ".flv" else "mpeg4"
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


def read_video(path: str | Path) -> tuple[np.ndarray, float]:
    """Decode every frame: -> ((T, H, W, 3) uint8, fps). Raises MediaError with the reason."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError("no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            fps = float(stream.average_rate or stream.guessed_rate or 30)
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as err:
        raise MediaError(f"corrupt video: {type(err).__name__}: {err}") from None
    if not frames:
        raise MediaError("video has no frames")
    return np.stack(frames), fps


def write_wav(path: str | Path, audio: np.ndarray, sr: int) -> None:
    sf.write(str(path), audio, sr, subtype="PCM_16")


def read_audio(path: str | Path, sr: int) -> np.ndarray:
    """Mono float32 at ``sr`` from a WAV (soundfile) or any container with audio (PyAV)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".wav":
            data, native = sf.read(str(path), dtype="float32", always_2d=True)
            data = data.T  # (channels, samples)
        else:
            data, native = _decode_audio_stream(path)
    except MediaError:
        raise
    except (sf.LibsndfileError, av.error.FFmpegError, OSError, RuntimeError) as err:
        raise MediaError(f"corrupt audio: {type(err).__name__}: {err}") from None
    if data.size == 0:
        raise MediaError("empty audio")
    mono = librosa.to_mono(data) if data.shape[0] > 1 else data[0]
    if native != sr:
        mono = librosa.resample(mono, orig_sr=native, target_sr=sr)
    return np.ascontiguousarray(mono, dtype=np.float32)


def _decode_audio_stream(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise MediaError("no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp")
        chunks = [r.to_ndarray() for f in container.decode(stream) for r in resampler.resample(f)]
        native = stream.rate
    if not chunks:
        raise MediaError("empty audio")
    return np.concatenate(chunks, axis=1), native
