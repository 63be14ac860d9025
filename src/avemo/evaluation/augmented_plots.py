"""Fold table and error-bar figure of the augmented-classifier evaluation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .figures import plt, save_figure


def save_fold_bars(acc: dict[str, np.ndarray], plot_dir: Path) -> None:
    """``folds.csv`` (fold, baseline, augmented) and ``folds.png`` (mean +- std bars, folds as dots)."""
    table = pd.DataFrame({"fold": np.arange(len(acc["baseline"])), **acc})
    with atomic_path(plot_dir / "folds.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    fig, ax = plt.subplots(figsize=(3.6, 3))
    for i, k in enumerate(("baseline", "augmented")):
        ax.bar(i, acc[k].mean(), yerr=acc[k].std(), capsize=6, color=("0.6", "tab:blue")[i], alpha=0.8)
        ax.scatter(np.full(len(acc[k]), i), acc[k], color="k", s=10, zorder=3)
    ax.set_xticks([0, 1], ["real + SpecAugment", "real + generated"], fontsize=8)
    ax.set_ylabel("accuracy on real S4")
    fig.tight_layout()
    save_figure(fig, plot_dir / "folds.png")
