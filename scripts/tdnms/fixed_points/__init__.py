"""Fixed and slow points of the noise-free leaky RNN map.

The network updates its state as ``F(h, u) = (1 - gamma) h + gamma tanh(u W_in + h W_rec + b)``
(row vectors; :mod:`.leaky_map`). Noise is off: fixed points are a property of the
deterministic part of the dynamics. A fixed point satisfies ``h = tanh(u W_in + h W_rec + b)``,
so its *location* does not depend on ``gamma``; its *stability* does, through the
Jacobian ``J = (1 - gamma) I + gamma diag(1 - tanh(z)^2) W_rec^T`` (:mod:`.kinds`).

Method (:func:`find_fixed_points`), batched over every initial state, all states and
``q`` in float64 (single precision only inside solves whose result is judged by its
float64 ``q``):

1. Minimise ``q = 0.5 ||F(h) - h||^2`` by damped Newton (:mod:`.newton`): solve
   ``(J - I) d = -(F(h) - h)`` per state, with an Armijo line search on ``q`` (the
   Newton direction is a descent direction, derivative ``-2 q``). Where ``J - I`` is
   singular or no step along it lowers ``q``, switch to Levenberg-Marquardt steps
   solved matrix-free by conjugate gradients (:mod:`.damped`), and back once the
   damping has decayed. Near a fixed point the iteration converges quadratically to
   the float64 round-off floor (``q ~ 1e-30``), which makes ``q_tolerance = 1e-20``
   a test of "exactly a fixed point".
2. Chord steps (:mod:`.chord`): states near an already converged point reuse its LU
   factors (O(N^2) per step instead of O(N^3)). Every accepted step of every kind
   lowers ``q``; nothing is snapped to a known point.
3. States stalled above the level at which they could be kept are given up
   (:mod:`.abandon`); an optional gradient-descent phase can run first (:mod:`.descent`).
4. Deduplication, outliers and eigenvalues of the unique points (:mod:`.result`).

Every tunable is a field of :class:`FixedPointOptions`; measurements behind the
defaults are in ``bench/README.md``.

Modules: :mod:`.leaky_map` (F, q, J, products with J - I), :mod:`.options`,
:mod:`.refine` (:func:`refine_states`: the optimiser alone, per initial state),
:mod:`.solver` / :mod:`.iterates` / :mod:`.newton` / :mod:`.damped` / :mod:`.chord` /
:mod:`.abandon` / :mod:`.descent` (the iteration), :mod:`.result` (unique points),
:mod:`.finder` (:func:`find_fixed_points`), :mod:`.eigen` (:func:`eigen_table`,
:func:`mode_segments`), :mod:`.kinds` (:data:`KINDS`) and :mod:`.conditions` (the
workflow's named input conditions).
"""

from .eigen import EIGEN_COLUMNS, eigen_table, mode_segments
from .finder import find_fixed_points, locate_fixed_points
from .iterates import CONVERGED, MAX_ITERATIONS, STALLED
from .kinds import KINDS
from .leaky_map import jacobian, leaky_map, speed
from .options import FixedPointOptions
from .refine import RefineResult, refine_states
from .result import POINT_COLUMNS, FixedPoints

__all__ = [
    "CONVERGED",
    "EIGEN_COLUMNS",
    "KINDS",
    "MAX_ITERATIONS",
    "POINT_COLUMNS",
    "STALLED",
    "FixedPointOptions",
    "FixedPoints",
    "RefineResult",
    "eigen_table",
    "find_fixed_points",
    "jacobian",
    "leaky_map",
    "locate_fixed_points",
    "mode_segments",
    "refine_states",
    "speed",
]
