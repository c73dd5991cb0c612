"""Config fuzzer: one random mutation of one field of config.yaml at a time.

Every mutated config must either plan normally or stop before any job with the
mutated field named. "Plans normally" is checked for real in-process: the
config check (the function the Snakefile calls) accepts it, and the library
objects the jobs build construct from the completed sections (TaskSpec,
TrainConfig, the network of each gamma, the fixed-point finder on every
condition, each seed's generators, each gamma's path label). A few mutations go
through real Snakemake dry runs as well.

Fields come from config.yaml itself, so a field added there (with its schema
entry) is fuzzed without touching this file.
"""

import copy
import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workflow_helpers import REPO, SNAKEMAKE

from tdnms.config import ConfigError, field_path, gamma_label
from tdnms.validate import check_config

SCHEMA = REPO / "schemas" / "config.schema.yaml"
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
GAMMA_WILDCARD = r"\d+(\.\d+)?"  # rules/common.smk


def field_paths(node, path=()):
    """Every field of ``node`` (mappings and lists included), as key/index tuples."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield path + (key,)
        yield from field_paths(value, path + (key,))


PATHS = list(field_paths(DEFAULT))


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# name -> value -> replacement. Every mutation applies to every field.
MUTATIONS = {
    # type swaps
    "string": lambda v: "x",
    "numeric string": lambda v: str(v),
    "boolean": lambda v: not v if isinstance(v, bool) else True,
    "null": lambda v: None,
    "integer": lambda v: 1,
    "float": lambda v: 0.5,
    # non-finite numbers
    "nan": lambda v: math.nan,
    "inf": lambda v: math.inf,
    "-inf": lambda v: -math.inf,
    # signs and sizes
    "negative": lambda v: -abs(v) if _number(v) and v else -1,
    "zero": lambda v: 0,
    "huge integer": lambda v: 10**12,
    "huge float": lambda v: 1e300,
    "2**32": lambda v: 2**32,
    "tiny": lambda v: 1e-5,
    "tinier": lambda v: 1e-30,
    "float-written integer": lambda v: float(v) if _number(v) else 64.0,
    "fraction": lambda v: v + 0.5 if _number(v) else 0.5,
    # containers
    "empty list": lambda v: [],
    "empty mapping": lambda v: {},
    "shorter list": lambda v: v[:-1] if isinstance(v, list) else [v],
    "longer list": lambda v: v + v[-1:] if isinstance(v, list) and v else [v, v],
    "duplicate item": lambda v: v + v[:1] if isinstance(v, list) and v else [v, v],
    # wrong nesting
    "wrapped in a list": lambda v: [v],
    "wrapped in a mapping": lambda v: {"value": v},
    # keys
    "unknown key": lambda v: {**v, "unknown_key": 1} if isinstance(v, dict) else {"unknown_key": v},
}
STRUCTURAL = ["deleted", "moved to another section"]


def mutate(config: dict, path: tuple, kind: str) -> tuple[dict, list[tuple]]:
    """A copy of ``config`` with one mutation at ``path``; also the paths it touched."""
    config = copy.deepcopy(config)
    parent = config
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if kind == "deleted":
        del parent[key]
        return config, [path]
    if kind == "moved to another section":
        value = parent.pop(key)
        section = "training" if path[0] != "training" else "model"
        target = config.setdefault(section, {})
        target[str(key)] = value
        return config, [path, (section, str(key))]
    parent[key] = MUTATIONS[kind](parent[key])
    return config, [path]


def named(message: str, path: tuple) -> bool:
    """The message names the field, or its parent and (for a key) the key itself."""
    if field_path(path) in message:
        return True
    parent = field_path(path[:-1]) if len(path) > 1 else "(top level)"
    return parent in message and (isinstance(path[-1], int) or repr(path[-1]) in message)


_built: dict[str, object] = {}


def _once(kind: str, key, build) -> None:
    """Build an expensive library object once per distinct input."""
    text = kind + json.dumps(key, sort_keys=True)
    if text not in _built:
        _built[text] = build()


def _fixed_points_run(options: dict):
    """The finder on a small random network, with the config's options and conditions."""
    from tdnms.fixed_points import FixedPointOptions, conditions

    FixedPointOptions(
        q_tolerance=options["q_tolerance"], slow_point_threshold=options["slow_point_threshold"], seed=options["seed"]
    )
    rng = np.random.default_rng(0)
    units = 3
    params = {
        "W_in": rng.standard_normal((2, units)),
        "W_rec": 0.5 * rng.standard_normal((units, units)),
        "b": np.zeros(units),
        "gamma": 0.2,
    }
    trajectory = pd.DataFrame(0.1 * rng.standard_normal((5, units)), columns=[f"h{i}" for i in range(units)])
    small = {**options, "n_initial_states": min(options["n_initial_states"], 8)}
    return conditions.fixed_points_from_config(params, trajectory, small)


