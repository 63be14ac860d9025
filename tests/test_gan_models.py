"""G/D/Q shapes for every generator x condition x input x direction, and the temporal encoders."""
import itertools

import pytest
import torch

from avemo.data.conditions import CONDITIONS, ConditionInputs
from avemo.models.gan import build_gan
from avemo.training.losses import LOSSES
from avemo.models.temporal import TemporalConfig, TemporalEmotionNet, sinusoidal_positions
from conftest import gan_setup

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels

FACE, SPEC, EMB = (3, 28, 28), (1, 28, 112), (64,)
CASES = [  # (input, direction) -> (source, target)
    ("image", "face2audio", FACE, SPEC),
    ("image", "audio2face", SPEC, FACE),
    ("temporal", "face2audio", EMB, SPEC),
]


@pytest.mark.parametrize("generator,loss,use_source,case,condition", [
    (g, l, u, c, cond) for g, l, u, c, cond in itertools.product(
        ["encdec", "unet"], ["bce", "wasserstein"], [True, False], CASES, ["label", "classifier", "conformal", "none"])
    if not (l == "wasserstein" and cond in ("classifier", "conformal"))  # loss does not touch conditions
])
def test_gan_shapes(generator, loss, use_source, case, condition):
    _, _, src, tgt = case
    torch.manual_seed(0)
    models = build_gan(gan_setup(src, tgt, generator=generator, critic_batch_norm=LOSSES[loss].critic_batch_norm,
                                noise_dim=32, width=8, bottleneck=64, use_source=use_source, upsample="transpose"))
    labels = torch.tensor([0, 5, 2])
    softmax = torch.softmax(torch.randn(3, 6), 1).numpy()
    c = torch.from_numpy(CONDITIONS[condition](ConditionInputs(labels.numpy(), softmax, softmax, 6)).matrix)
    x, z = torch.randn(3, *src), torch.randn(3, 32)
    fake = models.generator(x, z, c)
    assert fake.shape == (3, *tgt)
    assert fake.min() >= -1 and fake.max() <= 1
    assert models.discriminator(fake, c).shape == (3,)
    assert models.q(fake).shape == (3, 6)
    has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in models.discriminator.modules())
    assert has_bn == (loss == "bce")  # the WGAN-GP critic has no batch norm


@pytest.mark.parametrize("generator,case", list(itertools.product(["encdec", "unet"], CASES)))
def test_resize_upsampling_keeps_shapes_and_drops_transposed_convs(generator, case):
    _, _, src, tgt = case
    g = build_gan(gan_setup(src, tgt, generator=generator, width=8, upsample="resize")).generator
    assert g(torch.randn(2, *src), torch.randn(2, 32), torch.eye(6)[:2]).shape == (2, *tgt)
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in g.modules())
    assert any(isinstance(m, torch.nn.Upsample) for m in g.modules())


def test_source_is_ignored_without_use_source():
    torch.manual_seed(0)
    for name in ("encdec", "unet"):
        g = build_gan(gan_setup(FACE, SPEC, generator=name, use_source=False, width=8)).generator.eval()
        z, c = torch.randn(2, 32), torch.eye(6)[:2]
        a = g(torch.randn(2, *FACE), z, c)
        b = g(torch.randn(2, *FACE), z, c)
        assert torch.equal(a, b)


@pytest.mark.parametrize("encoder", ["3dcnn", "lstm", "transformer"])
def test_temporal_encoders(encoder):
    net = TemporalEmotionNet(TemporalConfig(encoder, 6, 10, 64, 32, 16, 4))
    w = torch.randn(2, 10, 3, 28, 28)
    assert net(w).shape == (2, 6)
    assert net.embed(w).shape == (2, 64)


def test_sinusoidal_positions_match_the_formula():
    pe = sinusoidal_positions(10, 8)
    assert pe[3, 0] == pytest.approx(torch.sin(torch.tensor(3.0)).item())
    assert pe[3, 3] == pytest.approx(torch.cos(torch.tensor(3.0 / 10000 ** (2 / 8))).item())


def test_temporal_encoder_on_uint8_windows_is_the_float_training_exactly():
    """The windows stay uint8 and each batch is scaled as drawn (a quarter of the memory); the trained
    weights and the validation history must be those of scaling the whole set first."""
    import numpy as np
    import torch

    from avemo.data.pairs import face_windows
    from avemo.training.classifier import FitConfig, fit_classifier
    from avemo.training.temporal import fit_temporal_encoder, window_dataset

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(10, 20, 12, 12, 3), dtype=np.uint8)
    labels = rng.integers(0, 6, size=10)
    cfg = TemporalConfig("3dcnn", 6, 10, 16, 8, 8, 4)
    fit = FitConfig(epochs=2, batch_size=4, lr=1e-3, weight_decay=0.0, patience=5, seed=3, min_epochs=0)
    train, val = window_dataset(frames[:7], labels[:7], 10, 5), window_dataset(frames[7:], labels[7:], 10, 5)
    assert train[0].dtype == torch.uint8 and train[0].shape == (21, 10, 3, 12, 12)
    model, history = fit_temporal_encoder(train, val, cfg, fit)

    def as_float(part):  # the whole set scaled at once, as before
        return face_windows(part, 10, 5).flatten(0, 1)

    torch.manual_seed(fit.seed)
    ref, ref_history = fit_classifier(TemporalEmotionNet(cfg), (as_float(frames[:7]), train[1]),
                                      (as_float(frames[7:]), val[1]), fit)
    assert history == ref_history
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), ref.state_dict().values()))


@pytest.mark.parametrize("loss", ["bce", "wasserstein"])
def test_projection_critic_adds_the_condition_s_embedding_dotted_with_the_sample_s_features(loss):
    """gan.critic_condition=projection: D(y, c) = w^T phi(y) + b + (V^T c)^T phi(y) (Miyato & Koyama 2018,
    eq. 3), computed here by hand from the critic's own layers; the sample alone enters the convs, and
    a soft condition scores the weighted mixture of the classes' projections."""
    torch.manual_seed(0)
    d = build_gan(gan_setup(FACE, SPEC, critic_condition="projection", width=8,
                            critic_batch_norm=LOSSES[loss].critic_batch_norm)).discriminator.eval()
    assert d.body[0].in_channels == 1  # the condition is not an input channel
    y = torch.randn(4, *SPEC)
    one_hot = torch.eye(6)[[0, 3, 3, 5]]
    soft = torch.softmax(torch.randn(4, 6), 1)
    phi = d.body(y)
    by_hand = phi @ d.out.weight[0] + d.out.bias[0]
    assert torch.allclose(d(y, one_hot), by_hand + (phi * d.embed.weight.T[[0, 3, 3, 5]]).sum(1), atol=1e-5)
    mixture = sum(soft[:, k] * (phi * d.embed.weight.T[k]).sum(1) for k in range(6))
    assert torch.allclose(d(y, soft), by_hand + mixture, atol=1e-5)
    assert not torch.allclose(d(y, one_hot), d(y, torch.eye(6)[[1, 1, 1, 1]]))  # the score depends on c
