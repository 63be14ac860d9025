"""Worker processes of the data stages (corpus, preprocess) run one thread each.

A pool of N processes on N cores is the parallelism; if each process also let torch, OpenBLAS or
OpenMP start a thread per core, N x N threads would fight over N cores. Measured on a 2-core
machine: writing the corpus with 2 processes ran at a quarter of its speed until each process was
held to one thread (README "Benchmarks", benchmarks/preprocess.py --workers 1,2).
"""
from __future__ import annotations

import os

from threadpoolctl import threadpool_limits

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread_per_worker() -> None:
    """Call first in a pool initialiser, for the life of the process: every BLAS/OpenMP pool already
    loaded to one thread (threadpoolctl; torch's intra-op pool is its OpenMP pool), and the variables
    that libraries loaded later read (a lazy import may bring its own BLAS) set to one."""
    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    threadpool_limits(1)
