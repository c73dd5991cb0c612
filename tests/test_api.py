"""The public Python API: ``import tdnms`` (Keras registration, stable names) and ``tdnms.Results``."""

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import tdnms
from tdnms import layout, tables, task
from tdnms.results import MissingOutputError, Results

PUBLIC = ["MissingOutputError", "Results", "hidden_states", "load_model", "read_trials", "type_color"]


def run_python(code: str, repo) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (nothing imported yet) with this checkout's package."""
    env_code = f"import sys; sys.path.insert(0, {str(repo / 'scripts')!r})\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=300)


# -- import tdnms -----------------------------------------------------------------


def test_public_names_are_stable_and_resolve():
    assert sorted(tdnms.__all__) == PUBLIC
    for name in PUBLIC:
        assert callable(getattr(tdnms, name)), name
        assert name in tdnms.__doc__, f"{name} is not documented in the package docstring"
    assert tdnms.Results is Results and tdnms.MissingOutputError is MissingOutputError
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tdnms.nope  # noqa: B018


def test_import_tdnms_does_not_load_keras_or_tensorflow(repo):
    proc = run_python(
        """
        import tdnms, tdnms.tables, tdnms.layout
        tdnms.Results  # the results API stays light too
        heavy = sorted(m for m in ("keras", "tensorflow") if m in sys.modules)
        print("heavy:", heavy)
        """,
        repo,
    )
    assert proc.returncode == 0, proc.stderr
    assert "heavy: []" in proc.stdout


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    from tdnms.model import build_network

    path = tmp_path_factory.mktemp("model") / "model.keras"
    model = build_network(units=6, gamma=0.3, seed=0)
    model.save(path)
    x = np.random.default_rng(0).standard_normal((2, 7, 2)).astype(np.float32)
    return path, np.asarray(model(x)), x, model.get_weights()


@pytest.mark.slow
def test_keras_load_model_after_import_tdnms_either_order(saved_model, repo, tmp_path):
    path, expected, x, weights = saved_model
    np.save(tmp_path / "x.npy", x)
    check = f"""
        import numpy as np
        y = np.asarray(model(np.load({str(tmp_path / 'x.npy')!r})))
        assert type(model.get_layer("leaky_rnn")).__name__ == "LeakyRNN"
        np.save({str(tmp_path / 'y_ORDER.npy')!r}, y)
        np.savez({str(tmp_path / 'w_ORDER.npz')!r}, *model.get_weights())
        """
    # Keras first: loading fails as a new user saw it (the class is unknown) until tdnms is imported.
    keras_first = run_python(
        f"""
        import keras
        try:
            keras.models.load_model({str(path)!r})
        except Exception as err:
            assert "LeakyRNN" in str(err), err
            print("unregistered: fails")
        import tdnms
        model = keras.models.load_model({str(path)!r})  # safe_mode is on by default
        """ + check.replace("ORDER", "keras_first"),
        repo,
    )
    assert keras_first.returncode == 0, keras_first.stderr[-3000:]
    assert "unregistered: fails" in keras_first.stdout
    # tdnms first, Keras reached through tf.keras and then imported directly.
    tdnms_first = run_python(
        f"""
        import tdnms
        assert "keras" not in sys.modules
        import tensorflow as tf
        tf.keras.models.load_model({str(path)!r}, safe_mode=True)
        import keras
        model = keras.models.load_model({str(path)!r}, safe_mode=True)
        """ + check.replace("ORDER", "tdnms_first"),
        repo,
    )
    assert tdnms_first.returncode == 0, tdnms_first.stderr[-3000:]
    for order in ("keras_first", "tdnms_first"):
        loaded = np.load(tmp_path / f"w_{order}.npz")
        for i, w in enumerate(weights):
            np.testing.assert_array_equal(loaded[f"arr_{i}"], w)  # the same model, bit for bit
        # Outputs to rounding only: an eager call's kernels (oneDNN or not, thread count) follow the
        # process's TensorFlow settings, which differ between this test process and a fresh one.
        np.testing.assert_allclose(np.load(tmp_path / f"y_{order}.npy"), expected, rtol=1e-5, atol=1e-6)


def test_load_model_and_hidden_states_from_the_package(saved_model):
    path, expected, x, _ = saved_model
    model = tdnms.load_model(path)
    hidden, output = tdnms.hidden_states(model, x)
    assert hidden.shape == (2, 7, 6) and output.shape == (2, 7)
    np.testing.assert_allclose(output, expected[..., 0], rtol=1e-6, atol=1e-6)


# -- Results on a synthetic results folder ------------------------------------------

GAMMAS, SEEDS = ["0.1", "1"], [0, 3]


def write(folder, name, frame, kind, **values):
    path = folder / layout.OUTPUTS[name].pattern.format(**values)
    tables.write_frame(frame, path, tables.provenance(kind))
    return path


