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


def test_a_copied_project_never_writes_artifacts_into_the_original(tmp_path, monkeypatch):
    """The store holds absolute artifact locations; a copy of the project (store included) in another
    folder gets its own experiment, with artifacts under its own folder."""
    import shutil

    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    original, copy = tmp_path / "original", tmp_path / "copy"
    original.mkdir()
    with mlflow_run("unit", "first", {}, cwd=original):
        pass
    shutil.copytree(original, copy)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # mlflow sets it; a new stage process has none
    with mlflow_run("unit", "second", {}, cwd=copy) as mlflow:
        (tmp_path / "note.txt").write_text("x")
        mlflow.log_artifact(str(tmp_path / "note.txt"))
        run_id = mlflow.active_run().info.run_id
    client = MlflowClient(f"sqlite:///{copy / 'mlflow.db'}")
    assert client.get_run(run_id).info.artifact_uri.removeprefix("file://").startswith(str(copy.resolve()))
    assert not list(original.rglob("note.txt"))
    assert any(e.name.startswith("unit (from ") for e in client.search_experiments())
