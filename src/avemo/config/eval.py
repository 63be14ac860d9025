"""``eval``: generation metrics and the augmented-classifier comparison."""
from __future__ import annotations

from .core import bounded, section


@section("eval")
class EvalParams:
    seeds: int = bounded(1, 20)  # repeated trainings (seed, validation slice) of each evaluation classifier
    is_splits: int = bounded(1, 20)
    kid_subset: int = bounded(2, 10000)
    kid_subsets: int = bounded(1, 1000)
