import numpy as np
import pytest

from tdnms import model as M
from tdnms import runtime, score, task, train
from tdnms import step as xla_step

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
    summary = score.summarise(score.score_outputs(runtime.predict(model, test_set.inputs), test_set))
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
    stream = xla_step.NoiseStream(seed=3, shape=(20, 4, 8))
    keys = [stream(s) for s in range(4)]
    assert all(np.array_equal(stream.draw(s), keys[s]) for s in range(4))
    assert np.array_equal(xla_step.NoiseStream(seed=3, shape=(20, 4, 8))(2), keys[2])  # resumed run: same key
    noise = [stream.sample(s) for s in range(4)]
    assert np.array_equal(xla_step.NoiseStream(seed=3, shape=(20, 4, 8)).sample(2), noise[2])  # same draw
    assert not np.array_equal(noise[0], noise[1])
    assert not np.array_equal(noise[0], xla_step.NoiseStream(seed=4, shape=(20, 4, 8)).sample(0))
    assert noise[0].dtype == np.float32 and noise[0].shape == (20, 4, 8)
    pooled = np.concatenate([n.ravel() for n in noise])
    assert abs(pooled.mean()) < 0.05 and pooled.std() == pytest.approx(1.0, abs=0.05)
    # Independent per unit, trial and step: no correlation between neighbours on any axis,
    # nor between the cosine and sine halves of the units (drawn from the same Box-Muller pairs).
    big = xla_step.NoiseStream(seed=0, shape=(200, 32, 64)).sample(0).astype(np.float64)
    for axis in range(3):
        a, b = np.moveaxis(big, axis, 0)[1:], np.moveaxis(big, axis, 0)[:-1]
        assert abs(np.mean(a * b)) < 0.02
    assert abs(np.mean(big[..., :32] * big[..., 32:])) < 0.02
    assert abs(np.mean(big[..., :32] ** 2 * big[..., 32:] ** 2) - 1) < 0.05  # independent, not just uncorrelated


def test_private_noise_is_standard_normal():
    from scipy import stats

    z = xla_step.NoiseStream(seed=1, shape=(200, 32, 127)).sample(9).astype(np.float64).ravel()  # odd units
    assert z.size == 200 * 32 * 127
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(stats.skew(z)) < 0.01 and abs(stats.kurtosis(z)) < 0.02
    assert np.mean(np.abs(z) > 3) == pytest.approx(2 * stats.norm.sf(3), rel=0.1)  # the tails are there
    assert np.abs(z).max() > 4.5


