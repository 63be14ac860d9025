"""DVC stage: FID, KID, IS and GAN-test accuracy of the generated samples with the classifier trained
on real data of the target modality (audio classifier for face2audio), SSIM against each sample's
real pair, and how near the samples are to the generator's training targets (copy metrics)."""
import numpy as np
import torch

from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.eval import EvalParams
from avemo.config.train import TrainParams
from avemo.data.arrays import load_set
from avemo.evaluation.generation import (GenerationMetricsConfig, copy_metrics, generation_metrics,
                                         within_source_diversity)
from avemo.models.checkpoints import load_emotion_cnn
from avemo.runinfo import seed_everything
from avemo.stage import run, write_results
from avemo.tracking import log_results, mlflow_run
from avemo.variants import GAN_DIRECTIONS

INPUTS = {"generated": "generate's samples (NPZ)", "audio_model": "real-only audio CNN (face2audio metrics network)",
          "face_model": "f_S (audio2face metrics network)", "processed": "preprocessed arrays (the GAN's training targets)",
          "splits": "clip -> set table"}
OUTPUTS = {"results": "folder: results.json (FID, KID, IS, SSIM, GAN-test, diversity, with the real sets' own; "
                      "copy metrics)",
           "metrics": "headline: FID, KID, IS, SSIM, GAN-test, copy share and distance ratio (JSON)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, EvalParams, TrainParams)
    seed_everything(p["train"].seed)
    g = np.load(args.generated)
    target = GAN_DIRECTIONS[str(g["direction"])].target
    net = load_emotion_cnn({"spectrograms": args.audio_model, "faces": args.face_model}[target])
    m = generation_metrics(net, torch.from_numpy(g["generated"]), torch.from_numpy(g["real"]),
                           build(GenerationMetricsConfig, p["eval"]), p["train"].seed, labels=g["klass"])
    draws = int(g["draws"]) if "draws" in g else 1
    fake = g["generated"]
    m["diversity"] = within_source_diversity(fake.reshape(draws, len(fake) // draws, *fake.shape[1:]))
    # the generator's training targets: the target modality of S3's clips (the audio budget's, when there is one)
    train, _, clips = load_set(args.processed, args.splits, "S3", p["data"].classes, target)
    m.update(copy_metrics(fake, g["rows"], train.numpy(), clips["index"].to_numpy()))
    out = {**{k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()},
           "samples": int(len(g["generated"])), "is_splits": p["eval"].is_splits,
           "feature_dim": int(net.cfg.feature_dim), "direction": str(g["direction"])}
    write_results(args, "evaluate_generation", out)
    with mlflow_run("generation", "evaluate_generation", {"condition": str(g["condition"]),
                                                        "direction": str(g["direction"])}) as mlflow:
        log_results(mlflow, out)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
