"""Figures of the neuroscience analyses: sequences, decoding, speed, and their sweeps.

Panel functions draw on a given axes from the analysis tables, so the per-model
figures and the manuscript figures (:mod:`tdnms.manuscript`) show the same
numbers from the same files. Figure functions assemble the per-model and sweep
figures from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .plots import _shade_epochs, plt
from .style import gamma_axis, log_y, type_color, type_order
from .task import TaskSpec

HEATMAP = "viridis"


# ----------------------------------------------------------------------------- panels
def normalised_rows(tuning: pd.DataFrame, trial_type: str, half: str) -> np.ndarray:
    """(units, T) trial-averaged activity of one half, each unit scaled to [0, 1]."""
    sub = tuning[(tuning["trial_type"] == trial_type) & (tuning["half"] == half)]
    wide = sub.pivot(index="unit", columns="time_bin", values="activity").to_numpy(dtype=np.float64)
    low, high = np.nanmin(wide, axis=1, keepdims=True), np.nanmax(wide, axis=1, keepdims=True)
    return (wide - low) / np.where(high > low, high - low, 1.0)


def sequence_heatmap(ax, tuning: pd.DataFrame, shown: str, sorted_by: str, spec: TaskSpec, colorbar=False):
    """Even-trial activity of type ``shown``, units ordered by their odd-trial peak in type ``sorted_by``."""
    order = np.argsort(normalised_rows(tuning, sorted_by, "odd").argmax(axis=1), kind="stable")
    image = normalised_rows(tuning, shown, "even")[order]
    im = ax.imshow(image, aspect="auto", cmap=HEATMAP, vmin=0, vmax=1, interpolation="nearest")
    for start, stop in spec.trial_type(shown).odor_windows:
        ax.axvline(start - 0.5, color="w", lw=0.6, ls="--")
        ax.axvline(stop - 0.5, color="w", lw=0.6, ls="--")
    ax.set_xlabel("time bin")
    ax.set_ylabel(f"unit ({sorted_by} order)")
    ax.set_title(f"{shown}, even trials")
    if colorbar:
        plt.colorbar(im, ax=ax, fraction=0.05, label="normalised activity")
    return im


def seed_mean_sem(table: pd.DataFrame, column: str, by: list[str]) -> pd.DataFrame:
    """Mean, SEM (over seeds; 0 with one seed) and count of ``column`` per ``by`` group."""
    grouped = table.groupby(by, sort=True)[column]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    out["sem"] = (out["std"] / np.sqrt(out["count"])).fillna(0.0)
    return out


# Columns that are fractions: their axes always span [0, 1], so that a flat 0 or 1 reads as one.
FRACTIONS = ("accuracy", "premature_rate", "late_rate", "time_cell_fraction", "ramping_fraction")


def metric_vs_gamma(ax, table: pd.DataFrame, column: str, label: str, types=None):
    """``column`` against gamma: seeds as dots, mean +- SEM over seeds as a line, one line per type."""
    gammas = sorted(table["gamma"].unique())
    groups = types if types is not None else [None]
    offsets = np.linspace(-0.04, 0.04, len(groups)) if len(groups) > 1 else [0.0]
    for off, name in zip(offsets, groups):
        sub = table if name is None else table[table["trial_type"] == name]
        color = "k" if name is None or name == "any" else type_color(name)
        ax.scatter(sub["gamma"] * (1 + off), sub[column], s=6, color=color, alpha=0.4, lw=0)
        stats = seed_mean_sem(sub, column, ["gamma"])
        ax.errorbar(
            stats["gamma"] * (1 + off), stats["mean"], yerr=stats["sem"], color=color, lw=1.2, capsize=2,
            label=name if name is not None else None,
        )
    gamma_axis(ax, gammas)
    if column in FRACTIONS:
        ax.set_ylim(-0.04, 1.04)
    if not np.isfinite(table[column].to_numpy(dtype=float)).any():
        ax.text(0.5, 0.5, "no data:\nno trial reached it", transform=ax.transAxes, ha="center", va="center", color="0.4")
    ax.set_ylabel(label)


def crossing_panel(ax, scores: pd.DataFrame, types: list[str], grace: int | None = None):
    """First crossing of 0.5 relative to the window's opening, per gamma (rows) and trial type.

    ``scores`` is the sweep score table (one row per network and trial type with the
    ``crossing_q10`` ... ``crossing_q90`` quantiles of :func:`tdnms.behaviour.summarise_timing`).
    Each quantile is averaged over seeds (Vincent averaging, so every network weighs
    the same): bar 25-75 %, whiskers 10-90 %, dot the median. The window opens at 0
    (green line); with ``grace``, a dashed line marks -grace (crossings left of it are
    premature). The axis is linear within max(grace, 10) bins of the opening and logarithmic
    beyond. Returns the number of (gamma, type) distributions drawn.
    """
    from .behaviour import CROSSING_QUANTILES, crossing_column

    cols = [crossing_column(q) for q in CROSSING_QUANTILES]
    gammas = sorted(scores["gamma"].unique())
    offsets = np.linspace(-0.22, 0.22, len(types)) if len(types) > 1 else [0.0]
    drawn = 0
    for off, name in zip(offsets, types):
        sub = scores[scores["trial_type"] == name]
        vincent = sub.groupby("gamma")[cols].mean()
        any_of_type = False
        for row, gamma in enumerate(gammas):
            if gamma not in vincent.index or not np.isfinite(vincent.loc[gamma].to_numpy(dtype=float)).all():
                continue
            q10, q25, q50, q75, q90 = vincent.loc[gamma].to_numpy(dtype=float)
            y, color = row + off, type_color(name, types)
            ax.plot([q10, q90], [y, y], color=color, lw=0.8)
            ax.plot([q25, q75], [y, y], color=color, lw=3.0, solid_capstyle="butt", alpha=0.6)
            ax.plot([q50], [y], "o", color=color, ms=3, label=None if any_of_type else name)
            drawn, any_of_type = drawn + 1, True
    ax.axvline(0, color="tab:green", lw=0.8)
    if grace:
        ax.axvline(-grace, color="0.4", lw=0.7, ls="--")
    # Linear within +-max(grace, 10) bins, where on-time crossings lie; logarithmic beyond, so an
    # early response 50 bins ahead does not squeeze the on-time distributions to a point.
    linear = max(grace or 0, 10)
    ax.set_xscale("symlog", linthresh=linear, linscale=1.5)
    ends = [line.get_xdata() for line in ax.get_lines() if len(line.get_xdata()) == 2]
    low = min([-linear] + [float(np.min(x)) for x in ends])
    high = max([linear] + [float(np.max(x)) for x in ends])
    ticks = {0, -linear, linear} | ({-5, 5} if linear >= 10 else set())
    ticks |= {-10 * int(-low // 10)} if low < -2 * linear else set()
    ticks |= {10 * int(high // 10)} if high > 2 * linear else set()
    ax.set_xlim(low * (1.15 if low < -linear else 1.05), high * (1.15 if high > linear else 1.05))
    ticks = sorted(ticks)
    ax.set_xticks(ticks, [f"{t:d}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks(range(len(gammas)), [f"{g:g}" for g in gammas])
    ax.set_ylim(len(gammas) - 0.5, -0.5)
    ax.set_ylabel("gamma")
    ax.set_xlabel("first crossing of 0.5 − window opening (bins)")
    if not drawn:
        # Narrow (fig. 1 f): short lines, so the note stays clear of the gamma labels.
        note = "no data:\nno trial\ncrossed 0.5"
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color="0.4", fontsize="small")
    return drawn


def time_error_panel(ax, time_errors: pd.DataFrame, spec: TaskSpec):
    """Mean absolute elapsed-time decoding error (bins) against the true bin, per trial type."""
    for name in spec.draw:
        sub = time_errors[time_errors["trial_type"] == name]
        ax.plot(sub["time_bin"], sub["mean_abs_error"], color=type_color(name, list(spec.draw)), lw=1, label=name)
    ax.axvspan(*spec.response_window, color="tab:green", alpha=0.12, lw=0)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("time bin")
    ax.set_ylabel("time decoding error (bins)")


def accuracy_panel(ax, accuracy: pd.DataFrame, target: str, spec: TaskSpec, threshold: float | None = None):
    """Cross-validated balanced accuracy of one label against time, chance dashed."""
    sub = accuracy[accuracy["target"] == target]
    ax.plot(sub["time_bin"], sub["accuracy"], color="k", lw=1.2)
    ax.axhline(float(sub["chance"].iloc[0]), color="0.5", ls="--", lw=0.7)
    if threshold is not None:
        ax.axhline(threshold, color="tab:red", ls=":", lw=0.7)
    ax.axvspan(*spec.response_window, color="tab:green", alpha=0.12, lw=0)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("time bin")
    ax.set_ylabel({"trial_type": "trial-type", "first_odor_duration": "first-odor duration"}.get(target, target)
                  + "\ndecoding (bal. acc.)")


def speed_panel(ax, speed: pd.DataFrame, trial_type: str, spec: TaskSpec):
    """Median (quartiles shaded) q along the trajectories of one trial type, log scale, epochs shaded."""
    sub = speed[speed["trial_type"] == trial_type]
    color = type_color(trial_type, list(spec.draw))
    _shade_epochs(ax, spec, trial_type, 1)
    ax.fill_between(sub["time_bin"], sub["q25"], sub["q75"], color=color, alpha=0.3, lw=0)
    ax.plot(sub["time_bin"], sub["median_q"], color=color, lw=1.2)
    log_y(ax)
    ax.set_ylabel(f"{trial_type}\nspeed q")


# ----------------------------------------------------------------------------- per-model figures
def sequences_figure(tuning: pd.DataFrame, spec: TaskSpec):
    """One heatmap per trial type, sorted on odd trials and shown on even trials."""
    types = list(spec.draw)
    fig, axes = plt.subplots(1, len(types), figsize=(3.2 * len(types), 3.4), squeeze=False)
    for i, (ax, name) in enumerate(zip(axes[0], types)):
        im = sequence_heatmap(ax, tuning, name, name, spec)
        if i:
            ax.set_ylabel("")
    fig.colorbar(im, ax=list(axes[0]), fraction=0.02, label="normalised activity")
    return fig


def cross_sequences_figure(tuning: pd.DataFrame, spec: TaskSpec):
    """Rows: the sort (odd trials of one type); columns: even trials of each type."""
    types = list(spec.draw)
    n = len(types)
    fig, axes = plt.subplots(n, n, figsize=(2.8 * n, 2.5 * n), squeeze=False, sharex=True)
    for i, sort_type in enumerate(types):
        for j, shown in enumerate(types):
            im = sequence_heatmap(axes[i, j], tuning, shown, sort_type, spec)
            if j:
                axes[i, j].set_ylabel("")
            if i < n - 1:
                axes[i, j].set_xlabel("")
    fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, label="normalised activity")
    return fig


def decoding_figure(time_errors: pd.DataFrame, accuracy: pd.DataFrame, spec: TaskSpec):
    """Elapsed-time error, trial-type and first-odor-duration decoding against time."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), layout="constrained")
    time_error_panel(axes[0], time_errors, spec)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncol=len(spec.draw), fontsize=7)
    accuracy_panel(axes[1], accuracy, "trial_type", spec)
    accuracy_panel(axes[2], accuracy, "first_odor_duration", spec)
    return fig


