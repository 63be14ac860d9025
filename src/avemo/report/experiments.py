"""What DVC stores about experiments, as plain records: ``dvc exp show --json`` for params and the
headline metrics, and each stage's results and per-clip tables read at the experiment's commit
(``dvc.api.read``).

Experiments run before results had a folder of their own kept every number in ``metrics/<name>.json``;
the results of the current layout are read under the same names (``RESULTS``), so both kinds pool
in one report."""
from __future__ import annotations

import io
import json
import subprocess
import time
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


# results file -> the name its numbers go by (the metrics file the older layout kept them in)
RESULTS = {"results/corpus/results.json": "corpus", "results/preprocess/results.json": "preprocess",
           "results/split/results.json": "split", "results/train_face_classifier/results.json": "face_classifier",
           "results/train_audio_classifier/results.json": "audio_classifier",
           "results/calibrate/results.json": "conformal",
           "results/train_temporal_encoder/results.json": "temporal_encoder",
           "results/pretrain_gan/results.json": "pretrain_gan", "results/train_gan/results.json": "train_gan",
           "results/generate/results.json": "generate", "results/evaluate_generation/results.json": "generation",
           "results/evaluate_augmented/results.json": "augmented",
           "results/evaluate_references/results.json": "references",
           "results/learning_curve/results.json": "learning_curve", "results/face_study/results.json": "face_study",
           "results/train_mrpn/results.json": "mrpn"}

UNFINISHED = {"queued", "running", "failed"}  # DVC's executor states of experiments without results


def parse_exp_show(rows: list, include_baseline: bool = False) -> list[Experiment]:
    """Experiments of ``dvc exp show --json`` output (every baseline commit in it), oldest first;
    the baseline commits themselves too when ``include_baseline``. Failed, queued and running
    experiments are skipped: DVC lists them with the baseline's params and metrics, not their own."""
    out = []
    for row in reversed(rows):  # DVC lists the newest commit first
        if row.get("rev") == "workspace":
            continue
        if include_baseline:
            out.append(_record(row, row.get("name")))
        for exp in reversed(row.get("experiments") or []):  # DVC lists the newest first
            if ((exp.get("executor") or {}).get("state")) in UNFINISHED:
                continue
            for rev in exp.get("revs") or []:
                out.append(_record(rev, rev.get("name") or exp.get("name")))
    return [e for e in out if e is not None]


def baseline_params(rows: list, rev: str | None = None) -> dict:
    """The params of baseline commit ``rev`` in ``dvc exp show --json`` output (flat; with
    ``--all-commits`` the output also holds other branches' commits), or of the first one without
    ``rev``; {} when there is none."""
    for row in rows:
        if rev is not None and row.get("rev") != rev:
            continue
        if row.get("rev") != "workspace" and (row.get("data") or {}).get("params"):
            return flatten(row["data"]["params"].get("params.yaml", {}).get("data", {}))
    return {}


def exp_show(all_commits: bool = False, cwd: str = ".", attempts: int = 3, rev: str | None = None,
             num: int = 1) -> list[dict]:
    """``dvc exp show --json`` (of HEAD, of every commit, or of commit ``rev``, and of the ``num`` - 1
    commits before it: a study queued on commits since left behind). While a queued experiment is
    being committed DVC may fail to read the repository for a moment, so it is tried ``attempts``
    times; then one line with DVC's error."""
    cmd = (["dvc", "exp", "show", "--json"] + (["--all-commits"] if all_commits else [])
           + (["--rev", rev] if rev else []) + (["--num", str(num)] if num != 1 else []))
    for attempt in range(attempts):
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if done.returncode == 0:
            return json.loads(done.stdout)
        time.sleep(2.0 * (attempt + 1))
    last = (done.stderr.strip().splitlines() or ["no message"])[-1]
    raise SystemExit(f"avemo report: `{' '.join(cmd)}` failed: {last}")


def commits_between(since: str, rev: str = "HEAD", cwd: str = ".") -> int:
    """How many commits ``dvc exp show --rev REV --num N`` must read to reach back to ``since``:
    both ends included (a study queued on ``since`` and continued on later commits). One line when
    ``since`` is not an ancestor of ``rev``."""
    ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", since, rev], cwd=cwd, capture_output=True)
    if ancestor.returncode != 0:
        raise SystemExit(f"avemo report: --since {since} is not a commit before {rev}")
    done = subprocess.run(["git", "rev-list", "--count", "--first-parent", f"{since}..{rev}"], cwd=cwd,
                          capture_output=True, text=True, check=True)
    return int(done.stdout) + 1


def head_rev(cwd: str = ".", rev: str = "HEAD") -> str | None:
    """The commit checked out in ``cwd``, or ``rev``'s (the committed params the report labels variants against)."""
    done = subprocess.run(["git", "rev-parse", rev], cwd=cwd, capture_output=True, text=True)
    return done.stdout.strip() or None if done.returncode == 0 else None


def _reader(cwd: str, rev: str):
    """A function path -> text (None where the commit lacks it) over one commit's DVC and Git files.
    One filesystem per commit: ``dvc.api.read`` would parse the commit's dvc.yaml and dvc.lock again
    for every file (about 2 s each on 2 cores)."""
    from dvc.api import DVCFileSystem

    fs = DVCFileSystem(cwd, rev=rev)

    def read(path: str) -> str | None:
        try:
            return fs.read_text(path)
        except Exception:  # noqa: BLE001  an experiment without the file: reported as missing by the tables
            return None

    return read


def read_files(experiments: list[Experiment], tables: tuple[tuple[str, ...], ...], cwd: str = ".") -> None:
    """Each experiment's stage results into ``Experiment.metrics`` (as ``<name>.<key>``), and into
    ``Experiment.files`` the text of each table: the first path of its tuple that the experiment's
    commit holds (the current layout's, then the older one's), stored under the first."""
    for exp in experiments:
        read = _reader(cwd, exp.rev)
        for path, name in RESULTS.items():
            text = read(path)
            if text is not None:
                exp.metrics.update({f"{name}.{k}": v for k, v in flatten(json.loads(text)).items()})
        for places in tables:
            text = next((t for t in map(read, places) if t is not None), None)
            if text is not None:
                exp.files[places[0]] = text


def clip_table(exp: Experiment, path: str) -> pd.DataFrame | None:
    text = exp.files.get(path)
    return None if text is None else pd.read_csv(io.StringIO(text))
