"""Bad configurations are rejected before any job runs, with the field named."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tdnms.config import ConfigError, check_config

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
    ("gammas equal once formatted", edited("sweep.gamma", [0.2, 0.20000001]), "sweep.gamma"),
    ("batch size zero", edited("training.batch_size", 0), "training.batch_size"),
    ("learning rate zero", edited("training.learning_rate", 0), "training.learning_rate"),
    ("negative data seed", edited("data.seed", -1), "data.seed"),
    ("go flag not boolean", edited("task.trial_types.SS.go", "yes"), "task.trial_types.SS.go"),
    ("missing training section", edited("training!", None), "'training' is a required property"),
    ("typo in model key", edited("model.unitz", 128), "'unitz' was unexpected"),
    ("typo in section name", {**DEFAULT, "sweeps": DEFAULT["sweep"]}, "'sweeps' was unexpected"),
    ("criterion above one", edited("training.criterion_accuracy", 1.2), "training.criterion_accuracy"),
]


def test_default_config_is_valid():
    check_config(copy.deepcopy(DEFAULT), SCHEMA)


def test_manuscript_config_is_valid():
    config = copy.deepcopy(DEFAULT)
    for key, section in yaml.safe_load((REPO / "config/manuscript.yaml").read_text()).items():
        config[key] = {**config[key], **section}
    check_config(config, SCHEMA)


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
