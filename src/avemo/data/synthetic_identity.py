"""Synthetic actors' identities: a different person per actor from the two shipped portraits.

A portrait framed for the corpus (``synthetic_face.frame_portrait``) becomes an actor in three steps,
all driven by the actor's ``Identity`` (drawn from its seed and sex):

1. **Neutralised**: the portrait's own expression is taken out (the astronaut smiles broadly): the
   mouth's inside is painted over with the lips' colour, the lips closed and the mouth corners
   lowered, so every emotion template starts from a neutral face.
2. **Shape**: the 68 landmarks move along ``SHAPE_AXES`` (face and jaw width, face length, eye
   spacing and size, brow height, nose width and length, mouth width and lip height), by the
   identity's coordinates; a smooth thin-plate warp carries the image along.
3. **Appearance**: skin tone (CIELAB offsets inside the face), hair colour (pixels of the hair's own
   colour above the brows), brow weight, and for men facial hair (stubble to full beard) and heavier
   brows, with shape coordinates shifted the way men's faces differ on average (wider jaw, larger
   nose, lower brows, thinner lips).

dlib's face descriptor (``identity_descriptors``) tells the actors apart: ``distinct_identities``
counts them as dlib's convention does (two faces are one person below a distance of 0.6).
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy.interpolate import RBFInterpolator
from scipy.ndimage import gaussian_filter, map_coordinates
from skimage.color import lab2rgb, rgb2lab
from skimage.draw import polygon
from skimage.transform import resize

JAW, BROWS = np.arange(0, 17), np.arange(17, 27)
R_EYE, L_EYE, R_BROW, L_BROW = np.arange(36, 42), np.arange(42, 48), np.arange(17, 22), np.arange(22, 27)
NOSE_BASE, OUTER_LIPS, INNER_LIPS, MOUTH = np.arange(31, 36), np.arange(48, 60), np.arange(60, 68), np.arange(48, 68)

# Identity shape axes, each a landmark displacement of one unit of its coordinate (in inter-ocular
# distances, iod): the ranges of adult faces' proportions, roughly one standard deviation each.
SHAPE_AXES = ("face_width", "jaw_width", "face_length", "eye_spacing", "eye_size", "brow_height", "nose_size",
              "mouth_width", "lip_height")
# How men's faces differ from women's on average, in standard deviations of each axis
MALE_SHIFT = {"jaw_width": 0.8, "face_width": 0.3, "face_length": 0.4, "brow_height": -0.7, "nose_size": 0.7,
              "lip_height": -0.6, "eye_size": -0.3}
SHAPE_LIMIT = 2.0  # coordinates beyond two standard deviations make faces dlib no longer finds
DISTINCT = 0.6  # dlib's convention: two descriptors nearer than this are the same person


@dataclass(frozen=True)
class Identity:
    """What makes an actor look like themself: ``shape`` (len(SHAPE_AXES),) coordinates in standard
    deviations; ``skin`` (3,) CIELAB offsets (L, a, b); ``hair`` (3,) RGB in [0, 1]; ``brow`` darkening
    in [0, 1]; ``beard`` facial-hair density in [0, 1] (0: none) and ``stubble`` its texture scale."""

    shape: np.ndarray
    skin: np.ndarray
    hair: np.ndarray
    brow: float
    beard: float
    stubble: float


HAIR_COLOURS = np.array([[0.08, 0.06, 0.05], [0.25, 0.16, 0.10], [0.45, 0.30, 0.18], [0.70, 0.55, 0.35],
                         [0.55, 0.25, 0.12], [0.60, 0.60, 0.60]])  # black, dark/mid brown, blond, red, grey


def draw_identity(sex: str, rng: np.random.Generator, shape_scale: float = 1.0) -> Identity:
    """An actor's identity for ``sex`` ("Male" or "Female"): independent draws per trait."""
    male = sex == "Male"
    shape = np.clip(rng.normal(size=len(SHAPE_AXES)), -SHAPE_LIMIT, SHAPE_LIMIT) * shape_scale
    if male:
        shape += np.array([MALE_SHIFT.get(axis, 0.0) for axis in SHAPE_AXES])
    skin = np.array([rng.normal(0, 9), rng.normal(0, 4), rng.normal(0, 6)])
    hair = np.clip(HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))] * rng.uniform(0.8, 1.2), 0, 1)
    brow = float(rng.uniform(0.3, 0.7) if male else rng.uniform(0.0, 0.4))
    beard = float(rng.choice([0.0, rng.uniform(0.35, 0.6), rng.uniform(0.6, 0.95)], p=[0.15, 0.4, 0.45])) if male else 0.0
    return Identity(shape, skin, hair, brow, beard, float(rng.uniform(0.6, 1.4)))


