"""MLflow run tracking shared by every training stage (docs/design.md, "Stages").

The store is ``sqlite:///<project>/mlflow.db`` unless ``MLFLOW_TRACKING_URI`` is set. Runs started by
``dvc exp run --queue`` / ``--temp`` execute in a temporary copy under ``<project>/.dvc/tmp/exps``;
their store is resolved to the original project so that every run lands in one place. Each run is
tagged with the git revision and the DVC experiment name when there is one.
"""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def project_root(cwd: str | Path) -> Path:
    """The user's project folder, also from inside a DVC experiment's temporary copy."""
    cwd = Path(cwd).resolve()
    parts = cwd.parts
    for i in range(len(parts) - 2):
        if parts[i : i + 3] == (".dvc", "tmp", "exps"):
            return Path(*parts[:i])
    return cwd


def tracking_uri(cwd: str | Path, env: dict | None = None) -> str:
    env = os.environ if env is None else env
    if env.get("MLFLOW_TRACKING_URI"):
        return env["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{project_root(cwd) / 'mlflow.db'}"


def run_tags(cwd: str | Path, env: dict | None = None) -> dict[str, str]:
    """``git_revision`` (and ``dvc_baseline``, ``dvc_experiment`` inside a DVC experiment)."""
    env = os.environ if env is None else env
    tags = {}
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True)
    if rev.returncode == 0:
        tags["git_revision"] = rev.stdout.strip()
    if env.get("DVC_EXP_BASELINE_REV"):
        tags["dvc_baseline"] = env["DVC_EXP_BASELINE_REV"]
    if env.get("DVC_EXP_NAME"):
        tags["dvc_experiment"] = env["DVC_EXP_NAME"]
    return tags


@contextmanager
def mlflow_run(experiment: str, run_name: str, params: dict, cwd: str | Path = ".",
               environment: dict | None = None) -> Iterator[object]:
    """Start an MLflow run in the project's store with params, git/DVC tags and the environment
    (``env.<name>`` tags) logged; yields ``mlflow``."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri(cwd))
    mlflow.set_experiment(experiment)
    tags = {**run_tags(cwd), **{f"env.{k}": str(v) for k, v in (environment or {}).items()}}
    with mlflow.start_run(run_name=run_name, tags=tags):
        mlflow.log_params({k: str(v) for k, v in params.items()})
        yield mlflow


def epoch_logger(mlflow):
    """``on_epoch(epoch, row)`` callback for the training loops: the row's numbers at step ``epoch``."""
    return lambda epoch, row: mlflow.log_metrics(row, step=epoch)
