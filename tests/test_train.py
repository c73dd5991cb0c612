import numpy as np
import pytest

from tdnms import model as M
from tdnms import score, task, train

pytestmark = pytest.mark.usefixtures("tensorflow_threads")


@pytest.fixture(scope="module")
def data():
    spec = task.TaskSpec()
    return task.generate(spec, 256, seed=[0, 0]), task.generate(spec, 60, seed=[0, 1]), task.generate(spec, 90, seed=[0, 2])


def test_small_network_reaches_criterion_on_every_trial_type(data):
    train_set, validation_set, test_set = data
    config = train.TrainConfig(max_steps=1500, eval_every=10, criterion_patience=2)
    model, history, reached = train.train(
        {"units": 32, "gamma": 0.2, "noise_std": 0.3}, config, train_set, validation_set, seed=0
    )
    assert reached
    last = history.dropna(subset=["validation_mse"]).iloc[-1]
    assert min(last[["accuracy_SL", "accuracy_LS", "accuracy_SS"]]) >= 0.98
    # Held-out test trials, noise off.
    summary = score.summarise(score.score_outputs(train.predict(model, test_set.inputs), test_set))
    accuracy = dict(zip(summary["trial_type"], summary["accuracy"]))
    assert min(accuracy[t] for t in ("SL", "LS", "SS")) >= 0.9
    assert list(history["step"]) == list(range(1, len(history) + 1))
    assert history["wall_seconds"].is_monotonic_increasing


def test_same_seed_gives_identical_weights(data):
    train_set, validation_set, _ = data
    config = train.TrainConfig(max_steps=25, eval_every=10, criterion_accuracy=1.0, criterion_mse=1e-12)
    runs = [
        train.train({"units": 16, "gamma": 0.5, "noise_std": 0.3}, config, train_set, validation_set, seed=s)[0]
        for s in (4, 4, 5)
    ]
    for a, b in zip(runs[0].get_weights(), runs[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0].get_weights()[0], runs[2].get_weights()[0])


def test_divergence_stops_with_error_naming_gamma_seed_and_step(data):
    train_set, validation_set, _ = data
    broken = task.TrialSet(train_set.spec, train_set.inputs.copy(), train_set.targets, train_set.trial_types)
    broken.inputs[:] = np.nan
    with pytest.raises(train.TrainingDiverged, match=r"step 1 \(gamma=0.3, seed=2\)"):
        train.train({"units": 8, "gamma": 0.3}, train.TrainConfig(max_steps=5), broken, validation_set, seed=2)


def test_bad_training_config_names_the_field():
    with pytest.raises(ValueError, match="training.batch_size"):
        train.TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="training.learning_rate"):
        train.TrainConfig(learning_rate=-1.0)
    with pytest.raises(ValueError, match="training: .*'batchsize' was unexpected"):
        train.TrainConfig.from_config({"batchsize": 3})


def test_noise_stream_is_a_pure_function_of_seed_and_step():
    stream = train.NoiseStream(seed=3, shape=(20, 4, 8))
    in_order = [stream(s) for s in range(4)]
    jumped = train.NoiseStream(seed=3, shape=(20, 4, 8))
    assert np.array_equal(jumped(2), in_order[2])  # a resumed run draws what the uninterrupted one drew
    assert np.array_equal(jumped(0), in_order[0])  # out of order: drawn afresh, same values
    assert not np.array_equal(in_order[0], in_order[1])
    assert not np.array_equal(in_order[0], train.NoiseStream(seed=4, shape=(20, 4, 8))(0))
    assert in_order[0].dtype == np.float32 and in_order[0].shape == (20, 4, 8)
    pooled = np.concatenate([n.ravel() for n in in_order])
    assert abs(pooled.mean()) < 0.05 and pooled.std() == pytest.approx(1.0, abs=0.05)
    # The noise and batch-order streams of a seed are distinct.
    assert not np.array_equal(
        train.step_rng(3, train.PRIVATE_NOISE, 0).random(5), train.step_rng(3, train.BATCH_ORDER, 0).random(5)
    )
