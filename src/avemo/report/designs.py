"""What the split params give on each real dataset: actors per set and folds, computed with the
pipeline's own splitter on the datasets' actor counts (so the docs never state a split by hand), and
on the dataset under ``data.root`` when it is there (its actors and sexes read from its file names
and demographics, nothing decoded).

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


def actor_table(actors: dict[str, int]) -> pd.DataFrame:
    """One row per actor of a dataset known only by its actor counts by sex."""
    return pd.DataFrame([{"clip": f"{sex}{k}", "actor": f"{sex}{k}", "sex": sex, "emotion": "NEU"}
                         for sex, n in actors.items() for k in range(n)])


def actors_per_set(table: pd.DataFrame, spec: SplitSpec) -> dict[str, tuple[int, int]]:
    """(fewest, most) actors of each set over every fold of ``spec`` for a dataset's clips (columns
    clip, actor, sex, emotion), dealt as the split stage deals them."""
    counts = {name: [] for name in SETS}
    for fold in range(spec.units // spec.s4_units):
        sets = assign_sets(table, replace(spec, fold=fold)).drop_duplicates("actor")
        for name in SETS:
            counts[name].append(int((sets["set"] == name).sum()))
    return {name: (min(c), max(c)) for name, c in counts.items()}


def splits_table(spec: SplitSpec, datasets: dict[str, pd.DataFrame] | None = None) -> str:
    """Markdown: per dataset (CREMA-D and RAVDESS by their documented actors, then ``datasets``: name
    -> its clips), the actors of each set (a range when folds differ) and the folds."""
    def span(low_high: tuple[int, int]) -> str:
        return str(low_high[0]) if low_high[0] == low_high[1] else f"{low_high[0]}-{low_high[1]}"

    lines = ["| dataset | actors | S1 | S2 | S3 | S4 | face-only pool | folds |", "|---|---|---|---|---|---|---|---|"]
    tables = {name: actor_table(actors) for name, actors in DATASET_ACTORS.items()} | (datasets or {})
    for dataset, table in tables.items():
        try:
            sizes = actors_per_set(table, spec)
        except ValueError as err:  # fewer actors than split.units
            lines.append(f"| {dataset} | {table['actor'].nunique()} | does not split: {err} | | | | | |")
            continue
        lines.append(f"| {dataset} | {table['actor'].nunique()} | " + " | ".join(span(sizes[s]) for s in SETS)
                     + f" | {spec.units // spec.s4_units} |")
    return "\n".join(lines) + "\n"
