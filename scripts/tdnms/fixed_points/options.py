"""Every tunable of the fixed-point finder, defined and documented once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .. import config
from .checks import positive

# The workflow config's fields (analysis.fixed_points) take their defaults from the schema.
_SECTION = "analysis.fixed_points"


@dataclass(frozen=True)
class FixedPointOptions:
    """Options of :func:`~tdnms.fixed_points.find_fixed_points` and
    :func:`~tdnms.fixed_points.refine_states`; both also take any field as a keyword.

    Results
    -------
    q_tolerance (1e-20)
        A state with ``q = 0.5 ||F(h) - h||^2`` below this is a true fixed point. Far
        above the float64 round-off floor that Newton reaches (~1e-30) and far below
        anything a first-order optimiser reaches: passing it means "exact up to round-off".
    slow_point_threshold (1e-4, or None)
        States that are not fixed points but have ``q`` below this are kept as kind
        "slow" (usually local minima of ``q``: ghosts of fixed points). None drops them.
        Must be >= ``q_tolerance``.
    unique_tolerance (1e-6)
        Fixed points of the same input closer than this in every coordinate (max-norm)
        are one point. States lie in (-1, 1), so this is also a relative tolerance;
        Newton locates points to ~1e-13.
    slow_unique_tolerance (1e-3)
        The same for slow points, which are located only to roughly ``sqrt(q)``; a slow
        point this close to a fixed point joins the fixed point.
    outlier_distance (10.0, or None)
        Drop points farther from the centroid of the initial states than this many
        times the mean distance of the initial states to that centroid. None keeps all;
        with zero spread nothing is dropped.
    jitter (0.0), seed (None)
        Gaussian noise of standard deviation ``jitter`` added to the initial states,
        drawn from ``numpy.random.default_rng(seed)``: the only randomness.

    Descent phase (optional, before Newton)
    ---------------------------------------
    max_iterations (0)
        Iterations of per-state adaptive-step gradient descent on ``q``; 0 turns the
        phase off (descent is drawn to local minima of ``q`` and measurably lowers
        the number of states that reach fixed points; ``bench/README.md``).
    descent_q (1e-10)
        A state leaves the descent phase once its ``q`` is below this.
    descent_grow (1.25), descent_shrink (0.5), descent_min_step (1e-12)
        Per-state step: times ``descent_grow`` after a decrease of ``q``, times
        ``descent_shrink`` (move rejected) otherwise; a state whose step falls below
        ``descent_min_step`` times the first step (round-off of the state) stops.
    descent_window (5), descent_progress (0.5)
        The phase ends when the summed ``q`` of the descending states is above
        ``descent_progress`` times its value ``descent_window`` iterations earlier.

    Newton / Levenberg-Marquardt phase
    ----------------------------------
    newton_iterations (50)
        Outer iterations; each active state takes one chord sweep or one Newton or
        LM step per iteration.
    abandon_q (None), patience (10), stagnation (0.01)
        A state whose ``q`` is above ``abandon_q`` and fell by less than the fraction
        ``stagnation`` over its last ``patience`` iterations is given up (STALLED): it
        slides into a local minimum of ``q`` too high to be kept. For
        :func:`refine_states` None never gives up; :func:`find_fixed_points` then uses
        ``slow_point_threshold`` (or ``q_tolerance``), the level above which a state
        could not be kept anyway.
    stall_window (4), stall_fraction (0.01)
        Also given up (with ``abandon_q``): a state whose last ``stall_window`` accepted
        steps together lowered ``q`` by less than ``stall_fraction``. States creeping
        into a minimum take many tiny accepted steps; states crossing a plateau towards
        a fixed point alternate rejected steps with accepted ones of a few %.
    backtracks (8), armijo (2e-4)
        Newton steps halve the step length up to ``backtracks - 1`` times until
        ``q_new <= q (1 - armijo alpha)`` (Armijo; the directional derivative of ``q``
        along the Newton direction is ``-2 q``); a state whose line search fails
        switches to LM steps.
    coarse_q (1e-6)
        Newton directions of states with ``q`` above this are solved in float32 (an
        inexact Newton step far from convergence); below it in float64.
    newton_chunk (64)
        States per batch of Newton steps (bounds the line-search arrays).
    lm_first (0.1), lm_min (1e-5), lm_max (1e10)
        LM damping relative to ``||A||_F^2 / N``: the value after a failed Newton line
        search; below ``lm_min`` after successes the state returns to pure Newton;
        above ``lm_max`` after failures it stops (STALLED, or CONVERGED if already
        below ``q_tolerance``).
    stationary (1e-9)
        ``||A^T r|| / (||A|| ||r||)`` below this: ``q`` is at a stationary point (a slow
        point or local minimum) and the state stops.
    cg_iterations (10), cg_tolerance (1e-3)
        LM steps solve ``(A^T A + mu I) d = -A^T r`` by at most ``cg_iterations``
        single-precision conjugate-gradient iterations to relative residual
        ``cg_tolerance``, warm-started from the state's previous LM step.
    polish_gain (0.1), polish_floor (1e-8)
        A state below ``q_tolerance`` keeps iterating while each step still lowers ``q``
        more than tenfold (``q_new < polish_gain q``) and ``q >= polish_floor q_tolerance``.

    Chord steps (simplified Newton with the LU factors at known fixed points)
    -------------------------------------------------------------------------
    chord_steps (12), chord_backtracks (2)
        Per iteration, up to ``chord_steps`` chord steps towards the nearest known
        point of the same input; a step that does not lower ``q`` is halved up to
        ``chord_backtracks`` times.
    chord_retry (1.0)
        After a failed chord attempt, retry once ``q`` is below ``chord_retry`` times
        its value then, or a new point is known.
    known_point_tolerance (1e-8)
        A converged state this close (max-norm) to a known point adds no new factors.
    probe_size (64), probe_min_states (256), probe_idle (3)
        With more than ``probe_min_states`` states, ``probe_size`` evenly spaced ones
        are refined first so that chord steps have points to work from; the probe
        stops ``probe_idle`` iterations after its last new point.
    """

    q_tolerance: float = config.default(_SECTION, "q_tolerance")
    slow_point_threshold: float | None = config.default(_SECTION, "slow_point_threshold")
    unique_tolerance: float = 1e-6
    slow_unique_tolerance: float = 1e-3
    outlier_distance: float | None = 10.0
    jitter: float = 0.0
    seed: int | None = None
    max_iterations: int = 0
    descent_q: float = 1e-10
    descent_grow: float = 1.25
    descent_shrink: float = 0.5
    descent_min_step: float = 1e-12
    descent_window: int = 5
    descent_progress: float = 0.5
    newton_iterations: int = 50
    abandon_q: float | None = None
    patience: int = 10
    stagnation: float = 0.01
    stall_window: int = 4
    stall_fraction: float = 0.01
    backtracks: int = 8
    armijo: float = 2e-4
    coarse_q: float = 1e-6
    newton_chunk: int = 64
    lm_first: float = 0.1
    lm_min: float = 1e-5
    lm_max: float = 1e10
    stationary: float = 1e-9
    cg_iterations: int = 10
    cg_tolerance: float = 1e-3
    polish_gain: float = 0.1
    polish_floor: float = 1e-8
    chord_steps: int = 12
    chord_backtracks: int = 2
    chord_retry: float = 1.0
    known_point_tolerance: float = 1e-8
    probe_size: int = 64
    probe_min_states: int = 256
    probe_idle: int = 3

    def __post_init__(self):
        for field in dataclasses.fields(self):
            if field.name == "seed":
                continue
            value = getattr(self, field.name)
            integer = field.type == "int"
            checked = positive(
                field.name,
                value,
                integer=integer,
                allow_none="None" in field.type,
                allow_zero=field.name in _ZERO_ALLOWED,
            )
            object.__setattr__(self, field.name, checked)
        from ..validate import slow_point_problem

        problem = slow_point_problem(self.slow_point_threshold, self.q_tolerance)
        if problem:  # named as the argument it is here
            raise ValueError(problem.replace("analysis.fixed_points.", ""))

    def replace(self, **changes) -> FixedPointOptions:
        """A copy with ``changes`` (field names as keywords); unknown names raise ``TypeError``."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown fixed-point option(s) {sorted(unknown)}")
        return dataclasses.replace(self, **changes)


_ZERO_ALLOWED = {"jitter", "max_iterations", "newton_iterations", "chord_steps", "chord_backtracks", "probe_min_states"}


def resolve(options: FixedPointOptions | None, changes: dict) -> FixedPointOptions:
    """``options`` (default :class:`FixedPointOptions`) with keyword ``changes`` applied."""
    if options is None:
        return FixedPointOptions(**changes)
    if not isinstance(options, FixedPointOptions):
        raise ValueError(f"options: expected a FixedPointOptions, got {type(options).__name__}")
    return options.replace(**changes) if changes else options
