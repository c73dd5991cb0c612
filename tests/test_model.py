import keras
import numpy as np
import pytest
import tensorflow as tf

from tdnms import model as M

pytestmark = pytest.mark.usefixtures("tensorflow_threads")


def numpy_step(x, h, p, gamma, xi=0.0):
    return (1 - gamma) * h + gamma * np.tanh(x @ p["W_in"] + h @ p["W_rec"] + p["b"] + xi)


def numpy_run(x, p, gamma):
    h = np.zeros((x.shape[0], p["W_rec"].shape[0]))
    hs = []
    for t in range(x.shape[1]):
        h = numpy_step(x[:, t], h, p, gamma)
        hs.append(h)
    return np.stack(hs, axis=1)


def random_network(units=12, gamma=0.3, noise_std=0.0, fused=True, seed=0):
    net = M.build_network(units=units, gamma=gamma, noise_std=noise_std, fused=fused, seed=seed)
    # Non-zero biases so the test exercises every term.
    cell = M.rnn_layer(net).cell
    cell.bias.assign(np.random.default_rng(seed).normal(0, 0.3, units).astype("float32"))
    return net


@pytest.fixture
def inputs():
    return np.random.default_rng(1).normal(size=(4, 30, 2)).astype("float32")


def test_cell_step_equals_numpy_equation():
    cell = M.LeakyRNNCell(8, gamma=0.25, noise_std=0.5)  # noise off: training=False
    x = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    h = np.random.default_rng(1).normal(size=(5, 8)).astype("float32")
    cell.build((None, 2))
    cell.bias.assign(np.linspace(-0.5, 0.5, 8).astype("float32"))
    out, state = cell(x, [h], training=False)
    p = {"W_in": np.asarray(cell.kernel), "W_rec": np.asarray(cell.recurrent_kernel), "b": np.asarray(cell.bias)}
    np.testing.assert_allclose(np.asarray(out), numpy_step(x, h, p, 0.25), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(state[0]))


@pytest.mark.parametrize("fused", [True, False])
def test_network_hidden_states_equal_numpy_recurrence(inputs, fused):
    net = random_network(gamma=0.3, fused=fused)
    params = M.network_parameters(net)
    hidden, output = M.hidden_model(net)(inputs, training=False)
    expected = numpy_run(inputs.astype(np.float64), params, 0.3)
    np.testing.assert_allclose(np.asarray(hidden), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(output), expected @ params["W_out"] + params["b_out"], rtol=1e-4, atol=1e-5
    )


def test_gamma_one_is_a_plain_tanh_rnn(inputs):
    net = random_network(gamma=1.0)
    p = M.network_parameters(net)
    hidden = np.asarray(M.hidden_model(net)(inputs)[0])
    h = np.zeros((4, 12))
    for t in range(inputs.shape[1]):
        h = np.tanh(inputs[:, t] @ p["W_in"] + h @ p["W_rec"] + p["b"])
        np.testing.assert_allclose(hidden[:, t], h, rtol=1e-4, atol=1e-5)


def test_fused_kernel_matches_keras_rnn_forward_and_gradients(inputs):
    fused, generic = random_network(fused=True), random_network(fused=False)
    generic.set_weights(fused.get_weights())
    target = np.random.default_rng(2).normal(size=(4, 30, 1)).astype("float32")
    grads = []
    for net in (fused, generic):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(net(inputs, training=False) - target))
        grads.append([np.asarray(g) for g in tape.gradient(loss, net.trainable_variables)])
    for gf, gg in zip(*grads):
        np.testing.assert_allclose(gf, gg, rtol=2e-4, atol=1e-6)


def test_private_noise_is_independent_per_unit_trial_and_step():
    # With zero weights and gamma 1, h = tanh(xi): the noise is observable directly.
    net = M.build_network(units=64, gamma=1.0, noise_std=0.3, seed=0, weight_l2=0, activity_l2=0)
    for w in net.trainable_weights:
        w.assign(np.zeros(w.shape, dtype="float32"))
    x = np.zeros((50, 40, 2), dtype="float32")
    xi = np.arctanh(np.asarray(M.hidden_model(net)(x, training=True)[0], dtype=np.float64))
    assert xi.std() == pytest.approx(0.3, rel=0.03)
    assert abs(xi.mean()) < 0.01
    flat = xi.reshape(-1, 64)
    corr_units = np.corrcoef(flat.T)[np.triu_indices(64, 1)]
    assert np.abs(corr_units).max() < 0.1
    assert not np.allclose(xi[0], xi[1])  # trials differ
    lag = np.mean(xi[:, 1:] * xi[:, :-1]) / xi.var()
    assert abs(lag) < 0.02  # steps independent


