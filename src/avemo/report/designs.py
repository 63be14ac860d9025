"""What the split params give on each real dataset: actors per set and folds, computed with the
pipeline's own splitter on the datasets' actor counts (so the docs never state a split by hand).

    avemo report splits [--params params.yaml] [--datasets docs/datasets.md]
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..data.splits import SplitSpec, assign_sets

SETS = ("S1", "S2", "S3", "S4", "POOL")

# actors by sex in the datasets' own documentation (CREMA-D: VideoDemographics.csv; RAVDESS: odd male)
DATASET_ACTORS = {"CREMA-D": {"Male": 48, "Female": 43}, "RAVDESS": {"Male": 12, "Female": 12}}
BEGIN, END = "<!-- avemo splits: begin -->", "<!-- avemo splits: end -->"


def actors_per_set(actors: dict[str, int], spec: SplitSpec) -> dict[str, tuple[int, int]]:
    """(fewest, most) actors of each set over every fold of ``spec`` for a corpus of ``actors`` by sex."""
    table = pd.DataFrame([{"clip": f"{sex}{k}", "actor": f"{sex}{k}", "sex": sex, "emotion": "NEU"}
                          for sex, n in actors.items() for k in range(n)])
    counts = {name: [] for name in SETS}
    for fold in range(spec.units // spec.s4_units):
        sets = assign_sets(table, replace(spec, fold=fold))
        for name in SETS:
            counts[name].append(int((sets["set"] == name).sum()))
    return {name: (min(c), max(c)) for name, c in counts.items()}


def splits_table(spec: SplitSpec) -> str:
    """Markdown: per dataset, the actors of each set (a range when folds differ) and the folds."""
    def span(low_high: tuple[int, int]) -> str:
        return str(low_high[0]) if low_high[0] == low_high[1] else f"{low_high[0]}-{low_high[1]}"

    lines = ["| dataset | actors | S1 | S2 | S3 | S4 | face-only pool | folds |", "|---|---|---|---|---|---|---|---|"]
    for dataset, actors in DATASET_ACTORS.items():
        sizes = actors_per_set(actors, spec)
        lines.append(f"| {dataset} | {sum(actors.values())} | " + " | ".join(span(sizes[s]) for s in SETS)
                     + f" | {spec.units // spec.s4_units} |")
    return "\n".join(lines) + "\n"
