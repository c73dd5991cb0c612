"""Bad data, interrupted training, provenance and safety, exercised through the workflow."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from workflow_helpers import REPO, SNAKEMAKE, TINY, snakemake, write_config

from tdnms import model as M
from tdnms import provenance, task

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny_copy(tiny_workflow, tmp_path):
    """A private copy of the finished tiny run (results and Snakemake metadata)."""
    source, _ = tiny_workflow
    target = tmp_path / "run"
    shutil.copytree(source, target, symlinks=True)
    return target


SCORE = "results/scores/gamma0.2_seed0/summary.json"  # analyse_network, the one consumer of the test data: one job to rerun


def score_outputs(workdir, gamma="0.2"):
    base = workdir / f"results/scores/gamma{gamma}_seed0"
    return [base / "trials.parquet", base / "summary.parquet", base / "summary.json"]


def test_corrupt_input_stops_the_consumer_naming_the_file_and_a_rerun_recovers(tiny_copy):
    data = tiny_copy / "results/data/seed0/test.parquet"
    before = pd.read_parquet(score_outputs(tiny_copy)[1])
    good = data.read_bytes()
    data.write_bytes(good[:1000])  # truncated
    proc = snakemake(tiny_copy, SCORE, check=False)
    assert proc.returncode != 0
    log = (tiny_copy / "results/logs/analyse_network/gamma0.2_seed0.log").read_text()
    assert "test.parquet: not a readable Parquet file" in log
    for path in score_outputs(tiny_copy):
        assert not path.exists(), f"{path} left behind by a failed job"
    # Once the data is good again, a plain rerun regenerates the missing outputs, same numbers.
    data.write_bytes(good)
    snakemake(tiny_copy, SCORE)
    pd.testing.assert_frame_equal(pd.read_parquet(score_outputs(tiny_copy)[1]), before)


def test_data_from_another_task_spec_is_rejected_naming_the_file(tiny_copy):
    data = tiny_copy / "results/data/seed0/test.parquet"
    other = task.TaskSpec.from_config({"input_noise_std": 0.5})
    task.write_trials(task.generate(other, 30, seed=[0, 2]), data, split="test")
    proc = snakemake(tiny_copy, SCORE, check=False)
    assert proc.returncode != 0
    log = (tiny_copy / "results/logs/analyse_network/gamma0.2_seed0.log").read_text()
    assert re.search(r"test\.parquet: generated from a different task spec .*input_noise_std", log)


def test_missing_column_is_rejected_naming_file_and_column(tiny_copy):
    import pyarrow.parquet as pq

    data = tiny_copy / "results/data/seed0/test.parquet"
    table = pq.read_table(data)
    pq.write_table(table.drop_columns(["target"]).replace_schema_metadata(table.schema.metadata), data)
    proc = snakemake(tiny_copy, SCORE, check=False)
    assert proc.returncode != 0
    log = (tiny_copy / "results/logs/analyse_network/gamma0.2_seed0.log").read_text()
    assert "test.parquet: missing column 'target'" in log


def test_nan_in_training_data_is_rejected_naming_file_and_column_not_divergence(tiny_copy):
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tiny_copy / "results/data/seed0/train.parquet"
    table = pq.read_table(data)
    light = table["light"].to_numpy().copy()
    light[[5, 900]] = np.nan
    table = table.set_column(table.schema.get_field_index("light"), "light", pa.array(light))
    pq.write_table(table.replace_schema_metadata(pq.read_schema(data).metadata), data)
    proc = snakemake(tiny_copy, MODEL, check=False)
    assert proc.returncode != 0
    log = (tiny_copy / "results/logs/train/gamma0.2_seed0.log").read_text()
    assert "train.parquet: column 'light' has 2 non-finite value(s)" in log
    assert "diverged" not in log and "learning_rate" not in log
    assert not (tiny_copy / MODEL).exists()


def test_another_split_is_rejected_naming_the_file(tiny_copy):
    data = tiny_copy / "results/data/seed0"
    shutil.copyfile(data / "train.parquet", data / "validation.parquet")
    proc = snakemake(tiny_copy, MODEL, check=False)
    assert proc.returncode != 0
    log = (tiny_copy / "results/logs/train/gamma0.2_seed0.log").read_text()
    assert "validation.parquet: holds the 'train' split, but this job reads it as the 'validation' split" in log


def test_another_data_seed_is_rejected_naming_the_file(tiny_copy):
    spec = task.TaskSpec.from_config(TINY["task"])
    test = tiny_copy / "results/data/seed0/test.parquet"
    task.write_trials(task.generate(spec, 30, seed=task.split_seed(7, "test")), test, split="test")
    proc = snakemake(tiny_copy, SCORE, check=False)
    assert proc.returncode != 0
    log = (tiny_copy / "results/logs/analyse_network/gamma0.2_seed0.log").read_text()
    assert "test.parquet: made with generator seed [7, 2], but data.seed 0 gives [0, 2]" in log


LONG = {
    **TINY,
    "sweep": {"gamma": [0.2], "seed": [0]},
    "training": {
        "max_steps": 200,
        "eval_every": 50,
        "checkpoint_every": 40,
        "batch_size": 16,
        "criterion_accuracy": 1.0,
        "criterion_mse": 1e-12,  # never met: every run takes exactly max_steps
    },
}
MODEL = "results/models/gamma0.2_seed0/model.keras"


def test_sigkilled_training_job_resumes_to_the_uninterrupted_weights(tmp_path):
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for workdir in (reference, killed):
        workdir.mkdir()
        write_config(workdir, LONG)

    def start(workdir, stderr):
        cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", MODEL]
        return subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=stderr, text=True, start_new_session=True)

    uninterrupted = start(reference, subprocess.PIPE)  # alongside: a job's weights do not depend on the load
    proc = start(killed, subprocess.DEVNULL)
    state = killed / "results/checkpoints/gamma0.2_seed0/state.json"
    deadline = time.monotonic() + 300
    while not (state.exists() and json.loads(state.read_text())["step"] >= 80):
        assert proc.poll() is None and time.monotonic() < deadline, "training ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole job: Snakemake and the training process
    proc.wait()
    killed_at = json.loads(state.read_text())["step"]
    assert not (killed / MODEL).exists()

    _, err = uninterrupted.communicate()
    assert uninterrupted.returncode == 0, err[-4000:]
    snakemake(killed, "--unlock")
    snakemake(killed, "--rerun-incomplete", MODEL)
    log = (killed / "results/logs/train/gamma0.2_seed0.log").read_text()
    assert f"resumed from checkpoint at step {killed_at}" in log
    for a, b in zip(M.load_model(reference / MODEL).get_weights(), M.load_model(killed / MODEL).get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not state.exists()  # the checkpoint is cleared once the model is written


def test_every_output_carries_provenance(tiny_workflow):
    workdir, _ = tiny_workflow
    results = workdir / "results"
    checked = 0
    for path in sorted(results.rglob("*")):
        if path.suffix not in {".parquet", ".png", ".pdf", ".keras", ".json"}:
            continue
        doc = provenance.describe(path)
        versions = doc["versions"]
        for lib in ("tdnms", "tensorflow", "numpy", "pyarrow"):
            assert versions.get(lib), f"{path}: no {lib} version"
        assert doc.get("kind"), path
        assert "config" in doc or "config_hash" in doc, path
        checked += 1
    assert checked > 30
    trained = provenance.describe(results / "models/gamma0.5_seed0/model.keras")
    assert trained["seed"] == 0 and trained["config"]["model"]["gamma"] == 0.5


def test_provenance_command_prints_where_a_file_came_from(tiny_workflow):
    workdir, _ = tiny_workflow
    files = [workdir / "results/scores/all.parquet", workdir / "results/figures/summary.pdf"]
    proc = subprocess.run(
        [str(Path(SNAKEMAKE).with_name("python")), "-m", "tdnms.provenance", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=REPO / "scripts",
    )
    assert proc.returncode == 0, proc.stderr
    assert "kind: sweep_scores" in proc.stdout and "kind: figure" in proc.stdout
    assert "tensorflow 2." in proc.stdout


def test_outputs_contain_no_pickles(tiny_workflow):
    workdir, _ = tiny_workflow
    magic = {".parquet": b"PAR1", ".png": b"\x89PNG", ".pdf": b"%PDF", ".keras": b"PK\x03\x04"}
    for path in (workdir / "results").rglob("*"):
        if not path.is_file():
            continue
        assert path.suffix not in {".pkl", ".pickle", ".npy", ".npz", ".joblib"}, path
        head = path.read_bytes()[:4]
        assert not head.startswith(b"\x80"), f"{path} looks like a pickle"
        if path.suffix in magic:
            assert head == magic[path.suffix], path
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".csv":  # the per-network summary, meant to be diffed and committed
            assert path.read_text().splitlines()[0].startswith("gamma,seed"), path
        else:
            assert path.suffix in {".tsv", ".log", ".md", ".txt"}, path


def test_code_never_unpickles_or_builds_shell_lines():
    for path in list((REPO / "scripts").rglob("*.py")) + list((REPO / "rules").glob("*.smk")):
        text = path.read_text()
        assert "import pickle" not in text and "pickle.load" not in text, path
        assert not re.search(r"np\.load\((?![^)]*allow_pickle=False)", text), path
        # Scripts go through tdnms.model.load_model, which pins safe_mode=True.
        assert not re.search(r"keras\.models\.load_model\((?![^)]*safe_mode=True)", text), path
        assert "safe_mode=False" not in text, path
    for smk in (REPO / "rules").glob("*.smk"):
        assert not re.search(r"^\s+(shell|run):", smk.read_text(), re.M), f"{smk}: use script: with params"
