"""The whole-config check: the schema, then the rules that relate several fields.

:func:`check_config` (called by ``rules/common.smk`` before Snakemake builds the
DAG) rejects, with every bad field named and what is allowed:

* any number that is not finite or exceeds float32's range, wherever it is
  (NaN or infinity would pass the schema's range checks and fail, or silently
  never trigger, inside a job);
* anything the schema rejects (types, ranges, unknown keys);
* the cross-field rules the schema cannot express (:func:`cross_field_problems`),
  each defined once here; the library's config objects call the same functions.

It returns the *complete* configuration: schema defaults filled in and integers
written as floats converted. :func:`check_files` rejects a config file that
writes a key twice.

This module sits above :mod:`tdnms.config` and :mod:`tdnms.task` (it uses
``TaskSpec`` for the task's own rules); neither imports it.
"""

from __future__ import annotations

from pathlib import Path

from . import config
from .config import ConfigError, gamma_label

# Longest gamma path label ("0." plus decimals): long enough for any value the
# decay factor could sensibly take, short enough to keep file names readable.
MAX_GAMMA_LABEL = 24


def check_files(paths) -> None:
    """Raise :class:`ConfigError` for the first config file that writes a key twice (file, key, lines).

    Paths that do not exist here are skipped: Snakemake has read them already (a cluster
    job may name them relative to another folder).
    """
    for path in paths:
        if Path(path).is_file():
            config.load_yaml(path)


def check_config(settings: dict, schema_path: str | Path | None = None) -> dict:
    """Check the whole configuration; return it complete (defaults filled, integers converted).

    Raises :class:`ConfigError` listing every problem, each naming its field.
    """
    root = config.load_schema(schema_path)
    found = config.problems(settings, root, root)
    if found:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(found))
    complete = config.normalise(settings, root, root)
    found = cross_field_problems(complete)
    if found:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(found))
    return complete


def gamma_problems(gammas) -> list[str]:
    """Gammas whose path label would not read back as the same number, or that share a label."""
    out, seen = [], {}
    for i, g in enumerate(gammas):
        label = gamma_label(g)
        if len(label) > MAX_GAMMA_LABEL or float(label) != float(g):
            out.append(
                f"sweep.gamma[{i}]: {g!r} would appear in paths as 'gamma{label}' ({len(label)} characters); "
                f"allowed: values in (0, 1] written with at most {MAX_GAMMA_LABEL - 2} decimals, e.g. 1e-5 or 0.125"
            )
        elif label in seen:
            out.append(f"sweep.gamma[{i}]: {g!r} has the same path label '{label}' as sweep.gamma[{seen[label]}]")
        seen.setdefault(label, i)
    return out


def components_problem(n_components: int, units: int) -> str | None:
    """PCA cannot keep more components than the network has units."""
    if n_components > units:
        return (
            f"analysis.pca.n_components: {n_components} components exceed model.units ({units}); "
            f"allowed: 2 <= n_components <= model.units"
        )
    return None


def slow_point_problem(slow: float | None, tolerance: float) -> str | None:
    """A slow point must be allowed to sit above the fixed-point tolerance."""
    if slow is not None and slow < tolerance:
        return (
            f"analysis.fixed_points.slow_point_threshold: {slow} is below analysis.fixed_points.q_tolerance "
            f"({tolerance}); allowed: null or a number >= q_tolerance"
        )
    return None


def cross_field_problems(settings: dict) -> list[str]:
    """Rules the schema cannot express; ``settings`` must be complete and schema-valid."""
    from .task import TaskSpec

    out = []
    try:
        TaskSpec.from_config(settings["task"])
    except ValueError as err:
        out.append(str(err).removeprefix("invalid configuration:\n  - "))
    out += gamma_problems(settings["sweep"]["gamma"])
    fixed = settings["analysis"]["fixed_points"]
    out += [
        problem
        for problem in (
            components_problem(settings["analysis"]["pca"]["n_components"], settings["model"]["units"]),
            slow_point_problem(fixed["slow_point_threshold"], fixed["q_tolerance"]),
        )
        if problem
    ]
    return out
