"""Generalisation probes: probe trials, noisy P(go), psychometric fit; probes never reach training."""

import ast
from pathlib import Path

import numpy as np
import pytest

from tdnms import fingerprint, probes, psychometric, task

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("pse, threshold, slope", [(0.0, 15.0, 0.3), (6.0, 8.0, 1.0), (-4.0, 22.0, 0.12)])
def test_psychometric_fit_recovers_a_synthetic_observer(pse, threshold, slope):
    rng = np.random.default_rng(0)
    d = np.arange(-60, 61, 5)
    n = np.full(d.shape, 2000)
    k = rng.binomial(n, psychometric.p_go(d, pse, threshold, slope))
    fit = psychometric.fit(d, k, n)
    assert fit["pse"] == pytest.approx(pse, abs=1.0)
    assert fit["threshold"] == pytest.approx(threshold, abs=1.0)
    assert fit["slope"] == pytest.approx(slope, rel=0.15)


def test_threshold_stays_at_or_above_zero_when_same_durations_already_say_go():
    # An observer with P(go) 0.7 even at d = 0: an unbounded fit puts the midpoints
    # "inside" the PSE (a negative half-width); bounded, the threshold sits at 0.
    d = np.arange(-30, 31, 5)
    n = np.full(d.shape, 400)
    k = np.rint(n * psychometric.expit(0.85 + 0.1 * np.abs(d))).astype(int)
    fit = psychometric.fit(d, k, n)
    assert fit["threshold"] == 0.0 and fit["slope"] > 0.05
    assert psychometric.p_go(fit["pse"], fit["pse"], fit["threshold"], fit["slope"]) == 0.5


def test_goodness_of_fit_tells_a_v_from_a_peaked_curve():
    d = np.arange(-60, 61, 5)
    n = np.full(d.shape, 320)
    good = psychometric.fit(d, np.rint(n * psychometric.p_go(d, 0, 10, 0.4)), n)
    assert good["deviance"] < 1e-6 * good["null_deviance"] + 1.0 and good["pseudo_r2"] > 0.99
    assert good["n_points"] == len(d) and good["dof"] == len(d) - 3
    # P(go) that peaks at +-35 and falls back to 0.2 at +-60 (the variant networks).
    peaked = np.interp(np.abs(d), [0, 10, 35, 60], [0.05, 0.1, 0.95, 0.2])
    bad = psychometric.fit(d, np.rint(n * peaked), n)
    assert bad["pseudo_r2"] < psychometric.POOR_FIT_R2 and bad["deviance"] > 10 * bad["dof"]
    assert list(psychometric.poor([good["pseudo_r2"], bad["pseudo_r2"], np.nan])) == [False, True, True]


def test_deviance_is_zero_for_the_observed_rates_and_grows_away_from_them():
    k, n = np.array([0, 5, 10]), np.array([10, 10, 10])
    assert psychometric.deviance(k, n, k / n) == pytest.approx(0.0, abs=1e-9)
    assert psychometric.deviance(k, n, [0.1, 0.5, 0.9]) > psychometric.deviance(k, n, [0.01, 0.5, 0.99]) > 0


def test_the_fit_uses_only_probes_within_the_trained_durations():
    spec = task.TaskSpec()
    assert probes.trained_durations(spec) == (20, 50)
    variant = task.TaskSpec.from_config(
        {"n_bins": 290, "timing": {"first_onset": [10, 80], "delay": [10, 70], "short": [10, 25], "long": [40, 55]}}
    )
    assert probes.trained_durations(variant) == (10, 55)
    table = probes.probe_table(spec, probes.ProbeConfig(repeats=10))
    table["n_repeats"] = 10
    grid = table["family"] == "grid"
    far = (table["first"] > 50) | (table["second"] > 50) | (table["first"] < 20) | (table["second"] < 20)
    # A V inside the trained span; outside it, the network says "no-go" to everything.
    table["p_go"] = np.where(far, 0.0, (table["first"] != table["second"]).astype(float))
    table["accuracy"] = np.where(table["go"], table["p_go"], 1 - table["p_go"])
    inside = probes.summarise(table[grid | ~grid], (20, 50))
    assert (inside["psychometric_min_duration"], inside["psychometric_max_duration"]) == (20, 50)
    assert inside["psychometric_n_points"] == 13  # differences -30 .. 30
    assert inside["psychometric_pseudo_r2"] > 0.95 and not inside["psychometric_poor"]
    whole = probes.summarise(table)
    assert (whole["psychometric_min_duration"], whole["psychometric_max_duration"]) == (10, 70)
    assert whole["psychometric_n_points"] == 25 and whole["psychometric_poor"]


