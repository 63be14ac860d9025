"""Cross-modal transfer from a face-only pool: the pool is actor-disjoint from S1-S4, conformal
selection keeps exactly the faces it should, and the pool's audio and labels reach no audio-side
training set except the oracle (and pseudo-label) controls."""
import numpy as np
import pandas as pd
import pytest
import torch

from avemo.data.pairs import PairSpec, calibrated_pairs
from avemo.conformal.selection import PoolSelection, select_pool
from avemo.data.splits import SplitSpec, assign_sets
from avemo.evaluation.augmented import arm_sources, arms_for_seed
from avemo.conformal.prediction import reliable

pytestmark = pytest.mark.numerics  # compares floats: `make test` re-runs it under other CPUs' kernels

CLASSES = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


def actors_table(n_actors=16, clips_each=6):
    rows = [{"clip": f"{1001 + a}_{k}", "actor": 1001 + a, "sex": "Male" if a % 2 else "Female",
             "emotion": CLASSES[k % 6]} for a in range(n_actors) for k in range(clips_each)]
    return pd.DataFrame(rows)


def test_pool_actors_are_disjoint_from_s1_to_s4_on_every_fold():
    table = actors_table()
    for fold in range(8):
        sets = assign_sets(table, SplitSpec(seed=0, units=8, s1_units=2, s2_units=1, s3_units=2, s4_units=1,
                                            pool_units=2, fold=fold, audio_share=1.0))
        by_actor = sets.groupby("actor")["set"].nunique()
        assert (by_actor == 1).all()  # an actor is in one set only
        assert sets.query("set == 'POOL'")["actor"].nunique() == 4


def test_selection_keeps_exactly_the_trusted_faces():
    pv = np.array([[0.90, 0.05, 0.02],   # credibility 0.90, confidence 0.95, set at 0.1: {0}
                   [0.60, 0.50, 0.01],   # confidence 0.50, set at 0.1: {0, 1}
                   [0.15, 0.03, 0.02],   # credibility 0.15
                   [0.40, 0.08, 0.30]])  # confidence 0.70, set at 0.1: {0, 2}
    assert reliable(pv).tolist() == [True, True, True, True]
    assert reliable(pv, min_credibility=0.3).tolist() == [True, True, False, True]
    assert reliable(pv, min_confidence=0.6).tolist() == [True, False, True, True]
    assert reliable(pv, singleton_eps=0.1).tolist() == [True, False, True, False]
    assert reliable(pv, 0.3, 0.6, 0.1).tolist() == [True, False, False, False]


def fake_processed(tmp_path, poison: bool, audio_share: float = 1.0, poisoned: str = "POOL"):
    """A processed folder and a split with S1-S4 and a pool (and S3U under an audio budget);
    ``poison`` replaces the audio of the set ``poisoned`` by noise and permutes its labels (what a
    leak would pick up)."""
    rng = np.random.default_rng(0)
    table = actors_table()
    sets = assign_sets(table, SplitSpec(seed=0, units=8, s1_units=2, s2_units=1, s3_units=2, s4_units=1,
                                        pool_units=2, fold=0, audio_share=audio_share))
    table.insert(0, "index", np.arange(len(table)))
    faces = rng.integers(0, 255, (len(table), 28, 28, 3), dtype=np.uint8)
    specs = rng.uniform(-1, 1, (len(table), 1, 28, 112)).astype(np.float32)
    pool = (sets["set"] == poisoned).to_numpy()
    if poison:
        specs[pool] = np.random.default_rng(1).uniform(-1, 1, specs[pool].shape)
        table.loc[pool, "emotion"] = np.random.default_rng(2).permutation(table.loc[pool, "emotion"].to_numpy())
    folder = tmp_path / f"{'poisoned' if poison else 'clean'}_{audio_share}"
    folder.mkdir()
    np.save(folder / "faces.npy", faces)
    np.save(folder / "spectrograms.npy", specs)
    table.to_csv(folder / "clips.csv", index=False)
    sets.to_csv(folder / "splits.csv", index=False)
    return folder, table, sets


def test_pool_audio_and_labels_reach_only_the_oracle_and_pseudo_arms(tmp_path):
    arms = {}
    for poison in (False, True):
        folder, table, sets = fake_processed(tmp_path, poison)
        s3 = table.merge(sets[["clip", "set"]])["set"].eq("S3").to_numpy()
        pool = table.merge(sets[["clip", "set"]])["set"].eq("POOL").to_numpy()
        rows = np.concatenate([np.flatnonzero(s3)[:10], np.flatnonzero(pool)[:10]])
        generated = {"generated": np.random.default_rng(3).uniform(-1, 1, (20, 1, 28, 112)).astype(np.float32),
                     "klass": np.arange(20) % 6, "rows": rows, "sets": np.array(["S3"] * 10 + ["POOL"] * 10)}
        src = arm_sources(folder, folder / "splits.csv", generated, CLASSES, "spectrograms")
        arms[poison] = arms_for_seed(src, "spectrograms", seed=0)
        assert (src.generated.source < 0).sum() == 10
    for name in ("baseline", "augmented", "shuffled"):
        assert torch.equal(arms[False][name].x, arms[True][name].x) and torch.equal(arms[False][name].y, arms[True][name].y)
    for name in ("oracle", "pseudo"):  # the controls do see the pool's real audio
        assert not torch.equal(arms[False][name].x, arms[True][name].x)
    assert not torch.equal(arms[False]["oracle"].y, arms[True]["oracle"].y)  # the oracle's true labels
    assert torch.equal(arms[False]["pseudo"].y, arms[True]["pseudo"].y)  # pseudo: the generator's classes


def test_pool_conditions_never_read_the_pools_labels(tmp_path):
    spec = PairSpec(direction="face2audio", input="image", condition="classifier", data_fraction=1.0, copies=1, seed=0)
    pairs = {}
    for poison in (False, True):
        folder, table, sets = fake_processed(tmp_path, poison)
        pool_clips = sets.query("set == 'POOL'")["clip"].to_numpy()
        softmax = np.random.default_rng(4).dirichlet(np.ones(6), size=len(pool_clips)).astype(np.float32)
        np.savez(folder / "conformal.npz", s3_clips=np.array([], str), pool_clips=pool_clips.astype(str),
                 pool_softmax=softmax, pool_pvalues=softmax)
        pairs[poison] = calibrated_pairs(folder, folder / "splits.csv", folder / "conformal.npz", "POOL", CLASSES, spec)
    assert torch.equal(pairs[False].source, pairs[True].source)
    assert torch.equal(pairs[False].condition, pairs[True].condition) and torch.equal(pairs[False].klass, pairs[True].klass)
    with pytest.raises(ValueError, match="needs true labels"):
        calibrated_pairs(folder, folder / "splits.csv", folder / "conformal.npz", "POOL", CLASSES,
                         PairSpec(**{**spec.__dict__, "condition": "label"}))


