import numpy as np
import pytest

from tdnms import score, task


@pytest.fixture
def trials():
    return task.generate(task.TaskSpec.from_config({"input_noise_std": 0.0}), 12, seed=0)


def test_perfect_outputs_score_all_correct(trials):
    scored = score.score_outputs(trials.targets[..., 0], trials)
    assert scored["correct"].all() and (scored["mse"] == 0).all()
    assert list(scored["response"]) == list(scored["go"])


def test_response_threshold_is_on_the_mean_in_the_response_window(trials):
    outputs = np.zeros(trials.targets.shape[:2])
    outputs[:, 131:160] = 0.51
    outputs[:, 160:] = 5.0  # outside the window: ignored
    scored = score.score_outputs(outputs, trials)
    assert scored["response"].all()
    assert (scored["correct"] == scored["go"]).all()
    outputs[:, 131:160] = 0.49
    assert not score.score_outputs(outputs, trials)["response"].any()


def test_summary_per_type_and_overall(trials):
    outputs = np.zeros(trials.targets.shape[:2])  # always no-go: only SS correct
    summary = score.summarise(score.score_outputs(outputs, trials)).set_index("trial_type")
    assert summary.loc["SS", "accuracy"] == 1.0
    assert summary.loc["SL", "accuracy"] == 0.0 and summary.loc["LS", "accuracy"] == 0.0
    assert summary.loc["all", "accuracy"] == pytest.approx(1 / 3)
    assert summary.loc["all", "n_trials"] == 12
    expected_mse = (trials.targets[..., 0] ** 2).mean()
    assert summary.loc["all", "mse"] == pytest.approx(expected_mse)


def test_multi_trial_sequences_are_scored_per_trial():
    spec = task.TaskSpec.from_config({"trials_per_sequence": 2, "input_noise_std": 0.0})
    trials = task.generate(spec, 6, seed=1)
    scored = score.score_outputs(trials.targets[..., 0], trials)
    assert len(scored) == 12 and scored["correct"].all()
    assert list(scored["trial"]) == [0, 1] * 6
