"""The timing variant of the task: per-trial windows, reference bytes unchanged, scoring per trial."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml

from tdnms import score, tables, task, timing

REPO = Path(__file__).resolve().parents[1]


def variant_section(**timing_overrides):
    """The task section of config/timing.yaml (over the defaults), optionally edited."""
    section = yaml.safe_load((REPO / "config" / "timing.yaml").read_text())["task"]
    section["timing"] = {**section["timing"], **timing_overrides}
    return section


def variant_spec(**overrides):
    return task.TaskSpec.from_config({**variant_section(), **overrides})


def test_reference_data_bytes_are_unchanged():
    # Digests of the reference task's Arrow table and spec, pinned from the code before
    # the variant existed: the default config's data files keep their bytes.
    spec = task.TaskSpec.from_config({"input_noise_std": 0.15})
    table = task.to_arrow(task.generate(spec, 40, seed=[0, 2]))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    assert hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest() == (
        "0a73729a2ce49ec2b41ec855e5a9833a9403bfa0de0829165b71445ecbc321ae"
    )
    assert hashlib.sha256(json.dumps(spec.to_dict(), sort_keys=True).encode()).hexdigest() == (
        "6731fc8caddd78c94156d9970eb2f6d2432f44c38bb54a04740ccde107b686b9"
    )
    assert "timing" not in spec.to_dict() and "odor1_start" not in table.column_names


def test_default_config_is_the_reference_task():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    assert task.TaskSpec.from_config(config["task"]) == task.TaskSpec()


def test_variant_windows_respect_the_configured_ranges():
    spec = variant_spec(input_noise_std=0.0)
    t = spec.timing
    trials = task.generate(spec, 400, seed=5)
    odor, response = trials.odor_windows[:, 0], trials.response_windows[:, 0]
    names = trials.trial_types[:, 0]
    onset, first, delay, second = odor[:, 0, 0], odor[:, 0, 1] - odor[:, 0, 0], odor[:, 1, 0] - odor[:, 0, 1], odor[:, 1, 1] - odor[:, 1, 0]
    assert t.first_onset[0] <= onset.min() and onset.max() <= t.first_onset[1]
    assert t.delay[0] <= delay.min() and delay.max() <= t.delay[1]
    for position, durations in ((0, first), (1, second)):  # type name letters: S or L per odor
        letter = np.array([n[position] for n in names])
        for cls, (low, high) in (("S", t.short), ("L", t.long)):
            d = durations[letter == cls]
            assert len(d) and low <= d.min() and d.max() <= high
    np.testing.assert_array_equal(response[:, 0], odor[:, 1, 1] + t.response_gap)
    np.testing.assert_array_equal(response[:, 1] - response[:, 0], 29)
    assert response.max() <= spec.n_bins
    # The inputs and targets are drawn from exactly those windows.
    go = np.isin(names, ["SL", "LS"])
    for i in range(0, 400, 37):
        expected = np.zeros(spec.n_bins)
        for a, b in odor[i]:
            expected[a:b] = 1
        np.testing.assert_array_equal(trials.inputs[i, :, 1], expected)
        target = np.zeros(spec.n_bins)
        target[slice(*response[i])] = go[i]
        np.testing.assert_array_equal(trials.targets[i, :, 0], target)
    # Ranges are actually used, not just respected.
    assert len(np.unique(onset)) > 20 and len(np.unique(delay)) > 20


def test_variant_is_balanced_seeded_and_round_trips_through_parquet(tmp_path):
    spec = variant_spec()
    a, b = task.generate(spec, 80, seed=1), task.generate(spec, 80, seed=1)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.odor_windows, b.odor_windows)
    assert {t: int((a.trial_types == t).sum()) for t in spec.draw} == {"SL": 20, "LS": 20, "SS": 20, "LL": 20}
    path = tmp_path / "v.parquet"
    task.write_trials(a, path)
    back = task.read_trials(path, spec)
    np.testing.assert_array_equal(back.odor_windows, a.odor_windows)
    np.testing.assert_array_equal(back.response_windows, a.response_windows)
    np.testing.assert_array_equal(back.inputs, a.inputs)
    table = a.trial_table()
    assert {"odor1_start", "odor2_stop", "response_start", "response_stop"} <= set(table.columns)
    rows = tables.read_table(path)[0].to_pandas()
    in_window = rows[rows["response_window"]]
    assert ((in_window["time_bin"] >= in_window["response_start"]) & (in_window["time_bin"] < in_window["response_stop"])).all()


def test_reader_rejects_variant_data_without_window_columns(tmp_path):
    import pyarrow.parquet as pq

    spec = variant_spec()
    path, broken = tmp_path / "v.parquet", tmp_path / "broken.parquet"
    task.write_trials(task.generate(spec, 8, seed=0), path)
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["odor2_start"]).replace_schema_metadata(table.schema.metadata), broken)
    with pytest.raises(tables.DataFileError, match="odor2_start"):
        task.read_trials(broken, spec)


def test_scoring_reads_each_trials_own_response_window():
    spec = variant_spec(input_noise_std=0.0)
    trials = task.generate(spec, 60, seed=2)
    scored = score.score_outputs(trials.targets[..., 0], trials)
    assert scored["correct"].all()
    # Output in the reference's fixed window instead is wrong on most go trials.
    fixed = np.zeros_like(trials.targets[..., 0])
    fixed[:, 131:160] = 1.0
    assert score.score_outputs(fixed, trials)["correct"].mean() < 0.8


def test_fixed_response_mode_keeps_the_configured_window():
    section = variant_section(response="fixed", first_onset=[10, 20], delay=[10, 20])
    spec = task.TaskSpec.from_config({**section, "response_window": [260, 289]})
    trials = task.generate(spec, 20, seed=0)
    assert (trials.response_windows == [260, 289]).all()


@pytest.mark.parametrize(
    "edit, field",
    [
        ({"short": [10, 45]}, "must not overlap"),
        ({"long": [60, 70]}, "task.trial_types.LL.odor_windows"),
        ({"first_onset": [10, 200]}, "beyond task.n_bins"),
        ({"response": "later"}, "task.timing.response"),
        ({"delay": [30, 10]}, "task.timing.delay"),
    ],
)
def test_bad_timing_names_the_field(edit, field):
    with pytest.raises(ValueError, match=field):
        variant_spec(**{"timing": {**variant_section()["timing"], **edit}})


def test_timing_spec_round_trips():
    spec = variant_spec()
    assert task.TaskSpec.from_config(spec.to_dict()) == spec
    assert isinstance(spec.timing, timing.Timing)


def merged_timing_config():
    """config.yaml deep-merged with config/timing.yaml, as Snakemake merges --configfile."""

    def merge(base, extra):
        out = dict(base)
        for key, value in extra.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    default = yaml.safe_load((REPO / "config.yaml").read_text())
    return merge(default, yaml.safe_load((REPO / "config" / "timing.yaml").read_text()))


def test_timing_config_is_valid_and_trains_with_a_curriculum():
    from tdnms.validate import check_config
    from tdnms.train import TrainConfig

    config = merged_timing_config()
    check_config(config, REPO / "schemas" / "config.schema.yaml")
    assert TrainConfig.from_config(config["training"]).curriculum == (0.0, 0.25, 0.5, 0.75)
    assert task.TaskSpec.from_config(config["task"]).timing is not None


def test_missing_compared_networks_stop_the_run_naming_the_field(tmp_path):
    from workflow_helpers import snakemake

    config = merged_timing_config()
    config["workdir"] = "."
    config["analysis"]["probes"]["compare_with"] = "elsewhere/results"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "-n", check=False)
    assert proc.returncode != 0
    assert "analysis.probes.compare_with" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()
    # Outputs that do not need the compared run plan without it (the first step of a variant study).
    proc = snakemake(tmp_path, "-n", "--until", "train")
    assert "train" in proc.stdout and "probes_compared" not in proc.stdout


def test_curriculum_stages_widen_the_ranges_from_the_standard_trials():
    from tdnms import curriculum

    spec = variant_spec()
    first = curriculum.stage_spec(spec, 0.0).timing
    assert (first.first_onset, first.delay, first.short, first.long) == ((30, 30), (30, 30), (20, 20), (50, 50))
    assert curriculum.stage_spec(spec, 1.0) == spec
    half = curriculum.stage_spec(spec, 0.5).timing
    assert half.first_onset == (20, 55) and half.short == (15, 22)
    # Stage data: the standard trials exactly (no timing jitter) at fraction 0.
    stage_train, _ = curriculum.stage_data(spec, 0.0, 0, {"n_train": 8, "n_validation": 4}, data_seed=0)
    assert (stage_train.odor_windows[:, 0, 0, 0] == 30).all()
    with pytest.raises(ValueError, match="training.curriculum"):
        curriculum.stage_spec(task.TaskSpec(), 0.5)


def test_timing_metrics_use_each_trials_own_window():
    spec = variant_spec(input_noise_std=0.0)
    trials = task.generate(spec, 40, seed=4)
    outputs = trials.targets[..., 0]
    scored = score.score_outputs(outputs, trials)
    go = scored["go"].to_numpy()
    assert not scored["premature"].any()  # output only inside each trial's own window
    assert (scored.loc[go, "latency"] == 0).all() and scored.loc[~go, "latency"].isna().all()
