"""tdnms.compare: planted truths for each verdict (equivalent, different, inconclusive) and the exact checks.

Synthetic per-network summaries at the default config's 2 seeds per gamma and at 10, no training.
"""

import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tdnms import compare, exact, verdicts

GAMMAS = [0.1, 0.2, 0.5, 1.0]


def networks(draw, n_seeds=10, gammas=GAMMAS, hashes="draw"):
    """A synthetic sweep: steps and accuracy fall, time_error rises with gamma, plus seed noise.

    ``draw`` seeds the noise; ``hashes`` tags the weight hashes (equal tags: the same networks).
    """
    rng = np.random.default_rng(draw)
    gamma = np.repeat(gammas, n_seeds)
    table = pd.DataFrame({"gamma": gamma, "seed": np.tile(np.arange(n_seeds), len(gammas))})
    table["steps"] = 2000 - 800 * gamma + rng.integers(0, 100, gamma.size)
    table["reached"] = True
    table["accuracy"] = 0.99 - 0.05 * gamma + 0.003 * rng.normal(size=gamma.size)
    table["time_error"] = 5 + 10 * gamma + rng.normal(0, 0.5, gamma.size)
    tag = draw if hashes == "draw" else hashes
    table["weights_sha256"] = [f"{tag}-{g}-{s}" for g, s in zip(table["gamma"], table["seed"])]
    return table


def judged(a, b):
    """The Report of two summary tables (no files), exact checks included."""
    levels, trends, cells = compare.compare_networks(a, b, n_bootstrap=500)
    failures = compare._failures(exact.summary_failures(a, b, exact.same_networks(a, b)), "summary")
    return compare.Report(levels, trends, cells, failures)


def verdict_of(report, kind, metric):
    return getattr(report, kind).set_index("metric").loc[metric, "verdict"]