def construct(complete: dict) -> None:
    """Build what the jobs build from an accepted config; any exception fails the test."""
    from tdnms import task, train
    from tdnms.model import build_network

    spec = task.TaskSpec.from_config(complete["task"])
    train.TrainConfig.from_config(complete["training"])
    data = complete["data"]
    for split in task.SPLITS:
        np.random.default_rng(task.split_seed(data["seed"], split))
        if spec.sequence_bins * len(spec.draw) <= 20_000:
            _once("data", [complete["task"], split], lambda: task.generate(spec, len(spec.draw), seed=0))
    for seed in complete["sweep"]["seed"]:
        np.random.RandomState(seed)  # what keras.utils.set_random_seed seeds
    for gamma in complete["sweep"]["gamma"]:
        label = gamma_label(gamma)
        assert re.fullmatch(GAMMA_WILDCARD, label) and float(label) == float(gamma), (gamma, label)
        model = {**complete["model"], "gamma": float(label)}
        _once("model", model, lambda: build_network(seed=0, n_inputs=len(task.INPUT_CHANNELS), **model))
    options = complete["analysis"]["fixed_points"]
    _once("fixed points", options, lambda: _fixed_points_run(options))
    assert 1 <= options["n_initial_states"] and 2 <= complete["analysis"]["pca"]["n_components"]
    assert complete["analysis"]["pca"]["n_components"] <= complete["model"]["units"]
    assert complete["resources"]["train_threads"] >= 1


def plans_or_names_the_field(config: dict, touched: list[tuple]) -> str:
    """The oracle: 'accepted' (and constructible) or 'rejected' naming a touched field."""
    try:
        complete = check_config(config, SCHEMA)
    except ConfigError as err:
        message = str(err)
        assert "Traceback" not in message
        assert any(named(message, path) for path in touched), f"{touched}: field not named in\n{message}"
        return "rejected"
    construct(complete)
    return "accepted"


@settings(
    max_examples=240,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(PATHS),
    kind=st.sampled_from(sorted(MUTATIONS) + STRUCTURAL),
)
def test_one_mutation_plans_normally_or_stops_naming_the_field(path, kind):
    config, touched = mutate(DEFAULT, path, kind)
    plans_or_names_the_field(config, touched)


# One example of each class from issue #12 and of the mutation kinds, through the same oracle.
def _at(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", text) if p)


CLASS_EXAMPLES = [
    # 1. non-finite numbers
    ("task.input_noise_std", "nan", "rejected"),
    ("model.noise_std", "inf", "rejected"),
    ("training.criterion_accuracy", "nan", "rejected"),
    ("analysis.fixed_points.initial_state_noise", "-inf", "rejected"),
    ("sweep.gamma[1]", "nan", "rejected"),
    # 2. integers written as floats are converted; fractions rejected
    ("model.units", "float-written integer", "accepted"),
    ("training.max_steps", "float-written integer", "accepted"),
    ("model.units", "fraction", "rejected"),
    # 3. seeds out of range
    ("sweep.seed[0]", "2**32", "rejected"),
    ("data.seed", "huge integer", "rejected"),
    # 4. every gamma in range has a path label (or is rejected naming sweep.gamma)
    ("sweep.gamma[0]", "tiny", "accepted"),
    ("sweep.gamma[0]", "tinier", "rejected"),
    # 5. fixed-point conditions of the wrong length
    ("analysis.fixed_points.conditions.odor", "shorter list", "rejected"),
    ("analysis.fixed_points.conditions.light", "longer list", "rejected"),
    # 6. "a number or null" fields
    ("training.clip_norm", "negative", "rejected"),
    ("training.criterion_mse", "null", "accepted"),
    # other kinds
    ("model", "unknown key", "rejected"),
    ("model.units", "moved to another section", "rejected"),
    ("training", "wrapped in a list", "rejected"),
    ("sweep.gamma", "empty list", "rejected"),
    ("task.trial_types", "empty mapping", "rejected"),
    ("training.batch_size", "deleted", "accepted"),  # the schema default fills it
]


@pytest.mark.parametrize("where, kind, outcome", CLASS_EXAMPLES, ids=[f"{w} {k}" for w, k, _ in CLASS_EXAMPLES])
def test_every_class_is_in_the_fuzzers_reach(where, kind, outcome):
    path = _at(where)
    assert path in PATHS and kind in list(MUTATIONS) + STRUCTURAL
    config, touched = mutate(DEFAULT, path, kind)
    assert plans_or_names_the_field(config, touched) == outcome


DRY_RUNS = [
    ("model.noise_std", "nan", False),
    ("analysis.fixed_points.conditions.odor", "shorter list", False),
    ("sweep.gamma[0]", "tiny", True),  # also: units written as floats, converted, are in-process above
]


@pytest.mark.parametrize("where, kind, plans", DRY_RUNS, ids=[f"{w} {k}" for w, k, _ in DRY_RUNS])
def test_real_dry_run_plans_or_stops_before_any_job(tmp_path, where, kind, plans):
    path = _at(where)
    config, _ = mutate(DEFAULT, path, kind)
    # safe_dump writes .nan / .inf, as a user would.
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run(
        [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--cores", "1", "-n"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text, text[-3000:]
    assert not (tmp_path / "results").exists()
    if plans:
        assert proc.returncode == 0, text[-3000:]
        assert "rule train" in text
        if kind == "tiny":
            assert "results/models/gamma0.00001_seed0/model.keras" in text
    else:
        assert proc.returncode != 0 and "invalid configuration" in text
        assert field_path(path) in text or field_path(path[:-1]) in text, text[-3000:]
