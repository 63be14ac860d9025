import subprocess

from avemo.tracking import mlflow_run, project_root, run_tags, tracking_uri


def test_queued_experiment_copy_resolves_to_the_project(tmp_path):
    temp_copy = tmp_path / "proj" / ".dvc" / "tmp" / "exps" / "tmpab12" / "stages"
    temp_copy.mkdir(parents=True)
    assert project_root(temp_copy) == (tmp_path / "proj").resolve()
    assert tracking_uri(temp_copy, env={}) == f"sqlite:///{(tmp_path / 'proj').resolve() / 'mlflow.db'}"
    assert tracking_uri(temp_copy, env={"MLFLOW_TRACKING_URI": "http://x:5000"}) == "http://x:5000"


def test_run_is_logged_with_git_and_experiment_tags(tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"],
                   cwd=tmp_path, check=True)
    monkeypatch.setenv("DVC_EXP_NAME", "shaky-lamb")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    tags = run_tags(tmp_path)
    assert len(tags["git_revision"]) == 40 and tags["dvc_experiment"] == "shaky-lamb"
    with mlflow_run("unit", "r1", {"lr": 0.1}, cwd=tmp_path) as mlflow:
        mlflow.log_metric("acc", 0.5, step=1)
        run_id = mlflow.active_run().info.run_id
    run = mlflow.get_run(run_id)
    assert run.data.tags["dvc_experiment"] == "shaky-lamb" and run.data.params["lr"] == "0.1"
    assert (tmp_path / "mlflow.db").exists()


def test_curves_have_only_their_epochs_and_runs_carry_every_param(tmp_path, monkeypatch):
    """A curve logged every few epochs keeps exactly those points (the final value is a result of
    its own, not an extra point at step 0), and a run carries every params.yaml key, so runs of two
    variants differ in their params."""
    from avemo.tracking import epoch_logger, log_results

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    (tmp_path / "params.yaml").write_text("gan:\n  loss: wasserstein\n  n_critic: 5\neval:\n  seeds: 3\n")
    with mlflow_run("unit", "label", {"seeds": 3}, cwd=tmp_path) as mlflow:
        log = epoch_logger(mlflow)
        for epoch, fid in ((4, 127.2), (9, 31.0)):
            log(epoch, {"fid": fid})
        log_results(mlflow, {"fid": 24.7, "epochs": 10, "loss": "wasserstein"})
        run_id = mlflow.active_run().info.run_id
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert [(m.step, m.value) for m in client.get_metric_history(run_id, "fid")] == [(4, 127.2), (9, 31.0)]
    assert client.get_run(run_id).data.metrics["result.fid"] == 24.7
    params = client.get_run(run_id).data.params
    assert params["gan.loss"] == "wasserstein" and params["gan.n_critic"] == "5" and params["eval.seeds"] == "3"


def readme_ui_command() -> str:
    """The README's `mlflow ui` line (its command, without the comment)."""
    import re

    from conftest import ROOT

    line = next(x for x in (ROOT / "README.md").read_text().splitlines() if re.search(r"\bmlflow ui\b", x))
    return line.split("#")[0].strip()


def get(url: str, timeout: float = 5.0, post: dict | None = None) -> bytes:
    import json
    import urllib.request

    data = None if post is None else json.dumps(post).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def test_a_copied_project_opens_its_own_artifacts_in_the_readmes_ui(tmp_path, monkeypatch):
    """Runs name their artifacts relative to the project (mlflow-artifacts:/...): a run logged in one
    folder, the project copied and the original deleted, the README's `mlflow ui` started in the copy
    serves the run's figure from the copy; its UI telemetry is off; the experiment is a model-training one
    and the run is named by its stage and variant."""
    import json
    import os
    import shutil
    import socket
    import sys
    import time

    from avemo.tracking import log_results

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    original, copy = tmp_path / "original", tmp_path / "copy"
    (original / "figures").mkdir(parents=True)
    (original / "figures" / "curve.png").write_bytes(b"not really a png")
    monkeypatch.chdir(original)  # stages run in the project's folder
    with mlflow_run("unit", "train_gan", {}, cwd=original) as mlflow:
        log_results(mlflow, {"fid": 3.5}, original / "figures")
        run_id = mlflow.active_run().info.run_id
    shutil.copytree(original, copy)
    shutil.rmtree(original)
    monkeypatch.chdir(copy)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # without what else switches MLflow's telemetry off (pytest's and CI's markers), so that the README's
    # command is what does it here
    markers = {"MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK", "PYTEST_CURRENT_TEST", "CI", "GITHUB_ACTIONS", "GITLAB_CI",
               "JENKINS_URL", "TRAVIS", "BUILDKITE", "CIRCLECI", "TF_BUILD"}
    env = {k: v for k, v in os.environ.items() if k not in markers}
    probe = subprocess.run([sys.executable, "-c", "from mlflow.telemetry.utils import is_telemetry_disabled as d; "
                            "print(d())"], env=env, capture_output=True, text=True)
    assert probe.stdout.strip() == "False", "telemetry is off here anyway: the test would prove nothing"
    server = subprocess.Popen(["bash", "-c", f"{readme_ui_command()} --port {port}"], cwd=copy, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                get(f"{base}/health")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(0.5)
        assert get(f"{base}/get-artifact?path=plots/curve.png&run_uuid={run_id}") == b"not really a png"
        # the server tells the UI that telemetry is off and drops what it posts (MLflow's home page still
        # shows its static notice about UI telemetry; nothing is sent)
        assert json.loads(get(f"{base}/ajax-api/3.0/mlflow/ui-telemetry"))["disable_ui_telemetry"] is True
        posted = get(f"{base}/ajax-api/3.0/mlflow/ui-telemetry", post={"records": []})
        assert json.loads(posted) == {"status": "disabled"}
        found = json.loads(get(f"{base}/api/2.0/mlflow/runs/get?run_id={run_id}"))["run"]
        assert found["info"]["run_name"] == "train_gan: committed params"
        experiment = json.loads(get(f"{base}/api/2.0/mlflow/experiments/get?experiment_id="
                                    f"{found['info']['experiment_id']}"))["experiment"]
        assert {"key": "mlflow.experimentKind", "value": "custom_model_development"} in experiment["tags"]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, 15)
        server.wait(30)


def test_runs_are_named_by_stage_and_the_params_that_differ_from_the_commit(tmp_path, monkeypatch):
    from avemo.tracking import changed_params, run_name

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "params.yaml").write_text("gan:\n  loss: bce\n  n_critic: 1\neval:\n  seeds: 1\n")
    subprocess.run(git + ["add", "params.yaml"], cwd=tmp_path, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "x"], cwd=tmp_path, check=True)
    assert changed_params(tmp_path, "params.yaml") == {}
    (tmp_path / "params.yaml").write_text("gan:\n  loss: wasserstein\n  n_critic: 5\neval:\n  seeds: 1\n")
    changed = changed_params(tmp_path, "params.yaml")
    assert changed == {"gan.loss": "wasserstein", "gan.n_critic": "5"}
    assert run_name("evaluate_generation", changed, "shaky-lamb") == \
        "evaluate_generation: gan.loss=wasserstein, gan.n_critic=5 (shaky-lamb)"
    assert run_name("train_gan", {}, None) == "train_gan: committed params"
