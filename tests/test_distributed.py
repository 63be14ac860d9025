"""Data-parallel training on CPU (gloo): two processes with the same global batch give the one-process
result within float tolerance, for a classifier epoch and for GAN steps; batch norm's statistics
span both ranks.

Both jobs compute in float64. One process and two sum the same gradients in a different order; in
float32 that rounding (about 1e-7 of a gradient) passes through Adam's first steps, whose update
g / (|g| + eps) moves by up to lr / eps = 1e6 times a change in a small gradient, and the weights
differed by 5e-4 on one CPU and less on another: a tolerance tuned on one machine. In float64 the
same amplification leaves about 1e6 x 1e-16 = 1e-10 per step, whatever the CPU's kernels; TOLERANCE
is a thousand times that over the few steps the jobs take, and far below the updates themselves
(about lr = 1e-2 or 1e-3 per weight)."""
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(code: str, tmp_path, processes: int = 2) -> None:
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(code))
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                          f"--nproc-per-node={processes}", str(script)], capture_output=True, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1",  # the jobs import the tests' conftest helpers
                              "PYTHONPATH": os.pathsep.join(filter(None, [os.path.dirname(__file__),
                                                                          os.environ.get("PYTHONPATH")]))})
    assert out.returncode == 0, out.stderr[-3000:]


TOLERANCE = 1e-7

CLASSIFIER = """
import torch, sys
torch.set_default_dtype(torch.float64)
from avemo.models.classifier import ClassifierConfig, EmotionCNN
from avemo.training.classifier import FitConfig, fit_classifier
from avemo.training.distributed import init
world, device = init("cpu")
g = torch.Generator().manual_seed(0)
x, y = torch.randn(40, 1, 28, 56, generator=g), torch.arange(40) % 6
torch.manual_seed(0)
model, _ = fit_classifier(EmotionCNN(ClassifierConfig(1, 6, "small", 8, 16, 0.0)), (x[:30], y[:30]), (x[30:], y[30:]),
                          FitConfig(epochs=1, batch_size=10, lr=1e-2, weight_decay=0.0, patience=5, seed=0, min_epochs=0), world=world)
if world.main:
    torch.save(model.state_dict(), sys.argv[0] + ".pt")
"""

GAN = """
import torch, sys
torch.set_default_dtype(torch.float64)
from avemo.models.gan import build_gan

from avemo.training.distributed import init
from avemo.training.gan import GanData, build_optimizers, train_one_epoch, synchronize_batch_norm
from conftest import gan_setup, gan_train_config
world, device = init("cpu")
g = torch.Generator().manual_seed(0)
k = torch.arange(16) % 6
data = GanData(torch.rand(16, 3, 28, 28, generator=g), torch.rand(16, 1, 28, 56, generator=g) * 2 - 1, torch.eye(6)[k], k)
torch.manual_seed(0)
models = build_gan(gan_setup((3, 28, 28), (1, 28, 56), noise_dim=8, width=8, bottleneck=16, with_q=False))
for net in (models.generator, models.discriminator):
    synchronize_batch_norm(net, world, "cpu")
cfg = gan_train_config(epochs=1, batch_size=8, noise_dim=8, soft_labels=0.0, input_noise=0.05, lr_g=1e-3, lr_d=1e-3)
optims = build_optimizers(models, cfg, "cpu")
train_one_epoch(models, optims, data, cfg, 0, world)
if world.main:
    torch.save({k: m.state_dict() for k, m in (("g", models.generator), ("d", models.discriminator))},
               sys.argv[0] + ".pt")
"""


@pytest.mark.parametrize("job", ["CLASSIFIER", "GAN"])
def test_two_processes_equal_one_with_the_same_global_batch(job, tmp_path):
    results = []
    for processes in (1, 2):
        folder = tmp_path / str(processes)
        folder.mkdir()
        torchrun(globals()[job], folder, processes)
        results.append(torch.load(folder / "job.py.pt", weights_only=True))
    one, two = results
    flat = lambda d: {f"{a}.{b}": v for a, sub in d.items() for b, v in sub.items()} if job == "GAN" else d  # noqa: E731
    one, two = flat(one), flat(two)
    assert one.keys() == two.keys()
    for name in one:
        if one[name].is_floating_point():
            assert one[name].dtype == torch.float64, name
            assert torch.allclose(one[name], two[name], rtol=0, atol=TOLERANCE), (name, (one[name] - two[name]).abs().max())
        else:
            assert torch.equal(one[name], two[name]), name
