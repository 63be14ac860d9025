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
