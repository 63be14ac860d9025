"""``split``: subject-independent S1-S4 sets built from whole actor units."""
from __future__ import annotations

from .core import ParamsError, bounded, section


@section("split")
class SplitParams:
    """Actors are grouped into ``units`` sex-balanced groups; each set takes whole units."""

    seed: int = bounded(0)
    units: int = bounded(4, 100)
    s1_units: int = bounded(1, 100)
    s2_units: int = bounded(1, 100)
    s3_units: int = bounded(1, 100)
    s4_units: int = bounded(1, 100)
    pool_units: int = bounded(0, 100)  # face-only pool: faces used for generation, audio and labels never
    fold: int = bounded(0, 99)
    audio_share: float = bounded(0.01, 1.0)  # share of S3's actors with audio and labels; the rest are faces only

    def validate(self) -> None:
        total = self.s1_units + self.s2_units + self.s3_units + self.s4_units + self.pool_units
        if total != self.units:
            raise ParamsError(f"split.s1_units+s2_units+s3_units+s4_units+pool_units = {total} must equal "
                              f"split.units = {self.units}")
        if self.units % self.s4_units:
            raise ParamsError(f"split.units = {self.units} is not a multiple of split.s4_units = {self.s4_units}: "
                              "folds would overlap")
        folds = self.units // self.s4_units
        if self.fold >= folds:
            raise ParamsError(f"split.fold = {self.fold} is not allowed; there are {folds} folds: use 0..{folds - 1}")
