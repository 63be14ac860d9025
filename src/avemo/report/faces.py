"""Facial emotion from pixels, landmarks or geometry (MRPN thesis 4.1-4.3) pooled over actor folds.

One ``face_study`` tests every input x model row on S4's few actors (6 on the default corpus), so its
intervals span +-6 to +-9 points. Run over the folds (each fold's S4 is other actors), the rows'
per-clip correctness pools into one test set of every fold's S4; accuracies and paired differences
take the stage's own 95% cluster bootstrap over actors (``avemo.evaluation.stats``), now over all
of them.

    avemo report run --folds 8 --targets face_study
    avemo report faces --since <commit> [--where "..."] [--results docs/results.md]
"""
from __future__ import annotations

import pandas as pd

from ..evaluation.stats import PairedDelta, cluster_bootstrap, paired_delta
from .experiments import Experiment, clip_table
from .mrpn import TARGET  # the same +-3 points the MRPN seed study aims at
from .render import interval

CLIPS = "results/face_study/clips.csv"
KEYS = ("clip", "actor", "label")
REFERENCE = "pixels_cnn"  # f_S on pixels: the pipeline's own face classifier
TURNED = "_turned"


def one_per_fold(experiments: list[Experiment]) -> list[Experiment]:
    """The experiments that ran face_study, one per ``split.fold``, in fold order. Two of one fold
    would count its actors twice: that is an error (narrow the choice with ``--where``)."""
    ran = [e for e in experiments if clip_table(e, CLIPS) is not None]
    if not ran:
        raise SystemExit("avemo report faces: no experiment ran face_study (queue it with --targets face_study)")
    folds = [e.params.get("split.fold") for e in ran]
    twice = sorted({f for f in folds if folds.count(f) > 1})
    if twice:
        raise SystemExit(f"avemo report faces: several experiments of fold(s) {twice} ran face_study; "
                         "choose one study with --where or --since")
    return sorted(ran, key=lambda e: e.params.get("split.fold"))


def pooled_clips(experiments: list[Experiment]) -> pd.DataFrame:
    """Every fold's S4 clips, one row each: clip, actor, label, fold and one correctness column per
    face_study row (``<row>`` upright, ``<row>_turned`` the mean of the two turned copies). Rows a fold
    did not run are missing (NaN) for its clips."""
    tables = [clip_table(e, CLIPS).assign(fold=e.params.get("split.fold")) for e in one_per_fold(experiments)]
    pooled = pd.concat(tables, ignore_index=True)
    shared = pooled.groupby("actor")["fold"].nunique()
    if (shared > 1).any():  # S4 rotates over disjoint units: an actor in two folds' S4 is a split bug
        raise SystemExit(f"avemo report faces: actors {sorted(shared[shared > 1].index)} are in several folds' S4")
    return pooled


def row_names(pooled: pd.DataFrame) -> list[str]:
    return [c for c in pooled.columns if c not in (*KEYS, "fold") and not c.endswith(TURNED)]


def accuracy(values: pd.Series, actors: pd.Series, seed: int) -> str:
    mean, low, high = cluster_bootstrap(values.to_numpy(), actors.to_numpy(), seed=seed)
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def paired(a: pd.Series, b: pd.Series, actors: pd.Series, seed: int) -> PairedDelta:
    """a - b on the clips both rows scored, with its cluster-bootstrap interval over actors."""
    both = a.notna() & b.notna()
    return paired_delta(a[both].to_numpy(), b[both].to_numpy(), actors[both].to_numpy(), seed)


def cell(d: PairedDelta) -> str:
    return f"{interval(d)} (+-{50 * (d.high - d.low):.1f})"


def face_table(experiments: list[Experiment], seed: int = 0) -> str:
    """Markdown: each row's pooled S4 accuracy upright and turned, the change when turned, and the
    difference to f_S on pixels, every interval a cluster bootstrap over all folds' test actors; then
    the widest half-width of those differences (what the pooled design resolves)."""
    pooled = pooled_clips(experiments)
    actors = pooled["actor"]
    lines = [f"{pooled['fold'].nunique()} fold(s), {actors.nunique()} test actors, {len(pooled)} clips; "
             "differences in points [95% CI] (+-half-width)", "",
             "| input, model | S4 accuracy | turned | change when turned | vs pixels + cnn |", "|---|---|---|---|---|"]
    widths = []
    for name in row_names(pooled):
        scored = pooled[name].notna()
        versus = ""
        if REFERENCE in pooled and name != REFERENCE:
            d = paired(pooled[name], pooled[REFERENCE], actors, seed)
            versus, widths = cell(d), widths + [(d.high - d.low) / 2]
        lines.append(f"| {name.replace('_', ' ', 1)} | {accuracy(pooled[name][scored], actors[scored], seed)} | "
                     f"{accuracy(pooled[name + TURNED][scored], actors[scored], seed)} | "
                     f"{cell(paired(pooled[name + TURNED], pooled[name], actors, seed))} | {versus} |")
    if widths:
        widest = max(widths)
        lines += ["", f"Widest half-width vs pixels + cnn: {100 * widest:.1f} points"
                  + (f" (resolves +-{100 * TARGET:.0f})" if widest <= TARGET else "")]
    return "\n".join(lines)
