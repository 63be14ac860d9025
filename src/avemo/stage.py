"""What every stage script shares: named path arguments with ``--help``, one-line errors instead of
tracebacks for problems the user can fix, and the record of the environment a stage ran in.

A stage script is ``main(args)`` plus ``run(main, DOC, inputs={...}, outputs={...})``; every path
it reads or writes is a named argument, so ``dvc.yaml`` shows them all and ``--help`` explains them.
"""
from __future__ import annotations

import argparse
import signal
import sys
import warnings
from pathlib import Path
from typing import Callable

from .atomic import write_json
from .errors import UserError
from .headline import headline
from .runinfo import environment, resolve_device, seed_everything


def parse_args(doc: str, inputs: dict[str, str], outputs: dict[str, str], argv: list[str] | None = None):
    """``--params`` plus one required ``--name`` per input and output path (``face_model`` -> ``--face-model``)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml", help="in: the params file (default: params.yaml)")
    for direction, paths in (("in", inputs), ("out", outputs)):
        for name, help_text in paths.items():
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True, metavar="PATH",
                                help=f"{direction}: {help_text}".replace("%", "%%"))  # argparse formats help
    return parser.parse_args(argv)


def _terminate(signum, frame) -> None:
    """SIGTERM (``dvc queue kill``, a scheduler) unwinds like Ctrl-C: temporary files are removed and
    the MLflow run is marked as failed instead of staying RUNNING."""
    raise SystemExit(128 + signum)


def run(main: Callable[[argparse.Namespace], None], doc: str, inputs: dict[str, str], outputs: dict[str, str],
        argv: list[str] | None = None) -> None:
    """Parse the arguments and run ``main``; a user error exits 2 with one line per problem naming
    the stage, and warnings print as one line each."""
    name = Path(sys.argv[0]).stem
    args = parse_args(doc, inputs, outputs, argv)
    warnings.showwarning = lambda message, *_, **__: print(f"{name}: warning: {message}", file=sys.stderr)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        main(args)
    except UserError as err:
        for line in str(err).splitlines():  # params: one line per problem
            print(f"{name}: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def write_results(args: argparse.Namespace, stage: str, results: dict) -> None:
    """Everything ``stage`` measured to ``<args.results>/results.json``, and its headline numbers
    (``avemo.headline``) to ``args.metrics`` when the stage declares a metrics file."""
    write_json(Path(args.results) / "results.json", results)
    if getattr(args, "metrics", None):
        write_json(args.metrics, headline(stage, results))


def write_environment(path: str | Path, device: str = "cpu") -> dict:
    """Package versions, Python, machine and device: a file of its own (not a metric), also logged
    to MLflow by training stages."""
    env = environment(device)
    write_json(path, env)
    return env


def start(seed: int, device: str, environment_path: str | Path) -> tuple[str, dict]:
    """What a training stage does first: seed numpy, torch and random, resolve ``train.device``,
    record the environment. Returns (device, environment)."""
    seed_everything(seed)
    resolved = resolve_device(device)
    return resolved, write_environment(environment_path, resolved)


def start_parallel(seed: int, device: str, processes: int, environment_path: str | Path):
    """``start`` for a stage that can train data-parallel (``train.processes``). Called by the user's
    command with processes > 1, it runs the same command under torchrun and returns None once those
    processes are done; inside torchrun it joins the process group. Otherwise (device, environment,
    world); only rank 0 records the environment (and writes outputs)."""
    from .training.distributed import init, launched_by_torchrun, relaunch

    if processes > 1 and not launched_by_torchrun():
        code = relaunch(processes)
        if code:
            raise SystemExit(code)
        return None
    seed_everything(seed)
    world, resolved = init(resolve_device(device))
    env = write_environment(environment_path, resolved) if world.main else environment(resolved)
    return resolved, {**env, "processes": world.size}, world
