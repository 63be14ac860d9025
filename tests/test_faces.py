import numpy as np

from avemo.data.faces import TEMPLATE, FaceModels, align_face, alignment_points, detect_face, landmarks, track_landmarks
from avemo.data.synthetic_face import portraits


def test_alignment_puts_eyes_on_template_for_real_portraits():
    models = FaceModels.load()
    size = 28
    for image, _ in portraits(models):
        box = detect_face(models, image, max_side=320)  # downscaled detection, box mapped back
        assert box is not None
        lm = landmarks(models, image, box)
        aligned = align_face(image, lm, size)
        assert aligned.shape == (size, size, 3) and aligned.dtype == np.uint8
        # Where do the eyes land? Re-run the landmark model on a large aligned crop.
        big = align_face(image, lm, 200)
        lm_big = landmarks(models, big, (20, 20, 180, 180))
        eyes = alignment_points(lm_big)[:2] / 200 * size
        assert np.abs(eyes - TEMPLATE[:2] * size).max() < 2.0


def test_tracking_follows_a_moving_face():
    models = FaceModels.load()
    image, _ = portraits(models)[0]
    frames = np.stack([np.roll(image, 3 * t, axis=1) for t in range(7)])  # face moves right 3 px/frame
    marks, found = track_landmarks(models, frames, max_side=320)
    assert found.all()
    shift = marks[:, 30, 0] - marks[3, 30, 0]  # nose tip x relative to the detected middle frame
    assert shift == __import__("pytest").approx(3 * (np.arange(7) - 3), abs=1.5)


def test_no_face_returns_none():
    models = FaceModels.load()
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, size=(3, 192, 192, 3), dtype=np.uint8)
    assert track_landmarks(models, frames, max_side=320) is None
