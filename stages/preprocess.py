"""DVC stage: decode, align faces, compute spectrograms; reject bad clips with reasons."""
from pathlib import Path

import pandas as pd

from avemo.atomic import atomic_dir, atomic_path
from avemo.config.audio import AudioParams
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.face import FaceParams
from avemo.config.preprocess import PreprocessParams
from avemo.data.manifests import build_manifest
from avemo.data.preprocess import PreprocessSpec, preprocess, too_many_rejections
from avemo.data.spectrograms import SpectrogramSpec
from avemo.evaluation.figures import save_expression_figure, save_people_figure, save_preprocess_figure
from avemo.stage import run, write_environment, write_results

INPUTS = {"corpus": "the dataset root (data.root)"}
OUTPUTS = {"processed": "folder of arrays (faces, face_frames, spectrograms, stft), clips.csv, rejections.csv",
           "landmarks": "the middle frame's 68 aligned landmarks per kept clip, in crop units (CSV)",
           "results": "folder: results.json (kept and rejected counts, by kind)",
           "metrics": "headline: clips kept (JSON)",
           "plots": "figure folder: samples.png (aligned faces and spectrograms per emotion), expressions.png (one "
                    "actor in each emotion), people.png (12 actors in one emotion), faces at the pipeline's size",
           "environment": "package versions and machine (JSON)"}


def build_spec(face: FaceParams, audio: AudioParams, pre: PreprocessParams) -> PreprocessSpec:
    gan = build(SpectrogramSpec, audio)
    stft = build(SpectrogramSpec, audio, n_fft=audio.stft_n_fft, hop_length=audio.stft_hop_length,
                 n_mels=audio.stft_n_mels, frames=audio.stft_frames)
    return build(PreprocessSpec, face, audio, pre, face_size=face.size, gan=gan, stft=stft)


def write_landmarks(clips: pd.Series, landmarks, path: str) -> None:
    """One row per kept clip: ``clip, x0, y0, ..., x67, y67`` (a file of its own, so the arrays'
    folder, and every stage after it, does not change with it)."""
    columns = [f"{axis}{i}" for i in range(68) for axis in "xy"]
    table = pd.DataFrame(landmarks.reshape(len(landmarks), -1), columns=columns)
    table.insert(0, "clip", clips.to_numpy())
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.5f")


def main(args) -> None:
    p = load_params(args.params, DataParams, FaceParams, AudioParams, PreprocessParams)
    data, pre = p["data"], p["preprocess"]
    manifest, name_rejects = build_manifest(data.dataset, args.corpus, data.classes)
    failed_table = Path(args.processed).with_name(Path(args.processed).name + "_rejections.csv")
    with atomic_dir(args.processed) as tmp:
        kept, rejects, landmarks = preprocess(manifest, build_spec(p["face"], p["audio"], pre), tmp, workers=pre.workers)
        kept.to_csv(tmp / "clips.csv", index=False)
        rejects = pd.concat([rejects, name_rejects], ignore_index=True) if len(name_rejects) else rejects
        rejects.to_csv(tmp / "rejections.csv", index=False)
        total = len(manifest) + len(name_rejects)
        if len(rejects) / max(1, total) > pre.max_reject_fraction:
            rejects.to_csv(failed_table, index=False)  # outside the temporary folder: it outlives the failure
            raise SystemExit(too_many_rejections(rejects, total, pre.max_reject_fraction, failed_table))
        plots = Path(args.plots)
        save_preprocess_figure(tmp, kept, plots / "samples.png")
        save_expression_figure(tmp, kept, plots / "expressions.png")
        save_people_figure(tmp, kept, plots / "people.png")
    failed_table.unlink(missing_ok=True)  # a failed run's table must not pass for this run's
    write_landmarks(kept["clip"], landmarks, args.landmarks)
    faceless = int((rejects["kind"] == "no face found").sum())
    write_results(args, "preprocess", {"clips": total, "kept": len(kept), "rejected": len(rejects),
                              "face_detect_rate": round(1 - faceless / max(1, len(manifest)), 4),
                              "faceless_frame_share_mean": round(float(kept["faceless_share"].mean()), 4),
                              "faceless_frame_share_max": round(float(kept["faceless_share"].max()), 4),
                              **{f"rejected_{k.replace(' ', '_')}": int(n) for k, n in rejects["kind"].value_counts().items()}})
    write_environment(args.environment)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
