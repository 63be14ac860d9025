"""``eval``: generation metrics and the augmented-classifier comparison."""
from __future__ import annotations

from .core import ParamsError, bounded, listed, section


@section("eval")
class EvalParams:
    seeds: int = bounded(1, 20)  # repeated trainings (seed, validation slice) of each evaluation classifier
    is_splits: int = bounded(1, 20)
    kid_subset: int = bounded(2, 10000)
    kid_subsets: int = bounded(1, 1000)
    curve_actors: tuple = listed()  # the budget curve's points: actors with real audio (and the budget's, and all)
    curve_min_epochs: int = bounded(0, 1000)  # each point trains at least this long (a few actors must not stay untrained)

    def validate(self) -> None:
        bad = [k for k in self.curve_actors if isinstance(k, bool) or not isinstance(k, int) or k < 1]
        if bad:
            raise ParamsError(f"eval.curve_actors = {list(self.curve_actors)!r} is not allowed; list actor counts >= 1")
