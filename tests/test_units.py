"""Single-unit classification on synthetic populations with a planted answer."""

import numpy as np
import pytest

from tdnms import task, units


def planted_population(seed=0, n_trials=60, T=200, n_time=40, n_noise=60, n_ramp=10, window=(50, 80)):
    """(n_trials, T, units) activity: Gaussian bumps, pure noise, then delay ramps with a plateau."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    peaks = rng.integers(15, T - 15, size=n_time)
    bumps = np.exp(-0.5 * ((t[None, :] - peaks[:, None]) / 5.0) ** 2)  # (n_time, T)
    ramp = np.clip((t - window[0]) / (window[1] - window[0]), 0, 1)
    clean = np.concatenate([bumps, np.zeros((n_noise, T)), np.tile(ramp, (n_ramp, 1))])
    states = clean.T[None] + 0.3 * rng.standard_normal((n_trials, T, len(clean)))
    return states, peaks


@pytest.fixture(scope="module")
def classified():
    states, peaks = planted_population()
    types = np.array(["SL"] * len(states))
    table, tuning = units.classify_units(states, types, {"SL": (50, 80)}, {"n_shuffles": 500, "alpha": 0.01})
    return table, tuning, peaks


def test_planted_time_cells_are_found_at_their_peaks(classified):
    table, _, peaks = classified
    time = table.iloc[:40]
    assert time["time_cell"].mean() >= 0.95
    assert np.abs(time["peak_bin"].to_numpy() - peaks).max() <= 3
    assert (time["width"] < 25).all()


def test_noise_units_give_at_most_five_percent_false_positives(classified):
    table, _, _ = classified
    noise = table.iloc[40:100]
    assert noise["time_cell"].mean() <= 0.05
    assert noise["ramping"].mean() <= 0.05
    assert (noise["p_value"] > 0.01).mean() >= 0.9  # the null is calibrated, not just the reliability filter


def test_planted_ramps_are_ramping_cells(classified):
    table, _, _ = classified
    ramps = table.iloc[100:]
    assert ramps["ramping"].all() and (ramps["class"] == "ramp").all()
    assert (ramps["ramp_slope"] > 0).all()


def test_tuning_table_has_all_odd_and_even_halves(classified):
    _, tuning, _ = classified
    assert set(tuning["half"]) == {"all", "odd", "even"}
    assert len(tuning) == 3 * 110 * 200


def test_fft_shuffle_equals_explicit_circular_shifts():
    rng = np.random.default_rng(1)
    activity = rng.random((7, 3, 20))
    offsets = rng.integers(0, 20, size=(4, 7))
    fast = units.shuffled_means(activity, offsets)
    for s in range(4):
        slow = np.mean([np.roll(activity[i], offsets[s, i], axis=-1) for i in range(7)], axis=0)
        np.testing.assert_allclose(fast[s], slow, atol=1e-5)


def test_same_seed_same_classes():
    states, _ = planted_population(seed=3, n_time=5, n_noise=5, n_ramp=2)
    types = np.array(["SL"] * len(states))
    a, _ = units.classify_units(states, types, {"SL": (50, 80)}, {"n_shuffles": 100})
    b, _ = units.classify_units(states, types, {"SL": (50, 80)}, {"n_shuffles": 100})
    assert a.equals(b)


def test_epoch_windows_of_the_default_task():
    spec = task.TaskSpec()
    assert units.epoch_window(spec, "LS", "delay") == (80, 110)
    assert units.epoch_window(spec, "SL", "delay") == (50, 80)
    assert units.epoch_window(spec, "SS", "response") == (131, 160)
    with pytest.raises(ValueError, match="ramp_epoch"):
        units.epoch_window(spec, "SS", "nap")
