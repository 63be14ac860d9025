"""The docs a newcomer reads: a short README whose links reach every page, generated blocks where the
docs say they are, and no number or name about the code that the code does not own: every params
key a doc names exists, every default a doc states is params.yaml's, and every constant a doc
quotes is defined in the package."""
import re
from pathlib import Path

import pytest
import yaml

from avemo.config.core import SECTION_NAMES
from avemo.report import designs, render, summary
from avemo.report.cli import split_spec
from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())
FILE_SUFFIXES = {"json", "csv", "png", "py", "yaml", "md", "npz", "npy", "pt", "lock", "db", "toml", "txt"}


def prose(path: Path) -> str:
    """The doc without its fenced code blocks (commands and snippets are not claims about defaults)."""
    return re.sub(r"```.*?```", "", path.read_text(), flags=re.S)


def test_readme_is_short_and_links_every_doc_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    assert {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")} <= linked


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc):
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text()):
        assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_generated_blocks_are_where_the_docs_say():
    readme, results = (ROOT / "README.md").read_text(), (ROOT / "docs" / "results.md").read_text()
    assert summary.BEGIN in readme and summary.END in readme
    assert summary.DETAILS_BEGIN in results and render.BEGIN in results
    makefile = (ROOT / "Makefile").read_text()
    assert "report collect $(COLLECT) --results docs/results.md" in makefile
    assert all(marker in results for marker in render.markers("budget"))  # make budget's own block
    assert "--results docs/results.md --block budget" in makefile
    assert "report summary --readme README.md --results docs/results.md" in makefile


def profiler_ranges() -> set[str]:
    """Names like `gan.g_step` that are profiler ranges of the code, not params keys."""
    return {name for path in (ROOT / "src").rglob("*.py")
            for name in re.findall(r'record_function\("([^"]+)"\)', path.read_text())}


def named_keys(text: str):
    """(section, key, default stated or None) of every backticked params key: `gan.loss`,
    `-S gan.loss=bce` (an override) or `gan.loss: bce`, a stated default when the word "default"
    stands within a few words of it ("the default `split.units: 8`")."""
    ranges = profiler_ranges()
    for match in re.finditer(r"`(?:-S )?([a-z_]+)\.([a-z_0-9]+)(?:(: |=)([^`]*))?`", text):
        section, key, sep, value = match.groups()
        if section not in SECTION_NAMES or key in FILE_SUFFIXES or f"{section}.{key}" in ranges:
            continue
        near = text[max(0, match.start() - 40): match.end() + 25].lower()
        yield section, key, value if sep == ": " and "default" in near else None


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_params_key_a_doc_names_exists(doc):
    missing = {f"{s}.{k}" for s, k, _ in named_keys(doc.read_text()) if k not in PARAMS[s]}
    assert not missing, f"{doc.name} names params keys that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_default_a_doc_states_is_params_yaml(doc):
    """A default a doc states (`section.key: value` beside the word "default") is params.yaml's."""
    wrong = [(f"{s}.{k}", v, PARAMS[s][k]) for s, k, v in named_keys(prose(doc))
             if v is not None and yaml.safe_load(v) != PARAMS[s][k]]
    assert not wrong, f"{doc.name} states values params.yaml does not have: {wrong}"


ENVIRONMENT = ("OPENBLAS_", "OMP_", "MKL_", "NPY_", "ATEN_", "ONEDNN_", "CUDA_", "PYTHON", "DVC_", "MLFLOW_")


def defined_constants() -> set[str]:
    """Module constants of the package and the Makefile's variables."""
    names = set(re.findall(r"^([A-Z][A-Z0-9_]+) *\??=", (ROOT / "Makefile").read_text(), flags=re.M))
    for path in (ROOT / "src").rglob("*.py"):
        names |= set(re.findall(r"^([A-Z][A-Z0-9_]+)\b.*=", path.read_text(), flags=re.M))
    return names


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_constant_a_doc_quotes_is_defined_in_the_package(doc):
    """Docs name the code's constants (`BOOTSTRAP_RESAMPLES`) instead of restating their values."""
    quoted = {name for name in re.findall(r"`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`", doc.read_text())
              if not name.startswith(ENVIRONMENT)}
    assert not quoted - defined_constants(), f"{doc.name} quotes undefined constants: {quoted - defined_constants()}"


def test_docs_do_not_restate_the_resample_counts():
    """The number of bootstrap resamples and sign flips is the code's (it changed once, the docs did not)."""
    for doc in DOCS:
        assert not re.search(r"\d[\d,]* (?:bootstrap )?(?:resamples|sign flips|permutations)", prose(doc)), doc.name


def test_the_split_sizes_the_docs_give_are_the_splitters():
    """docs/datasets.md's block is what `avemo report splits` computes from params.yaml's split."""
    text = (ROOT / "docs" / "datasets.md").read_text()
    block = text.split(designs.BEGIN, 1)[1].split(designs.END, 1)[0]
    assert block.strip() == designs.splits_table(split_spec(ROOT / "params.yaml")).strip()
