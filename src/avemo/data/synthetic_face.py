"""Synthetic actors' faces: real public-domain portraits, made into distinct people, warped by
action-unit templates.

Two photographs that ship inside installed packages (scikit-image's astronaut, matplotlib's Grace
Hopper) are located once with dlib; each actor's face is one of them framed (mirrored, scaled,
turned), neutralised and given the actor's own identity (``synthetic_identity``). An expression is a
displacement of the 68 landmarks (action-unit templates below, in units of the inter-ocular
distance), turned once per actor into a dense piecewise-linear displacement field; each frame then
remaps the actor's image with a weighted sum of those fields. An actor's expression style (the
face's share of the face-voice link) shows as a resting expression (``REST_TEMPLATES``, present in
every frame) and in how strongly each emotion shows (``style_gains``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import cbook
from matplotlib.image import imread
from scipy.interpolate import LinearNDInterpolator
import torch
import torch.nn.functional as F
from skimage import data as skdata
from skimage.transform import SimilarityTransform, warp

from .faces import FaceModels, detect_face, landmarks
from .synthetic_identity import Identity, render_identity

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")

# Landmark groups of dlib's 68-point scheme (image coordinates, y down).
R_BROW, L_BROW = list(range(17, 22)), list(range(22, 27))
R_EYE_UP, L_EYE_UP, R_EYE_LO, L_EYE_LO = [37, 38], [43, 44], [40, 41], [46, 47]
NOSE_BOTTOM = list(range(31, 36))
UPPER_LIP = [49, 50, 51, 52, 53, 61, 62, 63]
LOWER_LIP = [55, 56, 57, 58, 59, 65, 66, 67]
R_CORNER, L_CORNER = [48, 60], [54, 64]
JAW_LOW = list(range(5, 12))


def _template(*moves: tuple[list[int], float, float]) -> np.ndarray:
    """(68, 2) displacement from (points, dx, dy) moves; dx > 0 = towards the image's right."""
    d = np.zeros((68, 2))
    for points, dx, dy in moves:
        d[points] += (dx, dy)
    return d


# Action-unit templates (FACS-inspired), inter-ocular distance units.
AU_TEMPLATES = {
    "HAP": _template((R_CORNER, -0.07, -0.09), (L_CORNER, 0.07, -0.09), (R_EYE_LO + L_EYE_LO, 0, -0.025),
                     (UPPER_LIP, 0, -0.02), (LOWER_LIP, 0, 0.02)),
    "SAD": _template(([21], 0.01, -0.09), ([22], -0.01, -0.09), ([17], 0, 0.03), ([26], 0, 0.03),
                     (R_CORNER, 0.01, 0.07), (L_CORNER, -0.01, 0.07), (R_EYE_UP + L_EYE_UP, 0, 0.02)),
    "ANG": _template((R_BROW, 0.0, 0.07), (L_BROW, 0.0, 0.07), ([20, 21], 0.05, 0.02), ([22, 23], -0.05, 0.02),
                     (UPPER_LIP, 0, 0.025), (LOWER_LIP, 0, -0.035), (R_CORNER, 0.03, 0), (L_CORNER, -0.03, 0)),
    "FEA": _template((R_BROW + L_BROW, 0, -0.09), ([21], 0.03, 0), ([22], -0.03, 0),
                     (R_EYE_UP + L_EYE_UP, 0, -0.04), (R_EYE_LO + L_EYE_LO, 0, 0.02),
                     (R_CORNER, -0.08, 0.03), (L_CORNER, 0.08, 0.03), (LOWER_LIP, 0, 0.05)),
    "DIS": _template((NOSE_BOTTOM, 0, -0.04), (UPPER_LIP, 0, -0.07), (R_BROW + L_BROW, 0, 0.04),
                     (R_EYE_LO + L_EYE_LO, 0, -0.03), (R_CORNER, 0.02, 0.02), (L_CORNER, -0.02, 0.02)),
    "NEU": np.zeros((68, 2)),
}
# Jaw drop and lower-lip opening driven by the syllable envelope (lip sync).
MOUTH_OPEN = _template((LOWER_LIP, 0, 0.16), (JAW_LOW, 0, 0.10), ([8], 0, 0.04), (UPPER_LIP, 0, -0.015))

