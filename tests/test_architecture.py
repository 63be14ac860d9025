"""The package's shape: imports run one way (data <- models <- training <- evaluation <- stages),
every registry entry is reachable from params.yaml, and every stage script explains its arguments."""
import importlib
import importlib.util
import subprocess
import sys

import pytest

from avemo.config.core import SECTION_NAMES
from avemo.stage import parse_args
from conftest import ROOT
from test_dvc_deps import SRC, _module_file, package_imports

# A module may import from its own layer or a lower one, never a higher one.
LAYERS = {"avemo.errors": 0, "avemo.atomic": 0, "avemo.runinfo": 0, "avemo.workers": 0, "avemo.data": 1, "avemo.models": 2,
          "avemo.training": 3, "avemo.evaluation": 4, "avemo.config": 5, "avemo.tracking": 5, "avemo.stage": 5,
          "avemo.report": 5, "avemo.cli": 5}


def layer(module: str) -> int:
    for prefix, rank in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for path in SRC.rglob("*.py"):
        targets = {module_name(_module_file(m)) for m in package_imports(path)}
        graph[module_name(path)] = targets - {module_name(path)}
    return graph


def test_imports_never_go_up_a_layer():
    upward = [(m, t) for m, targets in import_graph().items() for t in targets if layer(t) > layer(m)]
    assert not upward, f"upward imports: {upward}"


def test_imports_have_no_cycles():
    graph, done, cycles = import_graph(), set(), []

    def visit(path: list[str]) -> None:  # depth-first; a module met again on the current path is a cycle
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(path + [nxt])
        done.add(path[-1])

    for node in sorted(graph):
        if node not in done:
            visit([node])
    assert not cycles, f"import cycles: {cycles}"


def test_the_layer_test_catches_an_upward_import(tmp_path, monkeypatch):
    """The checks above see a training module that imports evaluation."""
    fake = SRC / "avemo" / "training" / "_upward_probe.py"
    fake.write_text("from ..evaluation import generation\n")
    try:
        with pytest.raises(AssertionError, match="upward imports"):
            test_imports_never_go_up_a_layer()
    finally:
        fake.unlink()


def choices(section: str, key: str) -> set:
    module = importlib.import_module(f"avemo.config.{section}")
    cls = next(v for v in vars(module).values() if getattr(v, "section", None) == section)
    field = cls.__dataclass_fields__[key]
    return set(field.metadata["choices"])


REGISTRIES = [  # (module, registry, params key)
    ("avemo.data.manifests", "READERS", "data.dataset"),
    ("avemo.data.conditions", "CONDITIONS", "gan.condition"),
    ("avemo.data.pairs", "DIRECTIONS", "gan.direction"),
    ("avemo.data.pairs", "INPUTS", "gan.input"),
    ("avemo.data.pairs", "POOLS", "gan.pretrain_pool"),
    ("avemo.data.pairs", "SOURCES", "generate.sources"),
    ("avemo.models.classifier", "DEPTHS", "classifier.depth"),
    ("avemo.models.generator", "GENERATORS", "gan.generator"),
    ("avemo.models.generator", "UPSAMPLERS", "gan.upsample"),
    ("avemo.models.temporal", "ENCODERS", "temporal.encoder"),
    ("avemo.models.mrpn", "VARIANTS", "mrpn.variants"),
    ("avemo.models.mrpn", "BACKBONES", "mrpn.backbone"),
    ("avemo.models.mrpn", "AGGREGATORS", "mrpn.aggregator"),
    ("avemo.data.corruptions", "CONDITIONS", "mrpn.corruptions"),
    ("avemo.training.losses", "LOSSES", "gan.loss"),
    ("avemo.training.gan", "OPTIMIZERS", "gan.optimizer"),
    ("avemo.evaluation.conformal", "CONFORMAL_METHODS", "conformal.method"),
    ("avemo.data.face_features", "FACE_INPUTS", "face_study.inputs"),
    ("avemo.models.feature_classifiers", "FACE_MODELS", "face_study.models"),
    ("avemo.training.transfer", "TRANSFERS", "face_study.transfer"),
    ("avemo.training.transfer", "INITS", "classifier.init"),
    ("avemo.training.transfer", "FINETUNE", "classifier.finetune"),
]


@pytest.mark.parametrize("module,registry,key", REGISTRIES)
def test_every_registry_entry_is_a_params_choice_and_back(module, registry, key):
    names = set(getattr(importlib.import_module(module), registry))
    assert names == choices(*key.split(".")), f"{module}.{registry} vs params {key}"


def test_registry_list_covers_every_choice_field():
    """A new choice field in params needs a registry here (or a reason it is not one)."""
    listed = {key for _, _, key in REGISTRIES}
    # vocabularies and torch's device names, not registries of implementations
    not_registries = {"train.device", "data.classes", "corpus.sentences", "corpus.levels"}
    for section in SECTION_NAMES:
        module = importlib.import_module(f"avemo.config.{section}")
        cls = next(v for v in vars(module).values() if getattr(v, "section", None) == section)
        for name, field in cls.__dataclass_fields__.items():
            if field.metadata.get("choices") and f"{section}.{name}" not in not_registries:
                assert f"{section}.{name}" in listed, f"{section}.{name}"


def test_mrpn_variant_needs_come_first():
    from avemo.models.mrpn import VARIANTS

    order = list(VARIANTS)
    for name, variant in VARIANTS.items():
        assert all(order.index(need) < order.index(name) for need in variant.needs), name


def stage_module(name: str):
    spec = importlib.util.spec_from_file_location(f"stage_{name}", ROOT / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "stages").glob("*.py")))
def test_each_stage_help_names_every_path(name, capsys):
    module = stage_module(name)
    with pytest.raises(SystemExit) as done:
        parse_args(module.__doc__, module.INPUTS, module.OUTPUTS, ["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for arg in list(module.INPUTS) + list(module.OUTPUTS):
        assert f"--{arg.replace('_', '-')}" in text, arg


def test_stage_help_from_the_command_line():
    out = subprocess.run([sys.executable, "stages/split.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and "--splits" in out.stdout and "clip -> set table" in out.stdout
