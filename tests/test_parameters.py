"""tdnms.parameters reads a saved network's parameters without TensorFlow, exactly."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import numpy as np
import pytest

from tdnms.parameters import ParameterFileError, read_parameters


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory):
    from tdnms import model as M

    net = M.build_network(units=12, gamma=0.35, noise_std=0.07, n_inputs=2, seed=5)
    net.build((None, None, 2))
    rng = np.random.default_rng(0)  # trained-looking weights: nonzero biases too
    for w in net.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))
    path = tmp_path_factory.mktemp("net") / "model.keras"
    net.save(path)
    return path, M.network_parameters(M.load_model(path))


def test_read_parameters_is_bit_identical_to_network_parameters(saved_network):
    path, expected = saved_network
    got = read_parameters(path)
    assert set(got) == set(expected)
    for key, value in expected.items():
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype and got[key].shape == value.shape, key
            np.testing.assert_array_equal(got[key], value, err_msg=key)
            assert got[key].tobytes() == value.tobytes(), key
        else:
            assert type(got[key]) is type(value) and got[key] == value, key


def test_reading_parameters_does_not_import_tensorflow(saved_network):
    path, _ = saved_network
    code = (
        "import sys; from tdnms.parameters import read_parameters; "
        f"p = read_parameters({str(path)!r}); "
        "assert p['W_rec'].shape == (12, 12); "
        "from tdnms.fixed_points import conditions, find_fixed_points; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_bad_files_raise_naming_the_file(tmp_path):
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ParameterFileError, match="junk.keras"):
        read_parameters(junk)
    empty = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("config.json", '{"config": {"layers": []}}')
        z.writestr("model.weights.h5", b"")
    with pytest.raises(ParameterFileError, match="empty.keras.*leaky_rnn"):
        read_parameters(empty)
