"""A drill with real-world faults: a tree of CREMA-D's file names (its 12 sentences, IEO at three
levels: 82 clips per actor) with one fault of each kind injected, through the preprocess stage's own
calls. Prints one row per fault (what was done, the kind expected, the kind the stage gave) and
checks that no clean clip is lost and that speech with a DC offset keeps the clean speech's features.

    .venv/bin/python benchmarks/bad_input.py [--actors 12] [--workers 2]

The faults: a DC offset (accepted), a video cut to 3,000 bytes and one cut in half, a Git LFS pointer,
an empty WAV, a WAV with NaN, a silent WAV, a directory named like a clip, a broken symlink, a macOS
fork, a name that does not parse, a whole video recorded short, a video without its WAV.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from avemo.data.manifests import build_manifest  # noqa: E402
from avemo.data.media import read_video, write_video  # noqa: E402
from avemo.data.preprocess import preprocess  # noqa: E402
from avemo.data.synthetic import CorpusSpec, write_corpus  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preprocess import SIX, SPEC  # noqa: E402

SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")
LFS = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 40844\n"


def crema_d_tree(root: Path, actors: int, workers: int) -> None:
    spec = CorpusSpec(seed=0, n_actors=actors, sentences=SENTENCES, clip_seconds=2.0, fps=30, frame_size=192, frame_width=0,
                      sample_rate=16000, expression_gain=1.5, face_confusion=0.3, voice_confusion=0.8,
                      image_noise=6.0, levels=("LO", "MD", "HI"), speaker_spread=0.0, channel_spread=0.0, face_voice_link=0.0)
    write_corpus(spec, root, workers=workers)


def inject(root: Path) -> list[tuple[str, str, str | None]]:
    """One fault per row: (what was done, the clip or file it hit, the kind the stage must give;
    None: the clip must be kept, or the file skipped without a rejection)."""
    wavs, videos = sorted((root / "AudioWAV").glob("*.wav")), sorted((root / "VideoFlash").glob("*.flv"))
    faults = []

    def hit(index: int, what: str, kind: str | None, change) -> None:
        change(wavs[index], videos[index])
        faults.append((what, wavs[index].stem, kind))

    hit(0, "speech + a DC offset of 0.4", None,
        lambda w, v: sf.write(w, sf.read(w, dtype="float32")[0] + np.float32(0.4), 16000, subtype="FLOAT"))
    hit(1, "video cut to its first 3,000 bytes", "corrupt video", lambda w, v: v.write_bytes(v.read_bytes()[:3000]))
    hit(2, "video cut in half", "corrupt video", lambda w, v: v.write_bytes(v.read_bytes()[: v.stat().st_size // 2]))
    hit(3, "a Git LFS pointer instead of the WAV", "Git LFS pointer", lambda w, v: w.write_bytes(LFS))
    hit(4, "an empty WAV", "empty file", lambda w, v: w.write_bytes(b""))
    hit(5, "a float WAV with a NaN", "non-finite audio",
        lambda w, v: sf.write(w, np.where(np.arange(32000) == 999, np.nan, 0.1).astype(np.float32), 16000,
                              subtype="FLOAT"))
    hit(6, "a silent WAV (a constant)", "silent audio", lambda w, v: sf.write(w, np.full(32000, 0.2, np.float32), 16000))
    hit(7, "the WAV a broken symlink", "broken symlink", lambda w, v: (w.unlink(), os.symlink(root / "missing.wav", w)))
    hit(8, "a whole video of 10 frames", "video too short",
        lambda w, v: write_video(v, read_video(v).frames[:10], 30))
    hit(9, "the WAV deleted", "no matching audio", lambda w, v: w.unlink())
    (root / "VideoFlash" / "1090_TIE_ANG_XX.flv").mkdir()
    shutil.copy(wavs[10], root / "AudioWAV" / "1090_TIE_ANG_XX.wav")
    faults.append(("a directory named like a clip's video", "1090_TIE_ANG_XX", "not a file"))
    (root / "AudioWAV" / "notes_on_1001.wav").write_bytes(b"RIFF")
    faults.append(("a WAV whose name does not parse", "notes_on_1001", "name does not parse"))
    (root / "AudioWAV" / f"._{wavs[11].name}").write_bytes(b"\x00\x05\x16\x07 macOS fork")
    faults.append(("a macOS fork beside a clip", f"._{wavs[11].stem}", None))
    return faults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, clean = Path(tmp) / "CREMA-D", Path(tmp) / "clean"
        crema_d_tree(root, args.actors, args.workers)
        shutil.copytree(root, clean)
        clips = len(list((root / "AudioWAV").glob("*.wav")))
        faults = inject(root)
        start = time.perf_counter()
        manifest, name_rejects = build_manifest("crema_d", root, SIX)
        out = Path(tmp) / "processed"
        out.mkdir()
        kept, rejects, _ = preprocess(manifest, SPEC, out, workers=args.workers)
        seconds = time.perf_counter() - start
        every = (rejects.to_dict("records") + name_rejects.to_dict("records"))
        got = {r["clip"]: r["kind"] for r in every}
        print(f"{clips} clips of {args.actors} actors in CREMA-D's layout; {len(kept)} kept, {len(every)} rejected "
              f"({seconds:.0f} s, {args.workers} workers)\n")
        print("| fault | clip or file | kind expected | kind given |")
        print("|---|---|---|---|")
        wrong = 0
        for what, clip, kind in faults:
            given = got.get(clip, "kept" if clip in set(kept["clip"]) else "skipped (not a clip)")
            expected = kind or ("kept" if not clip.startswith("._") else "skipped (not a clip)")
            wrong += given != expected
            print(f"| {what} | {clip} | {expected} | {given} |")
        clean_clips = clips - sum(1 for _, clip, kind in faults if kind and not clip.startswith(("1090", "notes")))
        dc = faults[0][1]
        arrays = np.load(out / "spectrograms.npy"), np.load(out / "stft.npy")
        row = int(kept.index[kept["clip"] == dc][0])
        reference = Path(tmp) / "reference"
        reference.mkdir()
        ref_manifest = build_manifest("crema_d", clean, SIX)[0]
        ref_kept, _, _ = preprocess(ref_manifest[ref_manifest["clip"] == dc], SPEC, reference, workers=1)
        same = max(float(np.abs(arrays[0][row] - np.load(reference / "spectrograms.npy")[0]).max()),
                   float(np.abs(arrays[1][row].astype(np.float32)
                                - np.load(reference / "stft.npy")[0].astype(np.float32)).max()))
        print(f"\nclean clips kept: {len(kept)} of {clean_clips}; the DC-offset clip's spectrograms against the clean "
              f"recording's: max difference {same:.2e}; faults given another kind than expected: {wrong}")
        if wrong or len(kept) != clean_clips or same > 1e-2:
            raise SystemExit("the drill failed")


if __name__ == "__main__":
    main()
