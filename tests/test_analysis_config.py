"""The analysis and manuscript sections of the config are validated like every other field."""

import copy
from pathlib import Path

import pytest
import yaml

from tdnms.config import ConfigError
from tdnms.validate import check_config

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "schemas" / "config.schema.yaml"
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())


def with_field(section: str, key: str, value):
    config = copy.deepcopy(DEFAULT)
    node = config
    for part in section.split("."):
        node = node[part]
    node[key] = value
    return config


def test_default_config_spells_out_every_analysis_key_of_the_schema():
    schema = yaml.safe_load(SCHEMA.read_text())
    analysis = schema["properties"]["analysis"]["properties"]
    for name in ("units", "decoding"):
        assert set(DEFAULT["analysis"][name]) == set(analysis[name]["properties"]), name
    assert set(DEFAULT["manuscript"]) == set(schema["properties"]["manuscript"]["properties"])
    check_config(DEFAULT, SCHEMA)


@pytest.mark.parametrize(
    "section, key, value, named",
    [
        ("analysis.units", "n_shuffles", 50, "analysis.units.n_shuffles"),
        ("analysis.units", "alpha", 0.0, "analysis.units.alpha"),
        ("analysis.units", "ramp_epoch", "nap", "analysis.units.ramp_epoch"),
        ("analysis.units", "typo", 1, "analysis.units"),
        ("analysis.decoding", "n_folds", 1, "analysis.decoding.n_folds"),
        ("analysis.decoding", "time_decoder", "svm", "analysis.decoding.time_decoder"),
        ("analysis.decoding", "accuracy_threshold", 1.5, "analysis.decoding.accuracy_threshold"),
        ("manuscript", "width_mm", 250, "manuscript.width_mm"),
        ("manuscript", "example_seed", -1, "manuscript.example_seed"),
    ],
)
def test_bad_analysis_values_are_rejected_with_the_field_named(section, key, value, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        check_config(with_field(section, key, value), SCHEMA)
