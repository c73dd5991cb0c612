"""The optional first-order phase: per-state adaptive-step gradient descent on ``q``."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .leaky_map import ResidualMap, spectral_norm
from .options import FixedPointOptions


def descend(net: ResidualMap, h, t, r, q, c, options: FixedPointOptions, callback: Callable | None = None) -> int:
    """Up to ``options.max_iterations`` "bold driver" steps on the rows ``h`` (updated in
    place with ``t``, ``r``, ``q``); returns the iterations run.

    The first step is ``1 / ||A||^2`` (the Gauss-Newton curvature bound of ``q``,
    with ``||A||_2 <= gamma (||W_rec||_2 + 1)``); each state's step then grows by
    ``descent_grow`` after a decrease of ``q`` and shrinks by ``descent_shrink``
    (move rejected) otherwise. See :class:`FixedPointOptions` for when states and
    the phase stop.
    """
    n = h.shape[0]
    eta0 = 1.0 / (net.gamma * (spectral_norm(net.W) + 1.0)) ** 2
    eta = np.full(n, eta0)
    stalled = np.zeros(n, dtype=bool)
    n_descent = 0
    history = []
    window = options.descent_window
    for step in range(options.max_iterations):
        idx = np.flatnonzero((q >= options.descent_q) & ~stalled)
        if idx.size == 0:
            break
        history.append(q[idx].sum())
        if len(history) > window and history[-1] > options.descent_progress * history[-1 - window]:
            break
        n_descent = step + 1
        h_try = h[idx] - net.gradient(t[idx], r[idx]) * eta[idx, None]
        np.clip(h_try, -1.0, 1.0, out=h_try)
        t_try, r_try, q_try = net.residual(h_try, c[idx])
        ok = q_try < q[idx]
        acc = idx[ok]
        h[acc], t[acc], r[acc], q[acc] = h_try[ok], t_try[ok], r_try[ok], q_try[ok]
        eta[acc] *= options.descent_grow
        rej = idx[~ok]
        eta[rej] *= options.descent_shrink
        stalled[rej[eta[rej] < options.descent_min_step * eta0]] = True
        if callback is not None:
            callback("descent", step, q)
    return n_descent
