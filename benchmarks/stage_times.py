"""Wall time per stage of a DVC run, from DVC's own "Running stage" lines: run the command given after
``--`` (``dvc repro``, ``dvc exp run ...``) and time each stage until the next one starts, or read a
log saved earlier by this script (``--log``; one "<unix seconds> <line>" per line).

    .venv/bin/python benchmarks/stage_times.py -- dvc repro
    .venv/bin/python benchmarks/stage_times.py --save run.log -- dvc exp run -S split.fold=1
    .venv/bin/python benchmarks/stage_times.py --log run.log [--log other.log]   # several: side by side

Stages DVC restored or skipped are listed as such with no time. The table gives seconds and each
stage's share of the run; with two logs, the second's ratio to the first.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

RUNNING = re.compile(r"Running stage '([^']+)'")
SKIPPED = re.compile(r"Stage '([^']+)' (didn't change, skipping|is cached - skipping run.*)")
DONE = re.compile(r"Updating lock file|exit -?\d+$")  # DVC's line after each stage, and the run's end


def timestamped(command: list[str], save: Path | None) -> list[tuple[float, str]]:
    """Run ``command``, echoing its output, and return its lines with the time each was read."""
    lines = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append((time.time(), line.rstrip("\n")))
    lines.append((time.time(), f"exit {proc.returncode}"))
    if save is not None:
        save.write_text("".join(f"{t:.1f} {text}\n" for t, text in lines))
    return lines


def read_log(path: Path) -> list[tuple[float, str]]:
    out = []
    for raw in path.read_text().splitlines():
        stamp, _, text = raw.partition(" ")
        try:
            out.append((float(stamp), text))
        except ValueError:
            continue
    return out


def stage_times(lines: list[tuple[float, str]]) -> dict[str, float | str]:
    """{stage: seconds} for stages that ran (until DVC updates the lock file, the next stage starts or
    the log ends), and {stage: "restored"/"unchanged"} for the ones DVC did not run."""
    out, current, started = {}, None, None
    for t, text in lines:
        ran, skipped = RUNNING.search(text), SKIPPED.search(text)
        if (ran or skipped or DONE.search(text)) and current is not None:
            out[current], current = round(t - started, 1), None
        if ran:
            current, started = ran.group(1), t
        elif skipped:
            out[skipped.group(1)] = "restored" if "cached" in skipped.group(2) else "unchanged"
    if current is not None:
        out[current] = round(lines[-1][0] - started, 1)
    return out


def table(runs: list[dict], names: list[str]) -> str:
    stages = list(dict.fromkeys(s for run in runs for s in run))
    totals = [sum(v for v in run.values() if isinstance(v, float)) for run in runs]
    head = "| stage | " + " | ".join(f"{n} (s) | share" for n in names) + (" | ratio |" if len(runs) == 2 else " |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for stage in stages + ["total"]:
        cells = []
        values = [run.get(stage, "") if stage != "total" else total for run, total in zip(runs, totals)]
        for value, total in zip(values, totals):
            cells += [f"{value:.1f}", f"{value / total:.0%}"] if isinstance(value, float) else [str(value), ""]
        if len(runs) == 2:
            a, b = values
            cells.append(f"{b / a:.2f}x" if isinstance(a, float) and isinstance(b, float) and a > 0 else "")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log", type=Path, action="append", default=[], help="a log saved by --save")
    parser.add_argument("--save", type=Path, help="keep the run's timestamped log here")
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    runs, names = [], []
    for path in args.log:
        runs.append(stage_times(read_log(path)))
        names.append(path.stem)
    if command:
        runs.append(stage_times(timestamped(command, args.save)))
        names.append("this run")
    if not runs:
        parser.error("give a command after -- or at least one --log")
    print(table(runs, names))


if __name__ == "__main__":
    main()
