"""DVC stage: actor-disjoint, sex- and class-balanced S1-S4 sets.

    python stages/split.py PARAMS CLIPS_CSV OUT_CSV METRICS
"""
import sys

import pandas as pd

from avemo.atomic import atomic_path, write_json
from avemo.config import load_params
from avemo.data.splits import SplitSpec, assign_sets, split_counts


def main(params_path: str, clips_csv: str, out_csv: str, metrics_path: str) -> None:
    p = load_params(params_path, "data", "split")
    s = p["split"]
    spec = SplitSpec(s.seed, s.units, s.s1_units, s.s2_units, s.s3_units, s.s4_units, s.fold)
    sets = assign_sets(pd.read_csv(clips_csv), spec)
    with atomic_path(out_csv) as tmp:
        sets.to_csv(tmp, index=False)
    write_json(metrics_path, split_counts(sets, p["data"].classes))


if __name__ == "__main__":
    main(*sys.argv[1:])
