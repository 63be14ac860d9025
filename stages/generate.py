"""DVC stage: G's samples for the S3 sources with their conditions (``n_generate`` noise draws per
source; temporal input: per window), saved with the paired real sample and the class Q learned."""
import numpy as np
import torch

from avemo.atomic import atomic_path
from avemo.config.core import load_params
from avemo.config.data import DataParams
from avemo.config.train import TrainParams
from avemo.data.pairs import PairSpec, s3_pairs
from avemo.evaluation.gan_plots import save_real_vs_generated
from avemo.models.checkpoints import load_generator
from avemo.models.gan import generate
from avemo.runinfo import resolve_device, seed_everything
from avemo.stage import run

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "conformal": "S3 conditions from calibrate (NPZ)", "embeddings": "temporal face embeddings (NPY)",
          "gan_model": "train_gan's generator"}
OUTPUTS = {"generated": "generated samples, paired real samples, classes, labels, source rows (NPZ)",
           "figure": "real vs generated per emotion (PNG)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, TrainParams)
    classes, train = p["data"].classes, p["train"]
    seed_everything(train.seed)
    generator, meta = load_generator(args.gan_model)
    spec = PairSpec(**{**meta["spec"], "copies": 1, "data_fraction": 1.0})  # every S3 source, each window once
    pairs = s3_pairs(args.processed, args.splits, args.conformal, classes, spec, args.embeddings)
    draws = [generate(generator, pairs.source, pairs.condition, meta["noise_dim"], train.seed + k,
                      resolve_device(train.device)) for k in range(meta["n_generate"])]
    rep = lambda a: np.concatenate([np.asarray(a)] * len(draws))  # noqa: E731
    fake = torch.cat(draws).numpy()
    with atomic_path(args.generated) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, generated=fake, real=rep(pairs.target), klass=rep(pairs.klass), labels=rep(pairs.labels),
                 rows=rep(pairs.clips), direction=np.array(spec.direction), condition=np.array(spec.condition))
    save_real_vs_generated(pairs.target.numpy(), fake[: len(pairs.target)], pairs.labels, classes, args.figure)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
