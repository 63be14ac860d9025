"""What DVC stores about experiments, as plain records: ``dvc exp show --json`` for params and
metrics, and per-clip result files read at each experiment's commit (``dvc.api.read``)."""
from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Experiment:
    name: str  # DVC's experiment name (or the baseline's branch / "workspace")
    rev: str  # commit holding the experiment's outputs
    params: dict  # flat "section.key" -> value
    metrics: dict  # flat "<metrics file stem>.<key>" -> value
    files: dict = field(default_factory=dict)  # repository path -> text, filled by ``read_files``


def flatten(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = tuple(value) if isinstance(value, list) else value
    return out


def _record(entry: dict, name: str | None) -> Experiment | None:
    data = entry.get("data") or {}
    if entry.get("error") or not data.get("params"):
        return None
    params = flatten(data["params"].get("params.yaml", {}).get("data", {}))
    metrics = {}
    for path, content in (data.get("metrics") or {}).items():
        stem = path.rsplit("/", 1)[-1].removesuffix(".json")
        metrics.update({f"{stem}.{k}": v for k, v in flatten(content.get("data") or {}).items()})
    return Experiment(name or entry["rev"], entry["rev"], params, metrics)


def parse_exp_show(rows: list, include_baseline: bool = False) -> list[Experiment]:
    """Experiments of ``dvc exp show --json`` output (every baseline commit in it); the baseline
    commits themselves too when ``include_baseline``. Failed or queued experiments are skipped."""
    out = []
    for row in rows:
        if row.get("rev") == "workspace":
            continue
        if include_baseline:
            out.append(_record(row, row.get("name")))
        for exp in row.get("experiments") or []:
            for rev in exp.get("revs") or []:
                out.append(_record(rev, rev.get("name") or exp.get("name")))
    return [e for e in out if e is not None]


def baseline_params(rows: list) -> dict:
    """The params of the first baseline commit in ``dvc exp show --json`` output (flat), or {}."""
    for row in rows:
        if row.get("rev") != "workspace" and (row.get("data") or {}).get("params"):
            return flatten(row["data"]["params"].get("params.yaml", {}).get("data", {}))
    return {}


def exp_show(all_commits: bool = False, cwd: str = ".") -> list[dict]:
    cmd = ["dvc", "exp", "show", "--json"] + (["--all-commits"] if all_commits else [])
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def read_files(experiments: list[Experiment], paths: tuple[str, ...], cwd: str = ".") -> None:
    """Fill ``Experiment.files`` with the text of ``paths`` at each experiment's commit (missing: absent)."""
    import dvc.api

    for exp in experiments:
        for path in paths:
            try:
                exp.files[path] = dvc.api.read(path, repo=cwd, rev=exp.rev)
            except Exception:  # noqa: BLE001  an older experiment without the file: reported as missing
                continue


def clip_table(exp: Experiment, path: str) -> pd.DataFrame | None:
    text = exp.files.get(path)
    return None if text is None else pd.read_csv(io.StringIO(text))
