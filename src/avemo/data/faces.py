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


def plausible(lm: np.ndarray, frame_shape: tuple, prev: np.ndarray | None = None) -> bool:
    """Landmarks that still describe a face: at least 90% of the points inside the frame and, when
    ``prev`` is given, a size within a factor 1.5 of the previous frame's (a tracker that lost the
    face drifts off the frame or collapses)."""
    h, w = frame_shape[:2]
    inside = ((lm[:, 0] >= 0) & (lm[:, 0] < w) & (lm[:, 1] >= 0) & (lm[:, 1] < h)).mean()
    if inside < 0.9:
        return False
    if prev is None:
        return True
    ratio = np.ptp(lm, axis=0).max() / max(np.ptp(prev, axis=0).max(), 1e-6)
    return 1 / 1.5 <= ratio <= 1.5


# Frames either side of the middle where the detector looks when the middle frame shows no face
# (a blink, a grimace, motion blur): about a tenth of a second at 30 fps.
FIND_SPAN = 3


def nearest_first(t_count: int, span: int) -> list[int]:
    """The middle frame's index, then its neighbours alternately, out to ``span`` frames either side."""
    mid = t_count // 2
    return [mid + k for d in range(span + 1) for k in ((0,) if d == 0 else (-d, d)) if 0 <= mid + k < t_count]


def track_landmarks(models: FaceModels, frames: np.ndarray, max_side: int,
                    redetect_every: int = 0) -> tuple[np.ndarray, np.ndarray] | None:
    """Landmarks of every frame: (T, H, W, 3) uint8 -> ((T, 68, 2), found (T,) bool), or None when
    no frame within FIND_SPAN of the middle has a face. Rows of frames where no face was found are NaN.

    Detection runs once, on the middle frame or the nearest one with a face (and every
    ``redetect_every`` frames if > 0); elsewhere the box is shifted by the motion of the landmark
    centroid between neighbouring frames. When the tracked landmarks stop being plausible (the face
    left the frame, or the tracker lost it), the detector looks for the face again in that frame.
    """
    t_count = len(frames)
    for mid in nearest_first(t_count, FIND_SPAN):
        box0 = detect_face(models, frames[mid], max_side)
        if box0 is not None:
            break
    else:
        return None
    out = np.full((t_count, 68, 2), np.nan)
    out[mid] = landmarks(models, frames[mid], box0)
    for order in (range(mid + 1, t_count), range(mid - 1, -1, -1)):
        box, prev = np.array(box0, dtype=np.float64), out[mid]
        ref = prev.mean(axis=0)
        for t in order:
            if redetect_every and abs(t - mid) % redetect_every == 0:
                found = detect_face(models, frames[t], max_side)
                if found is not None:
                    box, ref = np.array(found, dtype=np.float64), None
            box_t = box + np.tile(prev.mean(axis=0) - ref, 2) if ref is not None else box
            lm = landmarks(models, frames[t], tuple(box_t))
            if not plausible(lm, frames[t].shape, prev):  # lost: look for the face again
                found = detect_face(models, frames[t], max_side)
                if found is None:
                    continue
                lm = landmarks(models, frames[t], found)
                if not plausible(lm, frames[t].shape):
                    continue
                box, ref = np.array(found, dtype=np.float64), None
            out[t] = prev = lm
            if ref is None:
                ref = prev.mean(axis=0)
    return out, ~np.isnan(out[:, 0, 0])


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


def similarity(aligned: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Normalised correlation of each aligned grey face with the reference: (T, S, S, 3), (S, S, 3) -> (T,).
    About 0.5-1 for the same face under any expression; near 0 for background or black."""
    def standard(x):
        g = np.asarray(x, np.float64).mean(-1).reshape(len(x), -1)
        return (g - g.mean(1, keepdims=True)) / (g.std(1, keepdims=True) + 1e-6)

    return (standard(aligned) * standard(reference[None])).mean(1)


def aligned_landmarks(lm: np.ndarray) -> np.ndarray:
    """The 68 landmarks as they lie in the aligned crop, in units of the crop side (size-free):
    (68, 2) image pixels -> (68, 2) float32, the eyes near (0.32, 0.36) and (0.68, 0.36)."""
    return similarity_to_template(lm, 1)(lm).astype(np.float32)


def aligned_track(models: FaceModels, frames: np.ndarray, size: int, max_side: int, redetect_every: int = 0,
                  min_similarity: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Aligned faces of every frame, which frames have one, and the middle frame's landmarks in the
    aligned crop (or the nearest frame's with a face): ((T, size, size, 3) uint8, (T,) bool, (68, 2)
    float32), or None when no frame near the middle has a face. A tracked face that no longer looks like the middle
    frame's (similarity below ``min_similarity``: the tracker holds background) is detected afresh in
    that frame; a frame where the detector finds nothing has no face (its row is left black)."""
    tracked = track_landmarks(models, frames, max_side, redetect_every)
    if tracked is None:
        return None
    marks, found = tracked
    mid = next(t for t in nearest_first(len(frames), len(frames)) if found[t])  # the middle, or the nearest found
    blank = np.zeros((size, size, 3), np.uint8)
    aligned = np.stack([align_face(f, lm, size) if ok else blank for f, lm, ok in zip(frames, marks, found)])
    doubtful = found & (similarity(aligned, aligned[mid]) < min_similarity)
    for t in np.flatnonzero(doubtful):
        box = detect_face(models, frames[t], max_side)
        lm = landmarks(models, frames[t], box) if box is not None else None
        if lm is None or not plausible(lm, frames[t].shape):
            found[t], aligned[t] = False, blank
        else:
            aligned[t] = align_face(frames[t], lm, size)
    return aligned, found, aligned_landmarks(marks[mid])

