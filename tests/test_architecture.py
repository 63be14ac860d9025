"""The package's shape: imports run one way (data <- models <- training <- evaluation <- stages),
every registry entry is reachable from params.yaml, and every stage script explains its arguments."""
import importlib
import importlib.util
import shutil
import subprocess
import sys

import pytest

from avemo.config.core import SECTION_NAMES
from avemo.stage import parse_args
from conftest import ROOT
from test_dvc_deps import SRC, _module_file, package_imports

# A module may import from its own layer or a lower one, never a higher one.
LAYERS = {"avemo.errors": 0, "avemo.atomic": 0, "avemo.runinfo": 0, "avemo.workers": 0, "avemo.variants": 0, "avemo.headline": 0,
          "avemo.data": 1, "avemo.models": 2, "avemo.conformal": 2,
          "avemo.training": 3, "avemo.evaluation": 4, "avemo.config": 5, "avemo.tracking": 5, "avemo.stage": 5,
          "avemo.report": 5, "avemo.cli": 5}


def layer(module: str) -> int:
    for prefix, rank in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path, src=SRC) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(src=SRC) -> dict[str, set[str]]:
    graph = {}
    for path in src.rglob("*.py"):
        targets = {module_name(_module_file(m, src), src) for m in package_imports(path, src)}
        graph[module_name(path, src)] = targets - {module_name(path, src)}
    return graph


def upward_imports(src=SRC) -> list[tuple[str, str]]:
    return [(m, t) for m, targets in import_graph(src).items() for t in targets if layer(t) > layer(m)]


def test_imports_never_go_up_a_layer():
    assert not upward_imports(), f"upward imports: {upward_imports()}"


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


def test_the_layer_test_catches_an_upward_import(tmp_path):
    """The check above sees a training module that imports evaluation (in a copy of the package:
    tests write only under their tmp paths)."""
    shutil.copytree(SRC / "avemo", tmp_path / "avemo", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "avemo" / "training" / "_upward_probe.py").write_text("from ..evaluation import generation\n")
    assert ("avemo.training._upward_probe", "avemo.evaluation.generation") in upward_imports(tmp_path)


def choices(section: str, key: str) -> set:
    module = importlib.import_module(f"avemo.config.{section}")
    cls = next(v for v in vars(module).values() if getattr(v, "section", None) == section)
    field = cls.__dataclass_fields__[key]
    return set(field.metadata["choices"])


# params key -> (registry in avemo.variants, implementation table or None for plain data)
REGISTRIES = {
    "data.dataset": ("DATASETS", ("avemo.data.manifests", "READERS")),
    "gan.condition": ("GAN_CONDITIONS", ("avemo.data.conditions", "CONDITIONS")),
    "gan.direction": ("GAN_DIRECTIONS", None),
    "gan.input": ("GAN_INPUTS", ("avemo.data.pairs", "PAIR_BUILDERS")),
    "gan.pretrain_pool": ("GAN_PRETRAIN_POOLS", None),
    "generate.sources": ("GENERATE_SOURCES", None),
    "classifier.depth": ("CLASSIFIER_DEPTHS", ("avemo.models.classifier", "DEPTHS")),
    "gan.generator": ("GAN_GENERATORS", ("avemo.models.generator", "GENERATORS")),
    "gan.upsample": ("GAN_UPSAMPLERS", ("avemo.models.generator", "UPSAMPLERS")),
    "gan.critic_condition": ("GAN_CRITIC_CONDITIONS", ("avemo.models.discriminator", "DISCRIMINATORS")),
    "temporal.encoder": ("TEMPORAL_ENCODERS", ("avemo.models.temporal", "ENCODERS")),
    "mrpn.variants": ("MRPN_VARIANTS", ("avemo.models.mrpn", "VARIANT_BUILDERS")),
    "mrpn.backbone": ("MRPN_BACKBONES", ("avemo.models.mrpn", "BACKBONES")),
    "mrpn.aggregator": ("MRPN_AGGREGATORS", ("avemo.models.mrpn", "AGGREGATORS")),
    "mrpn.corruptions": ("TEST_CORRUPTIONS", None),
    "gan.loss": ("GAN_LOSSES", ("avemo.training.losses", "LOSSES")),
    "gan.optimizer": ("GAN_OPTIMIZERS", ("avemo.training.gan", "OPTIMIZERS")),
    "conformal.method": ("CONFORMAL_METHODS", ("avemo.conformal.prediction", "CONFORMAL_METHODS")),
    "face_study.inputs": ("FACE_INPUTS", ("avemo.data.face_features", "FACE_INPUTS")),
    "face_study.models": ("FACE_MODELS", ("avemo.models.feature_classifiers", "FACE_MODELS")),
    "face_study.transfer": ("FACE_TRANSFERS", None),
    "classifier.init": ("CLASSIFIER_INITS", ("avemo.training.transfer", "INITS")),
    "classifier.finetune": ("CLASSIFIER_FINETUNE", ("avemo.training.transfer", "FINETUNE")),
    "classifier.precision": ("CLASSIFIER_PRECISIONS", ("avemo.training.classifier", "PRECISIONS")),
}


@pytest.mark.parametrize("key", sorted(REGISTRIES))
def test_every_choice_is_its_registry_and_every_entry_is_implemented(key):
    from avemo import variants

    registry, table = REGISTRIES[key]
    names = list(getattr(variants, registry))
    assert set(names) == choices(*key.split(".")), f"avemo.variants.{registry} vs params {key}"
    if table is not None:
        module, name = table
        assert list(getattr(importlib.import_module(module), name)) == names, f"{module}.{name}"


def test_an_implementation_table_must_match_its_registry():
    from avemo.variants import implemented

    assert list(implemented({"a": 1, "b": 2}, b="B", a="A")) == ["a", "b"]  # registry order
    with pytest.raises(TypeError, match=r"missing \['b'\]"):
        implemented({"a": 1, "b": 2}, a="A")
    with pytest.raises(TypeError, match=r"not registered \['c'\]"):
        implemented({"a": 1}, a="A", c="C")


def test_config_and_report_import_no_model_or_training_code():
    """Choices come from avemo.variants: config/ and report/ never reach models/ or training/."""
    graph = import_graph()
    heavy = ("avemo.models", "avemo.training")
    for module, targets in graph.items():
        if module.startswith(("avemo.config", "avemo.report")):
            assert not [t for t in targets if t.startswith(heavy)], module
    out = subprocess.run([sys.executable, "-c", "import sys, avemo.config.all, avemo.report.cli; "
                          "print(sorted(m for m in sys.modules if m.startswith(('torch', 'avemo.models', 'avemo.training'))))"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_registry_list_covers_every_choice_field():
    """A new choice field in params needs a registry here (or a reason it is not one)."""
    listed = set(REGISTRIES)
    # vocabularies and torch's device names, not registries of implementations
    not_registries = {"train.device", "data.classes", "corpus.sentences", "corpus.levels"}
    for section in SECTION_NAMES:
        module = importlib.import_module(f"avemo.config.{section}")
        cls = next(v for v in vars(module).values() if getattr(v, "section", None) == section)
        for name, field in cls.__dataclass_fields__.items():
            if field.metadata.get("choices") and f"{section}.{name}" not in not_registries:
                assert f"{section}.{name}" in listed, f"{section}.{name}"


def test_mrpn_variant_needs_come_first():
    from avemo.variants import MRPN_VARIANTS

    order = list(MRPN_VARIANTS)
    for name, variant in MRPN_VARIANTS.items():
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
