"""Throughput of a study's training work under ``avemo report queue --jobs N``: N processes train the
emotion CNN at once, each with its share of the cores (what ``--jobs`` gives each experiment), against
one process with every core. The CNN is most of a study experiment (its reference and sample arms);
each process trains the same model on random spectrograms shaped like the preprocessed audio.

    python benchmarks/jobs_throughput.py                      # jobs 1 and 2 on this machine's cores, bf16
    python benchmarks/jobs_throughput.py --jobs 1,2,4 --precision fp32 --repeats 5

Every process builds its data and warms up before a barrier, so process start-up and torch's import
are not timed: the wall time runs from the barrier to the last process's end. What it leaves out is
DVC's own work around each experiment, which two jobs can also overlap; the queue's own times
(benchmarks/queue_times.py) measure a whole study.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def train_one(threads: int, clips: int, shape: tuple[int, ...], width: int, precision: str, epochs: int,
              barrier, results) -> None:
    """One job: ``threads`` torch threads, data and warm-up, then the timed training after the barrier."""
    import torch

    from classifier_epoch import seconds_per_epoch

    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(clips, *shape, generator=g)
    y = torch.arange(clips) % 6
    seconds_per_epoch(x[:64], y[:64], width, precision, 1)  # warm-up: oneDNN builds its kernels once
    barrier.wait()
    start = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
    seconds_per_epoch(x, y, width, precision, epochs)
    results.put((torch.get_num_threads(), start, time.monotonic()))


def run_jobs(jobs: int, cores: int, clips: int, shape: tuple[int, ...], width: int, precision: str,
             epochs: int) -> dict:
    """``jobs`` concurrent trainings of ``cores // jobs`` threads each; their wall time and threads."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(jobs), ctx.Queue()
    threads = max(1, cores // jobs)
    procs = [ctx.Process(target=train_one, args=(threads, clips, shape, width, precision, epochs, barrier, results))
             for _ in range(jobs)]
    for p in procs:
        p.start()
    ends = [results.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a job exited with {p.exitcode}")
    return {"threads": sorted({t for t, _, _ in ends}), "trainings": len(ends),
            "wall": max(e for _, _, e in ends) - min(s for _, s, _ in ends)}


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", default="1,2", help="concurrent jobs to compare; the first is the baseline")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="cores shared among the jobs")
    ap.add_argument("--precision", default="bf16", help="classifier.precision (make tables trains in bf16)")
    ap.add_argument("--clips", type=int, default=288, help="training clips per epoch")
    ap.add_argument("--width", type=int, default=16, help="classifier.audio_width")
    ap.add_argument("--shape", default="1,28,112", help="one input's channels,height,width")
    ap.add_argument("--epochs", type=int, default=5, help="epochs per timed training")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    shape = tuple(map(int, args.shape.split(",")))
    jobs = [int(j) for j in args.jobs.split(",")]
    runs = {j: [] for j in jobs}
    for _ in range(args.repeats):
        for j in jobs:  # interleaved, so a slow spell of the machine falls on every setting
            runs[j].append(run_jobs(j, args.cores, args.clips, shape, args.width, args.precision, args.epochs))
    print(f"Emotion CNN ({args.precision}, width {args.width}, {args.clips} clips of {args.shape}, {args.epochs} "
          f"epochs per training) on {args.cores} cores; median of {args.repeats} runs")
    print("| jobs | threads per job | wall s | trainings per minute | vs jobs 1 |")
    print("|---|---|---|---|---|")
    rows = []
    for j in jobs:
        wall = statistics.median(r["wall"] for r in runs[j])
        rate = 60 * j / wall
        rows.append({"jobs": j, "threads": runs[j][0]["threads"], "trainings": runs[j][0]["trainings"],
                     "wall": wall, "per_minute": rate})
        rows[-1]["vs_first"] = rate / rows[0]["per_minute"]
        print(f"| {j} | {','.join(map(str, rows[-1]['threads']))} | {wall:.1f} | {rate:.2f} | {rows[-1]['vs_first']:.2f}x |")
    return rows


if __name__ == "__main__":
    main()
