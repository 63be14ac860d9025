"""A user's own dataset copy: stray macOS and hidden files, upper-case extensions, halves of a pair
without the other, VideoDemographics.csv missing or malformed, classes without clips, and the copy
as a real DVC dependency of preprocess."""
import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from avemo.data.manifests import DatasetError, DatasetWarning, build_manifest, crema_d_manifest, ravdess_manifest
from avemo.data.splits import split_counts
from conftest import ROOT

SIX = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
DEMO = '"ActorID","Age","Sex","Race","Ethnicity"\n1001,51,"Male","Caucasian","Not Hispanic"\n'


def _touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def crema_copy(root, stems=("1001_DFA_ANG_XX", "1001_IEO_HAP_HI"), demographics=DEMO):
    for stem in stems:
        _touch(root / "AudioWAV" / f"{stem}.wav")
        _touch(root / "VideoFlash" / f"{stem}.flv")
    if demographics is not None:
        (root / "VideoDemographics.csv").write_text(demographics)
    return root


def test_macos_forks_and_hidden_files_are_not_clips(tmp_path):
    root = crema_copy(tmp_path)
    for stem in ("1001_DFA_ANG_XX", "1001_IEO_HAP_HI"):  # a zip made on a Mac: one fork per file
        _touch(root / "AudioWAV" / f"._{stem}.wav")
        _touch(root / "VideoFlash" / f"._{stem}.flv")
    _touch(root / "AudioWAV" / ".DS_Store")
    table, rejects = crema_d_manifest(root, SIX)
    assert len(table) == 2 and rejects.empty


def test_upper_case_extensions_are_read(tmp_path):
    _touch(tmp_path / "AudioWAV" / "1001_DFA_ANG_XX.WAV")
    _touch(tmp_path / "VideoFlash" / "1001_DFA_ANG_XX.FLV")
    _touch(tmp_path / "Actor_01" / "01-01-03-02-01-01-01.MP4")
    table, _ = crema_d_manifest(tmp_path, SIX)
    assert table["video_path"].str.endswith(".FLV").tolist() == [True]
    assert ravdess_manifest(tmp_path, SIX)[0]["clip"].tolist() == ["01-01-03-02-01-01-01"]


def test_a_video_without_audio_and_an_audio_without_video_are_listed(tmp_path):
    root = crema_copy(tmp_path)
    _touch(root / "VideoFlash" / "1001_TIE_SAD_XX.flv")
    _touch(root / "AudioWAV" / "1001_TIE_FEA_XX.wav")
    _, rejects = crema_d_manifest(root, SIX)
    by_clip = rejects.set_index("clip")
    assert by_clip.loc["1001_TIE_SAD_XX", "kind"] == "no matching audio"
    assert by_clip.loc["1001_TIE_SAD_XX", "path"].endswith("VideoFlash/1001_TIE_SAD_XX.flv")
    assert by_clip.loc["1001_TIE_FEA_XX", "kind"] == "no matching video"
    assert by_clip.loc["1001_TIE_FEA_XX", "path"].endswith("AudioWAV/1001_TIE_FEA_XX.wav")


def test_missing_demographics_warns_and_split_metrics_record_unknown_sex(tmp_path):
    root = crema_copy(tmp_path, demographics=None)
    with pytest.warns(DatasetWarning, match="VideoDemographics.csv not found"):
        table, _ = crema_d_manifest(root, SIX)
    assert set(table["sex"]) == {"Unknown"}
    sets = table.assign(set="S1")
    assert split_counts(sets, SIX)["actors_unknown_sex_share"] == 1.0
    half = pd.DataFrame({"clip": ["a", "b"], "actor": [1, 2], "sex": ["Male", "Unknown"], "emotion": ["ANG", "ANG"],
                         "set": ["S1", "S2"]})
    assert split_counts(half, SIX)["actors_unknown_sex_share"] == 0.5