@pytest.mark.slow
@pytest.mark.parametrize("shards", [1, 2, 3])
def test_compiled_step_draws_the_noise_of_its_key(data, shards):
    """The XLA step with key k takes the gradient step of training_loss with NoiseStream.sample noise.

    With the batch split into shards (3 shards of 4 sequences: 2, 1, 1) the step
    still takes the whole batch's step: shard losses weighted by their share.
    """
    import keras
    import tensorflow as tf

    train_set, _, _ = data
    x, y = train.time_major(train_set.inputs[:4, :30]), train.time_major(train_set.targets[:4, :30])
    stream = xla_step.NoiseStream(seed=7, shape=(30, 4, 8), shards=shards)
    nets = []
    for compiled in (True, False):
        net = M.build_network(units=8, gamma=0.3, noise_std=0.5, seed=1)
        opt = keras.optimizers.Adam(1e-2, global_clipnorm=1.0)
        net.compile(optimizer=opt)
        opt.build(net.trainable_variables)
        if compiled:
            loss, _ = xla_step.make_train_step(net, opt, noisy=True, shards=shards)(x, y, stream(5))
        else:
            with tf.GradientTape() as tape:
                want, _ = M.training_loss(net, x, y, stream.sample(5))
            opt.apply(tape.gradient(want, net.trainable_variables), net.trainable_variables)
        nets.append(net)
    assert float(loss) == pytest.approx(float(want), rel=1e-5)
    for a, b in zip(nets[0].get_weights(), nets[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_batches_are_a_pure_function_of_seed_and_step():
    order = [train.batch_indices(3, s, 100, 32) for s in range(6)]
    assert np.array_equal(np.sort(np.concatenate(order[:3])), np.sort(train.epoch_order(3, 0, 100)[:96]))
    assert all(np.all(np.diff(i) > 0) and len(i) == 32 for i in order)
    assert np.array_equal(train.batch_indices(3, 4, 100, 32), order[4])
    assert not np.array_equal(order[0], order[3])  # a new epoch reshuffles


def test_a_training_job_prints_no_tensorflow_start_up_chatter(repo):
    """configure_tensorflow quiets TensorFlow before it loads: a compiled step and an inference print nothing."""
    import os
    import subprocess
    import sys

    code = """
from tdnms import runtime, task, train
runtime.configure_tensorflow(1)
data = task.generate(task.TaskSpec(), 8, seed=[0, 0])
model, _, _ = train.train({"units": 4}, train.TrainConfig(max_steps=2, batch_size=4), data, data, seed=0, stream=None)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "XLA_"))}
    env["PYTHONPATH"] = str(repo / "scripts")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_importing_tdnms_sets_no_environment_variable(repo):
    """TensorFlow's environment is set by configure_tensorflow alone, never by an import."""
    import os
    import subprocess
    import sys

    code = """
import os
before = dict(os.environ)
import tdnms, tdnms.runtime, tdnms.train, tdnms.step, tdnms.model
assert dict(os.environ) == before, {k: v for k, v in os.environ.items() if before.get(k) != v}
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "XLA_"))}
    env["PYTHONPATH"] = str(repo / "scripts")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_xla_flags_pin_the_portable_code_generation_and_keep_what_is_set():
    from tdnms import runtime

    flags = runtime.xla_flags(1).split()
    assert set(runtime.PORTABLE_XLA_FLAGS) <= set(flags)
    assert "--xla_cpu_max_isa=AVX2" in flags and "--xla_cpu_multi_thread_eigen=false" in flags
    assert "--xla_cpu_multi_thread_eigen=false" not in runtime.xla_flags(2).split()
    mine = runtime.xla_flags(2, "--xla_cpu_max_isa=AVX --xla_dump_to=/tmp/x").split()
    assert mine[:2] == ["--xla_cpu_max_isa=AVX", "--xla_dump_to=/tmp/x"]  # what is set stays, and wins
    assert not any(f.startswith("--xla_cpu_max_isa=AVX2") for f in mine)


def test_criterion_mse_is_the_mean_of_the_last_window_of_evaluations():
    config = train.TrainConfig(criterion_mse=0.02, criterion_mse_window=3)
    assert config.criterion_mse_value([0.05, 0.015, 0.022, 0.019]) == pytest.approx((0.015 + 0.022 + 0.019) / 3)
    assert config.criterion_mse_value([0.03]) == pytest.approx(0.03)  # fewer than the window: all of them
    assert train.TrainConfig(criterion_mse_window=1).criterion_mse_value([0.01, 0.5]) == 0.5
    accurate = {"SL": 1.0, "LS": 1.0, "SS": 1.0}
    assert config.met(config.criterion_mse_value([0.015, 0.022, 0.019]), accurate)
    assert not config.met(config.criterion_mse_value([0.015, 0.022, 0.019]), {**accurate, "SS": 0.9})


def test_evaluator_streak_uses_the_mse_window_and_continues_after_resume():
    class Fixed(train.Evaluator):
        def __init__(self, mses, config, history=()):
            super().__init__(None, None, config, history)
            self.queue = list(mses)

        def score(self):
            return self.queue.pop(0), {"SL": 1.0, "LS": 1.0, "SS": 1.0}

    mses = [0.03, 0.015, 0.022, 0.019, 0.021, 0.03]
    config = train.TrainConfig(criterion_mse=0.02, criterion_mse_window=3, criterion_patience=3)
    whole = Fixed(mses, config)
    rows = [whole(100 * (i + 1)) for i in range(len(mses))]
    # means: .03, .0225, .0223, .0187, .0207, .0233 -> only evaluation 4 meets the MSE criterion
    assert [r["criterion_streak"] for r in rows] == [0, 0, 0, 1, 0, 0]
    single = train.TrainConfig(criterion_mse=0.02, criterion_patience=2)
    assert [r["criterion_streak"] for r in (lambda e: [e(100 * i) for i in range(6)])(Fixed(mses, single))] == [
        0,
        1,
        0,
        1,
        0,
        0,
    ]
    resumed = Fixed(mses[3:], config, history=[{"step": i, **r} for i, r in enumerate(rows[:3])])
    assert [resumed(400 + 100 * i)["criterion_streak"] for i in range(3)] == [r["criterion_streak"] for r in rows[3:]]
    # While the noise ramps up, no evaluation counts, however good.
    ramped = Fixed([0.001] * 4, train.TrainConfig(criterion_mse=0.02, noise_ramp_steps=300, criterion_patience=1))
    assert [ramped(step)["criterion_streak"] for step in (100, 200, 300, 400)] == [0, 0, 1, 2]


def test_learning_rate_halves_every_half_life():
    assert train.TrainConfig(learning_rate=1e-3).optimizer_learning_rate() == 1e-3
    schedule = train.TrainConfig(learning_rate=1e-3, learning_rate_half_life=1000).optimizer_learning_rate()
    for step, want in ((0, 1e-3), (1000, 5e-4), (3000, 1.25e-4), (500, 1e-3 / np.sqrt(2))):
        assert float(schedule(step)) == pytest.approx(want, rel=1e-6)
    with pytest.raises(ValueError, match="training.learning_rate_half_life"):
        train.TrainConfig(learning_rate_half_life=0)


def test_noise_scale_ramps_up_and_leaves_a_noise_free_fraction():
    plain = train.TrainConfig(noise_free_fraction=0.0)
    assert np.array_equal(plain.noise_scale(0, 4), np.ones(4, np.float32))
    assert np.array_equal(train.TrainConfig(noise_free_fraction=0.25).noise_scale(0, 4), [0, 1, 1, 1])
    ramp = train.TrainConfig(noise_ramp_steps=100, noise_free_fraction=0.0)
    assert ramp.noise_scale(0, 2) == pytest.approx([0.01, 0.01])
    assert ramp.noise_scale(49, 2) == pytest.approx([0.5, 0.5])
    assert np.array_equal(ramp.noise_scale(99, 2), [1, 1]) and np.array_equal(ramp.noise_scale(5000, 2), [1, 1])
    mixed = train.TrainConfig(noise_ramp_steps=10, noise_free_fraction=0.25)
    assert mixed.noise_scale(4, 8) == pytest.approx([0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    for bad in ({"noise_free_fraction": 1.0}, {"noise_ramp_steps": -1}):
        with pytest.raises(ValueError, match=f"training.{next(iter(bad))}"):
            train.TrainConfig(**bad)


def test_noise_scale_multiplies_each_sequences_noise_in_the_compiled_step(data):
    """Scale 0 on a sequence trains it noise-free; scale s gives noise s * xi."""
    import keras
    import tensorflow as tf

    train_set, _, _ = data
    x, y = train.time_major(train_set.inputs[:4, :30]), train.time_major(train_set.targets[:4, :30])
    stream = xla_step.NoiseStream(seed=7, shape=(30, 4, 8), shards=2)
    scale = np.array([0.0, 0.5, 1.0, 0.25], np.float32)
    losses = []
    for compiled in (True, False):
        net = M.build_network(units=8, gamma=0.3, noise_std=0.5, seed=1)
        opt = keras.optimizers.Adam(1e-2)
        net.compile(optimizer=opt)
        opt.build(net.trainable_variables)
        if compiled:
            losses.append(float(xla_step.make_train_step(net, opt, noisy=True, shards=2)(x, y, stream(3), scale)[0]))
        else:
            losses.append(float(M.training_loss(net, x, y, stream.sample(3) * scale[None, :, None])[0]))
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


def test_shards_split_the_batch_and_draw_their_own_noise():
    assert xla_step.shard_sizes(32, 2) == [16, 16] and xla_step.shard_sizes(5, 2) == [3, 2]
    assert xla_step.shard_sizes(2, 4) == [1, 1]  # never an empty shard
    one, two = (xla_step.NoiseStream(seed=3, shape=(10, 4, 6), shards=n).sample(1) for n in (1, 2))
    assert one.shape == two.shape == (10, 4, 6)
    assert not np.array_equal(one, two)  # the shard count is part of the stream
    whole = xla_step.NoiseStream(seed=3, shape=(10, 2, 6), shards=1).sample(1)
    assert np.array_equal(two[:, :2], whole)  # shard 0 draws from the unsharded key
    many = xla_step.NoiseStream(seed=3, shape=(10, 32, 6), shards=xla_step.MAX_SHARDS).sample(1)
    assert len({many[:, j].tobytes() for j in range(32)}) == 32  # every shard its own noise
    assert not np.array_equal(many[:, 0], xla_step.NoiseStream(seed=3, shape=(10, 1, 6), shards=1).sample(2))


def test_noise_keys_cannot_alias():
    """threefry reads 32 bits per key word: steps and shards must fit without wrapping."""
    from tdnms.config import load_schema

    most = load_schema()["properties"]["training"]["properties"]["max_steps"]["maximum"]
    assert most + (xla_step.MAX_SHARDS - 1) * xla_step.SHARD_STRIDE < 2**32 and most < xla_step.SHARD_STRIDE
    with pytest.raises(ValueError, match="step"):
        xla_step.NoiseStream(seed=0, shape=(2, 2, 2))(xla_step.SHARD_STRIDE)
    with pytest.raises(ValueError, match="seed"):
        xla_step.noise_key(2**32, 0)


class _Scripted(train.Evaluator):
    """An evaluator whose evaluations return scripted (MSE, accuracy) pairs."""

    def __init__(self, results, config, history=()):
        super().__init__(None, None, config, history)
        self.queue = list(results)

    def score(self):
        mse, acc = self.queue.pop(0)
        return mse, {"SL": acc, "LS": acc, "SS": 1.0}


def test_noise_levels_rise_with_accuracy_and_only_full_noise_counts():
    config = train.TrainConfig(noise_levels=[0.25, 0.5, 1.0], criterion_mse=0.02, criterion_patience=2)
    # accuracy 0.5, then accurate with a high MSE (moves up, MSE waits), then accurate and precise
    script = [(0.05, 0.5), (0.05, 1.0), (0.05, 1.0), (0.01, 1.0), (0.01, 1.0), (0.01, 1.0)]
    evaluator = _Scripted(script, config)
    levels, rows = [], []
    for i in range(len(script)):
        levels.append(evaluator.noise_level)
        rows.append(evaluator(20 * (i + 1)))
    assert levels == [0.25, 0.25, 0.5, 1.0, 1.0, 1.0]
    assert [r["noise_stage"] for r in rows] == [0, 1, 2, 2, 2, 2]
    assert [r["criterion_streak"] for r in rows] == [0, 0, 0, 1, 2, 3] and evaluator.reached
    # A resumed run continues at the stage its history reached.
    resumed = _Scripted([(0.01, 1.0)], config, history=[{"step": 60, **rows[2]}])
    assert resumed.noise_level == 1.0 and resumed(80)["criterion_streak"] == 1
    assert _Scripted([], train.TrainConfig()).noise_level == 1.0  # no levels: full noise


def test_noise_scale_follows_the_level_and_levels_are_checked():
    config = train.TrainConfig(noise_levels=[0.5, 1.0], noise_free_fraction=0.25)
    assert np.array_equal(config.noise_scale(0, 4, 0.5), np.float32([0, 0.5, 0.5, 0.5]))
    assert np.array_equal(config.noise_scale(7, 4), train.TrainConfig(noise_free_fraction=0.25).noise_scale(7, 4))
    for bad in ([0.5, 0.25, 1.0], [0.25, 0.5], [0.5, 0.5, 1.0]):
        with pytest.raises(ValueError, match="training.noise_levels: expected increasing fractions ending with 1"):
            train.TrainConfig(noise_levels=bad)
    with pytest.raises(ValueError, match="not together with training.noise_ramp_steps"):
        train.TrainConfig(noise_levels=[0.5, 1.0], noise_ramp_steps=100)
    with pytest.raises(ValueError, match="training.noise_levels"):
        train.TrainConfig(noise_levels=[1.5])
