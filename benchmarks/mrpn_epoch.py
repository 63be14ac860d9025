"""MRPN training time per epoch at paper scale (ResNet-18 extractors + LSTM/Transformer, N2) on
random clips shaped like the preprocessed data; needs torch, torchvision, numpy and this package.

    python benchmarks/mrpn_epoch.py --backbone resnet18 --face-size 112 --clips 256
    python benchmarks/mrpn_epoch.py --device cuda --clips 2048
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from avemo.data.sequences import SequenceSpec  # noqa: E402
from avemo.models.mrpn import VARIANT_BUILDERS, MrpnConfig  # noqa: E402
from avemo.training.mrpn import ClipArrays, MrpnFit, batches, forward, multi_term_loss  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--backbone", default="resnet18", choices=["cnn", "resnet18"])
    ap.add_argument("--aggregator", default="lstm", choices=["lstm", "transformer"])
    ap.add_argument("--face-size", type=int, default=112)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--segments", type=int, default=8)
    ap.add_argument("--clips", type=int, default=None, help="clips per timed epoch (default 64 CPU, 1024 GPU)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--bf16", action="store_true")
    args = ap.parse_args()
    gpu = args.device.startswith("cuda")
    n = args.clips or (1024 if gpu else 64)
    rng = np.random.default_rng(0)
    data = ClipArrays(rng.integers(0, 255, (n, 55, 28, 28, 3), dtype=np.uint8),
                      rng.uniform(-1, 1, (n, 64, 500)).astype(np.float32), rng.integers(0, 6, n))
    spec = SequenceSpec(args.frames, args.segments, 64, 32, max_stretch=0.25, face_size=args.face_size)
    torch.manual_seed(0)
    cfg = MrpnConfig(6, args.backbone, args.aggregator, 512 if args.backbone == "resnet18" else 64,
                     max_steps=max(args.frames, args.segments))
    model = VARIANT_BUILDERS["n2"](cfg, {}).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=1e-2)
    fit = MrpnFit(epochs=1, batch_size=args.batch, lr=5e-5, weight_decay=1e-2, patience=10, seed=0, min_epochs=0,
                  time_augment=True, image_augment=False, modality_dropout=0.0)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if (gpu and args.bf16) else torch.autocast("cpu", enabled=False)

    def epoch(d: ClipArrays) -> None:
        model.train()
        for v, a, y in batches(d, spec, fit.batch_size, np.random.default_rng(1), shuffle=True):
            with amp:
                loss = multi_term_loss(forward(model, "n2", v.to(args.device), a.to(args.device)), y.to(args.device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if gpu:
            torch.cuda.synchronize()

    epoch(data.take(np.arange(min(n, 2 * args.batch))))  # warm-up
    t = time.perf_counter()
    epoch(data)
    dt = time.perf_counter() - t
    params = sum(p.numel() for p in model.parameters()) / 1e6
    name = torch.cuda.get_device_name() if gpu else "CPU"
    print(f"| device | backbone | aggregator | face | params (M) | clips/s | s per epoch of 7,442 clips (CREMA-D) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {name} {'bf16' if args.bf16 and gpu else 'fp32'} | {args.backbone} | {args.aggregator} | {args.face_size} | "
          f"{params:.1f} | {n / dt:.1f} | {7442 / (n / dt):.0f} |")


if __name__ == "__main__":
    main()
