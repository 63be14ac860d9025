"""MRPN results: mean/std over folds, the thesis' "inferior cases", fold table and a PCA figure of
the fused features (thesis Fig. 5.1)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..training.mrpn import FoldStudy
from ..variants import MRPN_VARIANTS
from .figures import plt, save_figure
from .stats import paired_delta


def fold_summary(folds: list[dict], variants: tuple) -> dict:
    """``<variant>`` mean accuracy, ``<variant>_std``, and for fusion variants ``<variant>_inferior``:
    folds where it is below the best unimodal model of that fold."""
    table = pd.DataFrame(folds)
    out = {}
    for v in variants:
        out[v] = round(float(table[v].mean()), 4)
        out[f"{v}_std"] = round(float(table[v].std(ddof=0)), 4)
    uni = [v for v in variants if not MRPN_VARIANTS[v].fusion]
    if uni:
        best_uni = table[uni].max(axis=1)
        for v in variants:
            if MRPN_VARIANTS[v].fusion:
                out[f"{v}_inferior"] = int((table[v] < best_uni).sum())
    return out


def fusion_comparisons(correct: dict[str, np.ndarray], actors: np.ndarray, seed: int) -> dict:
    """Paired differences on the same test clips (each tested once over the folds), with 95%
    cluster-bootstrap intervals over actors: every fusion model against the better unimodal model
    (``<v>_vs_best_unimodal_delta``) and N2 against N0 and N1 (``n2_vs_<v>_delta``)."""
    out = {}
    unimodal = [v for v in correct if not MRPN_VARIANTS[v].fusion]
    fusion = [v for v in correct if MRPN_VARIANTS[v].fusion]
    if unimodal:
        best = max(unimodal, key=lambda v: correct[v].mean())
        for v in fusion:
            out.update(paired_delta(correct[v], correct[best], actors, seed).flat(f"{v}_vs_best_unimodal_delta"))
    if "n2" in correct:
        for v in fusion:
            if v != "n2":
                out.update(paired_delta(correct["n2"], correct[v], actors, seed).flat(f"n2_vs_{v}_delta"))
    return out


def save_fold_table(folds: list[dict], path) -> None:
    with atomic_path(path) as tmp:
        pd.DataFrame(folds).to_csv(tmp, index=False, float_format="%.4f")


def save_fused_pca(features: np.ndarray, labels: np.ndarray, classes: tuple, path) -> None:
    from sklearn.decomposition import PCA

    xy = PCA(2, random_state=0).fit_transform(features)
    fig, ax = plt.subplots(figsize=(4.5, 3.8))
    for c, name in enumerate(classes):
        pts = xy[labels == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=10, label=name)
    ax.legend(fontsize=7, markerscale=1.5)
    ax.set_title("fused features of the last fold's test clips (PCA)", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def robustness(correct: dict[str, np.ndarray], corrupted: dict[str, dict[str, np.ndarray]], actors: np.ndarray,
               seed: int) -> dict:
    """Accuracy of each trained model with one stream corrupted at test time (``<v>_<condition>``,
    e.g. ``n2_audio_missing``), its drop from the clean accuracy (``<v>_<condition>_drop``), and N2
    against each other fusion model under the same condition, paired on the same clips with 95%
    cluster-bootstrap intervals over actors (``n2_vs_<v>_<condition>_delta``): does the residual
    perceptron degrade more gracefully?"""
    out = {}
    for v, by_condition in corrupted.items():
        for c, hits in by_condition.items():
            out[f"{v}_{c}"] = round(float(hits.mean()), 4)
            out[f"{v}_{c}_drop"] = round(float(correct[v].mean() - hits.mean()), 4)
    if "n2" in corrupted:
        for v in corrupted:
            if v != "n2" and MRPN_VARIANTS[v].fusion:
                for c in corrupted["n2"]:
                    out.update(paired_delta(corrupted["n2"][c], corrupted[v][c], actors, seed).flat(f"n2_vs_{v}_{c}_delta"))
    return out


def save_robustness(correct: dict[str, np.ndarray], corrupted: dict[str, dict[str, np.ndarray]], tables, plots) -> None:
    """``tables/robustness.csv`` (variant x condition accuracy, "clean" first) and ``plots/robustness.png``."""
    table = pd.DataFrame({v: {"clean": correct[v].mean(), **{c: h.mean() for c, h in corrupted[v].items()}}
                          for v in corrupted}).T
    with atomic_path(tables / "robustness.csv") as tmp:
        table.rename_axis("variant").to_csv(tmp, float_format="%.4f")
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    width = 0.8 / len(table.columns)
    x = np.arange(len(table))
    for i, condition in enumerate(table.columns):
        ax.bar(x + (i - (len(table.columns) - 1) / 2) * width, table[condition], width, label=condition)
    ax.set_xticks(x, table.index, fontsize=7)
    ax.set_ylabel("accuracy (every clip tested once)")
    ax.set_title("MRPN variants with one stream corrupted at test time", fontsize=8)
    ax.legend(fontsize=6, ncol=4)
    fig.tight_layout()
    save_figure(fig, plots / "robustness.png")


def mrpn_metrics(studies: list[FoldStudy], labels: np.ndarray, actors: np.ndarray, variants: tuple, seed: int
                 ) -> tuple[dict, dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """(metrics for ``metrics/mrpn.json``, per-clip correctness {variant: (N,)}, the same per
    corruption) of the fold studies of one or more training seeds over the same folds; ``labels``
    and ``actors`` (N,) are in the studies' test order. A clip's correctness is its share of seeds
    right (the report's variance model for seeds: the bootstrap over actors then carries what seeds
    leave uncertain); accuracies' mean and spread are over every fold of every seed."""
    if any(not np.array_equal(s.order, studies[0].order) for s in studies):
        raise ValueError("the seeds' fold studies test the clips in different orders: not the same folds")
    correct = {v: np.mean([(s.predicted[v] == labels) for s in studies], axis=0) for v in variants}
    corrupted = {v: {c: np.mean([(s.corrupted[v][c] == labels) for s in studies], axis=0) for c in by_c}
                 for v, by_c in studies[0].corrupted.items()}
    rows = [row for s in studies for row in s.folds]
    metrics = {**fold_summary(rows, variants), **fusion_comparisons(correct, actors, seed),
               **robustness(correct, corrupted, actors, seed), "folds": len(studies[0].folds), "seeds": len(studies),
               "clips": int(len(labels))}
    return metrics, correct, corrupted
