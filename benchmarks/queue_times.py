"""Wall time of a study's experiments, read from what DVC keeps: each finished experiment is a commit
under ``refs/exps`` whose time is when it ended, and the queue wrote its executor's info file
(``.dvc/tmp/exps/run/<task>/<task>.run``, which names the result ref) when it started it; the file's
birth time is the start. DVC's own work (copying the repository, committing the result) is included.
Where that file is gone or the filesystem keeps no birth time, the run is the time since the
previous experiment ended, which holds with one queue worker (``--jobs 1``) unless the queue stopped
in between: a gap longer than ``--max-gap`` is left out, and so is the first experiment of a study.

    .venv/bin/python benchmarks/queue_times.py --since 552dd4c --where "eval.seeds=3 gan.eval_every=0 classifier.precision=bf16"
    .venv/bin/python benchmarks/queue_times.py --since 552dd4c --where "..." --before 893   # ratio to an experiment that computes every stage
    .venv/bin/python benchmarks/queue_times.py --since f967b13 --until 5c95a44 --where "eval.seeds=3 gan.eval_every=0"   # the bf16 study

Rows are the study's variants (the params an experiment sets away from its commit's params.yaml,
leaving out the fold and the ``--where`` settings), in the order the queue ran them; ``--before``
(seconds per experiment, e.g. the "before" column of docs/benchmarks.md) adds each row's speed-up.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from avemo.report.experiments import flatten  # noqa: E402
from avemo.report.tables import matching, parse_settings  # noqa: E402


@dataclass
class Finished:
    name: str  # DVC's experiment name
    end: int  # unix seconds of its commit
    params: dict  # flat params.yaml of the experiment
    baseline: dict  # flat params.yaml of the commit it was queued on
    seconds: float | None = None  # its run's wall time (None: unknown)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def params_at(rev: str) -> dict:
    return flatten(yaml.safe_load(git("show", f"{rev}:params.yaml")) or {})


def finished_experiments(since: str, until: str = "HEAD") -> list[Finished]:
    """Every experiment queued on ``since`` or a later commit up to ``until``, oldest end first."""
    commits = set(git("rev-list", until, "--not", f"{since}^@").split())
    baselines: dict[str, dict] = {}
    out = []
    for line in git("for-each-ref", "--format=%(committerdate:unix) %(refname)", "refs/exps").splitlines():
        end, ref = line.split(" ", 1)
        parts = ref.split("/")  # refs/exps/<2 hex>/<38 hex>/<name>
        if len(parts) != 5:
            continue  # the queue's own refs (celery stash, runs)
        commit = parts[2] + parts[3]
        if commit not in commits:
            continue
        if commit not in baselines:
            baselines[commit] = params_at(commit)
        out.append(Finished(parts[4], int(end), params_at(ref), baselines[commit]))
    return sorted(out, key=lambda e: e.end)


def start_times(run_dir: Path = Path(".dvc/tmp/exps/run")) -> dict[str, int]:
    """Experiment name -> unix seconds its executor started (birth time of its info file)."""
    out = {}
    for info in run_dir.glob("*/*.run"):
        try:
            name = json.loads(info.read_text())["name"]
        except (OSError, ValueError, KeyError):
            continue
        born = int(subprocess.run(["stat", "-c", "%W", str(info)], capture_output=True, text=True).stdout or 0)
        if born > 0:
            out[name] = born
    return out


def time_runs(experiments: list[Finished], starts: dict[str, int], max_gap: float) -> None:
    """Each experiment's run: from its start when known, else since the one before it ended (unless
    the gap means the queue stopped)."""
    previous_end = None
    for exp in experiments:
        exp.seconds = None
        if exp.name in starts and starts[exp.name] <= exp.end:
            exp.seconds = exp.end - starts[exp.name]
        elif previous_end is not None and exp.end - previous_end <= max_gap:
            exp.seconds = exp.end - previous_end
        previous_end = exp.end


def variant(exp: Finished, ignore: set[str]) -> str:
    changed = [f"{k}={v}" for k, v in exp.params.items()
               if k not in ignore and exp.baseline.get(k) != v]
    return " ".join(changed) or "default"  # the report's name for the row of the committed params


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--since", default="HEAD", help="the commit the study was first queued on")
    ap.add_argument("--until", default="HEAD", help="the last commit the study was queued on")
    ap.add_argument("--where", default="", help="the study's --set: only experiments that set all of these")
    ap.add_argument("--max-gap", type=float, default=3600.0, help="seconds; a longer gap is a stop of the queue")
    ap.add_argument("--before", type=float, help="seconds per experiment to compare against (ratio column)")
    args = ap.parse_args(argv)

    where = parse_settings(args.where)
    every = finished_experiments(args.since, args.until)
    time_runs(every, start_times(), args.max_gap)  # over every experiment: another study's run also ends an interval
    study = matching(every, where)
    if not study:
        raise SystemExit("queue_times: no finished experiment matches")

    ignore = {"split.fold", *where}
    rows: dict[str, list[Finished]] = {}
    for exp in study:
        rows.setdefault(variant(exp, ignore), []).append(exp)

    ratio = args.before is not None
    print("| variant | experiments | timed | median min | total min |" + (" vs before |" if ratio else ""))
    print("|---|---|---|---|---|" + ("---|" if ratio else ""))
    timed_all = []
    for label, exps in rows.items():
        timed = [e.seconds for e in exps if e.seconds is not None]
        timed_all += timed
        median = statistics.median(timed) if timed else None
        cells = [label, str(len(exps)), str(len(timed)),
                 f"{median / 60:.1f}" if median else "", f"{sum(timed) / 60:.1f}"]
        if ratio:
            cells.append(f"{args.before / median:.2f}x" if median else "")
        print("| " + " | ".join(cells) + " |")
    untimed = sum(1 for e in study if e.seconds is None)
    first = min((e.end - e.seconds for e in study if e.seconds is not None), default=study[0].end)
    span = (study[-1].end - first) / 60
    print(f"\n{len(study)} experiments; their runs sum to {sum(timed_all) / 60:.1f} min "
          f"({sum(timed_all) / 3600:.2f} h); first start to last end {span:.1f} min; "
          f"{untimed} not timed (no start known).")


if __name__ == "__main__":
    main()
