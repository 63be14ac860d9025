"""The float-comparing tests (marker ``numerics``) again, in a pytest of their own, under the kernels
a CPU without AVX-512 and one with no vector units pick (ATen's dispatch and oneDNN's ISA cap):
tolerances must come from the numerics, not from this machine's kernels.

A test of the suite rather than a second pass after it, so that it runs on whichever worker the
end-to-end test leaves idle (what that saves: docs/benchmarks.md, "The test suite")."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

OTHER_CPUS = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "no_vector_units": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}
PICKED = {"avx2": "AVX2", "no_vector_units": "DEFAULT"}  # what torch reports it dispatches to


@pytest.mark.parametrize("kernels", OTHER_CPUS)
def test_float_comparing_tests_pass_under_other_cpus_kernels(kernels):
    outer = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}  # this worker's own
    env = {**outer, **OTHER_CPUS[kernels], "OMP_NUM_THREADS": "1"}
    picked = subprocess.run([sys.executable, "-c", "import torch; print(torch.backends.cpu.get_cpu_capability())"],
                            env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert picked == PICKED[kernels]  # the setting took: the run below is not this machine's kernels again
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "numerics", "tests"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"under {OTHER_CPUS[kernels]}:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
    assert " passed" in done.stdout.splitlines()[-1] and " failed" not in done.stdout.splitlines()[-1]
