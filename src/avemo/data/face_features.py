"""Face inputs of the features-vs-pixels study (MRPN thesis 4.1-4.2): the aligned pixels, the
aligned 68-point dlib shape, or a few interpretable distances and angles of it that stand in for
action-unit intensities; and in-plane head rotations of each for the thesis' head-pose check.

Landmarks are (N, 68, 2) in units of the aligned crop's side (dlib's 68-point numbering, image
coordinates: y grows downwards), as ``preprocess`` stores them.
"""
from __future__ import annotations

import numpy as np
from skimage.transform import rotate

from ..variants import FACE_INPUTS as INPUT_NAMES, implemented

GEOMETRY_NAMES = ("brow_raise_left", "brow_raise_right", "eye_opening_left", "eye_opening_right",
                  "mouth_width", "mouth_opening", "lip_corner_height", "lip_corner_angle", "nose_to_lip")


def face_axes(lm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per face: the unit vector along the eye line (image left to right), the unit vector
    perpendicular to it pointing to the chin, and the inter-ocular distance: (N, 2), (N, 2), (N,).
    Measuring along these axes makes the features blind to in-plane head rotation and scale."""
    left, right = lm[:, 36:42].mean(1), lm[:, 42:48].mean(1)
    iod = np.linalg.norm(right - left, axis=1)
    across = (right - left) / iod[:, None]
    down = np.stack([-across[:, 1], across[:, 0]], 1)
    return across, down, iod


def geometry_features(lm: np.ndarray) -> np.ndarray:
    """(N, 68, 2) landmarks -> (N, 9) features named by GEOMETRY_NAMES; lengths in inter-ocular
    distances, the angle in degrees (positive: lip corners above the mouth's centre, a smile)."""
    lm = np.asarray(lm, np.float64)
    across, down, iod = face_axes(lm)

    def height(a, b):  # how far a lies above b, along the face's own vertical
        return np.einsum("nk,nk->n", b - a, down) / iod

    def dist(a, b):
        return np.linalg.norm(a - b, axis=1)

    def opening(upper, lower, corner_a, corner_b):
        lids = (dist(lm[:, upper[0]], lm[:, lower[0]]) + dist(lm[:, upper[1]], lm[:, lower[1]])) / 2
        return lids / dist(lm[:, corner_a], lm[:, corner_b])

    mouth_centre = (lm[:, 51] + lm[:, 57]) / 2
    corners = (lm[:, 48] + lm[:, 54]) / 2
    corner_rise = np.einsum("nk,nk->n", mouth_centre - corners, down)
    half_width = np.abs(np.einsum("nk,nk->n", lm[:, 54] - lm[:, 48], across)) / 2
    return np.stack([
        height(lm[:, 17:22].mean(1), lm[:, 36:42].mean(1)),
        height(lm[:, 22:27].mean(1), lm[:, 42:48].mean(1)),
        opening((37, 38), (41, 40), 36, 39),
        opening((43, 44), (47, 46), 42, 45),
        dist(lm[:, 48], lm[:, 54]) / iod,
        dist(lm[:, 62], lm[:, 66]) / iod,
        corner_rise / iod,
        np.degrees(np.arctan2(corner_rise, half_width)),
        height(lm[:, 33], lm[:, 51]),  # shrinks as the upper lip is raised (disgust)
    ], 1)


def rotate_landmarks(lm: np.ndarray, degrees: float) -> np.ndarray:
    """Landmarks of the crop turned by ``degrees`` about its centre, as ``rotate_faces`` turns the
    pixels (counter-clockwise on screen for positive angles): (N, 68, 2) -> (N, 68, 2)."""
    t = np.radians(degrees)
    # on screen (y down) a counter-clockwise turn is x' = c x + s y, y' = -s x + c y about the centre
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return ((np.asarray(lm, np.float64) - 0.5) @ turn + 0.5).astype(np.float32)


def rotate_faces(faces: np.ndarray, degrees: float) -> np.ndarray:
    """Aligned crops turned by ``degrees`` about their centre (scikit-image, edges repeated):
    (N, S, S, 3) uint8 -> (N, S, S, 3) uint8."""
    out = [rotate(f, degrees, mode="edge", preserve_range=True, order=1) for f in faces]
    return np.clip(np.rint(np.stack(out)), 0, 255).astype(np.uint8)


# face input name -> (faces (N, S, S, 3) uint8, landmarks (N, 68, 2)) -> (N, D) float features
FACE_INPUTS = implemented(
    INPUT_NAMES,
    pixels=lambda faces, lm: faces.reshape(len(faces), -1).astype(np.float64) / 255.0,
    landmarks=lambda faces, lm: np.asarray(lm, np.float64).reshape(len(lm), -1),
    geometry=lambda faces, lm: geometry_features(lm),
)
