"""Test-time stream corruptions and modality dropout of MRPN batches."""
import numpy as np
import torch

from avemo.data.corruptions import corrupt, drop_modality
from avemo.variants import TEST_CORRUPTIONS
from avemo.data.sequences import SequenceSpec
from avemo.evaluation.mrpn_report import robustness
from avemo.models.mrpn import VARIANT_BUILDERS, MrpnConfig
from avemo.training.mrpn import ClipArrays, predict_proba


def streams(n=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    video = torch.rand(n, 4, 3, 8, 8, generator=g) * 2 - 1
    audio = torch.rand(n, 6, 1, 16, 8, generator=g) * 2 - 1
    return video, audio


def test_each_condition_changes_only_its_stream():
    video, audio = streams()
    for condition in TEST_CORRUPTIONS:
        v, a = corrupt(condition, video, audio, torch.Generator().manual_seed(1))
        hit, kept = (a, v) if condition.startswith("audio") else (v, a)
        original, untouched = (audio, video) if condition.startswith("audio") else (video, audio)
        assert torch.equal(kept, untouched), condition
        assert not torch.equal(hit, original), condition
        assert hit.shape == original.shape and hit.min() >= -1 and hit.max() <= 1


def test_missing_is_zero_and_shift_rotates_time_by_half():
    video, audio = streams()
    _, a = corrupt("audio_missing", video, audio, torch.Generator())
    assert torch.count_nonzero(a) == 0
    v, _ = corrupt("video_shift", video, audio, torch.Generator())
    assert torch.equal(v[:, 2], video[:, 0]) and torch.equal(v[:, 0], video[:, 2])  # 4 frames: shift 2


def test_noise_keeps_the_streams_level_and_spread():
    video, audio = streams(n=64)
    _, a = corrupt("audio_noise", video, audio, torch.Generator().manual_seed(0))
    assert abs(a.mean() - audio.mean()) < 0.02 and abs(a.std() - audio.std()) < 0.05
    assert abs(float(torch.corrcoef(torch.stack([a.flatten(), audio.flatten()]))[0, 1])) < 0.02


def test_modality_dropout_drops_one_stream_per_chosen_clip_never_both():
    video, audio = streams(n=2000)
    v, a = drop_modality(video, audio, 0.5, torch.Generator().manual_seed(0))
    video_gone = (v.flatten(1) == 0).all(1)
    audio_gone = (a.flatten(1) == 0).all(1)
    assert not (video_gone & audio_gone).any()
    assert abs(float((video_gone | audio_gone).float().mean()) - 0.5) < 0.04
    assert abs(float(video_gone.float().mean()) - 0.25) < 0.03
    kept = ~(video_gone | audio_gone)
    assert torch.equal(v[kept], video[kept]) and torch.equal(a[kept], audio[kept])
    v0, a0 = drop_modality(video, audio, 0.0, torch.Generator())
    assert torch.equal(v0, video) and torch.equal(a0, audio)


def test_corrupted_evaluation_leaves_the_model_unchanged():
    spec = SequenceSpec(frames=4, segments=3, segment_frames=16, segment_hop=8, max_stretch=0.25, face_size=None)
    rng = np.random.default_rng(0)
    data = ClipArrays(rng.integers(0, 255, (6, 8, 16, 16, 3), dtype=np.uint8),
                      rng.standard_normal((6, 8, 64)).astype(np.float32).clip(-1, 1), np.arange(6) % 3)
    model = VARIANT_BUILDERS["n2"](MrpnConfig(3, "cnn", "lstm", 16, max_steps=64), {})
    before = {k: t.clone() for k, t in model.state_dict().items()}
    clean = predict_proba(model, "n2", data, spec)
    for condition in TEST_CORRUPTIONS:
        predict_proba(model, "n2", data, spec, condition=condition)
    assert all(torch.equal(before[k], t) for k, t in model.state_dict().items())  # weights and BN statistics
    assert np.array_equal(predict_proba(model, "n2", data, spec), clean)


def test_robustness_metrics_on_hand_made_hits():
    actors = np.repeat(np.arange(4), 3)
    correct = {"n0_late_fusion": np.ones(12), "n2": np.ones(12)}
    corrupted = {"n0_late_fusion": {"audio_missing": np.r_[np.ones(6), np.zeros(6)]},
                 "n2": {"audio_missing": np.r_[np.ones(9), np.zeros(3)]}}
    out = robustness(correct, corrupted, actors, seed=0)
    assert out["n0_late_fusion_audio_missing"] == 0.5 and out["n0_late_fusion_audio_missing_drop"] == 0.5
    assert out["n2_audio_missing"] == 0.75
    assert out["n2_vs_n0_late_fusion_audio_missing_delta"] == 0.25
    assert out["n2_vs_n0_late_fusion_audio_missing_delta_ci95_low"] <= 0.25 <= out["n2_vs_n0_late_fusion_audio_missing_delta_ci95_high"]
