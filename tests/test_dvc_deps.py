"""dvc.yaml's code deps are exactly what each stage imports, and GAN params reach only the GAN stages."""
import ast
import re
from pathlib import Path

import yaml

from conftest import ROOT

SRC = ROOT / "src"


def _module_file(name: str, src: Path = SRC) -> Path | None:
    base = src / Path(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.exists():
            return cand
    return None


def package_imports(path: Path, src: Path = SRC) -> set[str]:
    """Modules of the ``avemo`` package (under ``src``) that ``path`` imports (at any depth of the file)."""
    tree = ast.parse(path.read_text())
    pkg = ".".join(path.relative_to(src).with_suffix("").parts[:-1]) if path.is_relative_to(src) else ""
    if path.name == "__init__.py" and path.is_relative_to(src):
        pkg = ".".join(path.relative_to(src).parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(parent + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return {m for m in out if m and m.split(".")[0] == "avemo" and _module_file(m, src) is not None}


def closure(script: Path) -> set[str]:
    """Repository paths of the package modules ``script`` imports, directly or through others."""
    seen, todo = set(), [script]
    while todo:
        for mod in package_imports(todo.pop()):
            f = _module_file(mod)
            if f.name != "__init__.py":
                rel = str(f.relative_to(ROOT))
                if rel not in seen:
                    seen.add(rel)
                    todo.append(f)
    return seen


def stages() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def test_every_stage_lists_exactly_its_import_closure():
    """No stage misses a module it uses (it would not re-run after an edit) nor lists one it does
    not use (it would re-run for nothing)."""
    found = stages()
    assert found
    for name, stage in found.items():
        code = {d for d in stage["deps"] if d.endswith(".py")}
        expected = closure(ROOT / "stages" / f"{name}.py") | {f"stages/{name}.py"}
        assert code == expected, (f"stage {name}: missing {sorted(expected - code)}, "
                                  f"not imported {sorted(code - expected)}")


def test_a_params_section_module_stales_only_its_readers():
    """Editing src/avemo/config/mrpn.py makes train_mrpn stale, and check_params, whose output does
    not change while params.yaml is valid, so nothing after it re-runs for it."""
    users = {name for name, st in stages().items() if "src/avemo/config/mrpn.py" in st["deps"]}
    assert users == {"train_mrpn", "check_params"}


def _descendants(found: dict, start: str) -> set[str]:
    produced = {out if isinstance(out, str) else next(iter(out)): name
                for name, st in found.items() for out in st.get("outs", [])}
    children = {name: set() for name in found}
    for name, st in found.items():
        for dep in st["deps"]:
            if dep in produced:
                children[produced[dep]].add(name)
    seen, todo = set(), [start]
    while todo:
        for child in children[todo.pop()]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_gan_params_reach_only_the_gan_and_what_follows():
    """`dvc exp run -S gan.*=...` re-runs train_gan (and pretrain_gan) and their descendants only."""
    found = stages()
    listing = {name for name, st in found.items()
               if any(str(p) == "gan" or str(p).startswith("gan.") for p in st.get("params", []))}
    assert listing == {"pretrain_gan", "train_gan"}
    assert _descendants(found, "pretrain_gan") >= {"train_gan"}
    assert _descendants(found, "train_gan") == {"generate", "evaluate_generation", "evaluate_references",
                                                "evaluate_augmented"}
    upstream = {name for name in found if "train_gan" in _descendants(found, name)}
    assert not (upstream - {"pretrain_gan"}) & listing


def resolve(path: str) -> str:
    """A dvc.yaml path with its ${group.name} variables filled from the file's vars."""
    variables = {}
    for group in yaml.safe_load((ROOT / "dvc.yaml").read_text())["vars"]:
        variables.update({f"{g}.{k}": v for g, names in group.items() for k, v in names.items()})
    return re.sub(r"\$\{([\w.]+)\}", lambda m: variables[m.group(1)], path)


def test_no_stage_keeps_an_uncached_output_under_outs():
    """DVC's run cache restores a stage only when every entry under `outs` is cached (a `cache: false`
    file under `metrics:` or `plots:` is fine): committed files go there, so a stage whose command,
    deps and params a study has run before is restored instead of run again."""
    for name, st in stages().items():
        for out in st.get("outs", []):
            if isinstance(out, dict):
                (path, options), = out.items()
                assert options.get("cache", True), f"{name}: {path} is an uncached output under outs"


def test_headline_metrics_are_few_named_once_and_the_only_metrics():
    """dvc exp show and dvc metrics diff compare 10 to 20 numbers, each name in one file only, and the
    committed metrics files hold exactly the headline of their stage."""
    import json

    from avemo.headline import HEADLINE

    declared = {name: [resolve(next(iter(m)) if isinstance(m, dict) else m) for m in st.get("metrics", [])]
                for name, st in stages().items()}
    assert {name for name, files in declared.items() if files} == set(HEADLINE)
    names = [n for keys in HEADLINE.values() for n in keys]
    assert 10 <= len(names) <= 20 and len(names) == len(set(names))
    for stage, (path,) in ((s, f) for s, f in declared.items() if f):
        committed = ROOT / path
        if committed.exists():
            assert set(json.loads(committed.read_text())) <= set(HEADLINE[stage]), path


def test_every_stage_runs_the_code_of_its_own_checkout(tmp_path):
    """A queued experiment runs in a copy of the repository (`.dvc/tmp/exps/...`), while the editable
    install points at the workspace's src/. Each stage's command puts its own checkout's src/ first, so
    an experiment runs the code of its commit even while the workspace is being edited."""
    import subprocess

    prefix = "PYTHONPATH=src python stages/"
    assert all(s["cmd"].startswith(prefix) for s in stages().values()), "a stage would import the workspace's avemo"
    (tmp_path / "src" / "avemo").mkdir(parents=True)
    (tmp_path / "src" / "avemo" / "__init__.py").write_text("CHECKOUT = 'copy'\n")
    shown = subprocess.run(prefix.split(" python")[0] + " python -c 'import avemo; print(avemo.__file__)'",
                           shell=True, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert Path(shown.strip()).resolve() == (tmp_path / "src" / "avemo" / "__init__.py").resolve()
