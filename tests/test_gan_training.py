"""The GAN training loop: a short run learns, resuming from a checkpoint equals an uninterrupted run,
D is frozen during the G step, and the stage-level pair building matches the conditions."""
import numpy as np
import pytest
import torch

from avemo.data.conditions import CONDITIONS, ConditionInputs
from avemo.data.pairs import PairSpec, build_pairs, face_windows, stratified_fraction
from avemo.models.gan import build_gan, generate
from avemo.training.gan import GanData, fit_gan, g_step
from avemo.training.losses import LOSSES
from conftest import gan_setup, gan_train_config

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels

SRC, TGT = (3, 28, 28), (1, 28, 112)


def toy_data(n=24, seed=0) -> GanData:
    """Targets are a deterministic function of the source's class (a learnable mapping)."""
    g = torch.Generator().manual_seed(seed)
    klass = torch.arange(n) % 6
    source = torch.rand(n, *SRC, generator=g) * 0.2 - 1 + klass[:, None, None, None] * 0.3
    rows = torch.linspace(-1, 1, 28)[None, :, None]
    target = torch.tanh(rows * (klass[:, None, None, None].float() - 2.5) / 2).expand(n, 1, 28, 112).clone()
    return GanData(source, target, torch.eye(6)[klass], klass)


def models(loss="bce", seed=0):
    torch.manual_seed(seed)
    return build_gan(gan_setup(SRC, TGT, critic_batch_norm=LOSSES[loss].critic_batch_norm, noise_dim=8, width=8,
                              bottleneck=32, upsample="transpose"))


@pytest.mark.parametrize("loss", ["bce", "wasserstein"])
def test_short_run_reduces_l1(loss):
    data = toy_data()
    m = models(loss)
    cfg = gan_train_config(loss=loss, epochs=12, batch_size=8, lr_g=2e-3, lr_d=2e-4, l1_weight=50.0, noise_dim=8)
    before = (generate(m.generator, data.source, data.condition, 8, 0) - data.target).abs().mean()
    history = fit_gan(m, data, cfg)
    after = (generate(m.generator, data.source, data.condition, 8, 0) - data.target).abs().mean()
    assert len(history) == 12 and all(np.isfinite(r["g_loss"]) for r in history)
    assert after < 0.6 * before


@pytest.mark.parametrize("gp_every", [1, 3])  # 3: the lazy penalty's step count must not run across a resume
def test_resume_from_checkpoint_equals_uninterrupted_run(tmp_path, gp_every):
    data = toy_data()
    cfg4 = gan_train_config(loss="wasserstein", epochs=4, batch_size=8, lr_g=1e-3, lr_d=1e-3, n_critic=2, noise_dim=8,
                          gp_every=gp_every)
    straight = models("wasserstein")
    fit_gan(straight, data, cfg4)
    ckpt = tmp_path / "last.pt"
    interrupted = models("wasserstein")
    from dataclasses import replace
    # "killed" after epoch 2: same run key requires the same config, so train 4 epochs but stop early
    # by running the first two epochs with an on_epoch hook that raises
    class Killed(Exception):
        pass

    def kill(epoch, row):
        if epoch == 1:
            raise Killed

    with pytest.raises(Killed):
        fit_gan(interrupted, data, cfg4, checkpoint=ckpt, on_epoch=kill)
    resumed = models("wasserstein", seed=123)  # fresh weights: everything must come from the checkpoint
    history = fit_gan(resumed, data, cfg4, checkpoint=ckpt)
    assert [r["epoch"] for r in history] == [0, 1, 2, 3]
    for a, b in zip(straight.generator.state_dict().values(), resumed.generator.state_dict().values()):
        assert torch.equal(a, b)
    # a different config does not resume from that checkpoint
    other = models("wasserstein")
    assert len(fit_gan(other, data, replace(cfg4, epochs=1), checkpoint=ckpt)) == 1


