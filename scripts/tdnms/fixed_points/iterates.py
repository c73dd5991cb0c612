"""The per-state arrays of the Newton phase, and the two ways a state changes: an
accepted move and retirement with a status."""

from __future__ import annotations

import numpy as np

from .leaky_map import ResidualMap
from .options import FixedPointOptions

# Refinement status per initial state (RefineResult.status).
CONVERGED, STALLED, MAX_ITERATIONS = 0, 1, 2


class Iterates:
    """States ``h`` (n, N) as rows with ``t = tanh(z)``, ``r = F(h) - h``, ``q``, the drive
    ``c = u W_in + b`` and input id of each, whether each is still ``active``, its
    ``status``, its LM damping ``lam`` (0: Newton steps) and growth ``nu``, and its
    previous LM step ``last_d``. ``fresh`` collects states retired as converged
    since the chord steps last looked (they become known points)."""

    def __init__(self, net: ResidualMap, h, t, r, q, c, input_id, options: FixedPointOptions):
        self.net, self.h, self.t, self.r, self.q, self.c = net, h, t, r, q, c
        self.iid = input_id
        self.q_tol = options.q_tolerance
        self.polish_gain, self.polish_floor = options.polish_gain, options.polish_floor
        n = h.shape[0]
        self.active = np.ones(n, dtype=bool)
        self.status = np.full(n, MAX_ITERATIONS, dtype=np.int8)
        self.lam = np.zeros(n)
        self.nu = np.full(n, 2.0)
        self.last_d = np.zeros_like(h)
        self.fresh = []

    def retire(self, g, status):
        """Stop the states ``g`` with ``status``."""
        self.active[g] = False
        self.status[g] = status
        if status == CONVERGED:
            self.fresh.append(np.atleast_1d(g))

    def accept(self, g, h_new, t_new, r_new, q_new, q_old):
        """Store accepted moves of the states ``g``; retire those below ``q_tol`` whose last
        step no longer paid (gain under 1/polish_gain) or that are far below the tolerance."""
        if g.size == 0:
            return
        self.h[g], self.t[g], self.r[g], self.q[g] = h_new, t_new, r_new, q_new
        done = (q_new < self.q_tol) & ((q_new > self.polish_gain * q_old) | (q_new < self.polish_floor * self.q_tol))
        self.retire(g[done], CONVERGED)

    def retire_by_q(self, g):
        """Retire the states ``g`` as CONVERGED if below ``q_tol`` (at the round-off floor), else STALLED."""
        conv = self.q[g] < self.q_tol
        self.retire(g[conv], CONVERGED)
        self.retire(g[~conv], STALLED)
