"""``face``: face alignment and the frame sequences kept for temporal models."""
from __future__ import annotations

from .core import ParamsError, bounded, section


@section("face")
class FaceParams:
    size: int = bounded(16, 256)
    sequence_frames: int = bounded(10, 300)  # middle frames kept for temporal models
    fps: float = bounded(1.0, 240.0)  # the kept frames' rate: clips recorded at another rate are resampled in time
    window: int = bounded(2, 60)
    window_stride: int = bounded(1, 60)
    detect_max_side: int = bounded(80, 2000)  # detect on a copy downscaled to this side
    redetect_every: int = bounded(0, 1000)  # 0 = detect once, then track by landmarks
    min_face_similarity: float = bounded(-1.0, 1.0)  # tracked faces less like the middle one are re-detected

    def validate(self) -> None:
        if self.window > self.sequence_frames:
            raise ParamsError(f"face.window = {self.window} is longer than face.sequence_frames = {self.sequence_frames}; "
                              "a window must fit in the kept frames")