def test_noise_off_at_inference_unless_switched_on(inputs):
    quiet = random_network(noise_std=0.3)
    np.testing.assert_array_equal(np.asarray(quiet(inputs)), np.asarray(quiet(inputs)))
    assert not np.allclose(np.asarray(quiet(inputs, training=True)), np.asarray(quiet(inputs)))
    noisy = M.build_network(units=12, noise_std=0.3, noise_at_inference=True, seed=0)
    assert not np.allclose(np.asarray(noisy(inputs)), np.asarray(noisy(inputs)))


def test_save_load_round_trip_gives_identical_outputs(tmp_path, inputs):
    net = random_network(noise_std=0.3)
    path = tmp_path / "net.keras"
    net.save(path)
    loaded = M.load_model(path)
    np.testing.assert_array_equal(np.asarray(net(inputs)), np.asarray(loaded(inputs)))
    cell = M.rnn_layer(loaded).cell
    assert (cell.gamma, cell.noise_std, cell.units) == (0.3, 0.3, 12)
    config = M.rnn_layer(loaded).get_config()
    assert config["cell_config"]["gamma"] == 0.3


def test_network_parameters_are_plain_arrays_with_documented_shapes():
    net = random_network(units=10, gamma=0.4, noise_std=0.2)
    p = M.network_parameters(net)
    assert p["W_in"].shape == (2, 10) and p["W_rec"].shape == (10, 10) and p["b"].shape == (10,)
    assert p["W_out"].shape == (10, 1) and p["b_out"].shape == (1,)
    assert (p["gamma"], p["noise_std"]) == (0.4, 0.2)
    assert all(isinstance(p[k], np.ndarray) for k in ("W_in", "W_rec", "b", "W_out", "b_out"))


def test_initialisation_orthogonal_recurrent_and_seeded():
    a, b = M.build_network(units=16, seed=3), M.build_network(units=16, seed=3)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    w = M.network_parameters(a)["W_rec"]
    np.testing.assert_allclose(w @ w.T, np.eye(16), atol=1e-5)


def test_regularisation_losses_present():
    net = random_network()
    net(np.zeros((2, 5, 2), dtype="float32"))
    assert len(net.losses) == 5  # W_in, W_rec, W_out, hidden activity, output activity


@pytest.mark.parametrize("kwargs, field", [({"gamma": 0.0}, "gamma"), ({"gamma": 1.5}, "gamma"),
                                           ({"units": 0}, "units"), ({"noise_std": -1.0}, "noise_std")])
def test_bad_model_arguments(kwargs, field):
    with pytest.raises(ValueError, match=field):
        M.build_network(**kwargs)


def test_generic_backend_path_runs_through_keras_rnn(inputs):
    net = random_network(fused=False)
    assert isinstance(M.rnn_layer(net).rnn, keras.layers.RNN)
    assert np.asarray(net(inputs)).shape == (4, 30, 1)


def numpy_training_loss(x, y, xi, p, gamma, weight_l2=1e-3, activity_l2=1e-3):
    """MSE plus the documented penalties, batch-major, float64."""
    h = np.zeros((x.shape[0], p["W_rec"].shape[0]))
    hs = []
    for t in range(x.shape[1]):
        h = numpy_step(x[:, t], h, p, gamma, xi[:, t])
        hs.append(h)
    hs = np.stack(hs, axis=1)
    out = hs @ p["W_out"] + p["b_out"]
    mse = np.mean((out - y) ** 2)
    weights = sum(np.sum(p[k] ** 2) for k in ("W_in", "W_rec", "W_out"))
    # Activity penalties: mean over (trial, step) of the sum over units, divided by the batch size (as Keras does).
    activity = (np.mean(np.sum(hs**2, -1)) + np.mean(np.sum(out**2, -1))) / x.shape[0]
    return mse + weight_l2 * weights + activity_l2 * activity, mse