@pytest.mark.parametrize("content,problem", [
    ('"ActorID","Age","Gender"\n1001,51,"Male"\n', "no column 'Sex'"),
    ('"ActorID","Sex"\nabc,"Male"\n', "ActorID 'abc' on data line 1 is not a number"),
    ('"ActorID","Sex"\n1001,"Male",x,y,"z\n', "not a readable CSV"),
])
def test_malformed_demographics_is_one_line_naming_the_file(tmp_path, content, problem):
    root = crema_copy(tmp_path, demographics=content)
    with pytest.raises(DatasetError, match=problem) as err:
        crema_d_manifest(root, SIX)
    assert "VideoDemographics.csv" in str(err.value) and "\n" not in str(err.value)


def test_a_class_without_clips_is_refused(tmp_path):
    root = crema_copy(tmp_path)  # ANG and HAP only
    with pytest.raises(DatasetError, match="data.classes lists DIS, FEA, NEU, SAD but"):
        build_manifest("crema_d", root, SIX)
    assert len(build_manifest("crema_d", root, ("ANG", "HAP"))[0]) == 2


def _run(cmd, cwd, env):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def test_the_users_root_is_a_dvc_dependency(tiny_corpus, tmp_path):
    """With data.dataset crema_d and the user's copy linked into the project (docs/datasets.md), the
    corpus stage does no work, preprocess reads the root, and changing a file there makes preprocess
    stale; a hidden file or macOS fork, which the reader skips, does not (.dvcignore). A root left
    outside the project, where DVC cannot apply .dvcignore, draws a one-line warning."""
    repo, copy = tmp_path / "repo", tmp_path / "CREMA-D"
    shutil.copytree(tiny_corpus, copy)
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if name.startswith(("stages/", "src/", ".dvc/")) or name in ("dvc.yaml", "params.yaml", ".dvcignore",
                                                                       ".gitignore"):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    import yaml

    params = yaml.safe_load((repo / "params.yaml").read_text())
    (repo / "data").mkdir()
    (repo / "data" / "crema_d").symlink_to(copy)
    params["data"].update(dataset="crema_d", root="data/crema_d")
    params["preprocess"]["workers"] = 1
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    for cmd in (["git", "init", "-q"], ["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"],
                ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(cmd, cwd=repo, check=True, capture_output=True)
    dvc = [sys.executable, "-m", "dvc"]
    done = _run(dvc + ["repro", "preprocess"], repo, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((repo / "metrics/preprocess.json").read_text())["kept"] == 24
    assert not (repo / "metrics/corpus.json").exists()  # preprocess does not need the corpus stage
    assert _run(dvc + ["repro", "corpus"], repo, env).returncode == 0
    assert json.loads((repo / "results/corpus/results.json").read_text())["clips"] == 0  # which writes no corpus
    assert "preprocess" not in json.loads(_run(dvc + ["status", "--json"], repo, env).stdout)
    (copy / "AudioWAV" / "._1001_TIE_ANG_XX.wav").write_bytes(b"\x00\x05\x16\x07 a macOS fork")
    (copy / "VideoFlash" / ".DS_Store").write_bytes(b"Bud1")
    assert "preprocess" not in json.loads(_run(dvc + ["status", "--json"], repo, env).stdout)
    outside = yaml.safe_load((repo / "params.yaml").read_text())
    outside["data"]["root"] = str(copy)
    (tmp_path / "outside.yaml").write_text(yaml.safe_dump(outside, sort_keys=False))
    checked = _run([sys.executable, "stages/check_params.py", "--params", str(tmp_path / "outside.yaml"),
                    "--checked", str(tmp_path / "checked")], repo, env)
    assert checked.returncode == 0 and "data.root" in checked.stderr and "outside the project" in checked.stderr
    wav = sorted((copy / "AudioWAV").glob("1*.wav"))[0]
    wav.write_bytes(wav.read_bytes()[:-100])  # a file of the user's copy changes
    assert "preprocess" in json.loads(_run(dvc + ["status", "--json"], repo, env).stdout)
