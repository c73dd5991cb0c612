"""Figures: per-model output traces and PCA trajectories, sweep summaries.

Every figure is saved as PNG and PDF by :func:`save_figure`, with the
provenance document in the file metadata (PNG text chunk "tdnms", PDF
"Subject"), and without timestamps so reruns give identical files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import tables  # noqa: E402
from .task import TaskSpec  # noqa: E402

TYPE_COLORS = {"SL": "#1b9e77", "LS": "#d95f02", "SS": "#7570b3", "LL": "#e7298a"}
FALLBACK_COLORS = ["#66a61e", "#e6ab02", "#a6761d", "#666666"]

plt.rcParams.update(
    {
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "legend.frameon": False,
    }
)


def type_color(name: str, order: list[str] | None = None) -> str:
    if name in TYPE_COLORS:
        return TYPE_COLORS[name]
    i = (order or [name]).index(name) if order and name in order else 0
    return FALLBACK_COLORS[i % len(FALLBACK_COLORS)]


def save_figure(fig, paths: dict[str, str], meta: dict) -> None:
    """Save ``fig`` to each path (format from the suffix) with provenance metadata."""
    text = json.dumps(meta, sort_keys=True, default=str)
    for path in paths.values():
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = path.suffix.lstrip(".")
        if fmt == "png":
            metadata = {"Software": f"tdnms {meta.get('versions', {}).get('tdnms', '')}", "tdnms": text}
        elif fmt == "pdf":
            metadata = {"Creator": "tdnms", "Subject": text, "CreationDate": None, "ModDate": None}
        else:
            metadata = None
        tmp = tables.atomic_path(path).with_suffix(path.suffix)
        fig.savefig(tmp, format=fmt, metadata=metadata, bbox_inches="tight")
        os.replace(tmp, path)
    plt.close(fig)


def _shade_epochs(ax, spec: TaskSpec, trial_type: str, n_trials: int) -> None:
    t = spec.trial_type(trial_type)
    for k in range(n_trials):
        off = k * spec.n_bins
        for start, stop in t.odor_windows:
            ax.axvspan(off + start, off + stop, color="k", alpha=0.12, lw=0)
        ax.axvspan(off + spec.start_cue[0], off + spec.start_cue[1], color="gold", alpha=0.5, lw=0)
        ax.axvspan(off + spec.response_window[0], off + spec.response_window[1], color="tab:green", alpha=0.12, lw=0)


def output_traces(outputs: np.ndarray, trials, n_examples: int = 3):
    """One panel per trial type: outputs of a few test sequences, target dashed."""
    spec = trials.spec
    first = trials.trial_types[:, 0]
    types = list(spec.draw)
    fig, axes = plt.subplots(len(types), 1, figsize=(7, 1.7 * len(types)), sharex=True, squeeze=False)
    time = np.arange(outputs.shape[1])
    for ax, name in zip(axes[:, 0], types):
        idx = np.flatnonzero(first == name)[:n_examples]
        _shade_epochs(ax, spec, name, spec.trials_per_sequence)
        for j, i in enumerate(idx):
            ax.plot(time, outputs[i], color=type_color(name, types), lw=1.2, alpha=1.0 - 0.25 * j)
        if len(idx):
            ax.plot(time, trials.targets[idx[0], :, 0], color="k", ls="--", lw=0.9, label="target")
        ax.set_ylabel(f"{name}\noutput")
        ax.set_ylim(-0.3, 1.3)
        ax.axhline(0.5, color="0.6", lw=0.6, ls=":")
    axes[-1, 0].set_xlabel("time bin")
    axes[0, 0].legend(loc="upper left")
    fig.tight_layout()
    return fig


def pca_trajectories(projections: pd.DataFrame, explained: pd.DataFrame, spec: TaskSpec, overlay=None):
    """PC1-PC2 and PC1-PC3 panels: mean trajectory per trial type over faint single trials.

    ``overlay(ax, pcs)`` may draw more on each panel (fixed points), ``pcs`` being
    the pair of component indices of that panel.
    """
    ratio = dict(zip(explained["component"], explained["explained_variance_ratio"]))
    pairs = [(0, 1), (0, 2)] if "PC3" in ratio else [(0, 1)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.8), squeeze=False)
    first_trial = projections[projections["trial"] == 0]
    types = list(spec.draw)
    pcs = [f"PC{i + 1}" for i in range(3)]
    for ax, (a, b) in zip(axes[0], pairs):
        for name in types:
            sub = first_trial[first_trial["trial_type"] == name]
            color = type_color(name, types)
            for _, seq in list(sub.groupby("sequence"))[:8]:
                ax.plot(seq[pcs[a]], seq[pcs[b]], color=color, lw=0.4, alpha=0.25)
            mean = sub.groupby("time_bin")[[pcs[a], pcs[b]]].mean()
            ax.plot(mean[pcs[a]], mean[pcs[b]], color=color, lw=1.8, label=name)
            ax.plot(*mean.iloc[0].to_numpy(), "o", color=color, ms=5)
            resp = spec.response_window[0]
            if resp in mean.index:
                ax.plot(*mean.loc[resp].to_numpy(), "x", color=color, ms=7, mew=2)
        if overlay is not None:
            overlay(ax, (a, b))
        ax.set_xlabel(f"{pcs[a]} ({100 * ratio[pcs[a]]:.0f}% var)")
        ax.set_ylabel(f"{pcs[b]} ({100 * ratio[pcs[b]]:.0f}% var)")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0, 0].legend(loc="best")
    fig.tight_layout()
    return fig


def _gamma_axis(ax, gammas):
    ax.set_xscale("log")
    ax.set_xticks(gammas)
    ax.set_xticklabels([f"{g:g}" for g in gammas])
    ax.minorticks_off()
    ax.set_xlabel("gamma")


def training_curves(histories: dict[tuple[float, int], pd.DataFrame], criterion: float):
    """Loss (top) and worst-type validation accuracy (bottom) per gamma, one line per seed."""
    gammas = sorted({g for g, _ in histories})
    fig, axes = plt.subplots(2, len(gammas), figsize=(3.2 * len(gammas), 4.6), sharey="row", squeeze=False)
    for col, g in enumerate(gammas):
        for (gamma, seed), h in sorted(histories.items()):
            if gamma != g:
                continue
            axes[0, col].plot(h["step"], h["loss"], lw=0.8, label=f"seed {seed}")
            acc_cols = [c for c in h.columns if c.startswith("accuracy_")]
            ev = h.dropna(subset=acc_cols)
            axes[1, col].plot(ev["step"], ev[acc_cols].min(axis=1), lw=1, marker=".", ms=3)
        axes[0, col].set_title(f"gamma {g:g}")
        axes[0, col].set_yscale("log")
        axes[1, col].axhline(criterion, color="k", ls="--", lw=0.7)
        axes[1, col].set_xlabel("training step")
        axes[1, col].set_ylim(0, 1.05)
    axes[0, 0].set_ylabel("training loss")
    axes[1, 0].set_ylabel("worst trial type\nvalidation accuracy")
    axes[0, 0].legend(loc="upper right")
    fig.tight_layout()
    return fig


def accuracy_vs_gamma(scores: pd.DataFrame, criterion: float):
    """Test accuracy per trial type vs gamma; seeds as points, means joined."""
    types = [t for t in scores["trial_type"].unique() if t != "all"]
    gammas = sorted(scores["gamma"].unique())
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    offsets = np.linspace(-0.04, 0.04, len(types))
    for off, name in zip(offsets, types):
        sub = scores[scores["trial_type"] == name]
        color = type_color(name, types)
        ax.scatter(sub["gamma"] * (1 + off), sub["accuracy"], s=14, color=color, alpha=0.7)
        mean = sub.groupby("gamma")["accuracy"].mean()
        ax.plot(mean.index * (1 + off), mean.values, color=color, lw=1.4, label=name)
    ax.axhline(criterion, color="k", ls="--", lw=0.7, label="criterion")
    _gamma_axis(ax, gammas)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(min(0.5, scores["accuracy"].min() - 0.05), 1.02)
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def sweep_summary(scores: pd.DataFrame, pca: pd.DataFrame, criterion: float):
    """Four panels against gamma: accuracy, MSE, steps to criterion, variance explained by PCs."""
    overall = scores[scores["trial_type"] == "all"]
    gammas = sorted(overall["gamma"].unique())
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 5.6))
    panels = [
        (axes[0, 0], "accuracy", "test accuracy (all types)"),
        (axes[0, 1], "mse", "test MSE"),
        (axes[1, 0], "steps", "steps to criterion"),
    ]
    for ax, column, label in panels:
        ax.scatter(overall["gamma"], overall[column], s=16, color="0.3")
        mean = overall.groupby("gamma")[column].mean()
        ax.plot(mean.index, mean.values, color="k", lw=1.2)
        _gamma_axis(ax, gammas)
        ax.set_ylabel(label)
    axes[0, 0].axhline(criterion, color="k", ls="--", lw=0.7)
    ax = axes[1, 1]
    for comp, sub in pca.groupby("component", sort=True):
        mean = sub.groupby("gamma")["explained_variance_ratio"].mean()
        ax.plot(mean.index, mean.values, marker="o", ms=3, label=comp)
    _gamma_axis(ax, gammas)
    ax.set_ylabel("explained variance ratio")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig
