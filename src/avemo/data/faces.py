"""Face detection, landmark tracking and similarity alignment (dacssGAN 3.4, tc-wGAN III-B).

dlib's HOG frontal detector finds the face once per clip (on a downscaled copy of large frames);
the 68-landmark shape predictor then runs on every kept frame at full resolution, its box carried
from frame to frame by the landmarks' motion, so detection cost does not scale with clip length.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import dlib
import numpy as np
from skimage.transform import SimilarityTransform, warp

# Canonical positions, as fractions of the crop side, of the five points used for alignment:
# left eye centre, right eye centre, nose tip, mouth centre, chin (image left/right). Proportions are
# the mean of dlib's landmarks on the two shipped portraits (inter-ocular distance 0.36 of the crop).
TEMPLATE = np.array(
    [[0.32, 0.36], [0.68, 0.36], [0.50, 0.547], [0.50, 0.709], [0.50, 0.947]], dtype=np.float64
)


def shape_predictor_path() -> str:
    """Path of the 68-landmark model shipped in the ``face-recognition-models`` package."""
    return str(resources.files("face_recognition_models") / "models" / "shape_predictor_68_face_landmarks.dat")


@dataclass
class FaceModels:
    """dlib's detector and landmark predictor, loaded once per process."""

    detector: object
    predictor: object

    @classmethod
    def load(cls) -> "FaceModels":
        return cls(dlib.get_frontal_face_detector(), dlib.shape_predictor(shape_predictor_path()))


def detect_face(models: FaceModels, frame: np.ndarray, max_side: int) -> tuple | None:
    """Highest-scoring face box (left, top, right, bottom) in full-frame pixels, or None.

    Frames larger than ``max_side`` are detected on a nearest-neighbour downscaled copy (RAVDESS is
    1280x720) and the box is mapped back; if nothing is found, one upsampled pass finds ~40 px faces.
    """
    h, w = frame.shape[:2]
    step = max(1, int(np.ceil(max(h, w) / max_side)))
    small = np.ascontiguousarray(frame[::step, ::step])
    for upsample in (0, 1):  # faces under dlib's 80 px window need the upsampled pass
        boxes, scores, _ = models.detector.run(small, upsample, 0.0)
        if len(boxes):
            break
    else:
        return None
    best = boxes[int(np.argmax(scores))]  # most face-like, not largest (a badge can look like a face)
    return tuple(int(v * step) for v in (best.left(), best.top(), best.right(), best.bottom()))


def landmarks(models: FaceModels, frame: np.ndarray, box: tuple) -> np.ndarray:
    """68 (x, y) landmarks, float64 (68, 2), of the face inside ``box``."""
    shape = models.predictor(frame, dlib.rectangle(*[int(round(v)) for v in box]))
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def track_landmarks(
    models: FaceModels, frames: np.ndarray, max_side: int, redetect_every: int = 0
) -> np.ndarray | None:
    """Landmarks of every frame: (T, H, W, 3) uint8 -> (T, 68, 2), or None when no face is found.

    Detection runs once on the middle frame (and every ``redetect_every`` frames if > 0); elsewhere
    the box is shifted by the motion of the landmark centroid between neighbouring frames.
    """
    t_count = len(frames)
    mid = t_count // 2
    box0 = detect_face(models, frames[mid], max_side)
    if box0 is None:
        return None
    out = np.zeros((t_count, 68, 2))
    out[mid] = landmarks(models, frames[mid], box0)
    for order in (range(mid + 1, t_count), range(mid - 1, -1, -1)):
        box, prev = np.array(box0, dtype=np.float64), out[mid]
        ref = prev.mean(axis=0)
        for t in order:
            if redetect_every and abs(t - mid) % redetect_every == 0:
                found = detect_face(models, frames[t], max_side)
                if found is not None:
                    box, ref = np.array(found, dtype=np.float64), None
            if ref is not None:
                shift = prev.mean(axis=0) - ref
                box_t = box + np.tile(shift, 2)
            else:
                box_t = box
            out[t] = landmarks(models, frames[t], tuple(box_t))
            prev = out[t]
            if ref is None:
                ref = prev.mean(axis=0)
    return out


def alignment_points(lm: np.ndarray) -> np.ndarray:
    """The five template points from 68 landmarks: (68, 2) -> (5, 2)."""
    return np.stack(
        [
            lm[36:42].mean(axis=0),  # subject's right eye = image left
            lm[42:48].mean(axis=0),
            lm[30],
            lm[48:68].mean(axis=0),
            lm[8],
        ]
    )


def similarity_to_template(lm: np.ndarray, size: int) -> SimilarityTransform:
    """Least-squares similarity mapping the face's five points onto ``TEMPLATE * size``."""
    tform = SimilarityTransform.from_estimate(alignment_points(lm), TEMPLATE * size)
    if not tform:
        raise ValueError("degenerate landmarks: cannot estimate a similarity transform")
    return tform


def align_face(frame: np.ndarray, lm: np.ndarray, size: int) -> np.ndarray:
    """Aligned crop: (H, W, 3) uint8 + (68, 2) landmarks -> (size, size, 3) uint8."""
    tform = similarity_to_template(lm, size)
    out = warp(frame, tform.inverse, output_shape=(size, size), order=1, mode="edge", preserve_range=True)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
