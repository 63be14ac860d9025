import torch
import pytest

from avemo.models.classifier import ClassifierConfig, EmotionCNN
from avemo.data.augment import SpecAugment, face_augment
from avemo.models.checkpoints import load_checkpoint, save_checkpoint
from avemo.training.classifier import FitConfig, predict_proba, train_emotion_cnn
from conftest import from_params

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def test_shapes_and_paper_scale_size():
    face = EmotionCNN(from_params(ClassifierConfig, "classifier", in_channels=3, n_classes=6))
    spec = EmotionCNN(from_params(ClassifierConfig, "classifier", in_channels=1, n_classes=6))
    assert face(torch.zeros(2, 3, 28, 28)).shape == (2, 6)
    assert spec(torch.zeros(2, 1, 28, 112)).shape == (2, 6)
    assert spec.features(torch.zeros(2, 1, 28, 112)).shape == (2, 64)
    n = sum(p.numel() for p in EmotionCNN(from_params(ClassifierConfig, "classifier", in_channels=1, n_classes=6, width=64)).parameters())
    assert 0.5e6 < n < 2.5e6  # the papers' ~1.4M-parameter Q
    deep = EmotionCNN(from_params(ClassifierConfig, "classifier", in_channels=1, n_classes=6, depth="deep", width=64))
    assert sum(isinstance(m, torch.nn.Conv2d) for m in deep.modules()) == 16


