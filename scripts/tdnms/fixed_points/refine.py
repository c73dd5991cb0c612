"""Refinement of every initial state to a nearby zero (or minimum) of ``q``."""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .blas import single_blas_thread
from .checks import check_inputs, check_network, check_states
from .descent import descend
from .iterates import CONVERGED, Iterates
from .leaky_map import ResidualMap
from .options import FixedPointOptions, resolve
from .solver import NewtonSolver


class RefineResult(NamedTuple):
    """Per-initial-state outcome of :func:`refine_states`.

    states (n, N) final states; q (n,) final speeds; status (n,) int8, one of
    ``CONVERGED`` (0: q < q_tolerance), ``STALLED`` (1: no step lowers q any more, a
    stationary point of q such as a slow point, or given up above ``abandon_q``) and
    ``MAX_ITERATIONS`` (2: still improving at the iteration limit); inputs (n,
    n_inputs) the input of each state; descent_iterations / newton_iterations:
    iterations run by each phase (the probe's not counted).
    """

    states: np.ndarray
    q: np.ndarray
    status: np.ndarray
    inputs: np.ndarray
    descent_iterations: int
    newton_iterations: int


def refine_states(
    W_in,
    W_rec,
    b,
    gamma,
    inputs,
    initial_states,
    *,
    options: FixedPointOptions | None = None,
    callback: Callable[[str, int, np.ndarray], None] | None = None,
    **changes,
) -> RefineResult:
    """Move every initial state to a nearby zero (or minimum) of ``q``; no deduplication.

    The optimiser behind :func:`find_fixed_points`, for diagnostics and benchmarks.
    ``W_in, W_rec, b, gamma`` as in :func:`leaky_map`; ``inputs`` (n_inputs,) or one
    per state (n, n_inputs); ``initial_states`` (n, N), n >= 1. ``options`` (default
    :class:`FixedPointOptions`) with any of its fields given as keywords instead;
    here ``abandon_q=None`` (the default) never gives a state up. ``callback(phase,
    iteration, q)`` runs after every iteration, ``phase`` "descent" or "newton", with
    the current (n,) q (do not keep or modify it; the probe's iterations are not
    reported). Returns a :class:`RefineResult`, one entry per initial state.
    """
    W_in, W_rec, b, gamma = check_network(W_in, W_rec, b, gamma)
    H0 = check_states("initial_states", initial_states, W_rec.shape[0])
    if H0.shape[0] == 0:
        raise ValueError("initial_states: expected at least one state")
    U = check_inputs("inputs", inputs, H0.shape[0], W_in.shape[0])
    opts = resolve(options, changes)
    with single_blas_thread():
        return _refine(ResidualMap(W_rec, gamma), U @ W_in + b, U, H0, opts, callback)


def _refine(net: ResidualMap, c, U, H0, opts: FixedPointOptions, callback) -> RefineResult:
    h = H0.copy()
    if opts.jitter > 0:
        h += np.random.default_rng(opts.seed).normal(scale=opts.jitter, size=h.shape)
    # Every fixed point lies in the open cube (-1, 1)^N (it equals a tanh), so projecting
    # iterates onto the closed cube never excludes a solution and keeps wild early steps
    # from leaving the region where the model is meaningful.
    np.clip(h, -1.0, 1.0, out=h)
    t, r, q = net.residual(h, c)
    n_descent = descend(net, h, t, r, q, c, opts, callback)
    it = Iterates(net, h, t, r, q, c, input_ids(U), opts)
    n_newton = NewtonSolver(it, opts).run(callback)
    status = it.status
    status[it.active & (it.q < opts.q_tolerance)] = CONVERGED
    return RefineResult(it.h, it.q, status, np.asarray(U), n_descent, n_newton)


def input_ids(U: np.ndarray) -> np.ndarray:
    """Integer id per distinct input row of ``U`` (n, n_inputs), numbered in order of first appearance."""
    _, first, inverse = np.unique(U, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse]
