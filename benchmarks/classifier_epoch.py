"""Training time of the emotion CNN per epoch under each ``classifier.precision``, at 1 and 2 threads,
on random spectrograms shaped like the preprocessed audio (what evaluate_references, evaluate_augmented
and learning_curve train many times over in a study). Each setting trains the same model from the same
seed through ``fit_classifier``, settings interleaved and repeated; the table gives the median.

    python benchmarks/classifier_epoch.py                     # the default audio CNN, 288 clips
    python benchmarks/classifier_epoch.py --clips 576 --width 64 --repeats 5

What a precision does to results is not timed here: a study measures it (docs/studies.md).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from avemo.models.classifier import ClassifierConfig, EmotionCNN  # noqa: E402
from avemo.training.classifier import PRECISIONS, FitConfig, fit_classifier  # noqa: E402


def seconds_per_epoch(x, y, width: int, precision: str, epochs: int) -> float:
    """Wall seconds of one epoch (training pass and the validation of 15% held out), averaged over ``epochs``."""
    held = len(y) * 15 // 100
    fit = FitConfig(epochs=epochs, batch_size=32, lr=3e-4, weight_decay=1e-4, patience=epochs, seed=0, min_epochs=0,
                    precision=precision)
    torch.manual_seed(0)
    model = EmotionCNN(ClassifierConfig(x.shape[1], 6, "small", width, 64, 0.3))
    start = time.perf_counter()
    fit_classifier(model, (x[held:], y[held:]), (x[:held], y[:held]), fit)
    return (time.perf_counter() - start) / epochs


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=288, help="training clips per epoch (S3's real audio + as many generated)")
    ap.add_argument("--width", type=int, default=16, help="classifier.audio_width")
    ap.add_argument("--shape", default="1,28,112", help="one input's channels,height,width")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--epochs", type=int, default=3, help="epochs per timed run")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.clips, *map(int, args.shape.split(",")), generator=g)
    y = torch.arange(args.clips) % 6
    threads = [int(t) for t in args.threads.split(",")]
    times = {(t, p): [] for t in threads for p in PRECISIONS}
    seconds_per_epoch(x[:64], y[:64], args.width, "bf16", 1)  # warm-up: oneDNN builds its kernels once
    for _ in range(args.repeats):
        for (t, p), runs in times.items():
            torch.set_num_threads(t)
            runs.append(seconds_per_epoch(x, y, args.width, p, args.epochs))
    print(f"Emotion CNN, width {args.width}, {args.clips} clips of {args.shape}, batch 32; "
          f"median of {args.repeats} runs of {args.epochs} epochs")
    print("| threads | precision | s per epoch | vs fp32 at these threads |")
    print("|---|---|---|---|")
    rows = []
    for (t, p), runs in times.items():
        median = statistics.median(runs)
        ratio = statistics.median(times[(t, "fp32")]) / median
        rows.append({"threads": t, "precision": p, "seconds": median, "speedup": ratio})
        print(f"| {t} | {p} | {median:.3f} | {ratio:.2f}x |")
    return rows


if __name__ == "__main__":
    main()
