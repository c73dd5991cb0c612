"""Bad configurations are rejected before any job runs, with the field named."""

import copy
import os
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml

from tdnms.config import ConfigError, gamma_label, section_defaults
from tdnms.validate import check_config

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "schemas" / "config.schema.yaml"
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())


def edited(path: str, value):
    """The default config with one field set (value None with path ending '!' deletes it)."""
    config = copy.deepcopy(DEFAULT)
    keys = path.rstrip("!").split(".")
    node = config
    for k in keys[:-1]:
        node = node[k]
    if path.endswith("!"):
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return config


ODOR = "task.trial_types.SS.odor_windows"
CATALOGUE = [
    # (case, config, text the message must contain)
    ("units of wrong type", edited("model.units", "many"), "model.units"),
    ("units zero", edited("model.units", 0), "model.units"),
    ("gamma zero", edited("sweep.gamma", [0.0, 0.2]), "sweep.gamma[0]"),
    ("gamma above one", edited("sweep.gamma", [0.2, 1.5]), "sweep.gamma[1]"),
    ("gamma as string", edited("sweep.gamma", ["0.2"]), "sweep.gamma[0]"),
    ("negative input noise", edited("task.input_noise_std", -0.1), "task.input_noise_std"),
    ("negative private noise", edited("model.noise_std", -1.0), "model.noise_std"),
    ("unknown trial type drawn", edited("task.draw", ["SL", "LL"]), "task.draw"),
    ("odor window outside trial", edited(ODOR, [[30, 50], [80, 300]]), "SS.odor_windows[1]"),
    ("odor window into response", edited(ODOR, [[30, 50], [120, 140]]), "overlaps the response window"),
    ("empty odor window", edited(ODOR, [[30, 30]]), "empty"),
    ("reversed response window", edited("task.response_window", [160, 131]), "task.response_window"),
    ("empty gamma sweep", edited("sweep.gamma", []), "sweep.gamma"),
    ("empty seed sweep", edited("sweep.seed", []), "sweep.seed"),
    ("duplicate seeds", edited("sweep.seed", [0, 0]), "sweep.seed"),
    ("gamma with too many digits for a path", edited("sweep.gamma", [0.2, 1e-30]), "sweep.gamma[1]"),
    ("batch size zero", edited("training.batch_size", 0), "training.batch_size"),
    ("learning rate zero", edited("training.learning_rate", 0), "training.learning_rate"),
    ("negative data seed", edited("data.seed", -1), "data.seed"),
    ("go flag not boolean", edited("task.trial_types.SS.go", "yes"), "task.trial_types.SS.go"),
    ("missing training section", edited("training!", None), "'training' is a required property"),
    ("typo in model key", edited("model.unitz", 128), "'unitz' was unexpected"),
    ("typo in section name", {**DEFAULT, "sweeps": DEFAULT["sweep"]}, "'sweeps' was unexpected"),
    ("criterion above one", edited("training.criterion_accuracy", 1.2), "training.criterion_accuracy"),
    # Issue #12: non-finite numbers, anywhere.
    ("NaN private noise", edited("model.noise_std", float("nan")), "model.noise_std: nan is not a finite number"),
    ("infinite input noise", edited("task.input_noise_std", float("inf")), "task.input_noise_std: inf"),
    ("NaN criterion", edited("training.criterion_accuracy", float("nan")), "training.criterion_accuracy: nan"),
    ("NaN MSE criterion", edited("training.criterion_mse", float("nan")), "training.criterion_mse: nan"),
    ("infinite initial-state noise", edited("analysis.fixed_points.initial_state_noise", float("inf")),
     "analysis.fixed_points.initial_state_noise: inf"),
    ("NaN in the gamma sweep", edited("sweep.gamma", [0.2, float("nan")]), "sweep.gamma[1]: nan"),
    ("NaN in a fixed-point condition", edited("analysis.fixed_points.conditions.odor", [0.0, float("nan")]),
     "analysis.fixed_points.conditions.odor[1]: nan"),
    ("number beyond float32", edited("model.noise_std", 1e300), "model.noise_std: 1e+300 is not a finite number"),
    # Non-integral floats where integers are needed (integral ones are converted).
    ("fractional units", edited("model.units", 64.5), "model.units: 64.5 is not of type 'integer'"),
    # Seeds the generators refuse.
    ("model seed 2**32", edited("sweep.seed", [0, 2**32]), "sweep.seed[1]"),
    ("data seed 2**32", edited("data.seed", 2**32), "data.seed"),
    ("fixed-point seed 2**40", edited("analysis.fixed_points.seed", 2**40), "analysis.fixed_points.seed"),
    # Fixed-point conditions are one input per channel: [light, odor].
    ("condition too short", edited("analysis.fixed_points.conditions.odor", [1.0]), "conditions.odor"),
    ("condition too long", edited("analysis.fixed_points.conditions.odor", [0.0, 1.0, 0.0]), "conditions.odor"),
    ("more components than units", edited("analysis.pca.n_components", 200), "analysis.pca.n_components"),
    ("response window past a shortened trial", edited("task.n_bins", 100), "task.n_bins=100"),
    ("huge unit count", edited("model.units", 10**12), "model.units"),
]


