"""Data-parallel scaling on CPU (gloo): samples/s of emotion-CNN training epochs with 1 process
(all threads) against N processes under torchrun (one thread each), same global batch. Prints a table.

    .venv/bin/python benchmarks/ddp_scaling.py [--processes 2] [--samples 512] [--epochs 3]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import textwrap

JOB = """
import sys, time, torch
from avemo.models.classifier import ClassifierConfig, EmotionCNN
from avemo.training.classifier import FitConfig, fit_classifier
from avemo.training.distributed import init
world, device = init("cpu")
n, epochs = int(sys.argv[1]), int(sys.argv[2])
g = torch.Generator().manual_seed(0)
x, y = torch.randn(n, 1, 28, 112, generator=g), torch.arange(n) % 6
torch.manual_seed(0)
start = time.perf_counter()
fit_classifier(EmotionCNN(ClassifierConfig(1, 6, "small", 16, 64, 0.3)), (x, y), (x[:12], y[:12]),
               FitConfig(epochs=epochs, batch_size=32, lr=3e-4, weight_decay=0.0, patience=epochs, seed=0, min_epochs=0), world=world)
if world.main:
    print(f"{n * epochs / (time.perf_counter() - start):.1f}")
"""


def run(processes: int, samples: int, epochs: int, threads: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(textwrap.dedent(JOB))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}", fh.name,
           str(samples), str(epochs)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    base = run(1, args.samples, args.epochs, cores)
    many = run(args.processes, args.samples, args.epochs, max(1, cores // args.processes))
    print(f"{args.samples} samples x {args.epochs} epochs, emotion CNN (audio width 16), batch 32, {cores} cores\n")
    print("| setting | samples/s | vs 1 process |")
    print("|---|---|---|")
    print(f"| 1 process, {cores} threads | {base:.1f} | 1.00x |")
    print(f"| {args.processes} processes (gloo), {max(1, cores // args.processes)} thread(s) each | {many:.1f} | "
          f"{many / base:.2f}x |")


if __name__ == "__main__":
    main()