def test_learns_a_separable_toy_set_and_checkpoint_reloads(tmp_path):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(120) % 3
    x = torch.randn(120, 1, 12, 12, generator=g) * 0.3
    for k in range(3):  # class k = a bright square in quadrant k
        x[y == k, :, 6 * (k % 2):6 * (k % 2) + 6, 6 * (k // 2):6 * (k // 2) + 6] += 1.5
    cfg = from_params(ClassifierConfig, "classifier", in_channels=1, n_classes=3, width=8, feature_dim=16)
    model, hist = train_emotion_cnn(x, y, cfg, FitConfig(30, 16, 3e-3, 0.0, 10, 0, 0), 0.2)
    assert (predict_proba(model, x).argmax(1) == y.numpy()).mean() > 0.95
    save_checkpoint(tmp_path / "m.pt", model, cfg, len(hist))
    ckpt = load_checkpoint(tmp_path / "m.pt")  # weights_only=True
    again = EmotionCNN(ClassifierConfig(**ckpt["config"]))
    again.load_state_dict(ckpt["model"])
    assert torch.allclose(torch.from_numpy(predict_proba(again, x)),
                          torch.from_numpy(predict_proba(model, x)))


def test_augmentations_keep_shape_and_range():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 28, 112) * 0.8 - 0.3 + torch.linspace(-0.2, 0.2, 4)[:, None, None, None]  # clips' own levels
    out = SpecAugment()(x)
    assert out.shape == x.shape
    masked = (out - x).abs() > 1e-5  # unmasked bins come back up to rounding
    assert masked.any(dim=(1, 2, 3)).all()  # every spectrogram gets masks
    # each mask holds its own spectrogram's mean (SpecAugment's), inside the clip's range, never the scale's -1
    means = x.mean(dim=(1, 2, 3))
    for k in range(4):
        assert torch.allclose(out[k][masked[k]], means[k].expand(int(masked[k].sum())), atol=1e-6)
    assert out.min() >= x.min() and not (out == -1).any()
    # torchaudio's own masking with that mean as its fill value gives the same bands (an independent route)
    import torchaudio.functional as AF
    torch.manual_seed(1)
    ours = SpecAugment(n_time=0)(x[:1])
    torch.manual_seed(1)
    theirs = AF.mask_along_axis_iid(x[:1], 4, float(means[0]), axis=2)
    assert torch.allclose(ours, theirs, atol=1e-6)
    f = torch.rand(8, 3, 28, 28)
    flipped = face_augment(f)
    assert all(torch.equal(a, b) or torch.equal(a, b.flip(-1)) for a, b in zip(flipped, f))


def test_device_resident_batches_equal_the_data_loaders():
    """The GPU path (training set kept on the device, index-slice batches) trains the same model."""
    from avemo.models.classifier import ClassifierConfig, EmotionCNN
    from avemo.training.classifier import FitConfig, fit_classifier

    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(50, 1, 28, 28, generator=g), torch.arange(50) % 6
    fit = FitConfig(epochs=2, batch_size=8, lr=1e-3, weight_decay=0.0, patience=5, seed=3, min_epochs=0)
    states = []
    for resident in (False, True):
        torch.manual_seed(0)
        model, _ = fit_classifier(EmotionCNN(ClassifierConfig(1, 6, "small", 8, 16, 0.3)), (x[:40], y[:40]),
                                  (x[40:], y[40:]), fit, resident=resident)
        states.append(model.state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_a_minimum_of_epochs_keeps_a_small_budget_from_staying_untrained():
    """Two actors' worth of a separable toy (24 spectrograms): when the validation loss is lowest
    right at the start (here: a validation slice whose labels carry nothing), early stopping alone
    keeps a model that scores near chance on held-out clips; with ``min_epochs`` the weights kept come
    from a trained epoch and score far above chance."""
    import numpy as np
    import torch

    from avemo.models.classifier import ClassifierConfig, EmotionCNN
    from avemo.training.classifier import FitConfig, fit_classifier, predict_proba

    g = torch.Generator().manual_seed(0)

    def toy(n):
        y = torch.arange(n) % 6
        x = torch.randn(n, 1, 28, 112, generator=g) * 0.5
        for k in range(6):
            x[y == k, :, 4 * k: 4 * k + 4] += 1.5  # each class lights its own band
        return x, y

    train, test = toy(24), toy(60)
    val = (toy(12)[0], torch.randperm(12, generator=g) % 6)  # labels that tell nothing
    cfg = ClassifierConfig(1, 6, "small", 8, 16, 0.0)
    scores = {}
    for minimum in (0, 25):
        fit = FitConfig(epochs=40, batch_size=12, lr=3e-3, weight_decay=0.0, patience=5, seed=0, min_epochs=minimum)
        torch.manual_seed(0)
        model, history = fit_classifier(EmotionCNN(cfg), train, val, fit)
        scores[minimum] = float((predict_proba(model, test[0]).argmax(1) == test[1].numpy()).mean())
        assert len(history) >= minimum
    assert scores[0] < 0.4 and scores[25] > 0.8, scores


def test_one_actor_with_one_clip_per_emotion_still_trains():
    """The budget curve's first point on a small corpus: six clips, one per class. The validation slice
    may not take them all (it once asked for six of six and the stage failed)."""
    from avemo.data.arrays import stratified_holdout

    y = torch.tensor([3, 0, 5, 1, 4, 2])
    train, val = stratified_holdout(y, 0.15, seed=0)
    assert len(train) == 3 and len(val) == 3 and set(train).isdisjoint(val)
    train, val = stratified_holdout(torch.arange(60) % 6, 0.15, seed=0)  # enough to stratify: one per class
    assert len(val) == 9 and sorted(torch.bincount(torch.arange(60)[val] % 6).tolist())[0] >= 1


def test_bf16_precision_trains_under_autocast_in_channels_last_and_returns_a_plain_fp32_model():
    """``classifier.precision: bf16``: every training forward computes in bf16 on channels_last batches
    (a hook on the first convolution sees it), validation and predictions stay fp32, the model comes
    back fp32 in the default layout, and the separable toy set is still learnt. fp32 sees none of it."""
    from avemo.training.classifier import fit_classifier

    g = torch.Generator().manual_seed(2)
    y = torch.arange(96) % 3
    x = torch.randn(96, 1, 12, 12, generator=g) * 0.3
    for k in range(3):
        x[y == k, :, 6 * (k % 2):6 * (k % 2) + 6, 6 * (k // 2):6 * (k // 2) + 6] += 1.5
    seen = {}
    for precision in ("fp32", "bf16"):
        torch.manual_seed(0)
        model = EmotionCNN(ClassifierConfig(1, 3, "small", 8, 16, 0.0))
        calls = []
        first = model.body[0][0]
        first.register_forward_hook(lambda m, inp, out: calls.append(
            (m.training, out.dtype, out.is_contiguous(memory_format=torch.channels_last) and not out.is_contiguous())))
        fit = FitConfig(epochs=15, batch_size=16, lr=3e-3, weight_decay=0.0, patience=15, seed=0, min_epochs=0,
                        precision=precision)
        model, _ = fit_classifier(model, (x[:72], y[:72]), (x[72:], y[72:]), fit)
        seen[precision] = {(training, dtype, cl) for training, dtype, cl in calls}
        assert all(p.dtype == torch.float32 and p.is_contiguous() for p in model.parameters())
        assert (predict_proba(model, x).argmax(1) == y.numpy()).mean() > 0.9
    assert seen["fp32"] == {(True, torch.float32, False), (False, torch.float32, False)}
    assert {(t, d) for t, d, _ in seen["bf16"]} == {(True, torch.bfloat16), (False, torch.float32)}
    assert all(cl for t, _, cl in seen["bf16"] if t)  # every training batch in channels_last
