"""Generation metrics (docs/design.md, "Metrics"): FID, KID, IS and SSIM, all in fp32 numpy.

The feature/probability network is the audio emotion classifier trained on real spectrograms (not
ImageNet Inception): FID and KID on its penultimate features, IS on its softmax. The maths is kept
apart from feature extraction so each piece can be checked alone.

Sample size: FID's covariance needs more samples than feature dimensions; with fewer it is
unreliable, so ``fid_from_features`` returns NaN-free values but the stage records
``fid_reliable``. KID (Binkowski et al. 2018) is unbiased and meant for small sets.
IS convention: exp(E_x KL(p(y|x) || p(y))), averaged over ``splits`` equal splits (1 = whole set).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg


@dataclass(frozen=True)
class GenerationMetricsConfig:
    is_splits: int  # IS averaged over this many equal splits (1 = whole set)
    kid_subset: int  # samples per side in one KID subset
    kid_subsets: int  # KID subsets drawn


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) -> mean (D,), covariance (D, D) with the unbiased (N - 1) normaliser."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) (Heusel et al. 2017)."""
    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():  # singular product: regularise as the reference code does
        eps = 1e-6 * np.eye(len(sigma1))
        covmean = linalg.sqrtm((sigma1 + eps) @ (sigma2 + eps))
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def fid_from_features(real: np.ndarray, fake: np.ndarray) -> float:
    return frechet_distance(*gaussian_stats(real), *gaussian_stats(fake))


def polynomial_mmd(real: np.ndarray, fake: np.ndarray, degree: int = 3, coef: float = 1.0) -> float:
    """Unbiased MMD^2 with k(a, b) = (a.b / D + coef)^degree (one KID subset)."""
    x, y = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    d = x.shape[1]
    kxx, kyy, kxy = ((x @ x.T / d + coef) ** degree, (y @ y.T / d + coef) ** degree,
                     (x @ y.T / d + coef) ** degree)
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, subset_size: int, subsets: int,
                              seed: int) -> tuple[float, float]:
    """KID mean and std over ``subsets`` random subsets of ``min(subset_size, N)`` per side."""
    rng = np.random.default_rng(seed)
    size = min(subset_size, len(real), len(fake))
    vals = [polynomial_mmd(real[rng.choice(len(real), size, replace=False)],
                           fake[rng.choice(len(fake), size, replace=False)]) for _ in range(subsets)]
    return float(np.mean(vals)), float(np.std(vals))


def inception_score(probs: np.ndarray, splits: int = 1) -> float:
    """exp(mean_x KL(p(y|x) || p(y))), averaged over ``splits`` splits; 1 for uniform predictions."""
    p = np.asarray(probs, np.float64)
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(marginal + 1e-12))).sum(1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores))


def mean_ssim(fake: np.ndarray, real: np.ndarray) -> float:
    """Mean SSIM over pairs (N, C, H, W) in [-1, 1]: scikit-image's Gaussian-window SSIM
    (sigma 1.5, population covariance, as in Wang et al. 2004), channels averaged."""
    from skimage.metrics import structural_similarity

    vals = [structural_similarity(r, f, data_range=2.0, channel_axis=0, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False)
            for f, r in zip(np.asarray(fake, np.float32), np.asarray(real, np.float32))]
    return float(np.mean(vals))


def within_source_diversity(draws: np.ndarray) -> float:
    """Mean pairwise L1 distance between the samples generated for the same source with different
    noise: (D draws, N sources, ...) -> mean over sources and pairs of mean |a - b| (0 when D = 1)."""
    d = np.asarray(draws, np.float64).reshape(len(draws), draws.shape[1], -1)
    pairs = [np.abs(d[i] - d[j]).mean(1) for i in range(len(d)) for j in range(i + 1, len(d))]
    return float(np.mean(pairs)) if pairs else 0.0


def mean_l1(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, ...) x (M, ...) -> (N, M) mean absolute difference per element, in float64."""
    import torch

    a = torch.as_tensor(np.asarray(a, np.float64).reshape(len(a), -1))
    b = torch.as_tensor(np.asarray(b, np.float64).reshape(len(b), -1))
    return (torch.cdist(a, b, p=1) / a.shape[1]).numpy()


def copy_metrics(fake: np.ndarray, fake_rows: np.ndarray, train: np.ndarray, train_rows: np.ndarray) -> dict:
    """How near the samples are to the generator's training targets (memorisation).

    ``fake`` (N, ...) samples made from the faces of clips ``fake_rows`` (N,); ``train`` (M, ...) the
    real targets the generator was trained on, of clips ``train_rows`` (M,), each once. Returns
    ``copy_own_target_share``: of the samples whose clip was a training pair, the share whose nearest
    training target (mean L1) is their own; ``copy_nearest_l1``: the samples' mean L1 to their nearest
    training target; ``copy_real_nearest_l1``: each training target's mean L1 to its nearest other one
    (how far apart real clips are); ``copy_distance_ratio``: the first distance over the second (near
    0: the samples are copies; near 1: as far from the training audio as real clips are from each other)."""
    distance = mean_l1(fake, train)
    nearest = distance.argmin(1)
    own = np.isin(fake_rows, train_rows)
    real = mean_l1(train, train)
    np.fill_diagonal(real, np.inf)
    sample_l1, real_l1 = float(distance.min(1).mean()), float(real.min(1).mean())
    return {"copy_own_target_share": float((train_rows[nearest[own]] == fake_rows[own]).mean()) if own.any() else None,
            "copy_samples_of_training_faces": int(own.sum()), "copy_nearest_l1": sample_l1,
            "copy_real_nearest_l1": real_l1, "copy_distance_ratio": sample_l1 / real_l1}


def network_outputs(net, x, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features (N, D) and softmax (N, C) of an EmotionCNN, in fp32 on CPU."""
    import torch

    net.eval()
    feats, probs = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size].float().cpu()
            f = net.features(xb)
            feats.append(f.numpy())
            probs.append(torch.softmax(net.head(f), 1).numpy())
    return np.concatenate(feats), np.concatenate(probs)


def generation_metrics(net, fake, real, eval_cfg: GenerationMetricsConfig, seed: int, ssim: bool = True,
                       labels=None) -> dict:
    """``fid``, ``kid`` (+ ``kid_std``), ``is`` (on the fakes), ``is_real`` and ``ssim`` (pairwise).
    With ``labels`` (the class each sample was generated for): ``gan_test``, the real-data network's
    accuracy on the fakes (GAN-test of Shmelkov et al., ECCV 2018), and ``gan_test_real``, the same on
    the paired real samples (its ceiling). Low GAN-test with a fine FID means class cues are missing."""
    f_fake, p_fake = network_outputs(net, fake)
    f_real, p_real = network_outputs(net, real)
    kid, kid_std = kernel_inception_distance(f_real, f_fake, eval_cfg.kid_subset, eval_cfg.kid_subsets, seed)
    out = {"fid": fid_from_features(f_real, f_fake), "kid": kid, "kid_std": kid_std,
           "is": inception_score(p_fake, eval_cfg.is_splits), "is_real": inception_score(p_real, eval_cfg.is_splits),
           "fid_reliable": bool(min(len(f_real), len(f_fake)) > f_real.shape[1])}
    if ssim:
        out["ssim"] = mean_ssim(np.asarray(fake), np.asarray(real))
    if labels is not None:
        labels = np.asarray(labels)
        out["gan_test"] = float((p_fake.argmax(1) == labels).mean())
        out["gan_test_real"] = float((p_real.argmax(1) == labels).mean())
    return out

