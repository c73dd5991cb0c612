"""The configuration schema: one source of defaults, one set of messages, one normaliser.

``config.schema.yaml`` (shipped in the package; ``schemas/config.schema.yaml`` in
the workflow links to it) is the single source of every field's type, range,
description and default. :func:`check_section` checks one section against it,
naming every bad field and what is allowed (non-finite numbers and magnitudes
beyond float32 are rejected everywhere), and returns it *complete*: defaults
filled in, integers written as floats (``64.0``) converted to ``int``. The
library's config objects (:class:`tdnms.task.TaskSpec`,
:class:`tdnms.train.TrainConfig`, :class:`tdnms.fixed_points.FixedPointOptions`,
:class:`tdnms.probes.ProbeConfig`, the analysis options) take their defaults and
checks from here, through :func:`check_section` and :func:`default`.

:func:`load_yaml` reads a config file and rejects a key written twice. The
whole-config check with the cross-field rules is :func:`tdnms.validate.check_config`.
Nothing here reads the schema at import time.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from pathlib import Path

import numpy as np
import yaml

SCHEMA_PATH = Path(__file__).resolve().parent / "config.schema.yaml"
FLOAT32_MAX = float(np.finfo(np.float32).max)


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem found."""


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text())


def load_schema(path: str | Path | None = None) -> dict:
    """The parsed schema (cached; do not modify it)."""
    return _load(str(path or SCHEMA_PATH))


def field_path(parts) -> str:
    """['sweep', 'gamma', 0] -> 'sweep.gamma[0]'."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _resolve(schema: dict, root: dict) -> dict:
    """``schema`` with a local ``$ref`` replaced by its target (sibling keys win)."""
    while isinstance(schema, dict) and "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _section_schema(name: str, root: dict) -> dict:
    """A standalone schema for one dotted section (``'analysis.fixed_points'``)."""
    schema = root
    for part in name.split("."):
        schema = _resolve(schema, root)["properties"][part]
    return {"$schema": root.get("$schema"), "$defs": root.get("$defs", {}), **schema}


# -- messages -----------------------------------------------------------------------
_TYPE_WORDS = {
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _describe(schema: dict, root: dict) -> str:
    """What one (sub)schema allows, in words: 'a number > 0, <= 1'."""
    schema = _resolve(schema, root)
    if "oneOf" in schema or "anyOf" in schema:
        return " or ".join(_describe(s, root) for s in schema.get("oneOf", schema.get("anyOf")))
    kind = schema.get("type")
    ranges = [
        f"{word} {schema[key]}"
        for key, word in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))
        if key in schema
    ]
    kinds = kind if isinstance(kind, list) else [kind]  # JSON Schema allows a list of types
    words = " or ".join(_TYPE_WORDS.get(k, str(k)) for k in kinds)
    bits = [" ".join([words] + ranges[:1])] if kind else ranges[:1]
    bits += ranges[1:]
    if "minItems" in schema and schema.get("minItems") == schema.get("maxItems"):
        bits.append(f"exactly {schema['minItems']} items")
    else:
        bits += [f"{word} {schema[k]} items" for k, word in (("minItems", "at least"), ("maxItems", "at most")) if k in schema]
    if schema.get("uniqueItems"):
        bits.append("no duplicates")
    if "enum" in schema:
        bits.append(f"one of {schema['enum']}")
    return ", ".join(bits)


def _allowed(error, root: dict) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and "properties" in schema:
        return "allowed keys: " + ", ".join(sorted(schema["properties"]))
    if error.validator == "required":
        return "required keys: " + ", ".join(schema["required"])
    description = _resolve(schema, root).get("description")
    words = _describe(schema, root)
    return "allowed: " + "; ".join(b for b in (description, words) if b)


def _message(error, prefix: tuple, root: dict) -> str:
    where = field_path(prefix + tuple(error.absolute_path))
    if error.validator in ("oneOf", "anyOf"):
        text = f"{error.instance!r} is not valid"
    else:
        text = error.message
    allowed = _allowed(error, root)
    return f"{where}: {text}" + (f" ({allowed})" if allowed else "")


def _bad_numbers(value, path: tuple):
    """(path, value) of every number that is not finite or beyond float32's range."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_numbers(item, path + (key,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _bad_numbers(item, path + (i,))
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
            yield path, value


