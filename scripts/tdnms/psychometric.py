"""Psychometric fit for a non-match judgement: P(go) against the duration difference.

In tDNMS "go" means "the two durations differ", so P(go) is low where the
network judges them equal and rises on both sides. The model is a logistic in
the distance from the point of subjective equality (PSE):

    P(go | d) = sigmoid(slope * (|d - pse| - threshold))

``d`` = second minus first duration (bins); ``pse`` is the difference judged
"same" (0 for an unbiased observer); ``threshold`` is the half-width of the
"same" zone, i.e. P(go) = 0.5 at ``d = pse +- threshold`` (the two midpoints);
``slope`` (1/bin) is the logistic slope there (dP/dd = slope / 4 at the
midpoints). Fitted by maximum binomial likelihood.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


def p_go(d, pse: float, threshold: float, slope: float) -> np.ndarray:
    """The model's P(go) at differences ``d``."""
    return expit(slope * (np.abs(np.asarray(d, dtype=float) - pse) - threshold))


def _neg_log_likelihood(theta, d, k, n):
    p = np.clip(p_go(d, *theta), 1e-9, 1 - 1e-9)
    return -np.sum(k * np.log(p) + (n - k) * np.log1p(-p))


def fit(d, n_go, n_trials, max_slope: float = 5.0) -> dict:
    """Fit ``pse``, ``threshold``, ``slope`` to go counts ``n_go`` out of ``n_trials`` at differences ``d``.

    Returns a dict with the three parameters, ``deviance`` (twice the negative
    log-likelihood) and ``converged``. The slope is bounded to [0, max_slope]
    (a step sharper than the grid spacing cannot be resolved); ``pse`` to the
    tested range, ``threshold`` to +- its width.
    """
    d, k, n = (np.asarray(a, dtype=float) for a in (d, n_go, n_trials))
    if not (d.shape == k.shape == n.shape) or d.ndim != 1 or len(d) < 3:
        raise ValueError("psychometric fit: need three equal-length 1-D arrays with at least 3 points")
    lo, hi = float(d.min()), float(d.max())
    width = hi - lo
    bounds = [(lo, hi), (-width, width), (0.0, max_slope)]
    # Coarse grid of the likelihood first (cheap), then local fits from its two best points.
    starts = [
        (pse0, thr0, slope0)
        for pse0 in np.linspace(lo + width / 8, hi - width / 8, 7)
        for thr0 in np.linspace(-width / 4, width / 2, 7)
        for slope0 in (0.03, 0.1, 0.3, 1.0)
    ]
    starts.sort(key=lambda theta: _neg_log_likelihood(theta, d, k, n))
    best = None
    for x0 in starts[:2]:
        result = minimize(_neg_log_likelihood, x0=x0, args=(d, k, n), method="L-BFGS-B", bounds=bounds)
        if best is None or result.fun < best.fun:
            best = result
    pse, threshold, slope = (float(v) for v in best.x)
    return {
        "pse": pse,
        "threshold": threshold,
        "slope": slope,
        "deviance": float(2 * best.fun),
        "converged": bool(best.success),
    }


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