@pytest.mark.parametrize("noise_std", [0.0, 0.4])
def test_training_loss_equals_the_equation_with_the_given_noise(inputs, noise_std):
    net = random_network(noise_std=noise_std)
    target = np.random.default_rng(2).normal(size=(4, 30, 1)).astype("float32")
    noise = np.random.default_rng(3).standard_normal((30, 4, 12)).astype("float32")  # time-major
    loss, mse = M.training_loss(net, inputs.transpose(1, 0, 2), target.transpose(1, 0, 2), noise)
    p = {k: np.asarray(v, np.float64) for k, v in M.network_parameters(net).items() if k not in ("gamma", "noise_std")}
    xi = noise_std * noise.transpose(1, 0, 2).astype(np.float64)
    want_loss, want_mse = numpy_training_loss(inputs.astype(np.float64), target, xi, p, 0.3)
    assert float(mse) == pytest.approx(want_mse, rel=1e-4)
    assert float(loss) == pytest.approx(want_loss, rel=1e-4)


def test_training_loss_matches_keras_losses_and_gradients_without_noise(inputs):
    fast, generic = random_network(noise_std=0.3), random_network(noise_std=0.3, fused=False)
    generic.set_weights(fast.get_weights())
    target = np.random.default_rng(2).normal(size=(4, 30, 1)).astype("float32")
    with tf.GradientTape() as tape:
        loss, _ = M.training_loss(fast, inputs.transpose(1, 0, 2), target.transpose(1, 0, 2), None)
    fast_grads = tape.gradient(loss, fast.trainable_variables)
    with tf.GradientTape() as tape:
        out = generic(inputs, training=False)  # noise off: the same function
        keras_loss = tf.reduce_mean(tf.square(out - target)) + tf.add_n(generic.losses)
    keras_grads = tape.gradient(keras_loss, generic.trainable_variables)
    assert float(loss) == pytest.approx(float(keras_loss), rel=1e-5)
    for a, b in zip(fast_grads, keras_grads):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-4, atol=1e-6)


@pytest.mark.parametrize("unroll", [1, 3, 5, 7])
def test_fused_scan_unrolling_changes_nothing(unroll):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(30, 4, 2)).astype("float32"))  # 7 does not divide 30: step by step
    w_in = tf.constant(rng.normal(size=(2, 6)).astype("float32"))
    b = tf.constant(rng.normal(size=(6,)).astype("float32"))
    noise = tf.constant(rng.normal(size=(30, 4, 6)).astype("float32"))
    w = tf.constant(rng.normal(0, 0.5, size=(6, 6)).astype("float32"))
    h0 = tf.constant(rng.normal(size=(4, 6)).astype("float32"))
    weights = tf.constant(rng.normal(size=(30, 4, 6)).astype("float32"))
    results = []
    for k in (1, unroll):
        with tf.GradientTape() as tape:
            tape.watch([w_in, b, w, h0])
            hs = M._fused_leaky_scan(x, w_in, b, w, h0, 0.3, noise, unroll=k)
            loss = tf.reduce_sum(weights * hs)
        results.append([hs, *tape.gradient(loss, [w_in, b, w, h0])])
    for a, b in zip(*results):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    assert M._unroll_factor(200) == 5 and M._unroll_factor(30) == 5 and M._unroll_factor(7) == 1
    assert M._unroll_factor(None) == 1


def test_infer_equals_numpy_recurrence_in_batches(inputs):
    from tdnms import runtime

    net = random_network(gamma=0.3, noise_std=0.3)  # noise off at inference
    params = M.network_parameters(net)
    hidden, output = runtime.infer(net, inputs, batch_size=3)  # batches of 3 and 1
    expected = numpy_run(inputs.astype(np.float64), params, 0.3)
    assert hidden.shape == (4, 30, 12) and output.shape == (4, 30)
    np.testing.assert_allclose(hidden, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(output, (expected @ params["W_out"] + params["b_out"])[..., 0], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(runtime.predict(net, inputs, batch_size=3), output)
    np.testing.assert_allclose(runtime.infer(net, inputs)[0], hidden, rtol=1e-5, atol=1e-6)  # one batch of 4
    noisy = M.build_network(units=12, noise_std=0.3, noise_at_inference=True, seed=0)
    assert not np.allclose(runtime.infer(noisy, inputs)[1], runtime.infer(noisy, inputs)[1])
