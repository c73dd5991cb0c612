"""Population decoders on synthetic populations with a planted code."""

import numpy as np
import pytest

from tdnms import decoding, task


def time_code(seed=0, n_trials=60, T=120, n_units=60, noise=0.2):
    """Units with Gaussian bumps tiling the trial: a population that encodes elapsed time."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    centres = np.linspace(0, T - 1, n_units)
    clean = np.exp(-0.5 * ((t[:, None] - centres[None, :]) / 4.0) ** 2)  # (T, units)
    return clean[None] + noise * rng.standard_normal((n_trials, T, n_units))


@pytest.fixture
def types60():
    return np.array(["SL", "LS", "SS"] * 20)


def test_planted_time_code_decodes_within_two_bins(types60):
    states = time_code()
    folds = decoding.trial_folds(types60, 5, 0)
    predicted = decoding.decode_time(decoding.fold_projections(states, folds, 20), folds)
    error = np.abs(predicted - np.arange(states.shape[1]))
    assert error.mean() <= 2.0


def test_shuffled_time_code_does_not_decode(types60):
    states = time_code()
    rng = np.random.default_rng(1)
    shuffled = np.stack([trial[rng.permutation(len(trial))] for trial in states])  # bins scrambled per trial
    folds = decoding.trial_folds(types60, 5, 0)
    predicted = decoding.decode_time(decoding.fold_projections(shuffled, folds, 20), folds)
    assert np.abs(predicted - np.arange(states.shape[1])).mean() > 20


def test_folds_keep_whole_trials_and_stratify(types60):
    folds = decoding.trial_folds(types60, 5, 0)
    assert folds.shape == (60,)
    for k in range(5):
        names, counts = np.unique(types60[folds == k], return_counts=True)
        assert list(counts) == [4, 4, 4]
    with pytest.raises(ValueError, match="n_folds"):
        decoding.trial_folds(types60[:6], 5, 0)


def test_label_decoded_only_after_it_is_planted(types60):
    rng = np.random.default_rng(2)
    T, units = 100, 20
    states = 0.5 * rng.standard_normal((60, T, units))
    code = {"SL": 0, "LS": 1, "SS": 2}
    for i, name in enumerate(types60):
        states[i, 50:, code[name]] += 3.0  # the type becomes readable at bin 50
    folds = decoding.trial_folds(types60, 5, 0)
    projected = decoding.fold_projections(states, folds, 10)
    bins, accuracy = decoding.decode_labels(projected, types60, folds, "logistic", 5)
    assert accuracy[bins < 50].mean() < 0.5
    assert (accuracy[bins >= 50] >= 0.9).all()
    assert decoding.stays_above(bins, accuracy, 0.9, 0, T) == 50


def test_decode_model_summary_on_a_real_task_layout():
    spec = task.TaskSpec()
    types = np.array(["SL", "LS", "SS"] * 10)
    states = time_code(n_trials=30, T=spec.n_bins, n_units=40)
    durations = decoding.first_odor_durations(spec, types)
    assert set(durations) == {20, 50}
    errors, accuracy, summary = decoding.decode_model(states, types, spec, {"n_folds": 3})
    assert set(accuracy["target"]) == {"trial_type", "first_odor_duration"}
    assert summary["time_error"] < 5.0  # 10 PCs of 40 units: coarser than the dedicated test above
    assert set(errors["trial_type"]) == {"SL", "LS", "SS"}
