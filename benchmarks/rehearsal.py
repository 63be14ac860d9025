"""The paper-size rehearsal: the synthetic corpus at CREMA-D's size and shape (91 actors, its 12
sentences, IEO at three levels: about 82 clips per actor, 480 x 360 video at 30 fps) through the
pipeline's stages, in a copy of the repository, one stage at a time, each with its wall time and
peak memory: the resident memory of the stage's whole process tree (DVC, the stage and its workers,
summed, sampled every 0.2 s) and of its largest process.

    .venv/bin/python benchmarks/rehearsal.py                        # every stage, about 3-4 h on 2 cores
    .venv/bin/python benchmarks/rehearsal.py --until preprocess     # corpus + preprocess only
    .venv/bin/python benchmarks/rehearsal.py --doc docs/benchmarks.md   # also write its block there
    .venv/bin/python benchmarks/rehearsal.py --resume               # go on where a stopped run ended
    .venv/bin/python benchmarks/rehearsal.py --again corpus         # re-measure a stage at today's code

Models keep their CPU sizes (params.yaml); what would take days on 2 cores is cut, and the table's
header names each cut (``CUTS``). A stage that fails ends the run; the table so far is still
printed, with the failure.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from avemo.report.render import replace_block  # noqa: E402  (the blocks the report commands fill)
SENTENCES = ["IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI"]
CREMA_D = {"corpus": {"n_actors": 91, "sentences": SENTENCES, "levels": ["LO", "MD", "HI"], "fps": 30,
                      "frame_size": 360, "frame_width": 480}}
# What the rehearsal cuts, against params.yaml, so that it ends within an afternoon on 2 cores.
CUTS = {"gan": {"epochs": 10, "pretrain_epochs": 3}, "corpus": {"ceiling_actors": 100}, "mrpn": {"epochs": 4}}
TINY = {"corpus": {"n_actors": 8, "sentences": ["TIE"], "frame_size": 160, "frame_width": 208, "workers": 1,
                   "ceiling_actors": 10},
        "preprocess": {"workers": 1},
        "split": {"units": 4, "s1_units": 1, "s2_units": 1, "s3_units": 1, "s4_units": 1, "pool_units": 0}}
PRESETS = {"crema-d": [CREMA_D, CUTS], "tiny": [TINY]}
OUTPUTS = ("metrics/", "plots/", "environment/", "results/", "reports/")
CODE = ("src", "stages")  # what --again brings up to date in the workdir
GIT = ["git", "-c", "user.name=rehearsal", "-c", "user.email=rehearsal@localhost"]  # the workdir's own commits
BEGIN, END = "<!-- rehearsal: begin -->", "<!-- rehearsal: end -->"


def head_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def load_record(workdir: Path) -> dict:
    """What a run in ``workdir`` has done so far: {"preset", "commit", "rows"} (rows written after each
    stage, so a run stopped by a session's end loses only the stage it was in)."""
    path = workdir / "rehearsal.json"
    if not path.exists():
        raise SystemExit(f"rehearsal: nothing to resume in {workdir} (no rehearsal.json)")
    return json.loads(path.read_text())


def save_record(workdir: Path, record: dict) -> None:
    (workdir / "rehearsal.json").write_text(json.dumps(record, indent=1) + "\n")


def copy_repository(workdir: Path, overrides: list[dict]) -> None:
    """The tracked files (no committed outputs) in ``workdir``, params.yaml with ``overrides``, as a
    new git repository, so DVC runs every stage from scratch."""
    if workdir.exists():
        shutil.rmtree(workdir)
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if name.startswith(OUTPUTS) or name == "dvc.lock" or not (ROOT / name).is_file():
            continue
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, workdir / name)
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    for override in overrides:
        for section, values in override.items():
            params[section].update(values)
    (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "rehearsal"]):
        subprocess.run(GIT + cmd, cwd=workdir, check=True)


