"""Every package module a stage script imports (transitively) is a declared dep of that stage."""
import ast
from pathlib import Path

import yaml

from conftest import ROOT

SRC = ROOT / "src"


def _module_file(name: str) -> Path | None:
    base = SRC / Path(*name.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.exists():
            return cand
    return None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    pkg = ".".join(path.relative_to(SRC).with_suffix("").parts[:-1]) if path.is_relative_to(SRC) else ""
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
    return {m for m in out if m and m.split(".")[0] == "avemo"}


def closure(script: Path) -> set[str]:
    seen, todo = set(), [script]
    while todo:
        for mod in _imports(todo.pop()):
            f = _module_file(mod)
            if f is not None and f.name != "__init__.py":
                rel = str(f.relative_to(ROOT))
                if rel not in seen:
                    seen.add(rel)
                    todo.append(f)
    return seen


def test_every_stage_lists_its_import_closure():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    assert stages
    for name, stage in stages.items():
        script = ROOT / "stages" / f"{name}.py"
        deps = set(stage["deps"])
        assert f"stages/{name}.py" in deps
        missing = closure(script) - deps
        assert not missing, f"stage {name} imports {sorted(missing)} but dvc.yaml does not list them"


def _descendants(stages: dict, start: str) -> set[str]:
    produced = {out if isinstance(out, str) else next(iter(out)): name
                for name, st in stages.items() for out in st.get("outs", [])}
    children = {name: set() for name in stages}
    for name, st in stages.items():
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
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    listing = {name for name, st in stages.items()
               if any(str(p) == "gan" or str(p).startswith("gan.") for p in st.get("params", []))}
    assert listing == {"pretrain_gan", "train_gan"}
    assert _descendants(stages, "pretrain_gan") >= {"train_gan"}
    assert _descendants(stages, "train_gan") == {"generate", "evaluate_generation", "evaluate_augmented"}
    upstream = {name for name in stages if "train_gan" in _descendants(stages, name)}
    assert not (upstream - {"pretrain_gan"}) & listing
