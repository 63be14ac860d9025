"""DVC stage: FID, KID, IS and GAN-test accuracy of the generated samples with the classifier trained
on real data of the target modality (audio classifier for face2audio), and SSIM against each
sample's real pair.

    python stages/evaluate_generation.py PARAMS GENERATED AUDIO_NET FACE_NET METRICS
"""
import sys

import numpy as np
import torch

from avemo.atomic import write_json
from avemo.config import load_params
from avemo.evaluation.generation import generation_metrics
from avemo.runinfo import seed_everything
from avemo.training.classifier import load_emotion_cnn


def main(params_path, generated, audio_net, face_net, metrics_path) -> None:
    p = load_params(params_path, "eval", "train")
    seed_everything(p["train"].seed)
    g = np.load(generated)
    net = load_emotion_cnn(audio_net if str(g["direction"]) == "face2audio" else face_net)
    m = generation_metrics(net, torch.from_numpy(g["generated"]), torch.from_numpy(g["real"]), p["eval"], p["train"].seed,
                           labels=g["klass"])
    out = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()}
    write_json(metrics_path, {**out, "samples": int(len(g["generated"])), "is_splits": p["eval"].is_splits,
                              "feature_dim": int(net.cfg.feature_dim), "direction": str(g["direction"])})


if __name__ == "__main__":
    main(*sys.argv[1:])
