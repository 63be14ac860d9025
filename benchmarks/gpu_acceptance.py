"""The GPU acceptance check, in one call and within about 8 minutes on one GPU: GAN training throughput
at paper scale (BCE and WGAN-GP, the naive loop against the project's, WGAN-GP with and without the
lazy penalty ``gan.gp_every``), one paper-scale GAN epoch and one paper-width audio-CNN epoch on
CREMA-D's S3 size, and the peak device memory of each, as one table.

    python benchmarks/gpu_acceptance.py                     # on a GPU: the acceptance table
    python benchmarks/gpu_acceptance.py --tiny --device cpu # the same code at a tiny size (tests run it)

Targets (docs/benchmarks.md): BCE >= 30,000 and WGAN-GP >= 10,000 samples/s at paper scale on one
H100/H200, with bf16 autocast and channels_last (``train.bf16``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gan_train import PAPER, measure, synthetic_pairs, sync  # noqa: E402

from avemo.models.classifier import ClassifierConfig, EmotionCNN  # noqa: E402
from avemo.models.gan import GanSetup, build_gan  # noqa: E402
from avemo.training.classifier import FitConfig, fit_classifier  # noqa: E402
from avemo.training.gan import GanTrainConfig, build_optimizers, train_one_epoch  # noqa: E402
from avemo.training.losses import LOSSES  # noqa: E402

# CREMA-D's S3 on the paper split (3 of 10 units of 91 actors x 82 clips) and the papers' GAN batch
CREMA_S3 = 2_240
TINY = dict(width=8, bottleneck=32)


def peak_mb(device: str) -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if torch.device(device).type == "cuda" else None


def reset_peak(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def gan_epoch(device: str, scale: dict, pairs: int, batch: int, bf16: bool) -> float:
    """Seconds of one epoch of the project's BCE loop on ``pairs`` paper-shaped pairs."""
    torch.manual_seed(0)
    models = build_gan(GanSetup((3, 28, 28), (1, 28, 112), n_classes=6, cond_dim=6, generator="encdec",
                                critic_batch_norm=LOSSES["bce"].critic_batch_norm, noise_dim=32, width=scale["width"],
                                bottleneck=scale["bottleneck"], use_source=True, with_q=True, upsample="resize"))
    cfg = GanTrainConfig(loss="bce", epochs=1, batch_size=batch, optimizer="adam", lr_g=1e-3, lr_d=2e-4,
                         l1_weight=50.0, q_weight=1.0, gp_weight=10.0, gp_every=1, n_critic=1, soft_labels=0.1,
                         label_flip=0.0, input_noise=0.05, noise_dim=32, seed=0, bf16=bf16, channels_last=bf16,
                         diversity_weight=0.0, source_dropout=0.0)
    for net in (models.generator, models.discriminator, models.q):
        net.to(device)
        if bf16:
            net.to(memory_format=torch.channels_last)
    data = synthetic_pairs(pairs).to(device)
    optims = build_optimizers(models, cfg, device)
    train_one_epoch(models, optims, data, cfg, 0)  # warm-up (cuDNN autotuning)
    sync(device)
    start = time.perf_counter()
    train_one_epoch(models, optims, data, cfg, 1)
    sync(device)
    return time.perf_counter() - start


def audio_cnn_epoch(device: str, width: int, clips: int) -> float:
    """Seconds of one epoch of the audio CNN at ``width`` on ``clips`` spectrograms (28 x 112)."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(clips, 1, 28, 112, generator=g), torch.arange(clips) % 6
    cfg = ClassifierConfig(1, 6, "small", width, 64, 0.3)
    fit = FitConfig(epochs=1, batch_size=32, lr=3e-4, weight_decay=1e-4, patience=15, seed=0, min_epochs=0)
    fit_classifier(EmotionCNN(cfg), (x[:64], y[:64]), (x[:16], y[:16]), fit, device)  # warm-up
    sync(device)
    start = time.perf_counter()
    fit_classifier(EmotionCNN(cfg), (x, y), (x[:64], y[:64]), fit, device)
    sync(device)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tiny", action="store_true", help="tiny models and data: checks the script, measures nothing")
    args = ap.parse_args(argv)
    gpu = torch.device(args.device).type == "cuda"
    if gpu:
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    scale = TINY if args.tiny else PAPER
    batch, steps = (8, 2) if args.tiny else (512, 40)
    s3, width = (32, 8) if args.tiny else (CREMA_S3, 64)
    options = argparse.Namespace(device=args.device, batch=batch, steps=steps, bf16=gpu, channels_last=gpu,
                                 compile=False)
    name = torch.cuda.get_device_name() if gpu else "CPU"
    print(f"{name}, torch {torch.__version__}, {'tiny sizes' if args.tiny else 'paper scale'}; "
          f"GAN batch {batch}, {steps} timed steps; bf16 + channels_last: {gpu}")
    print("| measurement | setting | result | peak device memory (MB) |")
    print("|---|---|---|---|")

    def row(what: str, setting: str, result: str) -> None:
        mb = peak_mb(args.device)
        print(f"| {what} | {setting} | {result} | {'' if mb is None else f'{mb:,.0f}'} |", flush=True)

    for loss in ("bce", "wasserstein"):
        for loop, gp_every in (("naive", 1), ("ours", 1)) + ((("ours", 5),) if loss == "wasserstein" else ()):
            reset_peak(args.device)
            samples, g_m, _ = measure(loop, loss, options, scale, gp_every)
            lazy = f", gp_every {gp_every}" if gp_every > 1 else ""
            row(f"GAN throughput, {loss}", f"{loop} loop{lazy}, G {g_m:.1f}M params", f"{samples:,.0f} samples/s")
    reset_peak(args.device)
    row("one GAN epoch (bce)", f"{s3:,} pairs, batch 64", f"{gan_epoch(args.device, scale, s3, 64, gpu):.1f} s")
    reset_peak(args.device)
    row("one audio-CNN epoch", f"{s3:,} clips, width {width}", f"{audio_cnn_epoch(args.device, width, s3):.1f} s")


if __name__ == "__main__":
    main()
