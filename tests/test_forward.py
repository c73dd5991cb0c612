"""tdnms.forward: the NumPy forward pass equals the TensorFlow one (tdnms.runtime.infer) on trained networks."""

import ast
from pathlib import Path

import numpy as np
import pytest

from tdnms import forward, task
from tdnms.parameters import read_parameters

REPO = Path(__file__).resolve().parents[1]


# Both tests against TensorFlow share networks trained in the fixture (seconds): slow, like
# every test that trains. The hand-computed map and shape checks stay in the fast loop.
@pytest.fixture(scope="module")
def trained(tmp_path_factory, tensorflow_threads):
    """Two networks trained briefly (gamma 0.2 and 1.0), saved and reloaded, and test trials."""
    from tdnms import model as M
    from tdnms import train

    spec = task.TaskSpec()
    train_set, validation_set = task.generate(spec, 128, seed=[0, 0]), task.generate(spec, 32, seed=[0, 1])
    test_set = task.generate(spec, 40, seed=[0, 2])
    config = train.TrainConfig(max_steps=60, eval_every=20, batch_size=16)
    nets = []
    for gamma in (0.2, 1.0):
        model, _, _ = train.train(
            {"units": 24, "gamma": gamma, "noise_std": 0.3}, config, train_set, validation_set, seed=1, stream=None
        )
        path = tmp_path_factory.mktemp("net") / "model.keras"
        model.save(path)
        nets.append((M.load_model(path), read_parameters(path)))
    return nets, test_set


@pytest.mark.slow
def test_forward_equals_tensorflow_inference_on_trained_networks(trained):
    from tdnms.runtime import infer

    nets, test_set = trained
    for model, params in nets:
        hidden_tf, output_tf = infer(model, test_set.inputs)
        hidden, output = forward.forward(params, test_set.inputs)
        assert hidden.shape == hidden_tf.shape and output.shape == output_tf.shape
        assert hidden.dtype == np.float32 and output.dtype == np.float32
        np.testing.assert_allclose(hidden, hidden_tf, atol=1e-5, rtol=0)
        np.testing.assert_allclose(output, output_tf, atol=1e-5, rtol=0)
        assert np.abs(hidden).max() > 0.1  # the states move: the comparison is not of zeros


@pytest.mark.slow
def test_forward_noise_matches_the_model_time_major_pass(trained):
    import tensorflow as tf

    from tdnms.model import rnn_layer

    (model, params), test_set = trained[0][0], trained[1]
    x = test_set.inputs[:8].astype(np.float32)
    xi = np.random.default_rng(3).standard_normal((8, x.shape[1], params["W_rec"].shape[0])).astype(np.float32)
    expected = rnn_layer(model).time_major(tf.transpose(x, (1, 0, 2)), tf.transpose(xi, (1, 0, 2)))
    hidden, _ = forward.forward(params, x, noise=xi)
    np.testing.assert_allclose(hidden, np.transpose(expected.numpy(), (1, 0, 2)), atol=1e-5, rtol=0)
    assert not np.allclose(hidden, forward.forward(params, x)[0], atol=1e-3)  # the noise mattered


def test_forward_checks_shapes():
    params = {"W_in": np.zeros((2, 3)), "W_rec": np.zeros((3, 3)), "b": np.zeros(3), "gamma": 0.5, "noise_std": 0.1}
    with pytest.raises(ValueError, match="inputs"):
        forward.forward(params, np.zeros((4, 10, 3)))
    with pytest.raises(ValueError, match="noise"):
        forward.forward(params, np.zeros((4, 10, 2)), noise=np.zeros((4, 9, 3)))


def test_forward_on_a_hand_computed_map():
    # One unit, gamma 0.5, W_rec 0: h1 = 0.5 tanh(x0 + b), h2 = 0.5 h1 + 0.5 tanh(x1 + b).
    params = {
        "W_in": np.array([[1.0], [0.0]]),
        "W_rec": np.zeros((1, 1)),
        "b": np.array([0.2]),
        "W_out": np.array([[2.0]]),
        "b_out": np.array([-0.1]),
        "gamma": 0.5,
        "noise_std": 0.0,
    }
    x = np.array([[[0.3, 0.0], [-0.4, 0.0]]])
    h1 = 0.5 * np.tanh(0.5)
    h2 = 0.5 * h1 + 0.5 * np.tanh(-0.2)
    hidden, output = forward.forward(params, x)
    np.testing.assert_allclose(hidden[0, :, 0], [h1, h2], rtol=1e-6)
    np.testing.assert_allclose(output[0], [2 * h1 - 0.1, 2 * h2 - 0.1], rtol=1e-6)


@pytest.mark.parametrize(
    "script", ["simulate.py", "pca.py", "fixed_points.py", "analyse_model.py", "probes.py", "analyse_network.py"]
)
def test_post_training_scripts_do_not_import_tensorflow(script):
    from tdnms.fingerprint import library_modules

    path = REPO / "scripts" / script
    for module in [path, *library_modules(path)]:
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] in ("tensorflow", "keras") for n in names), f"{module.name} imports {names}"
