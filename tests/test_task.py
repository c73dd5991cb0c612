import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tdnms import tables, task


def quiet_spec(**overrides):
    cfg = {"input_noise_std": 0.0, **overrides}
    return task.TaskSpec.from_config(cfg)


def test_reference_trial_windows_bin_for_bin():
    spec = quiet_spec()
    trials = task.generate(spec, 30, seed=0)
    expected_odor = {"SL": [(30, 50), (80, 130)], "LS": [(30, 80), (110, 130)], "SS": [(30, 50), (80, 100)]}
    for i, name in enumerate(trials.trial_types[:, 0]):
        light = np.zeros(200)
        light[0:3] = 1
        odor = np.zeros(200)
        for a, b in expected_odor[name]:
            odor[a:b] = 1
        target = np.zeros(200)
        if name != "SS":
            target[131:160] = 1
        np.testing.assert_array_equal(trials.inputs[i, :, 0], light)
        np.testing.assert_array_equal(trials.inputs[i, :, 1], odor)
        np.testing.assert_array_equal(trials.targets[i, :, 0], target)
    assert set(trials.trial_types[:, 0]) == {"SL", "LS", "SS"}


def test_trial_types_are_balanced_and_seeded():
    spec = task.TaskSpec()
    a = task.generate(spec, 99, seed=3)
    counts = {t: int((a.trial_types == t).sum()) for t in spec.draw}
    assert counts == {"SL": 33, "LS": 33, "SS": 33}
    b = task.generate(spec, 99, seed=3)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    c = task.generate(spec, 99, seed=4)
    assert not np.array_equal(a.inputs, c.inputs)


def test_input_noise_has_configured_sd_on_both_channels():
    spec = task.TaskSpec.from_config({"input_noise_std": 0.15})
    clean = task.TaskSpec.from_config({"input_noise_std": 0.0})
    noisy, quiet = task.generate(spec, 300, seed=1), task.generate(clean, 300, seed=1)
    residual = noisy.inputs - quiet.inputs
    assert residual.std(axis=(0, 1)) == pytest.approx([0.15, 0.15], rel=0.02)


def test_several_trials_per_sequence_lay_trials_end_to_end():
    spec = quiet_spec(trials_per_sequence=2)
    trials = task.generate(spec, 10, seed=0)
    assert trials.inputs.shape == (10, 400, 2) and trials.targets.shape == (10, 400, 1)
    templ_in, templ_t = spec.templates()
    for i in range(10):
        for k in range(2):
            code = list(spec.draw).index(trials.trial_types[i, k])
            np.testing.assert_array_equal(trials.inputs[i, 200 * k : 200 * (k + 1)], templ_in[code])
            np.testing.assert_array_equal(trials.targets[i, 200 * k : 200 * (k + 1), 0], templ_t[code])


def test_draw_subset_only_draws_those_types():
    spec = task.TaskSpec.from_config({"draw": ["SL", "LS"]})
    trials = task.generate(spec, 20, seed=0)
    assert set(trials.trial_types.ravel()) == {"SL", "LS"}


def test_same_seed_gives_identical_parquet_bytes(tmp_path):
    spec = task.TaskSpec()
    for name in ("a", "b"):
        task.write_trials(task.generate(spec, 12, seed=[5, 0]), tmp_path / f"{name}.parquet", split="train")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(tmp_path / "a.parquet") == digest(tmp_path / "b.parquet")
    task.write_trials(task.generate(spec, 12, seed=[6, 0]), tmp_path / "c.parquet", split="train")
    assert digest(tmp_path / "a.parquet") != digest(tmp_path / "c.parquet")


def test_parquet_round_trip_and_tidy_layout(tmp_path):
    spec = task.TaskSpec.from_config({"trials_per_sequence": 2})
    trials = task.generate(spec, 7, seed=2)
    path = tmp_path / "t.parquet"
    task.write_trials(trials, path, split="test")
    table = pq.read_table(path)
    assert table.num_rows == 7 * 2 * 200
    assert set(task.TRIALS_COLUMNS) <= set(table.column_names)
    meta = tables.table_metadata(path)
    assert meta["kind"] == "trials" and meta["seed"] == 2 and meta["split"] == "test"
    assert meta["config"] == spec.to_dict() and meta["versions"]["tdnms"]
    back = task.read_trials(path, expected_spec=spec)
    np.testing.assert_array_equal(back.inputs, trials.inputs)
    np.testing.assert_array_equal(back.targets, trials.targets)
    np.testing.assert_array_equal(back.trial_types, trials.trial_types)
    rows = table.to_pandas()
    window = rows[rows["response_window"]]["time_bin"].unique()
    assert sorted(window) == list(range(131, 160))


