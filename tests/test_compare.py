"""tdnms.compare: tables classed, per-gamma tests and trends compared; a planted difference is caught."""

import shutil

import numpy as np
import pandas as pd
import pytest

from tdnms import compare

GAMMAS = [0.05, 0.2, 0.5, 1.0]


def networks(seed, shift_gamma=None, shift=0.0, n_seeds=10):
    """Per-network summary of a synthetic sweep: a rising metric, a flat one, steps and weight hashes."""
    rng = np.random.default_rng(seed)
    gamma = np.repeat(GAMMAS, n_seeds)
    table = pd.DataFrame({"gamma": gamma, "seed": np.tile(np.arange(n_seeds), len(GAMMAS))})
    table["steps"] = np.where(gamma < 0.1, 2000, 1080) + rng.integers(0, 200, gamma.size)
    table["reached"] = True
    table["accuracy"] = 0.95 + 0.01 * rng.normal(size=gamma.size)
    table["time_error"] = 5 + 10 * gamma + rng.normal(0, 1.0, gamma.size)
    if shift_gamma is not None:
        table.loc[table["gamma"] == shift_gamma, "time_error"] += shift
    table["weights_sha256"] = [f"{seed}-{i}" for i in range(len(table))]
    return table


@pytest.fixture
def csvs(tmp_path):
    paths = {}
    for name, table in {
        "a": networks(0),
        "b": networks(1),  # another draw of the same process
        "shifted": networks(1, shift_gamma=0.2, shift=8.0),  # one gamma's metric moved by 8 SDs
        "reversed": networks(1).assign(time_error=lambda t: 15 - 10 * t["gamma"] + np.random.default_rng(5).normal(0, 1, len(t))),
    }.items():
        paths[name] = tmp_path / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


def test_two_draws_of_the_same_process_are_consistent(csvs, capsys):
    assert compare.main([str(csvs["a"]), str(csvs["b"]), "--permutations", "2000"]) == 0
    out = capsys.readouterr().out
    assert "every headline conclusion agrees" in out and "0 of 40 networks" in out


def test_one_shifted_gamma_is_caught_with_a_non_zero_exit(csvs, capsys):
    assert compare.main([str(csvs["a"]), str(csvs["shifted"]), "--permutations", "2000"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERENT time_error at gamma 0.2" in out
    assert out.count("DIFFERENT ") == 1  # only the planted one
    report = compare.compare(csvs["a"], csvs["shifted"], n_permutations=2000)
    flagged = report.per_gamma[report.per_gamma["different"]]
    assert list(zip(flagged["metric"], flagged["gamma"])) == [("time_error", 0.2)]


def test_a_reversed_trend_is_a_different_conclusion(csvs):
    report = compare.compare(csvs["a"], csvs["reversed"], n_permutations=2000)
    trend = report.trends.set_index("metric")
    assert trend.loc["time_error", "differs"] and not trend.loc["accuracy", "differs"]
    assert report.differs


def _results(tmp_path, name, frame):
    folder = tmp_path / name
    (folder / "scores").mkdir(parents=True)
    (folder / "logs").mkdir()
    frame.to_parquet(folder / "scores" / "all.parquet")
    pd.DataFrame({"x": [1, 2]}).to_parquet(folder / "scores" / "same.parquet")
    (folder / "logs" / "run.json").write_text("{}")  # logs are not tables
    (folder / "manuscript").mkdir()
    return folder


def test_tables_are_classed(tmp_path, csvs):
    base = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    a = _results(tmp_path, "A", base)
    b = _results(tmp_path, "B", base.assign(a=[1.0, 2.0 + 1e-9]))
    shutil.copy(csvs["a"], a / "manuscript" / "networks.csv")
    shutil.copy(csvs["b"], b / "manuscript" / "networks.csv")
    (b / "scores" / "extra.parquet").write_bytes((a / "scores" / "same.parquet").read_bytes())
    report = compare.compare(a, b, n_permutations=500)
    status = report.tables.set_index("path")["status"].to_dict()
    assert status == {
        "manuscript/networks.csv": "statistically consistent",
        "scores/all.parquet": "equal within tolerance",
        "scores/extra.parquet": "different",
        "scores/same.parquet": "byte-identical",
    }
    shutil.copy(csvs["shifted"], b / "manuscript" / "networks.csv")
    b_shifted = compare.compare(a, b, n_permutations=500).tables.set_index("path")["status"]
    assert b_shifted["manuscript/networks.csv"] == "different"


@pytest.mark.slow
def test_runs_with_other_training_threads_are_not_identical_but_consistent(tiny_workflow, tmp_path, capsys):
    from workflow_helpers import TINY, snakemake, write_config

    first, _ = tiny_workflow
    second = tmp_path / "threads2"
    second.mkdir()
    write_config(second, {**TINY, "resources": {"train_threads": 2}})
    snakemake(second)
    a, b = first / "results", second / "results"
    code = compare.main([str(a), str(b), "--include-unconverged", "--permutations", "500"])
    out = capsys.readouterr().out
    report = compare.compare(a, b, include_unconverged=True, n_permutations=500)
    status = report.tables.set_index("path")["status"]
    assert code == 0 and "every headline conclusion agrees" in out, out
    assert report.same_weights == (0, 2)  # 2 threads round differently: other weights
    assert status["data/seed0/train.parquet"] == "byte-identical"
    assert status["models/gamma0.2_seed0/history.parquet"] == "statistically consistent"
    assert (status == "statistically consistent").sum() > 10 and not (status == "different").any(), out
    # The workflow's own check against a reference: this run vs the first run's summary.
    write_config(second, {**TINY, "resources": {"train_threads": 2}, "manuscript": {"compare_to": str(a / "manuscript/networks.csv")}})
    snakemake(second)
    assert "Verdict: every headline conclusion agrees" in (b / "manuscript/comparison.txt").read_text()
