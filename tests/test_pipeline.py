"""A tiny end-to-end `dvc repro` in a temporary copy of the repository."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from conftest import ROOT
from test_dvc_deps import resolve

TINY = {
    "corpus": {"n_actors": 8, "sentences": ["TIE"], "workers": 1, "ceiling_actors": 40},
    "classifier": {"epochs": 2, "width": 8, "audio_width": 8},
    "preprocess": {"workers": 1},
    "split": {"units": 4, "s1_units": 1, "s2_units": 1, "s3_units": 1, "s4_units": 1, "pool_units": 0},
    "temporal": {"epochs": 1, "frame_features": 16},
    "gan": {"epochs": 2, "eval_every": 1, "width": 8, "bottleneck": 32},
    "eval": {"seeds": 2, "kid_subset": 10, "kid_subsets": 5, "curve_actors": [1], "curve_min_epochs": 2},
    "mrpn": {"epochs": 1, "folds": 2, "frames": 3, "segments": 3},
}


def changed_stages(repo, env, key, value) -> set[str]:
    """Stages `dvc status` reports changed after setting params key ``section.name`` (then restores the
    file). Their descendants re-run through their outputs; tests/test_dvc_deps.py checks that DAG."""
    path = repo / "params.yaml"
    original = path.read_text()
    params = yaml.safe_load(original)
    section, name = key.split(".")
    params[section][name] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        out = _run([sys.executable, "-m", "dvc", "status", "--json"], repo, env).stdout
    finally:
        path.write_text(original)
    return set(json.loads(out))


def _run(cmd, cwd, env):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stderr[-3000:]}"
    return done


def test_tiny_dvc_repro_end_to_end(tmp_path):
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if name.startswith(("metrics/", "plots/", "environment/", "results/")) or name == "dvc.lock":
            continue
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for section, values in TINY.items():
        params[section].update(values)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    _run(["git", "init", "-q"], repo, env)
    _run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], repo, env)
    _run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"], repo, env)
    dvc = [sys.executable, "-m", "dvc"]
    _run(dvc + ["repro"], repo, env)
    results = lambda stage: json.loads((repo / "results" / stage / "results.json").read_text())  # noqa: E731
    corpus = results("corpus")
    assert corpus["voice_ceiling_clips"] == 40 * 6  # one sentence x 6 emotions per actor
    assert corpus["identity_actors"] == corpus["identity_faces_found"] == 8 and 2 <= corpus["identity_distinct"] <= 8
    assert {"face_to_voice_sex", "face_to_voice_traits", "face_to_voice_offsets"} <= set(corpus)
    pre = results("preprocess")
    assert pre["kept"] == 48 and pre["face_detect_rate"] == 1.0
    split = results("split")
    assert sum(split[f"S{k}_clips"] for k in range(1, 5)) == 48
    conformal = results("calibrate")
    assert 0 <= conformal["error_eps_0.1"] <= 1 and conformal["calibration_size"] == split["S2_clips"]
    assert 0 <= results("train_audio_classifier")["accuracy"] <= 1
    assert all((repo / "plots/preprocess" / f).stat().st_size > 1000 for f in ("samples.png", "expressions.png", "people.png"))
    generation = results("evaluate_generation")
    assert {"fid", "kid", "is", "ssim"} <= set(generation) and 1.0 <= generation["is"] <= 6.0
    assert 0 <= generation["copy_own_target_share"] <= 1 and generation["copy_distance_ratio"] > 0
    # every stage's headline numbers, taken from its results, are the metrics DVC compares
    from avemo.headline import HEADLINE

    for stage, names in HEADLINE.items():
        (declared,) = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"][stage]["metrics"]
        headline = json.loads((repo / resolve(next(iter(declared)))).read_text())
        assert set(headline) == set(names) and all(headline[n] == results(stage)[k] for n, k in names.items()), stage
    augmented = results("evaluate_augmented")
    assert augmented["seeds"] == 2
    assert augmented["delta"] == pytest.approx(augmented["augmented_accuracy"] - augmented["baseline_accuracy"], abs=2e-4)
    assert augmented["delta_ci95_low"] <= augmented["delta"] <= augmented["delta_ci95_high"]
    assert {"oracle_accuracy", "shuffled_accuracy", "oracle_delta_p_value"} <= set(augmented)
    mrpn = results("train_mrpn")
    assert {"audio_only", "video_only", "n0_late_fusion", "n0_end_to_end", "n1", "n2", "n2_std"} <= set(mrpn)
    losses = (repo / "plots/train_gan/losses.csv").read_text().splitlines()
    assert len(losses) == 3 and losses[0].startswith("epoch") and losses[1].startswith("1,")  # epochs from 1
    evaluated = (repo / "plots/train_gan/evaluations.csv").read_text().splitlines()  # gan.eval_every 1: both
    assert evaluated[0].startswith("epoch,fid") and len(evaluated) == 3
    assert {p.name for p in (repo / "plots/train_mrpn/confusion").iterdir()} == {f"{v}.png" for v in mrpn
                                                                                 if f"{v}_std" in mrpn}
    environment = json.loads((repo / "environment/train_gan.json").read_text())
    assert environment["torch"] and not any(k.startswith("env") for k in generation)  # results hold results only
    status = _run(dvc + ["status"], repo, env).stdout
    assert "up to date" in status
    shown = _run(dvc + ["plots", "show", "--json"], repo, env).stdout
    assert "mrpn_folds" in shown and "gan_losses" in shown
    from avemo.report.offline import write_template

    write_template(repo / ".dvc" / "plots.html")  # what `make install` writes
    _run(dvc + ["plots", "show", "-o", str(tmp_path / "plots")], repo, env)
    page = (tmp_path / "plots" / "index.html").read_text()
    assert "window.vegaEmbed" in page and "cdn.jsdelivr" not in page and "gan_losses" in page
    train_gan_with_two_processes(repo, tmp_path, env)
    # two actor folds through the queue on "machine A", one variant on "machine B", the report on a
    # third clone from what DVC stored and shared
    fan_out_across_two_machines(repo, tmp_path, env)
    # a second variant of the same folds restores each fold's shared work from DVC's run cache, and
    # gives what computing everything again gives
    shared_work_is_restored_and_identical(repo, env)
    # a GAN switch re-runs the GAN and what follows only; nothing upstream lists gan params
    # (check_params reads every key, but its output is the same for any valid params)
    assert changed_stages(repo, env, "gan.condition", "conformal") == {"check_params", "train_gan"}
    assert changed_stages(repo, env, "gan.loss", "wasserstein") == {"check_params", "pretrain_gan", "train_gan"}
    assert changed_stages(repo, env, "mrpn.aggregator", "transformer") == {"check_params", "train_mrpn"}
    # a misspelt -S value stops at check_params, before DVC removes any GAN output
    gan_outputs = [repo / "models/gan_pretrained.pt", repo / "models/gan.pt", repo / "results/train_gan/results.json"]
    for setting in ("gan.loss=wasserstien", "+gan.lose=bce"):
        failed = subprocess.run(dvc + ["exp", "run", "-S", setting], cwd=repo, env=env, capture_output=True, text=True)
        assert failed.returncode != 0 and ("wasserstien" in failed.stderr or "gan.lose" in failed.stderr)
        assert all(p.exists() for p in gan_outputs), setting
        _run(["git", "checkout", "params.yaml"], repo, env)
    # any subset of the MRPN variants runs, and declares only the figures it writes
    _run(dvc + ["exp", "run", "-S", "mrpn.variants=[n2]", "train_mrpn"], repo, env)
    only = results("train_mrpn")
    assert "n2" in only and "n1" not in only
    assert [p.name for p in (repo / "plots/train_mrpn/confusion").iterdir()] == ["n2.png"]


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]


SHARED = ("split", "train_face_classifier", "train_audio_classifier", "calibrate", "train_temporal_encoder",
          "learning_curve", "evaluate_references")  # the same for every GAN variant of a fold
COMPARED = ("results/evaluate_augmented/clips.csv", "results/evaluate_augmented/results.json",
            "results/evaluate_references/results.json", "results/learning_curve/clips.csv",
            "results/train_audio_classifier/results.json", "results/calibrate/results.json")


def shared_work_is_restored_and_identical(repo, env):
    """After fan_out's study of the default variant (folds 0 and 1), `avemo report run` of a second
    variant on fold 1 restores every shared stage ("is cached - skipping run") and trains only its
    GAN, generation and sample arms; applied to the workspace (`dvc exp apply`) with every shared stage
    forced to compute again (`dvc exp run -f -s`, in the DAG's order), it writes the same per-clip
    tables and results, byte for byte. (Fold 0's variant would read the baseline commit's shared
    outputs: nothing to restore.)"""
    from dvc import api as dvc_api

    dvc = [sys.executable, "-m", "dvc"]
    avemo = [str(Path(sys.executable).parent / "avemo"), "report"]
    _run(avemo + ["run", "--folds", "2", "--start-fold", "1", "--poll", "1", "--variant", "gan.condition=classifier"],
         repo, env)
    shown = json.loads(_run(dvc + ["exp", "show", "--json"], repo, env).stdout)
    variant = {}
    for row in shown:
        for exp in row.get("experiments") or []:
            for rev in exp.get("revs") or []:
                params = rev["data"]["params"]["params.yaml"]["data"]
                if params["gan"]["condition"] == "classifier":
                    variant[params["split"]["fold"]] = (rev.get("name") or exp.get("name"), rev["rev"])
    assert set(variant) == {1}, variant
    log = _run(dvc + ["queue", "logs", variant[1][0]], repo, env).stdout
    for stage in SHARED:  # restored from the run cache
        assert f"Running stage '{stage}'" not in log and f"Stage '{stage}' is cached - skipping run" in log, stage
    assert "Running stage 'train_gan'" in log and "Running stage 'evaluate_augmented'" in log
    assert "train_mrpn" not in log and "face_study" not in log  # the report reads neither
    # the README's filter: the headline numbers that changed, the augmented interval whole, in 200 columns
    table = _run(dvc + ["exp", "show", "--only-changed", "--drop", ".*/", "--keep", "aug_", "--md"], repo, env).stdout
    header = table.splitlines()[0]
    assert "aug_lo" in header and "aug_hi" in header and "gan.condition" in header, header
    assert max(map(len, table.splitlines())) <= 200, table
    _run(dvc + ["exp", "apply", variant[1][0]], repo, env)  # its params and outputs into the workspace
    _run(dvc + ["exp", "run", "-f", "-s", *SHARED, "evaluate_augmented"], repo, env)
    for path in COMPARED:
        shared = dvc_api.read(path, repo=str(repo), rev=variant[1][1])
        assert (repo / path).read_text() == shared, path
    _run(["git", "checkout", "-q", "--", "."], repo, env)  # back to the committed pipeline and its outputs
    _run(dvc + ["checkout", "-q"], repo, env)


def fan_out_across_two_machines(repo, tmp_path, env):
    """The DVC way to split a grid over machines: "machine" A (the repo) and B (a clone) share a bare
    Git remote and a local-directory DVC remote; each runs part of the grid and `dvc exp push`es it;
    a third clone `dvc exp pull`s everything and builds the report."""
    dvc = [sys.executable, "-m", "dvc"]
    origin, store = tmp_path / "origin.git", tmp_path / "dvc-store"
    _run(["git", "init", "-q", "--bare", str(origin)], tmp_path, env)
    _run(dvc + ["remote", "add", "-d", "shared", str(store)], repo, env)
    _run(GIT + ["add", "-A"], repo, env)
    _run(GIT + ["commit", "-qm", "pipeline run"], repo, env)
    _run(["git", "remote", "add", "origin", str(origin)], repo, env)
    _run(["git", "push", "-q", "origin", "HEAD:main"], repo, env)
    _run(dvc + ["push", "-q"], repo, env)
    machine_b = tmp_path / "machine_b"
    _run(["git", "clone", "-q", "-b", "main", str(origin), str(machine_b)], tmp_path, env)
    _run(dvc + ["pull", "-q"], machine_b, env)
    avemo = [str(Path(sys.executable).parent / "avemo"), "report"]
    _run(avemo + ["run", "--folds", "2", "--poll", "1"], repo, env)  # machine A: the folds
    _run(dvc + ["exp", "run", "-q", "-S", "eval.kid_subsets=3"], machine_b, env)  # machine B: a variant
    _run(["git", "checkout", "-q", "--", "."], machine_b, env)  # back to the committed pipeline
    for machine in (repo, machine_b):
        _run(dvc + ["exp", "push", "-q", "--all-commits", "origin"], machine, env)
    machine_c = tmp_path / "machine_c"
    _run(["git", "clone", "-q", "-b", "main", str(origin), str(machine_c)], tmp_path, env)
    _run(dvc + ["exp", "pull", "-q", "--all-commits", "origin"], machine_c, env)
    _run(avemo + ["collect", "--out", "reports"], machine_c, env)
    tables = json.loads((machine_c / "reports/tables.json").read_text())
    by_label = {v["label"]: v for v in tables["variants"]}
    assert set(by_label) == {"default", "eval.kid_subsets=3"}, set(by_label)
    folds = by_label["default"]
    assert folds["folds"] == [0, 1] and folds["pooled"]["augmented"]["actors"] == 4
    assert by_label["eval.kid_subsets=3"]["folds"] == [0]
    assert "delta vs baseline" in (machine_c / "reports/tables.md").read_text()


def train_gan_with_two_processes(repo, tmp_path, env):
    """``train.processes: 2``: the stage relaunches itself under torchrun (two gloo processes) and
    writes what one process writes: the same generator layout, the same metrics keys. (That two
    processes compute what one does is tests/test_distributed.py's job.)"""
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["train"]["processes"] = 2
    (tmp_path / "two.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = tmp_path / "two_processes"
    _run([sys.executable, "stages/train_gan.py", "--params", str(tmp_path / "two.yaml"), "--processed", "data/processed",
          "--splits", "data/splits.csv", "--conformal", "data/conformal.npz", "--embeddings",
          "data/temporal_embeddings.npy", "--pretrained", "models/gan_pretrained.pt", "--audio-model",
          "models/audio_classifier.pt", "--face-model", "models/face_classifier.pt", "--model", str(out / "gan.pt"),
          "--results", str(out / "results"), "--plots", str(out / "plots"), "--environment",
          str(out / "environment.json"), "--checkpoint", str(out / "checkpoint.pt")], repo, env)
    one = torch.load(repo / "models/gan.pt", weights_only=False)["generator"]
    two = torch.load(out / "gan.pt", weights_only=False)["generator"]
    assert {k: v.shape for k, v in one.items()} == {k: v.shape for k, v in two.items()}
    assert set(json.loads((out / "results/results.json").read_text())) == set(
        json.loads((repo / "results/train_gan/results.json").read_text()))