def test_reader_rejects_a_file_made_from_another_spec(tmp_path):
    path = tmp_path / "t.parquet"
    task.write_trials(task.generate(task.TaskSpec(), 3, seed=0), path)
    other = task.TaskSpec.from_config({"input_noise_std": 0.3})
    with pytest.raises(tables.DataFileError, match=r"t\.parquet.*different task spec.*input_noise_std"):
        task.read_trials(path, expected_spec=other)


def test_reader_rejects_missing_column_and_corrupt_file(tmp_path):
    path = tmp_path / "t.parquet"
    task.write_trials(task.generate(task.TaskSpec(), 3, seed=0), path)
    table = pq.read_table(path)
    broken = tmp_path / "missing.parquet"
    pq.write_table(table.drop_columns(["odor"]), broken)
    with pytest.raises(tables.DataFileError, match=r"missing\.parquet.*missing column 'odor'"):
        task.read_trials(broken)
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(tables.DataFileError, match=r"truncated\.parquet"):
        task.read_trials(truncated)
    with pytest.raises(tables.DataFileError, match="does not exist"):
        task.read_trials(tmp_path / "nope.parquet")


def _with_nan(path, column, rows):
    table = pq.read_table(path)
    values = table[column].to_numpy().copy()
    values[rows] = np.nan
    index = table.schema.get_field_index(column)
    pq.write_table(table.set_column(index, column, pa.array(values)).replace_schema_metadata(table.schema.metadata), path)


@pytest.mark.parametrize("column", ["light", "odor", "target"])
def test_reader_rejects_non_finite_inputs_or_targets_naming_file_and_column(tmp_path, column):
    path = tmp_path / "train.parquet"
    task.write_trials(task.generate(task.TaskSpec(), 3, seed=[0, 0]), path, split="train")
    _with_nan(path, column, [17, 18, 400])
    with pytest.raises(tables.DataFileError, match=rf"train\.parquet: column '{column}' has 3 non-finite .* row 17"):
        task.read_trials(path, task.TaskSpec(), split="train", data_seed=0)


def test_reader_checks_split_and_data_seed_naming_the_file(tmp_path):
    spec = task.TaskSpec()
    train = tmp_path / "validation.parquet"  # a copy of the training split under the validation name
    task.write_trials(task.generate(spec, 3, seed=task.split_seed(0, "train")), train, split="train")
    with pytest.raises(tables.DataFileError, match=r"validation\.parquet: holds the 'train' split.*'validation'"):
        task.read_trials(train, spec, split="validation", data_seed=0)
    other_seed = tmp_path / "test.parquet"
    task.write_trials(task.generate(spec, 3, seed=task.split_seed(5, "test")), other_seed, split="test")
    with pytest.raises(tables.DataFileError, match=r"test\.parquet: made with generator seed \[5, 2\].*data.seed 0"):
        task.read_trials(other_seed, spec, split="test", data_seed=0)
    assert task.read_trials(other_seed, spec, split="test", data_seed=5).n_sequences == 3


@pytest.mark.parametrize(
    "config, field",
    [
        ({"trial_types": {"SL": {"odor_windows": [[30, 250]], "go": True}}, "draw": ["SL"]}, "odor_windows"),
        ({"trial_types": {"SL": {"odor_windows": [[50, 50]], "go": True}}, "draw": ["SL"]}, "empty"),
        ({"trial_types": {"SL": {"odor_windows": [[120, 140]], "go": True}}, "draw": ["SL"]}, "overlaps the response"),
        ({"draw": ["SL", "LL"]}, "task.draw"),
        ({"input_noise_std": -0.1}, "task.input_noise_std"),
        ({"trials_per_sequence": 0}, "task.trials_per_sequence"),
        ({"n_bins": 0}, "task.n_bins"),
        ({"start_cue": [0, 300]}, "task.start_cue"),
        ({"response_window": [160, 131]}, "task.response_window"),
        ({"trial_types": {"SL": {"odor_windows": [[30, 50]], "go": "yes"}}, "draw": ["SL"]}, "go"),
        ({"n_bin": 200}, "task: .*'n_bin' was unexpected"),
    ],
)
def test_bad_specs_raise_value_error_naming_the_field(config, field):
    with pytest.raises(ValueError, match=field):
        task.TaskSpec.from_config(config)
