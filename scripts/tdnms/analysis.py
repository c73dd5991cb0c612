"""Hidden-state tables and their principal components (NumPy / scikit-learn only, no TensorFlow)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .task import TrialSet


def unit_columns(n_units: int) -> list[str]:
    width = max(3, len(str(n_units - 1)))
    return [f"h{i:0{width}d}" for i in range(n_units)]


def _row_index(trials: TrialSet) -> pd.DataFrame:
    """(sequence, trial, time_bin, trial_type) for every row of a (n, T) array flattened."""
    spec = trials.spec
    n, k = trials.trial_types.shape
    t = spec.n_bins
    return pd.DataFrame(
        {
            "sequence": np.repeat(np.arange(n, dtype=np.int32), k * t),
            "trial": np.tile(np.repeat(np.arange(k, dtype=np.int32), t), n),
            "time_bin": np.tile(np.arange(t, dtype=np.int32), n * k),
            "trial_type": np.repeat(trials.trial_types.reshape(-1), t).astype(str),
        }
    )


def hidden_frame(hidden: np.ndarray, outputs: np.ndarray, trials: TrialSet) -> pd.DataFrame:
    """Wide table: one row per (sequence, trial, time bin), one column per unit."""
    n, T, units = hidden.shape
    frame = _row_index(trials)
    frame["output"] = outputs.reshape(-1).astype(np.float32)
    states = pd.DataFrame(hidden.reshape(n * T, units).astype(np.float32), columns=unit_columns(units))
    return pd.concat([frame, states], axis=1)


def states_from_frame(frame: pd.DataFrame) -> np.ndarray:
    """The (rows, units) state matrix of a :func:`hidden_frame` table."""
    cols = [c for c in frame.columns if c.startswith("h") and c[1:].isdigit()]
    return frame[cols].to_numpy(dtype=np.float64)


def fit_pca(frame: pd.DataFrame, n_components: int = 3):
    """Fit PCA on every hidden state of the table.

    Returns (projections, explained, components) DataFrames. ``components`` is
    long: one row per (component, unit) with the loading; the row set with
    component "mean" holds the centring vector, so any state h projects as
    ``(h - mean) @ loadings.T``.
    """
    from sklearn.decomposition import PCA

    states = states_from_frame(frame)
    n_components = min(n_components, states.shape[1], states.shape[0])
    pca = PCA(n_components=n_components, svd_solver="full")
    scores = pca.fit_transform(states)
    names = [f"PC{i + 1}" for i in range(n_components)]
    projections = frame[["sequence", "trial", "time_bin", "trial_type"]].copy()
    for i, name in enumerate(names):
        projections[name] = scores[:, i]
    explained = pd.DataFrame(
        {
            "component": names,
            "explained_variance": pca.explained_variance_,
            "explained_variance_ratio": pca.explained_variance_ratio_,
        }
    )
    units = states.shape[1]
    loadings = np.vstack([pca.mean_[None], pca.components_])
    components = pd.DataFrame(
        {
            "component": np.repeat(["mean"] + names, units),
            "unit": np.tile(np.arange(units, dtype=np.int32), n_components + 1),
            "loading": loadings.reshape(-1),
        }
    )
    return projections, explained, components


def projector(components: pd.DataFrame):
    """A function mapping states (n, units) to PC scores (n, k) from a components table."""
    wide = components.pivot(index="component", columns="unit", values="loading")
    mean = wide.loc["mean"].to_numpy()
    names = sorted((c for c in wide.index if c != "mean"), key=lambda c: int(c[2:]))
    basis = wide.loc[names].to_numpy()
    return lambda states: (np.asarray(states) - mean) @ basis.T


def trial_tensor(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-trial arrays of a :func:`hidden_frame` table.

    Returns ``states`` (n_trials, n_bins, units) float64, ``outputs``
    (n_trials, n_bins) and ``trial_types`` (n_trials,) str, trials ordered by
    (sequence, trial). Raises ValueError if some trial lacks bins.
    """
    frame = frame.sort_values(["sequence", "trial", "time_bin"], kind="stable")
    n_bins = int(frame["time_bin"].max()) + 1
    if len(frame) % n_bins:
        raise ValueError(f"hidden-state table: {len(frame)} rows is not a whole number of {n_bins}-bin trials")
    n_trials = len(frame) // n_bins
    states = states_from_frame(frame).reshape(n_trials, n_bins, -1)
    outputs = frame["output"].to_numpy(dtype=np.float64).reshape(n_trials, n_bins)
    trial_types = frame["trial_type"].to_numpy().astype(str).reshape(n_trials, n_bins)[:, 0]
    return states, outputs, trial_types
