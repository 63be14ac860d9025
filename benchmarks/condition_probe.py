"""Does the generator's condition carry the class? GAN-test (the real-data audio CNN's accuracy on
the samples, against the class each was generated for) during training, for image and temporal
input at equal optimiser steps, with the source as trained and replaced by zeros, for G trained with
and without blanked sources (``gan.source_dropout``). Reads the workspace's pipeline outputs (run
`dvc repro` first) and trains in-process on fold 0's S3; prints one table.

    .venv/bin/python benchmarks/condition_probe.py --steps 400 --every 100
    .venv/bin/python benchmarks/condition_probe.py --loss wasserstein --n-critic 5 --dropouts 0 0.5

With the source zeroed, a generator that uses its condition still draws the class (GAN-test well above
1/6); one that reads the class from the source alone (the face it memorised) falls to chance.
"""
import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
from avemo.data.pairs import PairSpec, s3_pairs  # noqa: E402
from avemo.evaluation.generation import network_outputs  # noqa: E402
from avemo.models.checkpoints import load_emotion_cnn  # noqa: E402
from avemo.models.gan import build_gan, generate  # noqa: E402
from avemo.report.tables import parse_settings  # noqa: E402
from avemo.training.gan import GanData, build_optimizers, train_one_epoch  # noqa: E402
from avemo.training.losses import LOSSES, l1_loss, q_loss  # noqa: E402
from conftest import PARAMS, gan_setup, gan_train_config  # noqa: E402


def gan_test(net, generator, data: GanData, noise_dim: int, zero_source: bool) -> tuple[float, float]:
    """(GAN-test, the share of samples the audio CNN gives its most frequent class: near 1 when the
    samples are one blur that the CNN calls one class whatever the condition)."""
    source = torch.zeros_like(data.source) if zero_source else data.source
    fake = generate(generator, source, data.condition, noise_dim, 0)
    generator.train()
    predicted = network_outputs(net, fake)[1].argmax(1)
    return float((predicted == data.klass.numpy()).mean()), float(np.bincount(predicted).max() / len(predicted))


def prototype_test(net, data: GanData) -> list[int]:
    """The audio CNN's class for each class's mean and median training spectrogram: what an L1-optimal
    generator draws from the condition alone (the mean for L2, the median for L1). When the CNN calls
    them all one class, a condition can carry the class only through detail that L1 does not reward."""
    out = []
    for stat in (lambda x: x.mean(0), lambda x: x.median(0).values):
        protos = torch.stack([stat(data.target[data.klass == c]) for c in range(int(data.klass.max()) + 1)])
        out.append(network_outputs(net, protos)[1].argmax(1).tolist())
    return out


def s3_data(kind: str, copies: int):
    spec = PairSpec(direction="face2audio", input=kind, condition="label", data_fraction=1.0, copies=copies, seed=0)
    return s3_pairs(ROOT / "data/processed", ROOT / "data/splits.csv", ROOT / "data/conformal.npz",
                    PARAMS["data"].classes, spec, ROOT / "data/temporal_embeddings.npy")


