"""``avemo report``: queue actor folds of each variant as DVC experiments, run them, and build the
tables from what DVC stores.

    avemo report queue --folds 6 --variant gan.condition=label --variant "gan.loss=wasserstein gan.n_critic=5"
    avemo report run --folds 6 --variant ...       # queue, `dvc queue start`, wait
    avemo report queue --folds 8 --start-fold 5 --set eval.seeds=3 --variant ...   # folds 5-7 only, every row with 3 seeds
    avemo report wait --jobs 1     # a study queued before: start the workers, wait, restart them if DVC's worker dies
    avemo report collect [--results docs/results.md]   # reports/tables.{md,json,png} (and the block in the results doc)
    avemo report collect --since c487847   # a study queued over several commits: HEAD's experiments and every earlier one's back to c487847
    avemo report collect --since c487847 --where "eval.seeds=3 classifier.min_epochs=20"   # only that study's experiments
    avemo report mrpn --since c487847 --where "mrpn.epochs=8" [--results docs/results.md]   # MRPN over seeds
    avemo report faces --since <commit> [--results docs/results.md]   # face_study pooled over folds
    avemo report summary [--readme README.md] [--results docs/results.md]   # the tables of one dvc repro
    avemo report splits [--datasets docs/datasets.md]   # actors per set on CREMA-D, RAVDESS and data.root's dataset
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from .experiments import baseline_params, commits_between, exp_show, head_rev, parse_exp_show, read_files
from . import designs, faces, ledger, mrpn, summary
from .render import markers, readme_headline, replace_block, write_report
from .tables import (CLIPS_PLACES, CURVE_PLACES, common_settings, compare_to, fill_added_params, group,
                     matching, one_param_contrasts, parse_settings, summarise)


# The stages whose results the report reads; `dvc exp run` with these targets runs them and what they
# need, and skips train_mrpn and face_study, which no fold table reads.
REPORT_STAGES = ("evaluate_augmented", "evaluate_generation", "learning_curve")


def queue(folds: int, variants: list[str], cwd: str = ".", start_fold: int = 0, common: str = "",
          targets: tuple[str, ...] = REPORT_STAGES, by_fold: bool = False,
          done: list | None = None) -> list[list[str]]:
    """``dvc exp run --queue`` for each variant over ``split.fold`` = start_fold .. folds-1, each with
    the ``common`` overrides too (e.g. ``eval.seeds=3`` for every row), running ``targets`` and their
    upstream stages (every stage when empty); returns the commands.

    Variant by variant (one command per variant over the fold range), or with ``by_fold`` fold by fold
    (every variant of fold 0, then of fold 1, ...): a study cut short then leaves whole folds, each
    variant paired with the others. Either way a fold's shared stages (classifiers, calibration,
    references) are done and in DVC's run cache before its next variant starts, which then restores
    them. The folds a ledger's ``done`` experiments already ran (same params) are not queued again."""
    if not 0 <= start_fold < folds:
        raise SystemExit(f"avemo report: --start-fold {start_fold} must lie in 0 .. {folds - 1}")
    rows, fold_range = variants or [""], range(start_fold, folds)
    if by_fold or done:  # one experiment per (fold, variant): fold-major, or each variant over the folds it lacks
        pairs = ([(f, v) for f in fold_range for v in rows] if by_fold else [(f, v) for v in rows for f in fold_range])
        jobs = [(f"split.fold={f}", v) for f, v in pairs if not done or not ledger.holds(done, f"{common} {v}", f)]
    else:
        jobs = [(f"split.fold=range({start_fold},{folds})", variant) for variant in rows]
    commands = []
    for fold, variant in jobs:
        sets = [fold, *common.split(), *variant.split()]
        cmd = ["dvc", "exp", "run", "--queue"] + [a for s in sets for a in ("-S", s)] + list(targets)
        subprocess.run(cmd, cwd=cwd, check=True)
        commands.append(cmd)
    return commands


def run_targets(all_stages: bool, targets: list[str] | None, dvc_yaml: Path = Path("dvc.yaml")) -> tuple[str, ...]:
    """The stages each experiment runs (with what they need): every stage, the ones named (each must be
    a stage of ``dvc_yaml``, or the whole queue would fail one experiment at a time), or ``REPORT_STAGES``."""
    import yaml

    if all_stages:
        return ()
    if not targets:
        return REPORT_STAGES
    known = yaml.safe_load(dvc_yaml.read_text())["stages"]
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise SystemExit(f"avemo report: no stage {', '.join(unknown)} in {dvc_yaml} (stages: {', '.join(known)})")
    return tuple(targets)


