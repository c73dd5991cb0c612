"""Speed of the noise-free dynamics along the test trajectories.

For the state ``h_t`` a trajectory reaches at bin t (after bin t's input) and
that bin's input ``x_t``, ``q_t = 1/2 ||F(h_t, x_t) - h_t||^2`` with ``F`` the
noise-free leaky map of :mod:`tdnms.fixed_points`: how fast the state would
still move if the current input were held. ``q`` near zero marks a slow region
(a fixed or slow point of the current input condition) the trajectory sits in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fixed_points


def trajectory_speed(params: dict, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """``q`` (n_trials, T) for ``states`` (n_trials, T, units) and ``inputs`` (n_trials, T, n_inputs).

    ``params`` holds ``W_in``, ``W_rec``, ``b``, ``gamma`` as from
    :func:`tdnms.model.network_parameters`.
    """
    if states.shape[:2] != inputs.shape[:2]:
        raise ValueError(f"states {states.shape} and inputs {inputs.shape} disagree on (trials, bins)")
    n, T, units = states.shape
    q = fixed_points.speed(
        params["W_in"],
        params["W_rec"],
        params["b"],
        params["gamma"],
        states.reshape(n * T, units),
        inputs.reshape(n * T, -1).astype(np.float64),
    )
    return np.asarray(q).reshape(n, T)


def speed_table(q: np.ndarray, trial_types: np.ndarray) -> pd.DataFrame:
    """Per (trial type, time bin): median and quartiles of q and mean log10 q over trials."""
    n, T = q.shape
    frame = pd.DataFrame(
        {
            "trial_type": np.repeat(trial_types, T),
            "time_bin": np.tile(np.arange(T, dtype=np.int32), n),
            "q": q.reshape(-1),
            "log10_q": np.log10(np.maximum(q.reshape(-1), 1e-300)),
        }
    )
    grouped = frame.groupby(["trial_type", "time_bin"], sort=True)
    return grouped.agg(
        median_q=("q", "median"),
        q25=("q", lambda x: x.quantile(0.25)),
        q75=("q", lambda x: x.quantile(0.75)),
        mean_log10_q=("log10_q", "mean"),
    ).reset_index()
