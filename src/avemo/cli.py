"""The ``avemo`` command: ``avemo report ...`` (the papers' tables from DVC experiments)."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "report":
        raise SystemExit("usage: avemo report {queue,run,collect,summary} ... (avemo report --help)")
    from .report.cli import main as report

    report(argv[1:])


if __name__ == "__main__":
    main()