def problems(instance, schema: dict, root: dict, prefix: tuple = ()) -> list[str]:
    """Every non-finite number and every schema violation in ``instance``, fields named."""
    import jsonschema

    out, bad_paths = [], set()
    for path, value in _bad_numbers(instance, prefix):
        bad_paths.add(path)
        out.append(
            f"{field_path(path)}: {value!r} is not a finite number "
            f"(allowed: finite numbers of magnitude <= {FLOAT32_MAX:.3g}; .nan and .inf are rejected everywhere)"
        )
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        if prefix + tuple(error.absolute_path) not in bad_paths:
            out.append(_message(error, prefix, root))
    return out


# -- normalising --------------------------------------------------------------------
def _types(schema: dict) -> list:
    kind = schema.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def normalise(instance, schema: dict, root: dict):
    """A copy of a *valid* ``instance`` with schema defaults filled and integral floats made ``int``."""
    import jsonschema

    schema = _resolve(schema, root)
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key, []):
            full = {"$defs": root.get("$defs", {}), **_resolve(branch, root)}
            if jsonschema.validators.validator_for(full)(full).is_valid(instance):
                return normalise(instance, branch, root)
    if isinstance(instance, float) and "integer" in _types(schema) and instance.is_integer():
        return int(instance)
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out = {}
        for key, value in instance.items():
            sub = props.get(key, extra if isinstance(extra, dict) else {})
            out[key] = normalise(value, sub, root)
        for key, sub in props.items():
            sub = _resolve(sub, root)
            if key not in out and "default" in sub:
                out[key] = normalise(copy.deepcopy(sub["default"]), sub, root)
        return out
    if isinstance(instance, list):
        items = schema.get("items", {})
        return [normalise(v, items, root) for v in instance]
    return copy.deepcopy(instance)


def check_section(name: str, section: dict | None, schema_path: str | Path | None = None) -> dict:
    """Check one (possibly partial) section and return it complete.

    ``name`` is dotted (``'training'``, ``'analysis.fixed_points'``); messages name
    fields as ``training.batch_size``. Raises :class:`ConfigError`.
    """
    root = load_schema(schema_path)
    schema = _section_schema(name, root)
    section = {} if section is None else section
    found = problems(section, schema, root, tuple(name.split(".")))
    if found:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(found))
    return normalise(section, schema, root)


def section_defaults(name: str) -> dict:
    """The complete default section ``name`` as the schema defines it."""
    root = load_schema()
    return normalise({}, _section_schema(name, root), root)


def allowed_values(section: str, key: str) -> list:
    """The values the schema allows for ``section.key`` (its ``enum``)."""
    root = load_schema()
    return list(_resolve(_section_schema(section, root)["properties"][key], root)["enum"])


def default(section: str, key: str, convert=None):
    """A dataclass field whose default is the schema's default of ``section.key``.

    The schema is read when an instance is made, never at import. ``convert``
    (e.g. ``tuple``) turns the schema's JSON value into the field's type.
    """

    def factory():
        value = section_defaults(section)[key]
        return value if convert is None or value is None else convert(value)

    return dataclasses.field(default_factory=factory)


# -- config files -----------------------------------------------------------------
class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a mapping repeating a key is an error, not 'last one wins'."""


def _unique_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(
                f"{node.start_mark.name}: key {key!r} is written twice (lines {seen[key]} and {line}); "
                "YAML would silently keep the last one: merge the two or delete one"
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_yaml(path: str | Path):
    """The parsed YAML file ``path``.

    Raises :class:`ConfigError` naming the file, the key and both lines for a key
    written twice in one mapping, or naming the file if it is not YAML.
    """
    path = Path(path)
    try:
        with path.open() as handle:
            return yaml.load(handle, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None


# -- paths --------------------------------------------------------------------------
def gamma_label(gamma) -> str:
    """How a gamma value appears in paths: 0.1 -> '0.1', 1 -> '1', 1e-5 -> '0.00001'.

    Positional (no exponent, so it matches the ``gamma`` wildcard ``\\d+(\\.\\d+)?``)
    and the shortest text that reads back as the same float, so
    ``float(gamma_label(g)) == g`` for every float ``g``.
    """
    return np.format_float_positional(float(gamma), trim="-")