def test_pooling_sums_counts_over_equal_differences():
    import pandas as pd

    grid = pd.DataFrame({"first": [10, 20, 10], "second": [20, 30, 10], "p_go": [0.5, 1.0, 0.0], "n_repeats": 4})
    d, k, n = psychometric.pooled(grid)
    np.testing.assert_array_equal(d, [0, 10])
    np.testing.assert_array_equal(k, [0, 6])
    np.testing.assert_array_equal(n, [4, 8])


def test_probe_table_grid_shifts_and_reference_trials():
    spec = task.TaskSpec()
    cfg = probes.ProbeConfig(durations=(10, 30, 10), shifts=(-5, 0, 5))
    table = probes.probe_table(spec, cfg)
    grid = table[table["family"] == "grid"]
    assert len(grid) == 9 and set(grid["first"]) == {10, 20, 30}
    assert (grid["go"] == (grid["first"] != grid["second"])).all()
    assert (grid["odor1_start"] == 30).all()
    assert (grid["odor2_start"] - grid["odor1_stop"] == 30).all()
    # The reference task's gap: response starts 1 bin after the second odor ends, lasts 29.
    assert (grid["response_start"] - grid["odor2_stop"] == 1).all()
    assert (grid["response_stop"] - grid["response_start"] == 29).all()
    shifted = table[(table["family"] == "shift") & (table["trial_type"] == "LS")].set_index("shift")
    assert shifted.loc[5, "odor2_start"] == 115 and shifted.loc[-5, "response_start"] == 126
    ref = table[table["family"] == "reference"].set_index("trial_type")
    assert ref.loc["SL", "odor2_stop"] == 130 and ref.loc["SS", "go"] == False  # noqa: E712
    inputs, masks = probes.probe_inputs(spec, table)
    assert inputs.shape[1] >= table["response_stop"].max()
    row = grid.iloc[4]
    assert inputs[row["probe"], row["odor1_start"] : row["odor1_stop"], 1].all()
    assert masks[row["probe"]].sum() == 29


def toy_params(b_out: float, units: int = 4) -> dict:
    return {
        "W_in": np.zeros((2, units)),
        "W_rec": np.zeros((units, units)),
        "b": np.zeros(units),
        "W_out": np.zeros((units, 1)),
        "b_out": np.array([b_out]),
        "gamma": 0.2,
        "noise_std": 0.3,
    }


def test_noisy_p_go_is_a_probability_over_repeats():
    spec = task.TaskSpec()
    cfg = probes.ProbeConfig(durations=(10, 20, 10), shifts=(0,), repeats=50)
    assert (probes.run_probes(toy_params(1.0), spec, cfg)["p_go"] == 1).all()
    assert (probes.run_probes(toy_params(0.0), spec, cfg)["p_go"] == 0).all()
    # A readout of one noisy unit sitting at 0.5 on average says go about half the time.
    params = toy_params(0.5)
    params["W_out"][0, 0] = 1.0
    table = probes.run_probes(params, spec, cfg, seed=3)
    assert table["p_go"].between(0.2, 0.8).all()
    assert table["p_go"].nunique() > 1  # noise at inference is on: repeats differ
    again = probes.run_probes(params, spec, cfg, seed=3)
    np.testing.assert_array_equal(table["p_go"], again["p_go"])


def test_summary_of_a_perfect_timer():
    spec = task.TaskSpec()
    cfg = probes.ProbeConfig(repeats=10)
    table = probes.probe_table(spec, cfg)
    table["n_repeats"] = 10
    table["p_go"] = table["go"].astype(float)
    table["accuracy"] = 1.0
    summary = probes.summarise(table)
    assert summary["shift_sensitivity"] == 0 and summary["reference_accuracy"] == 1
    assert summary["p_go_same"] == 0 and summary["p_go_different"] == 1
    assert abs(summary["psychometric_pse"]) < 5 and 0 < summary["psychometric_threshold"] < 5
    assert summary["psychometric_pseudo_r2"] > 0.99 and not summary["psychometric_poor"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names |= {f"{node.module}.{a.name}" if node.module else a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_probes_reach_the_model_only_through_the_analysis_stage():
    scripts = REPO / "scripts"
    # Training and data generation never import the probe code ...
    for script in ("train", "generate_data", "simulate"):
        modules = {p.stem for p in fingerprint.library_modules(scripts / f"{script}.py")}
        assert not modules & {"probes", "psychometric"}, script
    # ... the probe stage does; only the compared run's rule runs that script, and the
    # per-network analysis job runs it as a stage.
    assert "probes" in {p.stem for p in fingerprint.library_modules(scripts / "probes.py")}
    users = [p.name for p in (REPO / "rules").glob("*.smk") if "scripts/probes.py" in p.read_text()]
    assert users == ["probes.smk"]
    assert '"probes"' in (scripts / "analyse_network.py").read_text()
    # No training rule reads a probe output.
    train_rules = (REPO / "rules" / "train.smk").read_text() + (REPO / "rules" / "data.smk").read_text()
    assert "probes" not in train_rules
