"""``data``: which corpus the pipeline reads and which emotion classes it keeps."""
from __future__ import annotations

from ..variants import DATASETS
from .core import choice, listed, section

EMOTIONS_CREMA = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
EMOTIONS_ALL = EMOTIONS_CREMA + ("CAL", "SUR")  # RAVDESS adds calm and surprised


@section("data")
class DataParams:
    dataset: str = choice(DATASETS)
    root: str
    classes: tuple = listed(EMOTIONS_ALL)
