"""A study's finished experiments kept in the repository: what the report reads of each (params,
headline metrics, stage results and per-clip tables), so that a study longer than one machine's
lease goes on elsewhere and is reported whole.

DVC keeps an experiment as a Git ref plus outputs in its cache; ``dvc exp push <git remote>`` moves
both to a shared remote, and that is the way to share experiments between machines that have one. A
ledger is for the rest: it is one small file (gzip JSON, a few kB per experiment) committed beside the
report, read back by ``avemo report collect --ledger`` and by ``avemo report queue --ledger``, which
queues only the folds the ledger does not hold yet."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from .experiments import Experiment
from .tables import parse_settings


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _record(exp: Experiment) -> dict:
    return {"name": exp.name, "rev": exp.rev, "params": {k: _plain(v) for k, v in exp.params.items()},
            "metrics": exp.metrics, "files": exp.files}


def _experiment(record: dict) -> Experiment:
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in record["params"].items()}
    return Experiment(record["name"], record["rev"], params, record["metrics"], record.get("files", {}))


def load(path: Path) -> list[Experiment]:
    """The experiments kept in ``path``, oldest first; [] when there is no ledger yet."""
    if not path.exists():
        return []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [_experiment(r) for r in json.load(f)["experiments"]]


def save(path: Path, experiments: list[Experiment]) -> None:
    """Write ``experiments`` to ``path``; the same experiments give the same bytes (no gzip time stamp),
    so a collect that adds nothing leaves the committed file unchanged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"experiments": [_record(e) for e in experiments]}, sort_keys=True, indent=0)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def merge(kept: list[Experiment], new: list[Experiment]) -> list[Experiment]:
    """The ledger's experiments, then the new ones it lacks (one experiment = one commit and name),
    oldest first as the report expects: a fold run again later replaces the older run."""
    seen = {(e.rev, e.name) for e in kept}
    return kept + [e for e in new if (e.rev, e.name) not in seen]


def holds(experiments: list[Experiment], settings: str, fold: int) -> bool:
    """Whether one of ``experiments`` ran ``fold`` with every param of ``settings`` ("key=value ...")."""
    wanted = {**parse_settings(settings), "split.fold": fold}
    return any(all(e.params.get(k) == v for k, v in wanted.items()) for e in experiments)