def inter_ocular(lm: np.ndarray) -> float:
    return float(np.linalg.norm(lm[L_EYE].mean(0) - lm[R_EYE].mean(0)))


def shape_landmarks(lm: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(68, 2) landmarks moved along SHAPE_AXES by coordinates ``z``."""
    z = dict(zip(SHAPE_AXES, z))
    iod, out = inter_ocular(lm), lm.astype(np.float64).copy()
    eyes_y = lm[np.r_[R_EYE, L_EYE], 1].mean()
    centre_x = lm[np.r_[JAW, BROWS], 0].mean()
    depth = np.clip((lm[JAW, 1] - eyes_y) / (lm[8, 1] - eyes_y), 0, 1)  # 0 at the eyes, 1 at the chin
    out[JAW, 0] = centre_x + (lm[JAW, 0] - centre_x) * (1 + 0.06 * z["face_width"] + 0.07 * z["jaw_width"] * depth)
    out[JAW, 1] += 0.09 * z["face_length"] * iod * depth
    out[np.r_[MOUTH], 1] += 0.05 * z["face_length"] * iod
    for eye, brow, side in ((R_EYE, R_BROW, -1), (L_EYE, L_BROW, 1)):
        centre = lm[eye].mean(0)
        out[eye] = centre + (lm[eye] - centre) * (1 + 0.10 * z["eye_size"]) + (side * 0.04 * z["eye_spacing"] * iod, 0)
        out[brow, 0] += side * 0.04 * z["eye_spacing"] * iod
    out[BROWS, 1] -= 0.06 * z["brow_height"] * iod
    base = lm[NOSE_BASE].mean(0)
    out[NOSE_BASE, 0] = base[0] + (lm[NOSE_BASE, 0] - base[0]) * (1 + 0.12 * z["nose_size"])
    out[np.arange(30, 36), 1] += 0.05 * z["nose_size"] * iod
    mouth = lm[MOUTH].mean(0)
    out[MOUTH, 0] = mouth[0] + (out[MOUTH, 0] - mouth[0]) * (1 + 0.09 * z["mouth_width"])
    out[MOUTH, 1] = mouth[1] + 0.05 * z["face_length"] * iod + (lm[MOUTH, 1] - mouth[1]) * (1 + 0.2 * z["lip_height"])
    return out


def neutral_landmarks(lm: np.ndarray) -> np.ndarray:
    """The portrait's landmarks with its smile taken out: mouth corners in and down, lips closed."""
    iod, out = inter_ocular(lm), lm.astype(np.float64).copy()
    lip_line = lm[[51, 57, 62, 66], 1].mean()
    for corners, side in (([48, 60], 1), ([54, 64], -1)):
        out[corners, 0] += side * 0.08 * iod
        out[corners, 1] += max(0.0, lip_line - lm[corners, 1].mean()) + 0.03 * iod  # level with the lips' middle
    middle = (lm[[61, 62, 63], 1] + lm[[67, 66, 65], 1]) / 2  # upper and lower inner lip meet
    out[[61, 62, 63], 1] = middle
    out[[67, 66, 65], 1] = middle
    # the lower lip as thick as a closed mouth's (about 0.15 iod below the lips' line), not a smile's
    out[[55, 56, 57, 58, 59], 1] = np.minimum(lm[[55, 56, 57, 58, 59], 1], middle.mean() + 0.12 * iod)
    return out


def polygon_mask(points: np.ndarray, shape: tuple, blur: float) -> np.ndarray:
    mask = np.zeros(shape)
    rr, cc = polygon(points[:, 1], points[:, 0], shape)
    mask[rr, cc] = 1.0
    return np.clip(gaussian_filter(mask, blur), 0, 1) if blur > 0 else mask


def smooth_warp(image: np.ndarray, src: np.ndarray, dst: np.ndarray, step: int = 4) -> np.ndarray:
    """``image`` warped so that what was at landmarks ``src`` is at ``dst``: a thin-plate spline through
    the landmarks' moves, held still on a ring around the face and on the frame's border (evaluated on
    a grid every ``step`` px and interpolated; bilinear resampling)."""
    h, w = image.shape[:2]
    centre = dst.mean(0)
    ring = np.vstack([centre + 1.7 * (dst[JAW] - centre), centre + 1.7 * (dst[BROWS] - centre) - (0, 0.5 * inter_ocular(dst))])
    xs, ys = np.linspace(0, w - 1, 9), np.linspace(0, h - 1, 9)
    border = np.vstack([np.c_[xs, np.zeros(9)], np.c_[xs, np.full(9, h - 1)], np.c_[np.zeros(9), ys],
                        np.c_[np.full(9, w - 1), ys]])
    anchors = np.vstack([dst, ring, border])
    moves = np.vstack([src - dst, np.zeros((len(ring) + len(border), 2))])
    spline = RBFInterpolator(anchors, moves, kernel="thin_plate_spline", smoothing=1.0)
    gy, gx = np.mgrid[0:h:step, 0:w:step]
    coarse = spline(np.c_[gx.ravel(), gy.ravel()]).reshape(*gy.shape, 2)
    field = resize(coarse, (h, w, 2), order=1)
    yy, xx = np.mgrid[0:h, 0:w]
    coords = [yy + field[..., 1], xx + field[..., 0]]
    return np.stack([map_coordinates(image[..., k], coords, order=1, mode="nearest") for k in range(image.shape[2])], -1)


def face_mask(lm: np.ndarray, shape: tuple) -> np.ndarray:
    """Soft mask of the face: the jaw line closed over the brows raised by half an inter-ocular distance."""
    top = lm[BROWS][::-1] - (0, 0.5 * inter_ocular(lm))
    return polygon_mask(np.vstack([lm[JAW], top]), shape, 0.08 * inter_ocular(lm))


def recolour_skin(image: np.ndarray, lm: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """Skin tone: CIELAB offsets (L, a, b) inside the face."""
    mask = face_mask(lm, image.shape[:2])
    lab = rgb2lab(np.clip(image / 255.0, 0, 1))
    lab += mask[..., None] * skin
    return np.clip(lab2rgb(lab), 0, 1) * 255.0


def recolour_hair(image: np.ndarray, lm: np.ndarray, hair: np.ndarray) -> np.ndarray:
    """Hair colour: the pixels above the brows that share the colour found over the forehead's top
    take ``hair`` (keeping their shading), faded in by colour distance."""
    iod = inter_ocular(lm)
    h, w = image.shape[:2]
    top = int(max(0, lm[BROWS, 1].min() - 1.0 * iod))
    x = int(np.clip(lm[BROWS, 0].mean(), 0, w - 1))
    sample = image[max(0, top - 3):top + 4, max(0, x - 3):x + 4].reshape(-1, 3).mean(0)
    rgb = image / 255.0
    distance = np.linalg.norm(rgb - sample / 255.0, axis=-1)
    yy, xx = np.mgrid[0:h, 0:w]
    centre = lm[np.r_[JAW, BROWS]].mean(0)
    near = ((xx - centre[0]) / (1.9 * iod)) ** 2 + ((yy - centre[1]) / (2.3 * iod)) ** 2 < 1
    above = yy < lm[BROWS, 1].min() - 0.15 * iod
    weight = gaussian_filter((np.clip(1 - distance / 0.25, 0, 1) * near * above).astype(float), 1.0)
    shade = rgb.mean(-1, keepdims=True) / max(sample.mean() / 255.0, 0.05)
    target = np.clip(hair * shade, 0, 1)
    return (rgb * (1 - weight[..., None]) + target * weight[..., None]) * 255.0


def darken_brows(image: np.ndarray, lm: np.ndarray, amount: float, hair: np.ndarray) -> np.ndarray:
    """Heavier brows: each brow's band, thickened, pulled towards a dark shade of the hair colour."""
    if amount <= 0:
        return image
    iod = inter_ocular(lm)
    out = image
    for brow in (R_BROW, L_BROW):
        band = np.vstack([lm[brow] - (0, 0.07 * iod), lm[brow][::-1] + (0, 0.05 * iod)])
        mask = amount * polygon_mask(band, image.shape[:2], 0.03 * iod)
        out = out * (1 - mask[..., None]) + (hair * 0.5 * 255.0) * mask[..., None]
    return out


def grow_beard(image: np.ndarray, lm: np.ndarray, density: float, scale: float, hair: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Facial hair over the jaw, chin and upper lip (not the lips): a shadow of fine vertical grain,
    from stubble (``density`` below about 0.5: a grey-blue shade) to a full beard (the hair's colour)."""
    if density <= 0:
        return image
    iod = inter_ocular(lm)
    cheeks = np.array([lm[2] + (0.25 * iod, 0), lm[14] - (0.25 * iod, 0)])
    region = np.vstack([lm[2:15], cheeks[1], lm[[35, 34, 33, 32, 31]], cheeks[0]])  # jaw, cheek, under the nose
    mask = polygon_mask(region, image.shape[:2], 0.08 * iod)
    mask *= 1 - polygon_mask(lm[OUTER_LIPS], image.shape[:2], 0.02 * iod)
    grain = gaussian_filter(rng.normal(size=image.shape[:2]), (0.9 * scale, 0.35 * scale))
    grain = np.clip(0.5 + grain / (3 * grain.std() + 1e-9), 0, 1)
    stubble = np.array([0.30, 0.28, 0.30]) * 255.0  # a dark, slightly cool shadow
    colour = (1 - density) * stubble + density * np.clip(hair * 0.5, 0, 1) * 255.0
    alpha = mask * (0.1 + 0.45 * density) * (0.5 + 0.5 * grain)
    return image * (1 - alpha[..., None]) + colour * alpha[..., None]


def teeth_mask(image: np.ndarray, lm: np.ndarray, grow: float = 0.0) -> np.ndarray:
    """Soft mask of visible teeth: pale, grey pixels inside the outer lip line pushed out by ``grow``
    (teeth are bright and unsaturated, lips red)."""
    from skimage.color import rgb2hsv

    centre = lm[OUTER_LIPS].mean(0)
    inside = polygon_mask(centre + (1 + grow) * (lm[OUTER_LIPS] - centre), image.shape[:2], 0)
    hsv = rgb2hsv(np.clip(image / 255.0, 0, 1))
    return inside * np.clip((hsv[..., 2] - 0.45) / 0.2, 0, 1) * np.clip((0.4 - hsv[..., 1]) / 0.15, 0, 1)


def close_lips(image: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """A smile's teeth covered, and closed lips drawn at landmarks ``lm``: the teeth take the skin's
    colour (a closed mouth shows skin around its lips), then two thin lip bands in a reddened skin
    tone meet along a shadowed line."""
    iod = inter_ocular(lm)
    teeth = teeth_mask(image, lm, grow=0.3)
    cheeks = polygon_mask(np.vstack([lm[[4, 5, 6]], lm[[48, 31]]]), image.shape[:2], 0) > 0
    skin = np.median(image[cheeks], axis=0) if cheeks.any() else image[teeth > 0.5].mean(0)
    alpha = np.clip(gaussian_filter(teeth, 0.04 * iod) * 2.0, 0, 1)
    out = image * (1 - alpha[..., None]) + skin * alpha[..., None]
    meet = lm[[48, 60, 61, 62, 63, 64, 54]]
    upper = np.vstack([lm[48:55], meet[::-1]])
    lower = np.vstack([meet, lm[[54, 55, 56, 57, 58, 59, 48]]])
    lip = skin * np.array([0.95, 0.72, 0.72])
    for band in (upper, lower):
        mask = 0.8 * polygon_mask(band, image.shape[:2], 0.02 * iod)
        out = out * (1 - mask[..., None]) + lip * mask[..., None]
    line = polygon_mask(np.vstack([meet, meet[::-1] + (0, 0.02 * iod)]), image.shape[:2], 0.015 * iod)
    return out * (1 - 0.4 * line[..., None])


def render_identity(image: np.ndarray, lm: np.ndarray, identity: Identity, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    """A framed portrait (H, W, 3) float 0-255 with its landmarks (68, 2) -> the actor's neutral face
    and its landmarks: neutralised, reshaped, recoloured, with facial hair for men."""
    target = shape_landmarks(neutral_landmarks(lm), identity.shape)
    face = smooth_warp(image, lm, target)
    if teeth_mask(image, lm).sum() > 0.02 * inter_ocular(lm) ** 2:  # a smile that shows its teeth
        face = close_lips(face, target)
    face = recolour_hair(face, target, identity.hair)
    face = recolour_skin(face, target, identity.skin)
    face = darken_brows(face, target, identity.brow, identity.hair)
    face = grow_beard(face, target, identity.beard, identity.stubble, identity.hair, rng)
    return np.clip(face, 0, 255).astype(np.float32), target


def descriptor_model():
    """dlib's face descriptor network (128-d ResNet) from ``face-recognition-models`` (no download)."""
    import dlib

    path = resources.files("face_recognition_models") / "models" / "dlib_face_recognition_resnet_model_v1.dat"
    return dlib.face_recognition_model_v1(str(path))


def identity_descriptors(models, recogniser, faces: list[np.ndarray]) -> np.ndarray:
    """(N, 128) dlib descriptors of ``faces`` (H, W, 3 uint8), NaN rows where no face is found."""
    import dlib

    from .faces import detect_face

    out = np.full((len(faces), 128), np.nan)
    for i, face in enumerate(faces):
        face = np.ascontiguousarray(face, dtype=np.uint8)
        box = detect_face(models, face, max_side=max(face.shape[:2]))
        if box is not None:
            shape = models.predictor(face, dlib.rectangle(*box))
            out[i] = np.array(recogniser.compute_face_descriptor(face, shape))
    return out


def distinct_identities(descriptors: np.ndarray, threshold: float = DISTINCT) -> int:
    """People among the descriptors by a greedy count: each face is a new person unless it is within
    ``threshold`` of one already counted (faces without a descriptor are not counted)."""
    people: list[np.ndarray] = []
    for d in descriptors:
        if np.isfinite(d).all() and all(np.linalg.norm(d - p) >= threshold for p in people):
            people.append(d)
    return len(people)
