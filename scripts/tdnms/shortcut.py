"""Shortcut check: can a single time bin's input tell go from no-go?

If one bin's odor (or light) value predicts the answer, a network can solve the
task by looking at that bin, without measuring any duration. The check fits, per
input channel and time bin, a one-feature logistic regression of ``go`` on the
input value, and scores it by stratified k-fold cross-validation.

The score is the *balanced* accuracy (mean of the hit rate on go and on no-go
trials), so that a classifier that always says "go" scores 0.5 whatever the
go : no-go ratio (2 : 1 in the reference task); with balanced classes it equals
the plain accuracy. Fits are weighted per class to match, with the L2 penalty of
scikit-learn's default (``C = 1``, intercept unpenalised), by Newton's method on
every bin at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .task import INPUT_CHANNELS, TrialSet

SHORTCUT_THRESHOLD = 0.6
NEWTON_ITERATIONS = 25


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Independent 1-feature weighted logistic regressions, one per column.

    ``x`` (n, B) features, ``y`` (n,) 0/1 labels, ``weight`` (n,) sample weights.
    Minimises ``sum_i w_i * logloss_i + l2/2 * slope**2`` per column; returns
    ``slope`` (B,) and ``intercept`` (B,).
    """
    n, b = x.shape
    slope, intercept = np.zeros(b), np.zeros(b)
    w = weight[:, None]
    for _ in range(NEWTON_ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(x * slope + intercept)))
        r = w * (p - y[:, None])
        s = w * p * (1 - p)
        g_slope, g_int = (r * x).sum(0) + l2 * slope, r.sum(0)
        h_ss, h_si, h_ii = (s * x * x).sum(0) + l2, (s * x).sum(0), s.sum(0) + 1e-12
        det = h_ss * h_ii - h_si**2
        slope = slope - (h_ii * g_slope - h_si * g_int) / det
        intercept = intercept - (h_ss * g_int - h_si * g_slope) / det
    return slope, intercept


def _folds(y: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold index per sample, stratified by class, from a seeded shuffle."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == label))
        fold[idx] = np.arange(len(idx)) % n_folds
    return fold


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Per-sample weights giving each class the same total weight (mean weight 1)."""
    counts = np.bincount(y, minlength=2).astype(float)
    return (len(y) / (2 * np.maximum(counts, 1)))[y]


def per_bin_accuracy(features: np.ndarray, go: np.ndarray, n_folds: int = 5, seed: int = 0) -> np.ndarray:
    """Cross-validated balanced accuracy (B,) of a logistic regression on each column of ``features`` (n, B)."""
    y = np.asarray(go, dtype=np.int64)
    if len(np.unique(y)) < 2:
        raise ValueError("shortcut check: the trials hold only one class (go or no-go); nothing to predict")
    fold = _folds(y, n_folds, seed)
    hits = np.zeros((2, features.shape[1]))
    for f in range(n_folds):
        train, test = fold != f, fold == f
        slope, intercept = fit_logistic(features[train], y[train], balanced_weights(y[train]))
        predicted = (features[test] * slope + intercept) > 0
        for label in (0, 1):
            rows = y[test] == label
            hits[label] += (predicted[rows] == bool(label)).sum(0)
    counts = np.bincount(y, minlength=2)[:, None]
    return (hits / counts).mean(0)


def shortcut_check(trials: TrialSet, n_folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """Per input channel and time bin (within a trial): the cross-validated balanced accuracy.

    Returns one row per (channel, time_bin) with columns channel, time_bin,
    balanced_accuracy.
    """
    spec = trials.spec
    n, k = trials.trial_types.shape
    per_trial = trials.inputs.reshape(n * k, spec.n_bins, len(INPUT_CHANNELS))
    go_of = {t.name: t.go for t in spec.trial_types}
    go = np.array([go_of[name] for name in trials.trial_types.reshape(-1)])
    parts = []
    for c, channel in enumerate(INPUT_CHANNELS):
        acc = per_bin_accuracy(per_trial[:, :, c].astype(np.float64), go, n_folds, seed)
        parts.append(
            pd.DataFrame({"channel": channel, "time_bin": np.arange(spec.n_bins, dtype=np.int32), "balanced_accuracy": acc})
        )
    return pd.concat(parts, ignore_index=True)


def summarise(check: pd.DataFrame, threshold: float = SHORTCUT_THRESHOLD) -> dict:
    """Verdict: per channel the best bin and its accuracy, and every bin above ``threshold``."""
    out = {"threshold": threshold, "channels": {}}
    for channel, rows in check.groupby("channel", sort=True):
        best = rows.loc[rows["balanced_accuracy"].idxmax()]
        above = rows.loc[rows["balanced_accuracy"] > threshold, "time_bin"]
        out["channels"][str(channel)] = {
            "max_balanced_accuracy": float(best["balanced_accuracy"]),
            "best_bin": int(best["time_bin"]),
            "shortcut_bins": [int(b) for b in above],
        }
    out["shortcut"] = any(c["shortcut_bins"] for c in out["channels"].values())
    return out
