"""Fixed and slow points of the noise-free leaky RNN map.

The trained network updates its state as (row vectors, Keras kernel convention)::

    F(h, u) = (1 - gamma) h + gamma tanh(u W_in + h W_rec + b)

with ``W_in`` (n_inputs, n_units), ``W_rec`` (n_units, n_units) acting as
``h @ W_rec``, ``b`` (n_units,) and ``0 < gamma <= 1``. Noise is always off here:
fixed points are a property of the deterministic part of the dynamics.

A fixed point satisfies ``F(h) = h``, i.e. ``h = tanh(u W_in + h W_rec + b)``: its
*location* does not depend on ``gamma``, but its *stability* does, because the
Jacobian (column convention, ``J[i, j] = dF_i / dh_j``) is::

    J = (1 - gamma) I + gamma diag(1 - tanh(z)^2) W_rec^T,   z = u W_in + h W_rec + b

so every eigenvalue is ``lambda = 1 - gamma + gamma * mu`` with ``mu`` an
eigenvalue of ``diag(1 - tanh(z)^2) W_rec^T``. For this discrete-time map a point is

* ``"stable"``   when every eigenvalue has ``|lambda| < 1`` (an attractor),
* ``"unstable"`` when every eigenvalue has ``|lambda| > 1`` (a repeller),
* ``"saddle"``   when some have ``|lambda| > 1`` and the others ``|lambda| <= 1``,
* ``"slow"``     when it is not a fixed point at all but a local minimum of the
  speed ``q`` below ``slow_point_threshold`` (a "slow point"; its eigenvalue
  counts are still reported).

``n_unstable`` counts eigenvalues with ``|lambda| > 1``; an eigenvalue of modulus
exactly 1 (measure zero in floating point) counts as not unstable.

Method (:func:`find_fixed_points`), batched over every initial state at once; every
state, residual and ``q`` is float64, and single precision is used only inside
solves whose result is then judged by its float64 ``q`` (the Newton directions far
from convergence and the damped steps' conjugate gradients):

1. *Batched minimisation of q* ``= 0.5 ||F(h) - h||^2`` *by damped Newton.*
   ``F(h) - h = 0`` is solved by Newton's method, ``(J - I) d = -(F(h) - h)``, with
   the analytic Jacobian and one LAPACK solve per state (in single precision while
   ``q > 1e-6``: an inexact Newton step far from convergence; in double precision
   near it, for the quadratic end game). The Newton
   direction is always a descent direction for ``q`` (its directional derivative
   is ``-2 q``), so an Armijo backtracking line search on ``q`` makes every step
   lower ``q``: this *is* a minimisation of ``q``, just with second-order steps.
   Where ``J - I`` is singular or so ill-conditioned that no step along the Newton
   direction lowers ``q`` (near slow points and continuous attractors, and far from
   any fixed point in trained networks, whose slow modes put eigenvalues of ``J``
   near 1), a state switches to Levenberg-Marquardt steps
   ``(A^T A + mu I) d = -A^T r`` (``A = J - I``, damping by Nielsen's rule), solved
   matrix-free by at most 10 conjugate-gradient iterations in single precision (a
   product with ``A`` is one ``(n, N) @ (N, N)`` product for the whole batch),
   warm-started from the state's previous damped step, and returns to pure Newton
   once the damping has decayed. A state whose ``A^T r`` vanishes relative to
   ``|A| |r|`` has reached a stationary point of ``q`` (a slow point) and stops.
2. *Quadratic end game.* Near a fixed point the same iteration converges
   quadratically and reaches the float64 round-off floor (``q ~ 1e-30``) in a
   couple of steps, which is what makes ``q_tolerance = 1e-20`` a meaningful test
   of "exactly a fixed point". First-order minimisers of ``q`` (Adam in the
   FixedPointFinder toolbox, plain gradient descent) converge only linearly, at a
   rate set by the squared condition number of ``J - I``: in ``bench/fixed_points.py``
   the toolbox's Adam defaults left the median state at ``q ~ 1e-17`` after ~4000
   iterations, with none (synthetic network) or a quarter (a trained one) of the
   states below 1e-20, where Newton put every converged state below 1e-30.
3. *Chord steps.* Newton's cost is one O(n_units^3) factorisation per state and
   step. Once a state has converged, the LU factors of ``J - I`` at that point are
   kept, and the other states of the same input first try cheap simplified-Newton
   steps with those factors (O(n_units^2)); a 64-state probe is refined first so
   that such points exist early. A chord step is kept when it lowers ``q`` (halving
   it up to twice), like every other step here, so chord steps cannot carry a state
   out of the basin of a point it is already close to. Most trajectories of a
   trained network end at a handful of points, so most states finish this way. A
   state still has to reach ``q < q_tolerance`` through its own iterates; nothing is
   snapped.
4. *Deduplication, outliers, eigen-decomposition* of the unique points.

An optional first-order phase (``max_iterations`` > 0 in :func:`refine_states` /
:func:`find_fixed_points`) runs per-state adaptive-step gradient descent on ``q``
before Newton, as in the classic recipe (descend on ``q``, then polish). It is off
by default because it does not pay here: gradient descent is drawn to the nearest
*local minimum* of ``q`` (a slow point), while Newton aims at zeros. Measured with
1024 trajectory states of 128-unit networks (descent stopping by itself after 5-10
iterations): states reaching ``q < 1e-20`` went 1015 -> 1008 on the synthetic
benchmark network, 1024 -> 1024 and 585 -> 618 on two trained networks, at
about the same run time; from 512 uniformly random states of the benchmark
network they fell from 463 to 210. Try it when many states end in ghost basins.

Public functions: :func:`leaky_map`, :func:`speed` (``q``), :func:`jacobian`,
:func:`refine_states` (the optimiser alone, per initial state),
:func:`find_fixed_points` (the table of unique points), :func:`eigen_table`
(eigenvalues and mode directions) and :func:`mode_segments` (line segments along
the unstable modes, for plots).
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
from scipy.linalg import lapack, lu_factor, lu_solve
from scipy.spatial import cKDTree

KINDS = ("stable", "unstable", "saddle", "slow")

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

EIGEN_COLUMNS = ["point_id", "eig_index", "real", "imag", "abs", "unstable", "vector"]

# Refinement status codes per initial state (RefineResult.status).
CONVERGED, STALLED, MAX_ITERATIONS = 0, 1, 2

PROBE = False
_PROBE_IDLE = 3  # the probe stops after this many iterations without a new known point
_CHUNK = 64  # states per batched linear-algebra call: keeps the (chunk, N, N) arrays in cache


# --------------------------------------------------------------------------- validation
def _matrix(name: str, value, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__}") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def _check_network(W_in, W_rec, b, gamma):
    W_rec = _matrix("W_rec", W_rec, 2)
    n_units = W_rec.shape[0]
    if W_rec.shape != (n_units, n_units) or n_units == 0:
        raise ValueError(f"W_rec: expected a square (n_units, n_units) matrix, got shape {W_rec.shape}")
    W_in = _matrix("W_in", W_in, 2)
    if W_in.shape[1] != n_units:
        raise ValueError(f"W_in: expected shape (n_inputs, {n_units}) to match W_rec, got {W_in.shape}")
    b = _matrix("b", b, 1)
    if b.shape != (n_units,):
        raise ValueError(f"b: expected shape ({n_units},) to match W_rec, got {b.shape}")
    if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, (int, float, np.integer, np.floating)):
        raise ValueError(f"gamma: expected a number in (0, 1], got {gamma!r}")
    gamma = float(gamma)
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma: expected a number in (0, 1], got {gamma!r}")
    return W_in, W_rec, b, gamma


def _check_states(name: str, h, n_units: int) -> np.ndarray:
    h = np.asarray(h, dtype=np.float64)
    if h.ndim == 1:
        h = h[None, :]
    h = _matrix(name, h, 2)
    if h.shape[1] != n_units:
        raise ValueError(f"{name}: expected shape (n, {n_units}) (n_units from W_rec), got {h.shape}")
    return h


def _check_inputs(name: str, u, n: int, n_inputs: int) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    if u.ndim == 1:
        u = u[None, :]
    u = _matrix(name, u, 2)
    if u.shape[1] != n_inputs:
        raise ValueError(f"{name}: expected {n_inputs} input channels (rows of W_in), got shape {u.shape}")
    if u.shape[0] == 1:
        u = np.broadcast_to(u, (n, n_inputs))
    elif u.shape[0] != n:
        raise ValueError(f"{name}: expected one input (n_inputs,) or one per state ({n}, {n_inputs}), got {u.shape}")
    return u


def _positive(name: str, value, *, allow_none: bool = False, integer: bool = False, allow_zero: bool = False):
    if value is None and allow_none:
        return None
    ok_types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, ok_types):
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{name}: expected {kind}{' or None' if allow_none else ''}, got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} value, got {value!r}")
    return int(value) if integer else float(value)


# --------------------------------------------------------------------------- BLAS threads
try:  # threadpoolctl comes with scikit-learn, a project dependency; optional here
    from threadpoolctl import ThreadpoolController

    _CONTROLLER = ThreadpoolController()
except Exception:  # pragma: no cover - only without threadpoolctl
    _CONTROLLER = None


def _single_blas_thread():
    """Run the optimiser's BLAS/LAPACK calls on one thread.

    The work is many small products and factorisations (n_units ~ 100): OpenBLAS's
    threading costs more than it gains there, and on a loaded machine it collapses
    (a (256, 128) @ (128, 128) product measured 7.7 ms with 2 threads vs 0.34 ms with 1).
    """
    if _CONTROLLER is None:
        return contextlib.nullcontext()
    return _CONTROLLER.limit(limits=1, user_api="blas")


# --------------------------------------------------------------------------- the map
def leaky_map(W_in, W_rec, b, gamma, h, u) -> np.ndarray:
    """One noise-free step ``F(h, u)``; ``h`` (n_units,) or (n, n_units), ``u`` (n_inputs,) or (n, n_inputs)."""
    W_in, W_rec, b, gamma = _check_network(W_in, W_rec, b, gamma)
    squeeze = np.ndim(h) == 1
    H = _check_states("h", h, W_rec.shape[0])
    U = _check_inputs("u", u, H.shape[0], W_in.shape[0])
    out = (1.0 - gamma) * H + gamma * np.tanh(U @ W_in + H @ W_rec + b)
    return out[0] if squeeze else out


def speed(W_in, W_rec, b, gamma, h, u) -> np.ndarray | float:
    """``q = 0.5 ||F(h, u) - h||^2`` per state (a float for a single state ``h`` (n_units,))."""
    squeeze = np.ndim(h) == 1
    H = np.atleast_2d(np.asarray(h, dtype=np.float64))
    r = leaky_map(W_in, W_rec, b, gamma, H, u) - H
    q = 0.5 * np.einsum("ij,ij->i", r, r)
    return float(q[0]) if squeeze else q


def jacobian(W_rec, b, W_in, gamma, h, u) -> np.ndarray:
    """Jacobian of the noise-free map with respect to the state, column convention.

    ``J[i, j] = dF_i / dh_j = (1 - gamma) delta_ij + gamma (1 - tanh(z_i)^2) W_rec[j, i]``
    with ``z = u W_in + h W_rec + b``; i.e. ``J = (1 - gamma) I + gamma diag(1 - tanh(z)^2) W_rec^T``.
    The transpose appears because the weights act on row vectors (``h @ W_rec``):
    ``W_rec[j, i]`` is the weight *from* unit ``j`` *to* unit ``i``. A small displacement
    ``dh`` (a column) therefore evolves as ``J @ dh``, and eigenvectors of ``J`` are
    directions in state space.

    ``h`` (n_units,) gives an (n_units, n_units) matrix; ``h`` (n, n_units) gives (n, n_units, n_units).
    ``u`` is (n_inputs,) or one row per state.
    """
    W_in, W_rec, b, gamma = _check_network(W_in, W_rec, b, gamma)
    squeeze = np.ndim(h) == 1
    H = _check_states("h", h, W_rec.shape[0])
    U = _check_inputs("u", u, H.shape[0], W_in.shape[0])
    s = 1.0 - np.tanh(U @ W_in + H @ W_rec + b) ** 2
    n_units = W_rec.shape[0]
    J = gamma * s[:, :, None] * W_rec.T[None, :, :]
    J[:, np.arange(n_units), np.arange(n_units)] += 1.0 - gamma
    return J[0] if squeeze else J


# --------------------------------------------------------------------------- optimiser
class _Net:
    """Pre-processed parameters for the inner loops (row-convention products only)."""

    def __init__(self, W_rec: np.ndarray, gamma: float):
        self.W = np.ascontiguousarray(W_rec)
        self.WT = np.ascontiguousarray(W_rec.T)
        self.gamma = gamma
        self.n_units = W_rec.shape[0]
        self.diag = np.arange(self.n_units)
        self.col_norm2 = np.einsum("ji,ji->i", self.W, self.W)  # ||W_rec[:, i]||^2
        self.w_diag = np.ascontiguousarray(np.diag(self.W))
        # single-precision copies for the conjugate-gradient solves of the damped steps
        self.W32 = self.W.astype(np.float32)
        self.WT32 = self.WT.astype(np.float32)

    def residual(self, h: np.ndarray, c: np.ndarray):
        """tanh(z), r = F(h) - h and q for states ``h`` with constant drive ``c = u W_in + b``."""
        t = np.tanh(h @ self.W + c)
        r = self.gamma * (t - h)
        return t, r, 0.5 * np.einsum("ij,ij->i", r, r)

    # Products with A = J - I = gamma (diag(s) W_rec^T - I), s = 1 - tanh(z)^2, for states
    # stored as rows. float32 rows use the float32 weights (the damped steps' CG).
    def a_mul(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Rows of ``A x``: gamma (s * (x @ W_rec) - x)."""
        W = self.W32 if x.dtype == np.float32 else self.W
        return self.gamma * (s * (x @ W) - x)

    def at_mul(self, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Rows of ``A^T y``: gamma ((s * y) @ W_rec^T - y)."""
        WT = self.WT32 if y.dtype == np.float32 else self.WT
        return self.gamma * ((s * y) @ WT - y)

    def gradient(self, t: np.ndarray, r: np.ndarray) -> np.ndarray:
        """grad q = (J - I)^T r = A^T r."""
        return self.at_mul(1.0 - t * t, r)

    def a_matrices(self, t: np.ndarray) -> np.ndarray:
        """Batched A = J - I = gamma (diag(1 - t^2) W_rec^T - I), column convention."""
        A = (self.gamma * (1.0 - t * t))[:, :, None] * self.WT[None, :, :]
        A[:, self.diag, self.diag] -= self.gamma
        return A


def _spectral_norm(W: np.ndarray, iterations: int = 30) -> float:
    """Largest singular value by power iteration on W^T W (an SVD is overkill here;
    the value only sets the first descent step, which then adapts)."""
    v = np.ones(W.shape[1]) / np.sqrt(W.shape[1])
    sigma = 0.0
    for _ in range(iterations):
        w = W.T @ (W @ v)
        norm = np.linalg.norm(w)
        if norm == 0.0:
            return 0.0
        v = w / norm
        sigma = np.sqrt(norm)
    return float(sigma)


class RefineResult(NamedTuple):
    """Per-initial-state outcome of :func:`refine_states`.

    states: (n, n_units) final states; q: (n,) final speeds; status: (n,) int8, one of
    ``CONVERGED`` (0: q < q_tolerance), ``STALLED`` (1: no step lowers q any more, i.e. a
    stationary point of q such as a slow point, or given up under ``abandon_q``) and
    ``MAX_ITERATIONS`` (2: still improving when the iteration limit was reached);
    inputs: (n, n_inputs) the input of each state; descent_iterations /
    newton_iterations: iterations run by each phase (the probe's not counted).
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
    q_tolerance: float = 1e-20,
    max_iterations: int = 0,
    newton_iterations: int = 50,
    descent_q: float = 1e-10,
    abandon_q: float | None = None,
    patience: int = 10,
    jitter: float = 0.0,
    seed=None,
    callback: Callable[[str, int, np.ndarray], None] | None = None,
) -> RefineResult:
    """Move every initial state to a nearby zero (or minimum) of ``q``; no deduplication.

    This is the optimiser behind :func:`find_fixed_points`, exposed for diagnostics and
    benchmarks. Returns a :class:`RefineResult` with one entry per initial state.

    max_iterations, descent_q
        Upper bound on the optional gradient-descent phase run before Newton (default
        0: off; the module docstring explains why). Each iteration is a per-state
        adaptive step ("bold driver": grow the step by 1.25 after a success, halve it
        and reject the move after a failure) and costs about 1/50 of a Newton step. A
        state leaves the phase once ``q < descent_q``, and the whole phase ends once
        the summed ``q`` of the descending states has not halved over 5 iterations
        (the slow, linear regime, where Newton is far cheaper per unit of progress).
    newton_iterations
        Bound on the Newton/Levenberg-Marquardt phase (outer iterations; each active
        state takes one chord sweep or one Newton/LM step per iteration). Before the
        main loop a probe of 64 evenly spaced states (only when there are more than
        256) is refined on its own, so that the chord steps (see :class:`_NewtonSolver`)
        have converged points to work from when everyone else starts; the probe stops
        once it has found a point and then finds no new one for 3 iterations (its
        remaining states go on in the main loop).
    abandon_q, patience
        If ``abandon_q`` is given, a state whose ``q`` is still above it and fell by
        less than 1% over its last ``patience`` Newton-phase iterations is given up
        (status 1). Such a state is sliding into a local minimum of ``q`` that is not a
        fixed point and too fast to be a slow point (trained networks have these
        "ghost" basins; on one trained 128-unit network 43% of trajectory states ended
        in a single one at q = 5.7e-3). Without the rule they would creep towards the
        minimum with expensive damped steps until the iteration limit. A 1% threshold
        spares states that are still travelling along a valley towards a fixed point,
        which often need 20 iterations or more. A second, faster rule gives up a state
        above ``abandon_q`` once its last 4 *accepted* steps together lowered ``q`` by
        less than 1%: states creeping into such a minimum take many tiny accepted
        steps, while states crossing a plateau towards a fixed point alternate rejected
        steps with accepted ones of a few % (on the trained network above, no state
        that went on to converge met this rule; the ghost states met it ~10
        iterations before the patience rule). :func:`find_fixed_points` passes its
        ``slow_point_threshold`` (or ``q_tolerance``), the level above which a state
        could not be kept anyway.
    jitter, seed
        Gaussian noise of standard deviation ``jitter`` added to the initial states,
        drawn from ``numpy.random.default_rng(seed)``; it can split identical states.
    callback
        ``callback(phase, iteration, q)`` after every iteration, with ``phase``
        "descent" or "newton" and the current (n,) array of q values (do not keep or
        modify it). The probe's iterations are not reported.
    """
    W_in, W_rec, b, gamma = _check_network(W_in, W_rec, b, gamma)
    n_units = W_rec.shape[0]
    H0 = _check_states("initial_states", initial_states, n_units)
    n = H0.shape[0]
    if n == 0:
        raise ValueError("initial_states: expected at least one state")
    U = _check_inputs("inputs", inputs, n, W_in.shape[0])
    q_tolerance = _positive("q_tolerance", q_tolerance)
    max_iterations = _positive("max_iterations", max_iterations, integer=True, allow_zero=True)
    newton_iterations = _positive("newton_iterations", newton_iterations, integer=True, allow_zero=True)
    descent_q = _positive("descent_q", descent_q)
    abandon_q = _positive("abandon_q", abandon_q, allow_none=True)
    patience = _positive("patience", patience, integer=True)
    jitter = _positive("jitter", jitter, allow_zero=True)

    with _single_blas_thread():
        return _refine(
            W_rec,
            gamma,
            U @ W_in + b,
            U,
            H0,
            q_tolerance,
            max_iterations,
            newton_iterations,
            descent_q,
            abandon_q,
            patience,
            jitter,
            seed,
            callback,
        )


def _refine(
    W_rec,
    gamma,
    c,
    U,
    H0,
    q_tolerance,
    max_iterations,
    newton_iterations,
    descent_q,
    abandon_q,
    patience,
    jitter,
    seed,
    callback,
) -> RefineResult:
    n = H0.shape[0]
    net = _Net(W_rec, gamma)
    h = H0.copy()
    if jitter > 0:
        h += np.random.default_rng(seed).normal(scale=jitter, size=h.shape)
    # Every fixed point lies in the open cube (-1, 1)^N (it equals a tanh), so
    # projecting iterates onto the closed cube never excludes a solution and keeps
    # wild early steps from leaving the region where the model is meaningful.
    np.clip(h, -1.0, 1.0, out=h)
    t, r, q = net.residual(h, c)

    # ---- phase 1: bold-driver gradient descent --------------------------------------
    # A safe first step is 1 / ||A||^2 (the Gauss-Newton curvature bound of q), with
    # ||A||_2 <= gamma (||W_rec||_2 + 1); it then adapts per state.
    eta0 = 1.0 / (gamma * (_spectral_norm(W_rec) + 1.0)) ** 2
    eta = np.full(n, eta0)
    stalled = np.zeros(n, dtype=bool)
    n_descent = 0
    history = []
    for it in range(max_iterations):
        idx = np.flatnonzero((q >= descent_q) & ~stalled)
        if idx.size == 0:
            break
        history.append(q[idx].sum())
        if len(history) > 5 and history[-1] > 0.5 * history[-6]:
            break
        n_descent = it + 1
        hi, ti, ri, qi = h[idx], t[idx], r[idx], q[idx]
        h_try = hi - net.gradient(ti, ri) * eta[idx, None]
        np.clip(h_try, -1.0, 1.0, out=h_try)
        t_try, r_try, q_try = net.residual(h_try, c[idx])
        ok = q_try < qi
        acc = idx[ok]
        h[acc], t[acc], r[acc], q[acc] = h_try[ok], t_try[ok], r_try[ok], q_try[ok]
        eta[acc] *= 1.25
        rej = idx[~ok]
        eta[rej] *= 0.5
        stalled[rej[eta[rej] < 1e-12 * eta0]] = True  # steps below round-off of the state
        if callback is not None:
            callback("descent", it, q)

    # ---- phase 2: Newton / Levenberg-Marquardt, with chord steps near known points ------
    solver = _NewtonSolver(net, h, t, r, q, c, _input_ids(U), q_tolerance, abandon_q, patience)
    n_newton = 0
    if n > 4 * _CHUNK:
        probe = np.unique(np.linspace(0, n - 1, _CHUNK).round().astype(np.int64))
        # The probe only seeds the chord steps: stop it once it has found points and
        # finds no new ones, the rest of its states carry on with everyone else.
        known, idle = 0, 0
        for _ in range(newton_iterations):
            if not solver.active[probe].any():
                break
            solver.iterate(probe)
            idle = idle + 1 if len(solver.known_h) == known else 0
            known = len(solver.known_h)
            if known and idle >= _PROBE_IDLE:
                break
    for it in range(newton_iterations):
        if not solver.active.any():
            break
        n_newton = it + 1
        solver.iterate()
        if callback is not None:
            callback("newton", it, solver.q)
    status = solver.status
    status[solver.active & (solver.q < q_tolerance)] = CONVERGED
    return RefineResult(solver.h, solver.q, status, np.asarray(U), n_descent, n_newton)


def _newton_directions(net, t, r, coarse=None):
    """Newton directions ``d = -A^{-1} r`` per state (rows), one LAPACK solve per state.

    ``A^T = gamma (W_rec * s - I)`` built in C order is ``A`` itself in Fortran order,
    so LAPACK takes it without a copy (1.2-1.5x faster than numpy's batched solve,
    which copies every matrix to Fortran order). States flagged in ``coarse`` are
    solved in single precision (sgesv, about 1.4x faster than dgesv at 128 units): a
    direction exact to a relative ~1e-7 cond(A), i.e. an inexact Newton step with a
    small forcing term, for states far from convergence, where a step is judged by
    its actual decrease of ``q`` (in float64) and usually cut by the line search
    anyway. Near convergence (not ``coarse``) the solve is in double precision, which
    keeps the quadratic end game. A singular ``A`` gives a row of NaN (the caller then
    switches that state to damped steps)."""
    s = 1.0 - t * t
    gamma = net.gamma
    d = np.full(r.shape, np.nan)
    diag = net.diag
    for k in range(r.shape[0]):
        if coarse is not None and coarse[k]:
            norm = np.sqrt(r[k] @ r[k])  # unit right-hand side: no float32 underflow
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


class _NewtonSolver:
    """Batched Newton iteration with Armijo backtracking, Levenberg-Marquardt fallback
    and chord steps. Newton steps use dense batched LU in chunks of 64 states; LM steps
    are matrix-free (see :meth:`_lm_chunk`).

    Chord steps: once some state has converged to a fixed point P, the LU factors of
    ``A(P) = J(P) - I`` are kept, and every other active state of the same input
    first tries the simplified-Newton step ``d = -A(P)^{-1} r(h)`` towards its
    nearest known point (up to ``chord_steps`` per iteration). A step is kept if it
    lowers ``q``, else it is halved up to ``chord_backtracks`` times; near P this
    converges fast (linearly with a rate that shrinks with the distance to P) and
    costs one pair of triangular solves, O(n_units^2), instead of a fresh O(n_units^3)
    factorisation. Every accepted step of every kind lowers ``q``, so a chord step
    cannot pull a state away from a zero of ``q`` it is already close to. (It used
    to need ``||r||`` to halve; accepting any decrease converged 26% more of the
    1024 trajectory states of a trained network, through chord steps, at a third
    of the cost.) Trained networks send most initial states to a handful of points,
    so after the first states converge the rest follow almost for free. A state
    still has to reach ``q < q_tolerance`` by its own iterates to count as
    converged; nothing is snapped to P.
    """

    # lam_first: damping after a Newton step failed its line search (down to alpha = 1/128).
    # Such a state is far outside the Newton model's trust region; 1e-3 was rejected again
    # 2-3 times in a row (each rejection a full CG solve) before lam had grown enough.
    # Together with chord_retry = 1.0, 0.1 instead of 1e-3 (trained network gamma0.2_seed0,
    # input [0, 0], 1024 states): 782 -> 796 converged, 28 -> 22 iterations; six trained
    # networks x three inputs 12408 -> 12469 converged; 32 synthetic cases 375 -> 383 points.
    lam_first, lam_min, lam_max = 0.1, 1e-5, 1e10
    # Newton directions of states with q above coarse_q are solved in float32 (see
    # _newton_directions). Measured (same inputs as above): the same states converge on
    # the six trained networks (12488), 9% less time on the benchmark network, and on
    # the 32 synthetic networks 398 vs 401 points and 2614 vs 2630 converged states
    # (means over 4 jitters of the initial states; jitters of 1e-9 alone move these
    # chaotic cases by about +-10 in both). 1e-3 gave the same synthetic results.
    coarse_q = 1e-6
    stationary = 1e-9  # ||A^T r|| / (||A|| ||r||) below this: q is at a stationary point
    chord_steps = 12
    stagnation = 0.01  # with abandon_q: give up when q fell by less than this fraction in `patience` iterations
    backtracks = 8
    chord_backtracks = 2  # halvings of a chord step that does not lower q
    # After a failed chord attempt, retry once q < chord_retry * q then (or a new point is
    # known). 1.0 retries after any decrease: a chord attempt costs one triangular solve
    # and at most 3 residuals, a few % of a 10-iteration CG step, and states creeping
    # along a valley in LM steps enter the chord basin well before q has fallen 10%.
    chord_retry = 1.0
    # with abandon_q: give up when the last `stall_window` accepted steps together lowered q by < stall_fraction
    stall_window, stall_fraction = 4, 0.01
    # Inexact LM steps: at most cg_iterations CG iterations, relative residual cg_tolerance,
    # warm-started from the state's previous LM step (see _cg_directions). With the warm
    # start, 10 iterations did better than 20 from zero (which almost always ran all 20).
    cg_iterations, cg_tolerance = 10, 1e-3

    def __init__(self, net, h, t, r, q, c, input_id, q_tol, abandon_q=None, patience=10):
        self.net, self.h, self.t, self.r, self.q, self.c = net, h, t, r, q, c
        self.iid, self.q_tol = input_id, q_tol
        self.abandon_q, self.patience = abandon_q, patience
        n = h.shape[0]
        self.checkpoint_q = q.copy()
        self.age = np.zeros(n, dtype=np.int64)  # iterations since checkpoint_q was taken
        self.lam = np.zeros(n)  # relative LM damping per state; 0 means "use Newton"
        self.nu = np.full(n, 2.0)  # growth factor of lam after consecutive LM failures
        self.active = np.ones(n, dtype=bool)
        self.status = np.full(n, MAX_ITERATIONS, dtype=np.int8)
        self.known_h, self.known_iid, self.known_lu = [], [], []
        self.q_down = np.full((n, self.stall_window), np.inf)  # q before each of the last accepted steps
        self.n_down = np.zeros(n, dtype=np.int64)
        self.chord_failed_q = np.full(n, np.inf)  # q when the last chord attempt failed (inf: none)
        self.chord_known = np.zeros(n, dtype=np.int64)  # known points at that time
        self.fresh = []  # states retired as converged since the last _register()
        self.last_d = np.zeros_like(h)

    # -- bookkeeping ------------------------------------------------------------------
    def _retire(self, g, status):
        self.active[g] = False
        self.status[g] = status
        if status == CONVERGED:
            self.fresh.append(np.atleast_1d(g))

    def _accept(self, g, h_new, t_new, r_new, q_new, q_old):
        """Store accepted moves; retire states that reached the tolerance and stopped improving fast."""
        if g.size == 0:
            return
        self.h[g], self.t[g], self.r[g], self.q[g] = h_new, t_new, r_new, q_new
        # Below q_tol, keep polishing while quadratic convergence still pays off; stop once
        # a step gains less than 10x (the round-off floor) or q is far below the tolerance.
        done = (q_new < self.q_tol) & ((q_new > 0.1 * q_old) | (q_new < 1e-8 * self.q_tol))
        self._retire(g[done], CONVERGED)

    def _register(self):
        """Factorise A at newly converged, not yet known points (for chord steps)."""
        if not self.fresh:
            return
        g = np.unique(np.concatenate(self.fresh))
        self.fresh = []
        for i in g[np.argsort(self.q[g], kind="stable")]:
            if self.known_h:
                same = np.flatnonzero(np.asarray(self.known_iid) == self.iid[i])
                if same.size and np.min(np.max(np.abs(np.asarray(self.known_h)[same] - self.h[i]), axis=1)) < 1e-8:
                    continue
            A = self.net.a_matrices(self.t[i][None])[0]
            lu, piv = lu_factor(A, check_finite=False)
            if not np.all(np.isfinite(lu)) or np.min(np.abs(np.diag(lu))) == 0.0:
                continue
            self.known_h.append(self.h[i].copy())
            self.known_iid.append(self.iid[i])
            self.known_lu.append((lu, piv))

    # -- one outer iteration ---------------------------------------------------------
    def iterate(self, subset=None):
        idx = np.flatnonzero(self.active) if subset is None else subset[self.active[subset]]
        q_before = self.q[idx].copy()
        moved = self._chord_sweep(idx)
        rest = idx[~moved & self.active[idx]]
        lm = self.lam[rest] > 0
        newton = rest[~lm]
        for start in range(0, newton.size, _CHUNK):
            self._newton_chunk(newton[start : start + _CHUNK])
        if lm.any():
            self._lm_chunk(rest[lm])
        self._register()
        if self.abandon_q is not None:
            # Accepted-step stagnation: the last `stall_window` steps that lowered q
            # together lowered it by less than `stall_fraction` (rejected LM steps do not
            # count: states crossing a plateau alternate rejections with steps of a few %).
            went_down = idx[self.q[idx] < q_before]
            slot = self.n_down[went_down] % self.stall_window
            self.q_down[went_down, slot] = q_before[self.q[idx] < q_before]
            self.n_down[went_down] += 1
            full = went_down[self.n_down[went_down] >= self.stall_window]
            oldest = self.q_down[full, self.n_down[full] % self.stall_window]
            stuck = full[
                self.active[full] & (self.q[full] > self.abandon_q) & (self.q[full] > (1.0 - self.stall_fraction) * oldest)
            ]
            self._retire(stuck, STALLED)
            self.age[idx] += 1
            due = idx[self.age[idx] >= self.patience]
            hopeless = due[
                self.active[due]
                & (self.q[due] > self.abandon_q)
                & (self.q[due] > (1.0 - self.stagnation) * self.checkpoint_q[due])
            ]
            self._retire(hopeless, STALLED)
            self.checkpoint_q[due] = self.q[due]
            self.age[due] = 0

    def _chord_sweep(self, idx):
        """Chord steps towards the nearest known point; returns which of ``idx`` moved."""
        moved = np.zeros(idx.size, dtype=bool)
        if not self.known_h or idx.size == 0:
            return moved
        # A state whose last chord attempt failed retries only once q has fallen clearly
        # below its value then, or a new point is known: the same step would fail again
        # (this spares states stuck far from every known point three residuals per iteration).
        retry = (
            np.isinf(self.chord_failed_q[idx])
            | (self.q[idx] < self.chord_retry * self.chord_failed_q[idx])
            | (self.chord_known[idx] < len(self.known_h))
        )
        sub = np.flatnonzero(retry)
        moved[sub] = self._chord_steps(idx[sub])
        return moved

    def _chord_steps(self, idx):
        moved = np.zeros(idx.size, dtype=bool)
        if idx.size == 0:
            return moved
        P = np.asarray(self.known_h)
        X = self.h[idx]
        d2 = np.einsum("ij,ij->i", X, X)[:, None] + np.einsum("ij,ij->i", P, P)[None, :] - 2.0 * X @ P.T
        d2[self.iid[idx][:, None] != np.asarray(self.known_iid)[None, :]] = np.inf
        nearest = np.argmin(d2, axis=1)
        has = np.isfinite(d2[np.arange(idx.size), nearest])
        pos = np.arange(idx.size)
        for j in np.unique(nearest[has]):
            members = pos[has & (nearest == j)]
            for _ in range(self.chord_steps):
                g = idx[members]
                D = lu_solve(self.known_lu[j], self.r[g].T, check_finite=False).T
                q_old = self.q[g]
                ok = np.zeros(g.size, dtype=bool)
                pending = np.arange(g.size)
                alpha = 1.0
                for _ in range(1 + self.chord_backtracks):
                    k = pending
                    h_try = np.clip(self.h[g[k]] - alpha * D[k], -1.0, 1.0)
                    t_try, r_try, q_try = self.net.residual(h_try, self.c[g[k]])
                    good = q_try < q_old[k]
                    self._accept(g[k[good]], h_try[good], t_try[good], r_try[good], q_try[good], q_old[k[good]])
                    ok[k[good]] = True
                    pending = k[~good & (q_old[k] >= self.q_tol)]
                    alpha *= 0.5
                    if pending.size == 0:
                        break
                floor = ~ok & (q_old < self.q_tol)  # at the round-off floor already
                self._retire(g[floor], CONVERGED)
                self.chord_failed_q[g[~ok]] = q_old[~ok]
                self.chord_known[g[~ok]] = len(self.known_h)
                self.chord_failed_q[g[ok]] = np.inf
                moved[members[ok]] = True
                members = members[ok & self.active[g]]
                if members.size == 0:
                    break
        return moved

    def _newton_chunk(self, idx):
        """One Newton step with Armijo backtracking for the states ``idx`` (all with lam == 0)."""
        net = self.net
        ri, qi, hi = self.r[idx], self.q[idx], self.h[idx]
        d = _newton_directions(net, self.t[idx], ri, qi > self.coarse_q)
        fine = np.all(np.isfinite(d), axis=1)
        self.lam[idx[~fine]] = self.lam_first  # singular: damped steps from the next iteration on
        newton = np.flatnonzero(fine)
        if newton.size == 0:
            return
        # Armijo backtracking on q along d (the directional derivative of q along d is -2 q).
        alpha = np.ones(newton.size)
        pending = np.arange(newton.size)
        for _ in range(self.backtracks):
            k = newton[pending]
            h_try = np.clip(hi[k] + alpha[pending, None] * d[k], -1.0, 1.0)
            t_try, r_try, q_try = net.residual(h_try, self.c[idx[k]])
            ok = q_try <= qi[k] * (1.0 - 2e-4 * alpha[pending])
            self._accept(idx[k[ok]], h_try[ok], t_try[ok], r_try[ok], q_try[ok], qi[k[ok]])
            pending = pending[~ok]
            if pending.size == 0:
                return
            alpha[pending] *= 0.5
        failed = idx[newton[pending]]
        floor = self.q[failed] < self.q_tol  # at the round-off floor already
        self._retire(failed[floor], CONVERGED)
        self.lam[failed[~floor]] = self.lam_first
        self.nu[failed[~floor]] = 2.0

    def _cg_directions(self, s, grad, mu, x0=None):
        """Approximate solutions ``d`` of ``(A^T A + mu I) d = -grad`` by conjugate gradients.

        Runs in single precision: the step only has to be good to the CG tolerance
        (1e-3 relative), far coarser than float32 round-off, and it is accepted or
        rejected on ``q`` computed in float64, so precision is not lost where it counts
        (the quadratic end game uses Newton and chord steps in float64). The products
        with ``A`` and ``A^T`` are the bulk of the damped steps' cost and run about 2x
        faster in float32. Each right-hand side is scaled to unit norm first, so that
        tiny gradients near convergence do not underflow; CG is linear in it.

        ``x0`` (rows, or None) is the starting guess: the state's previous damped step.
        States creep along curved valleys of ``q`` in these steps, and consecutive
        steps point much the same way. Measured against a zero start with 20 iterations
        (the previous setting, which nearly always hit the cap): on the trained network of
        ``bench/fixed_points.py`` the same 796 states converge in 20 instead of 22
        outer iterations, six trained networks x three inputs converge 12488 instead of
        12469 states, and 32 chaotic synthetic networks (4 jitters of their initial
        states) give 401 instead of 376 distinct points and 2630 instead of 2532
        converged states (means). Keeping ``x0`` only where it beats the zero start
        lost most of that gain (2561 converged), so part of its value is that the old
        step carries the state along the valley, like momentum, not only a better solve.
        """
        net = self.net
        s32 = s.astype(np.float32)
        norm = np.linalg.norm(grad, axis=1)
        norm = np.where(norm > 0, norm, 1.0)
        mu32 = mu.astype(np.float32)[:, None]

        def normal_mul(x):  # (A^T A + mu I) x for row-stored float32 x
            return net.at_mul(s32, net.a_mul(s32, x)) + mu32 * x

        res = (-grad / norm[:, None]).astype(np.float32)
        stop = np.float32(self.cg_tolerance**2) * np.einsum("ki,ki->k", res, res)
        d = np.zeros(grad.shape, dtype=np.float32)
        if x0 is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                start = (x0 / norm[:, None]).astype(np.float32)
            start[~np.all(np.isfinite(start), axis=1)] = 0.0  # overflow after rescaling: start from zero
            d = start
            res -= normal_mul(d)
        p = res.copy()
        rr = np.einsum("ki,ki->k", res, res)
        live = rr > 0
        for _ in range(self.cg_iterations):
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

    def _lm_chunk(self, idx):
        """One Levenberg-Marquardt step for the states ``idx`` (all with lam > 0).

        The damped system ``(A^T A + mu I) d = -A^T r`` is solved matrix-free by
        conjugate gradients: with ``A = gamma (diag(s) W_rec^T - I)``, a product with
        ``A`` or ``A^T`` for the whole batch is one (n, N) @ (N, N) matrix product, so
        an iteration costs O(n N^2) and never forms the n (N, N) matrices. States far
        from any fixed point of a trained network (ill-conditioned ``J - I``: slow
        modes) spend most iterations here, so this matters; an inexact step is fine
        because each step is accepted or rejected on the actual change of ``q``.
        Damping follows Nielsen's rule: the ratio rho of actual to predicted decrease
        of q sets how much lam shrinks after a success; failures grow it geometrically.
        """
        net, gamma = self.net, self.net.gamma
        ti, ri, qi, hi = self.t[idx], self.r[idx], self.q[idx], self.h[idx]
        s = 1.0 - ti * ti
        grad = net.at_mul(s, ri)
        # ||A||_F^2 / N without forming A: sum_ij (s_i W_ji - delta_ij)^2 gamma^2 / N
        scale = gamma**2 * (s * s @ net.col_norm2 - 2.0 * s @ net.w_diag + net.n_units) / net.n_units
        # Stationary point of q (r orthogonal to the range of A): no step can lower q to
        # first order; the state sits at a slow point or a local minimum of q.
        ratio = np.linalg.norm(grad, axis=1) / (np.sqrt(scale) * np.sqrt(2.0 * qi) + 1e-300)
        stuck = ratio < self.stationary
        if stuck.any():
            g = idx[stuck]
            conv = self.q[g] < self.q_tol
            self._retire(g[conv], CONVERGED)
            self._retire(g[~conv], STALLED)
            keep = ~stuck
            idx, s, grad, scale, ri, qi, hi = (x[keep] for x in (idx, s, grad, scale, ri, qi, hi))
            if idx.size == 0:
                return
        d = self._cg_directions(s, grad, self.lam[idx] * scale, self.last_d[idx])
        self.last_d[idx] = d
        h_try = np.clip(hi + d, -1.0, 1.0)
        t_try, r_try, q_try = net.residual(h_try, self.c[idx])
        lin = ri + net.a_mul(s, h_try - hi)
        predicted = qi - 0.5 * np.einsum("ki,ki->k", lin, lin)
        rho = (qi - q_try) / np.maximum(predicted, 1e-300)
        ok = (q_try < qi) & (rho > 0)
        g_ok = idx[ok]
        self._accept(g_ok, h_try[ok], t_try[ok], r_try[ok], q_try[ok], qi[ok])
        self.lam[g_ok] *= np.maximum(1.0 / 3.0, 1.0 - (2.0 * np.minimum(rho[ok], 1.0) - 1.0) ** 3)
        self.nu[g_ok] = 2.0
        self.lam[g_ok[self.lam[g_ok] < self.lam_min]] = 0.0  # back to pure Newton
        g_bad = idx[~ok]
        self.lam[g_bad] *= self.nu[g_bad]
        self.nu[g_bad] *= 2.0
        gone = g_bad[self.lam[g_bad] > self.lam_max]
        conv = self.q[gone] < self.q_tol
        self._retire(gone[conv], CONVERGED)
        self._retire(gone[~conv], STALLED)


# --------------------------------------------------------------------------- clustering
def _leader_clusters(points: np.ndarray, order: np.ndarray, tol: float) -> np.ndarray:
    """Greedy clustering in the max-norm: visit points in ``order`` (best first); each
    unassigned point becomes a leader and claims every unassigned point within ``tol``.
    Returns the leader index of each point."""
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


def _input_ids(U: np.ndarray) -> np.ndarray:
    """Integer id per distinct input row, numbered in order of first appearance."""
    _, first, inverse = np.unique(U, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse]


# --------------------------------------------------------------------------- public finder
def find_fixed_points(
    W_in,
    W_rec,
    b,
    gamma,
    inputs,
    initial_states,
    *,
    q_tolerance: float = 1e-20,
    slow_point_threshold: float | None = 1e-4,
    unique_tolerance: float = 1e-6,
    slow_unique_tolerance: float = 1e-3,
    max_iterations: int = 0,
    newton_iterations: int = 50,
    outlier_distance: float | None = 10.0,
    jitter: float = 0.0,
    seed=None,
) -> pd.DataFrame:
    """Unique fixed (and optionally slow) points of the noise-free leaky RNN map.

    Parameters
    ----------
    W_in, W_rec, b, gamma
        Network parameters as in :func:`tdnms.model.network_parameters`: ``W_in``
        (n_inputs, n_units), ``W_rec`` (n_units, n_units) acting as ``h @ W_rec``,
        ``b`` (n_units,), ``0 < gamma <= 1``.
    inputs
        One constant input (n_inputs,) (or (1, n_inputs)) shared by all initial
        states, or one per initial state (n, n_inputs). Each distinct input row gets an
        ``input_id`` (0, 1, ... in order of first appearance) and points are found
        and deduplicated per input.
    initial_states
        (n, n_units) starting states, typically sampled from network trajectories
        (which is where the interesting fixed points are).
    q_tolerance
        A refined point with ``q = 0.5 ||F(h) - h||^2`` below this is a true fixed
        point. The default 1e-20 is far above the float64 round-off floor that
        Newton reaches (~1e-30), yet far below anything a first-order optimiser
        reaches, so passing it means "exact up to round-off".
    slow_point_threshold
        Refined states that are not fixed points but whose ``q`` is below this are kept
        with kind "slow" (usually local minima of the speed: slow points, "ghosts" of
        fixed points that a small input change would create). None drops them.
    unique_tolerance
        Two fixed points of the same input are merged when they differ by at most
        this in every coordinate (max-norm). States lie in (-1, 1), so this absolute
        tolerance is also a relative one. Newton-refined fixed points are accurate to
        ~1e-13, so 1e-6 merges copies of the same point reached from different initial
        states while staying far below any meaningful separation of distinct points;
        without it every initial state would yield its own row.
    slow_unique_tolerance
        The same for slow points. They are minima of ``q`` in flat valleys, located
        only to roughly ``sqrt(q)``, so they need a looser tolerance (default 1e-3,
        as in the FixedPointFinder toolbox); a slow point within this distance of a
        fixed point is merged into the fixed point.
    max_iterations
        Iterations of the optional gradient-descent phase before Newton; default 0
        (off), because descent is drawn to local minima of ``q`` and measurably
        lowers the number of states that reach true fixed points (module docstring).
    newton_iterations
        Iterations of the Newton/Levenberg-Marquardt phase (see :func:`refine_states`;
        states still far above ``slow_point_threshold`` that stop making progress are
        given up early).
    outlier_distance
        Drop points farther from the centroid of the initial states than this many
        times the mean distance of the initial states to that centroid (as in the
        FixedPointFinder toolbox); they are usually irrelevant to the dynamics the
        initial states came from. None keeps everything; with identical initial
        states (zero spread) nothing is dropped.
    jitter, seed
        Optional Gaussian jitter (standard deviation ``jitter``) added to the
        initial states with ``numpy.random.default_rng(seed)``; the only randomness.

    Returns
    -------
    pandas.DataFrame, one row per unique point, sorted by ``input_id``, then kind
    (fixed points first), then ``n_converged`` (descending), with columns

    ``point_id`` (int, 0..k-1, the key used by :func:`eigen_table`), ``input_id``
    (int), ``kind`` ("stable", "unstable", "saddle" or "slow"; see the module
    docstring), ``is_fixed_point`` (bool, ``q < q_tolerance``), ``q`` (float64),
    ``n_unstable`` (int, eigenvalues of the Jacobian with modulus > 1),
    ``max_abs_eigenvalue`` (float), ``n_converged`` (int, initial states that ended
    at this point), ``state`` (list of n_units floats) and ``input`` (list of
    n_inputs floats). ``df.attrs`` records ``n_initial_states``, ``n_unconverged``
    (states that ended neither at a fixed point nor at a kept slow point),
    ``n_outliers_dropped`` and ``seconds``.
    """
    t_start = time.perf_counter()
    W_in, W_rec, b, gamma = _check_network(W_in, W_rec, b, gamma)
    n_units, n_inputs = W_rec.shape[0], W_in.shape[0]
    H0 = _check_states("initial_states", initial_states, n_units)
    U = np.ascontiguousarray(_check_inputs("inputs", inputs, H0.shape[0], n_inputs))
    q_tolerance = _positive("q_tolerance", q_tolerance)
    slow_point_threshold = _positive("slow_point_threshold", slow_point_threshold, allow_none=True)
    if slow_point_threshold is not None and slow_point_threshold < q_tolerance:
        raise ValueError(
            f"slow_point_threshold: expected None or a value >= q_tolerance ({q_tolerance}), got {slow_point_threshold}"
        )
    unique_tolerance = _positive("unique_tolerance", unique_tolerance)
    slow_unique_tolerance = _positive("slow_unique_tolerance", slow_unique_tolerance)
    outlier_distance = _positive("outlier_distance", outlier_distance, allow_none=True)

    res = refine_states(
        W_in,
        W_rec,
        b,
        gamma,
        U,
        H0,
        q_tolerance=q_tolerance,
        max_iterations=max_iterations,
        newton_iterations=newton_iterations,
        abandon_q=q_tolerance if slow_point_threshold is None else slow_point_threshold,
        jitter=jitter,
        seed=seed,
    )
    H, q = res.states, res.q
    input_id = _input_ids(U)
    is_fixed = q < q_tolerance
    keep = is_fixed.copy()
    if slow_point_threshold is not None:
        keep |= q < slow_point_threshold
    n_unconverged = int(H.shape[0] - keep.sum())

    # Deduplicate per input: fixed points lead (lowest q first), then slow points join
    # a fixed point within slow_unique_tolerance or form their own clusters.
    rows = []  # (representative index, members count)
    for iid in np.unique(input_id):
        fixed_idx = np.flatnonzero((input_id == iid) & is_fixed)
        slow_idx = np.flatnonzero((input_id == iid) & keep & ~is_fixed)
        leaders = []
        counts = {}
        if fixed_idx.size:
            lead = fixed_idx[_leader_clusters(H[fixed_idx], np.argsort(q[fixed_idx], kind="stable"), unique_tolerance)]
            for L, k in zip(*np.unique(lead, return_counts=True)):
                leaders.append(L)
                counts[L] = int(k)
        if slow_idx.size:
            if leaders:
                dist, nearest = cKDTree(H[leaders]).query(H[slow_idx], p=np.inf)
                joined = dist <= slow_unique_tolerance
                for j in nearest[joined]:
                    counts[leaders[j]] += 1
                slow_idx = slow_idx[~joined]
            if slow_idx.size:
                lead = slow_idx[
                    _leader_clusters(H[slow_idx], np.argsort(q[slow_idx], kind="stable"), slow_unique_tolerance)
                ]
                for L, k in zip(*np.unique(lead, return_counts=True)):
                    leaders.append(L)
                    counts[L] = int(k)
        rows.extend((L, counts[L]) for L in leaders)

    rep = np.array([L for L, _ in rows], dtype=np.int64)
    n_conv = np.array([k for _, k in rows], dtype=np.int64)

    n_outliers = 0
    if outlier_distance is not None and rep.size:
        centroid = H0.mean(axis=0)
        spread = np.linalg.norm(H0 - centroid, axis=1).mean()
        if spread > 0:
            far = np.linalg.norm(H[rep] - centroid, axis=1) > outlier_distance * spread
            n_outliers = int(far.sum())
            rep, n_conv = rep[~far], n_conv[~far]

    # Stability of each unique point.
    if rep.size:
        J = jacobian(W_rec, b, W_in, gamma, H[rep], U[rep])
        with _single_blas_thread():
            moduli = np.abs(np.linalg.eigvals(J))
        n_unstable = (moduli > 1.0).sum(axis=1)
        max_abs = moduli.max(axis=1)
    else:
        n_unstable = np.zeros(0, dtype=np.int64)
        max_abs = np.zeros(0)
    kind = np.where(n_unstable == 0, "stable", np.where(n_unstable == n_units, "unstable", "saddle"))
    fixed_rep = is_fixed[rep]
    kind[~fixed_rep] = "slow"

    df = pd.DataFrame(
        {
            "input_id": input_id[rep].astype(np.int64),
            "kind": pd.Series(kind.tolist(), dtype="str"),
            "is_fixed_point": fixed_rep.astype(bool),
            "q": q[rep].astype(np.float64),
            "n_unstable": n_unstable.astype(np.int64),
            "max_abs_eigenvalue": max_abs.astype(np.float64),
            "n_converged": n_conv.astype(np.int64),
            "state": pd.Series([row.tolist() for row in H[rep]], dtype=object),
            "input": pd.Series([row.tolist() for row in U[rep]], dtype=object),
        }
    )
    df = df.sort_values(
        ["input_id", "is_fixed_point", "n_converged", "q"], ascending=[True, False, False, True], kind="stable"
    ).reset_index(drop=True)
    df.insert(0, "point_id", np.arange(len(df), dtype=np.int64))
    df = df[POINT_COLUMNS]
    df.attrs.update(
        n_initial_states=int(H0.shape[0]),
        n_unconverged=n_unconverged,
        n_outliers_dropped=n_outliers,
        seconds=time.perf_counter() - t_start,
    )
    return df


# --------------------------------------------------------------------------- eigen analysis
def _points_arrays(points: pd.DataFrame, n_units: int, n_inputs: int):
    missing = {"point_id", "state", "input"} - set(points.columns)
    if missing:
        raise ValueError(f"points: missing column(s) {sorted(missing)} (expected the output of find_fixed_points)")
    if len(points) == 0:
        return np.zeros((0, n_units)), np.zeros((0, n_inputs))
    H = np.array([np.asarray(v, dtype=np.float64) for v in points["state"]])
    U = np.array([np.asarray(v, dtype=np.float64) for v in points["input"]])
    if H.ndim != 2 or H.shape[1] != n_units:
        raise ValueError(f"points: 'state' entries must have {n_units} values (units of W_rec), got shape {H.shape}")
    if U.ndim != 2 or U.shape[1] != n_inputs:
        raise ValueError(f"points: 'input' entries must have {n_inputs} values (rows of W_in), got shape {U.shape}")
    return H, U


def _real_direction(v: np.ndarray) -> np.ndarray:
    """Unit real vector for a (possibly complex) eigenvector ``v``.

    Any ``v e^{i theta}`` is an eigenvector too; theta = -arg(v^T v) / 2 maximises the
    norm of the real part, which is then the major axis of the ellipse that the mode
    traces in state space (for a real eigenvalue it is just ``v`` up to sign). The sign
    is fixed so that the largest-magnitude entry is positive.
    """
    theta = -0.5 * np.angle(np.sum(v * v))
    w = np.real(v * np.exp(1j * theta))
    w /= np.linalg.norm(w)
    return w if w[np.argmax(np.abs(w))] >= 0 else -w


def eigen_table(points: pd.DataFrame, W_in, W_rec, b, gamma, *, vectors: str = "unstable") -> pd.DataFrame:
    """Eigenvalues (and mode directions) of the Jacobian at each point, as a tidy table.

    One row per (point, eigenvalue): ``point_id``, ``eig_index`` (0 = largest modulus,
    then decreasing modulus; ties by real then imaginary part, descending), ``real``,
    ``imag``, ``abs`` (the modulus), ``unstable`` (``abs > 1``) and ``vector``.

    ``vector`` holds, for the rows selected by ``vectors``, the unit-norm real
    direction of the eigenvector as a list of n_units floats (for a complex pair: the
    major axis of the ellipse the mode traces; see :func:`_real_direction`), and None
    elsewhere. ``vectors`` is "unstable" (default: only modes with ``abs > 1``, the
    ones a plot draws as short lines through saddles), "all", or "none". Use
    :func:`mode_segments` to turn the table into line segments.

    ``points`` is the output of :func:`find_fixed_points` (uses ``point_id``,
    ``state`` and ``input``); the Jacobian is recomputed from the parameters, so the
    eigenvalues are consistent with the ``gamma`` passed here.
    """
    if vectors not in ("unstable", "all", "none"):
        raise ValueError(f"vectors: expected 'unstable', 'all' or 'none', got {vectors!r}")
    W_in, W_rec, b, gamma = _check_network(W_in, W_rec, b, gamma)
    n_units = W_rec.shape[0]
    H, U = _points_arrays(points, n_units, W_in.shape[0])
    cols = {c: [] for c in EIGEN_COLUMNS}
    if len(points) == 0:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(EIGEN_COLUMNS, ["int64", "int64", "float64", "float64", "float64", "bool", "object"])
            }
        )
    J = jacobian(W_rec, b, W_in, gamma, H, U)
    with _single_blas_thread():
        if vectors == "none":
            lam, vec = np.linalg.eigvals(J), None
        else:
            lam, vec = np.linalg.eig(J)
    for p, pid in enumerate(points["point_id"].to_numpy()):
        order = np.lexsort((-lam[p].imag, -lam[p].real, -np.abs(lam[p])))
        for e, k in enumerate(order):
            mod = float(np.abs(lam[p, k]))
            cols["point_id"].append(int(pid))
            cols["eig_index"].append(e)
            cols["real"].append(float(lam[p, k].real))
            cols["imag"].append(float(lam[p, k].imag))
            cols["abs"].append(mod)
            cols["unstable"].append(mod > 1.0)
            want = vectors == "all" or (vectors == "unstable" and mod > 1.0)
            cols["vector"].append(_real_direction(vec[p][:, k]).tolist() if want else None)
    out = pd.DataFrame(cols)
    out["point_id"] = out["point_id"].astype(np.int64)
    out["eig_index"] = out["eig_index"].astype(np.int64)
    out["unstable"] = out["unstable"].astype(bool)
    return out


def mode_segments(points: pd.DataFrame, eigen: pd.DataFrame, scale: float = 0.1) -> pd.DataFrame:
    """Line segments ``state -/+ scale * abs * vector`` for every eigen row that has a vector.

    Returns columns ``point_id``, ``eig_index``, ``start`` and ``end`` (lists of n_units
    floats): project both ends with the same transform as the states (e.g. PCA) and draw a
    line, as the FixedPointFinder plots do (segment half-length proportional to the modulus).
    """
    scale = _positive("scale", scale)
    state = dict(zip(points["point_id"].to_numpy(), points["state"]))
    rows = eigen[eigen["vector"].notna()]
    out = {"point_id": [], "eig_index": [], "start": [], "end": []}
    for pid, e, mod, v in zip(rows["point_id"], rows["eig_index"], rows["abs"], rows["vector"]):
        h = np.asarray(state[pid])
        d = scale * mod * np.asarray(v)
        out["point_id"].append(int(pid))
        out["eig_index"].append(int(e))
        out["start"].append((h - d).tolist())
        out["end"].append((h + d).tolist())
    return pd.DataFrame(out).astype({"point_id": np.int64, "eig_index": np.int64, "start": object, "end": object})
