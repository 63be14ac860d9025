"""The audio-budget study: S4 accuracy against how many of S3's actors keep their audio
(``split.audio_share``), one line per arm: the audio CNN on the budget's real audio alone, the fair
baseline, each GAN variant, the pseudo-label control and the oracle, pooled over folds with 95%
cluster-bootstrap intervals over test actors; and for each GAN variant its paired difference to the
fair baseline and the share of the headroom (oracle minus fair baseline) it closes.

Variants are grouped by their budget and corpus (``corpus.face_voice_link``: each link is another
corpus, with arms of its own); a fold's arms are read from its per-clip tables (the share of
``eval.seeds`` right per clip), the real-only line from the budget curve's point at the budget. A
study across links also gets a dose-response figure: each GAN's difference to the fair baseline and
the share of the headroom it closes, against the link.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..evaluation.stats import BOOTSTRAP_RESAMPLES, PairedDelta, cluster_bootstrap, cluster_sums, paired_delta
from .tables import CURVE, Variant, pooled_clips

ARM_NAMES = {"real": "real audio only", "baseline": "fair baseline", "pseudo": "pseudo-label control",
             "oracle": "oracle (real audio)"}


LINK = "corpus.face_voice_link"


@dataclass
class BudgetRow:
    """One budget on one corpus: its actors, each arm's pooled accuracy (mean, low, high), and for each
    GAN variant (its label less the budget and link: ``gan_name``) the paired difference to the fair
    baseline and the headroom share it closes."""
    share: float
    link: float | None  # the corpus's face-voice link (None: a study of commits before the link existed)
    actors: int | None
    accuracy: dict[str, tuple[float, float, float]]
    delta: dict[str, PairedDelta]
    closed: dict[str, tuple[float, float, float]]


def headroom_share(gain: np.ndarray, headroom: np.ndarray, actors: np.ndarray, seed: int = 0,
                   n_boot: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float, float]:
    """(share, low, high): mean(gain) / mean(headroom), per-clip gain = augmented - baseline and
    headroom = oracle - baseline, with a 95% percentile interval from resampling whole actors. nan
    where the headroom is not positive (nothing to close)."""
    g_sums, sizes = cluster_sums(np.asarray(gain, float), actors)
    h_sums, _ = cluster_sums(np.asarray(headroom, float), actors)
    if h_sums.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    draws = np.random.default_rng(seed).integers(0, len(sizes), size=(n_boot, len(sizes)))
    h = h_sums[draws].sum(1)
    ratios = np.where(h > 0, g_sums[draws].sum(1) / np.where(h > 0, h, 1), np.nan)
    low, high = np.nanquantile(ratios, [0.025, 0.975])
    return float(g_sums.sum() / h_sums.sum()), float(low), float(high)


def budget_of(v: Variant) -> float:
    return float(v.experiments[0].params.get("split.audio_share", 1.0))


def link_of(v: Variant) -> float | None:
    link = v.experiments[0].params.get(LINK)
    return None if link is None else float(link)


def gan_name(label: str) -> str:
    """A variant's label without its budget and link: the same GAN at every budget and on every corpus
    is one column and one line."""
    return ", ".join(p for p in label.split(", ") if not p.startswith(("split.audio_share=", f"{LINK}="))) or "default"


def budget_rows(variants: list[Variant], seed: int = 0) -> list[BudgetRow]:
    """One row per budget and link among ``variants`` (those with per-clip tables), smallest budget first."""
    rows = []
    keys = sorted({(budget_of(v), link_of(v)) for v in variants}, key=lambda k: (k[0], -1 if k[1] is None else k[1]))
    for share, link in keys:
        group = [v for v in variants if (budget_of(v), link_of(v)) == (share, link) and pooled_clips(v) is not None]
        if not group:
            continue
        first = group[0]
        actors = first.experiments[0].metrics.get("learning_curve.budget_actors",
                                                  first.experiments[0].metrics.get("split.S3_actors"))
        accuracy, delta, closed = {}, {}, {}
        clips = pooled_clips(first)
        for arm in ("baseline", "pseudo", "oracle"):
            if arm in clips and clips[arm].notna().all():
                accuracy[arm] = cluster_bootstrap(clips[arm], clips["actor"], seed=seed)
        curve = pooled_clips(first, CURVE)
        if curve is not None and actors is not None and f"actors_{actors}" in curve:
            accuracy["real"] = cluster_bootstrap(curve[f"actors_{actors}"], curve["actor"], seed=seed)
        for v in group:
            table, name = pooled_clips(v), gan_name(v.label)
            accuracy[name] = cluster_bootstrap(table["augmented"], table["actor"], seed=seed)
            delta[name] = paired_delta(table["augmented"], table["baseline"], table["actor"], seed)
            closed[name] = headroom_share(table["augmented"] - table["baseline"], table["oracle"] - table["baseline"],
                                             table["actor"].to_numpy(), seed)
        rows.append(BudgetRow(share, link, actors, accuracy, delta, closed))
    return rows


def across_links(rows: list[BudgetRow]) -> bool:
    """Whether the rows span more than one corpus (face-voice link)."""
    return len({r.link for r in rows}) > 1


def row_label(r: BudgetRow, links: bool) -> str:
    return f"{r.share:g} ({r.actors})" + (f", link {r.link:g}" if links and r.link is not None else "")


def budget_table(rows: list[BudgetRow]) -> str:
    """Markdown: per budget, each arm's S4 accuracy, then each GAN variant's difference to the fair
    baseline and the share of the headroom it closes."""
    if not rows:
        return ""
    arms = list(dict.fromkeys(a for r in rows for a in ("real", "baseline", *r.delta, "pseudo", "oracle")
                              if a in r.accuracy))
    links = across_links(rows)
    corpus = ", face-voice link" if links else ""
    head = f"| audio budget (share of S3, actors){corpus} | " + " | ".join(ARM_NAMES.get(a, a) for a in arms) + " |"
    lines = [head, "|" + "---|" * (len(arms) + 1)]
    for r in rows:
        cells = ["" if (x := r.accuracy.get(a)) is None else f"{x[0]:.3f} [{x[1]:.3f}, {x[2]:.3f}]" for a in arms]
        lines.append(f"| {row_label(r, links)} | " + " | ".join(cells) + " |")
    lines += ["", f"| audio budget{corpus} | GAN variant | delta vs fair baseline, points [95% CI] | half-width | "
                  "share of the headroom closed [95% CI] |", "|---|---|---|---|---|"]
    for r in rows:
        for label, d in r.delta.items():
            share, low, high = r.closed[label]
            closed = "" if np.isnan(share) else f"{share:.2f} [{low:.2f}, {high:.2f}]"
            lines.append(f"| {row_label(r, links)} | {label} | {100 * d.delta:+.1f} [{100 * d.low:+.1f}, "
                         f"{100 * d.high:+.1f}] | {50 * (d.high - d.low):.1f} | {closed} |")
    return "\n".join(lines) + "\n"


def at_a_budget(rows: list[BudgetRow]) -> bool:
    """Whether a study is about the audio budget: it spans budgets, or runs below all of S3."""
    return len(rows) > 1 or any(r.share < 1 for r in rows)


def budget_figure(rows: list[BudgetRow], path, curve: list[tuple[int, float, float, float]] = ()) -> None:
    """S4 accuracy against the number of actors with audio, one line per arm with its 95% band; with
    ``curve`` (actors, mean, low, high), the real-audio line is the whole budget curve, from a few
    actors to every actor outside S4, so a single budget's arms show where they sit on it."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..atomic import atomic_path

    if across_links(rows):  # one corpus on this figure: the link studied at the most budgets (links.png: the rest)
        counts = pd.Series([r.link for r in rows]).value_counts()
        rows = [r for r in rows if r.link == counts.index[0]]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    arms = list(dict.fromkeys(a for r in rows for a in r.accuracy))
    for k, arm in enumerate(arms):
        points = [(r.actors, *r.accuracy[arm]) for r in rows if arm in r.accuracy and r.actors is not None]
        on_curve = arm == "real" and bool(curve)
        if on_curve:
            points = sorted(curve)
        if not points:
            continue
        x, mean, low, high = (np.array(c, float) for c in zip(*points))
        label = textwrap.fill(ARM_NAMES.get(arm, arm), 50)
        if on_curve:  # the budget curve: a band
            (line,) = ax.plot(x, mean, ":", marker="o", label=label)
            ax.fill_between(x, low, high, alpha=0.15, color=line.get_color())
            continue
        shift = 0.25 * (k - (len(arms) - 1) / 2)  # arms at one budget side by side, their bars apart
        style = {"baseline": "--", "oracle": "-."}.get(arm, "-")
        ax.errorbar(x + shift, mean, yerr=[mean - low, high - mean], fmt=style, marker="o", capsize=3, label=label)
    ax.set_xlabel("actors whose real audio trains the audio CNN (the arms: the budget's actors)")
    ax.set_ylabel("accuracy on real S4 (95% CI over test actors)")
    ax.set_title("Generated audio against the audio budget, pooled over actor folds", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def link_figure(rows: list[BudgetRow], path) -> None:
    """The dose-response of a study across links, at its smallest budget: each GAN variant's difference
    to the fair baseline (points) and the share of the oracle's headroom it closes, against the
    corpus's face-voice link, with 95% intervals over test actors."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..atomic import atomic_path

    share = min(r.share for r in rows)
    at = sorted((r for r in rows if r.share == share and r.link is not None), key=lambda r: r.link)
    gans = list(dict.fromkeys(g for r in at for g in r.delta))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for k, gan in enumerate(gans):
        points = [r for r in at if gan in r.delta]
        x = np.array([r.link for r in points]) + 0.01 * (k - (len(gans) - 1) / 2)
        d = np.array([[r.delta[gan].delta, r.delta[gan].low, r.delta[gan].high] for r in points]) * 100
        c = np.array([r.closed[gan] for r in points])
        axes[0].errorbar(x, d[:, 0], yerr=[d[:, 0] - d[:, 1], d[:, 2] - d[:, 0]], marker="o", capsize=3, label=gan)
        axes[1].errorbar(x, c[:, 0], yerr=[c[:, 0] - c[:, 1], c[:, 2] - c[:, 0]], marker="o", capsize=3, label=gan)
    axes[0].axhline(0, color="0.5", lw=0.8)
    axes[0].set_ylabel("augmented - fair baseline (points, 95% CI)")
    axes[0].set_title("difference to the fair baseline", fontsize=9)
    axes[1].axhline(0, color="0.5", lw=0.8)
    axes[1].set_ylabel("share of the oracle's headroom closed")
    axes[1].set_title("headroom closed", fontsize=9)
    for ax in axes:
        ax.set_xlabel("corpus.face_voice_link")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Generated audio against the face-voice link at an audio budget of {at[0].actors} actors "
                 f"(split.audio_share={share:g}), pooled over actor folds", fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def as_frame(rows: list[BudgetRow]) -> pd.DataFrame:
    """The table behind the figure, one row per budget and arm (for tables.json)."""
    return pd.DataFrame([{"share": r.share, "link": r.link, "actors": r.actors, "arm": arm, "accuracy": m, "low": lo,
                          "high": hi} for r in rows for arm, (m, lo, hi) in r.accuracy.items()])
