"""Augmented-classifier evaluation (docs/design.md, "Metrics"): the target-modality classifier trained
on real S3 plus extra samples, against tc-wGAN's fair baseline (real S3 plus as many augmented
copies), all tested on real S4, once per seed (``eval.seeds``: seed and validation slice).

Arms, each adding as many samples as there are generated ones (the plan: which faces, of which set):
- ``baseline``: augmented copies of S3 (SpecAugment for spectrograms, flips for faces);
- ``augmented``: the generated samples, labelled with their condition's class;
- ``oracle``: real data with true labels in place of each generated sample: for a sample made from
  an S3 face, a real clip of an actor outside S3, S4 and the pool; for one made from a pool face,
  that face's own real audio (what a perfect generator would give: an upper bound);
- ``shuffled``: the generated samples with their labels permuted (label noise: a lower bound);
- ``pseudo`` (pool generation only): the pool faces' real audio labelled with the class the
  generated sample was made for (the face classifier's pseudo-label: the best pseudo-labelling does).
The pool's real audio and labels enter the oracle and pseudo arms only.

The fair baseline and the oracle depend only on the plan, not on the samples: ``evaluate_references``
computes them, and every GAN variant of a fold that generates from the same faces shares them
(``REFERENCE_ARMS``); ``evaluate_augmented`` computes the arms that read the samples.

Early stopping holds out the same whole S3 clips in every arm; a held-out clip's copies and generated
samples leave the training set too, and validation uses only real S3 samples.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from tqdm import tqdm

from ..data.arrays import load_set, stratified_holdout
from ..data.augment import AUGMENTATIONS
from ..models.classifier import ClassifierConfig, EmotionCNN
from ..training.classifier import FitConfig, fit_classifier, predict_proba
from .reports import classification_metrics
from .stats import paired_delta

REFERENCE_ARMS = ("baseline", "oracle")  # made from the plan alone
SAMPLE_ARMS = ("augmented", "shuffled")  # made from the generated samples
POOL_ARMS = ("pseudo",)  # pool generation only: the pool's real audio under the generated samples' classes
ALL_ARMS = ("baseline", "augmented", "oracle", "shuffled", *POOL_ARMS)  # the order of the arms' tables


@dataclass
class Extra:
    """Samples added to real S3 in one arm: x (M, ...), y (M,), and for each the S3 clip it was made
    from (an index into S3), or -1 for samples of clips outside S3. The plan of the generated samples
    is an Extra with ``source`` alone (x and y None)."""

    x: torch.Tensor | None
    y: torch.Tensor | None
    source: np.ndarray


def fair_copies(x: torch.Tensor, kind: str, n: int, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """``n`` augmented copies cycling over ``x`` with the fair augmentation of ``kind`` (SpecAugment
    for spectrograms, horizontal flips for faces). Returns the copies and each one's real sample."""
    torch.manual_seed(seed)
    source = np.arange(n) % len(x)
    base = x[torch.from_numpy(source)]
    return AUGMENTATIONS[kind](base), source


def shuffled_labels(y: torch.Tensor, seed: int) -> torch.Tensor:
    """The same labels in a random order (the class counts stay)."""
    return y[torch.from_numpy(np.random.default_rng(seed).permutation(len(y)))]


@dataclass
class ArmSources:
    """What the arms are made of. ``generated.source`` is each sample's S3 index (-1: a pool face);
    ``pool_real`` holds, for the pool-made samples in order, their faces' real audio and true labels."""

    real_x: torch.Tensor  # S3
    real_y: torch.Tensor
    generated: Extra
    outside: Extra  # real clips of actors outside S3, S4 and the pool, true labels
    pool_real: Extra | None = None

    @property
    def from_pool(self) -> np.ndarray:
        return self.generated.source < 0


def outside_samples(outside: Extra, kind: str, n: int, seed: int) -> Extra:
    """``n`` real samples of clips outside S3 (true labels): a random subset, or augmented copies
    cycling over all of them when there are fewer than ``n``."""
    if n <= len(outside.y):
        take = torch.from_numpy(np.random.default_rng(seed).permutation(len(outside.y))[:n])
        return Extra(outside.x[take], outside.y[take], np.full(n, -1))
    copies, source = fair_copies(outside.x, kind, n, seed)
    return Extra(copies, outside.y[torch.from_numpy(source)], np.full(n, -1))


