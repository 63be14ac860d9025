"""Preprocess throughput on synthetic clips: the stage's per-clip work (detect once + track, decoding
only the kept frames) against decode-only and against naive per-frame detection. Prints a table.

    .venv/bin/python benchmarks/preprocess.py                       # 192 px, 2 s clips (the default corpus)
    .venv/bin/python benchmarks/preprocess.py --frame-size 480 --seconds 2.5   # CREMA-D-sized frames
    .venv/bin/python benchmarks/preprocess.py --frame-size 720 --seconds 3.5   # RAVDESS-sized frames

Runs in one process (per-core clips/s); the stage itself uses `preprocess.workers` processes.
``--workers 1,2`` instead times the two stages' own library calls (``write_corpus`` and
``preprocess``) with that many worker processes, reports clips/s per worker, and projects the
corpus + preprocess time of the paper-scale synthetic corpus (91 actors x 82 clips) on 16 cores from
the per-worker rate (a projection from this machine, not a measurement on 16 cores):

    .venv/bin/python benchmarks/preprocess.py --workers 1,2 --clips 240   # fewer clips: worker start-up dominates
"""
import argparse
import shutil
import tempfile
import time
from pathlib import Path

from avemo.data.faces import FaceModels, align_face, detect_face, landmarks
from avemo.data.manifests import build_manifest
from avemo.data.media import read_audio, read_video
from avemo.data.preprocess import PreprocessSpec, preprocess, process_clip
from avemo.data.spectrograms import SpectrogramSpec
from avemo.data.synthetic import CorpusSpec, write_corpus

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
SPEC = PreprocessSpec(face_size=28, sequence_frames=55, fps=30.0, detect_max_side=320, redetect_every=0,
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


PAPER_CLIPS = 91 * 82  # the paper-scale synthetic corpus (CREMA-D: 7,442 clips)


def corpus_spec(frame_size: int, seconds: float, clips: int) -> CorpusSpec:
    return CorpusSpec(seed=0, n_actors=max(4, -(-clips // 12)), sentences=("TIE", "IOM"), clip_seconds=seconds,
                      fps=30, frame_size=frame_size, frame_width=0, sample_rate=16000, expression_gain=1.0, face_confusion=0.6,
                      voice_confusion=0.6, image_noise=6.0, levels=("HI",),
                      speaker_spread=0.0, channel_spread=0.0, face_voice_link=0.0)


def corpus(frame_size: int, seconds: float, clips: int) -> Path:
    root = Path(f"/tmp/avemo-bench-corpus-{frame_size}-{seconds}")
    if not root.exists():
        write_corpus(corpus_spec(frame_size, seconds, clips), root)
    return root


def scaling(args) -> None:
    """Both stages' library calls with 1, 2, ... worker processes on a fresh corpus."""
    spec = corpus_spec(args.frame_size, args.seconds, args.clips)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in [int(w) for w in args.workers.split(",")]:
            root, out = Path(tmp) / f"corpus{workers}", Path(tmp) / f"processed{workers}"
            out.mkdir()
            t0 = time.perf_counter()
            n = len(write_corpus(spec, root, workers=workers))
            t1 = time.perf_counter()
            kept, _, _ = preprocess(build_manifest("synthetic", root, SIX)[0], SPEC, out, workers=workers)
            t2 = time.perf_counter()
            rows.append((workers, n, len(kept), n / (t1 - t0), n / (t2 - t1)))
            shutil.rmtree(root)  # free the disk before the next worker count
            shutil.rmtree(out)
    base_pre = rows[0][4] / rows[0][0]
    print(f"{rows[0][1]} clips, {args.frame_size} px, {args.seconds} s\n")
    print("| workers | corpus clips/s | per worker | preprocess clips/s (kept) | per worker | per-worker rate vs 1 |")
    print("|---|---|---|---|---|---|")
    for workers, n, k, c_rate, p_rate in rows:
        print(f"| {workers} | {c_rate:.2f} | {c_rate / workers:.2f} | {p_rate:.2f} ({k}) | {p_rate / workers:.2f} | "
              f"{p_rate / workers / base_pre:.2f}x |")
    workers, _, _, c_rate, p_rate = rows[-1]
    minutes = PAPER_CLIPS / (16 * c_rate / workers) / 60 + PAPER_CLIPS / (16 * p_rate / workers) / 60
    print(f"\nprojected for {PAPER_CLIPS:,} clips on 16 cores at the {workers}-worker rate per worker: "
          f"{minutes:.1f} min (corpus + preprocess, perfect scaling assumed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frame-size", type=int, default=192)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--workers", default="", help="comma-separated worker counts: time the stages' calls")
    args = parser.parse_args()
    if args.workers:
        return scaling(args)
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