@pytest.mark.parametrize("condition", ["classifier", "conformal"])
def test_pool_label_accuracy_is_that_of_the_classes_generated_for(tmp_path, condition):
    """generate's pool report scores the class each face is generated for (the condition's argmax),
    all faces and the kept ones, exactly as the pairs handed to G carry it."""
    folder, table, sets = fake_processed(tmp_path, poison=False)
    pool_clips = sets.query("set == 'POOL'")["clip"].to_numpy()
    rng = np.random.default_rng(5)
    softmax = rng.dirichlet(np.ones(6) * 0.5, size=len(pool_clips)).astype(np.float32)
    pvalues = rng.uniform(0, 1, (len(pool_clips), 6)).astype(np.float32)  # argmax differs from softmax's on most faces
    assert (softmax.argmax(1) != pvalues.argmax(1)).mean() > 0.5
    np.savez(folder / "conformal.npz", s3_clips=np.array([], str), pool_clips=pool_clips.astype(str),
             pool_softmax=softmax, pool_pvalues=pvalues)
    spec = PairSpec(direction="face2audio", input="image", condition=condition, data_fraction=1.0, copies=1, seed=0)
    files = (folder, folder / "splits.csv", folder / "conformal.npz")
    keep, report = select_pool(*files, CLASSES, condition, PoolSelection(min_credibility=0.5, min_confidence=0.0, singleton_eps=0.0))
    assert 0 < keep.sum() < len(keep)
    every = calibrated_pairs(*files, "POOL", CLASSES, spec)
    kept = calibrated_pairs(*files, "POOL", CLASSES, spec, keep=keep)
    assert report["pool_label_accuracy_all"] == pytest.approx(float((every.klass.numpy() == every.labels).mean()), abs=1e-4)
    assert report["pool_label_accuracy_selected"] == pytest.approx(float((kept.klass.numpy() == kept.labels).mean()),
                                                                   abs=1e-4)
    assert report["pool_selected"] == len(kept.klass) == int((pvalues.max(1) >= 0.5).sum())


@pytest.mark.parametrize("from_pool", [0, 7])
def test_every_arm_adds_as_many_samples_as_were_generated(tmp_path, from_pool):
    """The fair baseline, the oracle, the shuffled and pseudo-label arms each add exactly as many
    samples as the generated set, sample for sample, and the baseline's copies are made from S3."""
    folder, table, sets = fake_processed(tmp_path, poison=False)
    part = table.merge(sets[["clip", "set"]])
    s3, pool = (np.flatnonzero(part["set"].eq(name)) for name in ("S3", "POOL"))
    rows = np.concatenate([s3[:13], pool[:from_pool]])  # 13: not a multiple of S3's size or of the classes
    n = len(rows)
    generated = {"generated": np.random.default_rng(3).uniform(-1, 1, (n, 1, 28, 112)).astype(np.float32),
                 "klass": np.arange(n) % 6, "rows": rows, "sets": np.array(["S3"] * 13 + ["POOL"] * from_pool)}
    src = arm_sources(folder, folder / "splits.csv", generated, CLASSES, "spectrograms")
    arms = arms_for_seed(src, "spectrograms", seed=1)
    assert set(arms) == ({"baseline", "augmented", "oracle", "shuffled"} | ({"pseudo"} if from_pool else set()))
    for name, extra in arms.items():
        assert len(extra.x) == len(extra.y) == len(extra.source) == n, name
    assert (arms["baseline"].source >= 0).all() and (arms["baseline"].source < len(src.real_y)).all()


