"""Shortcut check: single-bin logistic regressions find the reference task's shortcut, not the variant's."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from tdnms import shortcut, task

REPO = Path(__file__).resolve().parents[1]


def variant_spec():
    section = yaml.safe_load((REPO / "config" / "timing.yaml").read_text())["task"]
    return task.TaskSpec.from_config(section)


def test_reference_task_has_the_known_shortcut_bins():
    trials = task.generate(task.TaskSpec(), 600, seed=0)
    verdict = shortcut.summarise(shortcut.shortcut_check(trials))
    odor = verdict["channels"]["odor"]
    assert verdict["shortcut"]
    # Odor in [110, 130) on SL and LS only: perfect separation there.
    assert set(range(110, 130)) <= set(odor["shortcut_bins"])
    assert odor["max_balanced_accuracy"] > 0.98
    # LS alone has odor in [50, 80): half the go trials, none of the no-go -> 0.75.
    check = shortcut.shortcut_check(trials)
    mid = check[(check["channel"] == "odor") & check["time_bin"].between(55, 75)]["balanced_accuracy"]
    assert mid.mean() == pytest.approx(0.75, abs=0.04)
    # Light carries only the start cue, the same on every trial.
    assert not verdict["channels"]["light"]["shortcut_bins"]


def test_variant_has_no_single_bin_shortcut():
    trials = task.generate(variant_spec(), 1024, seed=[0, 0])
    verdict = shortcut.summarise(shortcut.shortcut_check(trials), threshold=0.6)
    assert not verdict["shortcut"], verdict["channels"]
    assert verdict["channels"]["odor"]["max_balanced_accuracy"] < 0.6


def test_logistic_fit_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    y = rng.random(300) < 0.3
    x = rng.standard_normal((300, 3)) + 0.8 * y[:, None] * np.array([1.0, 0.3, 0.0])
    y = y.astype(np.int64)
    slope, intercept = shortcut.fit_logistic(x, y, shortcut.balanced_weights(y))
    for j in range(3):
        ref = LogisticRegression(class_weight="balanced", tol=1e-10, max_iter=1000).fit(x[:, j : j + 1], y)
        assert slope[j] == pytest.approx(ref.coef_[0, 0], rel=1e-4, abs=1e-6)
        assert intercept[j] == pytest.approx(ref.intercept_[0], rel=1e-4, abs=1e-6)


def test_planted_informative_bin_is_found_and_noise_bins_are_not():
    rng = np.random.default_rng(1)
    go = rng.random(800) < 0.5
    features = rng.standard_normal((800, 20))
    features[:, 7] += 2.0 * go
    acc = shortcut.per_bin_accuracy(features, go)
    assert acc[7] > 0.8
    assert np.delete(acc, 7).max() < 0.6