def replaced(src: ArmSources, kind: str, seed: int, pool_labels: torch.Tensor) -> Extra:
    """The generated samples replaced by real data: outside clips for the S3-made ones, the pool
    faces' own audio (labelled ``pool_labels``) for the pool-made ones."""
    pool = src.from_pool
    x = torch.empty((len(pool), *src.real_x.shape[1:]), dtype=src.real_x.dtype)
    y = torch.empty(len(pool), dtype=src.real_y.dtype)
    if (~pool).any():
        other = outside_samples(src.outside, kind, int((~pool).sum()), seed)
        x[torch.from_numpy(~pool)], y[torch.from_numpy(~pool)] = other.x, other.y
    if pool.any():
        x[torch.from_numpy(pool)], y[torch.from_numpy(pool)] = src.pool_real.x, pool_labels
    return Extra(x, y, np.full(len(y), -1))


def arm_names(src: ArmSources, which: tuple[str, ...]) -> tuple[str, ...]:
    """The arms of ``which`` that apply to ``src`` (the pseudo-label arm only to pool generation)."""
    return tuple(a for a in which if a not in POOL_ARMS or src.from_pool.any())


def arms_for_seed(src: ArmSources, kind: str, seed: int, which: tuple[str, ...] = ALL_ARMS) -> dict[str, Extra]:
    """The extra samples of the arms ``which`` for one seed; each arm's draws depend on ``seed``
    alone, so an arm computed apart equals the same arm computed with the others."""
    arms = {}
    for arm in arm_names(src, which):
        if arm == "baseline":
            copies, source = fair_copies(src.real_x, kind, len(src.generated.source), seed)
            arms[arm] = Extra(copies, src.real_y[torch.from_numpy(source)], source)
        elif arm == "oracle":
            arms[arm] = replaced(src, kind, seed, src.pool_real.y if src.pool_real is not None else None)
        elif arm == "augmented":
            arms[arm] = src.generated
        elif arm == "shuffled":
            arms[arm] = replace(src.generated, y=shuffled_labels(src.generated.y, seed))
        else:  # pseudo
            arms[arm] = replaced(src, kind, seed, src.generated.y[torch.from_numpy(src.from_pool)])
    return arms


def fit_and_predict(real_x, real_y, extra: Extra, test_x, cfg: ClassifierConfig, fit: FitConfig,
                    val_fraction: float, device: str = "cpu") -> np.ndarray:
    """Train on real S3 + ``extra`` minus the held-out S3 clips (and what was made from them);
    validate on the held-out real clips; return the S4 argmax."""
    _, val = stratified_holdout(real_y, val_fraction, fit.seed)
    held = np.zeros(len(real_x), bool)
    held[val] = True
    keep_extra = ~((extra.source >= 0) & held[np.clip(extra.source, 0, None)])
    x = torch.cat([real_x[~held], extra.x[torch.from_numpy(keep_extra)]])
    y = torch.cat([real_y[~held], extra.y[torch.from_numpy(keep_extra)]])
    torch.manual_seed(fit.seed)
    model, _ = fit_classifier(EmotionCNN(cfg), (x, y), (real_x[held], real_y[held]), fit, device)
    return predict_proba(model, test_x, device).argmax(1)


def compare_arms(src: ArmSources, test_x, kind: str, cfg: ClassifierConfig, fit: FitConfig, seeds: int,
                 val_fraction: float, device: str = "cpu", which: tuple[str, ...] = ALL_ARMS) -> dict[str, np.ndarray]:
    """S4 predictions of the arms ``which``: ``{arm: (seeds, N_test)}``."""
    names = arm_names(src, which)
    out = {arm: [] for arm in names}
    with tqdm(total=seeds * len(names), desc="evaluate arms", unit="model") as bar:
        for k in range(seeds):
            f = replace(fit, seed=fit.seed + k)
            arms = arms_for_seed(src, kind, f.seed, names)
            for arm in names:
                out[arm].append(fit_and_predict(src.real_x, src.real_y, arms[arm], test_x, cfg, f, val_fraction, device))
                bar.update()
    return {arm: np.stack(preds) for arm, preds in out.items()}


def arm_sources(processed, splits_csv, generated: dict, classes: tuple, kind: str) -> ArmSources:
    """Read what the arms need: S3, the outside clips (S1 and S2), the generated samples (from the
    ``generate`` stage's NPZ, or only their plan: ``rows`` and ``sets``, without ``generated`` and
    ``klass``) and, for pool-made ones, their faces' real audio and true labels."""
    x3, y3, part3 = load_set(processed, splits_csv, "S3", classes, kind)
    outside = [load_set(processed, splits_csv, s, classes, kind)[:2] for s in ("S1", "S2")]
    position = dict(zip(part3["index"].to_numpy(), range(len(part3))))
    rows = np.asarray(generated["rows"])
    sets = np.asarray(generated["sets"]) if "sets" in generated else np.full(len(rows), "S3")
    source = np.array([position[r] if s == "S3" else -1 for r, s in zip(rows, sets)])
    samples = "generated" in generated
    gen = Extra(torch.from_numpy(np.asarray(generated["generated"])) if samples else None,
                torch.from_numpy(np.asarray(generated["klass"])).long() if samples else None, source)
    pool_real = None
    if (source < 0).any():  # faces without audio (the pool, S3U): their own real audio, for the controls
        parts = [load_set(processed, splits_csv, name, classes, kind) for name in sorted(set(sets[source < 0]))]
        where = dict(zip(np.concatenate([p[2]["index"].to_numpy() for p in parts]), range(sum(len(p[1]) for p in parts))))
        take = torch.tensor([where[r] for r in rows[source < 0]], dtype=torch.long)
        x_real, y_real = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        pool_real = Extra(x_real[take], y_real[take], np.full(len(take), -1))
    return ArmSources(x3, y3, gen, Extra(torch.cat([o[0] for o in outside]), torch.cat([o[1] for o in outside]),
                                         np.array([])), pool_real)


@dataclass(frozen=True)
class ArmResults:
    """What ``compare_arms`` predicted, scored on S4: ``metrics`` (flat keys for
    ``metrics/augmented.json``), ``per_seed`` {arm: (seeds,) accuracy} and ``per_clip`` {arm: (N,)
    share of seeds right}, the paired quantity of every delta."""
    metrics: dict
    per_seed: dict[str, np.ndarray]
    per_clip: dict[str, np.ndarray]


def score_arms(preds: dict[str, np.ndarray], truth: np.ndarray, actors: np.ndarray, src: ArmSources, classes: tuple,
               condition: str, seed: int) -> ArmResults:
    """Accuracy of each arm (mean and std over seeds), each arm against the fair baseline paired on
    the same clips with a 95% cluster-bootstrap interval over ``actors`` (``delta`` for the generated
    samples, ``<arm>_delta`` otherwise), and the baseline's and augmented arm's per-class recall."""
    per_seed = {arm: (p == truth).mean(1) for arm, p in preds.items()}
    per_clip = {arm: (p == truth).mean(0) for arm, p in preds.items()}
    metrics = {"seeds": len(per_seed["baseline"]), "test_actors": int(len(np.unique(actors))),
               "seeds_augmented_better": int((per_seed["augmented"] > per_seed["baseline"]).sum()),
               "generated": int(len(src.generated.source)), "generated_from_pool": int(src.from_pool.sum()),
               "real": int(len(src.real_y)), "condition": condition}
    for arm in preds:
        metrics[f"{arm}_accuracy"] = round(float(per_seed[arm].mean()), 4)
        metrics[f"{arm}_std"] = round(float(per_seed[arm].std()), 4)
        if arm != "baseline":
            name = "delta" if arm == "augmented" else f"{arm}_delta"
            metrics.update(paired_delta(per_clip[arm], per_clip["baseline"], actors, seed=seed).flat(name))
    for arm in ("baseline", "augmented"):
        pred, tiled = preds[arm].ravel(), np.tile(truth, len(preds[arm]))
        metrics.update({k: v for k, v in classification_metrics(tiled, pred, classes, prefix=f"{arm}_").items()
                        if k != f"{arm}_accuracy"})
    return ArmResults(metrics, per_seed, per_clip)



def merge_arms(*predictions: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arms' predictions from several stages in one dict, in the order of the arms' tables."""
    merged = {k: v for p in predictions for k, v in p.items()}
    return {arm: merged[arm] for arm in ALL_ARMS if arm in merged}