@pytest.mark.parametrize("n_seeds", [2, 10])
def test_identical_weights_and_a_changed_metric_is_different_naming_table_column_network(n_seeds, tmp_path, capsys):
    a = networks(0, n_seeds)
    b = a.copy()
    b.loc[b["gamma"] == 0.5, "accuracy"] = 0.55  # the planted change; weights left as they were
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    assert compare.main([str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--bootstrap", "300"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERENT per-network summary, column accuracy, network gamma 0.5 seed 0" in out
    assert "Verdict: DIFFERENT" in out


@pytest.mark.parametrize("n_seeds", [2, 10])
def test_the_same_networks_are_equivalent(n_seeds):
    a = networks(0, n_seeds)
    report = judged(a, a.copy())
    assert report.outcome == "equivalent" and report.exit_code == 0


def test_two_draws_at_ten_seeds_within_the_margins_are_equivalent():
    report = judged(networks(0), networks(1))
    assert set(report.levels["verdict"]) == {"equivalent"}, report.levels
    assert set(report.trends["verdict"]) == {"equivalent"}, report.trends
    assert report.exit_code == 0


def test_two_draws_at_two_seeds_are_inconclusive_with_seeds_needed():
    a, b = networks(0, 2), networks(1, 2)
    b["time_error"] += np.random.default_rng(2).normal(0, 4.0, len(b))  # seed noise twice the margin
    report = judged(a, b)
    assert report.outcome == "inconclusive" and report.exit_code == 3
    assert verdict_of(report, "trends", "time_error") == "inconclusive"  # 2 seeds per gamma: not judged
    assert "a trend needs 3" in report.trends.set_index("metric").loc["time_error", "reason"]
    level = report.levels.set_index("metric").loc["time_error"]
    assert level["verdict"] == "inconclusive" and level["seeds_needed"] > 2


@pytest.mark.parametrize("n_seeds", [2, 10])
def test_a_shift_far_beyond_the_margin_is_different(n_seeds):
    a, b = networks(0, n_seeds), networks(1, n_seeds)
    b["time_error"] += 8.0  # 4x the 2-bin margin, at every gamma
    report = judged(a, b)
    assert verdict_of(report, "levels", "time_error") == "different"
    assert verdict_of(report, "levels", "accuracy") != "different"
    assert report.exit_code == 1


def test_a_shift_at_one_gamma_is_caught_by_the_per_gamma_screen():
    a, b = networks(0), networks(1)
    b.loc[b["gamma"] == 0.2, "time_error"] += 8.0
    report = judged(a, b)
    flagged = report.cells[report.cells["verdict"] == "different"]
    assert list(zip(flagged["metric"], flagged["gamma"])) == [("time_error", 0.2)]
    assert report.outcome == "different"


def test_a_reversed_trend_is_different_at_ten_seeds():
    a, b = networks(0), networks(1)
    b["time_error"] = 15 - 10 * b["gamma"] + np.random.default_rng(5).normal(0, 0.5, len(b))
    report = judged(a, b)
    assert verdict_of(report, "trends", "time_error") == "different"
    assert verdict_of(report, "trends", "accuracy") == "equivalent"


def test_a_subset_is_compared_on_shared_networks_and_its_trends_are_not_judged():
    full = networks(0)
    subset = full[full["seed"] == 0]  # one network per gamma, the same weights
    report = judged(subset, full)
    assert set(report.levels["verdict"]) == {"equivalent"}  # on the 4 shared networks, in pairs
    assert set(report.levels["design"]) == {"paired"}
    assert set(report.trends["verdict"]) == {"inconclusive"}
    assert report.trends["reason"].str.contains("a trend needs 3 seeds at 3 gammas: not judged").all()
    assert report.exit_code == 3


def test_unpaired_halves_of_one_sweep_are_not_different():
    full = networks(0, 10)
    report = judged(full[full["seed"] < 5], full[full["seed"] >= 5])
    assert set(report.levels["design"]) == {"unpaired"}
    assert report.outcome != "different"


def test_judge_on_planted_intervals():
    assert verdicts.judge(0.0, 0.01, 10, 0.05, k=1) == "equivalent"
    assert verdicts.judge(0.2, 0.01, 10, 0.05, k=20) == "different"
    assert verdicts.judge(0.0, 0.1, 10, 0.05, k=1) == "inconclusive"  # too wide to say
    assert verdicts.judge(0.03, 0.01, 10, 0.05, k=1) == "equivalent"  # significant, yet inside the margin
    assert verdicts.judge(0.04, 0.01, 10, 0.05, k=1) == "inconclusive"  # reaches past the margin
    assert verdicts.seeds_needed(0.0, 0.1, 2, 0.05, k=1) > 2


@settings(max_examples=25, deadline=None)
@given(
    n_seeds=st.integers(1, 10),
    values=st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(float("nan"))), min_size=40, max_size=40),
    reached=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_identical_inputs_are_never_different(n_seeds, values, reached):
    table = networks(0, n_seeds)
    table["time_error"] = values[: len(table)]
    table["reached"] = reached[: len(table)]
    report = judged(table, table.copy())
    assert report.outcome != "different" and len(report.failures) == 0


def _results(tmp_path, name, summary, extra=None):
    folder = tmp_path / name
    for sub in ("scores", "logs", "manuscript", "models/gamma0.5_seed0", "dynamics/gamma0.5_seed0"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    rows = summary[["gamma", "seed", "accuracy"]].assign(trial_type="all")
    rows.to_parquet(folder / "scores" / "all.parquet")
    pd.DataFrame({"step": [10, 20], "loss": [0.5, 0.2], "wall_seconds": [1.0, 2.0]}).to_parquet(
        folder / "models/gamma0.5_seed0/history.parquet"
    )
    pd.DataFrame({"h": [1.0, 2.0, 3.0]}).to_parquet(folder / "dynamics/gamma0.5_seed0/hidden.parquet")
    (folder / "logs" / "run.json").write_text("{}")  # logs are not tables
    summary.to_csv(folder / "manuscript" / "networks.csv", index=False)
    for rel, frame in (extra or {}).items():
        frame.to_parquet(folder / rel)
    return folder


def test_tables_are_checked_exactly_where_weights_agree(tmp_path):
    base = networks(0, 2)
    a = _results(tmp_path, "A", base)
    b = _results(tmp_path, "B", base, {
        "models/gamma0.5_seed0/history.parquet": pd.DataFrame({"step": [10, 20], "loss": [0.5, 0.2], "wall_seconds": [3.0, 9.0]}),
        "dynamics/gamma0.5_seed0/hidden.parquet": pd.DataFrame({"h": [1.0, 2.0, 3.0 + 1e-7]}),  # within simulation's 2e-6
    })
    report = compare.compare(a, b, n_bootstrap=200)
    status = report.tables.set_index("path")["status"].to_dict()
    assert status == {
        "dynamics/gamma0.5_seed0/hidden.parquet": "equal within tolerance",
        "manuscript/networks.csv": "byte-identical",
        "models/gamma0.5_seed0/history.parquet": "equal within tolerance",  # wall_seconds left out
        "scores/all.parquet": "byte-identical",
    }
    assert report.exit_code == 0
    pd.DataFrame({"h": [1.0, 2.0, 3.001]}).to_parquet(b / "dynamics/gamma0.5_seed0/hidden.parquet")
    changed = base.copy()
    changed.loc[changed["gamma"] == 0.5, "accuracy"] = 0.55
    changed[["gamma", "seed", "accuracy"]].assign(trial_type="all").to_parquet(b / "scores" / "all.parquet")
    failures = compare.compare(a, b, n_bootstrap=200).failures
    named = set(zip(failures["table"], failures["column"], failures["gamma"], failures["seed"]))
    assert ("dynamics/gamma0.5_seed0/hidden.parquet", "h", 0.5, 0) in named
    assert ("scores/all.parquet", "accuracy", 0.5, 0) in named


def test_tables_of_other_weights_are_judged_statistically_and_missing_ones_differ(tmp_path):
    a = _results(tmp_path, "A", networks(0, 10))
    b = _results(tmp_path, "B", networks(1, 10))
    shutil.copy(a / "models/gamma0.5_seed0/history.parquet", b / "scores" / "extra.parquet")
    report = compare.compare(a, b, n_bootstrap=200)
    status = report.tables.set_index("path")["status"]
    assert status["scores/all.parquet"] == "judged statistically"
    assert status["scores/extra.parquet"] == "different" and report.exit_code == 1


def test_timing_columns_are_one_documented_list():
    assert set(exact.TIMING_COLUMNS) == {"wall_seconds", "train_seconds"}
    assert exact.stage("analysis/decoding.parquet") == ("decoding", 0.0)
    assert exact.stage("dynamics/gamma0.2_seed0/hidden.parquet")[1] > 0


@pytest.mark.slow
def test_runs_with_other_training_threads_are_not_identical_and_not_different(tiny_workflow, tmp_path, capsys):
    from workflow_helpers import TINY, snakemake, write_config

    first, _ = tiny_workflow
    second = tmp_path / "threads2"
    second.mkdir()
    a, b = first / "results", second / "results"
    # One run that also checks itself against the first (rule compare_to_reference); tables only
    # are compared, so the second run draws no per-network figure.
    write_config(second, {
        **TINY,
        "resources": {"train_threads": 2},
        "manuscript": {"compare_to": str(a / "manuscript/networks.csv")},
        "figures": {**TINY["figures"], "per_network": False},
    })
    snakemake(second)
    code = compare.main([str(a), str(b), "--include-unconverged", "--bootstrap", "300"])
    out = capsys.readouterr().out
    report = compare.compare(a, b, include_unconverged=True, n_bootstrap=300)
    status = report.tables.set_index("path")["status"]
    print(out)  # the verdict on two real runs with other weights, for bench/README.md
    assert report.same_weights == (0, 2)  # 2 threads round differently: other weights
    assert code == 3 and "Verdict: INCONCLUSIVE" in out, out  # 1 seed per gamma cannot show equivalence
    assert status["data/seed0/train.parquet"] == "byte-identical"
    assert status["models/gamma0.2_seed0/history.parquet"] == "judged statistically"
    assert not (status == "different").any() and len(report.failures) == 0, out
    # The workflow's own check against a reference: inconclusive is reported, and did not fail the run.
    assert "Verdict: INCONCLUSIVE" in (b / "manuscript/comparison.txt").read_text()
