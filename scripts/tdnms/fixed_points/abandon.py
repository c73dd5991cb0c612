"""Giving up states that slide into a local minimum of ``q`` too high to be kept."""

from __future__ import annotations

import numpy as np

from .iterates import STALLED, Iterates
from .options import FixedPointOptions


class GiveUp:
    """The two rules of :class:`FixedPointOptions` (``abandon_q`` with ``patience`` /
    ``stagnation``, and with ``stall_window`` / ``stall_fraction``), applied after
    every iteration to states whose ``q`` is still above ``abandon_q``."""

    def __init__(self, q: np.ndarray, options: FixedPointOptions):
        n = q.shape[0]
        self.options = options
        self.checkpoint_q = q.copy()
        self.age = np.zeros(n, dtype=np.int64)  # iterations since checkpoint_q was taken
        self.q_down = np.full((n, options.stall_window), np.inf)  # q before each of the last accepted steps
        self.n_down = np.zeros(n, dtype=np.int64)

    def update(self, it: Iterates, idx: np.ndarray, q_before: np.ndarray) -> None:
        """Record the iteration of the states ``idx`` (``q_before``: their q before it) and retire the hopeless."""
        self._stalled_steps(it, idx, q_before)
        self._no_progress(it, idx)

    def _stalled_steps(self, it, idx, q_before):
        # Only accepted steps count: states crossing a plateau alternate rejected LM
        # steps with accepted ones of a few %.
        window, opts = self.options.stall_window, self.options
        went_down = idx[it.q[idx] < q_before]
        slot = self.n_down[went_down] % window
        self.q_down[went_down, slot] = q_before[it.q[idx] < q_before]
        self.n_down[went_down] += 1
        full = went_down[self.n_down[went_down] >= window]
        oldest = self.q_down[full, self.n_down[full] % window]
        stuck = full[
            it.active[full] & (it.q[full] > opts.abandon_q) & (it.q[full] > (1.0 - opts.stall_fraction) * oldest)
        ]
        it.retire(stuck, STALLED)

    def _no_progress(self, it, idx):
        opts = self.options
        self.age[idx] += 1
        due = idx[self.age[idx] >= opts.patience]
        hopeless = due[
            it.active[due]
            & (it.q[due] > opts.abandon_q)
            & (it.q[due] > (1.0 - opts.stagnation) * self.checkpoint_q[due])
        ]
        it.retire(hopeless, STALLED)
        self.checkpoint_q[due] = it.q[due]
        self.age[due] = 0
