"""MLflow run tracking shared by the stages (docs/design.md, "Stages").

The store is ``sqlite:///<project>/mlflow.db`` unless ``MLFLOW_TRACKING_URI`` is set. Runs started by
``dvc exp run --queue`` / ``--temp`` execute in a temporary copy under ``<project>/.dvc/tmp/exps``;
their store is resolved to the original project so that every run lands in one place. Each run is
tagged with the git revision, the DVC experiment name when there is one, the environment, and the
host and process that ran it.

Every run logs the whole of ``params.yaml`` (flattened ``section.key``), so runs of different
variants are told apart by what defines them, and is named by its stage and variant (the params that
differ from the committed ``params.yaml``), and its DVC experiment when it runs in one. Final results
are logged under ``result.<key>`` (curves keep their own keys and steps).

Artifacts go to ``<project>/mlruns``, and runs point there with MLflow's proxied-artifact URIs
(``mlflow-artifacts:/<experiment>/<run>/artifacts``), which name no folder: the UI started as the
README says (``--artifacts-destination ./mlruns`` in the project) serves them from the project it runs
in, so a copied or moved project opens its own artifacts. Experiments are marked as model-training
experiments (MLflow 3's UI otherwise asks, or opens runs in its GenAI view).

Offline and safe under concurrency: MLflow's telemetry is switched off before mlflow is imported
(nothing contacts a server); a SQLite store is created and migrated under a file lock, so several
stages starting at once (``dvc queue start -j 2``) cannot corrupt it; a run whose process died
without ending it (SIGKILL, power loss) is marked KILLED by the next run on the same host.
"""
from __future__ import annotations

import os
import socket
import subprocess
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from .atomic import pid_alive

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"  # before any import of mlflow


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


def store_lock(uri: str):
    """A file lock beside a SQLite store (creating and migrating it is not safe concurrently)."""
    if not uri.startswith("sqlite:///"):
        return nullcontext()
    from filelock import FileLock

    return FileLock(uri.removeprefix("sqlite:///") + ".lock")


def mark_dead_runs_killed(client, experiment_id: str) -> list[str]:
    """Runs of this host still RUNNING whose process is gone: set KILLED. Returns their ids."""
    runs = client.search_runs([experiment_id], filter_string=f"attributes.status = 'RUNNING' and "
                                                             f"tags.host = '{socket.gethostname()}'")
    dead = [r.info.run_id for r in runs if r.data.tags.get("pid", "").isdigit() and not pid_alive(int(r.data.tags["pid"]))]
    for run_id in dead:
        client.set_terminated(run_id, status="KILLED")
    return dead


class _NoRun:
    """Stands in for mlflow on the ranks > 0 of a data-parallel stage: logs nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def flat_params(path: str | Path) -> dict[str, str]:
    """Every key of a params file as ``section.key`` -> value (empty when there is no such file)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text()) or {}
    return {f"{section}.{key}": str(value) for section, keys in raw.items() if isinstance(keys, dict)
            for key, value in keys.items()}


ARTIFACTS = "mlruns"  # the project's artifact folder: what `mlflow ui --artifacts-destination` serves
PROXIED = "mlflow-artifacts:/"
KIND = {"mlflow.experimentKind": "custom_model_development"}  # MLflow 3's model-training experiments


def project_experiment(client, name: str) -> str:
    """The id of experiment ``name``, its artifacts at ``mlflow-artifacts:/<name>`` (relative to the
    project's artifact folder) and marked as a model-training experiment. One of an older store whose
    artifact location is an absolute folder is renamed aside ("<name> (artifacts at <folder>)"): its
    runs keep their artifacts, and new runs never write outside this project."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.artifact_location.startswith(PROXIED):
            for key, value in KIND.items():
                if found.tags.get(key) != value:
                    client.set_experiment_tag(found.experiment_id, key, value)
            return found.experiment_id
        client.rename_experiment(found.experiment_id, f"{name} (artifacts at {found.artifact_location})")
    return client.create_experiment(name, artifact_location=f"{PROXIED}{name}", tags=KIND)


def artifact_folder(artifact_uri: str, root: Path) -> Path:
    """The folder of the project at ``root`` that holds a run's proxied artifacts."""
    return root / ARTIFACTS / artifact_uri.removeprefix(PROXIED)


