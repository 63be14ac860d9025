"""Classification reports (scikit-learn) and confusion-matrix figures."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, recall_score

from .figures import plt, save_figure


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: tuple, prefix: str = "") -> dict:
    """Flat keys: accuracy, balanced_accuracy, recall_<CLASS>."""
    labels = list(range(len(classes)))
    recalls = recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    out = {f"{prefix}accuracy": float(accuracy_score(y_true, y_pred)),
           f"{prefix}balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred))}
    out.update({f"{prefix}recall_{c}": float(r) for c, r in zip(classes, recalls)})
    return {k: round(v, 4) for k, v in out.items()}


def save_confusion(y_true: np.ndarray, y_pred: np.ndarray, classes: tuple, title: str, path) -> None:
    cm = confusion_matrix(y_true, y_pred, labels=list(range(len(classes))))
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.imshow(cm, cmap="Blues")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(classes)), classes, fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
