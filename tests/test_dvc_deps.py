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
