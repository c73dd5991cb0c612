"""Single-unit analyses as run on recordings: tuning, time cells and ramping cells.

Activity is treated like a calcium trace: per unit and trial type it is shifted
so that its minimum over all trials and bins is zero. Then, per unit and trial type:

* **Tuning**: the trial-averaged trace, its peak bin and its width (bins around
  the peak at or above half the peak height, contiguous).
* **Time cell**: the ridge-to-background ratio of the trial-averaged trace (mean
  within ``ridge_halfwidth`` bins of the peak over the mean elsewhere) beats a
  shuffle null (each trial circularly shifted by its own random offset, the
  average recomputed, ``n_shuffles`` times; p = (1 + #null >= observed) / (1 + n_shuffles)
  <= ``alpha``), the peaks of the odd- and even-trial averages lie within
  ``peak_tolerance`` bins, the peak-to-trough height is at least ``min_amplitude``
  and the width at most ``max_width`` bins (a field, not a plateau).
* **Ramping cell**: over the epoch ``ramp_epoch`` the per-trial least-squares
  slopes differ from zero (two-sided t-test across trials, p < ``alpha``), the
  trial average is monotonic (|Spearman rho| >= ``ramp_min_rho``) and changes by
  at least ``min_amplitude`` over the epoch.

A unit that passes both tests is classed a time cell. The shuffles are
vectorised through the FFT: a circular shift is a phase ramp, so the averages of
all shuffles of all units are one batched complex matrix product per frequency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import config



def epoch_window(spec, trial_type: str, name: str) -> tuple[int, int]:
    """Half-open bin range of a named epoch of one trial type of ``spec`` (a TaskSpec).

    ``delay`` runs from the end of the first odor to the start of the second.
    """
    windows = spec.trial_type(trial_type).odor_windows
    if name == "trial":
        return 0, spec.n_bins
    if name == "first_odor":
        return tuple(windows[0])
    if name == "second_odor":
        return tuple(windows[-1])
    if name == "delay":
        return windows[0][1], windows[1][0] if len(windows) > 1 else spec.response_window[0]
    if name == "response":
        return tuple(spec.response_window)
    allowed = ", ".join(config.allowed_values("analysis.units", "ramp_epoch"))
    raise ValueError(f"analysis.units.ramp_epoch: unknown epoch {name!r} (allowed: {allowed})")


def ridge_background(mean: np.ndarray, halfwidth: int) -> np.ndarray:
    """Ridge-to-background ratio along the last axis of non-negative traces ``mean`` (..., T).

    The ridge is the bins within ``halfwidth`` of the peak (clipped to the trial),
    the background every other bin.
    """
    T = mean.shape[-1]
    peak = mean.argmax(axis=-1)[..., None]
    lo, hi = np.maximum(peak - halfwidth, 0), np.minimum(peak + halfwidth + 1, T)
    # Window sums from one cumulative sum instead of a (..., T) mask.
    cum = np.concatenate([np.zeros(mean.shape[:-1] + (1,), mean.dtype), np.cumsum(mean, axis=-1)], axis=-1)
    ridge_sum = (np.take_along_axis(cum, hi, -1) - np.take_along_axis(cum, lo, -1))[..., 0]
    n_ridge = (hi - lo)[..., 0]
    background = (cum[..., -1] - ridge_sum) / np.maximum(T - n_ridge, 1)
    return (ridge_sum / n_ridge) / (background + 1e-9 * (mean.max(axis=-1) + 1e-12))


def shuffled_means(activity: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Trial averages after circularly shifting each trial.

    ``activity`` (n_trials, units, T); ``offsets`` (n_shuffles, n_trials) integer
    shifts. Returns float32 (n_shuffles, units, T) (a strided view): entry s is the
    mean over trials i of ``np.roll(activity[i], offsets[s, i], axis=-1)``.
    """
    n, _, T = activity.shape
    spectrum = np.fft.rfft(activity, axis=-1).astype(np.complex64)  # (n, U, F)
    spectrum = np.ascontiguousarray(spectrum.transpose(2, 0, 1)) / np.float32(n)  # (F, n, U)
    freqs = np.arange(spectrum.shape[0])
    phase = np.exp((-2j * np.pi / T) * freqs[:, None, None] * offsets[None]).astype(np.complex64)  # (F, S, n)
    mixed = np.matmul(phase, spectrum)  # per frequency (S, n) @ (n, U) -> (F, S, U)
    return np.moveaxis(np.fft.irfft(mixed, n=T, axis=0).astype(np.float32), 0, -1)


