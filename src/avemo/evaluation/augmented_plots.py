"""Seed table and bar figure of the augmented-classifier evaluation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .figures import plt, save_figure

LABELS = {"baseline": "real + SpecAugment\n(fair baseline)", "augmented": "real + generated",
          "oracle": "real + real\n(oracle)", "shuffled": "real + generated,\nshuffled labels"}
COLOURS = {"baseline": "0.6", "augmented": "tab:blue", "oracle": "tab:green", "shuffled": "tab:red"}


def save_seed_bars(acc: dict[str, np.ndarray], plot_dir: Path) -> None:
    """``plot_dir/arms.csv`` (one row per arm: its accuracy averaged over the seeds, their spread and
    number; a DVC bar plot) and ``plot_dir/seeds.png`` (mean +- std bars, seeds as dots)."""
    table = pd.DataFrame([{"arm": arm, "accuracy": values.mean(), "std": values.std(), "seeds": len(values)}
                          for arm, values in acc.items()])
    with atomic_path(plot_dir / "arms.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    fig, ax = plt.subplots(figsize=(1.5 * len(acc) + 1, 3))
    for i, (arm, values) in enumerate(acc.items()):
        ax.bar(i, values.mean(), yerr=values.std(), capsize=6, color=COLOURS.get(arm, "0.4"), alpha=0.8)
        ax.scatter(np.full(len(values), i), values, color="k", s=10, zorder=3)
    ax.set_xticks(range(len(acc)), [LABELS.get(a, a) for a in acc], fontsize=7)
    ax.set_ylabel("accuracy on real S4")
    ax.set_title("audio CNN per training arm (mean +- std over seeds)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, plot_dir / "seeds.png")