def speed_figure(speed: pd.DataFrame, spec: TaskSpec):
    """q along the trajectories, one panel per trial type, shared log axis."""
    types = list(spec.draw)
    fig, axes = plt.subplots(len(types), 1, figsize=(6.5, 1.6 * len(types)), sharex=True, sharey=True, squeeze=False)
    for ax, name in zip(axes[:, 0], types):
        speed_panel(ax, speed, name, spec)
    axes[-1, 0].set_xlabel("time bin")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- sweep figures
def units_vs_gamma(fractions: pd.DataFrame):
    """Fraction of time cells and of ramping cells against gamma, per trial type and any type."""
    types = type_order(fractions["trial_type"].unique())
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.0))
    metric_vs_gamma(axes[0], fractions, "time_cell_fraction", "fraction of time cells", types)
    metric_vs_gamma(axes[1], fractions, "ramping_fraction", "fraction of ramping cells", types)
    axes[1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    fig.tight_layout()
    return fig


def decoding_vs_gamma(decoding: pd.DataFrame):
    """Elapsed-time error, bin the trial type is known from, bin the first-odor memory ends."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.0))
    metric_vs_gamma(axes[0], decoding, "time_error", "time decoding error (bins)")
    metric_vs_gamma(axes[1], decoding, "type_known_bin", "trial type known from bin")
    metric_vs_gamma(axes[2], decoding, "duration_memory_end", "first-odor duration\ndecodable until bin")
    fig.tight_layout()
    return fig


def behaviour_vs_gamma(scores: pd.DataFrame):
    """Premature and late rates (beyond the grace), latency, peak output vs gamma, per type, and
    the first crossings per gamma (:func:`crossing_panel`, every type)."""
    types = type_order(t for t in scores["trial_type"].unique() if t != "all")
    fig, axes = plt.subplots(1, 5, figsize=(15, 3.0))
    metric_vs_gamma(axes[0], scores, "premature_rate", "premature rate (>= 0.5 more\nthan grace bins early)", types)
    metric_vs_gamma(axes[1], scores, "late_rate", "late rate (>= 0.5 more\nthan grace bins late)", types)
    metric_vs_gamma(axes[2], scores, "latency", "response latency (bins)", types)
    metric_vs_gamma(axes[3], scores, "peak_output", "peak output in window", types)
    grace = int(scores["grace"].max()) if "grace" in scores and scores["grace"].notna().any() else None
    crossing_panel(axes[4], scores, types, grace)
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    fig.tight_layout()
    return fig