@pytest.fixture
def folder(tmp_path):
    """A results folder with per-model tables that plant gamma and seed in their values."""
    root = tmp_path / "results"
    for g in GAMMAS:
        for s in SEEDS:
            plant = float(g) * 100 + s
            summary = pd.DataFrame({"trial_type": ["SL", "all"], "accuracy": [plant, plant], "n_trials": [4, 8]})
            write(root, "summary", summary, "scores", gamma=g, seed=s)
            history = pd.DataFrame({"step": [1, 2, 3], "loss": [plant] * 3})
            write(root, "history", history, "history", gamma=g, seed=s)
    sweep = pd.DataFrame({"gamma": [0.1, 0.1, 1.0], "seed": [0, 3, 0], "count": [1, 2, 3]})
    write(root, "fixed_points_all", sweep, "sweep")
    spec = task.TaskSpec(
        n_bins=20,
        start_cue=(0, 2),
        response_window=(15, 18),
        trial_types=(task.TrialType("SL", ((3, 5), (8, 12)), True), task.TrialType("SS", ((3, 5), (8, 10)), False)),
        draw=("SL", "SS"),
    )
    for split, n in (("train", 4), ("test", 6)):
        task.write_trials(task.generate(spec, n, seed=1), root / f"data/seed7/{split}.parquet", split)
    return root


def test_points_are_discovered_from_the_folder(folder):
    results = Results(folder)
    assert results.points == [(0.1, 0), (0.1, 3), (1.0, 0), (1.0, 3)]
    assert "(1.0, 3)" in repr(results)


def test_per_model_table_is_stacked_with_gamma_and_seed(folder):
    scores = Results(folder).scores()
    assert list(scores.columns[:2]) == ["gamma", "seed"]
    assert scores["gamma"].dtype == np.float64 and scores["seed"].dtype == np.int64
    assert len(scores) == 8
    # each row's planted value says which file it came from
    np.testing.assert_array_equal(scores["accuracy"], scores["gamma"] * 100 + scores["seed"])
    one = Results(folder).histories(gamma=1, seed=3)
    assert set(one["loss"]) == {103.0} and set(one["gamma"]) == {1.0}
    by_seed = Results(folder).table("history", seed=3)
    assert sorted(set(zip(by_seed["gamma"], by_seed["seed"]))) == [(0.1, 3), (1.0, 3)]


def test_sweep_tables_are_read_and_filtered(folder):
    results = Results(folder)
    assert len(results.table("fixed_points_all")) == 3
    assert results.table("fixed_points_all", gamma=0.1)["count"].tolist() == [1, 2]


def test_any_output_added_to_the_layout_needs_no_new_code(folder, monkeypatch):
    monkeypatch.setitem(
        layout.OUTPUTS, "speed", layout.Output("speed/gamma{gamma}_seed{seed}/speed.parquet", "speed", "state speed")
    )
    for g in GAMMAS:
        for s in SEEDS:
            write(folder, "speed", pd.DataFrame({"speed": [float(g) + s]}), "speed", gamma=g, seed=s)
    speed = Results(folder).table("speed")
    np.testing.assert_array_equal(speed["speed"], speed["gamma"] + speed["seed"])
    assert "speed" in set(Results(folder).outputs()["name"])


def test_missing_file_error_names_the_file_and_the_rule(folder):
    (folder / "models/gamma1_seed3/history.parquet").unlink()
    with pytest.raises(MissingOutputError) as err:
        Results(folder).histories()
    message = str(err.value)
    assert "models/gamma1_seed3/history.parquet" in message
    assert f"rule '{layout.OUTPUTS['history'].rule}'" in message
    assert err.value.rule == layout.OUTPUTS["history"].rule and isinstance(err.value, FileNotFoundError)
    with pytest.raises(MissingOutputError, match=r"pca/all\.parquet.*rule 'aggregate_pca'"):
        Results(folder).table("pca_all")
    with pytest.raises(MissingOutputError, match=r"models/gamma0\.1_seed0/model\.keras.*rule 'train'"):
        Results(folder).model(0.1, 0)


def test_bad_requests_are_named(folder):
    results = Results(folder)
    with pytest.raises(KeyError, match="unknown output 'nope'"):
        results.table("nope")
    with pytest.raises(TypeError, match="not a table"):
        results.table("model")
    with pytest.raises(ValueError, match=r"gamma=0.7.*the sweep has"):
        results.scores(gamma=0.7)
    with pytest.raises(TypeError, match="pass gamma= and seed="):
        results.path("history")


def test_no_results_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such results folder"):
        Results(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no workflow results"):
        Results(tmp_path / "empty")


def test_data_split_and_data_table(folder):
    results = Results(folder)
    test = results.data("test")
    assert test.inputs.shape == (6, 20, 2) and test.spec.n_bins == 20
    assert np.array_equal(test.inputs, tdnms.read_trials(results.path("data", split="test", data_seed=7)).inputs)
    rows = results.table("data")  # every split and data seed, as columns
    assert sorted(set(zip(rows["data_seed"], rows["split"]))) == [(7, "test"), (7, "train")]
    assert len(rows) == (6 + 4) * 20


# -- the real workflow's outputs ------------------------------------------------


@pytest.mark.slow
def test_every_table_of_the_tiny_workflow_is_readable(tiny_workflow):
    workdir, _ = tiny_workflow
    results = Results(workdir / "results")
    assert results.points == [(0.2, 0), (0.5, 0)]
    made = {name: output for name, output in layout.OUTPUTS.items() if output.only_if is None}
    for name, output in made.items():
        if output.pattern.endswith(".parquet"):
            frame = results.table(name)
            assert len(frame) > 0, name
            if output.per_model:
                assert sorted(set(zip(frame["gamma"], frame["seed"]))) == results.points, name
    counts = results.outputs().set_index("name")["files"].loc[list(made)]
    assert (counts > 0).all(), counts[counts == 0]
