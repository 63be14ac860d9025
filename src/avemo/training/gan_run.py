"""Wiring shared by the GAN stages (pretrain_gan, train_gan, generate): typed params -> pair
sets, model setup, training config, and the FID/IS evaluation used during training."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..data.pairs import PairSet, PairSpec, build_pairs, condition_matrix, set_rows
from ..evaluation.generation import generation_metrics
from ..models.gan import GanSetup
from .augment import specaugment_copies
from .gan import GanTrainConfig, generate

POOLS = {"unused_s3": ("", "S3"), "s1_s3": ("S1", "S3"), "all_but_s4": ("", "S1", "S2", "S3")}


def pair_spec(gan, temporal, train, condition: str | None = None) -> PairSpec:
    return PairSpec(gan.direction, gan.input, condition or gan.condition, train.data_fraction,
                    temporal.specaugment_copies, train.seed)


def train_config(gan, train, device: str = "cpu", epochs: int | None = None,
                 q_weight: float | None = None) -> GanTrainConfig:
    """``train.bf16`` on CUDA also turns on channels_last: together they were the fastest setting
    measured on an H100 (benchmarks/gan_train.py); on CPU both stay off."""
    fast = train.bf16 and str(device).startswith("cuda")
    return GanTrainConfig(gan.loss, epochs if epochs is not None else gan.epochs, gan.batch_size, gan.optimizer,
                          gan.lr_g, gan.lr_d, gan.l1_weight, gan.q_weight if q_weight is None else q_weight,
                          gan.gp_weight, gan.n_critic, gan.soft_labels, gan.label_flip, gan.input_noise,
                          gan.noise_dim, train.seed, fast, fast)


def gan_setup(gan, pairs: PairSet, n_classes: int, with_q: bool) -> GanSetup:
    return GanSetup(tuple(pairs.source.shape[1:]), tuple(pairs.target.shape[1:]), n_classes, gan.generator, gan.loss,
                    gan.noise_dim, gan.width, gan.bottleneck, gan.use_source, with_q, gan.upsample)


def load_arrays(processed: str | Path) -> dict:
    processed = Path(processed)
    return {k: np.load(processed / f"{k}.npy", mmap_mode="r") for k in ("faces", "spectrograms")}


def _embeddings(path: str | Path | None, spec: PairSpec):
    return np.load(path) if spec.input == "temporal" else None


def s3_pairs(processed, splits_csv, conformal_npz, classes: tuple, spec: PairSpec, embeddings=None) -> PairSet:
    """The GAN's conditioned training (and generation) set: S3 with the calibrate stage's conditions."""
    clips = pd.read_csv(Path(processed) / "clips.csv")
    rows, labels, ids = set_rows(clips, pd.read_csv(splits_csv), ("S3",), classes)
    cal = np.load(conformal_npz)
    if list(cal["s3_clips"]) != list(ids):
        raise ValueError(f"{conformal_npz} does not match the S3 clips of {splits_csv}; re-run calibrate")
    cond = condition_matrix(spec.condition, labels, cal["s3_softmax"], cal["s3_pvalues"], len(classes))
    return build_pairs(load_arrays(processed), rows, labels, cond, spec, _embeddings(embeddings, spec),
                       specaugment_copies)


def pool_pairs(processed, splits_csv, pool: str, classes: tuple, spec: PairSpec, embeddings=None) -> PairSet:
    """Unlabeled pairs for progressive pre-training: no condition, labels never used."""
    clips = pd.read_csv(Path(processed) / "clips.csv")
    splits = pd.read_csv(splits_csv)
    unassigned = clips.loc[~clips["clip"].isin(splits["clip"]), "clip"]
    splits = pd.concat([splits, pd.DataFrame({"clip": unassigned, "set": ""})])
    rows, labels, _ = set_rows(clips, splits, POOLS[pool], classes)
    cond = condition_matrix("none", labels, None, None, len(classes))
    spec = PairSpec(spec.direction, spec.input, "none", 1.0, spec.copies, spec.seed)
    return build_pairs(load_arrays(processed), rows, labels, cond, spec, _embeddings(embeddings, spec),
                       specaugment_copies)


def training_evaluator(metric_net, pairs: PairSet, noise_dim: int, seed: int, device, eval_cfg, limit: int = 2000):
    """``evaluate(G, epoch)`` for fit_gan: FID/KID/IS on up to ``limit`` pairs, in fp32."""
    idx = np.random.default_rng(seed).permutation(len(pairs.target))[:limit]
    source, cond, real = pairs.source[idx], pairs.condition[idx], pairs.target[idx]

    def evaluate(generator, epoch: int) -> dict:
        fake = generate(generator, source, cond, noise_dim, seed, device)
        generator.train()
        m = generation_metrics(metric_net, fake, real, eval_cfg, seed, ssim=False)
        return {"fid": m["fid"], "kid": m["kid"], "is": m["is"]}

    return evaluate
