"""How many distinct people the two shipped portraits can become, by dlib's face descriptor: renders
N candidate identities at the corpus's settings or stronger ones (shape scale, a blend of the other
portrait's texture, detail gain), and counts, per sex, the largest set it finds of faces pairwise
at least 0.6 apart (dlib's "different person"; greedy by fewest conflicts). Prints a table.

    .venv/bin/python benchmarks/identities.py --candidates 200
    .venv/bin/python benchmarks/identities.py --candidates 48 --shape 1.0 --blend 0 --detail 0   # the corpus's own
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from avemo.data import synthetic_identity as si  # noqa: E402
from avemo.data.faces import FaceModels  # noqa: E402
from avemo.data.synthetic_face import frame_portrait, portraits  # noqa: E402


def candidate(shots, k: int, shape: float, blend: float, detail: float) -> tuple[str, np.ndarray]:
    """(sex, the k-th candidate's neutral face)."""
    sex = ("Male", "Female")[k % 2]
    rng = np.random.default_rng([k, 11])
    base = int(rng.integers(2))
    image, lm = frame_portrait(shots[base], np.random.default_rng([k, 7]), 192)
    other, other_lm = frame_portrait(shots[1 - base], np.random.default_rng([k, 7]), 192)
    share = rng.uniform(0, blend)
    image = (1 - share) * image + share * si.smooth_warp(other, other_lm, lm)
    low = np.stack([gaussian_filter(image[..., c], 1.5) for c in range(3)], -1)
    image = low + np.exp(rng.normal(0, detail)) * (image - low)
    face, _ = si.render_identity(image, lm, si.draw_identity(sex, rng, shape), np.random.default_rng([k, 2]))
    return sex, face.astype(np.uint8)


def packing(distances: np.ndarray, members: list[int]) -> int:
    """The size of a set of ``members`` pairwise at least DISTINCT apart, built greedily by fewest conflicts."""
    left, chosen = list(members), 0
    while left:
        best = min(left, key=lambda i: sum(distances[i, j] < si.DISTINCT for j in left if j != i))
        chosen += 1
        left = [j for j in left if j != best and distances[best, j] >= si.DISTINCT]
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--shape", type=float, default=1.3, help="scale of the shape coordinates (the corpus: 1)")
    ap.add_argument("--blend", type=float, default=0.5, help="most of the other portrait's texture blended in")
    ap.add_argument("--detail", type=float, default=0.5, help="std of the log gain of fine detail (age)")
    args = ap.parse_args()
    models = FaceModels.load()
    shots = portraits(models)
    drawn = [candidate(shots, k, args.shape, args.blend, args.detail) for k in range(args.candidates)]
    d = si.identity_descriptors(models, si.descriptor_model(), [face for _, face in drawn])
    found = np.isfinite(d).all(1)
    distances = np.linalg.norm(d[:, None] - d[None], axis=-1)
    print(f"{args.candidates} candidates (shape x{args.shape}, blend <= {args.blend}, detail sd {args.detail}), "
          f"{found.sum()} found by dlib's detector")
    print("| sex | candidates | greedy count in order | largest distinct set found |\n|---|---|---|---|")
    for sex in ("Male", "Female"):
        members = [i for i, (s, _) in enumerate(drawn) if s == sex and found[i]]
        print(f"| {sex} | {len(members)} | {si.distinct_identities(d[members])} | {packing(distances, members)} |")


if __name__ == "__main__":
    main()
