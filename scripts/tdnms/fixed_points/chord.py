"""Chord (simplified Newton) steps with the LU factors of ``J - I`` at known fixed points.

Once a state has converged to a fixed point P, the factors of ``A(P) = J(P) - I`` are
kept, and the other active states of the same input first try
``d = -A(P)^{-1} r(h)`` towards their nearest known point: two triangular solves,
O(N^2), instead of a fresh O(N^3) factorisation. A step is kept only if it lowers
``q``, so it cannot carry a state away from a zero it is already close to, and a
state still has to reach ``q_tolerance`` by its own iterates (nothing is snapped).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lu_factor, lu_solve

from .iterates import CONVERGED, Iterates
from .options import FixedPointOptions


class ChordSteps:
    """Known points (state, input id, LU factors) and each state's last failed chord attempt."""

    def __init__(self, n: int, options: FixedPointOptions):
        self.options = options
        self.known_h, self.known_iid, self.known_lu = [], [], []
        self.failed_q = np.full(n, np.inf)  # q when the last chord attempt failed (inf: none)
        self.known_at_failure = np.zeros(n, dtype=np.int64)

    def register(self, it: Iterates) -> None:
        """Factorise ``A`` at states newly converged to a point not yet known."""
        if not it.fresh:
            return
        g = np.unique(np.concatenate(it.fresh))
        it.fresh = []
        for i in g[np.argsort(it.q[g], kind="stable")]:
            if self.known_h:
                same = np.flatnonzero(np.asarray(self.known_iid) == it.iid[i])
                if same.size and (
                    np.min(np.max(np.abs(np.asarray(self.known_h)[same] - it.h[i]), axis=1))
                    < self.options.known_point_tolerance
                ):
                    continue
            A = it.net.a_matrices(it.t[i][None])[0]
            lu, piv = lu_factor(A, check_finite=False)
            if not np.all(np.isfinite(lu)) or np.min(np.abs(np.diag(lu))) == 0.0:
                continue
            self.known_h.append(it.h[i].copy())
            self.known_iid.append(it.iid[i])
            self.known_lu.append((lu, piv))

    def sweep(self, it: Iterates, idx: np.ndarray) -> np.ndarray:
        """Chord steps for the states ``idx``; returns which of them moved.

        A state whose last attempt failed retries only once ``q`` fell below
        ``chord_retry`` times its value then, or a new point is known: the same
        step would fail again.
        """
        moved = np.zeros(idx.size, dtype=bool)
        if not self.known_h or idx.size == 0:
            return moved
        retry = (
            np.isinf(self.failed_q[idx])
            | (it.q[idx] < self.options.chord_retry * self.failed_q[idx])
            | (self.known_at_failure[idx] < len(self.known_h))
        )
        sub = np.flatnonzero(retry)
        moved[sub] = self._towards_nearest(it, idx[sub])
        return moved

    def _towards_nearest(self, it: Iterates, idx: np.ndarray) -> np.ndarray:
        """Group the states ``idx`` by nearest known point of their input and step towards it."""
        moved = np.zeros(idx.size, dtype=bool)
        if idx.size == 0:
            return moved
        P = np.asarray(self.known_h)
        X = it.h[idx]
        d2 = np.einsum("ij,ij->i", X, X)[:, None] + np.einsum("ij,ij->i", P, P)[None, :] - 2.0 * X @ P.T
        d2[it.iid[idx][:, None] != np.asarray(self.known_iid)[None, :]] = np.inf
        nearest = np.argmin(d2, axis=1)
        has = np.isfinite(d2[np.arange(idx.size), nearest])
        pos = np.arange(idx.size)
        for j in np.unique(nearest[has]):
            members = pos[has & (nearest == j)]
            for _ in range(self.options.chord_steps):
                ok = self._step(it, idx[members], self.known_lu[j])
                moved[members[ok]] = True
                members = members[ok & it.active[idx[members]]]
                if members.size == 0:
                    break
        return moved

    def _step(self, it: Iterates, g: np.ndarray, lu) -> np.ndarray:
        """One chord step with up to ``chord_backtracks`` halvings; returns which of ``g`` moved."""
        D = lu_solve(lu, it.r[g].T, check_finite=False).T
        q_old = it.q[g]
        ok = np.zeros(g.size, dtype=bool)
        pending = np.arange(g.size)
        alpha = 1.0
        for _ in range(1 + self.options.chord_backtracks):
            k = pending
            h_try = np.clip(it.h[g[k]] - alpha * D[k], -1.0, 1.0)
            t_try, r_try, q_try = it.net.residual(h_try, it.c[g[k]])
            good = q_try < q_old[k]
            it.accept(g[k[good]], h_try[good], t_try[good], r_try[good], q_try[good], q_old[k[good]])
            ok[k[good]] = True
            pending = k[~good & (q_old[k] >= it.q_tol)]
            alpha *= 0.5
            if pending.size == 0:
                break
        it.retire(g[~ok & (q_old < it.q_tol)], CONVERGED)  # at the round-off floor already
        self.failed_q[g[~ok]] = q_old[~ok]
        self.known_at_failure[g[~ok]] = len(self.known_h)
        self.failed_q[g[ok]] = np.inf
        return ok
