"""DVC stage: progressive GAN stage 1 (``gan.progressive: true``): fit G and D with no condition on
unlabeled face-audio pairs (``gan.pretrain_pool``); train_gan continues from these weights. With
``progressive: false`` (the papers' "moderate" training) it only records that nothing was pre-trained."""
from dataclasses import asdict

from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.gan import GanParams
from avemo.config.temporal import TemporalParams
from avemo.config.train import TrainParams
from avemo.data.pairs import PairSpec, pool_pairs
from avemo.models.checkpoints import save_torch
from avemo.models.gan import GanSetup, build_gan
from avemo.runinfo import code_digest
from avemo.stage import run, start, write_results
from avemo.tracking import epoch_logger, log_results, mlflow_run
from avemo.training.gan import GanData, GanTrainConfig, fit_gan
from avemo.training.losses import LOSSES

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "embeddings": "temporal face embeddings (read when gan.input: temporal)"}
OUTPUTS = {"model": "pre-trained G and D (or a record that nothing was pre-trained)",
           "results": "folder: results.json (pairs, epochs, last losses)",
           "environment": "package versions, machine, device (JSON)",
           "checkpoint": "resume file, rewritten every epoch (not a DVC output)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, GanParams, TemporalParams, TrainParams)
    classes, gan, train = p["data"].classes, p["gan"], p["train"]
    device, env = start(train.seed, train.device, args.environment)
    if not gan.progressive or gan.pretrain_epochs == 0:
        save_torch(args.model, {"progressive": False})
        write_results(args, "pretrain_gan", {"progressive": False, "epochs": 0, "pairs": 0})
        return
    spec = build(PairSpec, gan, train, copies=p["temporal"].specaugment_copies)
    pairs = pool_pairs(args.processed, args.splits, gan.pretrain_pool, classes, spec, args.embeddings)
    setup = build(GanSetup, gan, **pairs.shapes(), n_classes=len(classes), with_q=False,
                  critic_batch_norm=LOSSES[gan.loss].critic_batch_norm)
    models = build_gan(setup)
    fast = train.bf16 and device.startswith("cuda")  # bf16 + channels_last: fastest measured on an H100
    cfg = build(GanTrainConfig, gan, train, epochs=gan.pretrain_epochs, q_weight=0.0, bf16=fast, channels_last=fast)
    data = GanData(pairs.source, pairs.target, pairs.condition, pairs.klass)
    with mlflow_run("gan_pretrain", "pretrain_gan", {**vars(gan), "seed": train.seed},
                    environment=env) as mlflow:
        history = fit_gan(models, data, cfg, device, args.checkpoint, on_epoch=epoch_logger(mlflow),
                          key_extra={**asdict(setup), "code": code_digest()}, progress=True)
        save_torch(args.model, {"progressive": True, "setup": asdict(setup),
                                "generator": models.generator.cpu().state_dict(),
                                "discriminator": models.discriminator.cpu().state_dict()})
        last = history[-1]
        metrics = {"progressive": True, "epochs": len(history), "pairs": len(data), "pool": gan.pretrain_pool,
                   "d_loss": round(last["d_loss"], 4), "g_loss": round(last["g_loss"], 4)}
        write_results(args, "pretrain_gan", metrics)
        log_results(mlflow, metrics)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
