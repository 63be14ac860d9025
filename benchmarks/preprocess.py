"""Preprocess throughput on the synthetic corpus: the stage's per-clip work (detect once + track)
against decode-only and against naive per-frame detection. Prints a table.

    .venv/bin/python benchmarks/preprocess.py [CORPUS_ROOT] [N_CLIPS]

Runs single-process (per-core clips/s); the stage itself uses `preprocess.workers` processes.
"""
import sys
import time
from pathlib import Path

import numpy as np

from avemo.data.faces import FaceModels, align_face, detect_face, landmarks, track_landmarks
from avemo.data.manifests import build_manifest
from avemo.data.media import read_audio, read_video
from avemo.data.preprocess import PreprocessSpec, middle_frames, process_clip
from avemo.data.spectrograms import SpectrogramSpec
from avemo.data.synthetic import CorpusSpec, write_corpus

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
SPEC = PreprocessSpec(28, 55, 320, 0, SpectrogramSpec(16000, 512, 128, 28, 112, 80.0),
                      SpectrogramSpec(16000, 512, 64, 64, 500, 80.0), 1e-4)


def decode_only(models, row):
    read_audio(row["audio_path"], 16000)
    read_video(row["video_path"])


def naive_per_frame(models, row):
    """What the stage avoids: full HOG detection on every kept frame."""
    read_audio(row["audio_path"], 16000)
    frames, _ = read_video(row["video_path"])
    for f in frames[middle_frames(len(frames), SPEC.sequence_frames)]:
        box = detect_face(models, f, SPEC.detect_max_side)
        if box is not None:
            align_face(f, landmarks(models, f, box), SPEC.face_size)


def stage(models, row):
    process_clip(models, row, SPEC)


def main(root: str = "data/corpus", n: str = "40") -> None:
    root = Path(root)
    if not (root / "AudioWAV").exists():
        root = Path("/tmp/avemo-bench-corpus")
        if not root.exists():
            write_corpus(CorpusSpec(0, 4, ("TIE", "IOM"), 2.0, 30, 192, 16000, 1.0, 0.6, 0.6, 6.0), root)
    rows = build_manifest("synthetic", root, SIX)[0].to_dict("records")[: int(n)]
    models = FaceModels.load()
    results = {}
    for name, fn in [("decode only", decode_only), ("stage (detect once + track)", stage),
                     ("naive per-frame detection", naive_per_frame)]:
        fn(models, rows[0])  # warm-up
        t0 = time.perf_counter()
        for row in rows:
            fn(models, row)
        results[name] = len(rows) / (time.perf_counter() - t0)
    base = results["stage (detect once + track)"]
    print(f"{len(rows)} clips of {root}, 1 process\n")
    print(f"| {'method':<30} | clips/s | vs stage |")
    print(f"|{'-' * 32}|---------|----------|")
    for name, rate in results.items():
        print(f"| {name:<30} | {rate:7.2f} | {rate / base:7.2f}x |")


if __name__ == "__main__":
    main(*sys.argv[1:])