def test_default_config_is_valid():
    check_config(copy.deepcopy(DEFAULT), SCHEMA)


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "config").glob("*.yaml")))
def test_every_config_file_is_valid(name):
    """Each file in config/, merged over config.yaml as Snakemake merges --configfile."""

    def merge(base, over):
        if not isinstance(base, dict) or not isinstance(over, dict):
            return over
        return {**base, **{k: merge(base.get(k), v) for k, v in over.items()}}

    check_config(merge(copy.deepcopy(DEFAULT), yaml.safe_load((REPO / "config" / name).read_text())), SCHEMA)


@pytest.mark.parametrize("case, config, expected", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_config_is_rejected_naming_the_field(case, config, expected):
    with pytest.raises(ConfigError) as info:
        check_config(config, SCHEMA)
    assert expected in str(info.value), str(info.value)


def test_schema_messages_say_what_is_allowed():
    with pytest.raises(ConfigError, match=r"sweep.gamma\[0\].*allowed: .*> 0, <= 1"):
        check_config(edited("sweep.gamma", [0.0]), SCHEMA)
    with pytest.raises(ConfigError, match=r"allowed keys: activity_l2, .*units"):
        check_config(edited("model.unitz", 1), SCHEMA)
    # "A number or null" fields say both, not only the null branch's complaint.
    with pytest.raises(ConfigError) as info:
        check_config(edited("training.clip_norm", -1.0), SCHEMA)
    text = str(info.value)
    assert "training.clip_norm: -1.0 is not valid" in text and "null or a number > 0" in text, text
    assert "is not of type 'null'" not in text


def test_check_returns_the_complete_config_with_schema_defaults():
    partial = {"data": {"seed": 3}, "sweep": {"gamma": [0.2], "seed": [0]}, "task": {}, "model": {},
               "training": {"max_steps": 7}, "analysis": {}}
    complete = check_config(partial, SCHEMA)
    assert complete["training"] == {**DEFAULT["training"], "max_steps": 7}
    assert complete["model"] == DEFAULT["model"] and complete["resources"] == DEFAULT["resources"]
    assert complete["analysis"] == DEFAULT["analysis"]
    assert complete["task"] == {**DEFAULT["task"], "draw": None}  # null: every trial type
    assert partial["training"] == {"max_steps": 7}  # the input is not modified


def test_config_yaml_spells_out_every_schema_default():
    """config.yaml lists every field, with the schema's default where the schema has one."""
    assert check_config(copy.deepcopy(DEFAULT), SCHEMA) == DEFAULT
    for name in ("task", "model", "training", "resources"):
        defaults = section_defaults(name)
        assert set(DEFAULT[name]) == set(defaults), name
        changed = {k for k in defaults if defaults[k] is not None and DEFAULT[name][k] != defaults[k]}
        assert not changed, f"{name}: config.yaml and the schema disagree on {changed}"


def test_library_objects_take_their_defaults_from_the_schema():
    from tdnms import task, train

    assert asdict(train.TrainConfig()) == section_defaults("training")
    assert train.TrainConfig.from_config(DEFAULT["training"]) == train.TrainConfig()
    assert task.TaskSpec() == task.TaskSpec.from_config(DEFAULT["task"]) == task.TaskSpec.from_config({})


def test_integers_written_as_floats_are_converted_once():
    from tdnms import train

    complete = check_config(edited("model.units", 64.0), SCHEMA)
    assert complete["model"]["units"] == 64 and type(complete["model"]["units"]) is int
    windows = check_config(edited("task.response_window", [131.0, 160.0]), SCHEMA)["task"]["response_window"]
    assert [type(v) for v in windows] == [int, int]
    config = train.TrainConfig.from_config({"batch_size": 16.0, "max_steps": 1e3})
    assert (config.batch_size, config.max_steps) == (16, 1000) and type(config.max_steps) is int


@pytest.mark.parametrize("gamma, label", [(0.1, "0.1"), (0.2, "0.2"), (0.5, "0.5"), (1.0, "1"), (1, "1"),
                                          (0.05, "0.05"), (1e-5, "0.00001"), (1 / 3, "0.3333333333333333")])
def test_gamma_labels_round_trip_and_match_the_wildcard(gamma, label):
    assert gamma_label(gamma) == label
    assert float(label) == gamma and re.fullmatch(r"\d+(\.\d+)?", label)


@pytest.mark.slow
def test_every_gamma_in_the_range_round_trips_or_is_rejected_naming_the_field():
    import numpy as np

    rng = np.random.default_rng(0)
    for gamma in np.concatenate([10.0 ** -rng.uniform(0, 30, 500), rng.uniform(0, 1, 500)]):
        gamma = float(gamma)
        try:
            check_config(edited("sweep.gamma", [gamma]), SCHEMA)
        except ConfigError as err:
            assert "sweep.gamma[0]" in str(err) and "allowed" in str(err)
            continue
        label = gamma_label(gamma)
        assert float(label) == gamma and re.fullmatch(r"\d+(\.\d+)?", label)


def test_library_objects_reject_non_finite_values_naming_the_field():
    from tdnms import task, train

    with pytest.raises(ValueError, match="training.learning_rate: nan"):
        train.TrainConfig(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="task.input_noise_std: inf"):
        task.TaskSpec.from_config({"input_noise_std": float("inf")})


@pytest.mark.parametrize("case", ["gamma zero", "odor window outside trial", "typo in model key", "duplicate seeds"])
def test_workflow_stops_before_any_job_and_leaves_results_untouched(tmp_path, case):
    config = dict((c[0], c[1]) for c in CATALOGUE)[case]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    sentinel = tmp_path / "results" / "scores" / "all.parquet"
    sentinel.parent.mkdir(parents=True)
    sentinel.write_bytes(b"earlier results")
    os.utime(sentinel, (1_000_000_000, 1_000_000_000))
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    proc = subprocess.run(
        [snakemake, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--cores", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid configuration" in text
    expected = dict((c[0], c[2]) for c in CATALOGUE)[case]
    assert expected in text
    assert "rule " not in text and "Job stats" not in text  # no job was scheduled
    assert sentinel.read_bytes() == b"earlier results" and sentinel.stat().st_mtime == 1_000_000_000
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "results").rglob("*")) == [
        Path("results/scores"),
        Path("results/scores/all.parquet"),
    ]


def test_a_key_written_twice_is_rejected_naming_the_key_and_lines(tmp_path):
    from tdnms.config import load_yaml

    path = tmp_path / "twice.yaml"
    path.write_text("model:\n  units: 32\ntraining:\n  max_steps: 10\nmodel:\n  units: 64\n")
    with pytest.raises(ConfigError, match=r"twice\.yaml: key 'model' is written twice \(lines 1 and 5\)"):
        load_yaml(path)
    nested = tmp_path / "nested.yaml"
    nested.write_text("training:\n  max_steps: 10\n  eval_every: 5\n  max_steps: 20\n")
    with pytest.raises(ConfigError, match=r"key 'max_steps' is written twice \(lines 2 and 4\)"):
        load_yaml(nested)
    assert load_yaml(REPO / "config.yaml") == yaml.safe_load((REPO / "config.yaml").read_text())


def test_the_workflow_rejects_a_config_file_with_a_key_written_twice_before_any_job(tmp_path):
    from workflow_helpers import snakemake

    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    extra = tmp_path / "extra.yaml"
    extra.write_text("sweep:\n  gamma: [0.2]\nsweep:\n  seed: [0]\n")
    proc = snakemake(tmp_path, "-n", "--configfile", str(extra), check=False)
    assert proc.returncode != 0
    assert "key 'sweep' is written twice (lines 1 and 3)" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()
