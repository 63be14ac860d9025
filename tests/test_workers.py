"""The data stages' worker pools: one thread per process, and the same corpus bytes as one process."""
from multiprocessing import get_context

import pytest
import torch
from threadpoolctl import threadpool_info

from avemo.data.synthetic import write_corpus
from avemo.workers import one_thread_per_worker
from conftest import tiny_spec


def threads_here(_=None) -> tuple[int, int]:
    """(torch's intra-op threads, the most threads of any BLAS/OpenMP pool) in this process."""
    return torch.get_num_threads(), max(pool["num_threads"] for pool in threadpool_info())


def test_pool_workers_run_one_thread_each(monkeypatch):
    # without these (`make test` sets OMP_NUM_THREADS=1) a child starts a thread per core
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    ctx = get_context("spawn")
    with ctx.Pool(1) as free:
        if max(free.apply(threads_here)) == 1:
            pytest.skip("one core: a child starts one thread anyway, so the limit cannot be seen")
    with ctx.Pool(2, one_thread_per_worker) as limited:
        assert limited.map(threads_here, range(2)) == [(1, 1), (1, 1)]


def test_corpus_from_two_workers_is_byte_identical_to_one(tmp_path):
    spec = tiny_spec(n_actors=2, clip_seconds=1.0)
    one, two = tmp_path / "one", tmp_path / "two"
    write_corpus(spec, one, workers=1)
    write_corpus(spec, two, workers=2)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len(files) == 2 * 2 * 6 + 1
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
