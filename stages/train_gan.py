"""DVC stage: train one GAN variant (dacssGAN / progressive / WGAN-GP / tc-wGAN, chosen by ``gan.*``)
on S3 with its condition, from the pre-trained weights when ``gan.progressive``. Checkpoints every
epoch and resumes after a kill; FID/IS every ``gan.eval_every`` epochs with the real-data classifier.

    python stages/train_gan.py PARAMS PROCESSED SPLITS CONFORMAL EMBEDDINGS PRETRAINED AUDIO_NET FACE_NET
                               OUT_MODEL METRICS PLOT_DIR
"""
import hashlib
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from avemo.atomic import atomic_path, write_json
from avemo.config import load_params
from avemo.evaluation.gan_plots import save_curves
from avemo.models.gan import build_gan
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.tracking import mlflow_run
from avemo.training.gan import GanData, fit_gan
from avemo.training.classifier import load_emotion_cnn
from avemo.training.gan_run import gan_setup, pair_spec, s3_pairs, train_config, training_evaluator


def main(params_path, processed, splits, conformal, embeddings, pretrained, audio_net, face_net, out_model,
         metrics_path, plot_dir) -> None:
    p = load_params(params_path, "data", "gan", "temporal", "train", "eval")
    classes, gan, train = p["data"].classes, p["gan"], p["train"]
    seed_everything(train.seed)
    device = resolve_device(train.device)
    spec = pair_spec(gan, p["temporal"], train)
    pairs = s3_pairs(processed, splits, conformal, classes, spec, embeddings)
    setup = gan_setup(gan, pairs, len(classes), with_q=gan.q_weight > 0 and gan.condition != "none")
    models = build_gan(setup)
    pre = torch.load(pretrained, map_location="cpu", weights_only=True)
    if pre["progressive"]:  # stage 2 of progressive training continues from stage 1's G and D
        models.generator.load_state_dict(pre["generator"])
        models.discriminator.load_state_dict(pre["discriminator"])
    metric_net = load_emotion_cnn(audio_net if gan.direction == "face2audio" else face_net)
    evaluate = training_evaluator(metric_net, pairs, gan.noise_dim, train.seed, device, p["eval"])
    cfg = train_config(gan, train, device)
    data = GanData(pairs.source, pairs.target, pairs.condition, pairs.klass)
    key = {**asdict(setup), "pretrained": hashlib.sha256(Path(pretrained).read_bytes()).hexdigest()}
    with mlflow_run("gan", f"{gan.loss}-{gan.generator}-{gan.condition}", {**vars(gan), **vars(train)}) as mlflow:
        history = fit_gan(models, data, cfg, device, Path(out_model).parent / "checkpoints" / "train_gan.pt", evaluate,
                          gan.eval_every, lambda e, row: mlflow.log_metrics(row, step=e), key, progress=True)
    with atomic_path(out_model) as tmp:
        torch.save({"setup": asdict(setup), "spec": asdict(spec), "noise_dim": gan.noise_dim,
                    "n_generate": gan.n_generate, "generator": models.generator.cpu().state_dict()}, tmp)
    save_curves(history, Path(plot_dir))
    last = history[-1]
    write_json(metrics_path, {**{k: round(float(v), 4) for k, v in last.items() if k != "epoch"},
                              "epochs": len(history), "pairs": len(data), "progressive": bool(pre["progressive"]),
                              **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