def test_reference_arms_computed_apart_equal_those_computed_with_the_samples(tmp_path):
    """evaluate_references trains the fair baseline and the oracle from the plan alone; the same arms
    trained beside the generated samples (as one stage did before) predict the same, seed for seed,
    and the plan alone gives the same arms' inputs as the full generated set."""
    from avemo.evaluation.augmented import REFERENCE_ARMS, SAMPLE_ARMS, compare_arms, merge_arms
    from avemo.models.classifier import ClassifierConfig
    from avemo.training.classifier import FitConfig
    from avemo.data.arrays import load_set

    folder, table, sets = fake_processed(tmp_path, poison=False)
    part = table.merge(sets[["clip", "set"]])
    rows = np.concatenate([np.flatnonzero(part["set"].eq("S3"))[:10], np.flatnonzero(part["set"].eq("POOL"))[:4]])
    generated = {"generated": np.random.default_rng(3).uniform(-1, 1, (14, 1, 28, 112)).astype(np.float32),
                 "klass": np.arange(14) % 6, "rows": rows, "sets": np.array(["S3"] * 10 + ["POOL"] * 4)}
    plan = {"rows": [int(r) for r in rows], "sets": [str(s) for s in generated["sets"]]}
    full = arm_sources(folder, folder / "splits.csv", generated, CLASSES, "spectrograms")
    alone = arm_sources(folder, folder / "splits.csv", plan, CLASSES, "spectrograms")
    for name in REFERENCE_ARMS:
        a, b = arms_for_seed(full, "spectrograms", 5)[name], arms_for_seed(alone, "spectrograms", 5, (name,))[name]
        assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y) and (a.source == b.source).all(), name
    x4 = load_set(folder, folder / "splits.csv", "S4", CLASSES, "spectrograms")[0]
    cfg = ClassifierConfig(1, 6, "small", 4, 8, 0.3)
    fit = FitConfig(epochs=2, batch_size=16, lr=1e-3, weight_decay=0.0, patience=2, seed=0, min_epochs=0)
    together = compare_arms(full, x4, "spectrograms", cfg, fit, 2, 0.2)
    apart = merge_arms(compare_arms(alone, x4, "spectrograms", cfg, fit, 2, 0.2, which=REFERENCE_ARMS),
                       compare_arms(full, x4, "spectrograms", cfg, fit, 2, 0.2, which=SAMPLE_ARMS + ("pseudo",)))
    assert list(apart) == list(together) == ["baseline", "augmented", "oracle", "shuffled", "pseudo"]
    for arm in together:
        assert (apart[arm] == together[arm]).all(), arm



@pytest.mark.parametrize("generate_from", ["S3", "S3U"])
def test_the_audio_budget_lets_no_other_s3_actors_audio_or_label_into_training(tmp_path, generate_from):
    """Under an audio budget (half of S3), S3's other actors are faces only: poisoning their audio
    and labels changes nothing the GAN or the audio CNN trains on (the GAN's pairs, the real training
    set, the fair baseline, the generated and shuffled arms), only the oracle and pseudo-label controls
    when samples were generated from their faces."""
    trained, arms = {}, {}
    for poison in (False, True):
        folder, table, sets = fake_processed(tmp_path, poison, audio_share=0.5, poisoned="S3U")
        part = table.merge(sets[["clip", "set"]])
        assert part["set"].eq("S3U").any() and part.query("set == 'S3'")["actor"].nunique() == 2
        rows = np.flatnonzero(part["set"].eq(generate_from))[:8]
        generated = {"generated": np.random.default_rng(3).uniform(-1, 1, (8, 1, 28, 112)).astype(np.float32),
                     "klass": np.arange(8) % 6, "rows": rows, "sets": np.array([generate_from] * 8)}
        src = arm_sources(folder, folder / "splits.csv", generated, CLASSES, "spectrograms")
        arms[poison] = arms_for_seed(src, "spectrograms", seed=0)
        s3 = sets.query("set == 'S3'")["clip"].to_numpy().astype(str)
        np.savez(folder / "conformal.npz", s3_clips=s3, s3_softmax=np.full((len(s3), 6), 1 / 6, np.float32),
                 s3_pvalues=np.full((len(s3), 6), 0.5, np.float32))
        spec = PairSpec(direction="face2audio", input="image", condition="label", data_fraction=1.0, copies=1, seed=0)
        pairs = calibrated_pairs(folder, folder / "splits.csv", folder / "conformal.npz", "S3", CLASSES, spec)
        trained[poison] = (src.real_x, src.real_y, pairs.target, pairs.klass)
    assert all(torch.equal(a, b) for a, b in zip(trained[False], trained[True]))
    for name in ("baseline", "augmented", "shuffled"):
        assert torch.equal(arms[False][name].x, arms[True][name].x) and torch.equal(arms[False][name].y, arms[True][name].y)
    if generate_from == "S3U":  # the controls, and only they, read those faces' own audio
        for name in ("oracle", "pseudo"):
            assert not torch.equal(arms[False][name].x, arms[True][name].x), name
    else:
        assert torch.equal(arms[False]["oracle"].x, arms[True]["oracle"].x) and "pseudo" not in arms[True]
