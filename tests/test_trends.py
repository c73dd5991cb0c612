"""tdnms.trends: per-gamma mean +- SEM and Spearman trends with permutation p-values, on planted truth."""

import numpy as np
import pandas as pd
import pytest

from tdnms import summary, trends

GAMMAS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0]


def sweep(seed=0, n_seeds=10, **columns):
    """A synthetic per-network table: ``columns`` maps a name to f(gamma array, rng) -> values."""
    rng = np.random.default_rng(seed)
    gamma = np.repeat(GAMMAS, n_seeds)
    table = pd.DataFrame({"gamma": gamma, "seed": np.tile(np.arange(n_seeds), len(GAMMAS)), "reached": True})
    for name, make in columns.items():
        table[name] = make(gamma, rng)
    return table


def test_planted_monotonic_trend_is_significant_and_flat_noise_is_not():
    # One draw; the null's false-positive rate is checked over many draws below.
    table = sweep(
        seed=2,
        rising=lambda g, r: g + r.normal(0, 0.4, g.size),  # slope of the size of the noise
        falling=lambda g, r: -np.log(g) + r.normal(0, 0.5, g.size),
        flat=lambda g, r: r.normal(0, 1.0, g.size),
    )
    result = trends.trends(table, ["rising", "falling", "flat"], n_permutations=4000).set_index("metric")
    assert result.loc["rising", "significant"] and 0.4 < result.loc["rising", "rho"] < 0.8
    assert result.loc["rising", "direction"] == "increases"
    assert result.loc["falling", "significant"] and result.loc["falling", "direction"] == "decreases"
    assert not result.loc["flat", "significant"] and result.loc["flat", "direction"] == "flat"
    assert result.loc["flat", "p_value"] > 0.05


def test_permutation_p_is_calibrated_under_the_null():
    # Flat metrics: about alpha of them come out significant (uncorrected), not far more.
    rng = np.random.default_rng(1)
    gamma = np.repeat(GAMMAS, 10)
    p = [trends.spearman_permutation(gamma, rng.normal(size=gamma.size), 500, seed=i)[1] for i in range(200)]
    assert 0.01 <= np.mean(np.array(p) < 0.05) <= 0.10
    assert 0.35 <= np.median(p) <= 0.65


def test_spearman_matches_scipy_and_handles_constants():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 5, 40), rng.normal(size=40)  # ties in x
    rho, p = trends.spearman_permutation(x, y, 200)
    assert rho == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert 0 < p <= 1
    assert trends.spearman_permutation(x, np.ones(40), 100) == (pytest.approx(np.nan, nan_ok=True), 1.0)


def test_holm_adjusts_in_order_and_caps_at_one():
    np.testing.assert_allclose(trends.holm([0.01, 0.04, 0.03, 0.5]), [0.04, 0.09, 0.09, 0.5])
    assert trends.holm([0.9, 0.8]).max() == 1.0


def test_results_table_mean_sem_over_converged_seeds_and_markdown():
    table = sweep(n_seeds=4, steps=lambda g, r: np.where(g < 0.1, 2000.0, 1080.0) + r.integers(0, 3, g.size))
    table.loc[(table["gamma"] == 1.0) & (table["seed"] == 3), ["reached", "steps"]] = (False, 6000.0)
    result = trends.results_table(table, ["steps"], describe=summary.describe, n_permutations=500)
    row = result.set_index("gamma").loc[1.0]
    kept = table[(table["gamma"] == 1.0) & table["reached"]]["steps"]
    assert row["n"] == 3 and row["mean"] == pytest.approx(kept.mean())
    assert row["sem"] == pytest.approx(kept.std(ddof=1) / np.sqrt(3))
    assert result["description"].iloc[0] == summary.HEADLINE["steps"]
    text = trends.markdown(result)
    assert text.count("\n| `steps`") == 1 and "γ 0.05" in text and "Holm" in text


def test_slowest_tau_from_eigenvalue_moduli():
    assert summary.slowest_tau([0.5, 0.9, 1.2]) == pytest.approx(-1 / np.log(0.9))
    assert np.isnan(summary.slowest_tau([1.5]))
    points = pd.DataFrame(
        {
            "condition": ["delay"] * 4,
            "kind": ["stable", "stable", "saddle", "slow"],
            "is_fixed_point": [True, True, True, False],
            "max_abs_eigenvalue": [0.8, 0.95, 1.1, 0.99],
        }
    )
    got = summary.fixed_point_metrics(points)
    assert got == {"fixed_points_delay": 3, "stable_points_delay": 2, "slowest_tau_delay": pytest.approx(-1 / np.log(0.95))}


def test_weights_hash_sees_every_array_and_ignores_other_keys():
    rng = np.random.default_rng(0)
    params = {k: rng.normal(size=s).astype("float32") for k, s in [("W_in", (2, 3)), ("W_rec", (3, 3)), ("b", (3,)), ("W_out", (3, 1)), ("b_out", (1,))]}
    base = summary.weights_sha256(params)
    assert summary.weights_sha256({**params, "gamma": 0.3}) == base
    for key in summary.WEIGHT_KEYS:
        changed = {**params, key: params[key].copy()}
        changed[key].flat[0] = np.nextafter(changed[key].flat[0], np.float32(10))
        assert summary.weights_sha256(changed) != base, key
