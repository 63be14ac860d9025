"""Runs, resume and tracking: the GAN checkpoint is keyed on the code and says when it resumes,
killed runs leave no temporaries behind, seeding keeps torch deterministic, and MLflow stays
offline, survives concurrent starts, marks dead runs, and records each stage's final results and
figures."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from avemo.atomic import atomic_path, remove_stale_temporaries, write_json
from avemo.runinfo import code_digest
from conftest import gan_train_config

CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("PYTEST_CURRENT_TEST", "CI", "GITHUB_ACTIONS", "MLFLOW_DISABLE_TELEMETRY")}


def python(code: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=env if env is not None else CLEAN_ENV)
    if check:
        assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_code_digest_changes_with_the_source(tmp_path, monkeypatch):
    pkg = tmp_path / "probe"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def loss(x):\n    return x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import probe  # noqa: F401

    before = code_digest("probe")
    assert code_digest("probe") == before
    (pkg / "__init__.py").write_text("def loss(x):\n    return 2 * x\n")
    assert code_digest("probe") != before


def test_gan_resume_is_announced_and_needs_the_same_code(tmp_path, capsys):
    from test_gan_training import models, toy_data

    from avemo.training.gan import fit_gan

    data, ckpt = toy_data(), tmp_path / "ckpt.pt"
    cfg = gan_train_config(epochs=2, batch_size=8, noise_dim=8)
    fit_gan(models(), data, cfg, checkpoint=ckpt, key_extra={"code": "A"})
    history = fit_gan(models(), data, cfg, checkpoint=ckpt, key_extra={"code": "A"})
    assert len(history) == 2 and "resuming from epoch 2" in capsys.readouterr().err
    history = fit_gan(models(), data, cfg, checkpoint=ckpt, key_extra={"code": "B"})  # a loss was edited
    assert "starting at epoch 0" in capsys.readouterr().err


def test_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    (tmp_path / f".m.json.tmp{pid}").write_text("half")
    (tmp_path / f".processed.tmp{pid}").mkdir()
    (tmp_path / f".m.json.tmp{os.getppid()}").write_text("a live writer's")  # left alone
    write_json(tmp_path / "m.json", {"a": 1})
    assert not (tmp_path / f".m.json.tmp{pid}").exists()
    assert (tmp_path / f".m.json.tmp{os.getppid()}").exists()
    assert remove_stale_temporaries(tmp_path / "processed") == [tmp_path / f".processed.tmp{pid}"]


def test_atomic_write_flushes_to_disk_before_the_rename(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(os.readlink(f"/proc/self/fd/{fd}")))
    with atomic_path(tmp_path / "out.bin") as tmp:
        tmp.write_bytes(b"x")
    assert calls[0].endswith(".tmp" + str(os.getpid())) and calls[-1] == str(tmp_path)


def test_mlflow_telemetry_is_off_outside_tests():
    out = python("""
        import avemo.tracking
        import mlflow
        from mlflow.telemetry.client import get_telemetry_client
        print(get_telemetry_client())
    """)
    assert out.stdout.strip() == "None"


RUN = """
    import os, signal, sys, time
    from avemo.tracking import mlflow_run
    with mlflow_run("e", "r", {{}}, cwd=sys.argv[1] if len(sys.argv) > 1 else "{cwd}") as mlflow:
        mlflow.log_metric("x", 1.0)
        {then}
"""


def test_concurrent_first_runs_share_one_store(tmp_path):
    """Two stages creating mlflow.db at the same moment (dvc queue start -j 2 on a fresh clone)."""
    start = time.time() + 4
    code = textwrap.dedent(RUN.format(cwd=tmp_path, then="pass")).replace(
        "from avemo.tracking", f"while time.time() < {start}: pass\nfrom avemo.tracking")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=CLEAN_ENV) for _ in range(3)]
    errors = [p.communicate()[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-500:] for e in errors]
    python(RUN.format(cwd=tmp_path, then="pass"))  # and the store works afterwards


def test_a_killed_run_is_marked_killed_and_a_terminated_one_failed(tmp_path):
    from mlflow.tracking import MlflowClient

    killed = python(RUN.format(cwd=tmp_path, then="os.kill(os.getpid(), signal.SIGKILL)"), check=False)
    assert killed.returncode == -signal.SIGKILL
    python("""
        import os, signal, sys
        from avemo.stage import run
        from avemo.tracking import mlflow_run
        def main(args):
            with mlflow_run("e", "term", {}, cwd=%r):
                os.kill(os.getpid(), signal.SIGTERM)
        try:
            run(main, "probe", {}, {}, [])
        except SystemExit as done:
            assert done.code == 128 + signal.SIGTERM
    """ % str(tmp_path))
    python(RUN.format(cwd=tmp_path, then="pass"))
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    assert sorted(r.info.status for r in runs) == ["FAILED", "FINISHED", "KILLED"]
    assert [r.info.status for r in runs if r.info.run_name.startswith("term:")] == ["FAILED"]


def test_final_results_and_figures_are_logged(tmp_path):
    from mlflow.tracking import MlflowClient

    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "curve.png").write_bytes(b"png")
    python(f"""
        from avemo.tracking import log_results, mlflow_run
        with mlflow_run("e", "r", {{}}, cwd={str(tmp_path)!r}) as mlflow:
            log_results(mlflow, {{"fid": 10.5, "epochs": 3, "condition": "label", "ok": True}}, {str(tmp_path / 'plots')!r})
    """)
    from avemo.tracking import artifact_folder

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    assert run.data.metrics == {"result.fid": 10.5, "result.epochs": 3.0}
    folder = artifact_folder(run.info.artifact_uri, tmp_path)  # the project's mlruns/, which the UI serves
    assert [p.name for p in (folder / "plots").iterdir()] == ["curve.png"]


def test_seeding_keeps_deterministic_kernels_without_filling_new_memory():
    """Deterministic kernels stay on; their NaN fill of every new tensor (time, and pages the
    allocator keeps) is off. With the fill, a fresh 16 MB tensor is all NaN; without it, zeros."""
    out = python("""
        import torch
        from avemo.runinfo import seed_everything
        seed_everything(0)
        x = torch.empty(2**22)
        print(torch.are_deterministic_algorithms_enabled(), bool(torch.isnan(x).all()))
    """)
    assert out.stdout.split() == ["True", "False"]