def update_code(workdir: Path) -> None:
    """The workdir's code (``CODE``) replaced by this checkout's and committed there, so that a stage
    re-run with ``--again`` measures today's code on the run's data and params."""
    for folder in CODE:
        shutil.rmtree(workdir / folder, ignore_errors=True)
        shutil.copytree(ROOT / folder, workdir / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for cmd in (["add", "-A", *CODE], ["commit", "-qm", f"code at {head_commit()}", "--allow-empty"]):
        subprocess.run(GIT + cmd, cwd=workdir, check=True)


def stage_order(workdir: Path) -> list[str]:
    """Stages in the order `dvc repro` runs them (dvc.yaml lists them upstream first)."""
    return list(yaml.safe_load((workdir / "dvc.yaml").read_text())["stages"])


class PeakMemory:
    """Peak resident memory of a process and all its descendants while it runs: (tree, largest), bytes."""

    def __init__(self, pid: int, every: float = 0.2):
        self.root, self.every, self.tree, self.largest = psutil.Process(pid), every, 0, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for p in procs:
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
            if sizes:
                self.tree, self.largest = max(self.tree, sum(sizes)), max(self.largest, max(sizes))
            self.done.wait(self.every)

    def stop(self) -> tuple[int, int]:
        self.done.set()
        self.thread.join()
        return self.tree, self.largest


def run_stage(workdir: Path, stage: str, log, force: bool = False) -> dict:
    """`dvc repro -s stage` in ``workdir``: {stage, seconds, tree_gb, largest_gb, ok}."""
    start = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "dvc", "repro", "-s", *(["-f"] if force else []), stage],
                            cwd=workdir, stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, "PATH": f"{Path(sys.executable).parent}"
                                                                              f"{os.pathsep}{os.environ['PATH']}"})
    peak = PeakMemory(proc.pid)
    code = proc.wait()
    tree, largest = peak.stop()
    return {"stage": stage, "seconds": round(time.time() - start, 1), "tree_gb": tree / 2**30,
            "largest_gb": largest / 2**30, "ok": code == 0}


def clips(workdir: Path) -> str:
    """Clips the corpus wrote and preprocess kept, from their results."""
    out = []
    for stage, key in (("corpus", "clips"), ("preprocess", "kept")):
        path = workdir / "results" / stage / "results.json"
        if path.exists():
            value = json.loads(path.read_text()).get(key)
            out.append(f"{stage} {value}")
    return ", ".join(out)


def machine() -> str:
    """The CPU's model name, its cores and memory: a timing names its machine."""
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
             if line.startswith("model name")]
    return f"{names[0] if names else platform.machine()}, {os.cpu_count()} cores, " \
           f"{psutil.virtual_memory().total / 2**30:.0f} GiB"


def on_device(workdir: Path, stage: str) -> bool:
    """Whether the stage's torch work follows ``train.device`` (its script resolves the device to use
    it, not only to check it), so a GPU would take it over; the others (media, dlib, tables) stay on
    the CPU wherever they run."""
    script = workdir / "stages" / f"{stage}.py"
    text = script.read_text() if script.exists() else ""
    return re.search(r"=\s*(resolve_device|start|start_parallel)\(", text) is not None


