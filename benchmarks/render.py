"""The synthetic corpus's per-clip rendering at a frame size: ``render_frames`` (tensors built in place)
against the plain out-of-place expression it replaced. Both give the same bytes
(tests/test_corpus_voice.py); this prints what each costs, on one thread.

    .venv/bin/python benchmarks/render.py               # CREMA-D's frame height, 360, 2 s clips
    .venv/bin/python benchmarks/render.py --size 192    # the default corpus
    .venv/bin/python benchmarks/render.py --actors 24   # also: a worker's memory after that many actors

``--actors`` renders one clip of each of that many actors with the corpus's renderer, which keeps
the latest few actors' faces, and with one that keeps every actor's (as it first did), and prints
each process's resident memory (each in a fresh process).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from avemo.data.synthetic_face import ActorFace, render_frames


def plain_render_frames(face: ActorFace, weights: dict, expression, mouth, head, rng, noise: float) -> np.ndarray:
    """``render_frames`` as first written: every (T, S, S) intermediate a new tensor."""
    size = face.image.shape[0]
    static = sum(w * face.fields[name] for name, w in weights.items() if name in face.fields)
    f32 = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float32))  # noqa: E731
    disp = (f32(expression)[:, None, None, None] * f32(static)[None]
            + f32(mouth)[:, None, None, None] * f32(face.fields["MOUTH"])[None] + f32(face.rest)[None]
            + f32(head)[:, :, None, None])
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32),
                            indexing="ij")
    grid = torch.stack([xs[None] - disp[:, 1], ys[None] - disp[:, 0]], -1) * (2.0 / (size - 1)) - 1.0
    image = f32(face.image).permute(2, 0, 1)[None].expand(len(grid), -1, -1, -1)
    gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
    with torch.no_grad():
        out = F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)
        out = out + noise * torch.randn(out.shape, generator=gen)
        out = out.round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1)
    return np.ascontiguousarray(out.numpy())


def random_clip(size: int, frames: int, seed: int = 0):
    """A face with random displacement fields and a clip's random expression, mouth and head tracks."""
    rng = np.random.default_rng(seed)
    fields = {name: rng.normal(0, 2, (2, size, size)).astype(np.float32) for name in ("HAP", "SAD", "MOUTH")}
    face = ActorFace(rng.uniform(0, 255, (size, size, 3)).astype(np.float32), rng.uniform(0, size, (68, 2)), fields,
                     rng.normal(0, 1, (2, size, size)).astype(np.float32))
    return face, {"HAP": 0.7, "SAD": 0.2}, rng.uniform(0, 1, frames), rng.uniform(0, 1, frames), rng.normal(0, 1, (frames, 2))


def seconds_per_call(fn, repeats: int) -> float:
    fn()  # warm-up: first-call allocations
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def renderer_memory(size: int, actors: int, keep: int | None) -> float:
    """Resident memory (GB) of this process after rendering one clip of each of ``actors`` actors with
    a renderer that keeps ``keep`` actors' faces (None: the corpus's own setting)."""
    import psutil

    from avemo.config.core import build, load_params
    from avemo.config.corpus import CorpusParams
    from avemo.data.synthetic import CorpusSpec, _Renderer, plan_corpus, render_clip

    corpus = load_params(Path(__file__).resolve().parents[1] / "params.yaml", CorpusParams)["corpus"]
    spec = build(CorpusSpec, corpus, n_actors=actors, frame_size=size, frame_width=0, sentences=["TIE"])
    renderer = _Renderer(spec)
    if keep is not None:
        renderer.KEEP = keep
    first = {}
    for clip in plan_corpus(spec):
        first.setdefault(clip.actor.actor_id, clip)
    for clip in first.values():
        render_clip(renderer, clip)
    return psutil.Process().memory_info().rss / 2**30


def memory_table(size: int, actors: int) -> str:
    """Each renderer in its own process, so one's freed memory does not hide the other's."""
    rows = []
    for name, keep in (("every actor (as first written)", 10**6), ("the latest few (the stage)", None)):
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from render import renderer_memory; "
                f"print(renderer_memory({size}, {actors}, {keep!r}))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        rows.append((name, float(out.stdout.split()[-1])))
    lines = [f"\nOne clip of each of {actors} actors at {size} px: resident memory of the process\n",
             "| faces kept | RSS (GB) |", "|---|---|"]
    lines += [f"| {name} | {gb:.2f} |" for name, gb in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=360, help="frame height (the rendered square's side)")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--actors", type=int, default=0, help="also measure a worker's memory after this many actors")
    args = parser.parse_args()
    torch.set_num_threads(1)
    face, weights, expression, mouth, head = random_clip(args.size, args.frames)
    rows = [("plain expression", lambda: plain_render_frames(
                 face, weights, expression, mouth, head, np.random.default_rng(1), 6.0)),
            ("in place (the stage)", lambda: render_frames(
                 face, weights, expression, mouth, head, np.random.default_rng(1), 6.0))]
    times = [seconds_per_call(fn, args.repeats) for _, fn in rows]
    print(f"{args.frames} frames of {args.size} x {args.size} (before widening), one thread, "
          f"mean of {args.repeats} calls\n")
    print("| render_frames | s per clip | speed vs plain |\n|---|---|---|")
    for (name, _), t in zip(rows, times):
        print(f"| {name} | {t:.3f} | {times[0] / t:.2f}x |")
    if args.actors:
        print(memory_table(args.size, args.actors))


if __name__ == "__main__":
    main()
