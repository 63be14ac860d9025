"""The ``avemo`` command. ``avemo report ...``: fold studies as DVC experiments and the tables of the
papers from them; the tables of one ``dvc repro``; what the split params give on each dataset."""
from __future__ import annotations

import sys

USAGE = """usage: avemo report <command> ...

commands (avemo report <command> --help for each):
  report queue     queue a study: every variant over actor folds, as DVC experiments
  report run       queue it, run the queue and wait
  report wait      start the queue's workers for a study queued earlier and wait (restarts a dead worker)
  report collect   the study's tables and figure (reports/, docs/results.md)
  report mrpn      MRPN over training seeds (reports/mrpn/, docs/results.md)
  report faces     face_study pooled over actor folds (reports/faces/, docs/results.md)
  report summary   the tables of one dvc repro, from metrics/ and results/
  report splits    actors per set and folds on CREMA-D and RAVDESS with the split params
"""


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        raise SystemExit(0)
    if argv[0] != "report":
        print(f"avemo: unknown command {argv[0]!r}\n\n{USAGE}", end="", file=sys.stderr)
        raise SystemExit(2)
    from .report.cli import main as report

    report(argv[1:])


if __name__ == "__main__":
    main()
