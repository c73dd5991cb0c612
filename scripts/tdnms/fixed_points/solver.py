"""The Newton phase: batched Newton / Levenberg-Marquardt / chord iteration."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .abandon import GiveUp
from .chord import ChordSteps
from .damped import lm_step
from .iterates import Iterates
from .newton import newton_step
from .options import FixedPointOptions


class NewtonSolver:
    """Drives every active state towards a zero of ``q``, one outer iteration at a time.

    Per iteration each active state first tries chord steps (:class:`ChordSteps`); a
    state that did not move takes a Newton step (:func:`newton_step`) or, while its
    damping ``lam`` is positive, an LM step (:func:`lm_step`). Newly converged points
    are then factorised for chord steps, and with ``abandon_q`` hopeless states are
    given up (:class:`GiveUp`). ``abandon_q`` is the level already resolved by the caller.
    """

    def __init__(self, it: Iterates, options: FixedPointOptions):
        self.it, self.options = it, options
        self.chord = ChordSteps(it.h.shape[0], options)
        self.give_up = GiveUp(it.q, options) if options.abandon_q is not None else None

    def iterate(self, subset: np.ndarray | None = None) -> None:
        """One outer iteration for the active states (of ``subset``, if given)."""
        it = self.it
        idx = np.flatnonzero(it.active) if subset is None else subset[it.active[subset]]
        q_before = it.q[idx].copy()
        moved = self.chord.sweep(it, idx)
        rest = idx[~moved & it.active[idx]]
        lm = it.lam[rest] > 0
        newton = rest[~lm]
        chunk = self.options.newton_chunk
        for start in range(0, newton.size, chunk):
            newton_step(it, newton[start : start + chunk], self.options)
        if lm.any():
            lm_step(it, rest[lm], self.options)
        self.chord.register(it)
        if self.give_up is not None:
            self.give_up.update(it, idx, q_before)

    def probe(self) -> None:
        """Refine ``probe_size`` evenly spaced states first, so that chord steps have points.

        Only with more than ``probe_min_states`` states; stops once the probe has found
        points and then no new one for ``probe_idle`` iterations (its other states go
        on with everyone else). Not counted as iterations.
        """
        opts, n = self.options, self.it.h.shape[0]
        if n <= opts.probe_min_states:
            return
        subset = np.unique(np.linspace(0, n - 1, opts.probe_size).round().astype(np.int64))
        known, idle = 0, 0
        for _ in range(opts.newton_iterations):
            if not self.it.active[subset].any():
                break
            self.iterate(subset)
            idle = idle + 1 if len(self.chord.known_h) == known else 0
            known = len(self.chord.known_h)
            if known and idle >= opts.probe_idle:
                break

    def run(self, callback: Callable[[str, int, np.ndarray], None] | None = None) -> int:
        """The probe, then up to ``newton_iterations`` iterations; returns the iterations run."""
        self.probe()
        n_newton = 0
        for step in range(self.options.newton_iterations):
            if not self.it.active.any():
                break
            n_newton = step + 1
            self.iterate()
            if callback is not None:
                callback("newton", step, self.it.q)
        return n_newton
