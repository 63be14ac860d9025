"""Figures a researcher wants to see, written as PNG (declared DVC plots)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..atomic import atomic_path  # noqa: E402


def save_figure(fig, path: str | Path) -> None:
    """PNG without timestamps in its metadata, written atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def save_preprocess_figure(array_dir: Path, clips: pd.DataFrame, path: str | Path, per_class: int = 4) -> None:
    """Aligned middle-frame faces and GAN spectrograms, ``per_class`` clips per emotion."""
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
                axes[r, 2 * k + 1].imshow(specs[idx[k], 0], origin="lower", aspect="auto", cmap="magma", vmin=-1, vmax=1)
        axes[r, 0].set_title(emo, fontsize=8, loc="left")
    fig.tight_layout()
    save_figure(fig, path)
