"""DVC stage: actor-disjoint, sex- and class-balanced S1-S4 sets."""
import pandas as pd

from avemo.atomic import atomic_path
from avemo.config.core import build, load_params
from avemo.config.data import DataParams
from avemo.config.split import SplitParams
from avemo.data.splits import SplitSpec, assign_sets, split_counts
from avemo.stage import run, write_results

INPUTS = {"processed": "preprocessed clips (clips.csv is read)"}
OUTPUTS = {"splits": "clip -> set table (CSV)", "results": "folder: results.json (clips and actors per set and class)"}


def main(args) -> None:
    p = load_params(args.params, DataParams, SplitParams)
    sets = assign_sets(pd.read_csv(f"{args.processed}/clips.csv"), build(SplitSpec, p["split"]))
    with atomic_path(args.splits) as tmp:
        sets.to_csv(tmp, index=False)
    write_results(args, "split", split_counts(sets, p["data"].classes))


if __name__ == "__main__":
    run(main, __doc__, INPUTS, OUTPUTS)
