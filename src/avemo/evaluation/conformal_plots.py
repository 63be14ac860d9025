"""Calibration plot of a conformal predictor: error rate against significance level eps."""
from __future__ import annotations

import csv
from pathlib import Path

from ..atomic import atomic_path
from .figures import plt, save_figure


def save_calibration_plot(curve: list[tuple[float, float, float]], plot_dir: Path) -> None:
    """Writes ``plot_dir/calibration.csv`` (eps_percent, error, bound = eps, set_size; a DVC plot, eps
    in percent so that its axis labels stay apart) and ``plot_dir/calibration.png``."""
    with atomic_path(plot_dir / "calibration.csv") as tmp:
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["eps_percent", "error", "bound", "set_size"])
            w.writerows([(f"{100 * e:.0f}", f"{err:.4f}", f"{e:.2f}", f"{s:.4f}") for e, err, s in curve])
    fig, ax = plt.subplots(figsize=(4, 3.5))
    eps = [c[0] for c in curve]
    ax.plot(eps, [c[1] for c in curve], label="empirical error on S4")
    ax.plot(eps, eps, "k--", label="eps (validity bound)")
    ax.set_xlabel("significance level eps")
    ax.set_xticks([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    ax.set_ylabel("error rate")
    ax.set_title("conformal validity on S4", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, plot_dir / "calibration.png")
