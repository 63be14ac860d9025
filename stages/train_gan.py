"""DVC stage: train one GAN variant (dacssGAN / progressive / WGAN-GP / tc-wGAN, chosen by ``gan.*``)
on S3 with its condition, from the pre-trained weights when ``gan.progressive``. Checkpoints every
epoch and resumes after a kill; FID/IS every ``gan.eval_every`` epochs with the real-data classifier."""
import hashlib
from dataclasses import asdict
from pathlib import Path

from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.eval import EvalParams
from avemo.config.gan import GanParams
from avemo.config.temporal import TemporalParams
from avemo.config.train import TrainParams
from avemo.data.pairs import PairSpec, s3_pairs
from avemo.evaluation.gan_monitor import training_evaluator
from avemo.evaluation.gan_plots import save_curves
from avemo.evaluation.generation import GenerationMetricsConfig
from avemo.models.checkpoints import load_emotion_cnn, load_torch, save_generator
from avemo.models.gan import GanSetup, build_gan
from avemo.runinfo import code_digest
from avemo.stage import run, start_parallel, write_results
from avemo.tracking import epoch_logger, log_results, mlflow_run
from avemo.training.gan import GanData, GanTrainConfig, fit_gan
from avemo.training.losses import LOSSES
from avemo.variants import GAN_DIRECTIONS

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "conformal": "S3 conditions from calibrate (NPZ)", "embeddings": "temporal face embeddings (NPY)",
          "pretrained": "pretrain_gan's output", "audio_model": "real-only audio CNN (FID/IS network, face2audio)",
          "face_model": "f_S (FID/IS network, audio2face)"}
OUTPUTS = {"model": "the generator with its setup and pair spec",
           "results": "folder: results.json (last epoch's losses and FID/KID/IS)",
           "plots": "folder: curves.png and its data, losses.csv and evaluations.csv (DVC plots, kept in git)", "environment": "package versions, machine, device (JSON)",
           "checkpoint": "resume file, rewritten every epoch (not a DVC output)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, GanParams, TemporalParams, TrainParams, EvalParams)
    classes, gan, train = p["data"].classes, p["gan"], p["train"]
    started = start_parallel(train.seed, train.device, train.processes, args.environment)
    if started is None:  # ran as train.processes workers under torchrun
        return
    device, env, world = started
    spec = build(PairSpec, gan, train, copies=p["temporal"].specaugment_copies)
    pairs = s3_pairs(args.processed, args.splits, args.conformal, classes, spec, args.embeddings)
    setup = build(GanSetup, gan, **pairs.shapes(), n_classes=len(classes), with_q=gan.q_weight > 0 and pairs.trains_q,
                  critic_batch_norm=LOSSES[gan.loss].critic_batch_norm)
    models = build_gan(setup)
    pre = load_torch(args.pretrained)
    if pre["progressive"]:  # stage 2 of progressive training continues from stage 1's G and D
        models.generator.load_state_dict(pre["generator"])
        models.discriminator.load_state_dict(pre["discriminator"])
    metric_net = load_emotion_cnn({"spectrograms": args.audio_model, "faces": args.face_model}[GAN_DIRECTIONS[gan.direction].target])
    evaluate = training_evaluator(metric_net, pairs, gan.noise_dim, train.seed, device,
                                  build(GenerationMetricsConfig, p["eval"]))
    fast = train.bf16 and device.startswith("cuda")  # bf16 + channels_last: fastest measured on an H100
    cfg = build(GanTrainConfig, gan, train, bf16=fast, channels_last=fast)
    data = GanData(pairs.source, pairs.target, pairs.condition, pairs.klass)
    # resume only a run of the same setup, pre-trained weights and code
    key = {**asdict(setup), "pretrained": hashlib.sha256(Path(args.pretrained).read_bytes()).hexdigest(),
           "code": code_digest()}
    with mlflow_run("gan", "train_gan", {**vars(gan), **vars(train)},
                    environment=env, enabled=world.main) as mlflow:
        history = fit_gan(models, data, cfg, device, args.checkpoint, evaluate, gan.eval_every, epoch_logger(mlflow),
                          key, progress=True, world=world)
        if not world.main:  # rank 0 writes the outputs
            return
        save_generator(args.model, setup, models.generator.cpu(), spec=asdict(spec), noise_dim=gan.noise_dim,
                       n_generate=gan.n_generate)
        save_curves(history, Path(args.plots))
        metrics = {**{k: round(float(v), 4) for k, v in history[-1].items() if k != "epoch"},
                   "epochs": len(history), "pairs": len(data), "progressive": bool(pre["progressive"])}
        write_results(args, "train_gan", metrics)
        log_results(mlflow, metrics, args.plots)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
