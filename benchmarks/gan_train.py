"""GAN training throughput (samples/s) at paper scale: EncDec G ~40M params, 28x112 spectrograms
from 28x28 faces, batch 512; bce and WGAN-GP (n_critic 5). Needs only torch + numpy + this package.

Compares the project's loop (``avemo.training.gan.train_one_epoch``: data resident on the device,
batches as index slices, one host sync per epoch, fused Adam, D/Q frozen in the G step) against a
naive reference loop (CPU DataLoader, per-step ``.item()``, D gradients computed in the G step,
plain Adam), with bf16 autocast and channels_last as options.

    python benchmarks/gan_train.py                      # CPU, a few steps
    python benchmarks/gan_train.py --device cuda --steps 40 --bf16 --channels-last
    python benchmarks/gan_train.py --losses wasserstein --gp-every 1,5 --profile   # where the time goes

``--gp-every`` adds rows for the lazy gradient penalty (``gan.gp_every``). ``--profile`` runs
torch.profiler over the project's loop and prints the time per phase of a G step (the
``record_function`` ranges of ``avemo.training.gan``): G's forward for D's fakes, D's loss with the
penalty's forward and input gradient, D's backward (through the penalty's double backward) and
step, Q's step and G's step.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from avemo.models.gan import GanSetup, build_gan  # noqa: E402
from avemo.training.gan import GanData, GanTrainConfig, build_optimizers, train_one_epoch  # noqa: E402
from avemo.training.losses import LOSSES, l1_loss, q_loss  # noqa: E402

PHASES = ("gan.d_step.fakes", "gan.d_step.loss", "gan.gradient_penalty", "gan.d_step.update", "gan.q_step",
          "gan.g_step")

PAPER = dict(width=64, bottleneck=1280)  # EncDec G ~41M params
SMALL = dict(width=32, bottleneck=256)


def n_params(m) -> float:
    return sum(p.numel() for p in m.parameters()) / 1e6


def synthetic_pairs(n: int) -> GanData:
    g = torch.Generator().manual_seed(0)
    klass = torch.randint(0, 6, (n,), generator=g)
    return GanData(torch.rand(n, 3, 28, 28, generator=g) * 2 - 1, torch.rand(n, 1, 28, 112, generator=g) * 2 - 1,
                   torch.eye(6)[klass], klass)


def sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def naive_epoch(models, data: GanData, cfg: GanTrainConfig, device) -> None:
    """A straightforward loop as first written: CPU loader, copies and a host sync every step."""
    G, D, Q = models.generator, models.discriminator, models.q
    opt_g = torch.optim.Adam(G.parameters(), cfg.lr_g, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), cfg.lr_d, betas=(0.5, 0.999))
    opt_q = torch.optim.Adam(Q.parameters(), cfg.lr_d, betas=(0.5, 0.999))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data.source, data.target, data.condition,
                                                                        data.klass), batch_size=cfg.batch_size,
                                         shuffle=True)
    loss = LOSSES[cfg.loss]
    for x, y, c, k in loader:
        x, y, c, k = x.to(device), y.to(device), c.to(device), k.to(device)
        for _ in range(cfg.n_critic):
            fake = G(x, torch.randn(len(x), cfg.noise_dim, device=device), c).detach()
            d_loss = loss.d(D, y, fake, c, cfg)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        ql = q_loss(Q(y), k)
        opt_q.zero_grad()
        ql.backward()
        opt_q.step()
        fake = G(x, torch.randn(len(x), cfg.noise_dim, device=device), c)
        g_loss = loss.g(D(fake, c)) + cfg.l1_weight * l1_loss(fake, y) + cfg.q_weight * q_loss(Q(fake), k)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        _ = d_loss.item(), g_loss.item(), ql.item()  # per-step logging


def measure(loop: str, loss: str, args, scale: dict, gp_every: int = 1, profile: bool = False):
    """(samples/s, G params in M, profiler or None)."""
    torch.manual_seed(0)
    models = build_gan(GanSetup((3, 28, 28), (1, 28, 112), n_classes=6, cond_dim=6, generator="encdec",
                                critic_batch_norm=LOSSES[loss].critic_batch_norm, noise_dim=32, width=scale["width"],
                                bottleneck=scale["bottleneck"], use_source=True, with_q=True, upsample="transpose"))
    n_critic = 5 if loss == "wasserstein" else 1
    cfg = GanTrainConfig(loss=loss, epochs=1, batch_size=args.batch, optimizer="adam", lr_g=2e-4, lr_d=2e-4,
                         l1_weight=50.0, q_weight=1.0, gp_weight=10.0, gp_every=gp_every, n_critic=n_critic,
                         soft_labels=0.1, label_flip=0.0, input_noise=0.05, noise_dim=32, seed=0,
                         bf16=args.bf16 and loop == "ours", channels_last=args.channels_last and loop == "ours",
                         diversity_weight=0.0, source_dropout=0.0)
    warm, timed = synthetic_pairs(args.batch * 2), synthetic_pairs(args.batch * args.steps)
    for net in (models.generator, models.discriminator, models.q):
        net.to(args.device)
        if cfg.channels_last:
            net.to(memory_format=torch.channels_last)
    if loop == "ours" and args.compile and loss == "bce":  # double backward (the GP) does not compile
        models.generator, models.discriminator = torch.compile(models.generator), torch.compile(models.discriminator)
        models.q = torch.compile(models.q)
    if loop == "ours":
        optims = build_optimizers(models, cfg, args.device)
        run = lambda d: train_one_epoch(models, optims, d.to(args.device), cfg, 0)  # noqa: E731
    else:
        run = lambda d: naive_epoch(models, d, cfg, args.device)  # noqa: E731
    run(warm)
    sync(args.device)
    prof = None
    if profile:
        activities = [torch.profiler.ProfilerActivity.CPU]
        if torch.device(args.device).type == "cuda":
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        prof = torch.profiler.profile(activities=activities)
        prof.start()
    t = time.perf_counter()
    run(timed)
    sync(args.device)
    elapsed = time.perf_counter() - t
    if prof is not None:
        prof.stop()
    return len(timed) / elapsed, n_params(models.generator), prof


def phase_table(prof, steps: int, title: str) -> None:
    """Wall (CPU-side) and device milliseconds per G step for each labelled phase of the loop. The
    penalty's range is inside D's loss range; its double backward runs in D's update."""
    rows = {e.key: e for e in prof.key_averages() if e.key in PHASES}
    on_device = any(getattr(e, "device_time_total", 0) for e in rows.values())
    device = lambda e: f"{e.device_time_total / 1e3 / steps:,.1f}" if on_device else "n/a"  # noqa: E731
    total = sum(rows[k].cpu_time_total for k in PHASES if k in rows and k != "gan.gradient_penalty")
    print(f"\n{title}: time per G step by phase (torch.profiler)\n")
    print("| phase | calls per G step | CPU ms per G step | device ms per G step | share of CPU time |")
    print("|---|---|---|---|---|")
    for k in PHASES:
        if k in rows:
            e = rows[k]
            print(f"| {k} | {e.count / steps:.0f} | {e.cpu_time_total / 1e3 / steps:,.1f} | "
                  f"{device(e)} | {e.cpu_time_total / total:.0%} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--steps", type=int, default=None, help="timed batches (default 3 on CPU, 40 on GPU)")
    ap.add_argument("--scale", choices=["paper", "small"], default="paper")
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--compile", action="store_true", help="torch.compile G, D and Q (bce only)")
    ap.add_argument("--losses", default="bce,wasserstein")
    ap.add_argument("--gp-every", default="1", help="comma-separated gan.gp_every values for WGAN-GP rows")
    ap.add_argument("--profile", action="store_true", help="print the time per phase of the loop (torch.profiler)")
    args = ap.parse_args()
    args.steps = args.steps or (40 if args.device.startswith("cuda") else 3)
    if args.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    scale = PAPER if args.scale == "paper" else SMALL
    opts = "+".join([o for o, on in (("bf16", args.bf16), ("channels_last", args.channels_last),
                                                   ("compile", args.compile)) if on]) or "fp32"
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(f"device {name}, torch {torch.__version__}, batch {args.batch}, {args.steps} timed steps, scale {args.scale}")
    print("| loss | loop | options | G params (M) | samples/s | vs naive |")
    print("|---|---|---|---|---|---|")
    profiles = []
    for loss in args.losses.split(","):
        naive, g_m, _ = measure("naive", loss, args, scale)
        print(f"| {loss} | naive | fp32 | {g_m:.1f} | {naive:,.0f} | 1.00x |")
        for k in ([int(v) for v in args.gp_every.split(",")] if loss == "wasserstein" else [1]):
            ours, _, prof = measure("ours", loss, args, scale, k, args.profile)
            lazy = f" + gp_every {k}" if k > 1 else ""
            print(f"| {loss} | ours | {opts}{lazy} | {g_m:.1f} | {ours:,.0f} | {ours / naive:.2f}x |")
            if prof is not None:
                profiles.append((f"{loss} {opts}{lazy}", prof))
    for title, prof in profiles:
        phase_table(prof, args.steps, title)


if __name__ == "__main__":
    main()
