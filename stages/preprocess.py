"""DVC stage: decode, align faces, compute spectrograms; reject bad clips with reasons.

    python stages/preprocess.py PARAMS OUT_DIR METRICS PLOT_PNG
"""
import sys

import pandas as pd

from avemo.atomic import atomic_dir, write_json
from avemo.config import load_params
from avemo.data.manifests import build_manifest
from avemo.data.preprocess import PreprocessSpec, preprocess
from avemo.data.spectrograms import SpectrogramSpec
from avemo.evaluation.figures import save_preprocess_figure
from avemo.runinfo import environment


def build_spec(face, audio) -> PreprocessSpec:
    gan = SpectrogramSpec(audio.sample_rate, audio.n_fft, audio.hop_length, audio.n_mels, audio.frames, audio.top_db)
    stft = SpectrogramSpec(audio.sample_rate, audio.stft_n_fft, audio.stft_hop_length, audio.stft_n_mels,
                           audio.stft_frames, audio.top_db)
    return PreprocessSpec(face.size, face.sequence_frames, face.detect_max_side, face.redetect_every, gan, stft,
                          audio.min_rms)


def main(params_path: str, out_dir: str, metrics_path: str, figure_path: str) -> None:
    p = load_params(params_path, "data", "face", "audio", "preprocess")
    data, pre = p["data"], p["preprocess"]
    manifest, name_rejects = build_manifest(data.dataset, data.root, data.classes)
    with atomic_dir(out_dir) as tmp:
        kept, rejects = preprocess(manifest, build_spec(p["face"], p["audio"]), tmp, workers=pre.workers)
        kept.to_csv(tmp / "clips.csv", index=False)
        rejects = pd.concat([rejects, name_rejects], ignore_index=True) if len(name_rejects) else rejects
        rejects.to_csv(tmp / "rejections.csv", index=False)
        total = len(manifest) + len(name_rejects)
        share = len(rejects) / max(1, total)
        if share > pre.max_reject_fraction:
            reasons = rejects["reason"].value_counts().head(3).to_dict()
            raise SystemExit(f"preprocess: rejected {len(rejects)}/{total} clips ({share:.1%}) > "
                             f"preprocess.max_reject_fraction = {pre.max_reject_fraction}; top reasons: {reasons}; "
                             f"see the rejections table in {tmp}")
        save_preprocess_figure(tmp, kept, figure_path)
    faceless = int((rejects["reason"] == "no face found").sum())
    write_json(metrics_path, {
        "clips": total, "kept": len(kept), "rejected": len(rejects),
        "face_detect_rate": round(1 - faceless / max(1, len(manifest)), 4), **environment(),
    })


if __name__ == "__main__":
    main(*sys.argv[1:])
