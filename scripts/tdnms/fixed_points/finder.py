"""The finder: refine every initial state, merge duplicates, drop outliers, classify."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .checks import check_inputs, check_network, check_states
from .options import FixedPointOptions, resolve
from .refine import refine_states
from .result import FixedPoints


def locate_fixed_points(
    W_in, W_rec, b, gamma, inputs, initial_states, *, options: FixedPointOptions | None = None, **changes
) -> FixedPoints:
    """The pipeline behind :func:`find_fixed_points`, returning the :class:`FixedPoints`
    (arrays, diagnostics and the table) instead of only the table."""
    t_start = time.perf_counter()
    W_in, W_rec, b, gamma = check_network(W_in, W_rec, b, gamma)
    H0 = check_states("initial_states", initial_states, W_rec.shape[0])
    U = np.ascontiguousarray(check_inputs("inputs", inputs, H0.shape[0], W_in.shape[0]))
    opts = resolve(options, changes)
    refined = refine_states(W_in, W_rec, b, gamma, U, H0, options=opts.replace(abandon_q=_abandon_level(opts)))
    points = FixedPoints(refined, H0, opts).deduplicate().drop_outliers().classify(W_in, W_rec, b, gamma)
    points.seconds = time.perf_counter() - t_start
    return points


def _abandon_level(opts: FixedPointOptions) -> float:
    """States still above this cannot be kept, so they may be given up."""
    if opts.abandon_q is not None:
        return opts.abandon_q
    return opts.q_tolerance if opts.slow_point_threshold is None else opts.slow_point_threshold


def find_fixed_points(
    W_in, W_rec, b, gamma, inputs, initial_states, *, options: FixedPointOptions | None = None, **changes
) -> pd.DataFrame:
    """Unique fixed (and optionally slow) points of the noise-free leaky RNN map.

    Parameters
    ----------
    W_in, W_rec, b, gamma
        Network parameters as in :func:`tdnms.model.network_parameters`: ``W_in``
        (n_inputs, N), ``W_rec`` (N, N) acting as ``h @ W_rec``, ``b`` (N,),
        ``0 < gamma <= 1``.
    inputs
        One constant input (n_inputs,) (or (1, n_inputs)) shared by all initial
        states, or one per initial state (n, n_inputs). Each distinct input row gets
        an ``input_id`` (0, 1, ... in order of first appearance); points are found and
        deduplicated per input.
    initial_states
        (n, N) starting states, typically sampled from network trajectories.
    options, **changes
        A :class:`FixedPointOptions` (default: its defaults), and/or any of its fields
        as keywords (``q_tolerance``, ``slow_point_threshold``, ``unique_tolerance``,
        ``slow_unique_tolerance``, ``max_iterations``, ``newton_iterations``,
        ``outlier_distance``, ``jitter``, ``seed``, ...). Unless ``abandon_q`` is given,
        states are given up once they stall above ``slow_point_threshold`` (or
        ``q_tolerance`` when that is None).

    Returns
    -------
    pandas.DataFrame, one row per unique point, sorted by ``input_id``, then fixed
    points first, then ``n_converged`` (descending), then ``q``, with columns

    ``point_id`` (int, 0..k-1, the key of :func:`eigen_table`), ``input_id`` (int),
    ``kind`` (one of :data:`KINDS`), ``is_fixed_point`` (bool, ``q < q_tolerance``),
    ``q`` (float64), ``n_unstable`` (int, eigenvalues of the Jacobian with modulus
    > 1), ``max_abs_eigenvalue`` (float), ``n_converged`` (int, initial states that
    ended at this point), ``state`` (list of N floats) and ``input`` (list of
    n_inputs floats). ``df.attrs`` holds :meth:`FixedPoints.diagnostics`; use
    :func:`locate_fixed_points` to keep them with the arrays.
    """
    return locate_fixed_points(W_in, W_rec, b, gamma, inputs, initial_states, options=options, **changes).table()
