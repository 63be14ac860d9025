"""DVC stage: G's samples for the faces of ``generate.sources`` (S3, the face-only pool, or both)
with their conditions (``gan.n_generate`` noise draws per face; temporal input: per window), saved
with the paired real sample and the class each was generated for. Pool faces can be selected by
their conformal prediction (credibility, confidence, singleton sets) before generation."""
import numpy as np
import pandas as pd
import torch

from avemo.atomic import atomic_path, write_json
from avemo.config.core import load_params
from avemo.config.data import DataParams
from avemo.config.generate import GenerateParams
from avemo.config.train import TrainParams
from avemo.data.pairs import PairSpec, calibrated_pairs
from avemo.data.splits import UNLABELLED
from avemo.conformal.selection import PoolSelection, select_pool
from avemo.errors import UserError
from avemo.evaluation.gan_plots import save_real_vs_generated
from avemo.models.checkpoints import load_generator
from avemo.models.gan import generate
from avemo.runinfo import resolve_device, seed_everything
from avemo.stage import run, write_results
from avemo.variants import GENERATE_SOURCES, labels_unlabelled_faces

INPUTS = {"processed": "preprocessed arrays", "splits": "clip -> set table",
          "conformal": "S3 and pool conditions from calibrate (NPZ)", "embeddings": "temporal face embeddings (NPY)",
          "gan_model": "train_gan's generator"}
OUTPUTS = {"generated": "generated samples, paired real samples, classes, source rows and sets (NPZ)",
           "plan": "the direction, and the set and clip row of each sample's face (JSON; what the references read)",
           "results": "folder: results.json (faces used, pool selection and its pseudo-label accuracy)",
           "figure": "real vs generated per emotion (PNG)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, GenerateParams, TrainParams)
    classes, train, g = p["data"].classes, p["train"], p["generate"]
    seed_everything(train.seed)
    generator, meta = load_generator(args.gan_model)
    spec = PairSpec(**{**meta["spec"], "copies": 1, "data_fraction": 1.0})  # every face, each window once
    unlabelled = [s for s in GENERATE_SOURCES[g.sources] if s in UNLABELLED]
    if unlabelled and not labels_unlabelled_faces(spec.condition):
        raise UserError(f"generate.sources = {g.sources!r} needs a gan.condition that labels faces without labels "
                        f"(got {spec.condition!r}): {', '.join(unlabelled)} have no labels")
    metrics, parts = {"sources": g.sources}, []
    present = set(pd.read_csv(args.splits)["set"])  # S3U exists under an audio budget only; the pool may be empty
    for set_name in (s for s in GENERATE_SOURCES[g.sources] if s in present):
        keep = None
        if set_name in UNLABELLED:
            thresholds = PoolSelection(min_credibility=g.min_credibility, min_confidence=g.min_confidence,
                                       singleton_eps=g.singleton_eps)
            keep, selection = select_pool(args.processed, args.splits, args.conformal, classes, spec.condition,
                                          thresholds, set_name)
            metrics.update(selection)
        pairs = calibrated_pairs(args.processed, args.splits, args.conformal, set_name, classes, spec, args.embeddings,
                                 keep)
        parts.append((set_name, pairs))
    device = resolve_device(train.device)
    source = torch.cat([pairs.source for _, pairs in parts])
    condition = torch.cat([pairs.condition for _, pairs in parts])
    draws = [generate(generator, source, condition, meta["noise_dim"], train.seed + k, device)
             for k in range(meta["n_generate"])]
    cat = lambda key: np.concatenate([np.asarray(getattr(pairs, key)) for _, pairs in parts])  # noqa: E731
    rep = lambda a: np.concatenate([np.asarray(a)] * len(draws))  # noqa: E731
    sets = np.concatenate([[name] * len(pairs.klass) for name, pairs in parts])
    fake = torch.cat(draws).numpy()
    with atomic_path(args.generated) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, generated=fake, real=rep(cat("target")), klass=rep(cat("klass")), labels=rep(cat("labels")),
                 rows=rep(cat("clips")), sets=rep(sets), draws=np.array(len(draws)),
                 direction=np.array(spec.direction), condition=np.array(spec.condition))
    # the plan: what the fair baseline and the oracle need, the same for variants that use the same faces
    write_json(args.plan, {"direction": spec.direction, "rows": [int(r) for r in rep(cat("clips"))],
                           "sets": [str(s) for s in rep(sets)]})
    write_results(args, "generate", {**metrics, "generated": int(len(fake)), "draws": len(draws),
                                     **{f"faces_{name.lower()}": int(len(pairs.klass)) for name, pairs in parts}})
    save_real_vs_generated(cat("target"), fake[: len(source)], cat("labels"), classes, args.figure)


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
