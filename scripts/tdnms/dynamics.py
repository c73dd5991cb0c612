"""Fixed points of a trained network under constant input conditions.

Glue between the workflow and :mod:`tdnms.fixed_points`: initial states are
sampled from the network's own noise-free trajectories (where the dynamics that
matter live), jittered a little, and the finder runs once per input condition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fixed_points as fp
from .analysis import states_from_frame


def sample_initial_states(hidden: pd.DataFrame, n: int, noise: float, seed: int) -> np.ndarray:
    """``n`` states drawn (without replacement when possible) from a hidden-state table, plus jitter."""
    states = states_from_frame(hidden)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(states), size=n, replace=n > len(states))
    return states[idx] + noise * rng.standard_normal((n, states.shape[1]))


def fixed_points_by_condition(params: dict, initial_states: np.ndarray, conditions: dict, **options):
    """Run the finder under each named constant input; returns (points, eigenvalues) tables.

    ``point_id`` is unique across conditions; both tables carry a ``condition`` column.
    """
    points, eigen, offset = [], [], 0
    for name, vector in conditions.items():
        u = np.asarray(vector, dtype=np.float64)
        if u.shape != (params["W_in"].shape[0],):
            raise ValueError(
                f"analysis.fixed_points.conditions.{name}: expected {params['W_in'].shape[0]} input values "
                f"(light, odor), got {list(vector)}"
            )
        found = fp.find_fixed_points(
            params["W_in"], params["W_rec"], params["b"], params["gamma"], u, initial_states, **options
        )
        eig = fp.eigen_table(found, params["W_in"], params["W_rec"], params["b"], params["gamma"])
        found["point_id"] += offset
        eig["point_id"] += offset
        offset += len(found)
        found.insert(0, "condition", name)
        eig.insert(0, "condition", name)
        points.append(found)
        eigen.append(eig)
    return pd.concat(points, ignore_index=True), pd.concat(eigen, ignore_index=True)


def count_by_kind(points: pd.DataFrame) -> pd.DataFrame:
    """Number of points per (condition, kind), zero-filled over the four kinds."""
    kinds = ["stable", "saddle", "unstable", "slow"]
    counts = points.groupby(["condition", "kind"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=kinds, fill_value=0)
    return counts.reset_index().melt(id_vars="condition", var_name="kind", value_name="count")