# An actor's resting expression, one template per coordinate of its expression style: brows raised,
# mouth corners up, eyes wide, lips pressed (each at most REST_GAIN of a unit, in every frame).
REST_TEMPLATES = (
    _template((R_BROW + L_BROW, 0, -0.07)),
    _template((R_CORNER + L_CORNER, 0, -0.05)),
    _template((R_EYE_UP + L_EYE_UP, 0, -0.03), (R_EYE_LO + L_EYE_LO, 0, 0.01)),
    _template((UPPER_LIP, 0, 0.02), (LOWER_LIP, 0, -0.025)),
)
REST_GAIN = 0.7
# How an actor's expression style scales each emotion's template: gain = exp(STYLE_GAIN_SCALE * row . style)
STYLE_GAIN = {e: np.random.default_rng([11, k]).normal(size=len(REST_TEMPLATES)) / 2 for k, e in enumerate(EMOTIONS)}
STYLE_GAIN_SCALE = 0.3


def style_gains(style: np.ndarray) -> dict[str, float]:
    """Each emotion's template gain for an actor with expression style ``style`` (len(REST_TEMPLATES),)."""
    return {e: float(np.exp(STYLE_GAIN_SCALE * STYLE_GAIN[e] @ style)) for e in EMOTIONS}


def portraits(models: FaceModels) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two public-domain portraits with their dlib landmarks: [(H, W, 3) uint8, (68, 2)]."""
    images = [skdata.astronaut(), imread(cbook.get_sample_data("grace_hopper.jpg"))]
    out = []
    for img in images:
        img = np.ascontiguousarray(img[..., :3])
        box = detect_face(models, img, max_side=max(img.shape[:2]))
        if box is None:  # pragma: no cover - the shipped photographs are known faces
            raise RuntimeError("dlib found no face in a shipped portrait")
        out.append((img, landmarks(models, img, box)))
    return out


@dataclass
class ActorFace:
    """One actor's neutral frame and per-template displacement fields."""

    image: np.ndarray  # (S, S, 3) float32, 0-255
    landmarks: np.ndarray  # (68, 2) in frame pixels
    fields: dict  # name -> (2, S, S) backward displacement (dy, dx) per unit weight
    rest: np.ndarray  # (2, S, S) the actor's resting expression, in every frame