def test_discriminator_is_frozen_during_g_step():
    data = toy_data(8)
    m = models()
    opt = torch.optim.SGD(m.generator.parameters(), lr=0.1)
    d_before = [p.clone() for p in m.discriminator.parameters()]
    g_before = [p.clone() for p in m.generator.parameters()]
    g_step(m, opt, data, gan_train_config(noise_dim=8))
    assert all(p.grad is None for p in m.discriminator.parameters())
    assert all(torch.equal(a, b) for a, b in zip(d_before, m.discriminator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(g_before, m.generator.parameters()))
    assert all(p.requires_grad for p in m.discriminator.parameters())  # unfrozen again afterwards


def spec(**kw) -> PairSpec:
    return PairSpec(**{"direction": "face2audio", "input": "image", "condition": "label", "data_fraction": 1.0,
                       "copies": 1, "seed": 0, **kw})


def test_conditions_and_pairs():
    labels = np.array([0, 1, 2, 3, 4, 5, 0, 1])
    soft = np.full((8, 6), 0.1, np.float32)
    soft[np.arange(8), (labels + 1) % 6] = 0.5  # the classifier is wrong everywhere
    arrays = {"faces": np.zeros((8, 28, 28, 3), np.uint8), "spectrograms": np.zeros((8, 1, 28, 112), np.float16)}
    rows = np.arange(8)
    inputs = ConditionInputs(labels, soft, soft, 6)
    onehot = build_pairs(arrays, rows, labels, CONDITIONS["label"](inputs), spec())
    assert onehot.klass.tolist() == labels.tolist()
    semi = build_pairs(arrays, rows, labels, CONDITIONS["classifier"](inputs), spec(condition="classifier"))
    assert semi.klass.tolist() == ((labels + 1) % 6).tolist()  # Q learns the condition, never the label
    none = CONDITIONS["none"](inputs)
    assert none.matrix.sum() == 0 and not none.trains_q
    emb = np.random.default_rng(0).normal(size=(8, 10, 64)).astype(np.float32)
    temporal = build_pairs(arrays, rows, labels, CONDITIONS["label"](inputs), spec(input="temporal", copies=3), emb)
    assert temporal.source.shape == (8 * 10 * 3, 64) and temporal.target.shape == (240, 1, 28, 112)
    assert torch.equal(temporal.source[31], torch.from_numpy(emb[1, 0]))  # clip 1, window 0, copy 1
    reverse = build_pairs(arrays, rows, labels, CONDITIONS["label"](inputs), spec(direction="audio2face"))
    assert reverse.source.shape[1:] == (1, 28, 112) and reverse.target.shape[1:] == (3, 28, 28)


def test_a_new_condition_is_one_registry_entry(monkeypatch):
    """docs/extending.md's example: a condition of width C + 2 (p-values, credibility, confidence)
    sizes G and D through the pairs, with no other change."""
    from avemo.data.conditions import Condition

    def credibility(c: ConditionInputs) -> Condition:
        s = np.sort(c.pvalues, axis=1)
        m = np.concatenate([c.pvalues, s[:, -1:], 1 - s[:, -2:-1]], axis=1).astype(np.float32)
        return Condition(m, c.pvalues.argmax(1), trains_q=True)

    monkeypatch.setitem(CONDITIONS, "credibility", credibility)
    rng = np.random.default_rng(0)
    labels = np.arange(12) % 6
    pv = rng.uniform(size=(12, 6))
    arrays = {"faces": rng.integers(0, 255, (12, 28, 28, 3), dtype=np.uint8),
              "spectrograms": rng.uniform(-1, 1, (12, 1, 28, 112)).astype(np.float16)}
    pairs = build_pairs(arrays, np.arange(12), labels, CONDITIONS["credibility"](ConditionInputs(labels, None, pv, 6)),
                        spec(condition="credibility"))
    assert pairs.shapes()["cond_dim"] == 8 and pairs.klass.tolist() == pv.argmax(1).tolist()
    models = build_gan(gan_setup(**pairs.shapes(), noise_dim=8, width=8, bottleneck=32))
    cfg = gan_train_config(epochs=1, batch_size=6, noise_dim=8)
    history = fit_gan(models, GanData(pairs.source, pairs.target, pairs.condition, pairs.klass), cfg)
    assert np.isfinite(history[0]["g_loss"])


def test_diversity_term_makes_z_matter():
    """With the mode-seeking term, two noise draws for the same face differ more after training."""
    from avemo.evaluation.generation import within_source_diversity

    data = toy_data(24)
    spreads = []
    for weight in (0.0, 2.0):
        m = models()
        fit_gan(m, data, gan_train_config(epochs=10, batch_size=8, lr_g=2e-3, l1_weight=50.0, noise_dim=8,
                                        diversity_weight=weight))
        draws = torch.stack([generate(m.generator, data.source, data.condition, 8, k) for k in range(3)])
        spreads.append(within_source_diversity(draws.numpy()))
    assert spreads[1] > 2 * spreads[0]


def test_sparsity_fraction_keeps_each_class():
    labels = np.repeat(np.arange(6), 10)
    keep = stratified_fraction(labels, 0.2, 0)
    assert len(keep) == 12 and np.bincount(labels[keep]).tolist() == [2] * 6


def test_face_windows_layout():
    frames = np.arange(55)[None, :, None, None, None] * np.ones((2, 55, 4, 4, 3), np.uint8)
    w = face_windows(frames.astype(np.uint8), 10, 5)
    assert w.shape == (2, 10, 10, 3, 4, 4)
    assert w[0, 3, 0, 0, 0, 0].item() == pytest.approx(15 / 127.5 - 1)  # window 3 starts at frame 15


def test_penalty_weight_is_lazy_every_kth_critic_step():
    """Lazy regularisation: weight gp_every * gp_weight on steps 0, k, 2k, ..., 0 elsewhere."""
    from avemo.training.gan import penalty_weight

    lazy, eager = gan_train_config(loss="wasserstein", gp_weight=10.0, gp_every=3), gan_train_config(loss="wasserstein")
    assert [penalty_weight(lazy, s) for s in range(7)] == [30.0, 0, 0, 30.0, 0, 0, 30.0]
    assert [penalty_weight(eager, s) for s in range(4)] == [10.0] * 4


@pytest.mark.parametrize("gp_every, n_critic, penalised", [(1, 3, 6), (2, 3, 3), (3, 3, 2), (4, 1, 1)])
def test_penalty_is_computed_only_on_its_critic_steps(monkeypatch, gp_every, n_critic, penalised):
    """Two batches of n_critic critic steps each: the penalty is evaluated exactly on the steps
    penalty_weight names, and on the other steps not at all (that is the saving)."""
    import avemo.training.losses as losses
    from avemo.training.gan import build_optimizers, train_one_epoch

    calls = []
    real_penalty = losses.gradient_penalty
    monkeypatch.setattr(losses, "gradient_penalty", lambda *a, **k: calls.append(1) or real_penalty(*a, **k))
    cfg = gan_train_config(loss="wasserstein", batch_size=8, n_critic=n_critic, gp_every=gp_every, noise_dim=8)
    m = models("wasserstein")
    train_one_epoch(m, build_optimizers(m, cfg, "cpu"), toy_data(16), cfg, 0)
    assert len(calls) == penalised


def test_critic_loss_without_penalty_weight_is_the_plain_wasserstein_loss(monkeypatch):
    import avemo.training.losses as losses

    monkeypatch.setattr(losses, "gradient_penalty", lambda *a, **k: pytest.fail("penalty computed at weight 0"))
    data, m = toy_data(8), models("wasserstein")
    fake = torch.rand(8, *TGT) * 2 - 1
    cfg = gan_train_config(loss="wasserstein", gp_weight=0.0)
    got = losses.d_wasserstein(m.discriminator, data.target, fake, data.condition, cfg)
    want = m.discriminator(fake, data.condition).mean() - m.discriminator(data.target, data.condition).mean()
    torch.testing.assert_close(got, want)


def test_lazy_penalty_still_trains():
    data = toy_data()
    m = models("wasserstein")
    cfg = gan_train_config(loss="wasserstein", epochs=12, batch_size=8, lr_g=2e-3, lr_d=2e-4, l1_weight=50.0,
                         noise_dim=8, n_critic=3, gp_every=3)
    before = (generate(m.generator, data.source, data.condition, 8, 0) - data.target).abs().mean()
    history = fit_gan(m, data, cfg)
    after = (generate(m.generator, data.source, data.condition, 8, 0) - data.target).abs().mean()
    assert all(np.isfinite(r["d_loss"]) for r in history) and after < 0.6 * before


def test_fid_is_monitoring_never_changes_the_trained_generator():
    """`gan.eval_every` only watches: a run that scores FID/KID/IS after every epoch ends with the same
    generator, bit for bit, as one that scores only at the end (so a study may monitor less)."""
    from types import SimpleNamespace

    from avemo.evaluation.gan_monitor import training_evaluator
    from avemo.evaluation.generation import GenerationMetricsConfig
    from avemo.models.classifier import ClassifierConfig, EmotionCNN
    from conftest import from_params

    data = toy_data()
    torch.manual_seed(1)
    metric_net = EmotionCNN(ClassifierConfig(1, 6, "small", 8, 16, 0.0)).eval()
    pairs = SimpleNamespace(source=data.source, condition=data.condition, target=data.target)
    evaluate = training_evaluator(metric_net, pairs, 8, 0, "cpu",
                                  from_params(GenerationMetricsConfig, "eval", kid_subset=10, kid_subsets=3))
    cfg = gan_train_config(epochs=4, batch_size=8, lr_g=2e-3, lr_d=2e-4, l1_weight=50.0, noise_dim=8)
    runs = {}
    for every in (0, 1):
        m = models()
        history = fit_gan(m, data, cfg, evaluate=evaluate, eval_every=every)
        runs[every] = (m.generator.state_dict(), sum("fid" in row for row in history))
    assert runs[0][1] == 1 and runs[1][1] == 4  # scored at the end only / after every epoch
    assert all(torch.equal(runs[0][0][k], runs[1][0][k]) for k in runs[0][0])
