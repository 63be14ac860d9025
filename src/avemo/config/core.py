"""The params machinery: read ``params.yaml`` strictly, validate a section into its frozen dataclass,
and build library configs from sections by keyword.

``params.yaml`` is the only source of defaults. A section dataclass has no defaults of its own: a
missing key, an unknown key, a value of the wrong type, a non-finite number, a value outside its
allowed set, a duplicate key or a YAML syntax error stops the stage before any work with one line
naming the file, the key (or line) and what is allowed.

Library code never reads params: stages load sections here and pass typed configs down, built with
:func:`build` (by field name, never by position).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

from ..errors import UserError

# Every section params.yaml may hold, in file order. Each has a module avemo.config.<name>.
SECTION_NAMES = ("data", "corpus", "face", "audio", "preprocess", "split", "train", "classifier", "conformal",
                 "temporal", "gan", "generate", "eval", "mrpn", "face_study")


class ParamsError(UserError, ValueError):
    """params.yaml keys or values that the pipeline cannot accept: one line per problem (``lines``)."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = lines


def choice(*allowed: Any) -> Any:
    """A string field restricted to ``allowed``: strings, or one registry of ``avemo.variants``, whose
    names are read when params are checked (an entry added to it is a valid choice at once)."""
    return field(metadata={"choices": _registry(allowed)})


def bounded(lo: float | None = None, hi: float | None = None) -> Any:
    """A numeric field with inclusive bounds."""
    return field(metadata={"min": lo, "max": hi})


def listed(*allowed: Any) -> Any:
    """A non-empty list field, stored as a tuple so the dataclass stays hashable and frozen; each item
    restricted like ``choice`` when ``allowed`` is given."""
    return field(metadata={"choices": _registry(allowed)} if allowed else {})


def _registry(allowed: tuple) -> Any:
    return allowed[0] if len(allowed) == 1 and not isinstance(allowed[0], str) else allowed


def section(name: str):
    """Class decorator: the params section a dataclass validates (``GanParams.section == "gan"``)."""
    assert name in SECTION_NAMES, name

    def register(cls):
        cls.section = name
        return dataclasses.dataclass(frozen=True)(cls)

    return register


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ParamsError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1} "
                              f"(first at line {seen[key]})")
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_params(path: str | Path) -> dict:
    """The raw mapping of a params file; YAML errors and duplicate keys become one-line ParamsErrors."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"params file not found: {path}")
    try:
        raw = yaml.load(path.read_text(), Loader=_StrictLoader)
    except ParamsError as err:
        raise ParamsError(f"{path}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ParamsError(f"{path}: YAML syntax error at {where}{problem}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: the top level must be a mapping of sections")
    for name in raw:
        if name not in SECTION_NAMES:
            raise ParamsError(f"{path}: unknown section {name!r}; known: {', '.join(SECTION_NAMES)}")
    return raw


def _check_value(key: str, f: dataclasses.Field, value: Any) -> Any:
    kind = {"int": int, "float": float, "bool": bool, "str": str, "tuple": tuple}[f.type]
    if kind is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{key} = {value!r} is not allowed; use true or false")
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{key} = {value!r} is not allowed; use an integer")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamsError(f"{key} = {value!r} is not allowed; use a number")
        if not math.isfinite(value):
            raise ParamsError(f"{key} = {value!r} is not allowed; use a finite number")
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise ParamsError(f"{key} = {value!r} is not allowed; use a string")
    elif kind is tuple:
        if not isinstance(value, (list, tuple)):
            raise ParamsError(f"{key} = {value!r} is not allowed; use a list")
        if not value:
            raise ParamsError(f"{key} is empty; list at least one value")
        if len(set(value)) != len(value):
            raise ParamsError(f"{key} = {list(value)!r} lists a value twice")
        value = tuple(value)
    choices = tuple(f.metadata.get("choices") or ())
    if choices:
        bad = [v for v in (value if kind is tuple else (value,)) if v not in choices]
        if bad:
            raise ParamsError(f"{key} = {bad[0]!r} is not allowed; choose from: {', '.join(map(str, choices))}")
    lo, hi = f.metadata.get("min"), f.metadata.get("max")
    if lo is not None and value < lo or hi is not None and value > hi:
        span = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise ParamsError(f"{key} = {value!r} is not allowed; use a value in {span}")
    return value


def parse_section(cls: type, raw: dict | None, source: str = "params.yaml"):
    """Build section dataclass ``cls`` from its raw mapping: every key present, known and valid. Every
    problem of the section is reported at once, one line each."""
    name = cls.section
    if raw is None:
        raise ParamsError(f"{source}: missing section {name!r}")
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: section {name!r} must be a mapping, got {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    problems = [f"unknown key {name}.{key}; allowed keys: {', '.join(fields)}" for key in raw if key not in fields]
    problems += [f"missing key {name}.{key} (params.yaml is the only source of defaults)" for key in fields
                 if key not in raw]
    values = {}
    for key, value in raw.items():
        if key in fields:
            try:
                values[key] = _check_value(f"{name}.{key}", fields[key], value)
            except ParamsError as err:
                problems.append(str(err))
    if not problems:  # the checks across keys need every key valid
        try:
            obj = cls(**values)
            check = getattr(obj, "validate", None)
            if check is not None:
                check()
            return obj
        except ParamsError as err:
            problems.append(str(err))
    raise ParamsError(*(f"{source}: {problem}" for problem in problems))


def load_params(path: str | Path, *sections: type) -> dict[str, Any]:
    """Validated sections of a params file, keyed by name: ``{"gan": GanParams(...), ...}``. A
    ParamsError lists the problems of every section given, one line each."""
    raw = read_params(path)
    parsed, problems = {}, []
    for cls in sections:
        try:
            parsed[cls.section] = parse_section(cls, raw.get(cls.section), str(path))
        except ParamsError as err:
            problems += err.lines
    if problems:
        raise ParamsError(*problems)
    return parsed


def build(cls: type, *sources: Any, **given: Any):
    """A library config ``cls`` filled by field name: from ``given`` first, then from the first of
    ``sources`` (params sections) that has the field. A field found nowhere is an error, even when
    ``cls`` has a default for it: the pipeline's only defaults are in params.yaml."""
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = set(given) - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)}")
    values = {}
    for name in names:
        if name in given:
            values[name] = given[name]
            continue
        owner = next((s for s in sources if hasattr(s, name)), None)
        if owner is None:
            raise TypeError(f"{cls.__name__}.{name} is in no params section given ({', '.join(s.section for s in sources)})"
                            " and was not passed")
        values[name] = getattr(owner, name)
    return cls(**values)