def log_artifact_folder(mlflow, folder: str | Path, artifact_path: str) -> None:
    """Log a folder's files as the active run's artifacts: written straight into the artifact folder
    beside the project's SQLite store (no server runs while a stage does), or through MLflow when the
    store resolves its own artifacts (a tracking server in MLFLOW_TRACKING_URI)."""
    run = mlflow.active_run()
    if run is None:  # a rank > 0 of a data-parallel stage (_NoRun)
        return
    uri, store = run.info.artifact_uri, mlflow.get_tracking_uri()
    if not uri.startswith(PROXIED) or not store.startswith("sqlite:///"):
        mlflow.log_artifacts(str(folder), artifact_path=artifact_path)
        return
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    root = Path(store.removeprefix("sqlite:///")).parent
    LocalArtifactRepository(str(artifact_folder(uri, root))).log_artifacts(str(folder), artifact_path)


def changed_params(cwd: str | Path, params_file: str | Path) -> dict[str, str]:
    """The keys of ``params_file`` whose values differ from the committed file's (git HEAD; inside a
    DVC experiment, its baseline): what makes this run a variant. Empty without git."""
    import yaml

    committed = subprocess.run(["git", "show", f"HEAD:{Path(params_file).as_posix()}"], cwd=cwd, capture_output=True,
                               text=True)
    if committed.returncode != 0:
        return {}
    raw = yaml.safe_load(committed.stdout) or {}
    before = {f"{section}.{key}": str(value) for section, keys in raw.items() if isinstance(keys, dict)
              for key, value in keys.items()}
    return {k: v for k, v in flat_params(Path(cwd) / params_file).items() if before.get(k) != v}


def run_name(stage: str, changed: dict[str, str], experiment: str | None) -> str:
    """``<stage>: <key=value, ...>`` (or ``committed params``), then ``(<DVC experiment>)`` when in one."""
    variant = ", ".join(f"{k}={v}" for k, v in sorted(changed.items())) or "committed params"
    name = f"{stage}: {variant}" + (f" ({experiment})" if experiment else "")
    return name if len(name) <= 250 else name[:247] + "..."  # MLflow's run names are short


@contextmanager
def mlflow_run(experiment: str, stage: str, params: dict, cwd: str | Path = ".",
               environment: dict | None = None, enabled: bool = True,
               params_file: str | Path = "params.yaml") -> Iterator[object]:
    """Start an MLflow run of ``stage`` in the project's store with ``params`` and every key of
    ``params_file``, git/DVC tags and the environment (``env.<name>`` tags) logged, named by the stage
    and its variant (``run_name``); yields ``mlflow``. An exception (SIGTERM included, see
    ``avemo.stage.run``) ends the run as FAILED. ``enabled`` False yields a logger that does nothing."""
    if not enabled:
        yield _NoRun()
        return
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = tracking_uri(cwd)
    with store_lock(uri):
        mlflow.set_tracking_uri(uri)
        client = MlflowClient(uri)
        experiment_id = project_experiment(client, experiment)
        mark_dead_runs_killed(client, experiment_id)
    changed = changed_params(cwd, params_file)
    tags = {**run_tags(cwd), "host": socket.gethostname(), "pid": str(os.getpid()), "stage": stage,
            **{f"env.{k}": str(v) for k, v in (environment or {}).items()}}
    name = run_name(stage, changed, tags.get("dvc_experiment"))
    with mlflow.start_run(experiment_id=experiment_id, run_name=name, tags=tags):
        mlflow.log_params({**flat_params(Path(cwd) / params_file), **{k: str(v) for k, v in params.items()}})
        yield mlflow


def epoch_logger(mlflow):
    """``on_epoch(epoch, row)`` callback for the training loops: the row's numbers at step ``epoch``."""
    return lambda epoch, row: mlflow.log_metrics(row, step=epoch)


def log_results(mlflow, metrics: dict, figures: str | Path | None = None) -> None:
    """A stage's final numbers (the numeric entries of its results), as ``result.<key>`` so that a
    curve logged per epoch under ``<key>`` gets no extra point, and its figure folder."""
    mlflow.log_metrics({f"result.{k}": float(v) for k, v in metrics.items()
                        if isinstance(v, int | float) and not isinstance(v, bool)})
    if figures is not None and Path(figures).is_dir():
        log_artifact_folder(mlflow, figures, "plots")
