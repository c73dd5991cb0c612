"""Behavioural scoring: did the network respond, and was that right?

A trial's *response* is "go" when the mean output over its response window
exceeds ``threshold`` (0.5, halfway between the no-go and go targets). A trial
is correct when the response matches the trial type's go flag. Timing metrics
(premature and late responses, first crossing, latency, peak output) come from
:mod:`tdnms.behaviour`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .behaviour import summarise_timing, timing_metrics
from .task import TrialSet

RESPONSE_THRESHOLD = 0.5


def score_outputs(
    outputs: np.ndarray, trials: TrialSet, threshold: float = RESPONSE_THRESHOLD, grace: int = 0
) -> pd.DataFrame:
    """One row per trial: sequence, trial, trial_type, go, response_mean, response, correct, mse,
    premature, premature_bin, late, late_bin, crossing, latency, peak_output, grace.

    ``outputs`` is (n, T) or (n, T, 1) for the sequences of ``trials``; ``mse`` is
    the mean squared error over that trial's bins; the timing columns are those
    of :func:`tdnms.behaviour.timing_metrics` with slack ``grace`` (bins within the trial).
    """
    spec = trials.spec
    n, k = trials.trial_types.shape
    out = np.asarray(outputs, dtype=np.float64).reshape(n, k, spec.n_bins)
    target = trials.targets.astype(np.float64).reshape(n, k, spec.n_bins)
    response_mean = window_means(out, trials.response_masks())
    table = trials.trial_table()
    table["response_mean"] = response_mean.reshape(-1)
    table["response"] = table["response_mean"] > threshold
    table["correct"] = table["response"] == table["go"]
    table["mse"] = ((out - target) ** 2).mean(axis=-1).reshape(-1)
    windows = trials.trial_response_windows().reshape(n * k, 2)  # per trial under the timing variant
    for name, values in timing_metrics(out.reshape(n * k, -1), windows, threshold, grace).items():
        table[name] = values
    table["grace"] = np.int64(grace)  # the tables say which slack their rates used
    return table


def window_means(values: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (n, k, n_bins) over each trial's own window ``masks`` (n, k, n_bins) bool.

    Per trial, because under the timing variant every trial has its own response window.
    """
    return (values * masks).sum(axis=-1) / masks.sum(axis=-1)


def accuracy_by_type(scored: pd.DataFrame) -> dict[str, float]:
    """Fraction correct per trial type."""
    return {str(k): float(v) for k, v in scored.groupby("trial_type", sort=True)["correct"].mean().items()}


def summarise(scored: pd.DataFrame) -> pd.DataFrame:
    """Per trial type and overall: n_trials, accuracy, mean MSE and (when ``scored`` has them) the
    timing summary of :func:`tdnms.behaviour.summarise_timing` (premature_rate, late_rate, latency,
    peak_output, crossing_q10 ... crossing_q90)."""
    per_type = (
        scored.groupby("trial_type", sort=True)
        .agg(n_trials=("correct", "size"), accuracy=("correct", "mean"), mse=("mse", "mean"))
        .reset_index()
    )
    overall = pd.DataFrame(
        {
            "trial_type": ["all"],
            "n_trials": [len(scored)],
            "accuracy": [scored["correct"].mean()],
            "mse": [scored["mse"].mean()],
        }
    )
    summary = pd.concat([per_type, overall], ignore_index=True)
    summary["trial_type"] = summary["trial_type"].astype(str)
    summary["n_trials"] = summary["n_trials"].astype(np.int64)
    summary["accuracy"] = summary["accuracy"].astype(np.float64)
    if "premature" in scored:
        summary = summary.merge(summarise_timing(scored), on="trial_type", how="left")
    return summary


def summary_record(summary: pd.DataFrame, gamma: float, seed: int) -> dict:
    """The JSON summary of one model: accuracy and MSE per trial type."""
    return {
        "gamma": float(gamma),
        "seed": int(seed),
        "accuracy": dict(zip(summary["trial_type"], summary["accuracy"])),
        "mse": dict(zip(summary["trial_type"], summary["mse"])),
    }


def aggregate(summaries: dict, status: pd.DataFrame) -> pd.DataFrame:
    """Stack per-model summaries with gamma, seed and training outcome (steps, seconds, reached).

    ``summaries`` maps (gamma, seed) to the model's summary file (:func:`tdnms.layout.by_model`);
    ``status`` is the sweep's training status (:func:`tdnms.status.training_status`).
    Rows follow the order of ``summaries``.
    """
    from . import tables

    parts = []
    for (gamma, seed), summary_path in summaries.items():
        summary = tables.read_table(summary_path, kind="scores")[0].to_pandas()
        summary.insert(0, "seed", seed)
        summary.insert(0, "gamma", gamma)
        parts.append(summary)
    return pd.concat(parts, ignore_index=True).merge(status, on=["gamma", "seed"], how="left", validate="m:1")
