"""docs/extending.md's recipes, followed as a user would: a GAN condition, a GAN loss and an MRPN
fusion variant added through their registry entries and implementation rows alone, then run through
params validation, GAN training, pool generation, MRPN's folds, the summary and the paired
comparisons. Leaving out a registry entry must fail."""
import importlib.util
import json
import re
from dataclasses import asdict

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml

from avemo import variants
from avemo.config.all import ALL_SECTIONS, check_across_sections
from avemo.config.core import ParamsError, load_params
from avemo.data import conditions
from avemo.data.conditions import Condition, ConditionInputs
from avemo.data.pairs import PairSpec, s3_pairs
from avemo.evaluation.mrpn_report import mrpn_metrics
from avemo.models import mrpn as mrpn_models
from avemo.models.checkpoints import save_generator
from avemo.models.gan import build_gan
from avemo.models.mrpn import Frozen, FusionNet, MrpnConfig
from avemo.report import summary
from avemo.training import losses
from avemo.training.gan import GanData, fit_gan
from avemo.training.losses import GanLoss
from avemo.training.mrpn import MrpnFit, cross_validate
from avemo.variants import ConditionKind, LossKind, MrpnKind, implemented
from conftest import ROOT, from_params, gan_setup, gan_train_config
from test_mrpn import SPEC, tiny_clips
from test_transfer import CLASSES, fake_processed


# --- the recipes' code, as docs/extending.md writes it -----------------------------------------------

def credibility_condition(c: ConditionInputs) -> Condition:
    """The p-values plus credibility and confidence (width C + 2)."""
    s = np.sort(c.pvalues, axis=1)
    m = np.concatenate([c.pvalues, s[:, -1:], 1 - s[:, -2:-1]], axis=1).astype(np.float32)
    return Condition(m, c.pvalues.argmax(1), trains_q=True)


def d_hinge(critic, real, fake, cond, cfg, uniforms=None):
    """Hinge loss (Lim and Ye 2017): E[relu(1 - D(y))] + E[relu(1 + D(G))]."""
    return F.relu(1 - critic(real, cond).float()).mean() + F.relu(1 + critic(fake, cond).float()).mean()


def g_hinge(fake_score):
    return -fake_score.mean()


def n2_late(cfg, trained):
    return FusionNet(cfg, residual=True, side_heads=True, video=Frozen(trained["video_only"].encoder),
                     audio=Frozen(trained["audio_only"].encoder))


# (registry, name, kind) and (implementation table, implementation) of each recipe
ENTRIES = {
    "condition": ((variants.GAN_CONDITIONS, "credibility", ConditionKind(class_from="face_classifier")),
                  (conditions.CONDITIONS, credibility_condition)),
    "loss": ((variants.GAN_LOSSES, "hinge", LossKind(gradient_penalty=False)),
             (losses.LOSSES, GanLoss(d_hinge, g_hinge, critic_batch_norm=True, uniforms=0))),
    "fusion variant": ((variants.MRPN_VARIANTS, "n2_late", MrpnKind("both", needs=("video_only", "audio_only"))),
                       (mrpn_models.VARIANT_BUILDERS, n2_late)),
}


def follow_recipe(monkeypatch, which: str, registry_entry: bool = True) -> None:
    """Step 1, the registry entry (unless left out); step 2, the implementation table rebuilt with
    ``implemented`` as the module's own line does, and put in place of the module's table."""
    (registry, name, kind), (table, implementation) = ENTRIES[which]
    if registry_entry:
        monkeypatch.setitem(registry, name, kind)
    rebuilt = implemented(registry, **table, **{name: implementation})
    monkeypatch.setitem(table, name, rebuilt[name])


@pytest.fixture
def extended(monkeypatch):
    for which in ENTRIES:
        follow_recipe(monkeypatch, which)


def write_params(path, **sections):
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for section, values in sections.items():
        params[section].update(values)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


# --- the recipes run ------------------------------------------------------------------------------------

def test_new_entries_are_valid_params_choices_with_their_kinds(extended, tmp_path):
    path = write_params(tmp_path / "params.yaml", gan={"condition": "credibility", "loss": "hinge"},
                        generate={"sources": "pool"},
                        mrpn={"variants": ["video_only", "audio_only", "n2", "n2_late"]})
    check_across_sections(load_params(path, *ALL_SECTIONS))  # the pool accepts a face-classifier condition
    lazy = write_params(tmp_path / "lazy.yaml", gan={"loss": "hinge", "gp_every": 2})
    with pytest.raises(ParamsError, match="needs a gan.loss with a gradient penalty"):
        load_params(lazy, *ALL_SECTIONS)


