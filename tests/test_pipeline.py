"""A tiny end-to-end `dvc repro` in a temporary copy of the repository."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

TINY = {
    "corpus": {"n_actors": 8, "sentences": ["TIE"], "workers": 1},
    "classifier": {"epochs": 2, "width": 8},
    "preprocess": {"workers": 1},
    "split": {"units": 4, "s1_units": 1, "s2_units": 1, "s3_units": 1, "s4_units": 1},
}


def _run(cmd, cwd, env):
    return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True)


def test_tiny_dvc_repro_end_to_end(tmp_path):
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if name.startswith(("metrics/", "plots/")) or name == "dvc.lock":
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
    pre = json.loads((repo / "metrics/preprocess.json").read_text())
    assert pre["kept"] == 48 and pre["face_detect_rate"] == 1.0
    split = json.loads((repo / "metrics/split.json").read_text())
    assert sum(split[f"S{k}_clips"] for k in range(1, 5)) == 48
    conformal = json.loads((repo / "metrics/conformal.json").read_text())
    assert 0 <= conformal["error_eps_0.1"] <= 1 and conformal["calibration_size"] == split["S2_clips"]
    assert 0 <= json.loads((repo / "metrics/audio_classifier.json").read_text())["accuracy"] <= 1
    assert (repo / "plots/preprocess/samples.png").stat().st_size > 1000
    status = _run(dvc + ["status"], repo, env).stdout
    assert "up to date" in status
