"""Unique points from a batch of refined states: deduplication, outliers, stability, tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .blas import single_blas_thread
from .iterates import CONVERGED, MAX_ITERATIONS, STALLED
from .kinds import classify
from .leaky_map import jacobian
from .options import FixedPointOptions
from .refine import RefineResult, input_ids

POINT_COLUMNS = [
    "point_id",
    "input_id",
    "kind",
    "is_fixed_point",
    "q",
    "n_unstable",
    "max_abs_eigenvalue",
    "n_converged",
    "state",
    "input",
]


class FixedPoints:
    """The points found from one batch of initial states.

    Built from a :class:`RefineResult` and the initial states (n, N); the steps
    :meth:`deduplicate`, :meth:`drop_outliers` and :meth:`classify` run in that
    order (each returns ``self``), then :meth:`table` and :meth:`diagnostics` report.
    Attributes: ``states``, ``q``, ``status``, ``inputs`` and ``input_id`` per
    refined state; ``is_fixed`` (q < q_tolerance) and ``kept`` (fixed, or below
    ``slow_point_threshold``); ``representative`` (indices of one state per unique
    point) with ``n_converged`` (states merged into it); ``moduli`` (points, N) of the
    Jacobian's eigenvalues, computed once by :meth:`classify`.
    """

    def __init__(self, refined: RefineResult, initial_states: np.ndarray, options: FixedPointOptions):
        self.refined, self.initial_states, self.options = refined, initial_states, options
        self.states, self.q, self.status, self.inputs = refined.states, refined.q, refined.status, refined.inputs
        self.input_id = input_ids(self.inputs)
        self.is_fixed = self.q < options.q_tolerance
        self.kept = self.is_fixed.copy()
        if options.slow_point_threshold is not None:
            self.kept |= self.q < options.slow_point_threshold
        self.representative = np.zeros(0, dtype=np.int64)
        self.n_converged = np.zeros(0, dtype=np.int64)
        self.n_outliers = 0
        self.moduli = None
        self.seconds = None

    def deduplicate(self) -> FixedPoints:
        """Merge states into unique points per input: fixed points first (lowest q leads a
        cluster of radius ``unique_tolerance``), then slow points join a fixed point within
        ``slow_unique_tolerance`` or form their own clusters."""
        rows = []
        for iid in np.unique(self.input_id):
            rows.extend(self._unique_of_input(iid))
        self.representative = np.array([L for L, _ in rows], dtype=np.int64)
        self.n_converged = np.array([k for _, k in rows], dtype=np.int64)
        return self

    def _unique_of_input(self, iid) -> list:
        """(representative, members) per unique point of the input ``iid``."""
        H, q, opts = self.states, self.q, self.options
        fixed_idx = np.flatnonzero((self.input_id == iid) & self.is_fixed)
        slow_idx = np.flatnonzero((self.input_id == iid) & self.kept & ~self.is_fixed)
        leaders, counts = [], {}
        if fixed_idx.size:
            lead = fixed_idx[
                leader_clusters(H[fixed_idx], np.argsort(q[fixed_idx], kind="stable"), opts.unique_tolerance)
            ]
            for L, k in zip(*np.unique(lead, return_counts=True)):
                leaders.append(L)
                counts[L] = int(k)
        if slow_idx.size and leaders:
            dist, nearest = cKDTree(H[leaders]).query(H[slow_idx], p=np.inf)
            joined = dist <= opts.slow_unique_tolerance
            for j in nearest[joined]:
                counts[leaders[j]] += 1
            slow_idx = slow_idx[~joined]
        if slow_idx.size:
            order = np.argsort(q[slow_idx], kind="stable")
            lead = slow_idx[leader_clusters(H[slow_idx], order, opts.slow_unique_tolerance)]
            for L, k in zip(*np.unique(lead, return_counts=True)):
                leaders.append(L)
                counts[L] = int(k)
        return [(L, counts[L]) for L in leaders]

    def drop_outliers(self) -> FixedPoints:
        """Drop points farther than ``outlier_distance`` times the mean distance of the
        initial states from their centroid (nothing with None or zero spread)."""
        rep, distance = self.representative, self.options.outlier_distance
        if distance is None or not rep.size:
            return self
        centroid = self.initial_states.mean(axis=0)
        spread = np.linalg.norm(self.initial_states - centroid, axis=1).mean()
        if spread > 0:
            far = np.linalg.norm(self.states[rep] - centroid, axis=1) > distance * spread
            self.n_outliers = int(far.sum())
            self.representative, self.n_converged = rep[~far], self.n_converged[~far]
        return self

    def classify(self, W_in, W_rec, b, gamma) -> FixedPoints:
        """Eigenvalue moduli of the Jacobian at every point (the network of the refinement)."""
        rep = self.representative
        if rep.size:
            J = jacobian(W_in, W_rec, b, gamma, self.states[rep], self.inputs[rep])
            with single_blas_thread():
                self.moduli = np.abs(np.linalg.eigvals(J))
        else:
            self.moduli = np.zeros((0, np.shape(W_rec)[0]))
        return self

    def table(self) -> pd.DataFrame:
        """One row per point, columns :data:`POINT_COLUMNS` (see :func:`find_fixed_points`);
        ``attrs`` holds :meth:`diagnostics`."""
        rep, n_units = self.representative, self.states.shape[1]
        if rep.size:
            n_unstable, max_abs = (self.moduli > 1.0).sum(axis=1), self.moduli.max(axis=1)
        else:
            n_unstable, max_abs = np.zeros(0, dtype=np.int64), np.zeros(0)
        fixed_rep = self.is_fixed[rep]
        df = pd.DataFrame(
            {
                "input_id": self.input_id[rep].astype(np.int64),
                "kind": pd.Series(classify(n_unstable, n_units, fixed_rep).tolist(), dtype="str"),
                "is_fixed_point": fixed_rep.astype(bool),
                "q": self.q[rep].astype(np.float64),
                "n_unstable": n_unstable.astype(np.int64),
                "max_abs_eigenvalue": max_abs.astype(np.float64),
                "n_converged": self.n_converged.astype(np.int64),
                "state": pd.Series([row.tolist() for row in self.states[rep]], dtype=object),
                "input": pd.Series([row.tolist() for row in self.inputs[rep]], dtype=object),
            }
        )
        df = df.sort_values(
            ["input_id", "is_fixed_point", "n_converged", "q"], ascending=[True, False, False, True], kind="stable"
        ).reset_index(drop=True)
        df.insert(0, "point_id", np.arange(len(df), dtype=np.int64))
        df = df[POINT_COLUMNS]
        df.attrs.update(self.diagnostics())
        return df

    def diagnostics(self) -> dict:
        """Counts over the initial states and the iterations run (all ints), plus ``seconds`` if timed.

        ``n_initial_states``; ``n_unconverged``: states that ended neither at a fixed
        point nor at a kept slow point; ``n_outliers_dropped``: unique points dropped
        by :meth:`drop_outliers`; ``n_converged_states`` / ``n_stalled`` /
        ``n_max_iterations``: refinement status counts; ``descent_iterations`` /
        ``newton_iterations``: iterations of each phase.
        """
        out = {
            "n_initial_states": int(self.states.shape[0]),
            "n_unconverged": int(self.states.shape[0] - self.kept.sum()),
            "n_outliers_dropped": self.n_outliers,
            "n_converged_states": int((self.status == CONVERGED).sum()),
            "n_stalled": int((self.status == STALLED).sum()),
            "n_max_iterations": int((self.status == MAX_ITERATIONS).sum()),
            "descent_iterations": int(self.refined.descent_iterations),
            "newton_iterations": int(self.refined.newton_iterations),
        }
        if self.seconds is not None:
            out["seconds"] = self.seconds
        return out


def leader_clusters(points: np.ndarray, order: np.ndarray, tol: float) -> np.ndarray:
    """Greedy clustering in the max-norm: visit ``points`` (m, N) in ``order`` (best first);
    each unassigned point leads a cluster of every unassigned point within ``tol``.
    Returns the leader's index (m,) of each point."""
    leader = np.full(points.shape[0], -1, dtype=np.int64)
    if points.shape[0] == 0:
        return leader
    tree = cKDTree(points)
    for i in order:
        if leader[i] >= 0:
            continue
        near = np.asarray(tree.query_ball_point(points[i], tol, p=np.inf), dtype=np.int64)
        near = near[leader[near] < 0]
        leader[near] = i
        leader[i] = i
    return leader
