"""Features vs pixels (MRPN thesis 4.1-4.2): geometry features on a hand-made landmark set, the
rotation helpers against scikit-image, the SVM path on a separable toy set, and the study's table."""
import numpy as np
import pytest

from avemo.data.face_features import (FACE_INPUTS, GEOMETRY_NAMES, geometry_features, rotate_faces,
                                      rotate_landmarks)
from avemo.errors import UserError
from avemo.evaluation.face_study import FaceSet, FaceStudyConfig, identity_source, pairs, run_study
from avemo.models.feature_classifiers import FACE_MODELS

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels


def hand_made(brow=0.10, eye_open=0.04, mouth_open=0.0, smile=0.0):
    """A 68-point face in crop units with known measurements: eyes 0.36 apart at y 0.36, brows
    ``brow`` above the eye centres, lids ``eye_open`` apart, mouth 0.30 wide at y 0.70 whose corners
    sit ``smile`` above its centre and whose inner lips are ``mouth_open`` apart."""
    lm = np.zeros((68, 2))
    lm[0:17] = np.c_[np.linspace(0.1, 0.9, 17), np.full(17, 0.5)]  # jaw (unused)
    for first, cx in ((17, 0.32), (22, 0.68)):  # brows
        lm[first:first + 5] = np.c_[cx + np.linspace(-0.08, 0.08, 5), np.full(5, 0.36 - brow)]
    for first, cx in ((36, 0.32), (42, 0.68)):  # eyes: corners, two upper lids, corner, two lower lids
        w = 0.10
        lm[first + 0], lm[first + 3] = (cx - w / 2, 0.36), (cx + w / 2, 0.36)
        lm[first + 1], lm[first + 2] = (cx - w / 6, 0.36 - eye_open / 2), (cx + w / 6, 0.36 - eye_open / 2)
        lm[first + 5], lm[first + 4] = (cx - w / 6, 0.36 + eye_open / 2), (cx + w / 6, 0.36 + eye_open / 2)
    lm[27:36] = np.c_[np.full(9, 0.5), np.linspace(0.40, 0.58, 9)]  # nose; 33 (its base) at y 0.535
    lm[48], lm[54] = (0.35, 0.70 - smile), (0.65, 0.70 - smile)
    lm[49:54] = np.c_[np.linspace(0.40, 0.60, 5), np.full(5, 0.67)]  # 51 = upper lip top at 0.67
    lm[55:60] = np.c_[np.linspace(0.60, 0.40, 5), np.full(5, 0.73)]  # 57 = lower lip bottom at 0.73
    lm[60:68] = np.c_[np.linspace(0.38, 0.62, 8), np.full(8, 0.70)]
    lm[62], lm[66] = (0.5, 0.70 - mouth_open / 2), (0.5, 0.70 + mouth_open / 2)  # inner lips' middles
    return lm


def features(**kw):
    return dict(zip(GEOMETRY_NAMES, geometry_features(hand_made(**kw)[None])[0]))


def test_geometry_features_measure_the_hand_made_face():
    f = features(brow=0.09, eye_open=0.04, mouth_open=0.054, smile=0.036)
    iod = 0.36
    assert f["brow_raise_left"] == pytest.approx(0.09 / iod) and f["brow_raise_right"] == pytest.approx(0.09 / iod)
    assert f["eye_opening_left"] == pytest.approx(0.04 / 0.10) and f["eye_opening_right"] == pytest.approx(0.4)
    assert f["mouth_width"] == pytest.approx(0.30 / iod)
    assert f["mouth_opening"] == pytest.approx(0.054 / iod)
    assert f["lip_corner_height"] == pytest.approx(0.036 / iod)  # corners above the mouth's centre: a smile
    assert f["lip_corner_angle"] == pytest.approx(np.degrees(np.arctan2(0.036, 0.15)))
    assert f["nose_to_lip"] == pytest.approx((0.67 - 0.535) / iod)


def test_geometry_follows_the_expression_and_ignores_head_roll_and_scale():
    assert features(smile=-0.02)["lip_corner_height"] < 0 < features(smile=0.02)["lip_corner_height"]
    assert features(brow=0.14)["brow_raise_left"] > features(brow=0.08)["brow_raise_left"]
    lm = hand_made(smile=0.03, mouth_open=0.05)[None]
    upright = geometry_features(lm)
    np.testing.assert_allclose(geometry_features(rotate_landmarks(lm, 12.0)), upright, atol=1e-4)
    np.testing.assert_allclose(geometry_features(0.5 + 0.8 * (lm - 0.5)), upright, atol=1e-9)
    raw = FACE_INPUTS["landmarks"](None, rotate_landmarks(lm, 12.0))
    assert np.abs(raw - FACE_INPUTS["landmarks"](None, lm)).max() > 0.01  # raw coordinates do move


def test_turned_landmarks_follow_turned_pixels():
    """A bright dot at a landmark's place lands where rotate_landmarks puts the landmark."""
    size = 64
    point = np.array([[[0.75, 0.40]]])
    image = np.zeros((1, size, size, 3), np.uint8)
    x, y = (point[0, 0] * size - 0.5).round().astype(int)
    image[0, y - 1:y + 2, x - 1:x + 2] = 255
    for degrees in (10.0, -25.0):
        turned = rotate_faces(image, degrees)[0, :, :, 0].astype(float)
        ys, xs = np.nonzero(turned > 60)
        found = np.array([(xs * turned[ys, xs]).sum(), (ys * turned[ys, xs]).sum()]) / turned[ys, xs].sum()
        expected = rotate_landmarks(point, degrees)[0, 0] * size - 0.5
        np.testing.assert_allclose(found, expected, atol=0.6)


