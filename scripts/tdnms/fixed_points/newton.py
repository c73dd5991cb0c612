"""Newton steps ``(J - I) d = -(F(h) - h)`` with Armijo backtracking on ``q``."""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from .iterates import CONVERGED, Iterates
from .leaky_map import ResidualMap
from .options import FixedPointOptions


def newton_directions(net: ResidualMap, t: np.ndarray, r: np.ndarray, coarse=None) -> np.ndarray:
    """Newton directions ``d = -A^{-1} r`` (rows), one LAPACK solve per state.

    ``t`` (n, N) is ``tanh(z)`` and ``r`` (n, N) the residual of each state. States
    flagged in ``coarse`` (n,) bool are solved in single precision (sgesv on a unit
    right-hand side, so that small residuals do not underflow): exact to about
    ``1e-7 cond(A)`` relative, an inexact Newton step; the rest in double precision.
    ``A^T = gamma (W_rec * s - I)`` built in C order is ``A`` in Fortran order, so
    LAPACK takes it without a copy. A singular ``A`` gives a row of NaN.
    """
    s = 1.0 - t * t
    gamma = net.gamma
    d = np.full(r.shape, np.nan)
    diag = net.diag
    for k in range(r.shape[0]):
        if coarse is not None and coarse[k]:
            norm = np.sqrt(r[k] @ r[k])
            AT = net.W32 * np.float32(gamma * s[k])
            AT[diag, diag] -= np.float32(gamma)
            _, _, x, info = lapack.sgesv(AT.T, (-r[k] / norm).astype(np.float32), overwrite_a=True)
            if info == 0 and np.all(np.isfinite(x)):
                d[k] = x * norm
                continue
        AT = net.W * (gamma * s[k])
        AT[diag, diag] -= gamma
        _, _, x, info = lapack.dgesv(AT.T, -r[k], overwrite_a=True, overwrite_b=False)
        if info == 0:
            d[k] = x
    return d


def newton_step(it: Iterates, idx: np.ndarray, options: FixedPointOptions) -> None:
    """One Newton step with Armijo backtracking for the states ``idx`` (all with ``lam == 0``).

    A singular ``A`` or a failed line search switches the state to LM steps
    (``lam = lm_first``); a failed state already below ``q_tolerance`` is at the
    round-off floor and retires as converged.
    """
    ri, qi, hi = it.r[idx], it.q[idx], it.h[idx]
    d = newton_directions(it.net, it.t[idx], ri, qi > options.coarse_q)
    fine = np.all(np.isfinite(d), axis=1)
    it.lam[idx[~fine]] = options.lm_first
    newton = np.flatnonzero(fine)
    if newton.size == 0:
        return
    alpha = np.ones(newton.size)
    pending = np.arange(newton.size)
    for _ in range(options.backtracks):
        k = newton[pending]
        h_try = np.clip(hi[k] + alpha[pending, None] * d[k], -1.0, 1.0)
        t_try, r_try, q_try = it.net.residual(h_try, it.c[idx[k]])
        ok = q_try <= qi[k] * (1.0 - options.armijo * alpha[pending])
        it.accept(idx[k[ok]], h_try[ok], t_try[ok], r_try[ok], q_try[ok], qi[k[ok]])
        pending = pending[~ok]
        if pending.size == 0:
            return
        alpha[pending] *= 0.5
    failed = idx[newton[pending]]
    floor = it.q[failed] < it.q_tol
    it.retire(failed[floor], CONVERGED)
    it.lam[failed[~floor]] = options.lm_first
    it.nu[failed[~floor]] = 2.0
