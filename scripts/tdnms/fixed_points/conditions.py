"""Fixed points of a trained network under the workflow's named constant inputs.

Initial states are sampled from the network's own noise-free trajectories (where the
dynamics that matter live), jittered a little, and the finder runs once per condition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis import states_from_frame
from .eigen import eigen_table
from .finder import locate_fixed_points
from .kinds import KINDS


def sample_initial_states(hidden: pd.DataFrame, n: int, noise: float, seed: int) -> np.ndarray:
    """``n`` states drawn (without replacement when possible) from a hidden-state table, plus
    Gaussian jitter of standard deviation ``noise``; ``numpy.random.default_rng(seed)``."""
    states = states_from_frame(hidden)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(states), size=n, replace=n > len(states))
    return states[idx] + noise * rng.standard_normal((n, states.shape[1]))


def fixed_points_by_condition(params: dict, initial_states: np.ndarray, conditions: dict, **options):
    """Run the finder under each named constant input.

    ``params`` as :func:`tdnms.parameters.read_parameters` returns; ``conditions`` maps a
    name to an input vector (n_inputs,); ``options`` go to :func:`find_fixed_points`.
    Returns ``(points, eigenvalues, diagnostics)``: the two tables with a ``condition``
    column and ``point_id`` unique across conditions, and one diagnostics row per
    condition (:meth:`FixedPoints.diagnostics` without the run time).
    """
    net = (params["W_in"], params["W_rec"], params["b"], params["gamma"])
    points, eigen, diagnostics, offset = [], [], [], 0
    for name, vector in conditions.items():
        u = np.asarray(vector, dtype=np.float64)
        if u.shape != (params["W_in"].shape[0],):
            raise ValueError(
                f"analysis.fixed_points.conditions.{name}: expected {params['W_in'].shape[0]} input values "
                f"(light, odor), got {list(vector)}"
            )
        result = locate_fixed_points(*net, u, initial_states, **options)
        found = result.table()
        found.attrs = {}
        eig = eigen_table(found, *net)
        found["point_id"] += offset
        eig["point_id"] += offset
        offset += len(found)
        found.insert(0, "condition", name)
        eig.insert(0, "condition", name)
        points.append(found)
        eigen.append(eig)
        row = {k: v for k, v in result.diagnostics().items() if k != "seconds"}
        diagnostics.append({"condition": name, **row})
    return pd.concat(points, ignore_index=True), pd.concat(eigen, ignore_index=True), pd.DataFrame(diagnostics)


def count_by_kind(points: pd.DataFrame) -> pd.DataFrame:
    """Number of points per (condition, kind), zero-filled over :data:`KINDS`, in that order."""
    counts = points.groupby(["condition", "kind"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(KINDS), fill_value=0)
    return counts.reset_index().melt(id_vars="condition", var_name="kind", value_name="count")


def fixed_points_from_config(params: dict, hidden: pd.DataFrame, options: dict):
    """The workflow's fixed-point run: initial states sampled from ``hidden``, then every condition.

    Args:
        params: network parameters (:func:`tdnms.parameters.read_parameters`).
        hidden: a hidden-state table (one row per trajectory state, unit columns ``h0..``).
        options: the config's ``analysis.fixed_points`` section.
    Returns:
        ``(points, eigenvalues, diagnostics)`` as :func:`fixed_points_by_condition`.
    """
    initial = sample_initial_states(
        hidden, options["n_initial_states"], options["initial_state_noise"], options["seed"]
    )
    return fixed_points_by_condition(
        params,
        initial,
        options["conditions"],
        q_tolerance=options["q_tolerance"],
        slow_point_threshold=options["slow_point_threshold"],
        seed=options["seed"],
    )