def table(rows: list[dict], preset: str, workdir: Path, commit: str, pending: list[str] = ()) -> str:
    cuts = "; ".join(f"{s}.{k}={v}" for o in PRESETS[preset][1:] for s, vals in o.items() for k, v in vals.items())
    total = sum(r["seconds"] for r in rows)
    lines = [f"Preset `{preset}` at commit {commit} on {machine()}; clips: {clips(workdir) or 'n/a'}; "
             f"cut for the CPU: {cuts or 'nothing'}.", "",
             "| stage | wall (s) | share | peak RSS, all processes (GB) | peak RSS, largest process (GB) | "
             "torch on train.device |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        status = ("" if r["ok"] else " (failed)") + (f" (re-run at {r['commit']})" if "commit" in r else "")
        lines.append(f"| {r['stage']}{status} | {r['seconds']:.1f} | {r['seconds'] / total:.0%} | "
                     f"{r['tree_gb']:.2f} | {r['largest_gb']:.2f} | {'yes' if on_device(workdir, r['stage']) else ''} |")
    device_share = sum(r["seconds"] for r in rows if on_device(workdir, r["stage"])) / total
    lines.append(f"| total | {total:.1f} | 100% | {max(r['tree_gb'] for r in rows):.2f} | "
                 f"{max(r['largest_gb'] for r in rows):.2f} | {device_share:.0%} of the time |")
    if pending:
        lines += ["", f"Not yet run: {', '.join(pending)} (`--resume` goes on)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="crema-d")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/avemo-rehearsal"))
    parser.add_argument("--until", help="last stage to run (default: every stage)")
    parser.add_argument("--doc", type=Path, help="also write the table into this file's rehearsal block")
    parser.add_argument("--resume", action="store_true",
                        help="keep the workdir and the stages it finished; run the rest (the preset and commit "
                             "are the first run's)")
    parser.add_argument("--again", nargs="+", metavar="STAGE",
                        help="re-run these finished stages with this checkout's code (src/, stages/) on the run's "
                             "data, replacing their rows; the table names the commit each re-run row ran at")
    args = parser.parse_args(argv)
    if args.again:
        return again(args.workdir, args.again, args.doc)
    if args.resume:
        record = load_record(args.workdir)
    else:
        copy_repository(args.workdir, PRESETS[args.preset])
        record = {"preset": args.preset, "commit": head_commit(), "rows": []}
        save_record(args.workdir, record)
    rows = [r for r in record["rows"] if r["ok"]]
    stages = stage_order(args.workdir)
    if args.until:
        if args.until not in stages:
            raise SystemExit(f"rehearsal: no stage {args.until} (stages: {', '.join(stages)})")
        stages = stages[: stages.index(args.until) + 1]
    done = {r["stage"] for r in rows}
    with open(args.workdir / "rehearsal.log", "a") as log:
        for stage in (s for s in stages if s not in done):
            rows.append(run_stage(args.workdir, stage, log))
            save_record(args.workdir, {**record, "rows": rows})
            print(f"{stage}: {rows[-1]['seconds']:.1f} s, {rows[-1]['tree_gb']:.2f} GB", flush=True)
            if not rows[-1]["ok"]:
                break
    return report(args.workdir, {**record, "rows": rows}, args.doc)


def again(workdir: Path, stages: list[str], doc: Path | None) -> list[dict]:
    """Re-measure finished stages after a fix: today's code in the workdir, each stage forced to run,
    its row replaced (marked with today's commit). A re-run stage whose outputs change leaves the rows
    of the stages after it measured on its old outputs."""
    record = load_record(workdir)
    unknown = [s for s in stages if s not in {r["stage"] for r in record["rows"]}]
    if unknown:
        raise SystemExit(f"rehearsal: --again needs finished stages; not run yet: {', '.join(unknown)}")
    update_code(workdir)
    commit = head_commit()
    with open(workdir / "rehearsal.log", "a") as log:
        for stage in stages:
            row = {**run_stage(workdir, stage, log, force=True), "commit": commit}
            record["rows"] = [row if r["stage"] == stage else r for r in record["rows"]]
            save_record(workdir, record)
            print(f"{stage} again at {commit}: {row['seconds']:.1f} s, {row['tree_gb']:.2f} GB", flush=True)
            if not row["ok"]:
                break
    return report(workdir, record, doc)


def report(workdir: Path, record: dict, doc: Path | None) -> list[dict]:
    """Print the table (and write it into ``doc``'s block); the rows."""
    rows = record["rows"]
    finished = {r["stage"] for r in rows if r["ok"]}
    pending = [s for s in stage_order(workdir) if s not in finished]
    text = table(rows, record["preset"], workdir, record["commit"], pending)
    print(text, end="")
    if doc is not None:
        replace_block(doc, text, BEGIN, END)
    return rows


if __name__ == "__main__":
    main()