def threads_per_job(jobs: int, cpus: int | None = None) -> dict[str, str]:
    """Environment giving each of ``jobs`` experiments its share of the cores: torch and BLAS start a
    thread per core in every process, and on 2 cores two jobs of 2 threads each run several times
    slower than two of one (docs/benchmarks.md)."""
    import os

    share = str(max(1, (cpus or os.cpu_count() or 1) // max(1, jobs)))
    return {name: share for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}


def start_workers(jobs: int, cwd: str = ".") -> None:
    """``dvc queue start -j jobs``, each worker's experiments with their share of the cores."""
    import os

    subprocess.run(["dvc", "queue", "start", "-j", str(jobs)], cwd=cwd, check=True,
                   env={**os.environ, **threads_per_job(jobs)})


def wait(cwd: str = ".", poll: float = 30.0, jobs: int = 1) -> None:
    """Block until no queued or running experiment is left. Each poll starts a `dvc` process (about a
    CPU-second), so a long study polls rarely. DVC's queue worker can die between two experiments on a
    half-written message of its file-system broker (treeverse/dvc#10428: "JSONDecodeError"), leaving
    the rest queued with no worker; when two polls in a row see that (a worker just started may not
    have registered yet), the workers are started again."""
    orphaned = 0
    while True:
        status = subprocess.run(["dvc", "queue", "status"], cwd=cwd, capture_output=True, text=True).stdout
        if not any(word in status for word in ("Queued", "Running")):
            return
        orphaned = orphaned + 1 if "Running" not in status and "Worker status: 0 active, 0 idle" in status else 0
        if orphaned == 2:
            print("avemo report: experiments are queued but no DVC queue worker is left (treeverse/dvc#10428); "
                  "starting the workers again", file=sys.stderr)
            start_workers(jobs, cwd)
            orphaned = 0
        time.sleep(poll)


def collect(out_dir: Path, results: Path | None = None, all_commits: bool = False, cwd: str = ".",
            block: str = "", rev: str | None = None, num: int = 1, readme: Path | None = None,
            where: str = "", ledger_path: Path | None = None) -> str:
    """Report the finished experiments of the commits read (and, with ``ledger_path``, the ones that
    ledger kept from other machines, adding the new ones to it)."""
    rows = exp_show(all_commits, cwd, rev=rev, num=num)
    kept = ledger.load(ledger_path) if ledger_path else []
    experiments = parse_exp_show(rows)
    if not experiments and not kept:
        raise SystemExit("avemo report: no finished experiments (queue them with `avemo report queue`)")
    reference = baseline_params(rows, head_rev(cwd, rev or "HEAD")) or baseline_params(rows)
    read = len(experiments) + len(kept)
    settings = parse_settings(where)
    filled = fill_added_params(kept + experiments, reference)
    if experiments:  # a ledger's experiments were chosen by --where when they were added
        experiments = matching(experiments, settings)
        read_files(experiments, (CLIPS_PLACES, CURVE_PLACES), cwd)
    experiments = ledger.merge(kept, experiments)
    if ledger_path:
        ledger.save(ledger_path, experiments)
    experiments = matching(experiments, settings)
    if not experiments:
        raise SystemExit(f"avemo report: none of the {read} finished experiments sets {where}")
    variants = [summarise(v) for v in group(experiments, reference)]
    versus = {v.label: compare_to(v, variants[0]) for v in variants[1:]}
    notes = [f"{n} experiment(s) of an older commit lack `{key}` (added since); "
             f"counted at its committed value {reference[key]!r}" for key, n in sorted(filled.items())]
    text = write_report(variants, versus, out_dir, notes, one_param_contrasts(variants),
                        common_settings(experiments, reference), left_out=(read - len(experiments), where))
    if results is not None:
        replace_block(results, text, *markers(block))
    headline, begin, end = readme_headline(variants)
    if readme is not None and headline:
        replace_block(readme, headline, begin, end)
    return text


def collect_one_stage(name: str, tables: tuple, table, out_dir: Path, results: Path | None = None,
                      rev: str | None = None, num: int = 1, where: str = "", cwd: str = ".") -> str:
    """A one-stage study's table (``table(experiments) -> markdown``) of the finished experiments of the
    commits read that set ``where``, with ``tables`` read from each: ``out_dir/<name>.md``, and the
    ``name`` block of ``results``."""
    experiments = matching(parse_exp_show(exp_show(False, cwd, rev=rev, num=num)), parse_settings(where))
    read_files(experiments, tables, cwd)
    text = table(experiments)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.md").write_text(text + "\n")
    if results is not None:
        replace_block(results, text + "\n", *markers(name))
    return text


def collect_mrpn(out_dir: Path, results: Path | None = None, **reach) -> str:
    """The MRPN seed table of the experiments that ran train_mrpn."""
    return collect_one_stage("mrpn", (), mrpn.seed_table, out_dir, results, **reach)


def collect_faces(out_dir: Path, results: Path | None = None, **reach) -> str:
    """face_study pooled over the folds of the experiments that ran it."""
    return collect_one_stage("faces", ((faces.CLIPS,),), faces.face_table, out_dir, results, **reach)


ONE_STAGE = {"mrpn": collect_mrpn, "faces": collect_faces}  # command -> its report


def split_spec(params: Path):
    """The split section of ``params`` as the splitter's spec (fold 0: the table spans every fold)."""
    from ..config.core import build, load_params
    from ..config.split import SplitParams
    from ..data.splits import SplitSpec

    return build(SplitSpec, load_params(params, SplitParams)["split"], fold=0)


def data_root_clips(params: Path) -> dict:
    """{"<dataset> at <data.root>": its manifest (clips, actors, sexes; nothing decoded)} for the
    dataset under params' ``data.root``, or {} (with a note on stderr) when it is not there or holds
    nothing usable."""
    from ..config.core import load_params
    from ..config.data import DataParams
    from ..data.manifests import DatasetError, build_manifest

    data = load_params(params, DataParams)["data"]
    try:
        manifest, _ = build_manifest(data.dataset, data.root, data.classes)
    except DatasetError as err:
        print(f"(no row for data.root: {err})", file=sys.stderr)
        return {}
    return {f"{data.dataset} at `{data.root}`": manifest}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="avemo report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("queue", "run"):
        p = sub.add_parser(name, help=f"{name} the actor folds of each variant")
        p.add_argument("--folds", type=int, required=True, help="split.fold = 0 .. folds-1 (split.units / s4_units)")
        p.add_argument("--variant", action="append", default=[],
                       help='params of one variant, "key=value key=value" (repeat for more variants)')
        p.add_argument("--start-fold", type=int, default=0,
                       help="first fold to queue (extend a study run on fewer folds without repeating them)")
        p.add_argument("--set", dest="common", default="",
                       help='overrides for every variant, "key=value ..." (e.g. "eval.seeds=3")')
        p.add_argument("--jobs", type=int, default=1,
                       help="experiments run at once, each with its share of the cores (run only)")
        scope = p.add_mutually_exclusive_group()
        scope.add_argument("--all-stages", action="store_true",
                           help="run every stage of each experiment (default: only those the report reads)")
        scope.add_argument("--targets", nargs="+", metavar="STAGE",
                           help="run these stages and what they need (e.g. train_mrpn face_study)")
        p.add_argument("--poll", type=float, default=30.0, help="seconds between queue checks (run only)")
        p.add_argument("--by-fold", action="store_true",
                       help="queue every variant of a fold before the next fold (a study cut short leaves whole folds)")
        p.add_argument("--ledger", type=Path,
                       help="skip the folds this ledger already holds (a study continued on another machine)")
    p = sub.add_parser("wait", help="start the queue's workers and wait until the queued experiments are done, "
                                    "starting them again when DVC's worker dies (a study queued earlier)")
    p.add_argument("--jobs", type=int, default=1, help="experiments run at once, each with its share of the cores")
    p.add_argument("--poll", type=float, default=30.0, help="seconds between queue checks")
    p = sub.add_parser("collect", help="build reports/tables.{md,json,png} from the finished experiments")
    p.add_argument("--out", type=Path, default=Path("reports"))
    p.add_argument("--results", type=Path, help="also replace the report block of this file (docs/results.md)")
    p.add_argument("--all-commits", action="store_true", help="experiments of every commit, not only HEAD's")
    p.add_argument("--rev", help="experiments of this commit (a study queued on a commit since left behind)")
    reach = p.add_mutually_exclusive_group()
    reach.add_argument("--num", type=int, default=1, help="and of the commits before it, this many commits in all")
    reach.add_argument("--since", help="and of every commit back to this one (the commit the study was first queued on)")
    p.add_argument("--readme", type=Path, help="also write the study's one-paragraph finding into this file (the audio budget's, or the GAN rows')")
    p.add_argument("--block", default="", help="write the named block of the results doc (e.g. budget) instead of the main one")
    p.add_argument("--where", default="", metavar='"KEY=VALUE ..."',
                   help="only the experiments that set these params (the study's --set), when the commits read "
                        "hold another study's too")
    p.add_argument("--ledger", type=Path,
                   help="a study's kept experiments (reports/<study>/ledger.json.gz): report them with the ones "
                        "DVC holds, and add those to it")
    for name, collects in (("mrpn", "MRPN over training seeds"), ("faces", "face_study pooled over actor folds")):  # ONE_STAGE
        p = sub.add_parser(name, help=f"{collects}: reports/{name}/{name}.md from the experiments that ran its stage")
        p.add_argument("--out", type=Path, default=Path(f"reports/{name}"))
        p.add_argument("--results", type=Path, help=f"also replace the {name} block of this file (docs/results.md)")
        p.add_argument("--rev", help="experiments of this commit")
        reach = p.add_mutually_exclusive_group()
        reach.add_argument("--num", type=int, default=1, help="and of the commits before it, this many commits in all")
        reach.add_argument("--since", help="and of every commit back to this one")
        p.add_argument("--where", default="", metavar='"KEY=VALUE ..."', help="only the experiments that set these params")
    p = sub.add_parser("summary", help="the tables of one dvc repro, from results/<stage>/results.json")
    p.add_argument("--source", type=Path, default=Path("results"), help="the results folder (default: results)")
    p.add_argument("--readme", type=Path, help="also replace the headline table's block of this file (README.md)")
    p.add_argument("--results", type=Path, help="also replace the detail tables' block of this file (docs/results.md)")
    p = sub.add_parser("splits", help="actors per set and folds on CREMA-D, RAVDESS and the dataset under "
                                                 "data.root, with the split params")
    p.add_argument("--params", type=Path, default=Path("params.yaml"))
    p.add_argument("--datasets", type=Path, help="also replace the splits block of this file (docs/datasets.md)")
    args = parser.parse_args(argv)
    if args.command in ("queue", "run"):
        done = ledger.load(args.ledger) if args.ledger else None
        queue(args.folds, args.variant, start_fold=args.start_fold, common=args.common,
              targets=run_targets(args.all_stages, args.targets), by_fold=args.by_fold, done=done)
        if args.command == "run":
            start_workers(args.jobs)
            wait(poll=args.poll, jobs=args.jobs)
    elif args.command in ONE_STAGE:
        num = commits_between(args.since, args.rev or "HEAD") if args.since else args.num
        print(ONE_STAGE[args.command](args.out, args.results, rev=args.rev, num=num, where=args.where))
    elif args.command == "wait":
        start_workers(args.jobs)
        wait(poll=args.poll, jobs=args.jobs)
    elif args.command == "splits":
        if args.datasets is not None:  # the docs' table: the datasets' documented sizes only
            replace_block(args.datasets, designs.splits_table(split_spec(args.params)), designs.BEGIN, designs.END)
        print(designs.splits_table(split_spec(args.params), data_root_clips(args.params)), end="")
    elif args.command == "summary":
        text, details = summary.summary_table(args.source), summary.detail_tables(args.source)
        if args.readme is not None:
            replace_block(args.readme, text, summary.BEGIN, summary.END)
        if args.results is not None:
            replace_block(args.results, details, summary.DETAILS_BEGIN, summary.DETAILS_END)
        print(text + ("\n" + details if details else ""), end="")
    else:
        num = commits_between(args.since, args.rev or "HEAD") if args.since else args.num
        print(collect(args.out, args.results, args.all_commits, block=args.block, rev=args.rev, num=num,
                      readme=args.readme, where=args.where, ledger_path=args.ledger))


if __name__ == "__main__":
    main(sys.argv[1:])
