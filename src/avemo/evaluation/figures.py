"""Figures a researcher wants to see, written as PNG (declared DVC plots)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..atomic import atomic_path  # noqa: E402


def integer_ticks(axis) -> None:
    """Whole-number ticks only (epochs, actors, folds: no "epoch 0.5")."""
    axis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def label_pairs(fig, axes: np.ndarray, rows: list[str], left: str, right: str, title: str) -> None:
    """A grid of column pairs labelled: each row's name at its left, each pair headed (left, right),
    and the figure's title."""
    for r, name in enumerate(rows):
        axes[r, 0].text(-0.12, 0.5, name, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=8)
    for k in range(axes.shape[1] // 2):
        axes[0, 2 * k].set_title(left, fontsize=7)
        axes[0, 2 * k + 1].set_title(right, fontsize=7)
    fig.suptitle(title, fontsize=9)


def save_figure(fig, path: str | Path) -> None:
    """PNG without timestamps in its metadata, written atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def save_preprocess_figure(array_dir: Path, clips: pd.DataFrame, path: str | Path, per_class: int = 4) -> None:
    """Aligned middle-frame faces and GAN spectrograms, ``per_class`` clips per emotion (rows), each
    face labelled with its actor."""
    faces = np.load(array_dir / "faces.npy", mmap_mode="r")
    specs = np.load(array_dir / "spectrograms.npy", mmap_mode="r")
    emotions = sorted(clips["emotion"].unique())
    fig, axes = plt.subplots(len(emotions), 2 * per_class, figsize=(2 * per_class * 1.3, len(emotions) * 1.1))
    axes = np.atleast_2d(axes)
    for r, emo in enumerate(emotions):
        idx = clips.loc[clips["emotion"] == emo, "index"].to_numpy()[:per_class]
        for k in range(per_class):
            for ax in axes[r, 2 * k : 2 * k + 2]:
                ax.axis("off")
            if k < len(idx):
                axes[r, 2 * k].imshow(faces[idx[k]])
                axes[r, 2 * k].text(0.5, -0.08, f"actor {clips.loc[idx[k], 'actor']}", transform=axes[r, 2 * k].transAxes,
                                    ha="center", va="top", fontsize=6)
                axes[r, 2 * k + 1].imshow(specs[idx[k], 0], origin="lower", aspect="auto", cmap="magma", vmin=-1, vmax=1)
    label_pairs(fig, axes, emotions, "face", "log-mel", "preprocess: aligned middle-frame faces and GAN spectrograms, by emotion")
    fig.tight_layout()
    save_figure(fig, path)


def _face_grid(faces: np.ndarray, titles: list[str], suptitle: str, path: str | Path, columns: int) -> None:
    """Aligned faces (N, S, S, 3) uint8 at the pipeline's own size, shown pixel for pixel (nearest)."""
    rows = -(-len(faces) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.45 * rows + 0.3), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, face, title in zip(axes.ravel(), faces, titles):
        ax.imshow(face, interpolation="nearest")
        ax.set_title(title, fontsize=7)
    fig.suptitle(suptitle, fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def save_expression_figure(array_dir: Path, clips: pd.DataFrame, path: str | Path) -> None:
    """One actor (the first) in each emotion: the aligned middle-frame faces the classifiers see."""
    faces = np.load(array_dir / "faces.npy", mmap_mode="r")
    actor = clips["actor"].iloc[0]
    mine = clips[clips["actor"] == actor].drop_duplicates("emotion").sort_values("emotion")
    size = faces.shape[1]
    _face_grid(faces[mine["index"].to_numpy()], list(mine["emotion"]),
               f"actor {actor} in each emotion, as the pipeline sees faces ({size} x {size} px)", path, len(mine))


def save_people_figure(array_dir: Path, clips: pd.DataFrame, path: str | Path, emotion: str = "NEU",
                       actors: int = 12) -> None:
    """``actors`` actors in one emotion: who the corpus's people are, at the pipeline's face size."""
    faces = np.load(array_dir / "faces.npy", mmap_mode="r")
    chosen = clips[clips["emotion"] == emotion].drop_duplicates("actor").head(actors)
    titles = [f"{a} {str(s)[0]}" for a, s in zip(chosen["actor"], chosen["sex"])]
    size = faces.shape[1]
    _face_grid(faces[chosen["index"].to_numpy()], titles,
               f"{len(chosen)} actors, {emotion} (M/F), at the pipeline's face size ({size} x {size} px)", path, 6)


def save_face_study_figure(metrics: dict, path: str | Path) -> None:
    """S4 accuracy of each face input x model pair (95% interval over actors), upright and turned."""
    names = [k for k in metrics if k + "_turned" in metrics]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(names) + 1.2))
    for i, name in enumerate(names):
        for key, colour, dy in ((name, "tab:blue", 0.12), (name + "_turned", "tab:orange", -0.12)):
            m, lo, hi = metrics[key], metrics[key + "_ci95_low"], metrics[key + "_ci95_high"]
            ax.errorbar(m, i + dy, xerr=[[m - lo], [hi - m]], fmt="o", color=colour, capsize=3,
                        label=("upright" if key == name else f"turned +-{metrics['rotation_degrees']:g} deg") if i == 0 else None)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("S4 accuracy (95% CI over actors)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
