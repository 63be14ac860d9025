"""DVC stage: G's samples for the S3 sources with their conditions (``n_generate`` noise draws per
source; temporal input: per window), saved with the paired real sample and the class Q learned.

    python stages/generate.py PARAMS PROCESSED SPLITS CONFORMAL EMBEDDINGS GAN_MODEL OUT_NPZ PLOT
"""
import sys

import numpy as np
import torch

from avemo.atomic import atomic_path
from avemo.config import load_params
from avemo.data.pairs import PairSpec
from avemo.evaluation.gan_plots import save_real_vs_generated
from avemo.models.gan import GanSetup, build_gan
from avemo.runinfo import resolve_device, seed_everything
from avemo.training.gan import generate
from avemo.training.gan_run import s3_pairs


def main(params_path, processed, splits, conformal, embeddings, gan_model, out_npz, plot_path) -> None:
    p = load_params(params_path, "data", "train")
    classes, train = p["data"].classes, p["train"]
    seed_everything(train.seed)
    ckpt = torch.load(gan_model, map_location="cpu", weights_only=True)
    setup = GanSetup(**ckpt["setup"])
    generator = build_gan(setup).generator
    generator.load_state_dict(ckpt["generator"])
    spec = PairSpec(**{**ckpt["spec"], "copies": 1, "data_fraction": 1.0})  # every S3 source, each window once
    pairs = s3_pairs(processed, splits, conformal, classes, spec, embeddings)
    draws = [generate(generator, pairs.source, pairs.condition, ckpt["noise_dim"], train.seed + k,
                      resolve_device(train.device)) for k in range(ckpt["n_generate"])]
    rep = lambda a: np.concatenate([np.asarray(a)] * len(draws))  # noqa: E731
    fake = torch.cat(draws).numpy()
    with atomic_path(out_npz) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, generated=fake, real=rep(pairs.target), klass=rep(pairs.klass), labels=rep(pairs.labels),
                 rows=rep(pairs.clips), direction=np.array(spec.direction), condition=np.array(spec.condition))
    save_real_vs_generated(pairs.target.numpy(), fake[: len(pairs.target)], pairs.labels, classes, plot_path)


if __name__ == "__main__":
    main(*sys.argv[1:])
