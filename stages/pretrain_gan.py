"""DVC stage: progressive GAN stage 1 (``gan.progressive: true``): fit G and D with no condition on
unlabeled face-audio pairs (``gan.pretrain_pool``); train_gan continues from these weights. With
``progressive: false`` (the papers' "moderate" training) it only records that nothing was pre-trained.

    python stages/pretrain_gan.py PARAMS PROCESSED SPLITS EMBEDDINGS OUT_MODEL METRICS
"""
import sys
from dataclasses import asdict
from pathlib import Path

from avemo.atomic import atomic_path, write_json
from avemo.config import load_params
from avemo.models.gan import build_gan
from avemo.runinfo import environment, resolve_device, seed_everything
from avemo.tracking import mlflow_run
from avemo.training.gan import GanData, fit_gan
from avemo.training.gan_run import gan_setup, pair_spec, pool_pairs, train_config


def main(params_path, processed, splits, embeddings, out_model, metrics_path) -> None:
    import torch

    p = load_params(params_path, "data", "gan", "temporal", "train")
    classes, gan, train = p["data"].classes, p["gan"], p["train"]
    seed_everything(train.seed)
    if not gan.progressive or gan.pretrain_epochs == 0:
        with atomic_path(out_model) as tmp:
            torch.save({"progressive": False}, tmp)
        write_json(metrics_path, {"progressive": False, "epochs": 0, "pairs": 0})
        return
    device = resolve_device(train.device)
    pairs = pool_pairs(processed, splits, gan.pretrain_pool, classes, pair_spec(gan, p["temporal"], train), embeddings)
    setup = gan_setup(gan, pairs, len(classes), with_q=False)
    models = build_gan(setup)
    cfg = train_config(gan, train, device, epochs=gan.pretrain_epochs, q_weight=0.0)
    data = GanData(pairs.source, pairs.target, pairs.condition, pairs.klass)
    with mlflow_run("gan_pretrain", f"{gan.loss}-{gan.generator}", {**vars(gan), "seed": train.seed}) as mlflow:
        history = fit_gan(models, data, cfg, device, Path(out_model).parent / "checkpoints" / "pretrain_gan.pt",
                          on_epoch=lambda e, row: mlflow.log_metrics(row, step=e), key_extra=asdict(setup),
                          progress=True)
    with atomic_path(out_model) as tmp:
        torch.save({"progressive": True, "setup": asdict(setup), "generator": models.generator.cpu().state_dict(),
                    "discriminator": models.discriminator.cpu().state_dict()}, tmp)
    last = history[-1]
    write_json(metrics_path, {"progressive": True, "epochs": len(history), "pairs": len(data), "pool": gan.pretrain_pool,
                              "d_loss": round(last["d_loss"], 4), "g_loss": round(last["g_loss"], 4),
                              **environment(device)})


if __name__ == "__main__":
    main(*sys.argv[1:])
