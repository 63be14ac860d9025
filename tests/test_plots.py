"""DVC's plots on a fresh clone: every line and bar plot reads data kept in git, so `dvc plots diff`
compares HEAD with the workspace without the committing machine's DVC cache."""
import json
import os
import subprocess
import sys

import yaml

from conftest import ROOT


def test_a_fresh_clone_compares_every_line_and_bar_plot_with_head(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    out = subprocess.run([sys.executable, "-m", "dvc", "plots", "diff", "HEAD", "--json"], cwd=clone, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    shown = json.loads(out.stdout)
    assert not shown.get("errors"), shown["errors"]
    defined = [next(iter(p)) for p in yaml.safe_load((clone / "dvc.yaml").read_text())["plots"] if isinstance(p, dict)]
    assert len(defined) >= 7
    for name in defined:
        (plot,) = shown["data"][name]
        revisions = {point["rev"] for point in plot["content"]["data"]["values"]}
        assert revisions == {"HEAD", "workspace"}, (name, revisions)
