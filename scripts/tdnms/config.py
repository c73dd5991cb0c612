"""Configuration checks with messages that name the bad field and what is allowed.

The JSON schema (``schemas/config.schema.yaml``) checks types, ranges and unknown
keys; :class:`~tdnms.task.TaskSpec` and the model/training classes check the rules
that span several fields. Snakemake calls :func:`check_config` before it builds
the DAG, so a bad config stops the run before any job starts.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem found."""


def field_path(parts) -> str:
    """['sweep', 'gamma', 0] -> 'sweep.gamma[0]'."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _allowed(error) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and "properties" in schema:
        return "allowed keys: " + ", ".join(sorted(schema["properties"]))
    if error.validator == "required":
        return "required keys: " + ", ".join(schema["required"])
    bits = []
    if "description" in schema:
        bits.append(schema["description"])
    for key, word in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")):
        if key in schema:
            bits.append(f"{word} {schema[key]}")
    if "type" in schema:
        bits.append(f"type {schema['type']}")
    if "enum" in schema:
        bits.append(f"one of {schema['enum']}")
    return "allowed: " + ", ".join(bits) if bits else ""


def _message(error) -> str:
    where = field_path(error.absolute_path)
    if error.validator == "oneOf" and error.context:
        # "null or a positive number": report the closest alternative's complaint.
        error = min(error.context, key=lambda e: len(list(e.schema_path)))
    allowed = _allowed(error)
    return f"{where}: {error.message}" + (f" ({allowed})" if allowed else "")


def check_config(config: dict, schema_path: str | Path) -> None:
    """Raise :class:`ConfigError` listing every schema and cross-field problem in ``config``."""
    import jsonschema

    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [_message(e) for e in errors]
    if not problems:
        problems = cross_field_problems(config)
    if problems:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))


def cross_field_problems(config: dict) -> list[str]:
    """Rules the schema cannot express, checked by the classes that own them."""
    from .task import TaskSpec
    from .train import TrainConfig

    problems = []
    try:
        TaskSpec.from_config(config.get("task"))
    except ValueError as err:
        problems.append(str(err))
    try:
        TrainConfig.from_config(config.get("training"))
    except ValueError as err:
        problems.append(str(err))
    gammas = [f"{float(g):g}" for g in config["sweep"]["gamma"]]
    if len(set(gammas)) != len(gammas):
        problems.append(f"sweep.gamma: values {gammas} coincide once formatted for file names")
    return problems