def term_pulls(models, data: GanData, cfg) -> dict[str, float]:
    """How hard each term of G's loss pulls on the samples: the norm of its gradient with respect to
    the generated spectrograms (per sample, mean over 256 training pairs), at the current weights.
    A term whose pull is small beside the others barely steers what G draws."""
    idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(1))[:256]
    z = torch.randn(len(idx), cfg.noise_dim, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        fake = models.generator.eval()(data.source[idx], z, data.condition[idx])
    models.generator.train()
    fake.requires_grad_(True)
    terms = {"adversarial": lambda f: LOSSES[cfg.loss].g(models.discriminator(f, data.condition[idx])),
             "L1": lambda f: cfg.l1_weight * l1_loss(f, data.target[idx]),
             "Q": lambda f: cfg.q_weight * q_loss(models.q.eval()(f), data.klass[idx])}
    out = {}
    for name, term in terms.items():
        (grad,) = torch.autograd.grad(term(fake), fake)
        out[name] = float((grad * len(idx)).flatten(1).norm(dim=1).mean())
    models.q.train()
    return out


def probe(kind: str, dropout: float, args, net) -> list[tuple[int, float, float, float, float]]:
    """(steps, GAN-test and top-class share as trained, the same with zeroed sources) every ``args.every`` steps."""
    pairs = s3_data(kind, args.copies)
    source = pairs.source
    if args.standardise and source.dim() == 2:  # z-score each embedding dimension (over S3's windows)
        source = (source - source.mean(0)) / source.std(0).clamp_min(1e-6)
    target, condition, klass = pairs.target, pairs.condition, pairs.klass
    if args.clean_targets and kind == "temporal":  # each window paired with its clip's spectrogram, not a SpecAugment copy
        clean = s3_data("image", 1)
        position = {clip: i for i, clip in enumerate(clean.clips)}
        target = clean.target[torch.as_tensor([position[clip] for clip in pairs.clips])]
    if args.repeat > 1:  # each pair repeated, as the temporal input repeats a clip's target over its windows
        source, target, condition, klass = (t.repeat_interleave(args.repeat, 0) for t in (source, target, condition, klass))
    data = GanData(source, target, condition, klass)
    torch.manual_seed(0)
    models = build_gan(gan_setup(tuple(pairs.source.shape[1:]), tuple(pairs.target.shape[1:]),
                                 critic_batch_norm=LOSSES[args.loss].critic_batch_norm,
                                 critic_condition=args.critic))
    cfg = gan_train_config(loss=args.loss, n_critic=args.n_critic, source_dropout=dropout, epochs=10**6,
                           **parse_settings(args.set))
    optims = build_optimizers(models, cfg, "cpu")
    per_epoch = -(-len(data) // cfg.batch_size)
    rows, steps, epoch = [], 0, 0
    while steps < args.steps:
        # an epoch cut to the steps left, so both inputs are measured at the same optimiser steps
        take = min(len(data), (args.every - steps % args.every) * cfg.batch_size)
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(epoch))[:take]
        part = GanData(*(t[order] for t in (data.source, data.target, data.condition, data.klass)))
        train_one_epoch(models, optims, part, replace(cfg, seed=epoch), epoch)
        steps += -(-take // cfg.batch_size)
        epoch += 1
        if steps % args.every == 0:
            rows.append((steps, *gan_test(net, models.generator, data, cfg.noise_dim, False),
                         *gan_test(net, models.generator, data, cfg.noise_dim, True)))
            print(f"{kind} dropout {dropout}: {rows[-1]} ({per_epoch} steps an epoch)", file=sys.stderr, flush=True)
    pulls = ", ".join(f"{k} {v:.2f}" for k, v in term_pulls(models, data, cfg).items())
    print(f"{kind} dropout {dropout}: each term's pull on the samples at {steps} steps: {pulls}", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--loss", default="bce")
    ap.add_argument("--n-critic", type=int, default=1)
    ap.add_argument("--copies", type=int, default=1, help="temporal input: SpecAugment copies per window")
    ap.add_argument("--dropouts", type=float, nargs="+", default=[0.0, 0.5])
    ap.add_argument("--inputs", nargs="+", default=["image", "temporal"])
    ap.add_argument("--clean-targets", action="store_true", help="temporal input: the clip's spectrogram as every window's target")
    ap.add_argument("--repeat", type=int, default=1, help="repeat every pair this many times (image input as often as temporal's windows)")
    ap.add_argument("--standardise", action="store_true", help="z-score vector sources (the window embeddings) per dimension")
    ap.add_argument("--critic", default="concat", help="how the critic reads the condition (gan.critic_condition)")
    ap.add_argument("--set", default="", help='training settings, "q_weight=5 l1_weight=10" (GanTrainConfig fields)')
    args = ap.parse_args()
    net = load_emotion_cnn(ROOT / "models/audio_classifier.pt")
    print(f"GAN-test of the label GAN on fold 0's S3 faces ({args.loss}, n_critic {args.n_critic}"
          f"{', ' + args.set if args.set else ''}, critic condition {args.critic}; chance 0.167): "
          "as trained / with every source zeroed (in brackets: the share of samples in the class the audio CNN "
          "gives most, as trained and zeroed)")
    print("| input | source_dropout | " + " | ".join(f"{s} steps" for s in range(args.every, args.steps + 1, args.every))
          + " |")
    print("|---|---|" + "---|" * (args.steps // args.every))
    for kind in args.inputs:
        for dropout in args.dropouts:
            rows = probe(kind, dropout, args, net)
            print(f"| {kind} | {dropout:g} | " + " | ".join(f"{a:.2f} / {z:.2f} ({m:.2f}, {mz:.2f})" for _, a, m, z, mz in rows) + " |", flush=True)
    pairs = s3_data("image", 1)
    mean, median = prototype_test(net, GanData(pairs.source, pairs.target, pairs.condition, pairs.klass))
    print(f"\nThe audio CNN's class for each class's mean S3 spectrogram: {mean}; for its median: {median}")


if __name__ == "__main__":
    main()