def toy_set(n_actors, per_actor, seed, separable=True):
    """Two classes told apart by the mouth opening (plus per-clip jitter)."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(2), n_actors * per_actor // 2)
    marks = np.stack([hand_made(mouth_open=0.02 + 0.06 * y, smile=rng.normal(0, 0.01)) for y in labels])
    marks = marks + rng.normal(0, 0.002, marks.shape)
    faces = rng.integers(0, 256, (len(labels), 8, 8, 3), dtype=np.uint8)
    actors = np.repeat(np.arange(n_actors) + 100 * seed, per_actor)
    return FaceSet(faces, marks.astype(np.float32), labels, actors, np.array([f"c{seed}_{i}" for i in range(len(labels))]))


@pytest.mark.parametrize("model", ["svm_linear", "svm_poly", "mlp"])
def test_feature_classifiers_learn_a_separable_toy_set(model):
    train, test = toy_set(6, 8, 0), toy_set(4, 8, 1)
    estimator = FACE_MODELS[model](0, 3)
    estimator.fit(geometry_features(train.landmarks), train.labels, groups=train.actors)
    assert (estimator.predict(geometry_features(test.landmarks)) == test.labels).mean() == 1.0
    if model.startswith("svm"):
        assert estimator.best_params_["svc__C"] in (1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1000.0)


def test_the_study_table_and_metrics():
    train, test = toy_set(6, 8, 0), toy_set(4, 8, 1)
    cfg = FaceStudyConfig(("pixels", "geometry"), ("cnn", "svm_linear"), 3, 10.0, 0)
    assert pairs(cfg.inputs, cfg.models) == [("pixels", "cnn"), ("pixels", "svm_linear"), ("geometry", "svm_linear")]
    chance = np.random.default_rng(5)
    table, metrics = run_study(train, test, cfg, {"pixels_cnn": lambda faces: chance.integers(0, 2, len(faces))})
    assert list(table.columns[:3]) == ["clip", "actor", "label"] and len(table) == len(test.labels)
    assert metrics["geometry_svm_linear"] == 1.0 and metrics["geometry_svm_linear_turned"] == 1.0  # roll-free
    assert metrics["pixels_svm_linear"] < 0.8  # random pixels carry no label
    assert metrics["geometry_svm_linear_vs_pixels_cnn_delta"] > 0.2
    assert metrics["pixels_cnn_ci95_low"] <= metrics["pixels_cnn"] <= metrics["pixels_cnn_ci95_high"]
    assert metrics["test_actors"] == 4


def test_identity_pre_training_never_sees_the_test_actors():
    sets = {"S1": toy_set(2, 4, 0), "S2": toy_set(2, 4, 1), "POOL": toy_set(2, 4, 2), "S4": toy_set(2, 4, 3)}
    source = identity_source(sets)
    assert set(source.actors) == set(sets["S1"].actors) | set(sets["S2"].actors) | set(sets["POOL"].actors)
    assert not set(source.actors) & set(sets["S4"].actors)
    sets["S2"] = sets["S4"]  # an actor in both: refused, not silently used
    with pytest.raises(UserError, match="test actors"):
        identity_source(sets)


def tiny_cnn():
    from avemo.models.classifier import ClassifierConfig, EmotionCNN
    from avemo.training.classifier import FitConfig

    cfg = ClassifierConfig(depth="small", width=4, feature_dim=8, dropout=0.0, in_channels=3, n_classes=3)
    return cfg, FitConfig(epochs=3, batch_size=8, lr=1e-2, weight_decay=0.0, patience=5, seed=0, min_epochs=0), EmotionCNN


def test_fine_tuning_the_head_keeps_the_identity_network_and_all_changes_it():
    import torch

    from avemo.training.transfer import fine_tune, pretrain_identity

    cfg, fit, _ = tiny_cnn()
    g = torch.Generator().manual_seed(0)
    x, actors = torch.randn(48, 3, 16, 16, generator=g), np.repeat(np.arange(4), 12)
    source = pretrain_identity(x, actors, cfg, fit, 0.25)
    assert source.head[-1].out_features == 4  # one output per actor
    y = torch.as_tensor(np.tile(np.arange(3), 16))
    before = {k: v.clone() for k, v in source.state_dict().items()}
    head = fine_tune(source, x, y, 3, "head", fit, 0.25)[0].state_dict()
    every = fine_tune(source, x, y, 3, "all", fit, 0.25)[0].state_dict()
    frozen = [k for k in before if not k.startswith("head")]
    assert all(torch.equal(head[k], before[k]) for k in frozen)  # weights and batch-norm statistics
    assert any(not torch.equal(every[k], before[k]) for k in frozen)
    assert head["head.1.weight"].shape == (3, cfg.feature_dim)
    assert all(torch.equal(v, before[k]) for k, v in source.state_dict().items())  # the source is not touched


def test_actor_share_separates_identity_from_expression_features():
    from avemo.evaluation.face_study import actor_share

    rng = np.random.default_rng(0)
    actors = np.repeat(np.arange(6), 10)
    who = rng.normal(size=(6, 4))[actors] + 0.01 * rng.normal(size=(60, 4))  # who the face is
    how = rng.normal(size=(60, 4))  # what it shows now
    assert actor_share(who, actors) > 0.99 and actor_share(how, actors) < 0.3