def frame_portrait(portrait: tuple, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A portrait placed in a ``size`` frame: mirrored or not, scaled, slightly turned and shifted.
    Returns (image (S, S, 3) float 0-255, landmarks (68, 2))."""
    img, lm = portrait
    eyes = np.stack([lm[36:42].mean(0), lm[42:48].mean(0)])
    iod = np.linalg.norm(eyes[1] - eyes[0])
    centre = (eyes.mean(0) + lm[8]) / 2 + (0, 0.05 * iod)
    # Face (inter-ocular distance) about 0.21 of the frame, so dlib's 80 px window fits at 192 px.
    scale = size * rng.uniform(0.20, 0.23) / iod
    angle = np.deg2rad(rng.uniform(-5, 5))
    shift = rng.uniform(-0.04, 0.04, size=2) * size
    to_frame = (
        SimilarityTransform(translation=-centre)
        + SimilarityTransform(scale=scale, rotation=angle)
        + SimilarityTransform(translation=np.array([size / 2, size / 2]) + shift)
    )
    frame = warp(img, to_frame.inverse, output_shape=(size, size), mode="edge", preserve_range=True)
    points = to_frame(lm)
    if rng.random() < 0.5:
        frame = frame[:, ::-1]
        points = points.copy()
        points[:, 0] = size - 1 - points[:, 0]
        points = points[_MIRROR]
    return np.ascontiguousarray(frame, dtype=np.float64), points


def actor_face(portrait: tuple, identity: Identity, style: np.ndarray, rng: np.random.Generator, size: int) -> ActorFace:
    """An actor's face: the portrait framed, made into the actor's own neutral face (``identity``), with
    the displacement field of every template and the resting expression of ``style``."""
    frame, points = frame_portrait(portrait, rng, size)
    image, points = render_identity(frame, points, identity, rng)
    iod = np.linalg.norm(points[42:48].mean(0) - points[36:42].mean(0))
    fields = {name: displacement_field(points, t * iod, size) for name, t in AU_TEMPLATES.items() if name != "NEU"}
    fields["MOUTH"] = displacement_field(points, MOUTH_OPEN * iod, size)
    resting = sum(REST_GAIN * np.tanh(w) * t for w, t in zip(style, REST_TEMPLATES))
    return ActorFace(image, points, fields, displacement_field(points, resting * iod, size))


def _mirror_index() -> np.ndarray:
    """Landmark permutation that maps a mirrored face's points back to dlib's left/right order."""
    idx = np.arange(68)
    pairs = [(0, 16), (1, 15), (2, 14), (3, 13), (4, 12), (5, 11), (6, 10), (7, 9),
             (17, 26), (18, 25), (19, 24), (20, 23), (21, 22), (31, 35), (32, 34),
             (36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46),
             (48, 54), (49, 53), (50, 52), (55, 59), (56, 58), (60, 64), (61, 63), (65, 67)]
    for a, b in pairs:
        idx[a], idx[b] = b, a
    return idx


_MIRROR = _mirror_index()


def displacement_field(points: np.ndarray, moves: np.ndarray, size: int) -> np.ndarray:
    """Dense piecewise-linear field from landmark moves: (68, 2) x2 -> (2, S, S) as (dy, dx).

    Triangulates the landmarks plus a zero-motion ring (face outline pushed out) and the frame
    corners, so the warp is local to the face. The field is used backwards (output q samples the
    input at q - d), which is the forward warp to first order for these few-pixel moves.
    """
    centre = points.mean(0)
    ring = centre + 1.6 * (points[:17] - centre)
    corners = np.array([[0, 0], [size - 1, 0], [0, size - 1], [size - 1, size - 1]], dtype=np.float64)
    anchors = np.vstack([points, ring, corners])
    values = np.vstack([moves, np.zeros((len(ring) + 4, 2))])
    interp = LinearNDInterpolator(anchors, values, fill_value=0.0)
    ys, xs = np.mgrid[0:size, 0:size]
    d = interp(xs.ravel(), ys.ravel()).reshape(size, size, 2)  # (dx, dy)
    return np.stack([d[..., 1], d[..., 0]]).astype(np.float32)


def render_frames(
    face: ActorFace,
    weights: dict[str, float],
    expression: np.ndarray,
    mouth: np.ndarray,
    head: np.ndarray,
    rng: np.random.Generator,
    noise: float,
) -> np.ndarray:
    """Frames of one clip: per-frame expression level (T,), mouth opening (T,), head shift (T, 2)
    -> (T, S, S, 3) uint8. ``weights`` mixes the AU templates (the clip's displayed expression)."""
    size = face.image.shape[0]
    static = sum(w * face.fields[name] for name, w in weights.items() if name in face.fields)
    if not isinstance(static, np.ndarray):
        static = np.zeros((2, size, size), np.float32)
    # All frames of the clip in one batched bilinear resample (torch's grid_sample, deterministic on CPU).
    # The (T, S, S, ...) tensors are built in place: at 360 px each is ~60 MB, and allocating them
    # (not the arithmetic) was most of the corpus stage's time.
    f32 = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32))  # noqa: E731
    disp = f32(expression)[:, None, None, None] * f32(static)[None]  # (T, 2, S, S) as (dy, dx)
    disp += f32(mouth)[:, None, None, None] * f32(face.fields["MOUTH"])[None]
    disp += f32(face.rest)[None]
    disp += f32(head)[:, :, None, None]
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    grid = torch.empty(len(disp), size, size, 2)
    torch.sub(xs[None], disp[:, 1], out=grid[..., 0])
    torch.sub(ys[None], disp[:, 0], out=grid[..., 1])
    grid.mul_(2.0 / (size - 1)).sub_(1.0)
    del disp
    image = f32(face.image).permute(2, 0, 1)[None].expand(len(grid), -1, -1, -1)
    gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
    with torch.no_grad():
        out = F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)
        del grid
        out += torch.randn(out.shape, generator=gen).mul_(noise)
        out = out.round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1)
    return np.ascontiguousarray(out.numpy())
