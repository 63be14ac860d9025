"""Subject-independent S1-S4 sets (dacssGAN 4.1; docs/design.md, "Splits").

Actors are dealt into ``units`` groups by scikit-learn's ``StratifiedGroupKFold`` (groups = actors,
strata = sex, so each unit is sex-balanced; every actor speaks every emotion, so units are also
class-balanced). Each set takes whole units; ``fold`` rotates the units so that every actor is in
S4 once over ``units / s4_units`` folds.

The audio budget (``audio_share``, the papers' regime of scarce audio and plentiful faces): only that
share of S3's actors keeps its audio and labels (set ``S3``); the others' faces join the unlabelled
faces (set ``S3U``, like the pool: their audio and labels reach no training set, only the oracle and
pseudo-label controls). The budget's actors alternate between the sexes, in a seeded order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

SETS = ("S1", "S2", "S3", "S4", "POOL", "S3U")  # POOL, S3U: faces only (no audio, no labels on the audio side)
UNLABELLED = ("S3U", "POOL")  # sets whose faces the GAN may turn into audio, never trained on


@dataclass(frozen=True)
class SplitSpec:
    seed: int
    units: int
    s1_units: int
    s2_units: int
    s3_units: int
    s4_units: int
    pool_units: int
    fold: int
    audio_share: float  # share of S3's actors that keep their audio and labels (the rest: S3U)


def actor_units(table: pd.DataFrame, units: int, seed: int) -> pd.Series:
    """Unit index (0..units-1) of every clip; actors never straddle units."""
    n_actors = table["actor"].nunique()
    if n_actors < units:
        raise ValueError(f"split.units = {units} needs at least {units} actors; the data has {n_actors}")
    splitter = StratifiedGroupKFold(n_splits=units, shuffle=True, random_state=seed)
    unit = np.full(len(table), -1)
    for k, (_, test) in enumerate(splitter.split(table, table["sex"], groups=table["actor"])):
        unit[test] = k
    return pd.Series(unit, index=table.index, name="unit")


def assign_sets(table: pd.DataFrame, spec: SplitSpec) -> pd.DataFrame:
    """Clip -> set table: columns clip, actor, sex, emotion, unit, set."""
    unit = actor_units(table, spec.units, spec.seed)
    # S4 starts at the fold's offset and the other sets follow it around the ring of units.
    order = [(spec.fold * spec.s4_units + k) % spec.units for k in range(spec.units)]
    owner, pos = {}, 0
    for name, count in (("S4", spec.s4_units), ("S1", spec.s1_units), ("S2", spec.s2_units), ("S3", spec.s3_units),
                        ("POOL", spec.pool_units)):
        for u in order[pos : pos + count]:
            owner[u] = name
        pos += count
    out = table[["clip", "actor", "sex", "emotion"]].copy()
    out["unit"] = unit.values
    out["set"] = out["unit"].map(owner)
    if spec.audio_share < 1.0:
        unlabelled = ~out["actor"].isin(budget_actors(out[out["set"] == "S3"], spec.audio_share, spec.seed + spec.fold))
        out.loc[(out["set"] == "S3") & unlabelled, "set"] = "S3U"
    return out


def budget_actors(s3: pd.DataFrame, share: float, seed: int) -> list:
    """The ``share`` of S3's actors (at least one) that keep their audio: each sex's actors in a
    seeded order, taken in turn, so the budget stays as balanced for sex as S3 is."""
    rng = np.random.default_rng(seed)
    by_sex = [list(rng.permutation(sorted(s3.loc[s3["sex"] == sex, "actor"].unique())))
              for sex in sorted(s3["sex"].unique())]
    order = [a for group in zip(*[g + [None] * (max(map(len, by_sex)) - len(g)) for g in by_sex])
             for a in group if a is not None]
    return order[: max(1, round(share * len(order)))]


def split_counts(sets: pd.DataFrame, classes: tuple) -> dict:
    """Flat counts for metrics: clips and actors per set, clips per set and class, and the share of
    actors whose sex is unknown (sets are sex-balanced only over the known ones)."""
    sexes = sets.groupby("actor")["sex"].first()
    out = {"actors_unknown_sex_share": round(float((~sexes.isin(["Male", "Female"])).mean()), 4)}
    for name in (n for n in SETS if n != "S3U" or (sets["set"] == n).any()):  # S3U only under an audio budget
        part = sets[sets["set"] == name]
        out[f"{name}_clips"] = int(len(part))
        out[f"{name}_actors"] = int(part["actor"].nunique())
        for c in classes:
            out[f"{name}_{c}"] = int((part["emotion"] == c).sum())
    return out


def actor_folds(table: pd.DataFrame, folds: int, seed: int, val_fraction: float = 0.1):
    """MRPN's rotating actor-disjoint folds: fold k tests on unit k of ``folds`` sex-balanced actor
    units; ~``val_fraction`` of the other actors (at least one) validate. Yields (train, val, test)
    clip positions into ``table``."""
    unit = actor_units(table, folds, seed).to_numpy()
    actors = table["actor"].to_numpy()
    rng = np.random.default_rng(seed)
    for k in range(folds):
        rest = np.unique(actors[unit != k])
        n_val = max(1, int(round(val_fraction * table["actor"].nunique())))
        val_actors = rng.permutation(rest)[:n_val]
        test = np.flatnonzero(unit == k)
        val = np.flatnonzero((unit != k) & np.isin(actors, val_actors))
        train = np.flatnonzero((unit != k) & ~np.isin(actors, val_actors))
        yield train, val, test
