"""Levenberg-Marquardt steps ``(A^T A + mu I) d = -A^T r``, ``A = J - I``, solved
matrix-free by single-precision conjugate gradients."""

from __future__ import annotations

import numpy as np

from .iterates import Iterates
from .leaky_map import ResidualMap
from .options import FixedPointOptions


def cg_directions(
    net: ResidualMap, s: np.ndarray, grad: np.ndarray, mu: np.ndarray, x0=None, *, iterations=10, tolerance=1e-3
) -> np.ndarray:
    """Approximate solutions ``d`` (rows) of ``(A^T A + mu I) d = -grad`` by conjugate gradients.

    ``s`` (n, N) is ``1 - tanh(z)^2``, ``grad`` (n, N) the gradient ``A^T r``, ``mu``
    (n,) the damping, ``x0`` (n, N) or None the starting guess (the state's previous
    step: consecutive steps along a curved valley of ``q`` point much the same way).
    At most ``iterations`` iterations, stopping a row at relative residual
    ``tolerance``. Runs in float32 (the step is accepted or rejected on ``q`` in
    float64) on right-hand sides scaled to unit norm, so tiny gradients do not
    underflow; a starting guess that overflows after the scaling is replaced by zero.
    """
    s32 = s.astype(np.float32)
    norm = np.linalg.norm(grad, axis=1)
    norm = np.where(norm > 0, norm, 1.0)
    mu32 = mu.astype(np.float32)[:, None]

    def normal_mul(x):  # (A^T A + mu I) x for row-stored float32 x
        return net.at_mul(s32, net.a_mul(s32, x)) + mu32 * x

    res = (-grad / norm[:, None]).astype(np.float32)
    stop = np.float32(tolerance**2) * np.einsum("ki,ki->k", res, res)
    d = np.zeros(grad.shape, dtype=np.float32)
    if x0 is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            start = (x0 / norm[:, None]).astype(np.float32)
        start[~np.all(np.isfinite(start), axis=1)] = 0.0
        d = start
        res -= normal_mul(d)
    p = res.copy()
    rr = np.einsum("ki,ki->k", res, res)
    live = rr > 0
    for _ in range(iterations):
        Mp = normal_mul(p)
        pMp = np.einsum("ki,ki->k", p, Mp)
        alpha = np.where(live, rr / np.where(pMp > 0, pMp, 1.0), 0.0).astype(np.float32)
        d += alpha[:, None] * p
        res -= alpha[:, None] * Mp
        rr_new = np.einsum("ki,ki->k", res, res)
        live &= (rr_new > stop) & (pMp > 0)
        if not live.any():
            break
        beta = np.where(live, rr_new / np.where(rr > 0, rr, 1.0), 0.0).astype(np.float32)
        p = res + beta[:, None] * p
        rr = rr_new
    return d.astype(np.float64) * norm[:, None]


def lm_step(it: Iterates, idx: np.ndarray, options: FixedPointOptions) -> None:
    """One Levenberg-Marquardt step for the states ``idx`` (all with ``lam > 0``).

    The damping is ``mu = lam ||A||_F^2 / N``. States at a stationary point of ``q``
    (``||A^T r||`` below ``stationary`` times ``||A|| ||r||``) stop. Damping follows
    Nielsen's rule: after a success ``lam`` shrinks by ``max(1/3, 1 - (2 rho - 1)^3)``,
    rho being the ratio of actual to predicted decrease of ``q``; after a failure it
    grows by ``nu``, which doubles on consecutive failures.
    """
    net = it.net
    ti, ri, qi, hi = it.t[idx], it.r[idx], it.q[idx], it.h[idx]
    s = 1.0 - ti * ti
    grad = net.at_mul(s, ri)
    scale = net.squared_norms(s)
    ratio = np.linalg.norm(grad, axis=1) / (np.sqrt(scale) * np.sqrt(2.0 * qi) + 1e-300)
    stuck = ratio < options.stationary
    if stuck.any():
        it.retire_by_q(idx[stuck])
        keep = ~stuck
        idx, s, grad, scale, ri, qi, hi = (x[keep] for x in (idx, s, grad, scale, ri, qi, hi))
        if idx.size == 0:
            return
    d = cg_directions(
        net,
        s,
        grad,
        it.lam[idx] * scale,
        it.last_d[idx],
        iterations=options.cg_iterations,
        tolerance=options.cg_tolerance,
    )
    it.last_d[idx] = d
    h_try = np.clip(hi + d, -1.0, 1.0)
    t_try, r_try, q_try = net.residual(h_try, it.c[idx])
    lin = ri + net.a_mul(s, h_try - hi)
    predicted = qi - 0.5 * np.einsum("ki,ki->k", lin, lin)
    rho = (qi - q_try) / np.maximum(predicted, 1e-300)
    ok = (q_try < qi) & (rho > 0)
    g_ok = idx[ok]
    it.accept(g_ok, h_try[ok], t_try[ok], r_try[ok], q_try[ok], qi[ok])
    it.lam[g_ok] *= np.maximum(1.0 / 3.0, 1.0 - (2.0 * np.minimum(rho[ok], 1.0) - 1.0) ** 3)
    it.nu[g_ok] = 2.0
    it.lam[g_ok[it.lam[g_ok] < options.lm_min]] = 0.0
    g_bad = idx[~ok]
    it.lam[g_bad] *= it.nu[g_bad]
    it.nu[g_bad] *= 2.0
    it.retire_by_q(g_bad[it.lam[g_bad] > options.lm_max])
