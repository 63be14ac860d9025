"""MRPN over training seeds: does the thesis' order (N2 ahead of N1 and N0, every fusion model ahead
of the better unimodal one) hold once each variant is trained with several seeds?

Each experiment runs ``train_mrpn`` with ``mrpn.seeds`` seeds over its own actor folds; its results
already pool the seeds (a clip's correctness is its share of seeds right) and give every paired
difference with a 95% cluster-bootstrap interval over actors. This module lays those out, one row per
comparison and one column per experiment (seed count, epochs, CPU kernels), with each interval's
half-width, so a reader sees how many seeds resolve +-3 points.

    avemo report run --folds 1 --targets train_mrpn --variant "mrpn.seeds=3" --variant "mrpn.seeds=5"
    avemo report mrpn --since <commit> --where "..." [--results docs/results.md]
"""
from __future__ import annotations

from .experiments import Experiment
from .render import pct
from .summary import mrpn_variants

PREFIX = "mrpn."
TARGET = 0.03  # the half-width the seed study aims at (points / 100)


def comparisons(m: dict) -> list[tuple[str, str]]:
    """(row label, metric stem) of every paired difference in one experiment's MRPN metrics: N2
    against each other fusion model, then each fusion model against the better unimodal model."""
    unimodal, fusion = mrpn_variants(m, PREFIX)
    best = max(unimodal, key=lambda v: m[PREFIX + v]) if unimodal else "best unimodal"
    rows = [(f"n2 - {v}", f"n2_vs_{v}_delta") for v in fusion if v != "n2" and f"{PREFIX}n2_vs_{v}_delta" in m]
    rows += [(f"{v} - {best}", f"{v}_vs_best_unimodal_delta") for v in fusion
             if f"{PREFIX}{v}_vs_best_unimodal_delta" in m]
    return rows


def half_width(m: dict, stem: str) -> float:
    return (m[PREFIX + stem + "_ci95_high"] - m[PREFIX + stem + "_ci95_low"]) / 2


def cell(m: dict, stem: str) -> str:
    """``+1.4 [-2.0, +4.9] (+-3.5)``: the difference in points, its interval and half-width."""
    key = PREFIX + stem
    if key not in m:
        return "-"
    return (f"{pct(m[key])} [{pct(m[key + '_ci95_low'])}, {pct(m[key + '_ci95_high'])}] "
            f"(+-{100 * half_width(m, stem):.1f})")


def column(exp: Experiment, keys: tuple[str, ...]) -> str:
    seeds = exp.metrics.get(PREFIX + "seeds", exp.params.get("mrpn.seeds"))
    rest = ", ".join(f"{k}={exp.params[k]}" for k in keys if k in exp.params)
    return f"{seeds} seed(s)" + (f", {rest}" if rest else "")


def seed_table(experiments: list[Experiment], keys: tuple[str, ...] = ("mrpn.epochs",)) -> str:
    """Markdown: accuracies, then each paired difference, one column per experiment that ran train_mrpn."""
    runs = [e for e in experiments if PREFIX + "seeds" in e.metrics]
    if not runs:
        raise SystemExit("avemo report mrpn: no experiment ran train_mrpn (queue it with --targets train_mrpn)")
    unimodal, fusion = mrpn_variants(runs[0].metrics, PREFIX)
    head = "| | " + " | ".join(column(e, keys) for e in runs) + " |"
    lines = [head, "|---" * (len(runs) + 1) + "|"]
    for v in unimodal + fusion:
        lines.append(f"| {v} accuracy | " + " | ".join(
            f"{e.metrics[PREFIX + v]:.3f}" if PREFIX + v in e.metrics else "-" for e in runs) + " |")
    labels = dict.fromkeys(row for e in runs for row in comparisons(e.metrics))
    for label, stem in labels:
        lines.append(f"| {label} (points) | " + " | ".join(cell(e.metrics, stem) for e in runs) + " |")
    widest = [max((half_width(e.metrics, s) for _, s in comparisons(e.metrics)), default=float("nan")) for e in runs]
    lines.append("| widest half-width | " + " | ".join(
        f"{100 * w:.1f}" + (" (resolves +-3)" if w <= TARGET else "") for w in widest) + " |")
    return "\n".join(lines)
