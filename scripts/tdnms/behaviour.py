"""Behavioural timing of the output, as one would score a mouse's licking.

Accuracy looks only at the mean output in the response window. A mouse that
licks before the window would be counted as an early (premature) response, so
the timing metrics look at *when* the output crosses the response threshold:

* ``premature``: the output reaches the threshold at some bin outside the
  response window; ``premature_bin`` is the first such bin (-1 if none).
  ``early`` narrows it to crossings before the window opens (a lick ahead of
  the window, as opposed to an output that stays high after it closes).
* ``latency``: bins from the window's opening to the first bin inside it at or
  above the threshold (NaN if the output never gets there).
* ``peak_output``: the largest output inside the window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def timing_metrics(outputs: np.ndarray, response_window, threshold: float) -> dict[str, np.ndarray]:
    """Per-trial timing of threshold crossings.

    ``outputs`` is (n_trials, n_bins), one row per trial; ``response_window`` the
    half-open bin range [start, stop), or an (n_trials, 2) array of one range per
    trial (the timing variant). Returns arrays of length n_trials:
    ``premature`` (bool), ``premature_bin`` (int, -1 if none), ``early`` (bool), ``latency``
    (float bins from ``start``, NaN if none) and ``peak_output`` (float).
    """
    out = np.asarray(outputs, dtype=np.float64)
    if out.ndim != 2:
        raise ValueError(f"outputs: expected (n_trials, n_bins), got shape {out.shape}")
    windows = np.broadcast_to(np.asarray(response_window, dtype=np.int64), (out.shape[0], 2))
    start, stop = windows[:, :1], windows[:, 1:]
    bins = np.arange(out.shape[1])
    above = out >= threshold
    inside = (bins >= start) & (bins < stop)
    early = above & ~inside
    premature = early.any(axis=1)
    premature_bin = np.where(premature, early.argmax(axis=1), -1)
    in_window = above & inside
    crossed = in_window.any(axis=1)
    latency = np.where(crossed, (in_window.argmax(axis=1) - start[:, 0]).astype(np.float64), np.nan)
    return {
        "premature": premature,
        "premature_bin": premature_bin.astype(np.int64),
        "early": (early & (bins < start)).any(axis=1),
        "latency": latency,
        "peak_output": np.where(inside, out, -np.inf).max(axis=1),
    }


def summarise_timing(scored: pd.DataFrame) -> pd.DataFrame:
    """Per trial type and overall: premature_rate, early_rate, mean latency (of trials that crossed), mean peak output."""

    def agg(frame: pd.DataFrame) -> dict:
        return {
            "premature_rate": float(frame["premature"].mean()),
            "early_rate": float(frame["early"].mean()),
            "latency": float(frame["latency"].mean()) if frame["latency"].notna().any() else float("nan"),
            "peak_output": float(frame["peak_output"].mean()),
        }

    rows = [{"trial_type": str(name), **agg(sub)} for name, sub in scored.groupby("trial_type", sort=True)]
    rows.append({"trial_type": "all", **agg(scored)})
    return pd.DataFrame(rows)
