"""Psychometric fit for a non-match judgement: P(go) against the duration difference.

In tDNMS "go" means "the two durations differ", so P(go) is low where the
network judges them equal and rises on both sides. The model is a logistic in
the distance from the point of subjective equality (PSE):

    P(go | d) = sigmoid(slope * (|d - pse| - threshold))

``d`` = second minus first duration (bins); ``pse`` is the difference judged
"same" (0 for an unbiased observer); ``threshold`` (>= 0) is the half-width of
the "same" zone, i.e. P(go) = 0.5 at ``d = pse +- threshold`` (the two
midpoints; with ``threshold`` 0 the minimum of P(go) at the PSE is at most 0.5);
``slope`` (1/bin) is the logistic slope there (dP/dd = slope / 4 at the
midpoints). Fitted by maximum binomial likelihood.

Goodness of fit: the ``deviance`` against the saturated model (one P(go) per
tested difference; about ``dof`` = points - 3 for a binomial observer the model
describes) and ``pseudo_r2``, the share of the null deviance (one P(go) for all
differences) the model explains: 1 - deviance / null deviance.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, xlogy

#: Fits that explain less of the null deviance than this are "poor" (figures mark them).
POOR_FIT_R2 = 0.8


def p_go(d, pse: float, threshold: float, slope: float) -> np.ndarray:
    """The model's P(go) at differences ``d``."""
    return expit(slope * (np.abs(np.asarray(d, dtype=float) - pse) - threshold))


def _neg_log_likelihood(theta, d, k, n):
    p = np.clip(p_go(d, *theta), 1e-9, 1 - 1e-9)
    return -np.sum(k * np.log(p) + (n - k) * np.log1p(-p))


def deviance(k, n, p) -> float:
    """Binomial deviance of probabilities ``p`` against the saturated model (observed ``k / n``)."""
    k, n, p = (np.asarray(a, dtype=float) for a in (k, n, p))
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(2 * np.sum(xlogy(k, k / (n * p)) + xlogy(n - k, (n - k) / (n * (1 - p)))))


def fit(d, n_go, n_trials, max_slope: float = 5.0) -> dict:
    """Fit ``pse``, ``threshold``, ``slope`` to go counts ``n_go`` out of ``n_trials`` at differences ``d``.

    Returns a dict with the three parameters, ``deviance`` (against the saturated
    model), ``null_deviance``, ``pseudo_r2`` (NaN when the null deviance is 0: a flat
    P(go) leaves nothing to explain), ``n_points``, ``dof`` and ``converged``. Bounds:
    ``pse`` within the tested range, ``threshold`` in [0, range width], ``slope`` in
    [0, max_slope] (a step sharper than the grid spacing cannot be resolved).
    """
    d, k, n = (np.asarray(a, dtype=float) for a in (d, n_go, n_trials))
    if not (d.shape == k.shape == n.shape) or d.ndim != 1 or len(d) < 3:
        raise ValueError("psychometric fit: need three equal-length 1-D arrays with at least 3 points")
    lo, hi = float(d.min()), float(d.max())
    width = hi - lo
    bounds = [(lo, hi), (0.0, width), (0.0, max_slope)]
    # Coarse grid of the likelihood first (cheap), then local fits from its two best points.
    starts = [
        (pse0, thr0, slope0)
        for pse0 in np.linspace(lo + width / 8, hi - width / 8, 7)
        for thr0 in np.linspace(0.0, width / 2, 7)
        for slope0 in (0.03, 0.1, 0.3, 1.0)
    ]
    starts.sort(key=lambda theta: _neg_log_likelihood(theta, d, k, n))
    best = None
    for x0 in starts[:2]:
        result = minimize(_neg_log_likelihood, x0=x0, args=(d, k, n), method="L-BFGS-B", bounds=bounds)
        if best is None or result.fun < best.fun:
            best = result
    pse, threshold, slope = (float(v) for v in best.x)
    dev = deviance(k, n, p_go(d, pse, threshold, slope))
    null = deviance(k, n, np.full(d.shape, k.sum() / n.sum()))
    return {
        "pse": pse,
        "threshold": threshold,
        "slope": slope,
        "deviance": dev,
        "null_deviance": null,
        "pseudo_r2": float(1 - dev / null) if null > 0 else float("nan"),
        "n_points": int(len(d)),
        "dof": int(len(d) - 3),
        "converged": bool(best.success),
    }


def poor(pseudo_r2) -> np.ndarray:
    """True where a fit is poor: it explains less than :data:`POOR_FIT_R2` of the null deviance,
    or there was nothing to explain (NaN: flat P(go))."""
    r2 = np.asarray(pseudo_r2, dtype=float)
    return ~(r2 >= POOR_FIT_R2)


def pooled(grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Differences, go counts and trial counts pooled over grid probes with equal ``second - first``.

    ``grid`` is a probe table (columns first, second, p_go, n_repeats).
    """
    diff = (grid["second"] - grid["first"]).to_numpy()
    n_go = np.rint(grid["p_go"].to_numpy() * grid["n_repeats"].to_numpy())
    values = np.unique(diff)
    k = np.array([n_go[diff == v].sum() for v in values])
    n = np.array([grid["n_repeats"].to_numpy()[diff == v].sum() for v in values])
    return values, k, n
