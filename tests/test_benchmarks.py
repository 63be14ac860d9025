"""The benchmark scripts a GPU session runs in one call work, checked at a tiny size on the CPU (they
measure; nothing here asserts a speed)."""
import subprocess
import sys

import pytest
from conftest import ROOT


def test_gpu_acceptance_runs_at_a_tiny_size_on_the_cpu():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_acceptance.py"), "--tiny", "--device", "cpu"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 7, out.stdout
    assert sum("samples/s" in r for r in rows) == 5 and "gp_every 5" in out.stdout
    assert "one GAN epoch" in out.stdout and "one audio-CNN epoch" in out.stdout


def test_classifier_epoch_times_every_precision_at_each_thread_count(capsys):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from classifier_epoch import main
    from avemo.training.classifier import PRECISIONS

    rows = main(["--clips", "40", "--width", "4", "--shape", "1,12,24", "--threads", "1", "--epochs", "1", "--repeats", "1"])
    assert [(r["threads"], r["precision"]) for r in rows] == [(1, p) for p in PRECISIONS]
    assert rows[0]["speedup"] == 1.0 and all(r["seconds"] > 0 for r in rows)
    assert capsys.readouterr().out.count("| 1 | ") == len(PRECISIONS)


def test_jobs_throughput_runs_each_job_at_its_share_of_the_cores(capsys):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from jobs_throughput import main

    rows = main(["--jobs", "1,2", "--cores", "2", "--clips", "40", "--width", "4", "--shape", "1,12,24",
                 "--epochs", "1", "--repeats", "1", "--precision", "fp32"])
    assert [(r["jobs"], r["threads"], r["trainings"]) for r in rows] == [(1, [2], 1), (2, [1], 2)]
    assert rows[0]["vs_first"] == 1.0 and all(r["wall"] > 0 for r in rows)
    assert rows[1]["per_minute"] == 60 * 2 / rows[1]["wall"]
    assert rows[1]["vs_first"] == rows[1]["per_minute"] / rows[0]["per_minute"]
    assert "| 2 | 1 | " in capsys.readouterr().out


def test_the_rehearsal_times_each_stage_and_measures_its_memory(tmp_path, capsys):
    """The rehearsal's machinery on its first stage (the whole tiny run takes minutes): a copy of the
    repository with the preset's params, one row per stage with its time and memory, and the memory
    sampler sees a child process's allocation."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import yaml
    from rehearsal import PeakMemory, main

    rows = main(["--preset", "tiny", "--workdir", str(tmp_path / "copy"), "--until", "check_params"])
    assert [r["stage"] for r in rows] == ["check_params"] and rows[0]["ok"] and rows[0]["seconds"] > 0
    params = yaml.safe_load((tmp_path / "copy" / "params.yaml").read_text())
    assert params["corpus"]["frame_width"] == 208 and (tmp_path / "copy" / "dvc.lock").exists()
    assert not (tmp_path / "copy" / "metrics").exists()  # nothing committed is copied: every stage runs
    # a stopped run goes on where it ended: the finished stage is kept, not run again
    (tmp_path / "copy" / "dvc.yaml").touch()
    again = main(["--workdir", str(tmp_path / "copy"), "--resume", "--until", "corpus"])
    assert [r["stage"] for r in again] == ["check_params", "corpus"] and again[0] == rows[0] and again[1]["ok"]
    assert (tmp_path / "copy" / "data" / "corpus" / "VideoFlash").is_dir()
    # the table says which stages a GPU would take over: those whose torch work follows train.device
    from rehearsal import on_device
    copy = tmp_path / "copy"
    assert all(on_device(copy, s) for s in ("train_gan", "train_face_classifier", "evaluate_augmented", "generate"))
    assert not any(on_device(copy, s) for s in ("check_params", "corpus", "preprocess", "split", "calibrate"))
    # a fix re-measured: today's code in the copy, the stage forced to run, its row replaced and marked
    (copy / "stages" / "check_params.py").write_text("raise SystemExit(3)\n")  # stale code
    redone = main(["--workdir", str(copy), "--again", "check_params"])
    assert [r["stage"] for r in redone] == ["check_params", "corpus"] and redone[0]["ok"] and redone[1] == again[1]
    assert f"check_params (re-run at {redone[0]['commit']})" in capsys.readouterr().out
    assert (copy / "stages" / "check_params.py").read_text() == (ROOT / "stages" / "check_params.py").read_text()
    with pytest.raises(SystemExit, match="not run yet: split"):
        main(["--workdir", str(copy), "--again", "split"])
    with pytest.raises(SystemExit, match="nothing to resume"):
        main(["--workdir", str(tmp_path / "empty"), "--resume"])
    allocate = "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {allocate!r}])"])
    peak = PeakMemory(parent.pid, every=0.05)  # the allocation is the grandchild's, as a stage's under DVC
    parent.wait()
    tree, largest = peak.stop()
    assert tree > largest > 300 * 2**20


def test_queue_times_counts_each_experiment_from_its_start_or_from_the_run_before():
    """An experiment's run is end minus start when its executor's start is known; otherwise the time
    since the previous experiment ended, unless that gap is a stop of the queue. Rows are labelled by
    the params set away from the commit's, without the fold and the study's own settings."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from queue_times import Finished, time_runs, variant

    base = {"split.fold": 0, "gan.loss": "bce", "eval.seeds": 1}
    exps = [Finished("a", 1000, {**base, "split.fold": 1, "eval.seeds": 3}, base),
            Finished("b", 1300, {**base, "eval.seeds": 3, "gan.loss": "wasserstein"}, base),
            Finished("c", 1450, base, base),
            Finished("d", 9000, base, base),  # after a stop of the queue, start unknown
            Finished("e", 9100, base, base)]
    time_runs(exps, {"a": 880, "d": 8500}, max_gap=600)
    assert [e.seconds for e in exps] == [120, 300, 150, 500, 100]
    time_runs(exps, {}, max_gap=600)
    assert [e.seconds for e in exps[1:]] == [300, 150, None, 100]
    assert variant(exps[0], {"split.fold", "eval.seeds"}) == "default"
    assert variant(exps[1], {"split.fold", "eval.seeds"}) == "gan.loss=wasserstein"
