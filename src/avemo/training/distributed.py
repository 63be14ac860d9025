"""Data-parallel training with torch.distributed: one process per GPU (NCCL) or per CPU worker
(gloo), launched by ``torchrun``. Same results semantics as one process with the same global batch:
every rank draws the same global order, takes its share of each global batch, and gradients are
averaged with weights so the update is the global batch's mean; batch norm computes its statistics
over the global batch too (``torch.nn.SyncBatchNorm`` on GPUs; ``GlobalBatchNorm`` below on CPUs,
where SyncBatchNorm does not run).

The classifiers and MRPN use ``DistributedDataParallel``. The GAN averages gradients itself after
each backward (``average_gradients``): its steps freeze D and Q inside G's update and differentiate
through D's input gradient (WGAN-GP), which DDP's gradient hooks do not support.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def share(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's part of a global batch of indices (contiguous, sizes differ by at most one)."""
        return torch.tensor_split(batch, self.size)[self.rank]

    def weight(self, local: int, total: int) -> float:
        """Loss scale so that averaging over ranks gives the mean over the global batch."""
        return local * self.size / max(1, total)


SINGLE = World()


def launched_by_torchrun() -> bool:
    return "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ


def relaunch(processes: int) -> int:
    """Run this very command again under ``torchrun`` with ``processes`` workers; its exit code."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}",
           sys.argv[0], *sys.argv[1:]]
    return subprocess.run(cmd).returncode


def init(device: str) -> tuple[World, str]:
    """Join the process group started by torchrun: (world, this process's device)."""
    if not launched_by_torchrun():
        return SINGLE, device
    cuda = device.startswith("cuda")
    if not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    local = int(os.environ["LOCAL_RANK"])
    if cuda:
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    return World(dist.get_rank(), dist.get_world_size()), device


def average_gradients(params, world: World) -> None:
    """All-reduce (sum) the gradients of ``params`` over the ranks; with the loss weights of
    ``World.weight`` the sum divided by the world size is the global batch's gradient."""
    if world.size == 1:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world.size


class _GlobalBatchNormFn(torch.autograd.Function):
    """Batch norm over the samples of every rank: sums all-reduced forward and backward (the same
    reductions torch's SyncBatchNorm does on GPUs)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        dims = [0] + list(range(2, x.dim()))
        stats = torch.stack([x.sum(dims), (x * x).sum(dims)])
        count = torch.tensor([x.numel() / x.shape[1]], dtype=x.dtype)
        dist.all_reduce(stats)
        dist.all_reduce(count)
        mean = stats[0] / count
        var = stats[1] / count - mean * mean
        shape = [1, -1] + [1] * (x.dim() - 2)
        invstd = torch.rsqrt(var + eps)
        xhat = (x - mean.view(shape)) * invstd.view(shape)
        ctx.save_for_backward(xhat, weight, invstd, count)
        ctx.dims, ctx.shape = dims, shape
        return xhat * weight.view(shape) + bias.view(shape), mean, var * count / (count - 1).clamp(min=1)

    @staticmethod
    def backward(ctx, grad, _mean, _var):
        xhat, weight, invstd, count = ctx.saved_tensors
        dims, shape = ctx.dims, ctx.shape
        grad_bias, grad_weight = grad.sum(dims), (grad * xhat).sum(dims)
        sums = torch.stack([grad_bias, grad_weight])
        dist.all_reduce(sums)
        g_bias, g_weight = sums[0] / count, sums[1] / count
        grad_x = (weight * invstd).view(shape) * (grad - g_bias.view(shape) - xhat * g_weight.view(shape))
        return grad_x, grad_weight, grad_bias, None


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm (any input rank) whose training statistics span every rank (CPU, gloo); the same
    parameters and buffers as the BatchNorm it replaces, so checkpoints do not change."""

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {x.dim()}D)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        out, mean, var = _GlobalBatchNormFn.apply(x, self.weight, self.bias, self.eps)
        with torch.no_grad():
            self.num_batches_tracked += 1
            momentum = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
            self.running_mean.mul_(1 - momentum).add_(momentum * mean)
            self.running_var.mul_(1 - momentum).add_(momentum * var)
        return out


def synchronize_batch_norm(model: nn.Module, world: World, device: str) -> nn.Module:
    """Batch norm over the global batch: SyncBatchNorm on GPUs, GlobalBatchNorm on CPUs."""
    if world.size == 1:
        return model
    if device.startswith("cuda"):
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    for name, child in model.named_children():
        if type(child) in (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d) and child.affine:
            synced = GlobalBatchNorm(child.num_features, child.eps, child.momentum, True, child.track_running_stats)
            synced.load_state_dict(child.state_dict())
            setattr(model, name, synced)
        else:
            synchronize_batch_norm(child, world, device)
    return model