def test_new_condition_and_loss_train_a_gan_that_generates_from_the_pool(extended, tmp_path):
    folder, table, sets = fake_processed(tmp_path, poison=False)
    rng = np.random.default_rng(0)
    files = {}
    for name, prefix in (("S3", "s3"), ("POOL", "pool")):
        clips = sets.query(f"set == '{name}'")["clip"].to_numpy().astype(str)
        files.update({f"{prefix}_clips": clips,
                      f"{prefix}_softmax": rng.dirichlet(np.ones(6), len(clips)).astype(np.float32),
                      f"{prefix}_pvalues": rng.uniform(0, 1, (len(clips), 6)).astype(np.float32)})
    np.savez(folder / "conformal.npz", **files)
    spec = PairSpec(direction="face2audio", input="image", condition="credibility", data_fraction=1.0, copies=1,
                    seed=0)
    pairs = s3_pairs(folder, folder / "splits.csv", folder / "conformal.npz", CLASSES, spec)
    assert pairs.condition.shape[1] == len(CLASSES) + 2  # G and D sized from the condition's width
    setup = gan_setup(**pairs.shapes(), critic_batch_norm=losses.LOSSES["hinge"].critic_batch_norm, noise_dim=8,
                      width=8, bottleneck=16)
    models = build_gan(setup)
    history = fit_gan(models, GanData(pairs.source, pairs.target, pairs.condition, pairs.klass),
                      gan_train_config(loss="hinge", epochs=1, batch_size=8, noise_dim=8))
    assert np.isfinite(history[-1]["d_loss"]) and np.isfinite(history[-1]["g_loss"])
    save_generator(tmp_path / "gan.pt", setup, models.generator, spec=asdict(spec), noise_dim=8, n_generate=1)

    stage_file = ROOT / "stages" / "generate.py"
    stage = importlib.util.module_from_spec(importlib.util.spec_from_file_location("stage_generate", stage_file))
    stage.__spec__.loader.exec_module(stage)
    params = write_params(tmp_path / "run.yaml", generate={"sources": "pool", "min_credibility": 0.3})
    stage.run(stage.main, stage.__doc__, stage.INPUTS, stage.OUTPUTS, [
        "--params", str(params), "--processed", str(folder), "--splits", str(folder / "splits.csv"),
        "--conformal", str(folder / "conformal.npz"), "--embeddings", str(tmp_path / "unused.npy"),
        "--gan-model", str(tmp_path / "gan.pt"), "--generated", str(tmp_path / "generated.npz"),
        "--plan", str(tmp_path / "plan.json"), "--results", str(tmp_path / "results"),
        "--figure", str(tmp_path / "figure.png")])
    out = np.load(tmp_path / "generated.npz")
    report = json.loads((tmp_path / "results" / "results.json").read_text())
    kept = int((files["pool_pvalues"].max(1) >= 0.3).sum())
    assert str(out["condition"]) == "credibility" and set(out["sets"]) == {"POOL"}
    assert len(out["generated"]) == report["faces_pool"] == report["pool_selected"] == kept


def test_new_fusion_variant_reaches_the_paired_comparisons_and_the_summary(extended, tmp_path):
    data = tiny_clips()
    folds = [(np.arange(6, 18), np.arange(3, 6), np.arange(0, 3)), (np.arange(0, 12), np.arange(12, 15),
                                                                     np.arange(15, 18))]
    chosen = ("video_only", "audio_only", "n2", "n2_late")
    cfg = from_params(MrpnConfig, "mrpn", n_classes=3, feature_dim=16, max_steps=64)
    study = cross_validate(data, folds, cfg, from_params(MrpnFit, "mrpn", "train", precision="fp32", epochs=1, batch_size=6), SPEC,
                           chosen, conditions=("audio_missing",))
    actors = np.arange(len(study.order)) // 2
    metrics, _, _ = mrpn_metrics([study], data.labels[study.order], actors, chosen, seed=0)
    for key in ("n2_late", "n2_late_inferior", "n2_late_vs_best_unimodal_delta", "n2_vs_n2_late_delta",
                "n2_vs_n2_late_audio_missing_delta", "n2_late_audio_missing"):
        assert key in metrics, key
    (tmp_path / "train_mrpn").mkdir()
    (tmp_path / "train_mrpn" / "results.json").write_text(json.dumps(metrics))
    headline = summary.summary_table(tmp_path)
    assert re.search(r"n2_late \d\.\d{3} \([+-]\d+\.\d \[[^]]+\] vs (audio|video)_only\)", headline), headline
    details = summary.detail_tables(tmp_path)
    assert "| n2_late |" in details and "| n2 vs n2_late |" in details


@pytest.mark.parametrize("which", sorted(ENTRIES))
def test_a_recipe_without_its_registry_entry_fails(monkeypatch, which):
    with pytest.raises(TypeError, match="not registered"):
        follow_recipe(monkeypatch, which, registry_entry=False)
