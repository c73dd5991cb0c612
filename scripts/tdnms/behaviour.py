"""Behavioural timing of the output, as a lick analysis would score a mouse.

Accuracy looks only at the mean output in the response window. A lick analysis
also asks *when* the animal licked: a lick well ahead of the window is a
premature response, and licking that goes on well after the window has closed
is a late one. Here a "lick" is the output at or above the response threshold,
and "well" means more than ``grace`` bins: a leaky network (decay ``gamma``)
cannot step its output from 0 to 1 the way its target does, so a network that
minimises MSE starts rising shortly before the window opens and decays for a
few bins after it closes (the half-rise time of a leaky unit is
ln 2 / -ln(1 - gamma) bins). With a window of half-open bins [start, stop):

* ``premature``: the output is at or above the threshold at some bin
  t < start - grace (more than ``grace`` bins before the window opens);
  ``premature_bin`` is the first such bin (-1 if none).
* ``late``: the output is at or above the threshold at some bin
  t >= stop + grace (more than ``grace`` bins after the last window bin,
  stop - 1); ``late_bin`` is the last such bin (-1 if none).
* ``crossing``: the first bin at or above the threshold anywhere in the trial,
  relative to the window's opening (negative: before it; NaN if never): the
  first-lick time of a lick analysis.
* ``latency``: bins from the window's opening to the first bin inside it at or
  above the threshold (NaN if the output never gets there).
* ``peak_output``: the largest output inside the window.

With ``grace`` 0, ``premature`` and ``late`` together are "at or above the
threshold anywhere outside the window".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Quantiles of the first crossing kept per trial type in the summaries (``crossing_q10`` ...).
CROSSING_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def half_rise_bins(gamma: float) -> float:
    """Bins a leaky unit with decay ``gamma`` takes to cover half of a step in its drive.

    ``h[t] = 1 - (1 - gamma)**t`` reaches 0.5 at ``t = ln 2 / -ln(1 - gamma)``
    (about ``ln 2 / gamma`` for small ``gamma``; 0 for ``gamma`` 1).
    """
    if not 0 < gamma <= 1:
        raise ValueError(f"gamma: expected a number in (0, 1], got {gamma!r}")
    return 0.0 if gamma == 1 else float(np.log(2.0) / -np.log1p(-gamma))


def timing_metrics(outputs: np.ndarray, response_window, threshold: float, grace: int = 0) -> dict[str, np.ndarray]:
    """Per-trial timing of threshold crossings (definitions in the module docstring).

    ``outputs`` is (n_trials, n_bins), one row per trial; ``response_window`` the
    half-open bin range [start, stop), or an (n_trials, 2) array of one range per
    trial (the timing variant); ``grace`` (bins, >= 0) the slack on either side of
    the window. Returns arrays of length n_trials: ``premature`` (bool),
    ``premature_bin`` (int, -1 if none), ``late`` (bool), ``late_bin`` (int, -1 if
    none), ``crossing`` (float bins from ``start``, NaN if none), ``latency``
    (float bins from ``start``, NaN if none) and ``peak_output`` (float).
    """
    out = np.asarray(outputs, dtype=np.float64)
    if out.ndim != 2:
        raise ValueError(f"outputs: expected (n_trials, n_bins), got shape {out.shape}")
    if int(grace) != grace or grace < 0:
        raise ValueError(f"grace: expected a whole number of bins >= 0, got {grace!r}")
    windows = np.broadcast_to(np.asarray(response_window, dtype=np.int64), (out.shape[0], 2))
    start, stop = windows[:, :1], windows[:, 1:]
    bins = np.arange(out.shape[1])
    above = out >= threshold
    inside = (bins >= start) & (bins < stop)
    before = above & (bins < start - grace)
    after = above & (bins >= stop + grace)
    premature, late = before.any(axis=1), after.any(axis=1)
    last_after = out.shape[1] - 1 - after[:, ::-1].argmax(axis=1)
    return {
        "premature": premature,
        "premature_bin": np.where(premature, before.argmax(axis=1), -1).astype(np.int64),
        "late": late,
        "late_bin": np.where(late, last_after, -1).astype(np.int64),
        "crossing": _first_from(above, start[:, 0]),
        "latency": _first_from(above & inside, start[:, 0]),
        "peak_output": np.where(inside, out, -np.inf).max(axis=1),
    }


def _first_from(mask: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Per row: first True bin of ``mask`` minus ``origin`` (float), NaN for rows without one."""
    hit = mask.any(axis=1)
    return np.where(hit, (mask.argmax(axis=1) - origin).astype(np.float64), np.nan)


def summarise_timing(scored: pd.DataFrame) -> pd.DataFrame:
    """Per trial type and overall: premature_rate, late_rate, mean latency (of trials that
    crossed in the window), mean peak output and the :data:`CROSSING_QUANTILES` of the first
    crossing (``crossing_q10`` ...; of the trials that crossed, NaN if none did); ``grace`` too
    when ``scored`` has that column."""

    def agg(frame: pd.DataFrame) -> dict:
        crossed = frame["crossing"].dropna().to_numpy(dtype=np.float64)
        quantiles = np.quantile(crossed, CROSSING_QUANTILES) if crossed.size else [np.nan] * len(CROSSING_QUANTILES)
        return {
            "premature_rate": float(frame["premature"].mean()),
            "late_rate": float(frame["late"].mean()),
            "latency": float(frame["latency"].mean()) if frame["latency"].notna().any() else float("nan"),
            "peak_output": float(frame["peak_output"].mean()),
            **{crossing_column(q): float(v) for q, v in zip(CROSSING_QUANTILES, quantiles)},
            **({"grace": int(frame["grace"].max())} if "grace" in frame else {}),
        }

    rows = [{"trial_type": str(name), **agg(sub)} for name, sub in scored.groupby("trial_type", sort=True)]
    rows.append({"trial_type": "all", **agg(scored)})
    return pd.DataFrame(rows)


def crossing_column(q: float) -> str:
    """Summary column of quantile ``q`` of the first crossing: 0.1 -> ``crossing_q10``."""
    return f"crossing_q{round(100 * q):02d}"
