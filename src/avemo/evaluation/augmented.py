"""Augmented-classifier evaluation (docs/design.md, "Metrics"): the target-modality classifier trained on real S3
plus generated samples against tc-wGAN's fair baseline (real S3 plus as many SpecAugment copies,
or flipped faces), both tested on real S4, once per fold (seed and validation slice).

Early stopping holds out whole real clips: a held-out clip's generated samples and copies leave
the training set too, and validation uses only real samples, so no copy of a validation clip is
ever trained on.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from ..data.arrays import stratified_holdout
from ..data.augment import AUGMENTATIONS
from ..models.classifier import ClassifierConfig, EmotionCNN
from ..training.classifier import FitConfig, fit_classifier, predict_proba


def fair_copies(x: torch.Tensor, kind: str, n: int, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """``n`` augmented copies cycling over ``x`` with the fair augmentation of ``kind`` (SpecAugment
    for spectrograms, horizontal flips for faces). Returns the copies and each one's real sample."""
    torch.manual_seed(seed)
    source = np.arange(n) % len(x)
    base = x[torch.from_numpy(source)]
    return AUGMENTATIONS[kind](base), source


def fit_and_predict(x, y, groups, real_mask, x_test, cfg: ClassifierConfig, fit: FitConfig, val_fraction: float,
                    device: str = "cpu") -> np.ndarray:
    """Train on (x, y) minus held-out groups; validate on the held-out groups' real samples; S4 argmax."""
    group_ids = np.unique(groups)
    group_labels = torch.from_numpy(np.array([y[np.flatnonzero((groups == g) & real_mask)[0]].item() for g in group_ids]))
    _, val_g = stratified_holdout(group_labels, val_fraction, fit.seed)
    val_groups = np.isin(groups, group_ids[val_g])
    tr, va = np.flatnonzero(~val_groups), np.flatnonzero(val_groups & real_mask)
    torch.manual_seed(fit.seed)
    model, _ = fit_classifier(EmotionCNN(cfg), (x[tr], y[tr]), (x[va], y[va]), fit, device)
    return predict_proba(model, x_test, device).argmax(1)


def compare_augmentation(real_x, real_y, gen_x, gen_y, gen_groups, test_x, kind: str, cfg: ClassifierConfig,
                         fit: FitConfig, folds: int, val_fraction: float, device: str = "cpu") -> list[dict]:
    """Per fold: ``baseline`` and ``augmented`` S4 predictions. ``gen_groups`` = index of the real
    sample each generated one was made from; ``kind`` = the processed array (faces | spectrograms)."""
    n = len(real_x)
    real_groups = np.arange(n)
    results = []
    for fold in range(folds):
        f = replace(fit, seed=fit.seed + fold)
        copies, source = fair_copies(real_x, kind, len(gen_x), f.seed)
        base_x, base_y = torch.cat([real_x, copies]), torch.cat([real_y, real_y[torch.from_numpy(source)]])
        base_groups, base_real = np.concatenate([real_groups, source]), np.arange(len(base_x)) < n
        aug_x, aug_y = torch.cat([real_x, gen_x]), torch.cat([real_y, gen_y])
        aug_groups = np.concatenate([real_groups, gen_groups])
        results.append({
            "baseline": fit_and_predict(base_x, base_y, base_groups, base_real, test_x, cfg, f, val_fraction, device),
            "augmented": fit_and_predict(aug_x, aug_y, aug_groups, base_real, test_x, cfg, f, val_fraction, device),
        })
    return results
