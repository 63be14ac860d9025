"""MRPN: residual perceptron, inference through the fusion branch only, the multi-term loss, frozen
late fusion, one time-augmentation slice per clip, and a tiny run of every variant."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from avemo.data.sequences import SequenceSpec, clip_slice, draw_slices, gather
from avemo.data.splits import actor_folds
from avemo.models.mrpn import VARIANT_BUILDERS, Frozen, MrpnConfig, ResidualPerceptron, UnimodalNet
from avemo.training.mrpn import ClipArrays, MrpnFit, fit_variant, multi_term_loss, run_fold
from conftest import from_params

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels

SPEC = SequenceSpec(frames=4, segments=3, segment_frames=16, segment_hop=8, max_stretch=0.25, face_size=None)
CFG = from_params(MrpnConfig, "mrpn", n_classes=3, feature_dim=16, max_steps=64)


def tiny_clips(n=18, seed=0) -> ClipArrays:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    frames = rng.integers(0, 255, (n, 20, 28, 28, 3), dtype=np.uint8)
    frames[..., 0] = (labels * 100)[:, None, None, None]  # a learnable cue per class
    stft = rng.uniform(-1, 1, (n, 16, 60)).astype(np.float32)
    stft[:, :4] = (labels[:, None, None] - 1.0)
    return ClipArrays(frames, stft, labels)


def test_residual_perceptron_by_hand():
    rp = ResidualPerceptron(2).eval()  # eval: FeatureNorm uses running stats mean 0, var 1
    with torch.no_grad():
        rp.dense.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, -2.0]]))
        rp.dense.bias.copy_(torch.tensor([0.0, 1.0]))
        rp.norm.weight.copy_(torch.tensor([2.0, 1.0]))
        rp.norm.bias.copy_(torch.tensor([0.5, 0.0]))
    f = torch.tensor([[1.0, 1.0]])
    s = torch.sigmoid(torch.tensor([1.0, -1.0]))  # Dense(f) = (1, -2 + 1)
    bn = s / np.sqrt(1 + rp.norm.eps) * torch.tensor([2.0, 1.0]) + torch.tensor([0.5, 0.0])
    assert rp(f)[0].tolist() == pytest.approx((f[0] + bn).tolist(), rel=1e-6)


@pytest.mark.parametrize("variant", ["n1", "n2"])
def test_inference_uses_only_the_fusion_branch(variant):
    torch.manual_seed(0)
    net = VARIANT_BUILDERS[variant](CFG, {})
    v, a = torch.randn(4, 4, 3, 28, 28), torch.randn(4, 3, 1, 16, 16)
    train_out = net.train()(v, a)
    assert set(train_out) == {"fusion", "video", "audio"}
    net.eval()
    before = net(v, a)
    assert torch.allclose(before, net.fusion(net.fused_features(v, a)[2]))
    with torch.no_grad():
        for p in list(net.head_v.parameters()) + list(net.head_a.parameters()):
            p.add_(torch.randn_like(p))
    assert torch.equal(before, net(v, a))  # side heads are unused at inference


def test_multi_term_loss_is_the_sum_of_three_cross_entropies():
    torch.manual_seed(0)
    y = torch.tensor([0, 2, 1])
    out = {k: torch.randn(3, 3) for k in ("fusion", "video", "audio")}
    expected = sum(F.cross_entropy(out[k], y) for k in ("fusion", "video", "audio"))
    assert multi_term_loss(out, y).item() == pytest.approx(expected.item(), rel=1e-6)
    assert multi_term_loss({"fusion": out["fusion"]}, y).item() == pytest.approx(F.cross_entropy(out["fusion"], y).item())


def test_late_fusion_freezes_the_unimodal_weights():
    data = tiny_clips()
    torch.manual_seed(0)
    video, audio = UnimodalNet(3, CFG), UnimodalNet(1, CFG)
    before = {k: v.clone() for k, v in list(video.encoder.state_dict().items()) + list(audio.encoder.state_dict().items())}
    net = VARIANT_BUILDERS["n0_late_fusion"](CFG, {"video_only": video, "audio_only": audio})
    assert isinstance(net.video, Frozen) and net.video.inner is video.encoder
    trainable = {id(p) for p in net.parameters() if p.requires_grad}
    assert not any(id(p) in trainable for p in video.encoder.parameters())
    fit_variant(net, "n0_late_fusion", data, data, SPEC, from_params(MrpnFit, "mrpn", "train", precision="fp32", epochs=2, batch_size=6), "cpu")
    after = {k: v for k, v in list(video.encoder.state_dict().items()) + list(audio.encoder.state_dict().items())}
    assert all(torch.equal(before[k], after[k]) for k in before)  # weights and batch-norm statistics
    assert not video.encoder.training


def test_time_augmentation_applies_one_slice_to_the_whole_clip():
    spec = SequenceSpec(frames=5, segments=4, segment_frames=16, segment_hop=8, max_stretch=0.25, face_size=None)
    slices = draw_slices(spec, 50, n_video=55, n_audio=200, rng=np.random.default_rng(0))
    starts = {int(s.segment_start[0]) for s in slices}
    assert len(starts) > 10  # random per clip
    for s in slices:
        hops = np.diff(s.segment_start)
        assert hops.max() - hops.min() <= 1  # one stretch for every segment
        steps = np.diff(s.frame_index)
        assert steps.max() - steps.min() <= 1  # one slice for every frame
        span_audio = (s.segment_start[0] / 200, (s.segment_start[-1] + 16) / 200)
        span_video = (s.frame_index[0] / 54, s.frame_index[-1] / 54)
        assert span_video == pytest.approx(span_audio, abs=0.03)  # video and audio cover the same time
    centred = clip_slice(spec, 55, 200)
    assert centred.segment_start[0] == pytest.approx(200 - (centred.segment_start[-1] + 16), abs=1)
    v, a = gather(np.zeros((1, 55, 28, 28, 3), np.uint8), np.zeros((1, 32, 200), np.float32), [centred], 16, 56)
    assert v.shape == (1, 5, 3, 56, 56) and a.shape == (1, 4, 1, 32, 16)


def test_actor_folds_are_disjoint_and_cover_every_actor():
    import pandas as pd

    table = pd.DataFrame({"actor": np.repeat(np.arange(12), 5), "sex": np.repeat(["Male", "Female"] * 6, 5)})
    tested = []
    for tr, va, te in actor_folds(table, 3, 0):
        sets = [set(table["actor"].iloc[i]) for i in (tr, va, te)]
        assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
        assert len(sets[1]) >= 1
        tested += sorted(sets[2])
    assert sorted(tested) == list(range(12))


@pytest.mark.parametrize("aggregator", ["lstm", "transformer"])
def test_tiny_run_of_every_variant(aggregator):
    data = tiny_clips()
    variants = ("audio_only", "video_only", "n0_late_fusion", "n0_end_to_end", "n1", "n2")
    cfg = MrpnConfig(3, "cnn", aggregator, 16, max_steps=64)
    proba, fused, robust = run_fold(data.take(np.arange(12)), data.take(np.arange(12, 15)),
                                    data.take(np.arange(15, 18)), cfg, from_params(MrpnFit, "mrpn", "train", precision="fp32", epochs=1, batch_size=6), SPEC, variants,
                                    conditions=("audio_missing", "video_shift"))
    assert set(robust) == set(variants) and set(robust["n2"]) == {"audio_missing", "video_shift"}
    # a stream a model does not read cannot change its output; one it reads does
    assert np.allclose(robust["video_only"]["audio_missing"], proba["video_only"])
    assert np.allclose(robust["audio_only"]["video_shift"], proba["audio_only"])
    assert not np.allclose(robust["audio_only"]["audio_missing"], proba["audio_only"])
    assert set(proba) == set(variants)
    for p in proba.values():
        assert p.shape == (3, 3) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert fused.shape == (3, 32)


def test_resnet18_backbone_builds_without_downloads():
    net = UnimodalNet(1, MrpnConfig(3, "resnet18", "lstm", 16, max_steps=64))
    assert net(torch.randn(2, 3, 1, 32, 32)).shape == (2, 3)


@pytest.mark.parametrize("kind,changes", [("n2", True), ("video_only", False)])
def test_modality_dropout_acts_on_fusion_models_only(kind, changes):
    data = tiny_clips()
    trained = {}
    for p in (0.0, 0.5):
        torch.manual_seed(0)
        model, _ = fit_variant(VARIANT_BUILDERS[kind](CFG, {}), kind, data, data, SPEC,
                               from_params(MrpnFit, "mrpn", "train", precision="fp32", epochs=1, batch_size=6, modality_dropout=p), "cpu")
        trained[p] = model.state_dict()
    same = all(torch.equal(trained[0.0][k], trained[0.5][k]) for k in trained[0.0])
    assert same != changes


def test_image_augmentation_treats_each_clip_as_one_expression():
    from avemo.data.sequences import clip_image_augment
    g = torch.Generator().manual_seed(0)
    still = torch.rand(1, 1, 3, 8, 8, generator=g) * 2 - 1
    video = torch.cat([still.repeat(1, 5, 1, 1, 1)] * 16) + 0.01 * torch.randn(16, 5, 3, 8, 8, generator=g)
    out = clip_image_augment(video.clamp(-1, 1), torch.Generator().manual_seed(1))
    assert out.shape == video.shape and out.min() >= -1 and out.max() <= 1
    # frames of one clip stay alike (one flip, one brightness and contrast), clips differ
    assert (out[:, 1:] - out[:, :1]).abs().max() < 0.1
    per_clip = out.mean(dim=(1, 2, 3, 4))
    assert per_clip.std() > 0.02
    flipped = [(c - video[i].flip(-1)).abs().mean() < (c - video[i]).abs().mean() for i, c in enumerate(out)]
    assert 3 <= sum(flipped) <= 13


@pytest.mark.parametrize("kind,changes", [("video_only", True), ("audio_only", False)])
def test_image_augmentation_acts_on_models_that_see_faces(kind, changes):
    data = tiny_clips()
    trained = {}
    for on in (False, True):
        torch.manual_seed(0)
        model, _ = fit_variant(VARIANT_BUILDERS[kind](CFG, {}), kind, data, data, SPEC,
                               from_params(MrpnFit, "mrpn", "train", precision="fp32", epochs=1, batch_size=6, image_augment=on), "cpu")
        trained[on] = model.state_dict()
    assert all(torch.equal(trained[False][k], trained[True][k]) for k in trained[False]) != changes


def test_min_epochs_keeps_no_earlier_epoch():
    """The kept weights are the best validation loss among epochs min_epochs.. only. Here validation
    labels contradict the training cue, so validation loss is lowest early and grows as the model
    learns: without the minimum, an early epoch would be kept."""
    import torch.nn.functional as F

    from avemo.training.mrpn import predict_proba

    data = tiny_clips()
    train, val = data.take(np.arange(12)), data.take(np.arange(12, 18))
    val.labels = (val.labels + 1) % 3
    fit = from_params(MrpnFit, "mrpn", "train", precision="fp32", epochs=5, min_epochs=4, batch_size=6, lr=3e-3)
    model, history = fit_variant(VARIANT_BUILDERS["audio_only"](CFG, {}), "audio_only", train, val, SPEC, fit)
    losses = [h["val_loss"] for h in history]
    assert min(losses[:3]) < min(losses[3:]), losses  # the setup: an early epoch is best overall
    proba = predict_proba(model, "audio_only", val, SPEC)
    kept = float(F.nll_loss(torch.log(torch.from_numpy(proba) + 1e-9), torch.from_numpy(val.labels)))
    assert kept == pytest.approx(min(losses[3:]), rel=1e-6), (kept, losses)


def test_seeds_pool_into_each_clips_share_of_seeds_right():
    """mrpn.seeds: studies of several training seeds over the same folds give each clip its share of
    seeds right, and accuracies over every fold of every seed; studies over other folds are refused."""
    from avemo.evaluation.mrpn_report import mrpn_metrics
    from avemo.training.mrpn import FoldStudy

    labels, actors = np.array([0, 1, 2, 0, 1, 2]), np.array([1, 1, 2, 2, 3, 3])
    order = np.arange(6)
    one = FoldStudy(order, {"audio_only": np.array([0, 1, 2, 1, 1, 0]), "n2": labels.copy()}, {"audio_only": {}, "n2": {}},
                    [{"fold": 0, "audio_only": 1.0, "n2": 1.0}, {"fold": 1, "audio_only": 0.0, "n2": 1.0}])
    two = FoldStudy(order, {"audio_only": np.array([0, 0, 2, 0, 1, 2]), "n2": labels.copy()}, {"audio_only": {}, "n2": {}},
                    [{"fold": 0, "audio_only": 0.5, "n2": 1.0}, {"fold": 1, "audio_only": 1.0, "n2": 1.0}])
    metrics, correct, _ = mrpn_metrics([one, two], labels, actors, ("audio_only", "n2"), seed=0)
    assert correct["audio_only"].tolist() == [1.0, 0.5, 1.0, 0.5, 1.0, 0.5]
    assert metrics["seeds"] == 2 and metrics["folds"] == 2
    assert metrics["audio_only"] == pytest.approx(np.mean([1.0, 0.0, 0.5, 1.0]), abs=1e-4)
    assert metrics["n2_vs_best_unimodal_delta"] == pytest.approx(1 - correct["audio_only"].mean(), abs=1e-4)
    other = FoldStudy(order[::-1].copy(), one.predicted, one.corrupted, one.folds)
    with pytest.raises(ValueError, match="different orders"):
        mrpn_metrics([one, other], labels, actors, ("audio_only", "n2"), seed=0)
