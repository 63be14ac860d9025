"""Preprocess throughput on synthetic clips: the stage's per-clip work (detect once + track, decoding
only the kept frames) against decode-only and against naive per-frame detection. Prints a table.

    .venv/bin/python benchmarks/preprocess.py                       # 192 px, 2 s clips (the default corpus)
    .venv/bin/python benchmarks/preprocess.py --frame-size 480 --seconds 2.5   # CREMA-D-sized frames
    .venv/bin/python benchmarks/preprocess.py --frame-size 720 --seconds 3.5   # RAVDESS-sized frames

Runs in one process (per-core clips/s); the stage itself uses `preprocess.workers` processes.
"""
import argparse
import time
from pathlib import Path

from avemo.data.faces import FaceModels, align_face, detect_face, landmarks
from avemo.data.manifests import build_manifest
from avemo.data.media import read_audio, read_video
from avemo.data.preprocess import PreprocessSpec, process_clip
from avemo.data.spectrograms import SpectrogramSpec
from avemo.data.synthetic import CorpusSpec, write_corpus

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
SPEC = PreprocessSpec(face_size=28, sequence_frames=55, detect_max_side=320, redetect_every=0,
                      gan=SpectrogramSpec(16000, 512, 128, 28, 112, 80.0),
                      stft=SpectrogramSpec(16000, 512, 64, 64, 500, 80.0), min_rms=1e-4, max_duration_gap=0.5,
                      max_faceless_share=0.2, min_face_similarity=0.5)


def decode_only(models, row):
    read_audio(row["audio_path"], 16000)
    read_video(row["video_path"])


def naive_per_frame(models, row):
    """What the stage avoids: every frame decoded, full HOG detection on every kept frame."""
    read_audio(row["audio_path"], 16000)
    for f in read_video(row["video_path"], SPEC.sequence_frames).frames:
        box = detect_face(models, f, SPEC.detect_max_side)
        if box is not None:
            align_face(f, landmarks(models, f, box), SPEC.face_size)


def stage(models, row):
    process_clip(models, row, SPEC)


def corpus(frame_size: int, seconds: float, clips: int) -> Path:
    root = Path(f"/tmp/avemo-bench-corpus-{frame_size}-{seconds}")
    if not root.exists():
        actors = max(4, -(-clips // 12))
        write_corpus(CorpusSpec(seed=0, n_actors=actors, sentences=("TIE", "IOM"), clip_seconds=seconds, fps=30,
                                frame_size=frame_size, sample_rate=16000, expression_gain=1.0, face_confusion=0.6,
                                voice_confusion=0.6, image_noise=6.0), root)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frame-size", type=int, default=192)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clips", type=int, default=40)
    args = parser.parse_args()
    root = corpus(args.frame_size, args.seconds, args.clips)
    rows = build_manifest("synthetic", root, SIX)[0].to_dict("records")[: args.clips]
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
    print(f"{len(rows)} clips, {args.frame_size} px, {args.seconds} s, 1 process\n")
    print(f"| {'method':<30} | clips/s | vs stage |")
    print(f"|{'-' * 32}|---------|----------|")
    for name, rate in results.items():
        print(f"| {name:<30} | {rate:7.2f} | {rate / base:7.2f}x |")


if __name__ == "__main__":
    main()
