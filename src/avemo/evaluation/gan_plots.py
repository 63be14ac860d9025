"""GAN figures: loss and FID/IS curves, real vs generated samples per emotion."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from .figures import integer_ticks, label_pairs, plt, save_figure


LOSS_COLUMNS, EVALUATION_COLUMNS = ("g_loss", "d_loss", "q_loss"), ("fid", "kid", "is")
METRIC_TITLES = {"fid": "FID on evaluated epochs (lower is better)", "is": "IS on evaluated epochs"}


def save_curves(history: list[dict], plot_dir: Path) -> None:
    """``plot_dir/losses.csv`` (epoch and the losses, every epoch), ``plot_dir/evaluations.csv``
    (epoch, FID, KID, IS: the evaluated epochs only, so a plot never shows a missing value as 0) and
    ``plot_dir/curves.png``. Epochs are counted from 1 (``history`` counts from 0): "40 epochs" ends at 40."""
    table = pd.DataFrame(history)
    table["epoch"] = table["epoch"] + 1
    losses = ["epoch", *(c for c in LOSS_COLUMNS if c in table)]
    evaluated = ["epoch", *(c for c in EVALUATION_COLUMNS if c in table)]
    with atomic_path(plot_dir / "losses.csv") as tmp:
        table[losses].to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(plot_dir / "evaluations.csv") as tmp:
        table[evaluated].dropna(subset=evaluated[1:2] or None).to_csv(tmp, index=False, float_format="%.6g")
    metrics = [c for c in ("fid", "is") if c in table]
    fig, axes = plt.subplots(1, 1 + len(metrics), figsize=(4 * (1 + len(metrics)), 3))
    axes = np.atleast_1d(axes)
    for col in ("g_loss", "d_loss", "q_loss"):
        if col in table:
            axes[0].plot(table["epoch"], table[col], label=col)
    axes[0].set_title("losses per epoch", fontsize=9)
    axes[0].set_ylabel("loss")
    axes[0].legend(fontsize=7)
    for ax, col in zip(axes[1:], metrics):
        t = table.dropna(subset=[col])
        ax.plot(t["epoch"], t[col], marker="o")
        ax.set_title(METRIC_TITLES[col], fontsize=9)
        ax.set_ylabel(col.upper())
    for ax in axes:
        ax.set_xlabel("epoch")
        integer_ticks(ax.xaxis)
    fig.tight_layout()
    save_figure(fig, plot_dir / "curves.png")


def _show(ax, sample: np.ndarray) -> None:
    ax.axis("off")
    if sample.shape[0] == 1:  # spectrogram (1, F, T)
        ax.imshow(sample[0], origin="lower", aspect="auto", cmap="magma", vmin=-1, vmax=1)
    else:  # face (3, S, S) in [-1, 1]
        ax.imshow(np.clip((sample.transpose(1, 2, 0) + 1) / 2, 0, 1))


def save_real_vs_generated(real: np.ndarray, fake: np.ndarray, labels: np.ndarray, classes: tuple, path,
                           per_class: int = 3) -> None:
    """Rows = emotions; column pairs = (real, generated) for ``per_class`` samples."""
    fig, axes = plt.subplots(len(classes), 2 * per_class, figsize=(2 * per_class * 1.6, len(classes) * 0.9))
    axes = np.atleast_2d(axes)
    for r, name in enumerate(classes):
        idx = np.flatnonzero(labels == r)[:per_class]
        for k in range(per_class):
            axes[r, 2 * k].axis("off")
            axes[r, 2 * k + 1].axis("off")
            if k < len(idx):
                _show(axes[r, 2 * k], real[idx[k]])
                _show(axes[r, 2 * k + 1], fake[idx[k]])
    label_pairs(fig, axes, list(classes), "real", "generated", "real samples and the samples generated from their faces, by emotion")
    fig.tight_layout()
    save_figure(fig, path)
