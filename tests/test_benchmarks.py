"""The benchmark scripts a GPU session runs in one call work, checked at a tiny size on the CPU (they
measure; nothing here asserts a speed)."""
import subprocess
import sys

from conftest import ROOT


def test_gpu_acceptance_runs_at_a_tiny_size_on_the_cpu():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_acceptance.py"), "--tiny", "--device", "cpu"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 7, out.stdout
    assert sum("samples/s" in r for r in rows) == 5 and "gp_every 5" in out.stdout
    assert "one GAN epoch" in out.stdout and "one audio-CNN epoch" in out.stdout