def tuning_width(trace: np.ndarray) -> int:
    """Bins of the contiguous run around the peak of ``trace`` at or above half its height."""
    low, peak = trace.min(), int(trace.argmax())
    above = trace >= low + 0.5 * (trace[peak] - low)
    left = peak
    while left > 0 and above[left - 1]:
        left -= 1
    right = peak
    while right < len(trace) - 1 and above[right + 1]:
        right += 1
    return right - left + 1


def shuffle_test(activity: np.ndarray, options: dict, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Ridge-to-background statistic, null threshold and p-value per unit.

    ``activity`` (n_trials, units, T), non-negative. Returns (statistic, threshold,
    p_value), each (units,); threshold is the (1 - alpha) quantile of the null.
    """
    n, units, T = activity.shape
    halfwidth = int(options["ridge_halfwidth"])
    observed = ridge_background(activity.mean(axis=0), halfwidth)
    exceed = np.zeros(units)
    nulls = []
    remaining = int(options["n_shuffles"])
    while remaining > 0:  # chunks bound the memory of the (S, U, T) block
        chunk = min(remaining, 100)
        offsets = rng.integers(0, T, size=(chunk, n))
        null = ridge_background(shuffled_means(activity, offsets), halfwidth)  # (chunk, U)
        exceed += (null >= observed).sum(axis=0)
        nulls.append(null)
        remaining -= chunk
    null = np.concatenate(nulls)
    threshold = np.quantile(null, 1.0 - float(options["alpha"]), axis=0)
    p_value = (1.0 + exceed) / (1.0 + len(null))
    return observed, threshold, p_value


def ramp_test(activity: np.ndarray, window: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit over ``window``: mean per-trial slope (per bin), its t-test p-value and Spearman rho of the mean.

    ``activity`` (n_trials, units, T).
    """
    from scipy import stats

    x = activity[:, :, window[0] : window[1]]
    n, _, L = x.shape
    t = np.arange(L) - (L - 1) / 2.0
    slopes = (x * t).sum(axis=-1) / (t**2).sum()  # (n, U)
    mean = slopes.mean(axis=0)
    sd = slopes.std(axis=0, ddof=1) if n > 1 else np.zeros_like(mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = np.where(sd > 0, mean / (sd / np.sqrt(n)), np.where(mean != 0, np.inf, 0.0))
    p_value = 2.0 * stats.t.sf(np.abs(tstat), df=max(n - 1, 1))
    avg = x.mean(axis=0)  # (U, L)
    ranks = stats.rankdata(avg, axis=-1) - (L + 1) / 2.0
    norm = np.sqrt((ranks**2).sum(axis=-1) * (t**2).sum())
    rho = np.where(norm > 0, (ranks * t).sum(axis=-1) / np.where(norm > 0, norm, 1.0), 0.0)
    return mean, p_value, rho


def classify_type(activity: np.ndarray, window: tuple[int, int], options: dict, rng) -> pd.DataFrame:
    """Per-unit table for one trial type; ``activity`` (n_trials, units, T) as recorded."""
    a = activity - activity.min(axis=(0, 2), keepdims=True)
    mean = a.mean(axis=0)
    peak = mean.argmax(axis=-1)
    peak_odd = a[0::2].mean(axis=0).argmax(axis=-1)
    peak_even = a[1::2].mean(axis=0).argmax(axis=-1) if len(a) > 1 else peak_odd
    amplitude = mean.max(axis=-1) - mean.min(axis=-1)
    width = np.array([tuning_width(trace) for trace in mean])
    statistic, threshold, p_value = shuffle_test(a, options, rng)
    slope, ramp_p, rho = ramp_test(a, window)
    alpha = float(options["alpha"])
    reliable = np.abs(peak_odd - peak_even) <= int(options["peak_tolerance"])
    time_cell = (p_value <= alpha) & reliable & (amplitude >= options["min_amplitude"]) & (width <= options["max_width"])
    change = np.abs(slope) * (window[1] - window[0] - 1)
    ramping = (ramp_p < alpha) & (np.abs(rho) >= options["ramp_min_rho"]) & (change >= options["min_amplitude"])
    return pd.DataFrame(
        {
            "unit": np.arange(a.shape[1], dtype=np.int32),
            "peak_bin": peak.astype(np.int32),
            "peak_bin_odd": peak_odd.astype(np.int32),
            "peak_bin_even": peak_even.astype(np.int32),
            "width": width.astype(np.int32),
            "amplitude": amplitude,
            "statistic": statistic,
            "null_threshold": threshold,
            "p_value": p_value,
            "reliable": reliable,
            "ramp_slope": slope,
            "ramp_p_value": ramp_p,
            "ramp_rho": rho,
            "time_cell": time_cell,
            "ramping": ramping & ~time_cell,
            "class": np.where(time_cell, "time", np.where(ramping, "ramp", "other")),
        }
    )


def classify_units(states: np.ndarray, trial_types: np.ndarray, windows: dict, options: dict | None = None):
    """Tuning and class of every unit for every trial type.

    ``states`` (n_trials, T, units); ``trial_types`` (n_trials,) names;
    ``windows`` maps each trial type to the ramp epoch's (start, stop);
    ``options`` is a (partial) ``analysis.units`` section; the schema fills the rest. Returns ``(units, tuning)``: the
    per-(unit, trial type) table of :func:`classify_type` plus ``trial_type``
    and ``n_trials`` columns, and a long table of trial-averaged raw activity
    (trial_type, half in {all, odd, even}, unit, time_bin, activity), odd/even
    counted within the trial type.
    """
    options = config.check_section("analysis.units", options)
    rng = np.random.default_rng(int(options["seed"]))
    tables, tuning = [], []
    for name in sorted(set(trial_types.tolist())):
        activity = np.ascontiguousarray(states[trial_types == name].transpose(0, 2, 1))
        table = classify_type(activity, windows[name], options, rng)
        table.insert(0, "trial_type", name)
        table.insert(1, "n_trials", np.int32(len(activity)))
        tables.append(table)
        for half, rows in (("all", activity), ("odd", activity[0::2]), ("even", activity[1::2])):
            mean = rows.mean(axis=0) if len(rows) else np.full(activity.shape[1:], np.nan)
            units, T = mean.shape
            tuning.append(
                pd.DataFrame(
                    {
                        "trial_type": name,
                        "half": half,
                        "unit": np.repeat(np.arange(units, dtype=np.int32), T),
                        "time_bin": np.tile(np.arange(T, dtype=np.int32), units),
                        "activity": mean.reshape(-1).astype(np.float32),
                    }
                )
            )
    return pd.concat(tables, ignore_index=True), pd.concat(tuning, ignore_index=True)


def class_fractions(units: pd.DataFrame) -> pd.DataFrame:
    """Fraction of units per trial type (and over types: 'any') that are time or ramping cells."""
    per_type = units.groupby("trial_type", sort=True).agg(
        n_units=("unit", "size"), time_cell_fraction=("time_cell", "mean"), ramping_fraction=("ramping", "mean")
    )
    any_type = units.groupby("unit").agg(time_cell=("time_cell", "any"), ramping=("ramping", "any"))
    per_type.loc["any"] = [len(any_type), any_type["time_cell"].mean(), (any_type["ramping"] & ~any_type["time_cell"]).mean()]
    out = per_type.reset_index()
    out["n_units"] = out["n_units"].astype(np.int64)
    return out
